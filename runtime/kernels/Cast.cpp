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

struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};
struct Bool {
  uint8_t value;
};

// A source element as a C++ arithmetic value.
inline float load(Half h) { return halfToFloat(h.bits); }
inline float load(BFloat16 b) { return bfloat16ToFloat(b.bits); }
inline bool load(Bool b) { return b.value != 0; }
template <typename T> inline T load(T v) { return v; }

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
    // Out-of-range float to integer is undefined in C++: saturate instead.
    if (std::isnan(s))
      return D(0);
    S t = std::trunc(s);
    if (t <= static_cast<S>(std::numeric_limits<D>::min()))
      return std::numeric_limits<D>::min();
    // max() of a 32/64-bit type rounds up to 2^31/2^63 as a float: compare >=.
    if (t >= static_cast<S>(std::numeric_limits<D>::max()))
      return std::numeric_limits<D>::max();
    return static_cast<D>(t);
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
  switch (t) {
  case DType::F32: return f(float{});
  case DType::F16: return f(Half{});
  case DType::BF16: return f(BFloat16{});
  case DType::F64: return f(double{});
  case DType::I8: return f(int8_t{});
  case DType::U8: return f(uint8_t{});
  case DType::I16: return f(int16_t{});
  case DType::I32: return f(int32_t{});
  case DType::I64: return f(int64_t{});
  case DType::Bool: return f(Bool{});
  case DType::U16: return f(uint16_t{});
  case DType::U32: return f(uint32_t{});
  case DType::U64: return f(uint64_t{});
  }
  return unsupported("cast", t);
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
