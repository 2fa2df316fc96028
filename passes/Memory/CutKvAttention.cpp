// lmc-cut-kv-attention: on an OPERATOR (cpu) target, mark the operands of
// a KV-cache decoder's attention whose cache axis a step may cut to the
// positions filled so far (FORMAT.md F18, "Cut attention").
//
// The caches' position axis (dim rank - 2 of every lmc_isa.state) spreads
// forward through the instructions that read it: a matmul with a cache as B
// (scores against every position), elementwise ops and softmax on those
// scores, and the matmul that contracts them with a cache (probabilities x
// values) and ends the axis. Every operand that spans the axis, at its
// element stride in a buffer holding it, is marked with the axis. The
// marking is all or nothing: any other reader of a marked buffer (a copy,
// a reduction, a model output), an operand of such a buffer that does not
// span the axis, or a chain without a mask (a `where` whose fill is a
// constant at or below -1e4, so exp gives 0 at the cut positions) leaves
// the module unmarked, and every step attends over every position.
#include <map>

#include "dialects/Isa/Isa.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "passes/Passes.h"
#include "runtime/format/Format.h"

namespace lmc {
#define GEN_PASS_DEF_CUTKVATTENTION
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace lisa = lmc::isa;
namespace fmt = lmc::format;

namespace {

// A buffer whose elements along one axis are valid only at the positions
// filled: that axis's element stride and the region offset it was written at.
struct Axis {
  int64_t stride, offset;
};

// The fill values a masked score may take: exp of them is 0 in f32 and f64
// next to any score a model produces.
constexpr double kMaskFill = -1e4;

class Cutter {
public:
  Cutter(func::FuncOp func, int64_t positions) : func_(func), positions_(positions) {}

  // Marks the instructions (attribute lmc.kv_cut = [operand, axis, ...]);
  // the reason nothing was marked otherwise.
  std::string run();

private:
  // The axis of `region` that is `buffer`'s cut axis, if it spans it.
  std::optional<unsigned> axisOf(Value buffer, lisa::RegionAttr region) const;
  std::string visit(lisa::InstOp inst, std::vector<int64_t> &cuts);
  bool isMaskFill(Value buffer) const;

