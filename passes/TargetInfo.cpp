// Module-level target access and the lmc_isa -> format::Region bridge.
#include "passes/TargetInfo.h"

#include <algorithm>

#include "google/protobuf/text_format.h"
#include "mlir/IR/Builders.h"
#include "runtime/format/TargetLoader.h"

using namespace mlir;

namespace lmc {

void setModuleTarget(ModuleOp module, const format::Target &target) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(target, &text);
  module->setAttr(kTargetAttr, StringAttr::get(module.getContext(), text));
}

FailureOr<format::Target> getModuleTarget(ModuleOp module) {
  auto attr = module->getAttrOfType<StringAttr>(kTargetAttr);
  absl::StatusOr<format::Target> target =
      attr ? format::parseTarget(attr.str(), "module attribute lmc.target")
           : format::loadTarget("cpu");
  if (!target.ok())
    return module.emitError(std::string(target.status().message()));
  return *target;
}

LogicalResult setModuleTargetByName(ModuleOp module, const std::string &nameOrPath) {
  absl::StatusOr<format::Target> target = format::loadTarget(nameOrPath);
  if (!target.ok())
    return module.emitError(std::string(target.status().message()));
  setModuleTarget(module, *target);
  return success();
}

FailureOr<format::Target> resolveModuleTarget(ModuleOp module, const std::string &option) {
  if (!option.empty() && failed(setModuleTargetByName(module, option)))
    return failure();
  return getModuleTarget(module);
}

format::Space bufferSpace(Value buffer) {
  Operation *def = buffer.getDefiningOp();
  if (auto alloc = dyn_cast_or_null<isa::AllocOp>(def)) {
    if (alloc.getSpace() == "sram")
      return format::Space::Sram;
    if (alloc.getSpace() == "state")
      return format::Space::State;
    return format::Space::Dram;
  }
  if (isa_and_nonnull<isa::StateOp>(def))
    return format::Space::State;
  if (isa_and_nonnull<isa::ConstOp, isa::WeightOp>(def))
    return format::Space::Const;
  return format::Space::Io;
}

static format::DType dtypeOf(Type t) {
  if (t.isF32()) return format::DType::F32;
  if (t.isF16()) return format::DType::F16;
  if (t.isBF16()) return format::DType::BF16;
  if (t.isF64()) return format::DType::F64;
  if (t.isInteger(1)) return format::DType::Bool;
  auto it = cast<IntegerType>(t);
  bool u = it.isUnsigned();
  switch (it.getWidth()) {
  case 8: return u ? format::DType::U8 : format::DType::I8;
  case 16: return u ? format::DType::U16 : format::DType::I16;
  case 32: return u ? format::DType::U32 : format::DType::I32;
  default: return u ? format::DType::U64 : format::DType::I64;
  }
}

format::Region toFormatRegion(Value buffer, isa::RegionAttr region) {
  format::Region r{};
  r.space = static_cast<uint8_t>(bufferSpace(buffer));
  r.dtype = static_cast<uint8_t>(dtypeOf(region.getElementType()));
  r.rank = static_cast<uint8_t>(region.getShape().size());
  for (unsigned d = 0; d < format::kMaxRank; ++d) {
    bool used = d < r.rank;
    r.shape[d] = used ? region.getShape()[d] : 1;
    r.strides[d] = used ? region.getStrides()[d] : 0;
  }
  return r;
}

format::Opcode opcodeOf(isa::InstOp inst) {
  return format::opcodeByMnemonic(inst.getOpcode()).value_or(format::Opcode::NumOpcodes);
}

const char *unitNameOf(format::UnitKind kind) {
  switch (kind) {
  case format::DMA: return "dma";
  case format::MXM: return "mxm";
  case format::VXM: return "vxm";
  case format::SXM: return "sxm";
  case format::C2C: return "c2c";
  default: return "cpu";
  }
}

static format::UnitKind unitKindOf(StringRef name) {
  if (name == "dma") return format::DMA;
  if (name == "mxm") return format::MXM;
  if (name == "vxm") return format::VXM;
  if (name == "sxm") return format::SXM;
  if (name == "c2c") return format::C2C;
  return format::CPU;
}

format::InstructionCost costOf(const format::Target &target, isa::InstOp inst) {
  std::vector<format::Region> regions;
  for (auto [buffer, attr] : llvm::zip(inst.getBuffers(), inst.getRegions()))
    regions.push_back(toFormatRegion(buffer, cast<isa::RegionAttr>(attr)));
  // A chip-to-chip copy goes from its chip to the chip of its destination
  // buffer (lmc-partition-chips) over the target's link network.
  format::ChipTransfer transfer;
  const format::UnitKind unit = unitKindOf(inst.getUnit());
  if (unit == format::C2C && !regions.empty()) {
    auto module = inst->getParentOfType<mlir::ModuleOp>();
    auto chips = module ? module->getAttrOfType<mlir::IntegerAttr>("lmc.chips") : nullptr;
    transfer.chips = static_cast<uint32_t>(chips ? std::max<int64_t>(chips.getInt(), 1) : 1);
    transfer.from = static_cast<uint32_t>(chipOf(inst));
    transfer.to = static_cast<uint32_t>(chipOf(inst.getBuffers()[0].getDefiningOp()));
  }
  return format::instructionCost(target, opcodeOf(inst), regions.data(),
                                 static_cast<unsigned>(regions.size()), unit,
                                 unit == format::C2C ? &transfer : nullptr);
}

int64_t regionFootprintBytes(isa::RegionAttr region) {
  mlir::Type elem = region.getElementType();
  int64_t bytes = elem.isInteger(1) ? 1 : (elem.getIntOrFloatBitWidth() + 7) / 8;
  for (auto [d, s] : llvm::zip(region.getShape(), region.getStrides()))
    if (s != 0)
      bytes *= d;
  return bytes;
}

int64_t chipOf(mlir::Operation *op) {
  auto chip = op ? op->getAttrOfType<mlir::IntegerAttr>("lmc.chip") : mlir::IntegerAttr();
  return chip ? chip.getInt() : 0;
}

}  // namespace lmc
