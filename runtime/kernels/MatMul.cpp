// matmul: o[..., M, N] = a[..., M, K] @ b[..., K, N] in f32 (or exactly,
// modulo 2^32, in i32), batch dims broadcast by zero strides;
// matmul_packed: the same with B read from its packed layout (FORMAT.md
// "Packed B").
#include <algorithm>
#include <vector>

#include "runtime/format/PackedMatMul.h"
#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {

namespace {

// T: the operands' element type; Acc: the accumulator, float for f32 and
// uint32_t for i32 (products and sums wrap modulo 2^32, FORMAT.md).
template <typename T, typename Acc>
void matmulLoop(const TensorRef &o, const TensorRef &a, const TensorRef &b) {
  const int r = o.rank;
  const int64_t M = a.shape[r - 2], K = a.shape[r - 1], N = b.shape[r - 1];
  const int64_t sam = a.strides[r - 2], sak = a.strides[r - 1];
  const int64_t sbk = b.strides[r - 2], sbn = b.strides[r - 1];
  const int64_t som = o.strides[r - 2], son = o.strides[r - 1];
  // The batch dims, iterated as rows of length 1 over the leading r-2 axes.
  TensorRef batch = o;
  batch.rank = r - 2;
  std::vector<Acc> acc(static_cast<size_t>(N));
  const T *pa0 = typed<T>(a);
  const T *pb0 = typed<T>(b);
  T *po0 = typed<T>(o);
  if (M == 0 || N == 0)
    return;
  // Rows of length 1 over the batch dims: the last batch axis is handled by
  // forEachRow's inner loop.
  forEachRow<3>(batch.rank, batch.shape, {o.strides, a.strides, b.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  for (int64_t t = 0; t < len; ++t) {
                    const T *pa = pa0 + base[1] + t * inner[1];
                    const T *pb = pb0 + base[2] + t * inner[2];
                    T *po = po0 + base[0] + t * inner[0];
                    for (int64_t i = 0; i < M; ++i) {
                      // Loop order i-k-j: each (i, j) still sums over k in
                      // increasing order, exactly like the naive i-j-k loop,
                      // but the inner loop walks rows of b and acc.
                      std::fill(acc.begin(), acc.end(), Acc(0));
                      for (int64_t k = 0; k < K; ++k) {
                        const Acc aik = static_cast<Acc>(pa[i * sam + k * sak]);
                        const T *brow = pb + k * sbk;
                        if (sbn == 1) {
                          for (int64_t j = 0; j < N; ++j)
                            acc[j] += aik * static_cast<Acc>(brow[j]);
                        } else {
                          for (int64_t j = 0; j < N; ++j)
                            acc[j] += aik * static_cast<Acc>(brow[j * sbn]);
                        }
                      }
                      for (int64_t j = 0; j < N; ++j)
                        po[i * som + j * son] = static_cast<T>(acc[j]);
                    }
                  }
                });
}

}  // namespace

absl::Status runMatMul(const TensorRef &o, const TensorRef &a, const TensorRef &b) {
  using format::DType;
  if (a.dtype == DType::F32 && b.dtype == DType::F32 && o.dtype == DType::F32) {
    matmulLoop<float, float>(o, a, b);
    return absl::OkStatus();
  }
  if (a.dtype == DType::I32 && b.dtype == DType::I32 && o.dtype == DType::I32) {
    matmulLoop<int32_t, uint32_t>(o, a, b);
    return absl::OkStatus();
  }
  return unsupported("matmul", a.dtype == DType::F32 || a.dtype == DType::I32 ? b.dtype : a.dtype);
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