  func::FuncOp func_;
  int64_t positions_;
  llvm::DenseMap<Value, Axis> cut_;  // buffers with a cut axis
  bool masked_ = false;              // a where with a mask fill on a cut operand
};

std::optional<unsigned> Cutter::axisOf(Value buffer, lisa::RegionAttr region) const {
  auto it = cut_.find(buffer);
  if (it == cut_.end())
    return std::nullopt;
  ArrayRef<int64_t> shape = region.getShape(), strides = region.getStrides();
  for (unsigned d = 0; d < shape.size(); ++d)
    if (shape[d] == positions_ && strides[d] == it->second.stride &&
        region.getOffset() == it->second.offset)
      return d;
  return std::nullopt;
}

bool Cutter::isMaskFill(Value buffer) const {
  auto c = buffer.getDefiningOp<lisa::ConstOp>();
  if (!c || c.getPackB())
    return false;
  auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
  if (!dense || !isa<FloatType>(dense.getElementType()))
    return false;
  for (APFloat v : dense.getValues<APFloat>())
    if (!(v.convertToDouble() <= kMaskFill))  // NaN is no mask
      return false;
  return true;
}

std::string Cutter::visit(lisa::InstOp inst, std::vector<int64_t> &cuts) {
  auto opcode = fmt::opcodeByMnemonic(inst.getOpcode());
  if (!opcode)
    return "unknown opcode";
  const fmt::OpcodeInfo &info = fmt::opcodeInfo(*opcode);
  auto buffers = inst.getBuffers();
  auto regionAt = [&](unsigned k) { return cast<lisa::RegionAttr>(inst.getRegions()[k]); };
  // Which inputs read a cut buffer, and along which axis.
  std::vector<std::optional<unsigned>> axes(buffers.size());
  bool any = false;
  for (unsigned k = info.numOutputs; k < buffers.size(); ++k) {
    if (!cut_.count(buffers[k]))
      continue;
    axes[k] = axisOf(buffers[k], regionAt(k));
    if (!axes[k])
      return "'" + inst.getOpcode().str() + "' reads a cut buffer across its position axis";
    any = true;
  }
  if (!any)
    return "";
  if (info.numOutputs != 1)
    return "'" + inst.getOpcode().str() + "' has several outputs";
  Value out = buffers[0];
  lisa::RegionAttr outRegion = regionAt(0);
  const unsigned rank = outRegion.getShape().size();
  // A cut output must be a buffer only cut readers see.
  const bool outputCuttable =
      !out.getDefiningOp<lisa::IoOp>() && !out.getDefiningOp<lisa::StateOp>();
  const std::string outputRefused =
      "'" + inst.getOpcode().str() + "' writes the positions into a model output or a cache";
  auto cutOutput = [&](unsigned d) {
    cut_[out] = {outRegion.getStrides()[d], outRegion.getOffset()};
    cuts.push_back(0);
    cuts.push_back(d);
  };

  if (*opcode == fmt::Opcode::MatMul) {
    // o [.., M, N] = a [.., M, K] x b [.., K, N]
    lisa::RegionAttr a = regionAt(1), b = regionAt(2);
    const unsigned ra = a.getShape().size(), rb = b.getShape().size();
    if (axes[2] == rb - 1 && !axes[1]) {  // scores: the positions are the columns
      if (!outputCuttable)
        return outputRefused;
      cutOutput(rank - 1);
      cuts.insert(cuts.end(), {2, int64_t(rb - 1)});
      return "";
    }
    if (axes[1] == ra - 1 && axes[2] == rb - 2) {  // contraction over the positions
      cuts.insert(cuts.end(), {1, int64_t(ra - 1), 2, int64_t(rb - 2)});
      return "";
    }
    return "a matmul reads the cache positions in another role";
  }
  const bool elementwise = info.family == fmt::OpFamily::Unary ||
                           info.family == fmt::OpFamily::Binary ||
                           info.family == fmt::OpFamily::Select ||
                           *opcode == fmt::Opcode::Softmax;
  if (!elementwise)
    return "'" + inst.getOpcode().str() + "' reads the cache positions";
  // One axis for all the cut inputs; the output has it at the same place.
  std::optional<unsigned> axis;
  for (const auto &a : axes)
    if (a) {
      if (axis && *axis != *a)
        return "'" + inst.getOpcode().str() + "' reads cut buffers along different axes";
      axis = a;
    }
  for (unsigned k = 0; k < buffers.size(); ++k)
    if (regionAt(k).getShape().size() != rank)
      return "'" + inst.getOpcode().str() + "' has operands of different ranks";
  if (outRegion.getShape()[*axis] != positions_)
    return "'" + inst.getOpcode().str() + "' does not keep the position axis";
  if (!outputCuttable)
    return outputRefused;
  if (*opcode == fmt::Opcode::Where)
    for (unsigned k = 2; k < 4; ++k)
      if (axes[5 - k] && isMaskFill(buffers[k]))
        masked_ = true;
  cutOutput(*axis);
  // Every input that spans the axis is cut with it (the mask, broadcast
  // scalars); inputs of extent 1 there broadcast and stay as they are.
  for (unsigned k = info.numOutputs; k < buffers.size(); ++k)
    if (regionAt(k).getShape()[*axis] == positions_)
      cuts.insert(cuts.end(), {int64_t(k), int64_t(*axis)});
    else if (regionAt(k).getShape()[*axis] != 1)
      return "'" + inst.getOpcode().str() + "' broadcasts along the position axis";
  return "";
}

std::string Cutter::run() {
  for (auto state : func_.getOps<lisa::StateOp>()) {
    auto type = cast<RankedTensorType>(state.getType());
    const int64_t rank = type.getRank();
    if (rank < 2 || type.getDimSize(rank - 2) != positions_)
      return "a cache without its position axis at dim rank - 2";
    cut_[state.getBuffer()] = {type.getDimSize(rank - 1), 0};
  }
  std::vector<std::pair<lisa::InstOp, std::vector<int64_t>>> marked;
  for (auto inst : func_.getOps<lisa::InstOp>()) {
    // The scatter that appends a step's keys or values writes the cache;
    // it reads nothing cut.
    if (inst.getOpcode() == "scatter" && inst.getBuffers()[0].getDefiningOp<lisa::StateOp>())
      continue;
    std::vector<int64_t> cuts;
    if (std::string why = visit(inst, cuts); !why.empty())
      return why;
    if (!cuts.empty())
      marked.emplace_back(inst, std::move(cuts));
  }
  if (marked.empty())
    return "no instruction reads a cache";
  if (!masked_)
    return "no mask (a where filling positions with a constant <= -1e4) hides the cache's "
           "empty positions";
  Builder b(func_.getContext());
  for (auto &[inst, cuts] : marked)
    inst->setAttr("lmc.kv_cut", b.getDenseI64ArrayAttr(cuts));
  return "";
}

struct CutKvAttentionPass : lmc::impl::CutKvAttentionBase<CutKvAttentionPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kv = module->getAttrOfType<DictionaryAttr>("lmc.kv_cache");
    auto positions = kv ? kv.getAs<IntegerAttr>("max_context") : IntegerAttr();
    if (!positions)
      return;
    for (auto func : module.getOps<func::FuncOp>()) {
      std::string why = Cutter(func, positions.getInt()).run();
      // Not an error: the steps then attend over every position.
      if (!why.empty())
        func->setAttr("lmc.kv_cut_skipped", StringAttr::get(module.getContext(), why));
    }
  }
};

}  // namespace
