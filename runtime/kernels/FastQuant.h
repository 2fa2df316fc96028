// Internal interface of matmul_q's fast path (FastMatMulQ.cpp): the
// activations quantized once per row, and the per-SIMD-level routines that
// quantize a row and compute a tile of the output from them.
#ifndef LMC_KERNELS_FASTQUANT_H
#define LMC_KERNELS_FASTQUANT_H

#include <cstdint>

#include "runtime/format/QuantMatMul.h"
#include "runtime/kernels/Kernels.h"

namespace lmc::kernels {

// The quantized K x N matrix and its grouping.
struct QuantShape {
  format::QuantScheme scheme;
  int64_t K, Kp, G, groups;  // Kp: rows per panel (quantPaddedK)
  int64_t panelBytes;
};

// Activation rows quantized by quantizeActivationRow. Row i's values are
// q[i * qStride + k] for k < Kp (0 past K), its per-group sums of q
// sums[i * groups + g] (for the kernels that store weights offset as
// unsigned), its scale scale[i].
struct QuantRows {
  const int8_t *q;
  int64_t qStride;
  const int32_t *sums;
  const float *scale;
};

// `rows` rows (from QuantRows' row 0) times `panels` whole panels: o[i *
// ldo + j] for j < 16 * panels is output column j of the tile, whose
// panels start at b and whose scales of group g are scales[g * scaleStride
// + j] (all 16 * panels of them readable).
struct QuantTile {
  const uint8_t *b;
  const float *scales;
  int64_t scaleStride;
  float *o;
  int64_t ldo;
  int64_t rows, panels;
};

// One SIMD level's routines. Every output element is computed by the same
// instruction sequence wherever it falls in a tile (the exact integer
// group sums, then o = sa * (((0 + c_0 acc_0) + c_1 acc_1) + ...)), so the
// result does not depend on how the work is cut.
struct QuantOps {
  const char *name;
  // quantizeActivationRow(x, 1, K, q), bit for bit.
  float (*quantizeRow)(const float *x, int64_t K, int8_t *q);
  void (*tile)(const QuantShape &shape, const QuantRows &a, const QuantTile &t);
};

const QuantOps &portableQuantOps();
// Null when this build has no such routines; callers check the CPU
// (simdLevel) before calling them.
const QuantOps *avx2QuantOps();
const QuantOps *avxVnniQuantOps();
const QuantOps *avx512QuantOps();

// The routines of simdLevel(options), for the driver and the tests.
const QuantOps &quantOps(const ExecOptions &options);

}  // namespace lmc::kernels

#endif  // LMC_KERNELS_FASTQUANT_H
