// f16 and bf16 conversions (see Half.h).
#include "runtime/kernels/Half.h"

#include <cstring>

namespace lmc::kernels {
namespace {

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t mant = h & 0x3FF;
  if (exp == 0x1F)  // inf or NaN; keep the payload
    return floatOf(sign | 0x7F800000u | (mant << 13));
  if (exp == 0) {
    if (mant == 0)
      return floatOf(sign);
    // Subnormal half: exactly mant * 2^-24.
    float v = static_cast<float>(mant) * (1.0f / 16777216.0f);
    return sign ? -v : v;
  }
  return floatOf(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t floatToHalf(float f) {
  uint32_t u = bitsOf(f);
  uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  uint32_t abs = u & 0x7FFFFFFF;
  if (abs >= 0x7F800000u)  // inf or NaN (quiet NaN keeps a mantissa bit)
    return sign | 0x7C00 | (abs > 0x7F800000u ? 0x200 | ((abs >> 13) & 0x3FF) : 0);
  if (abs >= 0x477FF000u)  // rounds to >= 65520: overflow to inf
    return sign | 0x7C00;
  if (abs < 0x38800000u) {  // below the smallest normal half (2^-14)
    if (abs < 0x33000000u)  // below half of the smallest subnormal: 0
      return sign;
    // Subnormal: shift the full mantissa into place and round to even.
    uint32_t exp = abs >> 23;
    uint32_t mant = (abs & 0x7FFFFF) | 0x800000;
    // The value is mant * 2^(exp - 150); half subnormals count 2^-24.
    uint32_t shift = 126 - exp;
    uint32_t value = mant >> shift;
    uint32_t rest = mant & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (value & 1)))
      ++value;
    return sign | static_cast<uint16_t>(value);
  }
  // Normal: rebias the exponent, round the mantissa to 10 bits (to even);
  // a carry into the exponent is the correct result.
  uint32_t value = abs - 0x38000000u;  // exponent bias 127 -> 15
  uint32_t rest = value & 0x1FFF;
  value >>= 13;
  if (rest > 0x1000 || (rest == 0x1000 && (value & 1)))
    ++value;
  return sign | static_cast<uint16_t>(value);
}

float bfloat16ToFloat(uint16_t b) { return floatOf(uint32_t(b) << 16); }

uint16_t floatToBfloat16(float f) {
  uint32_t u = bitsOf(f);
  if ((u & 0x7FFFFFFF) > 0x7F800000u)
    return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
  uint32_t rest = u & 0xFFFF;
  uint32_t value = u >> 16;
  if (rest > 0x8000 || (rest == 0x8000 && (value & 1)))
    ++value;
  return static_cast<uint16_t>(value);
}

}  // namespace lmc::kernels
