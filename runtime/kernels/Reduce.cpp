// Reductions: o has a's rank with 1 on the reduced axes. Sums and products
// accumulate in f64 (floats) or with wrap-around in 64 bits (integers; the
// low bits are the wrapped result in any narrower type), in a contiguous buffer, so o may
// even be a's own region when nothing is reduced. f16/bf16 widen to f32.
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {
namespace {

using format::Opcode;

template <typename S> absl::Status reduceTyped(Opcode op, const TensorRef &o, const TensorRef &a) {
  using T = ComputeType<S>;
  constexpr bool isInt = std::is_integral_v<T>;
  using Acc = std::conditional_t<isInt, uint64_t, double>;
  const int64_t outCount = o.numElements();
  if (outCount == 0)
    return absl::OkStatus();
  // accStrides maps a's index to o's contiguous position: reduced axes
  // (o dim 1, a dim not 1) contribute nothing.
  int64_t accStrides[format::kMaxRank] = {0};
  int64_t stride = 1;
  for (int k = o.rank - 1; k >= 0; --k) {
    accStrides[k] = o.shape[k] == a.shape[k] ? stride : 0;
    stride *= o.shape[k];
  }
  const bool isSum = op == Opcode::ReduceSum || op == Opcode::ReduceMean;
  const bool isProd = op == Opcode::ReduceProd;
  const bool isMax = op == Opcode::ReduceMax;
  Acc init = isProd ? 1 : 0;
  if (!isSum && !isProd) {
    if constexpr (isInt)
      init = static_cast<Acc>(isMax ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max());
    else
      init = isMax ? -INFINITY : INFINITY;
  }
  std::vector<Acc> acc(static_cast<size_t>(outCount), init);
  const S *pa = typed<S>(a);
  forEachRow<2>(a.rank, a.shape, {a.strides, static_cast<const int64_t *>(accStrides)},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  for (int64_t i = 0; i < len; ++i) {
                    T x = load(pa[base[0] + i * inner[0]]);
                    Acc &slot = acc[base[1] + i * inner[1]];
                    if (isSum) {
                      slot += static_cast<Acc>(x);
                    } else if (isProd) {
                      slot *= static_cast<Acc>(x);
                    } else if constexpr (isInt) {
                      T cur = static_cast<T>(slot);
                      slot = static_cast<Acc>(isMax ? (x > cur ? x : cur) : (x < cur ? x : cur));
                    } else {
                      // NaN propagates: once slot is NaN it stays NaN.
                      if (std::isnan(x) || std::isnan(slot))
                        slot = NAN;
                      else if (isMax ? x > slot : x < slot)
                        slot = x;
                    }
                  }
                });
  const int64_t inCount = a.numElements();
  const double count = static_cast<double>(inCount) / static_cast<double>(outCount);
  S *po = typed<S>(o);
  int64_t contiguous[format::kMaxRank] = {0};
  stride = 1;
  for (int k = o.rank - 1; k >= 0; --k) {
    contiguous[k] = stride;
    stride *= o.shape[k];
  }
  forEachRow<2>(o.rank, o.shape, {o.strides, static_cast<const int64_t *>(contiguous)},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  for (int64_t i = 0; i < len; ++i) {
                    Acc v = acc[base[1] + i * inner[1]];
                    if constexpr (!isInt) {
                      if (op == Opcode::ReduceMean)
                        v /= count;
                    }
                    po[base[0] + i * inner[0]] = store<S>(static_cast<T>(v));
                  }
                });
  return absl::OkStatus();
}

}  // namespace

absl::Status runReduce(Opcode op, const TensorRef &o, const TensorRef &a) {
  const char *mnemonic = format::opcodeInfo(op).mnemonic;
  if (op == Opcode::ReduceMean)
    return dispatchFloat(a.dtype, mnemonic,
                         [&](auto tag) { return reduceTyped<decltype(tag)>(op, o, a); });
  return dispatchNumeric(a.dtype, mnemonic,
                         [&](auto tag) { return reduceTyped<decltype(tag)>(op, o, a); });
}

}  // namespace lmc::kernels
