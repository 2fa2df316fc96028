// IEEE binary16 and bfloat16 <-> f32 conversions, by hand (no compiler
// support assumed). Round to nearest even; NaN stays NaN.
#ifndef LMC_KERNELS_HALF_H
#define LMC_KERNELS_HALF_H

#include <cstdint>

namespace lmc::kernels {

float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float value);
float bfloat16ToFloat(uint16_t bits);
uint16_t floatToBfloat16(float value);

}  // namespace lmc::kernels

#endif  // LMC_KERNELS_HALF_H
