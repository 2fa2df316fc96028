// Elementwise binary kernels (broadcast is zero strides): add sub mul div
// pow max min mod bitshift, the comparisons equal less greater, and/or, and where. Every
// numeric dtype; f16/bf16 compute in f32 and round on store.
#include <cmath>
#include <functional>
#include <limits>
#include <type_traits>

#include "runtime/format/MathFn.h"
#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {
namespace {

using format::DType;
using format::Opcode;

// o[i] = store(f(load(a[i]), load(b[i]))): f sees compute values (f32 for
// f16/bf16) and returns O's compute value.
template <typename O, typename A, typename B = A, typename F>
void binaryLoop(const TensorRef &o, const TensorRef &a, const TensorRef &b, F f) {
  O *po = typed<O>(o);
  const A *pa = typed<A>(a);
  const B *pb = typed<B>(b);
  forEachRow<3>(o.rank, o.shape, {o.strides, a.strides, b.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  O *to = po + base[0];
                  const A *x = pa + base[1];
                  const B *y = pb + base[2];
                  for (int64_t i = 0; i < len; ++i)
                    to[i * inner[0]] = store<O>(f(load(x[i * inner[1]]), load(y[i * inner[2]])));
                });
}

// Integer add/sub/mul wrap (two's complement) instead of overflowing. The
// operation runs on an unsigned type at least as wide as `unsigned`, since
// narrower types promote to (signed) int, where 65535 * 65535 overflows.
template <typename T, typename F> T wrap(T x, T y, F f) {
  using U = std::make_unsigned_t<T>;
  using W = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
  return static_cast<T>(static_cast<U>(f(W(static_cast<U>(x)), W(static_cast<U>(y)))));
}

// x^n for integers: exact, wrapping, by repeated squaring. A negative
// exponent gives the truncated real result: 1 for base 1, +-1 for base -1,
// else 0; 0 to a negative power is an error like division by zero.
template <typename T, typename E> T integerPow(T x, E n, bool &divByZero) {
  if constexpr (std::is_signed_v<E>) {
    if (n < 0) {
      if (x == 0)
        divByZero = true;
      if (x == 1)
        return 1;
      if constexpr (std::is_signed_v<T>)
        if (x == -1)
          return (n & 1) ? T(-1) : T(1);
      return 0;
    }
  }
  using U = std::make_unsigned_t<E>;
  U e = static_cast<U>(n);
  T result = 1;
  while (e) {
    if (e & 1)
      result = wrap(result, x, std::multiplies<>());
    e >>= 1;
    if (e)
      x = wrap(x, x, std::multiplies<>());
  }
  return result;
}

// pow: the exponent's dtype may differ from the base's (ONNX Pow).
template <typename T, typename E>
absl::Status powTyped(const TensorRef &o, const TensorRef &a, const TensorRef &b) {
  using C = ComputeType<T>;
  using CE = ComputeType<E>;
  if constexpr (std::is_integral_v<T> && std::is_integral_v<E>) {
    bool divByZero = false;
    binaryLoop<T, T, E>(o, a, b, [&](T x, E n) { return integerPow(x, n, divByZero); });
    if (divByZero)
      return absl::InvalidArgumentError("integer 0 raised to a negative power");
  } else if constexpr (std::is_integral_v<T>) {
    // Integer base, float exponent: computed in f64 and truncated toward
    // zero (saturating), as ONNX Runtime does.
    binaryLoop<T, T, E>(o, a, b, [](T x, CE n) {
      return truncateToInteger<T>(std::pow(static_cast<double>(x), static_cast<double>(n)));
    });
  } else {
    // Float base: the exponent converts to the base's compute type.
    binaryLoop<T, T, E>(o, a, b, [](C x, CE n) { return std::pow(x, static_cast<C>(n)); });
  }
  return absl::OkStatus();
}

template <typename T>
absl::Status arithmetic(Opcode op, const TensorRef &o, const TensorRef &a, const TensorRef &b) {
  constexpr bool isInt = std::is_integral_v<T>;
  using C = ComputeType<T>;
  switch (op) {
  case Opcode::Add:
    if constexpr (isInt)
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return wrap(x, y, std::plus<>()); });
    else
      binaryLoop<T, T>(o, a, b, [](C x, C y) { return x + y; });
    return absl::OkStatus();
  case Opcode::Sub:
    if constexpr (isInt)
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return wrap(x, y, std::minus<>()); });
    else
      binaryLoop<T, T>(o, a, b, [](C x, C y) { return x - y; });
    return absl::OkStatus();
  case Opcode::Mul:
    if constexpr (isInt)
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return wrap(x, y, std::multiplies<>()); });
    else
      binaryLoop<T, T>(o, a, b, [](C x, C y) { return x * y; });
    return absl::OkStatus();
  case Opcode::Div:
    if constexpr (isInt) {
      bool divByZero = false;
      binaryLoop<T, T>(o, a, b, [&](T x, T y) {
        if (y == 0) {
          divByZero = true;
          return T(0);
        }
        // min / -1 overflows; its wrapped result is min again.
        if constexpr (std::is_signed_v<T>)
          if (y == -1)
            return wrap(T(0), x, std::minus<>());
        return static_cast<T>(x / y);  // C++ truncates toward zero
      });
      if (divByZero)
        return absl::InvalidArgumentError("integer division by zero");
    } else {
      binaryLoop<T, T>(o, a, b, [](C x, C y) { return x / y; });
    }
    return absl::OkStatus();
  case Opcode::Max:
  case Opcode::Min: {
    bool isMax = op == Opcode::Max;
    // NaN propagates, as in numpy.maximum/minimum.
    binaryLoop<T, T>(o, a, b, [isMax](C x, C y) {
      if constexpr (!isInt) {
        if (std::isnan(x) || std::isnan(y))
          return std::numeric_limits<C>::quiet_NaN();
      }
      return isMax ? (x < y ? y : x) : (y < x ? y : x);
    });
    return absl::OkStatus();
  }
  case Opcode::Equal:
    binaryLoop<uint8_t, T>(o, a, b, [](C x, C y) { return uint8_t(x == y); });
    return absl::OkStatus();
  case Opcode::Less:
    binaryLoop<uint8_t, T>(o, a, b, [](C x, C y) { return uint8_t(x < y); });
    return absl::OkStatus();
  case Opcode::Greater:
    binaryLoop<uint8_t, T>(o, a, b, [](C x, C y) { return uint8_t(x > y); });
    return absl::OkStatus();
  default:
    return unsupported(format::opcodeInfo(op).mnemonic, a.dtype);
  }
}

