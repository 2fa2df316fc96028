// cast: converts between every dtype. Float to integer truncates toward
// zero and saturates (NaN becomes 0); integer to integer wraps; to bool is
// x != 0; bool to number is 0/1; f16/bf16 go through f32.
#include <cmath>
#include <limits>
#include <type_traits>

#include "runtime/kernels/Half.h"
#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {
namespace {

using format::DType;

struct Bool {
  uint8_t value;
};

// A source element as a C++ arithmetic value (f16/bf16: Half.h).
using kernels::load;
inline bool load(Bool b) { return b.value != 0; }

template <typename D, typename S> D convert(S s) {
  if constexpr (std::is_same_v<D, Bool>) {
    return Bool{static_cast<uint8_t>(s != S(0))};
  } else if constexpr (std::is_same_v<D, Half>) {
    return Half{floatToHalf(static_cast<float>(s))};
  } else if constexpr (std::is_same_v<D, BFloat16>) {
    return BFloat16{floatToBfloat16(static_cast<float>(s))};
  } else if constexpr (std::is_floating_point_v<D>) {
    return static_cast<D>(s);
  } else if constexpr (std::is_floating_point_v<S>) {
    return truncateToInteger<D>(s);
  } else {
    return static_cast<D>(s);  // integer/bool to integer: modular
  }
}

template <typename D, typename S> void castLoop(const TensorRef &o, const TensorRef &a) {
  D *po = typed<D>(o);
  const S *pa = typed<S>(a);
  forEachRow<2>(o.rank, o.shape, {o.strides, a.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  for (int64_t i = 0; i < len; ++i)
                    po[base[0] + i * inner[0]] = convert<D>(load(pa[base[1] + i * inner[1]]));
                });
}

// Calls f(T{}) with the storage type of `t`.
template <typename F> absl::Status dispatchAll(DType t, F &&f) {
  if (t == DType::Bool)
    return f(Bool{});
  return dispatchNumeric(t, "cast", std::forward<F>(f));
}

}  // namespace

absl::Status runCast(const TensorRef &o, const TensorRef &a) {
  return dispatchAll(o.dtype, [&](auto dst) {
    return dispatchAll(a.dtype, [&](auto src) {
      castLoop<decltype(dst), decltype(src)>(o, a);
      return absl::OkStatus();
    });
  });
}

}  // namespace lmc::kernels
