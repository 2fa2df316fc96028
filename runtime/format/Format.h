// On-disk layout of an lmc .bin file: plain structs and enums, no logic.
// The rules that constrain these fields are numbered in FORMAT.md (F1, F2, ...).
#ifndef LMC_FORMAT_FORMAT_H
#define LMC_FORMAT_FORMAT_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lmc::format {

inline constexpr char kMagic[8] = {'L', 'M', 'C', 'B', 'I', 'N', '\r', '\n'};
// The newest version this code reads and writes, and the oldest it reads
// (F1). Versions 2-7 only added opcodes, optional metadata, the
// instruction's chip (0 in older files) and the resident weights' stripe
// group in a Const region's buffer (0 in older files), so every older file
// is valid.
inline constexpr uint32_t kFormatVersion = 7;
inline constexpr uint32_t kMinFormatVersion = 1;
inline constexpr uint32_t kMaxRank = 6;
inline constexpr uint32_t kMaxChips = 4096;  // F19
inline constexpr uint64_t kConstantAlign = 64;  // F5
inline constexpr uint64_t kFileAlign = 64;       // F2

enum class SectionKind : uint32_t {
  Metadata = 1,      // lmc.format.Metadata (protobuf), F8
  Io = 2,            // lmc.format.IoSignature (protobuf), F9
  Constants = 3,     // raw constant bytes, F5
  Instructions = 4,  // InstructionHeader records, F10-F14
  Locations = 5,     // lmc.format.LocationTable (protobuf), F15
};
inline constexpr uint32_t kNumSectionKinds = 5;

// Memory spaces an operand region can live in (F11).
enum class Space : uint8_t {
  Const = 0,  // the constants section
  Sram = 1,   // on-chip scratch of an accelerator
  Dram = 2,   // off-chip / host working memory (the cpu target's arena)
  State = 3,  // persists across runs (KV cache, recurrent state)
  Io = 4,     // a bound input or output; Region::buffer is its IO index
};
inline constexpr uint8_t kNumSpaces = 5;

enum class DType : uint8_t {
  F32 = 1,
  F16 = 2,
  BF16 = 3,
  F64 = 4,
  I8 = 5,
  U8 = 6,
  I16 = 7,
  I32 = 8,
  I64 = 9,
  Bool = 10,  // one byte, 0 or 1
  U16 = 11,
  U32 = 12,
  U64 = 13,
};
inline constexpr uint8_t kMaxDType = 13;

// The functional unit an instruction issues on.
enum class Unit : uint8_t { Cpu = 0, Dma = 1, Mxm = 2, Vxm = 3, Sxm = 4, C2c = 5, Ctrl = 6 };
inline constexpr uint8_t kNumUnits = 7;

enum class Opcode : uint16_t {
#define LMC_OPCODE(Name, mnemonic, family, outs, minIn, maxIn, imms) Name,
#include "Opcodes.def"
  NumOpcodes
};

enum class OpFamily : uint8_t { Move, Matrix, Unary, Binary, Select, Reduce, Normalize };

struct OpcodeInfo {
  const char *mnemonic;
  OpFamily family;
  uint8_t numOutputs;
  uint8_t minInputs;
  uint8_t maxInputs;
  uint8_t numImms;
};

inline constexpr OpcodeInfo kOpcodeInfo[] = {
#define LMC_OPCODE(Name, mnemonic, family, outs, minIn, maxIn, imms) \
  {mnemonic, OpFamily::family, outs, minIn, maxIn, imms},
#include "Opcodes.def"
};

inline const OpcodeInfo &opcodeInfo(Opcode op) {
  return kOpcodeInfo[static_cast<uint16_t>(op)];
}

// The opcode whose mnemonic is `mnemonic` ("matmul", ...), if any.
std::optional<Opcode> opcodeByMnemonic(std::string_view mnemonic);

// The format version that introduced `op` (F11: a file may only use the
// opcodes of its version; FORMAT.md "Versioning").
inline constexpr uint32_t opcodeFormatVersion(Opcode op) {
  return op >= Opcode::Window        ? 5
         : op >= Opcode::Scatter      ? 4
         : op >= Opcode::MatMulQ      ? 3
         : op >= Opcode::MatMulPacked ? 2
                                      : 1;
}

// window's immediates (FORMAT.md "window"): six per spatial axis i < 3 at
// 6 * i, then the pad value's bit pattern (imm 18).
inline constexpr int kWindowAxes = 3;
inline constexpr int kWindowPadImm = 18;
struct WindowAxis {
  int64_t kernel, stride, dilation, pad, inputDilation, out;
};
inline WindowAxis windowAxis(const int64_t *imms, int axis) {
  const int64_t *v = imms + 6 * axis;
  return {v[0], v[1], v[2], v[3], v[4], v[5]};
}

