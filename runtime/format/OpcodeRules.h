// Per-opcode operand constraints (FORMAT.md F16), shared by the .bin reader
// and any producer that wants to check an instruction before emitting it.
#ifndef LMC_FORMAT_OPCODERULES_H
#define LMC_FORMAT_OPCODERULES_H

#include <cstdint>
#include <string>

#include "runtime/format/Format.h"

namespace lmc::format {

// Returns "" when `operands` (outputs first) and `imms` satisfy the F16
// rules of `opcode`, else a one-line reason such as
// "b is f32[4, 5] but a is f32[2, 3]: K differs (3 vs 4)".
// Assumes F11 (operand/imm counts) and F12 (valid dtype, rank <= 6) hold.
std::string checkOperands(Opcode opcode, const Region *operands, unsigned numOperands,
                          const int64_t *imms);

// "f32[1, 16, 64]": dtype and shape of a region, for messages.
std::string describeRegionType(const Region &r);

// Dtype classes named by FORMAT.md.
bool isFloatType(DType t);          // f16 bf16 f32 f64
bool isIntegerType(DType t);        // i8 u8 i16 u16 i32 u32 i64 u64
bool isSignedIntegerType(DType t);  // i8 i16 i32 i64
bool isNumericType(DType t);        // float or integer (not bool)
bool isValidDType(uint8_t t);

}  // namespace lmc::format

#endif  // LMC_FORMAT_OPCODERULES_H
