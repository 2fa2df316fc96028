// Elementwise binary kernels (broadcast is zero strides): add sub mul div
// pow max min, the comparisons equal less greater, and/or, and where.
#include <cmath>
#include <limits>
#include <type_traits>

#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {
namespace {

using format::DType;
using format::Opcode;

template <typename O, typename A, typename F>
void binaryLoop(const TensorRef &o, const TensorRef &a, const TensorRef &b, F f) {
  O *po = typed<O>(o);
  const A *pa = typed<A>(a);
  const A *pb = typed<A>(b);
  forEachRow<3>(o.rank, o.shape, {o.strides, a.strides, b.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  O *to = po + base[0];
                  const A *x = pa + base[1];
                  const A *y = pb + base[2];
                  for (int64_t i = 0; i < len; ++i)
                    to[i * inner[0]] = f(x[i * inner[1]], y[i * inner[2]]);
                });
}

// Integer add/sub/mul wrap (two's complement) instead of overflowing.
template <typename T, typename F> T wrap(T x, T y, F f) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(f(static_cast<U>(x), static_cast<U>(y)));
}

template <typename T>
absl::Status arithmetic(Opcode op, const TensorRef &o, const TensorRef &a, const TensorRef &b) {
  constexpr bool isInt = std::is_integral_v<T>;
  switch (op) {
  case Opcode::Add:
    if constexpr (isInt)
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return wrap(x, y, std::plus<>()); });
    else
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return x + y; });
    return absl::OkStatus();
  case Opcode::Sub:
    if constexpr (isInt)
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return wrap(x, y, std::minus<>()); });
    else
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return x - y; });
    return absl::OkStatus();
  case Opcode::Mul:
    if constexpr (isInt)
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return wrap(x, y, std::multiplies<>()); });
    else
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return x * y; });
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
        if (y == -1)
          return wrap(T(0), x, std::minus<>());
        return static_cast<T>(x / y);  // C++ truncates toward zero
      });
      if (divByZero)
        return absl::InvalidArgumentError("integer division by zero");
    } else {
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return x / y; });
    }
    return absl::OkStatus();
  case Opcode::Pow:
    if constexpr (isInt)
      return unsupported("pow", a.dtype);
    else
      binaryLoop<T, T>(o, a, b, [](T x, T y) { return std::pow(x, y); });
    return absl::OkStatus();
  case Opcode::Max:
  case Opcode::Min: {
    bool isMax = op == Opcode::Max;
    // NaN propagates, as in numpy.maximum/minimum.
    binaryLoop<T, T>(o, a, b, [isMax](T x, T y) {
      if constexpr (!isInt) {
        if (std::isnan(x) || std::isnan(y))
          return std::numeric_limits<T>::quiet_NaN();
      }
      return isMax ? (x < y ? y : x) : (y < x ? y : x);
    });
    return absl::OkStatus();
  }
  case Opcode::Equal:
    binaryLoop<uint8_t, T>(o, a, b, [](T x, T y) { return uint8_t(x == y); });
    return absl::OkStatus();
  case Opcode::Less:
    binaryLoop<uint8_t, T>(o, a, b, [](T x, T y) { return uint8_t(x < y); });
    return absl::OkStatus();
  case Opcode::Greater:
    binaryLoop<uint8_t, T>(o, a, b, [](T x, T y) { return uint8_t(x > y); });
    return absl::OkStatus();
  default:
    return unsupported(format::opcodeInfo(op).mnemonic, a.dtype);
  }
}

}  // namespace

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
  return dispatchArithmetic(a.dtype, mnemonic,
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
