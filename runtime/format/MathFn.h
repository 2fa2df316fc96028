// The functions of the `math` opcode (its imm0) and of lmc_graph.math: one
// definition shared by the runtime's kernel and the compiler's folder.
#ifndef LMC_FORMAT_MATHFN_H
#define LMC_FORMAT_MATHFN_H

#include <cmath>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace lmc::format {

// Numbered as the .bin stores them: append only.
enum class MathFn : int64_t {
  Floor = 0,
  Ceil = 1,
  Sin = 2,
  Cos = 3,
  Tan = 4,
  Asin = 5,
  Acos = 6,
  Atan = 7,
  Sinh = 8,
  Cosh = 9,
  Asinh = 10,
  Acosh = 11,
  Atanh = 12,
  Sign = 13,
};
inline constexpr int64_t kNumMathFns = 14;

inline constexpr const char *kMathFnNames[kNumMathFns] = {
    "floor", "ceil", "sin",  "cos",   "tan",   "asin",  "acos",
    "atan",  "sinh", "cosh", "asinh", "acosh", "atanh", "sign"};

// The name of function `fn`, or nullptr when it is not one.
inline const char *mathFnName(int64_t fn) {
  return fn >= 0 && fn < kNumMathFns ? kMathFnNames[fn] : nullptr;
}

// The function named `name`, or -1.
inline int64_t mathFnFromName(std::string_view name) {
  for (int64_t k = 0; k < kNumMathFns; ++k)
    if (name == kMathFnNames[k])
      return k;
  return -1;
}

// Whether `fn` is defined on integers (only sign: -1, 0 or 1).
inline bool mathFnTakesIntegers(MathFn fn) { return fn == MathFn::Sign; }

// fn(x) in T's precision (the C library's functions; sign of NaN is NaN).
template <typename T> T evalMathFn(MathFn fn, T x) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>((x > T(0)) - (x < T(0)));
  } else {
    switch (fn) {
    case MathFn::Floor: return std::floor(x);
    case MathFn::Ceil: return std::ceil(x);
    case MathFn::Sin: return std::sin(x);
    case MathFn::Cos: return std::cos(x);
    case MathFn::Tan: return std::tan(x);
    case MathFn::Asin: return std::asin(x);
    case MathFn::Acos: return std::acos(x);
    case MathFn::Atan: return std::atan(x);
    case MathFn::Sinh: return std::sinh(x);
    case MathFn::Cosh: return std::cosh(x);
    case MathFn::Asinh: return std::asinh(x);
    case MathFn::Acosh: return std::acosh(x);
    case MathFn::Atanh: return std::atanh(x);
    case MathFn::Sign: return std::isnan(x) ? x : T((x > T(0)) - (x < T(0)));
    }
    return x;
  }
}

// The remainder of x / y: with `fmod` the sign of x (C's fmod, truncated
// division), else the sign of y (floored division, Python's %). Integer y
// must not be 0; min % -1 is 0.
template <typename T> T evalMod(T x, T y, bool fmod) {
  if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>)
      if (y == T(-1))
        return T(0);
    T r = static_cast<T>(x % y);
    if constexpr (std::is_signed_v<T>)
      if (!fmod && r != 0 && ((r < 0) != (y < 0)))
        r = static_cast<T>(r + y);
    return r;
  } else {
    T r = std::fmod(x, y);
    if (!fmod && r != T(0) && ((r < T(0)) != (y < T(0))))
      r += y;
    return r;
  }
}

// x shifted left (`left`) or right by y bits; shifts of the width or more give 0.
template <typename T> T evalShift(T x, T y, bool left) {
  static_assert(std::is_unsigned_v<T>, "bitshift is defined on unsigned integers");
  if (y >= T(sizeof(T) * 8))
    return T(0);
  using W = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, T>;
  return static_cast<T>(left ? W(x) << y : W(x) >> y);
}

}  // namespace lmc::format

#endif  // LMC_FORMAT_MATHFN_H
