// Packing of matmul_packed's B operand (FORMAT.md, "Packed B").
#include "runtime/format/PackedMatMul.h"

#include <algorithm>

namespace lmc::format {

int64_t packedElements(int64_t k, int64_t n) {
  if (k < 0 || n < 0 || n > INT64_MAX - kPackedNr)
    return -1;
  int64_t out;
  if (__builtin_mul_overflow(k, packedColumns(n), &out))
    return -1;
  return out;
}

void packMatMulB(const float *b, int64_t rowStride, int64_t colStride, int64_t K, int64_t N,
                 float *dst) {
  const int64_t npad = packedColumns(N);
  for (int64_t k0 = 0; k0 < K; k0 += kPackedKc) {
    const int64_t kc = std::min(kPackedKc, K - k0);
    float *block = dst + k0 * npad;
    for (int64_t j0 = 0; j0 < npad; j0 += kPackedNr) {
      float *panel = block + (j0 / kPackedNr) * kc * kPackedNr;
      for (int64_t j = 0; j < kPackedNr; ++j) {
        // Column by column: reads contiguous memory when B is transposed.
        if (j0 + j >= N) {
          for (int64_t k = 0; k < kc; ++k)
            panel[k * kPackedNr + j] = 0.0f;
          continue;
        }
        const float *col = b + (j0 + j) * colStride + k0 * rowStride;
        for (int64_t k = 0; k < kc; ++k)
          panel[k * kPackedNr + j] = col[k * rowStride];
      }
    }
  }
}

}  // namespace lmc::format
