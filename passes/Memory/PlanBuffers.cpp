// lmc-plan-buffers: liveness-based placement of lmc_isa.alloc buffers.
#include <algorithm>

#include "dialects/Isa/Isa.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"
#include "llvm/Support/raw_ostream.h"

namespace lmc {
#define GEN_PASS_DEF_PLANBUFFERS
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace lisa = lmc::isa;

namespace {

constexpr int64_t kAlign = 64;

int64_t alignUp(int64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

struct Interval {
  lisa::AllocOp alloc;
  int64_t bytes;     // aligned size
  int64_t first, last;  // instruction indices, inclusive
  int64_t order;     // position of the alloc, for deterministic ties
  int64_t offset = -1;
};

struct SpacePlan {
  int64_t arena = 0, peakLive = 0, unshared = 0;
  size_t buffers = 0;
};

SpacePlan planSpace(std::vector<Interval> &intervals, int64_t numInstructions) {
  SpacePlan plan;
  plan.buffers = intervals.size();
  // Largest first; ties by earlier start, then program order.
  std::vector<Interval *> order;
  for (Interval &iv : intervals) {
    order.push_back(&iv);
    plan.unshared += iv.bytes;
  }
  std::sort(order.begin(), order.end(), [](const Interval *a, const Interval *b) {
    if (a->bytes != b->bytes)
      return a->bytes > b->bytes;
    if (a->first != b->first)
      return a->first < b->first;
    return a->order < b->order;
  });
  std::vector<Interval *> placed;
  for (Interval *iv : order) {
    std::vector<std::pair<int64_t, int64_t>> busy;  // [offset, end) of overlapping lives
    for (Interval *p : placed)
      if (p->first <= iv->last && iv->first <= p->last)
        busy.push_back({p->offset, p->offset + p->bytes});
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (auto [begin, end] : busy) {
      if (begin - offset >= iv->bytes)
        break;
      offset = std::max(offset, end);
    }
    iv->offset = offset;
    plan.arena = std::max(plan.arena, offset + iv->bytes);
    placed.push_back(iv);
  }
  // Peak of the sum of live bytes over time: the bound any placement meets.
  std::vector<int64_t> delta(numInstructions + 1, 0);
  for (Interval &iv : intervals) {
    delta[iv.first] += iv.bytes;
    delta[iv.last + 1] -= iv.bytes;
  }
  int64_t live = 0;
  for (int64_t d : delta)
    plan.peakLive = std::max(plan.peakLive, live += d);
  return plan;
}

struct PlanBuffersPass : lmc::impl::PlanBuffersBase<PlanBuffersPass> {
  using PlanBuffersBase::PlanBuffersBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::map<std::string, std::vector<Interval>> spaces;  // ordered: deterministic
    int64_t index = 0, allocOrder = 0;
    llvm::DenseMap<Operation *, int64_t> position;
    module.walk([&](Operation *op) {
      if (isa<lisa::InstOp>(op))
        position[op] = index++;
    });
    module.walk([&](lisa::AllocOp alloc) {
      Interval iv{alloc, alignUp(static_cast<int64_t>(alloc.getBytes())), index, -1,
                  allocOrder++};
      for (Operation *user : alloc->getUsers()) {
        auto it = position.find(user);
        if (it == position.end())
          continue;
        iv.first = std::min(iv.first, it->second);
        iv.last = std::max(iv.last, it->second);
      }
      if (iv.last < 0)  // never used by an instruction: occupies no time
        iv.first = iv.last = 0;
      spaces[alloc.getSpace().str()].push_back(iv);
    });
    OpBuilder builder(module.getContext());
    int64_t peakLive = 0;
    for (auto &[space, intervals] : spaces) {
      SpacePlan plan = planSpace(intervals, index);
      for (Interval &iv : intervals)
        iv.alloc.setOffsetAttr(builder.getI64IntegerAttr(iv.offset));
      module->setAttr("lmc." + space + "_bytes", builder.getI64IntegerAttr(plan.arena));
      peakLive += plan.peakLive;
      if (report)
        llvm::errs() << "memory plan (" << space << "): " << plan.buffers << " buffers, "
                     << plan.unshared << " bytes without reuse, " << plan.arena
                     << " bytes planned, peak live " << plan.peakLive << " bytes\n";
    }
    module->setAttr("lmc.peak_live_bytes", builder.getI64IntegerAttr(peakLive));
  }
};

}  // namespace
