// Verifiers of lmc_isa: structural rules that mirror the .bin's (FORMAT.md
// F11, F12), so a bad stream is caught in the IR, before emission.
#include <cstring>
#include <tuple>

#include "dialects/Isa/Isa.h"
#include "runtime/format/Format.h"
#include "runtime/format/PackedMatMul.h"

using namespace mlir;
using namespace lmc::isa;
namespace fmt = lmc::format;

LogicalResult RegionAttr::verify(function_ref<InFlightDiagnostic()> emitError, Type elementType,
                                 ArrayRef<int64_t> shape, ArrayRef<int64_t> strides,
                                 int64_t offset) {
  if (shape.size() != strides.size())
    return emitError() << "region has " << shape.size() << " dims but " << strides.size()
                       << " strides";
  if (shape.size() > fmt::kMaxRank)
    return emitError() << "region rank " << shape.size() << " exceeds " << fmt::kMaxRank
                       << " (F12)";
  for (int64_t d : shape)
    if (d < 0)
      return emitError() << "region has a negative dimension";
  if (offset < 0)
    return emitError() << "region offset is negative";
  if (!elementType.isIntOrFloat())
    return emitError() << "region element type must be an integer or float";
  return success();
}

LogicalResult ConstOp::verify() {
  std::optional<ArrayRef<int64_t>> pack = getPackB();
  if (!pack)
    return success();
  auto dense = dyn_cast<DenseElementsAttr>(getValue());
  if (!dense || !dense.getElementType().isF32())
    return emitOpError("pack_b needs a dense f32 value");
  if (pack->size() != 5)
    return emitOpError("pack_b must be [offset, k, n, row_stride, col_stride]");
  auto [offset, k, n, rs, cs] = std::tuple((*pack)[0], (*pack)[1], (*pack)[2], (*pack)[3], (*pack)[4]);
  if (k <= 0 || n <= 0 || fmt::packedElements(k, n) < 0)
    return emitOpError("pack_b's matrix must be non-empty and packable, not ") << k << " x " << n;
  // Every element the view reads lies in [0, count).
  int64_t lo = offset, hi = offset, span;
  for (auto [dim, stride] : {std::pair(k, rs), std::pair(n, cs)}) {
    int64_t &end = stride < 0 ? lo : hi;
    if (__builtin_mul_overflow(dim - 1, stride, &span) || __builtin_add_overflow(end, span, &end))
      return emitOpError("pack_b's view overflows");
  }
  if (lo < 0 || hi >= dense.getNumElements())
    return emitOpError("pack_b's view reads elements [")
           << lo << ", " << hi << "] outside the value's " << dense.getNumElements();
  return success();
}

int64_t ConstOp::getByteSize() {
  if (std::optional<ArrayRef<int64_t>> pack = getPackB())
    return fmt::packedElements((*pack)[1], (*pack)[2]) * int64_t(sizeof(float));
  auto type = cast<ShapedType>(getValue().getType());
  Type elem = type.getElementType();
  return type.getNumElements() * (elem.isInteger(1) ? 1 : elem.getIntOrFloatBitWidth() / 8);
}

static bool isSpace(StringRef s) { return s == "sram" || s == "dram" || s == "state"; }

LogicalResult AllocOp::verify() {
  if (static_cast<int64_t>(getBytes()) <= 0)
    return emitOpError("bytes must be positive");
  if (!isSpace(getSpace()))
    return emitOpError("space must be \"sram\", \"dram\" or \"state\", not \"")
           << getSpace() << "\"";
  return success();
}

LogicalResult IoOp::verify() {
  auto type = dyn_cast<RankedTensorType>(getType());
  if (!type || !type.hasStaticShape())
    return emitOpError("type must be a statically shaped tensor");
  if (getName().empty())
    return emitOpError("name must not be empty");
  return success();
}

LogicalResult StateOp::verify() {
  auto type = dyn_cast<RankedTensorType>(getType());
  if (!type || !type.hasStaticShape())
    return emitOpError("type must be a statically shaped tensor");
  if (getName().empty() || getOutput().empty())
    return emitOpError("name and output must not be empty");
  if (getOffset() && static_cast<int64_t>(*getOffset()) < 0)
    return emitOpError("offset must not be negative");
  return success();
}

LogicalResult lmc::isa::verifyInstruction(Operation *op, StringRef opcode, size_t n,
                                          ArrayAttr regions, ArrayRef<int64_t> imms) {
  std::optional<fmt::Opcode> code = fmt::opcodeByMnemonic(opcode);
  if (!code)
    return op->emitOpError("unknown opcode '") << opcode << "' (F11)";
  const fmt::OpcodeInfo *info = &fmt::opcodeInfo(*code);
  if (regions.size() != n)
    return op->emitOpError("has ") << n << " buffers but " << regions.size() << " regions";
  if (n < size_t(info->numOutputs) + info->minInputs ||
      n > size_t(info->numOutputs) + info->maxInputs)
    return op->emitOpError("'") << opcode << "' takes " << int(info->minInputs) << " to "
                                << int(info->maxInputs) << " inputs after "
                                << int(info->numOutputs) << " output(s), got " << n
                                << " operands (F11)";
  if (imms.size() != info->numImms)
    return op->emitOpError("'") << opcode << "' takes " << int(info->numImms)
                                << " immediates, got " << imms.size() << " (F11)";
  for (Attribute a : regions)
    if (!llvm::isa<RegionAttr>(a))
      return op->emitOpError("regions must be #lmc_isa.region attributes");
  if (info->family == fmt::OpFamily::Unary || info->family == fmt::OpFamily::Binary ||
      info->family == fmt::OpFamily::Select || opcode == "copy") {
    ArrayRef<int64_t> shape = cast<RegionAttr>(regions[0]).getShape();
    for (Attribute a : regions)
      if (cast<RegionAttr>(a).getShape() != shape)
        return op->emitOpError("operand regions of '")
               << opcode << "' must have the output's shape (F16)";
  }
  return success();
}

LogicalResult InstOp::verify() {
  return verifyInstruction(getOperation(), getOpcode(), getBuffers().size(), getRegions(),
                           getImms());
}
