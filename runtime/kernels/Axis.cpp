// Kernels that work on whole lanes along one axis: argmax, argmin (i64
// index of the extreme), cumsum (prefix sums) and topk (i64 indices of the
// k extremes, sorted). Every numeric dtype; f16/bf16 compare in f32.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {
namespace {

using format::Opcode;

// Calls f(aBase, oBase) for every lane along `axis`: the element offsets of
// the lane's first element in `a` and `o` (o's shape along the axis may
// differ).
template <typename F> void forEachLane(const TensorRef &o, const TensorRef &a, int axis, F f) {
  int64_t shape[format::kMaxRank];
  for (int k = 0; k < a.rank; ++k)
    shape[k] = k == axis ? 1 : a.shape[k];
  forEachRow<2>(a.rank, shape, {a.strides, o.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  for (int64_t i = 0; i < len; ++i)
                    f(base[0] + i * inner[0], base[1] + i * inner[1]);
                });
}

// x orders before y in a max-first (`max`) or min-first order where NaN
// comes first, as numpy's argmax/argmin pick the first NaN.
template <typename T> bool precedes(T x, T y, bool max) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x))
      return !std::isnan(y);
    if (std::isnan(y))
      return false;
  }
  return max ? x > y : x < y;
}

template <typename S>
absl::Status axisTyped(Opcode op, const TensorRef &o, const TensorRef &a, const int64_t *imms) {
  using T = ComputeType<S>;
  const int axis = static_cast<int>(imms[0]);
  const int64_t n = a.shape[axis], sa = a.strides[axis], so = o.strides[axis];
  const S *pa = typed<S>(a);
  if (op == Opcode::CumSum) {
    const bool exclusive = imms[1] != 0, reverse = imms[2] != 0;
    using Acc = std::conditional_t<std::is_integral_v<T>, uint64_t, double>;
    S *po = typed<S>(o);
    forEachLane(o, a, axis, [&](int64_t ab, int64_t ob) {
      Acc acc = 0;
      for (int64_t j = 0; j < n; ++j) {
        int64_t k = reverse ? n - 1 - j : j;
        T x = load(pa[ab + k * sa]);
        if (!exclusive)
          acc += static_cast<Acc>(x);
        po[ob + k * so] = store<S>(static_cast<T>(acc));
        if (exclusive)
          acc += static_cast<Acc>(x);
      }
    });
    return absl::OkStatus();
  }
  int64_t *po = typed<int64_t>(o);
  if (op == Opcode::ArgMax || op == Opcode::ArgMin) {
    const bool isMax = op == Opcode::ArgMax, last = imms[1] != 0;
    forEachLane(o, a, axis, [&](int64_t ab, int64_t ob) {
      int64_t best = 0;
      T bestValue = load(pa[ab]);
      for (int64_t k = 1; k < n; ++k) {
        T x = load(pa[ab + k * sa]);
        bool better = precedes(x, bestValue, isMax);
        bool tie = !precedes(bestValue, x, isMax);
        if (better || (last && tie)) {
          best = k;
          bestValue = x;
        }
      }
      po[ob] = best;
    });
    return absl::OkStatus();
  }
  // topk: the first k of the lane's indices stably sorted by value.
  const bool largest = imms[1] != 0;
  const int64_t k = o.shape[axis];
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::vector<T> values(static_cast<size_t>(n));
  forEachLane(o, a, axis, [&](int64_t ab, int64_t ob) {
    for (int64_t j = 0; j < n; ++j) {
      order[j] = j;
      values[j] = load(pa[ab + j * sa]);
    }
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
      // NaN ranks above every number: first when largest, last otherwise.
      return largest ? precedes(values[x], values[y], true) : precedes(values[y], values[x], true);
    });
    for (int64_t j = 0; j < k; ++j)
      po[ob + j * so] = order[j];
  });
  return absl::OkStatus();
}

} // namespace

absl::Status runAxis(Opcode op, const TensorRef &o, const TensorRef &a, const int64_t *imms) {
  return dispatchNumeric(a.dtype, format::opcodeInfo(op).mnemonic,
                         [&](auto tag) { return axisTyped<decltype(tag)>(op, o, a, imms); });
}

} // namespace lmc::kernels
