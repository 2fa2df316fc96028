// Fused normalizations: softmax along one axis (max-subtracted) and
// layer_norm over the trailing axes. Both compute in f64 (f16/bf16 widen
// exactly, results round via f32) and read a whole lane before writing it,
// so o may be a's own region.
#include <cmath>
#include <vector>

#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {
namespace {

template <typename T> absl::Status softmaxTyped(const TensorRef &o, const TensorRef &a, int axis) {
  // Iterate over every lane: all axes but `axis`, which gets size 1.
  int64_t outer[format::kMaxRank];
  for (int k = 0; k < a.rank; ++k)
    outer[k] = k == axis ? 1 : a.shape[k];
  const int64_t n = a.shape[axis];
  const int64_t sa = a.strides[axis], so = o.strides[axis];
  std::vector<double> lane(static_cast<size_t>(n));
  T *po = typed<T>(o);
  const T *pa = typed<T>(a);
  if (n == 0)
    return absl::OkStatus();
  forEachRow<2>(a.rank, outer, {o.strides, a.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  for (int64_t t = 0; t < len; ++t) {
                    const T *x = pa + base[1] + t * inner[1];
                    T *y = po + base[0] + t * inner[0];
                    double mx = -INFINITY;
                    for (int64_t i = 0; i < n; ++i) {
                      lane[i] = static_cast<double>(load(x[i * sa]));
                      mx = std::max(mx, lane[i]);
                    }
                    double sum = 0;
                    for (int64_t i = 0; i < n; ++i) {
                      lane[i] = std::exp(lane[i] - mx);
                      sum += lane[i];
                    }
                    for (int64_t i = 0; i < n; ++i)
                      y[i * so] = store<T>(static_cast<ComputeType<T>>(lane[i] / sum));
                  }
                });
  return absl::OkStatus();
}

template <typename T>
absl::Status layerNormTyped(const TensorRef &o, const TensorRef &a, const TensorRef &scale,
                            const TensorRef *bias, int axis, double epsilon) {
  // Outer rows: axes [0, axis); each visits the inner block [axis, rank).
  const int r = a.rank;
  int64_t outerShape[format::kMaxRank], innerShape[format::kMaxRank];
  int64_t innerCount = 1;
  for (int k = 0; k < r; ++k) {
    outerShape[k] = k < axis ? a.shape[k] : 1;
    innerShape[k] = k < axis ? 1 : a.shape[k];
    if (k >= axis)
      innerCount *= a.shape[k];
  }
  if (innerCount == 0 || a.numElements() == 0)
    return absl::OkStatus();
  std::vector<double> block(static_cast<size_t>(innerCount));
  T *po = typed<T>(o);
  const T *pa = typed<T>(a), *ps = typed<T>(scale);
  const T *pc = bias ? typed<T>(*bias) : nullptr;
  const int64_t zero[format::kMaxRank] = {0};
  const int64_t *biasStrides = bias ? bias->strides : zero;
  forEachRow<4>(r, outerShape, {o.strides, a.strides, scale.strides, biasStrides},
                [&](const int64_t *, const int64_t *ob, int64_t olen, const int64_t *oinner) {
                  for (int64_t t = 0; t < olen; ++t) {
                    int64_t origin[4];
                    for (int j = 0; j < 4; ++j)
                      origin[j] = ob[j] + t * oinner[j];
                    size_t at = 0;
                    double sum = 0;
                    forEachRow<1>(r, innerShape, {a.strides},
                                  [&](const int64_t *, const int64_t *b, int64_t len,
                                      const int64_t *in) {
                                    for (int64_t i = 0; i < len; ++i) {
                                      double v = load(pa[origin[1] + b[0] + i * in[0]]);
                                      block[at++] = v;
                                      sum += v;
                                    }
                                  });
                    // Two passes in f64: the mean first, then the variance
                    // around it, avoiding E[x^2] - E[x]^2 cancellation.
                    const double mean = sum / static_cast<double>(innerCount);
                    double var = 0;
                    for (double v : block)
                      var += (v - mean) * (v - mean);
                    var /= static_cast<double>(innerCount);
                    const double inv = 1.0 / std::sqrt(var + epsilon);
                    at = 0;
                    forEachRow<3>(
                        r, innerShape, {o.strides, scale.strides, biasStrides},
                        [&](const int64_t *, const int64_t *b, int64_t len, const int64_t *in) {
                          for (int64_t i = 0; i < len; ++i) {
                            double y = (block[at++] - mean) * inv *
                                       static_cast<double>(load(ps[origin[2] + b[1] + i * in[1]]));
                            if (pc)
                              y += static_cast<double>(load(pc[origin[3] + b[2] + i * in[2]]));
                            po[origin[0] + b[0] + i * in[0]] = store<T>(static_cast<ComputeType<T>>(y));
                          }
                        });
                  }
                });
  return absl::OkStatus();
}

}  // namespace

absl::Status runSoftmax(const TensorRef &o, const TensorRef &a, int64_t axis) {
  return dispatchFloat(a.dtype, "softmax", [&](auto tag) {
    return softmaxTyped<decltype(tag)>(o, a, static_cast<int>(axis));
  });
}

absl::Status runLayerNorm(const TensorRef &o, const TensorRef &a, const TensorRef &scale,
                          const TensorRef *bias, int64_t axis, double epsilon) {
  return dispatchFloat(a.dtype, "layer_norm", [&](auto tag) {
    return layerNormTyped<decltype(tag)>(o, a, scale, bias, static_cast<int>(axis), epsilon);
  });
}

}  // namespace lmc::kernels
