// Printable names of the .bin enums, for messages and `lmc inspect`, and
// the opcode of a mnemonic.
#include "runtime/format/Format.h"

namespace lmc::format {

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::F16: return "f16";
  case DType::BF16: return "bf16";
  case DType::F64: return "f64";
  case DType::I8: return "i8";
  case DType::U8: return "u8";
  case DType::I16: return "i16";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  case DType::Bool: return "bool";
  case DType::U16: return "u16";
  case DType::U32: return "u32";
  case DType::U64: return "u64";
  }
  return "?";
}

const char *spaceName(Space s) {
  switch (s) {
  case Space::Const: return "const";
  case Space::Sram: return "sram";
  case Space::Dram: return "dram";
  case Space::State: return "state";
  case Space::Io: return "io";
  }
  return "?";
}

const char *unitName(Unit u) {
  switch (u) {
  case Unit::Cpu: return "cpu";
  case Unit::Dma: return "dma";
  case Unit::Mxm: return "mxm";
  case Unit::Vxm: return "vxm";
  case Unit::Sxm: return "sxm";
  case Unit::C2c: return "c2c";
  case Unit::Ctrl: return "ctrl";
  }
  return "?";
}

std::optional<Opcode> opcodeByMnemonic(std::string_view mnemonic) {
  for (uint16_t k = 0; k < static_cast<uint16_t>(Opcode::NumOpcodes); ++k)
    if (mnemonic == kOpcodeInfo[k].mnemonic)
      return static_cast<Opcode>(k);
  return std::nullopt;
}

const char *sectionName(SectionKind k) {
  switch (k) {
  case SectionKind::Metadata: return "metadata";
  case SectionKind::Io: return "io";
  case SectionKind::Constants: return "constants";
  case SectionKind::Instructions: return "instructions";
  case SectionKind::Locations: return "locations";
  }
  return "?";
}

}  // namespace lmc::format
