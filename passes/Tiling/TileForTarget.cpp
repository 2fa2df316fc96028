// lmc-tile: cut operator-level lmc_isa instructions into lmc_tile tiles for
// a TILE target: matmuls into MXM-sized column tiles, DRAM-resident
// constants staged in SRAM by explicit DMA tiles, each tile of the op class
// of its unit kind.
#include <array>

#include "dialects/Isa/Isa.h"
#include "dialects/Tile/Tile.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"
#include "passes/TargetInfo.h"
#include "runtime/format/QuantMatMul.h"
#include "runtime/format/TargetLoader.h"

namespace lmc {
#define GEN_PASS_DEF_TILEFORTARGET
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace lisa = lmc::isa;
namespace ltile = lmc::tile;
namespace fmt = lmc::format;
using lmc::bufferSpace;
using lmc::toFormatRegion;

namespace {

int64_t elemBytes(Type t) { return t.isInteger(1) ? 1 : (t.getIntOrFloatBitWidth() + 7) / 8; }

SmallVector<int64_t> rowMajor(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

class Tiler {
public:
  Tiler(const fmt::Target &target, MLIRContext *ctx) : target(target), b(ctx) {}
  void run(lisa::InstOp inst);

private:
  struct Operand {
    Value buffer;
    lisa::RegionAttr region;
  };
  bool weightsInDram() const { return !target.weights_in_sram(); }
  // Copies the bytes a constant operand reads to an SRAM buffer by DMA (a
  // fresh one unless `into` is given) and returns the operand rewritten to
  // read that buffer. Broadcast (zero-stride) axes are copied once.
  Operand stage(Location loc, Operand op, Value into = Value(), int64_t slot = -1);
  Value allocSram(Location loc, int64_t bytes);
  // A tile of `opcode` of the op class of its unit kind (a matmul tile
  // records the MXM's block); `slot` is a DMA's double-buffer slot (-1:
  // none).
  Operation *create(Location loc, StringRef opcode, ArrayRef<Operand> operands,
                    ArrayRef<int64_t> imms, int64_t slot = -1);
  fmt::UnitKind unitFor(StringRef opcode, ArrayRef<Operand> operands);
  void tileMatMul(lisa::InstOp inst, SmallVector<Operand> operands);

  const fmt::Target &target;
  OpBuilder b;
};

Operation *Tiler::create(Location loc, StringRef opcode, ArrayRef<Operand> operands,
                         ArrayRef<int64_t> imms, int64_t slot) {
  SmallVector<Value> buffers;
  SmallVector<Attribute> attrs;
  for (const Operand &o : operands) {
    buffers.push_back(o.buffer);
    attrs.push_back(o.region);
  }
  ArrayAttr regions = b.getArrayAttr(attrs);
  switch (unitFor(opcode, operands)) {
  case fmt::MXM: {
    const fmt::UnitSpec *mxm = fmt::findUnit(target, fmt::MXM);
    return b.create<ltile::MatMulOp>(
        loc, opcode, buffers, regions, imms,
        ArrayRef<int64_t>{int64_t(mxm->tile_rows()), int64_t(mxm->tile_cols())});
  }
  case fmt::DMA:
    return b.create<ltile::DmaOp>(loc, buffers, regions,
                                  slot < 0 ? IntegerAttr() : b.getI64IntegerAttr(slot));
  case fmt::SXM:
    return b.create<ltile::MoveOp>(loc, opcode, buffers, regions, imms);
  default:
    return b.create<ltile::VectorOp>(loc, opcode, buffers, regions, imms);
  }
}

fmt::UnitKind Tiler::unitFor(StringRef opcode, ArrayRef<Operand> operands) {
  std::vector<fmt::Region> regions;
  for (const Operand &o : operands)
    regions.push_back(toFormatRegion(o.buffer, o.region));
  fmt::Opcode op = fmt::opcodeByMnemonic(opcode).value_or(fmt::Opcode::NumOpcodes);
  return fmt::unitKindFor(target, op, regions.data(), static_cast<unsigned>(regions.size()));
}

Value Tiler::allocSram(Location loc, int64_t bytes) {
  return b.create<lisa::AllocOp>(loc, lisa::BufferType::get(b.getContext()),
                                 b.getI64IntegerAttr(std::max<int64_t>(bytes, 1)),
                                 b.getStringAttr("sram"), IntegerAttr());
}

Tiler::Operand Tiler::stage(Location loc, Operand op, Value into, int64_t slot) {
  lisa::RegionAttr r = op.region;
  SmallVector<int64_t> footprint(r.getShape());
  for (size_t d = 0; d < footprint.size(); ++d)
    if (r.getStrides()[d] == 0)
      footprint[d] = 1;
  int64_t count = 1;
  for (int64_t d : footprint)
    count *= d;
  Type elem = r.getElementType();
  Value sram = into ? into : allocSram(loc, count * elemBytes(elem));
  SmallVector<int64_t> dense = rowMajor(footprint);
  auto *ctx = b.getContext();
  Operand dst{sram, lisa::RegionAttr::get(ctx, elem, footprint, dense, 0)};
  Operand src{op.buffer, lisa::RegionAttr::get(ctx, elem, footprint, r.getStrides(), r.getOffset())};
  create(loc, "copy", {dst, src}, {}, slot);
  SmallVector<int64_t> strides(dense);
  for (size_t d = 0; d < strides.size(); ++d)
    if (r.getStrides()[d] == 0)
      strides[d] = 0;
  return {sram, lisa::RegionAttr::get(ctx, elem, r.getShape(), strides, 0)};
}

// Splits along N into tiles of at most the MXM's tile_cols columns. Weight
// tiles staged from DRAM alternate between two SRAM buffers: tile t+2 may
// only be copied once the matmul of tile t has read its buffer, which bounds
// the SRAM a matmul needs to two tiles while copy and compute overlap.
// matmul_q tiles whole 16-column panels: its B tile is a byte range of the
// packed matrix and its scales tile a column range (FORMAT.md "Quantized B").
void Tiler::tileMatMul(lisa::InstOp inst, SmallVector<Operand> ops) {
  const bool quantized = inst.getOpcode() == "matmul_q";
  const fmt::UnitSpec *mxm = fmt::findUnit(target, fmt::MXM);
  int64_t n = ops[0].region.getShape().back();
  int64_t width = mxm->tile_cols();
  if (quantized)
    width = std::max<int64_t>(width / fmt::kQuantPanel, 1) * fmt::kQuantPanel;
  int64_t tiles = std::max<int64_t>((n + width - 1) / width, 1);
  auto column = [&](const Operand &o, int64_t n0, int64_t count) {
    SmallVector<int64_t> shape(o.region.getShape());
    int64_t stride = o.region.getStrides().back();
    shape.back() = count;
    return Operand{o.buffer, lisa::RegionAttr::get(b.getContext(), o.region.getElementType(),
                                                    shape, o.region.getStrides(),
                                                    o.region.getOffset() + n0 * stride)};
  };
  // matmul_q's B for columns [n0, n0 + count): whole panels, contiguous.
  auto quant = static_cast<fmt::QuantScheme>(quantized ? inst.getImms()[0] : 0);
  int64_t k = ops[1].region.getShape().back();
  auto packedColumns = [&](const Operand &o, int64_t n0, int64_t count) {
    int64_t panel = fmt::quantPanelBytes(quant, k);
    int64_t bytes = fmt::quantPackedBytes(quant, k, count);
    return Operand{o.buffer,
                   lisa::RegionAttr::get(b.getContext(), o.region.getElementType(), {bytes}, {1},
                                         o.region.getOffset() + n0 / fmt::kQuantPanel * panel)};
  };
  Location loc = inst.getLoc();
  auto inDram = [&](const Operand &o) {
    return bufferSpace(o.buffer) == fmt::Space::Const && weightsInDram();
  };
  // The per-tile constant operands: B (and matmul_q's scales).
  SmallVector<unsigned> tiled{2};
  if (quantized)
    tiled.push_back(3);
  auto tileOf = [&](unsigned i, int64_t n0, int64_t count) {
    return quantized && i == 2 ? packedColumns(ops[i], n0, count) : column(ops[i], n0, count);
  };
  // Two SRAM buffers per staged operand, sized for the widest tile.
  SmallVector<std::array<Value, 2>> ring(ops.size());
  for (unsigned i : tiled) {
    if (!inDram(ops[i]))
      continue;
    Operand widest = tileOf(i, 0, std::min(width, n));
    int64_t tileBytes = elemBytes(widest.region.getElementType());
    ArrayRef<int64_t> shape = widest.region.getShape();
    for (size_t d = 0; d < shape.size(); ++d)
      if (widest.region.getStrides()[d] != 0 || d + 1 == shape.size())
        tileBytes *= shape[d];
    ring[i][0] = allocSram(loc, tileBytes);
    if (tiles > 1)
      ring[i][1] = allocSram(loc, tileBytes);
  }
  auto tileOperands = [&](int64_t t) {
    int64_t n0 = t * width, count = std::min(width, n - n0);
    SmallVector<Operand> staged;
    for (unsigned i : tiled) {
      Operand o = tileOf(i, n0, count);
      staged.push_back(inDram(ops[i]) ? stage(loc, o, ring[i][t % 2], t % 2) : o);
    }
    return staged;
  };
  Operand a = ops[1];
  if (inDram(a))
    a = stage(loc, a);
  // The weights of tile t+1 are staged before tile t's matmul: double
  // buffering.
  SmallVector<Operand> next = tileOperands(0);
  for (int64_t t = 0; t < tiles; ++t) {
    SmallVector<Operand> w = next;
    if (t + 1 < tiles)
      next = tileOperands(t + 1);
    int64_t n0 = t * width;
    SmallVector<Operand> operands{column(ops[0], n0, std::min(width, n - n0)), a};
    operands.append(w.begin(), w.end());
    create(loc, inst.getOpcode(), operands, inst.getImms());
  }
  inst.erase();
}

void Tiler::run(lisa::InstOp inst) {
  b.setInsertionPoint(inst);
  SmallVector<Operand> ops;
  for (auto [buffer, attr] : llvm::zip(inst.getBuffers(), inst.getRegions()))
    ops.push_back({buffer, cast<lisa::RegionAttr>(attr)});
  if (inst.getOpcode() == "matmul" || inst.getOpcode() == "matmul_q")
    return tileMatMul(inst, ops);
  // Constant operands of vector and on-chip move work come from DRAM
  // through SRAM; a gather reads only the rows it picks, straight from DRAM.
  if (weightsInDram() && inst.getOpcode() != "gather" && inst.getOpcode() != "copy")
    for (size_t i = 1; i < ops.size(); ++i)
      if (bufferSpace(ops[i].buffer) == fmt::Space::Const)
        ops[i] = stage(inst.getLoc(), ops[i]);
  create(inst.getLoc(), inst.getOpcode(), ops, inst.getImms());
  inst.erase();
}

struct TileForTargetPass : lmc::impl::TileForTargetBase<TileForTargetPass> {
  using TileForTargetBase::TileForTargetBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<fmt::Target> target = lmc::resolveModuleTarget(module, targetName);
    if (failed(target))
      return signalPassFailure();
    if (target->granularity() != fmt::Target::TILE)
      return;
    OpBuilder b(module.getContext());
    // Working buffers go to SRAM; State buffers (KV caches) stay where they
    // persist (planning keeps them in SRAM or DRAM as the target has it).
    module.walk([&](lisa::AllocOp alloc) {
      if (alloc.getSpace() != "state")
        alloc.setSpaceAttr(b.getStringAttr("sram"));
    });
    SmallVector<lisa::InstOp> insts;
    module.walk([&](lisa::InstOp inst) { insts.push_back(inst); });
    Tiler tiler(*target, module.getContext());
    for (lisa::InstOp inst : insts)
      tiler.run(inst);
  }
};

}  // namespace
