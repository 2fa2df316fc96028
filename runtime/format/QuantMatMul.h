// Quantized weights for `matmul_q` (FORMAT.md, "Quantized B"): the schemes,
// the rounding rules that turn f32 weights and activations into integers,
// and the packed byte layout the kernels read. The one definition shared by
// the compiler (which quantizes and packs constant weights), the reader's
// F16 rule, the kernels and the tests.
#ifndef LMC_FORMAT_QUANTMATMUL_H
#define LMC_FORMAT_QUANTMATMUL_H

#include <cstdint>
#include <string>

namespace lmc::format {

// matmul_q's imm0. The values are part of the file format.
enum class QuantScheme : int64_t {
  Int8 = 1,     // q in [-128, 127] (the compiler produces [-127, 127])
  Int4 = 2,     // q in [-8, 7] (the compiler produces [-7, 7])
  Ternary = 3,  // q in {-1, 0, +1}
};

// "int8", "int4", "ternary", or "" for a value that is not a scheme.
const char *quantSchemeName(int64_t scheme);
// Bits one weight takes in the packed layout: 8, 4 or 2.
int quantSchemeBits(QuantScheme scheme);

// Columns of B per panel of the packed layout.
inline constexpr int64_t kQuantPanel = 16;

// Groups of the reduction dimension: ceil(K / G).
inline constexpr int64_t quantGroups(int64_t K, int64_t G) { return G > 0 ? (K + G - 1) / G : 0; }

// "" when (scheme, K, N, G) describe a valid quantized K x N matrix, else
// why not: the scheme is one of QuantScheme, K >= 1, N >= 0, 1 <= G <= K
// and G == K or G is a multiple of 8.
std::string checkQuantParams(int64_t scheme, int64_t K, int64_t N, int64_t G);

// Rows of one panel after padding: K rounded up to a multiple of 4 (int8,
// ternary) or 8 (int4). Padding rows hold q = 0.
int64_t quantPaddedK(QuantScheme scheme, int64_t K);
// Bytes of one panel (16 columns) and of the whole packed matrix, which is
// ceil(N / 16) panels one after the other, each contiguous, so the columns
// [16 p, 16 p + 16) are the bytes [p * panelBytes, (p + 1) * panelBytes).
// -1 when the parameters are invalid or the size overflows 63 bits.
int64_t quantPanelBytes(QuantScheme scheme, int64_t K);
int64_t quantPackedBytes(QuantScheme scheme, int64_t K, int64_t N);

// Quantizes the K x N f32 matrix W[k][n] = w[k * rowStride + n * colStride]
// into q[k * N + n] (row-major) and scales[g * N + n] (groups x N), so that
// W[k][n] ~ q[k][n] * scales[k / G][n]:
// - Int8, per group and column: amax = max |W|, s = amax / 127, q =
//   clamp(nearbyint(W * (127 / amax)), -127, 127);
// - Int4 likewise with 7 for 127 (q in [-7, 7]);
// - Ternary, per tensor (BitNet b1.58's absmean): s = mean |W| over all of
//   W (summed in f64), q = clamp(nearbyint(W / s), -1, 1); every scale is s.
// A group (tensor) whose amax (mean) is 0 gets s = 0 and q = 0. Products
// and quotients are f32, nearbyint rounds half to even. Deterministic.
void quantizeWeights(QuantScheme scheme, const float *w, int64_t rowStride, int64_t colStride,
                     int64_t K, int64_t N, int64_t G, int8_t *q, float *scales);

// Packs q[k * N + n] (row-major, values in the scheme's range) into
// dst[quantPackedBytes(scheme, K, N)]; the padding (rows >= K, columns >= N)
// holds q = 0. The result depends only on the values.
void packQuantWeights(QuantScheme scheme, const int8_t *q, int64_t K, int64_t N, uint8_t *dst);

// The q of B[k][n] read back from a packed matrix (slow; for the reference
// kernel and tests).
int8_t unpackQuantWeight(QuantScheme scheme, const uint8_t *packed, int64_t K, int64_t k,
                         int64_t n);

// Dynamic per-row (per-token) activation quantization, the first step of
// matmul_q: amax = max |x[k]| over the row; if amax is 0 every q is 0 and
// the scale 0; else q[k] = nearbyint(x[k] * (127 / amax)) (in [-127, 127])
// and the scale amax / 127. All in f32. Returns the scale.
float quantizeActivationRow(const float *x, int64_t stride, int64_t K, int8_t *q);

}  // namespace lmc::format

#endif  // LMC_FORMAT_QUANTMATMUL_H