template <typename T>
absl::Status modTyped(const TensorRef &o, const TensorRef &a, const TensorRef &b, bool fmod) {
  using C = ComputeType<T>;
  if constexpr (std::is_integral_v<T>) {
    bool divByZero = false;
    binaryLoop<T, T>(o, a, b, [&](T x, T y) {
      if (y == 0) {
        divByZero = true;
        return T(0);
      }
      return format::evalMod(x, y, fmod);
    });
    if (divByZero)
      return absl::InvalidArgumentError("integer modulo by zero");
  } else {
    binaryLoop<T, T>(o, a, b, [fmod](C x, C y) { return format::evalMod(x, y, fmod); });
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status runModShift(Opcode op, const TensorRef &o, const TensorRef &a, const TensorRef &b,
                         int64_t imm) {
  if (op == Opcode::Mod)
    return dispatchNumeric(a.dtype, "mod",
                           [&](auto tag) { return modTyped<decltype(tag)>(o, a, b, imm != 0); });
  auto shift = [&](auto tag) {
    using T = decltype(tag);
    binaryLoop<T, T>(o, a, b, [imm](T x, T y) { return format::evalShift(x, y, imm != 0); });
    return absl::OkStatus();
  };
  switch (a.dtype) {
  case DType::U8: return shift(uint8_t{});
  case DType::U16: return shift(uint16_t{});
  case DType::U32: return shift(uint32_t{});
  case DType::U64: return shift(uint64_t{});
  default: return unsupported("bitshift", a.dtype);
  }
}

absl::Status runBinary(Opcode op, const TensorRef &o, const TensorRef &a, const TensorRef &b) {
  const char *mnemonic = format::opcodeInfo(op).mnemonic;
  if (a.dtype == DType::Bool) {
    // Bytes other than 0 read as true.
    switch (op) {
    case Opcode::And:
      binaryLoop<uint8_t, uint8_t>(o, a, b, [](uint8_t x, uint8_t y) { return uint8_t(x && y); });
      return absl::OkStatus();
    case Opcode::Or:
      binaryLoop<uint8_t, uint8_t>(o, a, b, [](uint8_t x, uint8_t y) { return uint8_t(x || y); });
      return absl::OkStatus();
    case Opcode::Equal:
      binaryLoop<uint8_t, uint8_t>(o, a, b,
                                   [](uint8_t x, uint8_t y) { return uint8_t(!x == !y); });
      return absl::OkStatus();
    default:
      return unsupported(mnemonic, a.dtype);
    }
  }
  if (op == Opcode::And || op == Opcode::Or)
    return unsupported(mnemonic, a.dtype);
  if (op == Opcode::Pow)
    return dispatchNumeric(a.dtype, mnemonic, [&](auto base) {
      return dispatchNumeric(b.dtype, mnemonic, [&](auto exponent) {
        return powTyped<decltype(base), decltype(exponent)>(o, a, b);
      });
    });
  return dispatchNumeric(a.dtype, mnemonic,
                         [&](auto tag) { return arithmetic<decltype(tag)>(op, o, a, b); });
}

absl::Status runWhere(const TensorRef &o, const TensorRef &cond, const TensorRef &a,
                      const TensorRef &b) {
  if (cond.dtype != DType::Bool)
    return unsupported("where's condition", cond.dtype);
  return dispatchBySize(o.dtype, [&](auto tag) {
    using T = decltype(tag);
    T *po = typed<T>(o);
    const uint8_t *pc = typed<uint8_t>(cond);
    const T *pa = typed<T>(a);
    const T *pb = typed<T>(b);
    forEachRow<4>(o.rank, o.shape, {o.strides, cond.strides, a.strides, b.strides},
                  [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                    for (int64_t i = 0; i < len; ++i)
                      po[base[0] + i * inner[0]] = pc[base[1] + i * inner[1]]
                                                       ? pa[base[2] + i * inner[2]]
                                                       : pb[base[3] + i * inner[3]];
                  });
    return absl::OkStatus();
  });
}

}  // namespace lmc::kernels
