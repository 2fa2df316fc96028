// Verifiers of lmc_tile: every tile is a well-formed future instruction
// (the lmc_isa operand rules) of the op class's unit kind, and a matmul
// tile fits the matrix unit it was cut for.
#include "dialects/Tile/Tile.h"
#include "runtime/format/Format.h"

using namespace mlir;
using namespace lmc::tile;
namespace fmt = lmc::format;

namespace {

// The instruction rules, then the unit kind's opcode family.
LogicalResult verifyTile(TileOpInterface tile, bool (*family)(fmt::OpFamily),
                         const char *what) {
  Operation *op = tile.getOperation();
  if (failed(lmc::isa::verifyInstruction(op, tile.getOpcodeName(), tile.getTileBuffers().size(),
                                         tile.getTileRegions(), tile.getImmValues())))
    return failure();
  // verifyInstruction has checked that the opcode exists.
  if (!family(fmt::opcodeInfo(*fmt::opcodeByMnemonic(tile.getOpcodeName())).family))
    return op->emitOpError("'") << tile.getOpcodeName() << "' is not " << what;
  return success();
}

bool isMatrix(fmt::OpFamily f) { return f == fmt::OpFamily::Matrix; }
bool isMove(fmt::OpFamily f) { return f == fmt::OpFamily::Move; }
bool isVector(fmt::OpFamily f) { return !isMatrix(f) && !isMove(f); }

}  // namespace

StringRef MatMulOp::getOpcodeName() { return getOpcode(); }
StringRef MatMulOp::getUnitName() { return "mxm"; }
ArrayRef<int64_t> MatMulOp::getImmValues() { return getImms(); }

LogicalResult MatMulOp::verify() {
  if (failed(verifyTile(*this, isMatrix, "a matrix product")))
    return failure();
  ArrayRef<int64_t> tile = getTile();
  if (tile.size() != 2 || tile[0] <= 0 || tile[1] <= 0)
    return emitOpError("tile must be [rows, cols] of the matrix unit, both positive");
  auto out = cast<lmc::isa::RegionAttr>(getRegions()[0]);
  int64_t cols = out.getShape().empty() ? 1 : out.getShape().back();
  if (cols > tile[1])
    return emitOpError("writes ") << cols << " columns, more than the " << tile[1]
                                  << " of its matrix-unit tile";
  return success();
}

StringRef VectorOp::getOpcodeName() { return getOpcode(); }
StringRef VectorOp::getUnitName() { return "vxm"; }
ArrayRef<int64_t> VectorOp::getImmValues() { return getImms(); }
LogicalResult VectorOp::verify() { return verifyTile(*this, isVector, "vector work"); }

StringRef MoveOp::getOpcodeName() { return getOpcode(); }
StringRef MoveOp::getUnitName() { return "sxm"; }
ArrayRef<int64_t> MoveOp::getImmValues() { return getImms(); }
LogicalResult MoveOp::verify() { return verifyTile(*this, isMove, "data movement"); }

StringRef DmaOp::getOpcodeName() { return "copy"; }
StringRef DmaOp::getUnitName() { return "dma"; }
ArrayRef<int64_t> DmaOp::getImmValues() { return {}; }
LogicalResult DmaOp::verify() {
  if (getSlot() && static_cast<int64_t>(*getSlot()) < 0)
    return emitOpError("slot must not be negative");
  if (failed(verifyTile(*this, isMove, "data movement")))
    return failure();
  auto dst = cast<lmc::isa::RegionAttr>(getRegions()[0]);
  auto src = cast<lmc::isa::RegionAttr>(getRegions()[1]);
  if (dst.getElementType() != src.getElementType())
    return emitOpError("copies ") << src.getElementType() << " into " << dst.getElementType()
                                  << ": a DMA does not convert";
  return success();
}
