// lmc-pack-weights: on an OPERATOR (cpu) target, turn matmuls whose B is a
// constant matrix into matmul_packed reading B pre-packed at compile time.
#include <map>
#include <tuple>
#include <vector>

#include "dialects/Isa/Isa.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "passes/Passes.h"
#include "passes/TargetInfo.h"
#include "runtime/format/PackedMatMul.h"

namespace lmc {
#define GEN_PASS_DEF_PACKWEIGHTS
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace lisa = lmc::isa;
namespace fmt = lmc::format;

namespace {

// How a matmul's B reads its constant: a K x N matrix (batch axes
// broadcast) at element `offset` with strides (rs, cs).
struct MatrixView {
  int64_t offset, k, n, rs, cs;
  auto key() const { return std::make_tuple(offset, k, n, rs, cs); }
};

// B's region as one matrix shared by every batch, or nothing.
std::optional<MatrixView> matrixView(lisa::RegionAttr region) {
  ArrayRef<int64_t> shape = region.getShape(), strides = region.getStrides();
  size_t r = shape.size();
  if (r < 2 || !region.getElementType().isF32())
    return std::nullopt;
  for (size_t d = 0; d + 2 < r; ++d)
    if (shape[d] != 1 && strides[d] != 0)
      return std::nullopt;
  MatrixView v{region.getOffset(), shape[r - 2], shape[r - 1], strides[r - 2], strides[r - 1]};
  if (v.k == 0 || v.n == 0)
    return std::nullopt;
  return v;
}

// Whether every element the view reads lies in [0, count): the packing
// reads the constant here, before the emitter's bounds check (F13).
bool inBounds(const MatrixView &v, int64_t count) {
  int64_t lo = v.offset, hi = v.offset, span;
  for (auto [dim, stride] : {std::pair(v.k, v.rs), std::pair(v.n, v.cs)}) {
    if (__builtin_mul_overflow(dim - 1, stride, &span))
      return false;
    int64_t &end = span < 0 ? lo : hi;
    if (__builtin_add_overflow(end, span, &end))
      return false;
  }
  return lo >= 0 && hi < count;
}

class Packer {
public:
  explicit Packer(MLIRContext *ctx) : b(ctx) {}
  void run(lisa::InstOp inst);

  // The constants packed from, in first-use order.
  SmallVector<Operation *> sources;

private:
  // The packed buffer of `view` over the constant `buffer`, made once.
  Value packedBuffer(Value buffer, const MatrixView &view, int64_t elements);

  OpBuilder b;
  // Lookups only (never iterated), so pointer keys keep the output
  // deterministic.
  std::map<std::tuple<void *, int64_t, int64_t, int64_t, int64_t, int64_t>, Value> packed;
};

Value Packer::packedBuffer(Value buffer, const MatrixView &view, int64_t elements) {
  auto key = std::tuple_cat(std::make_tuple(buffer.getAsOpaquePointer()), view.key());
  if (auto it = packed.find(key); it != packed.end())
    return it->second;
  Operation *def = buffer.getDefiningOp();
  // Right after the constant, so that constants keep their program order.
  b.setInsertionPointAfter(def);
  auto bufferType = lisa::BufferType::get(b.getContext());
  Value result;
  if (auto w = dyn_cast<lisa::WeightOp>(def)) {
    // --no-weights: reserve the packed size; there are no bytes to pack.
    result = b.create<lisa::WeightOp>(
        w.getLoc(), bufferType, w.getNameAttr(),
        TypeAttr::get(RankedTensorType::get({elements}, b.getF32Type())));
  } else {
    // The same value, packed when the .bin is written (no copy here).
    auto c = cast<lisa::ConstOp>(def);
    result = b.create<lisa::ConstOp>(
        c.getLoc(), bufferType, c.getValue(),
        b.getDenseI64ArrayAttr({view.offset, view.k, view.n, view.rs, view.cs}));
  }
  packed[key] = result;
  if (!llvm::is_contained(sources, def))
    sources.push_back(def);
  return result;
}

void Packer::run(lisa::InstOp inst) {
  if (inst.getOpcode() != "matmul" || inst.getBuffers().size() != 3)
    return;
  Value buffer = inst.getBuffers()[2];
  Operation *def = buffer.getDefiningOp();
  int64_t count;
  if (auto w = dyn_cast_or_null<lisa::WeightOp>(def)) {
    auto type = dyn_cast<ShapedType>(w.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
      return;
    count = type.getNumElements();
  } else if (auto c = dyn_cast_or_null<lisa::ConstOp>(def)) {
    auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
    if (!dense || !dense.getElementType().isF32() || c.getPackB())
      return;
    count = dense.getNumElements();
  } else {
    return;  // B is computed at run time
  }
  auto regions = inst.getRegions().getValue();
  std::optional<MatrixView> view = matrixView(cast<lisa::RegionAttr>(regions[2]));
  if (!view || !inBounds(*view, count))
    return;
  int64_t elements = fmt::packedElements(view->k, view->n);
  if (elements < 0)
    return;
  Value packedB = packedBuffer(buffer, *view, elements);
  auto region = lisa::RegionAttr::get(b.getContext(), b.getF32Type(), {elements}, {1}, 0);
  b.setInsertionPoint(inst);
  auto next = b.create<lisa::InstOp>(
      inst.getLoc(), b.getStringAttr("matmul_packed"),
      ValueRange{inst.getBuffers()[0], inst.getBuffers()[1], packedB},
      b.getArrayAttr({regions[0], regions[1], region}), inst.getImmsAttr(), inst.getUnitAttr(),
      inst.getCycleAttr());
  // Keep any other attribute (e.g. a scheduled duration) as it was.
  for (NamedAttribute attr : inst->getDiscardableAttrs())
    next->setAttr(attr.getName(), attr.getValue());
  inst.erase();
}

struct PackWeightsPass : lmc::impl::PackWeightsBase<PackWeightsPass> {
  using PackWeightsBase::PackWeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<fmt::Target> target = lmc::resolveModuleTarget(module, targetName);
    if (failed(target))
      return signalPassFailure();
    // Accelerators stream or tile plain weights; only the cpu runtime's
    // GEMM reads this layout.
    if (target->granularity() != fmt::Target::OPERATOR)
      return;
    SmallVector<lisa::InstOp> insts;
    module.walk([&](lisa::InstOp inst) { insts.push_back(inst); });
    Packer packer(module.getContext());
    for (lisa::InstOp inst : insts)
      packer.run(inst);
    // Constants that only packed matmuls read are no longer needed; one
    // that something else reads (a tied embedding's gather) stays.
    for (Operation *op : packer.sources)
      if (op->use_empty())
        op->erase();
  }
};

}  // namespace
