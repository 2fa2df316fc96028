// Internal interface of the fast kernel paths: the per-CPU SIMD routines
// (SimdOps) and the layout-checking entry points that runKernel tries
// before the reference kernels.
#ifndef LMC_KERNELS_FAST_H
#define LMC_KERNELS_FAST_H

#include <cstdint>

#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {

// The SGEMM register tile of a level is gemmMr rows of A by gemmPanels
// panels of B, each kGemmNr columns: B's panels are those of
// matmul_packed's layout (format::kPackedNr wide), whatever the level;
// A is packed (FastMatMul.cpp) gemmMr rows at a time. kGemmMr is the
// portable and AVX2 tile's height.
inline constexpr int kGemmNr = 16;
inline constexpr int kGemmMr = 6;
inline constexpr int kGemmMaxMr = 16, kGemmMaxPanels = 2;

// Square and Cube are pow with a constant exponent 2 or 3 and read only a.
enum class BinaryFn : uint8_t { Add, Sub, Mul, Div, Max, Min, Square, Cube };

// Routines over contiguous f32 data. A null entry means the level has no
// fast version and the reference kernel runs instead. Every routine gives
// each element a value that depends only on its inputs, never on where an
// array starts or ends, so splitting work between threads changes nothing.
struct SimdOps {
  const char *name;
  int gemmMr, gemmPanels;  // the SGEMM register tile (above)
  // c[i*ldc + j] (+)= sum_k ap[k*MR + i] * B[k][j] for i < MR = gemmMr and
  // j < panels * NR (panels <= gemmPanels), B[k][j] = bp[(j / NR) * kc * NR
  // + k*NR + j % NR]: `panels` adjacent packed panels (accumulate: add to c,
  // else overwrite). Each element's sum runs over k in order.
  void (*gemmMicro)(int64_t kc, int64_t panels, const float *ap, const float *bp, float *c,
                    int64_t ldc, bool accumulate);
  // y[p*NR + j] (+)= sum_k x[k] * bp[p*kc*NR + k*NR + j] for p < panels,
  // j < NR: a row times `panels` packed panels of kc rows (matmul_packed);
  // accumulating continues each column's sum from y, like gemvRows' chain.
  void (*gemvPanels)(int64_t kc, int64_t panels, const float *x, const float *bp, float *y,
                     bool accumulate);
  // y[j] = sum_k x[k] * b[k*ldb + j] for j < n (B rows contiguous).
  void (*gemvRows)(int64_t k, int64_t n, const float *x, const float *b, int64_t ldb, float *y);
  // y[j] = sum_k x[k] * b[j*ldb + k] for j < n (B columns contiguous).
  void (*gemvCols)(int64_t k, int64_t n, const float *x, const float *b, int64_t ldb, float *y);
  // o[i] = a[i*sa] fn b[i*sb], sa and sb 0 or 1.
  void (*binary)(BinaryFn fn, const float *a, int64_t sa, const float *b, int64_t sb, float *o,
                 int64_t n);
  void (*exp)(const float *x, float *y, int64_t n);
  void (*tanh)(const float *x, float *y, int64_t n);
  void (*erf)(const float *x, float *y, int64_t n);
  // One softmax lane and one layer_norm block (bias may be null).
  void (*softmaxRow)(const float *x, float *y, int64_t n);
  void (*layerNormRow)(const float *x, const float *scale, const float *bias, float *y, int64_t n,
                       double epsilon);
  // gelu in one pass, tanh and erf forms.
  void (*geluTanh)(const float *x, float *y, int64_t n);
  void (*geluErf)(const float *x, float *y, int64_t n);
};

const SimdOps &portableSimdOps();
// The AVX2+FMA and AVX-512 routines, or null when this build, the CPU or
// the OS (no zmm state saved) lacks them.
const SimdOps *avx2SimdOps();
const SimdOps *avx512SimdOps();
const SimdOps &simdOps(const ExecOptions &options);

// The level the fast paths run at: the highest this build and CPU support,
// capped by options (maxSimd, portableOnly) and by the environment variable
// LMC_SIMD (portable, avx2, avx2vnni or avx512; read once, other values
// ignored).
SimdLevel simdLevel(const ExecOptions &options);
// AVX-512 usable (avx512SimdOps) and VNNI, which matmul_q's AVX-512 kernels need.
bool cpuHasAvx512Vnni();
// AVX2 usable (avx2SimdOps) and AVX-VNNI, for matmul_q's Avx2Vnni kernels.
bool cpuHasAvxVnni();

// Splits [0, count) into chunks of at least `grain` items and runs
// fn(begin, end) on each, on options.parallel when there is one. The chunk
// boundaries depend on count, grain and the thread count only.
void parallelFor(const ExecOptions &options, int64_t count, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &fn);

// Fast paths: each returns true when it handled the instruction (f32,
// layouts it supports), false to let the reference kernel run.
bool fastMatMul(const TensorRef &o, const TensorRef &a, const TensorRef &b,
                const ExecOptions &options);
// matmul_packed: b is the packed matrix (FORMAT.md "Packed B"), read in
// place: no packing of B at run time.
bool fastMatMulPacked(const TensorRef &o, const TensorRef &a, const TensorRef &b,
                      const ExecOptions &options);
// matmul_q (imms: scheme, G): b is the quantized matrix (FORMAT.md
// "Quantized B"), c its scales (FastMatMulQ.cpp).
bool fastMatMulQ(const TensorRef &o, const TensorRef &a, const TensorRef &b, const TensorRef &c,
                 const int64_t *imms, const ExecOptions &options);
bool fastUnary(format::Opcode op, const TensorRef &o, const TensorRef &a,
               const ExecOptions &options);
// gelu by the SIMD level's one-pass routines.
bool fastGelu(const TensorRef &o, const TensorRef &a, bool tanhForm, const ExecOptions &options);
bool fastBinary(format::Opcode op, const TensorRef &o, const TensorRef &a, const TensorRef &b,
                const ExecOptions &options);
// where on 4-byte values, inputs contiguous or broadcast along the last axis.
bool fastWhere(const TensorRef &o, const TensorRef &cond, const TensorRef &a, const TensorRef &b,
               const ExecOptions &options);
bool fastSoftmax(const TensorRef &o, const TensorRef &a, int64_t axis, const ExecOptions &options);
bool fastLayerNorm(const TensorRef &o, const TensorRef &a, const TensorRef &scale,
                   const TensorRef *bias, int64_t axis, double epsilon, const ExecOptions &options);

} // namespace lmc::kernels

#endif // LMC_KERNELS_FAST_H
