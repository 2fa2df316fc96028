// IEEE binary16 and bfloat16 <-> f32 conversions, by hand (no compiler
// support assumed). Round to nearest even; NaN stays NaN.
#ifndef LMC_KERNELS_HALF_H
#define LMC_KERNELS_HALF_H

#include <cstdint>
#include <type_traits>

namespace lmc::kernels {

float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float value);
float bfloat16ToFloat(uint16_t bits);
uint16_t floatToBfloat16(float value);

// Storage types of f16 and bf16 elements, so that kernels can be templated
// on them; arithmetic widens them to f32 (load) and rounds back (store).
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

inline float load(Half h) { return halfToFloat(h.bits); }
inline float load(BFloat16 b) { return bfloat16ToFloat(b.bits); }
template <typename T> inline T load(T v) { return v; }

// The type a kernel computes in for storage type T.
template <typename T> struct ComputeTypeOf {
  using type = T;
};
template <> struct ComputeTypeOf<Half> {
  using type = float;
};
template <> struct ComputeTypeOf<BFloat16> {
  using type = float;
};
template <typename T> using ComputeType = typename ComputeTypeOf<T>::type;

// Rounds a computed value to storage type T (nearest even for f16/bf16).
template <typename T> inline T store(ComputeType<T> v) {
  if constexpr (std::is_same_v<T, Half>)
    return Half{floatToHalf(v)};
  else if constexpr (std::is_same_v<T, BFloat16>)
    return BFloat16{floatToBfloat16(v)};
  else
    return v;
}

}  // namespace lmc::kernels

#endif  // LMC_KERNELS_HALF_H
