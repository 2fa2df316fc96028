// The packed weight layout of `matmul_packed` (FORMAT.md, "Packed B"): the
// one definition shared by the compiler, which packs constant weights at
// compile time, the reader's F16 rule and the kernels that read it.
#ifndef LMC_FORMAT_PACKEDMATMUL_H
#define LMC_FORMAT_PACKEDMATMUL_H

#include <cstdint>

namespace lmc::format {

// Panel width: columns of B per panel (the SGEMM micro-kernel's NR).
inline constexpr int64_t kPackedNr = 16;
// K blocking: rows of B per block (the SGEMM's KC).
inline constexpr int64_t kPackedKc = 256;

// N rounded up to a whole number of panels.
inline constexpr int64_t packedColumns(int64_t n) {
  return (n + kPackedNr - 1) / kPackedNr * kPackedNr;
}

// Elements (f32) of a packed K x N matrix, K * packedColumns(N); -1 when K
// or N is negative or the count does not fit in 63 bits.
int64_t packedElements(int64_t k, int64_t n);

// Index in the packed array of B[k][j] (0 <= k < K, 0 <= j < N): the K
// block of row k starts at element kb * KC * Npad; inside it, panel
// j / NR holds kc rows of NR consecutive floats, kc = min(KC, K - kb * KC).
inline int64_t packedIndex(int64_t k, int64_t j, int64_t K, int64_t N) {
  const int64_t k0 = k / kPackedKc * kPackedKc;
  const int64_t kc = K - k0 < kPackedKc ? K - k0 : kPackedKc;
  return k0 * packedColumns(N) + (j / kPackedNr) * kc * kPackedNr + (k - k0) * kPackedNr +
         j % kPackedNr;
}

// Packs B[k][j] = b[k * rowStride + j * colStride] (K x N, any strides, so
// a transposed view packs directly) into dst[packedElements(K, N)]; the
// padding columns j >= N are zero. The result depends only on the values.
void packMatMulB(const float *b, int64_t rowStride, int64_t colStride, int64_t K, int64_t N,
                 float *dst);

}  // namespace lmc::format

#endif  // LMC_FORMAT_PACKEDMATMUL_H
