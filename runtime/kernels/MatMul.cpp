// matmul: o[..., M, N] = a[..., M, K] @ b[..., K, N] in f32, batch dims
// broadcast by zero strides; matmul_packed: the same with B read from its
// packed layout (FORMAT.md "Packed B").
#include <algorithm>
#include <vector>

#include "runtime/format/PackedMatMul.h"
#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {

absl::Status runMatMul(const TensorRef &o, const TensorRef &a, const TensorRef &b) {
  if (o.dtype != format::DType::F32 || a.dtype != format::DType::F32 ||
      b.dtype != format::DType::F32)
    return unsupported("matmul", a.dtype == format::DType::F32 ? b.dtype : a.dtype);
  const int r = o.rank;
  const int64_t M = a.shape[r - 2], K = a.shape[r - 1], N = b.shape[r - 1];
  const int64_t sam = a.strides[r - 2], sak = a.strides[r - 1];
  const int64_t sbk = b.strides[r - 2], sbn = b.strides[r - 1];
  const int64_t som = o.strides[r - 2], son = o.strides[r - 1];
  // The batch dims, iterated as rows of length 1 over the leading r-2 axes.
  TensorRef batch = o;
  batch.rank = r - 2;
  std::vector<float> acc(static_cast<size_t>(N));
  const float *pa0 = typed<float>(a);
  const float *pb0 = typed<float>(b);
  float *po0 = typed<float>(o);
  if (M == 0 || N == 0)
    return absl::OkStatus();
  // Rows of length 1 over the batch dims: the last batch axis is handled by
  // forEachRow's inner loop.
  forEachRow<3>(batch.rank, batch.shape, {o.strides, a.strides, b.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  for (int64_t t = 0; t < len; ++t) {
                    const float *pa = pa0 + base[1] + t * inner[1];
                    const float *pb = pb0 + base[2] + t * inner[2];
                    float *po = po0 + base[0] + t * inner[0];
                    for (int64_t i = 0; i < M; ++i) {
                      // Loop order i-k-j: each (i, j) still sums over k in
                      // increasing order, exactly like the naive i-j-k loop,
                      // but the inner loop walks rows of b and acc.
                      std::fill(acc.begin(), acc.end(), 0.0f);
                      for (int64_t k = 0; k < K; ++k) {
                        const float aik = pa[i * sam + k * sak];
                        const float *brow = pb + k * sbk;
                        if (sbn == 1) {
                          for (int64_t j = 0; j < N; ++j)
                            acc[j] += aik * brow[j];
                        } else {
                          for (int64_t j = 0; j < N; ++j)
                            acc[j] += aik * brow[j * sbn];
                        }
                      }
                      for (int64_t j = 0; j < N; ++j)
                        po[i * som + j * son] = acc[j];
                    }
                  }
                });
  return absl::OkStatus();
}

absl::Status runMatMulPacked(const TensorRef &o, const TensorRef &a, const TensorRef &b) {
  if (o.dtype != format::DType::F32 || a.dtype != format::DType::F32 ||
      b.dtype != format::DType::F32)
    return unsupported("matmul_packed", a.dtype == format::DType::F32 ? b.dtype : a.dtype);
  using format::kPackedKc;
  using format::kPackedNr;
  const int r = o.rank;
  const int64_t M = a.shape[r - 2], K = a.shape[r - 1], N = o.shape[r - 1];
  const int64_t npad = format::packedColumns(N);
  const int64_t sam = a.strides[r - 2], sak = a.strides[r - 1];
  const int64_t som = o.strides[r - 2], son = o.strides[r - 1];
  if (M == 0 || N == 0)
    return absl::OkStatus();
  TensorRef batch = o;
  batch.rank = r - 2;
  std::vector<float> acc(static_cast<size_t>(N));
  const float *pa0 = typed<float>(a);
  const float *pb = typed<float>(b);  // the same packed matrix for every batch
  float *po0 = typed<float>(o);
  forEachRow<2>(batch.rank, batch.shape, {o.strides, a.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  for (int64_t t = 0; t < len; ++t) {
                    const float *pa = pa0 + base[1] + t * inner[1];
                    float *po = po0 + base[0] + t * inner[0];
                    for (int64_t i = 0; i < M; ++i) {
                      // As runMatMul: each (i, j) sums over k in increasing
                      // order; row k of B is unpacked on the fly.
                      std::fill(acc.begin(), acc.end(), 0.0f);
                      for (int64_t k = 0; k < K; ++k) {
                        const float aik = pa[i * sam + k * sak];
                        const int64_t k0 = k / kPackedKc * kPackedKc;
                        const int64_t kc = std::min(kPackedKc, K - k0);
                        const float *row = pb + k0 * npad + (k - k0) * kPackedNr;
                        for (int64_t j = 0; j < N; ++j)
                          acc[j] += aik * row[(j / kPackedNr) * kc * kPackedNr + j % kPackedNr];
                      }
                      for (int64_t j = 0; j < N; ++j)
                        po[i * som + j * son] = acc[j];
                    }
                  }
                });
  return absl::OkStatus();
}

}  // namespace lmc::kernels
