// Elementwise unary kernels: neg sqrt reciprocal erf tanh sigmoid relu exp
// log abs round gelu math (floats, f16/bf16 computed in f32; neg, relu also
// signed integers, abs every integer) and not (bool).
#include <cmath>
#include <type_traits>

#include "runtime/format/MathFn.h"
#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {
namespace {

using format::Opcode;

// o[i] = store(f(load(a[i]))), f computing in f32 for f16/bf16.
template <typename T, typename F> void unaryLoop(const TensorRef &o, const TensorRef &a, F f) {
  T *po = typed<T>(o);
  const T *pa = typed<T>(a);
  forEachRow<2>(o.rank, o.shape, {o.strides, a.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  T *to = po + base[0];
                  const T *from = pa + base[1];
                  for (int64_t i = 0; i < len; ++i)
                    to[i * inner[0]] = store<T>(f(load(from[i * inner[1]])));
                });
}

// Integer negation and abs wrap like two's complement hardware (and numpy)
// instead of overflowing.
template <typename T> T wrapNeg(T x) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(U(0) - static_cast<U>(x));
}

template <typename S> absl::Status unaryTyped(Opcode op, const TensorRef &o, const TensorRef &a) {
  using T = ComputeType<S>;
  if constexpr (std::is_integral_v<T>) {
    // neg and relu of unsigned types are not opcodes (F16); abs is identity.
    switch (op) {
    case Opcode::Neg: unaryLoop<S>(o, a, [](T x) { return wrapNeg(x); }); break;
    case Opcode::Abs:
      unaryLoop<S>(o, a, [](T x) {
        if constexpr (std::is_signed_v<T>)
          return x < 0 ? wrapNeg(x) : x;
        return x;
      });
      break;
    case Opcode::Relu: unaryLoop<S>(o, a, [](T x) { return x > 0 ? x : T(0); }); break;
    default: return unsupported(format::opcodeInfo(op).mnemonic, a.dtype);
    }
  } else {
    switch (op) {
    case Opcode::Neg: unaryLoop<S>(o, a, [](T x) { return -x; }); break;
    case Opcode::Abs: unaryLoop<S>(o, a, [](T x) { return std::fabs(x); }); break;
    // NaN stays NaN (the comparison is false).
    case Opcode::Relu: unaryLoop<S>(o, a, [](T x) { return x < T(0) ? T(0) : x; }); break;
    case Opcode::Sqrt: unaryLoop<S>(o, a, [](T x) { return std::sqrt(x); }); break;
    case Opcode::Reciprocal: unaryLoop<S>(o, a, [](T x) { return T(1) / x; }); break;
    case Opcode::Erf: unaryLoop<S>(o, a, [](T x) { return std::erf(x); }); break;
    case Opcode::Tanh: unaryLoop<S>(o, a, [](T x) { return std::tanh(x); }); break;
    case Opcode::Exp: unaryLoop<S>(o, a, [](T x) { return std::exp(x); }); break;
    case Opcode::Log: unaryLoop<S>(o, a, [](T x) { return std::log(x); }); break;
    // Half to even: the default rounding mode, which lmc never changes.
    case Opcode::Round: unaryLoop<S>(o, a, [](T x) { return std::nearbyint(x); }); break;
    case Opcode::Sigmoid:
      // Two branches so that exp never overflows.
      unaryLoop<S>(o, a, [](T x) {
        if (x >= T(0))
          return T(1) / (T(1) + std::exp(-x));
        T e = std::exp(x);
        return e / (T(1) + e);
      });
      break;
    default: return unsupported(format::opcodeInfo(op).mnemonic, a.dtype);
    }
  }
  return absl::OkStatus();
}

template <typename S> absl::Status geluTyped(const TensorRef &o, const TensorRef &a, bool tanhForm) {
  using T = ComputeType<S>;
  if constexpr (std::is_integral_v<T>) {
    return unsupported("gelu", a.dtype);
  } else {
    if (tanhForm) {
      const T k = T(std::sqrt(2.0 / M_PI));
      unaryLoop<S>(o, a, [k](T x) { return T(0.5) * x * (T(1) + std::tanh(k * (x + T(0.044715) * x * x * x))); });
    } else {
      const T k = T(1.0 / std::sqrt(2.0));
      unaryLoop<S>(o, a, [k](T x) { return T(0.5) * x * (T(1) + std::erf(x * k)); });
    }
    return absl::OkStatus();
  }
}

template <typename S> absl::Status mathTyped(const TensorRef &o, const TensorRef &a, format::MathFn fn) {
  using T = ComputeType<S>;
  if (std::is_integral_v<T> && !format::mathFnTakesIntegers(fn))
    return unsupported(format::mathFnName(int64_t(fn)), a.dtype);
  unaryLoop<S>(o, a, [fn](T x) { return format::evalMathFn(fn, x); });
  return absl::OkStatus();
}

}  // namespace

absl::Status runMath(const TensorRef &o, const TensorRef &a, int64_t fn) {
  if (!format::mathFnName(fn))
    return absl::InvalidArgumentError(absl::StrCat("math function ", fn, " does not exist"));
  return dispatchNumeric(a.dtype, format::mathFnName(fn), [&](auto tag) {
    return mathTyped<decltype(tag)>(o, a, static_cast<format::MathFn>(fn));
  });
}

absl::Status runGelu(const TensorRef &o, const TensorRef &a, bool tanhForm) {
  return dispatchNumeric(a.dtype, "gelu",
                         [&](auto tag) { return geluTyped<decltype(tag)>(o, a, tanhForm); });
}

absl::Status runUnary(Opcode op, const TensorRef &o, const TensorRef &a) {
  if (op == Opcode::Not) {
    if (a.dtype != format::DType::Bool || o.dtype != format::DType::Bool)
      return unsupported("not", a.dtype);
    unaryLoop<uint8_t>(o, a, [](uint8_t x) { return uint8_t(x == 0); });
    return absl::OkStatus();
  }
  return dispatchNumeric(a.dtype, format::opcodeInfo(op).mnemonic,
                         [&](auto tag) { return unaryTyped<decltype(tag)>(op, o, a); });
}

}  // namespace lmc::kernels
