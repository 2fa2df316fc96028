// matmul_q, the reference kernel: a matmul whose B is quantized (int8, int4
// group-wise, ternary), its activations quantized per row to int8 on the
// fly, as FORMAT.md ("matmul_q", "Quantized B") defines it, written as
// directly as the definition reads.
#include <vector>

#include "runtime/format/QuantMatMul.h"
#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {

absl::Status runMatMulQ(const TensorRef &o, const TensorRef &a, const TensorRef &b,
                        const TensorRef &c, const int64_t *imms) {
  if (o.dtype != format::DType::F32 || a.dtype != format::DType::F32 ||
      b.dtype != format::DType::U8 || c.dtype != format::DType::F32)
    return absl::InvalidArgumentError("matmul_q needs f32 a, o and scales and a u8 b");
  const auto scheme = static_cast<format::QuantScheme>(imms[0]);
  const int64_t G = imms[1];
  const int r = o.rank;
  const int64_t M = a.shape[r - 2], K = a.shape[r - 1], N = o.shape[r - 1];
  const int64_t groups = format::quantGroups(K, G);
  const int64_t sam = a.strides[r - 2], sak = a.strides[r - 1];
  const int64_t som = o.strides[r - 2], son = o.strides[r - 1];
  if (M == 0 || N == 0)
    return absl::OkStatus();
  // B unpacked once: K x N int8.
  std::vector<int8_t> qb(static_cast<size_t>(K * N));
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n)
      qb[k * N + n] = format::unpackQuantWeight(scheme, b.data, K, k, n);
  const float *scales = typed<float>(c);
  const int64_t scaleRow = c.strides[0];
  std::vector<int8_t> qa(static_cast<size_t>(K));
  TensorRef batch = o;
  batch.rank = r - 2;
  const float *pa0 = typed<float>(a);
  float *po0 = typed<float>(o);
  forEachRow<2>(batch.rank, batch.shape, {o.strides, a.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  for (int64_t t = 0; t < len; ++t) {
                    const float *pa = pa0 + base[1] + t * inner[1];
                    float *po = po0 + base[0] + t * inner[0];
                    for (int64_t i = 0; i < M; ++i) {
                      const float sa = format::quantizeActivationRow(pa + i * sam, sak, K, qa.data());
                      for (int64_t n = 0; n < N; ++n) {
                        float sum = 0;
                        for (int64_t g = 0; g < groups; ++g) {
                          int32_t acc = 0;
                          for (int64_t k = g * G; k < K && k < (g + 1) * G; ++k)
                            acc += int32_t(qa[k]) * int32_t(qb[k * N + n]);
                          sum += scales[g * scaleRow + n] * float(acc);
                        }
                        po[i * som + n * son] = sa * sum;
                      }
                    }
                  }
                });
  return absl::OkStatus();
}

}  // namespace lmc::kernels