// File header at offset 0 (F1-F4). 128 bytes, little-endian.
struct FileHeader {
  char magic[8];
  uint32_t formatVersion;
  uint32_t headerSize;  // sizeof(FileHeader)
  uint64_t fileSize;
  uint64_t checksum;    // F4: over the whole file with this field read as 0
  uint32_t sectionCount;
  uint32_t reserved0;
  uint64_t sectionTableOffset;
  char compilerVersion[32];  // NUL-padded
  uint64_t reserved[6];
};
static_assert(sizeof(FileHeader) == 128, "FileHeader layout");

struct SectionEntry {
  uint32_t kind;  // SectionKind
  uint32_t reserved;
  uint64_t offset;
  uint64_t size;
};
static_assert(sizeof(SectionEntry) == 24, "SectionEntry layout");

// An operand: a strided view of memory (F11, F12).
struct Region {
  uint8_t space;  // Space
  uint8_t dtype;  // DType
  uint8_t rank;   // 0..kMaxRank; unused dims are shape 1, stride 0
  uint8_t reserved0;
  uint32_t buffer;  // Space::Io: index into inputs then outputs; Space::Const: 0
                    // or 1 + the slice of the weights it starts in (version 7); else 0
  uint64_t offset;  // byte offset of element [0, ..., 0] within the space
  int64_t shape[kMaxRank];
  int64_t strides[kMaxRank];  // in elements; 0 broadcasts, negative allowed
};
static_assert(sizeof(Region) == 112, "Region layout");

// One instruction record: this header, then numOperands Regions (outputs
// first), then numImms int64 immediates (F10).
struct InstructionHeader {
  uint16_t opcode;  // Opcode
  uint8_t unit;     // Unit
  uint8_t numOperands;
  uint16_t numImms;
  uint16_t chip;      // the chip it runs on, < Metadata.chips (version 6; 0 before)
  uint32_t location;  // index into the LocationTable (F14)
  uint32_t size;      // bytes of the whole record
  uint64_t cycle;     // static issue cycle; 0 when unscheduled
};
static_assert(sizeof(InstructionHeader) == 24, "InstructionHeader layout");

inline constexpr size_t recordSize(unsigned numOperands, unsigned numImms) {
  return sizeof(InstructionHeader) + numOperands * sizeof(Region) + numImms * 8;
}

// The format version an instruction needs (F11): its opcode's, except
// that a matmul on i32 operands (added in version 3) needs 3, an
// instruction on a chip other than 0 (multi-chip, version 6) needs 6 and
// one naming the slice of its weight bytes (a Const region's buffer,
// version 7) needs 7. `operands` are its regions, outputs first.
inline uint32_t instructionFormatVersion(Opcode op, const Region *operands, unsigned n,
                                         unsigned chip = 0) {
  uint32_t v = opcodeFormatVersion(op);
  if (op == Opcode::MatMul && n > 1 && operands[1].dtype == static_cast<uint8_t>(DType::I32))
    v = v < 3 ? 3 : v;
  if (chip != 0 && v < 6)
    v = 6;
  for (unsigned i = 0; i < n; ++i)
    if (operands[i].space == static_cast<uint8_t>(Space::Const) && operands[i].buffer != 0)
      v = 7;
  return v;
}

inline size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F64:
  case DType::I64:
  case DType::U64:
    return 8;
  case DType::F32:
  case DType::I32:
  case DType::U32:
    return 4;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
  case DType::U16:
    return 2;
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return 1;
  }
  return 0;
}

// The bytes of a region's elements (shape product times element size).
inline uint64_t regionBytes(const Region &r) {
  uint64_t n = dtypeSize(static_cast<DType>(r.dtype));
  for (unsigned d = 0; d < r.rank; ++d)
    n *= static_cast<uint64_t>(r.shape[d]);
  return n;
}

// The bytes [lo, hi) a verified region (F13) spans in its space, from its
// lowest element's first byte to its highest element's last; false when it
// has no elements.
inline bool regionByteSpan(const Region &r, uint64_t &lo, uint64_t &hi) {
  const int64_t elem = static_cast<int64_t>(dtypeSize(static_cast<DType>(r.dtype)));
  int64_t first = static_cast<int64_t>(r.offset), last = first + elem;
  for (unsigned d = 0; d < r.rank; ++d) {
    if (r.shape[d] == 0)
      return false;
    const int64_t reach = (r.shape[d] - 1) * r.strides[d] * elem;
    (reach < 0 ? first : last) += reach;
  }
  lo = static_cast<uint64_t>(first);
  hi = static_cast<uint64_t>(last);
  return true;
}

const char *dtypeName(DType t);  // "f32", "i64", ...; "?" when invalid
const char *spaceName(Space s);  // "const", "sram", ...
const char *unitName(Unit u);    // "cpu", "dma", ...
const char *sectionName(SectionKind k);

}  // namespace lmc::format

#endif  // LMC_FORMAT_FORMAT_H
