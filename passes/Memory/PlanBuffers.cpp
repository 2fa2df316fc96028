// lmc-plan-buffers: liveness-based placement of lmc_isa.alloc buffers, with
// the target's SRAM capacity checked (and DRAM spilling where it has DRAM).
#include <algorithm>
#include <map>

#include "dialects/Isa/Isa.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Memory/WeightGroups.h"
#include "passes/Passes.h"
#include "passes/Scheduling/Schedule.h"
#include "passes/TargetInfo.h"
#include "runtime/format/SramGroups.h"
#include "runtime/format/TargetLoader.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace lmc {
#define GEN_PASS_DEF_PLANBUFFERS
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace lisa = lmc::isa;
namespace fmt = lmc::format;

namespace {

int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

// The lowest offset >= `offset` where `bytes` may start when each slice of
// `slice` bytes is its own address space (0: one address space): a buffer
// no larger than a slice must lie inside one; a larger one spans several
// slices wherever it starts.
int64_t sliceLegal(int64_t offset, int64_t bytes, int64_t slice) {
  if (slice == 0 || bytes > slice || offset % slice + bytes <= slice)
    return offset;
  return alignUp(offset, slice);
}

// The bytes `sizes` take in SRAM laid out for good: with slices, the ones
// larger than a slice back to back from 0, then the others first fit
// decreasing into the slices' free tails (a bin packing), in whole slices.
int64_t packedExtent(std::vector<int64_t> sizes, int64_t slice) {
  int64_t total = 0;
  for (int64_t size : sizes)
    total += size;
  if (slice == 0)
    return total;
  std::stable_sort(sizes.begin(), sizes.end(), std::greater<>());
  int64_t end = 0;
  size_t i = 0;
  for (; i < sizes.size() && sizes[i] > slice; ++i)
    end += sizes[i];
  std::vector<int64_t> free;  // free bytes of each slice from the first partial one
  if (end % slice)
    free.push_back(slice - end % slice);
  for (; i < sizes.size(); ++i) {
    auto fits = std::find_if(free.begin(), free.end(), [&](int64_t f) { return f >= sizes[i]; });
    if (fits == free.end())
      fits = free.insert(free.end(), slice);
    *fits -= sizes[i];
  }
  return (end / slice + static_cast<int64_t>(free.size())) * slice;
}

struct Interval {
  lisa::AllocOp alloc;
  int64_t bytes;        // aligned size
  int64_t first, last;  // time of first and last use, inclusive
  int64_t order;        // position of the alloc, for deterministic ties
  int64_t offset = -1;
};

struct SpacePlan {
  int64_t arena = 0, peakLive = 0, peakTime = 0, unshared = 0;
  size_t buffers = 0;
};

// The lowest offset >= `from` where `bytes` may start, legal under the
// slice rule, that no [begin, end) of `busy` (sorted) overlaps.
int64_t lowestFree(const std::vector<std::pair<int64_t, int64_t>> &busy, int64_t from,
                   int64_t bytes, int64_t slice) {
  int64_t offset = sliceLegal(from, bytes, slice);
  for (auto [begin, end] : busy) {
    if (end <= offset)
      continue;
    if (begin - offset >= bytes)
      break;
    offset = sliceLegal(end, bytes, slice);
  }
  return offset;
}

// Spreading over SRAM stripe groups (docs/targets.md): a group holds
// `group` bytes from the start of the SRAM space, so the plan's offset 0
// is at `base` there (a chip's start); the arena stays within `limit`.
struct Spread {
  int64_t group = 0;  // 0: pack low
  int64_t base = 0, limit = 0;
};

// How many stripe groups the working buffers of one chip spread over at
// most: each is a group of slices' bandwidth more, and the host memory the
// CPU runtime allocates and clears per run grows by a group each.
constexpr int64_t kSpreadGroups = 4;

// Largest first, each at the lowest offset (legal under the slice rule, see
// sliceLegal) that no buffer with an intersecting live interval occupies.
// With `spread`, a buffer no larger than a slice goes instead to the group
// whose buffers with intersecting live intervals hold the fewest bytes
// (the lowest such group, at its lowest free offset), among the first
// kSpreadGroups groups the arena may reach.
SpacePlan place(std::vector<Interval *> &intervals, int64_t slice, const Spread &spread = {}) {
  SpacePlan plan;
  plan.buffers = intervals.size();
  std::vector<Interval *> order(intervals);
  // Largest first; ties by earlier start, then program order.
  std::sort(order.begin(), order.end(), [](const Interval *a, const Interval *b) {
    if (a->bytes != b->bytes)
      return a->bytes > b->bytes;
    if (a->first != b->first)
      return a->first < b->first;
    return a->order < b->order;
  });
  const int64_t group = spread.group;
  const int64_t firstGroup = group ? spread.base / group : 0;
  const int64_t groups =
      group && spread.limit > 0
          ? std::min(kSpreadGroups, (spread.base + spread.limit - 1) / group - firstGroup + 1)
          : 0;
  std::vector<Interval *> placed;
  std::vector<int64_t> load(std::max<int64_t>(groups, 0));
  for (Interval *iv : order) {
    plan.unshared += iv->bytes;
    std::vector<std::pair<int64_t, int64_t>> busy;  // [offset, end) of overlapping lives
    std::fill(load.begin(), load.end(), 0);
    for (Interval *p : placed)
      if (p->first <= iv->last && iv->first <= p->last) {
        busy.push_back({p->offset, p->offset + p->bytes});
        const int64_t g = (spread.base + p->offset) / std::max<int64_t>(group, 1) - firstGroup;
        if (g >= 0 && g < groups)
          load[g] += p->bytes;
      }
    std::sort(busy.begin(), busy.end());
    int64_t offset = lowestFree(busy, 0, iv->bytes, slice);
    if (groups > 1 && iv->bytes <= slice) {
      int64_t best = -1;
      for (int64_t g = 0; g < groups; ++g) {
        const int64_t begin = std::max<int64_t>((firstGroup + g) * group - spread.base, 0);
        const int64_t end = std::min((firstGroup + g + 1) * group - spread.base, spread.limit);
        const int64_t at = lowestFree(busy, begin, iv->bytes, slice);
        if (at + iv->bytes <= end && (best < 0 || load[g] < load[best])) {
          best = g;
          offset = at;
        }
      }
    }
    iv->offset = offset;
    plan.arena = std::max(plan.arena, offset + iv->bytes);
    placed.push_back(iv);
  }
  // The peak of the sum of live bytes: the bound any placement meets.
  std::map<int64_t, int64_t> delta;
  for (Interval *iv : intervals) {
    delta[iv->first] += iv->bytes;
    delta[iv->last + 1] -= iv->bytes;
  }
  int64_t live = 0;
  for (auto [time, d] : delta)
    if ((live += d) > plan.peakLive) {
      plan.peakLive = live;
      plan.peakTime = time;
    }
  return plan;
}

std::string nameOf(lisa::AllocOp alloc) {
  for (Operation *user : alloc->getUsers())
    if (auto name = dyn_cast<NameLoc>(user->getLoc()))
      return name.getName().str();
  return "(unnamed)";
}

std::string mib(int64_t bytes) {
  char text[32];
  if (bytes < (int64_t(1) << 20))
    std::snprintf(text, sizeof text, "%.1f KiB", bytes / 1024.0);
  else
    std::snprintf(text, sizeof text, "%.2f MiB", bytes / 1048576.0);
  return text;
}

// What stays in SRAM beside the working buffers on a target without DRAM
// for them: the weights (weights_in_sram) and the KV caches (no DRAM).
struct Resident {
  int64_t slice = 0;              // bytes per slice under the slice rule, else 0
  int64_t weightBytes = 0, stateBytes = 0;
  int64_t weightExtent = 0, stateExtent = 0;  // laid out (whole slices with the rule)
  int64_t working(int64_t arena) const { return slice ? alignUp(arena, slice) : arena; }
  int64_t extent(int64_t arena) const { return weightExtent + stateExtent + working(arena); }
};

struct PlanBuffersPass : lmc::impl::PlanBuffersBase<PlanBuffersPass> {
  using PlanBuffersBase::PlanBuffersBase;

  void runOnOperation() override;
  // Spills until each chip's SRAM plan fits; true when anything was spilled.
  FailureOr<bool> fitSram(ModuleOp module, const fmt::Target &target,
                          std::vector<Interval> &intervals, const std::vector<Resident> &resident);
};

// The live interval of every alloc: in cycles when the instructions are
// scheduled (an instruction occupies [cycle, cycle + duration)), else in
// program order. A buffer a chip-to-chip copy writes (a pipeline stage's
// input) is live for the whole run: in a stream of inputs the previous
// stage writes the next input's copy while this stage still works on the
// current one, so bytes it shared with a buffer used later in the stage
// would make each input wait for the whole stage before it (docs/targets.md).
std::vector<Interval> collectIntervals(ModuleOp module, const fmt::Target &target) {
  llvm::DenseMap<Operation *, std::pair<int64_t, int64_t>> when;
  llvm::DenseSet<Operation *> received;
  int64_t index = 0, end = 0;
  module.walk([&](lisa::InstOp inst) {
    if (auto d = inst->getAttrOfType<IntegerAttr>("lmc.duration")) {
      int64_t start = static_cast<int64_t>(inst.getCycle());
      when[inst] = {start, start + d.getInt() - 1};
    } else {
      when[inst] = {index, index};
    }
    end = std::max(end, when[inst].second);
    if (inst.getUnit() == lmc::unitNameOf(fmt::C2C) && !inst.getBuffers().empty())
      if (Operation *dest = inst.getBuffers()[0].getDefiningOp())
        received.insert(dest);
    ++index;
  });
  auto alignmentOf = [&](StringRef space) -> int64_t {
    if (space == "sram" && target.sram().alignment_bytes())
      return target.sram().alignment_bytes();
    if (space == "dram" && target.dram().alignment_bytes())
      return target.dram().alignment_bytes();
    return 64;
  };
  std::vector<Interval> intervals;
  int64_t order = 0;
  module.walk([&](lisa::AllocOp alloc) {
    Interval iv{alloc, alignUp(static_cast<int64_t>(alloc.getBytes()), alignmentOf(alloc.getSpace())),
                INT64_MAX, -1, order++};
    for (Operation *user : alloc->getUsers()) {
      auto it = when.find(user);
      if (it == when.end())
        continue;
      iv.first = std::min(iv.first, it->second.first);
      iv.last = std::max(iv.last, it->second.second);
    }
    if (iv.last < 0)  // never used by an instruction: occupies no time
      iv.first = iv.last = 0;
    if (received.contains(alloc.getOperation())) {
      iv.first = 0;
      iv.last = end;
    }
    intervals.push_back(iv);
  });
  return intervals;
}

// The SRAM intervals of chip `chip` (every one when there is one chip).
std::vector<Interval *> sramOf(std::vector<Interval> &intervals, int64_t chip) {
  std::vector<Interval *> sram;
  for (Interval &iv : intervals)
    if (iv.alloc.getSpace() == "sram" && lmc::chipOf(iv.alloc) == chip)
      sram.push_back(&iv);
  return sram;
}

FailureOr<bool> PlanBuffersPass::fitSram(ModuleOp module, const fmt::Target &target,
                                         std::vector<Interval> &intervals,
                                         const std::vector<Resident> &resident) {
  const int64_t slice = resident[0].slice;
  const int64_t capacity = slice ? slice * target.sram().slices()
                                 : static_cast<int64_t>(target.sram().bytes());
  const int64_t chips = static_cast<int64_t>(resident.size());
  bool spilled = false;
  for (int64_t chip = 0; chip < chips;) {
    std::vector<Interval *> sram = sramOf(intervals, chip);
    SpacePlan plan = place(sram, slice);
    int64_t needed = resident[chip].extent(plan.arena);
    if (needed <= capacity) {
      ++chip;
      continue;
    }
    if (target.dram().bytes() == 0) {
      // Every chip's need (this one's plan, the others' resident bytes at
      // least) against one chip's capacity: the chips the model needs.
      int64_t total = needed;
      for (int64_t other = 0; other < chips; ++other) {
        std::vector<Interval *> theirs = sramOf(intervals, other);
        if (other != chip)
          total += resident[other].extent(place(theirs, slice).arena);
      }
      int64_t weights = resident[chip].weightBytes, state = resident[chip].stateBytes;
      int64_t enough = std::max((total + capacity - 1) / capacity, chips > 1 ? chips + 1 : 1);
      // For `lmc compile --chips auto`, which compiles again with that many.
      module->setAttr("lmc.chips_needed", OpBuilder(module).getI64IntegerAttr(enough));
      auto diag = module.emitError(chips > 1 ? "chip " + std::to_string(chip) + " of " +
                                                   std::to_string(chips) + " needs "
                                             : std::string("the model needs "));
      diag << needed << " bytes of SRAM (" << mib(needed) << ": " << mib(weights)
           << " of weights + " << (state ? mib(state) + " of KV cache + " : std::string())
           << mib(plan.arena) << " of activations at the peak";
      if (slice)
        diag << ", in " << needed / slice << " slices of " << mib(slice);
      diag << "), target '" << target.name() << "' has " << capacity << " (" << mib(capacity)
           << ") per chip and no DRAM; it would take " << enough
           << " chips (lmc compile --chips " << enough << ")";
      return diag;
    }
    // Spill the largest buffer live at the SRAM peak to DRAM and replan.
    Interval *victim = nullptr;
    for (Interval *iv : sram)
      if (iv->first <= plan.peakTime && plan.peakTime <= iv->last &&
          (!victim || iv->bytes > victim->bytes))
        victim = iv;
    if (!victim)
      return module.emitError("cannot fit the SRAM plan of target '") << target.name() << "'";
    victim->alloc.setSpaceAttr(StringAttr::get(module.getContext(), "dram"));
    spilled = true;
    victim->bytes = alignUp(static_cast<int64_t>(victim->alloc.getBytes()),
                            std::max<int64_t>(target.dram().alignment_bytes(), 1));
  }
  return spilled;
}

void PlanBuffersPass::runOnOperation() {
  ModuleOp module = getOperation();
  FailureOr<fmt::Target> target = lmc::getModuleTarget(module);
  if (failed(target))
    return signalPassFailure();
  // lmc-partition-chips: each chip plans its own SRAM against one chip's
  // capacity and keeps the weights its instructions read and its KV caches.
  int64_t chips = 1;
  if (auto a = module->getAttrOfType<IntegerAttr>("lmc.chips"))
    chips = std::max<int64_t>(a.getInt(), 1);
  // With the slice rule, the weights and (without DRAM) the KV caches are
  // laid out slice by slice in SRAM as well: the caches in their State
  // space order, the weights packed (packedExtent).
  std::vector<Resident> resident(chips);
  if (target->granularity() == fmt::Target::TILE && target->sram().buffers_within_slices())
    for (Resident &r : resident)
      r.slice = static_cast<int64_t>(fmt::sliceBytes(target->sram()));
  const int64_t slice = resident[0].slice;
  const bool stateInSram = target->granularity() == fmt::Target::TILE && !fmt::stateInDram(*target);
  std::vector<int64_t> weightSizes;
  llvm::DenseSet<std::pair<Attribute, Attribute>> seen;  // as the emitter dedupes
  module.walk([&](lisa::ConstOp c) {
    if (seen.insert({c.getValue(), c.getPackBAttr()}).second)
      weightSizes.push_back(c.getByteSize());
  });
  module.walk([&](lisa::WeightOp w) {
    weightSizes.push_back(lmc::shapedBytes(cast<ShapedType>(w.getType())));
  });
  int64_t weightBytes = 0;
  for (int64_t size : weightSizes)
    weightBytes += size;
  // The weights each chip's instructions read (a weight read on two chips
  // is resident on both).
  std::vector<std::vector<int64_t>> chipWeights(chips);
  if (chips == 1) {
    chipWeights[0] = weightSizes;
  } else {
    // A chip keeps of a weight what its instructions' regions read (the
    // column tiles of a matmul cut between chips), at most the weight;
    // weights are told apart as the emitter stores them.
    using Key = std::tuple<const void *, const void *, int64_t>;  // weight, packing, chip
    llvm::DenseSet<std::pair<Key, Attribute>> seenRegion;
    llvm::DenseMap<Key, int64_t> counted;
    std::vector<Key> order;  // first use: one size per weight and chip, for the packing
    module.walk([&](lisa::InstOp inst) {
      int64_t chip = std::clamp<int64_t>(lmc::chipOf(inst), 0, chips - 1);
      for (auto [buffer, region] : llvm::zip(inst.getBuffers(), inst.getRegions())) {
        lmc::WeightKey weight;
        int64_t whole = 0;
        if (!lmc::weightOf(buffer, weight, whole))
          continue;
        const Key key{weight.first, weight.second, chip};
        if (!seenRegion.insert({key, region}).second)
          continue;
        auto [it, fresh] = counted.try_emplace(key, 0);
        if (fresh)
          order.push_back(key);
        it->second += std::min(lmc::regionFootprintBytes(cast<lisa::RegionAttr>(region)),
                               whole - it->second);
      }
    });
    for (const Key &key : order)
      chipWeights[std::get<2>(key)].push_back(counted.lookup(key));
  }
  // State tensors persist across runs: one after the other, never shared
  // (and, in SRAM under the slice rule, not across a slice boundary).
  OpBuilder builder(module.getContext());
  int64_t stateBytes = 0;
  std::vector<int64_t> chipState(chips, 0);  // each chip's KV caches, laid out alone
  auto placeState = [&](Operation *op, int64_t bytes) {
    bytes = alignUp(std::max<int64_t>(bytes, 1), 64);
    const int64_t rule = stateInSram ? slice : 0;
    int64_t offset = sliceLegal(stateBytes, bytes, rule);
    op->setAttr("offset", builder.getI64IntegerAttr(offset));
    stateBytes = offset + bytes;
    int64_t &own = chipState[std::clamp<int64_t>(lmc::chipOf(op), 0, chips - 1)];
    own = sliceLegal(own, bytes, rule) + bytes;
  };
  module.walk([&](lisa::StateOp state) {
    placeState(state, lmc::shapedBytes(cast<ShapedType>(state.getType())));
  });
  module.walk([&](lisa::AllocOp alloc) {
    if (alloc.getSpace() == "state")
      placeState(alloc, static_cast<int64_t>(alloc.getBytes()));
  });
  for (int64_t chip = 0; chip < chips; ++chip) {
    Resident &r = resident[chip];
    if (target->weights_in_sram()) {
      for (int64_t size : chipWeights[chip])
        r.weightBytes += size;
      r.weightExtent = packedExtent(chipWeights[chip], slice);
    }
    if (stateInSram) {
      r.stateBytes = chipState[chip];
      r.stateExtent = slice ? alignUp(r.stateBytes, slice) : r.stateBytes;
    }
  }
  std::vector<Interval> intervals = collectIntervals(module, *target);
  // Spilling makes the instructions that touch a spilled buffer slower
  // (DRAM bandwidth), so a scheduled stream is scheduled again with the new
  // costs and its liveness replanned. Spills only grow: this terminates.
  while (target->granularity() == fmt::Target::TILE) {
    FailureOr<bool> spilled = fitSram(module, *target, intervals, resident);
    if (failed(spilled))
      return signalPassFailure();
    bool scheduled = false;
    module.walk([&](lisa::InstOp inst) { scheduled |= inst->hasAttr("lmc.duration"); });
    if (!*spilled || !scheduled)
      break;
    for (auto func : module.getOps<func::FuncOp>())
      if (failed(lmc::scheduleInstructions(func, *target)))
        return signalPassFailure();
    intervals = collectIntervals(module, *target);
  }

  // One plan per space, and in SRAM one per chip: chip c's buffers at
  // base_c + their offset in its plan, the bases packed in chip order
  // (whole slices under the slice rule), so the SRAM space is every
  // chip's SRAM side by side (FORMAT.md F19).
  struct Unit {
    std::string space;
    int64_t chip;
    std::vector<Interval *> list;
  };
  std::vector<Unit> units;
  std::map<std::string, std::vector<Interval *>> spaces;  // ordered: deterministic
  for (Interval &iv : intervals)
    if (iv.alloc.getSpace() != "state")
      spaces[iv.alloc.getSpace().str()].push_back(&iv);
  for (auto &[space, list] : spaces) {
    if (space != "sram" || chips == 1) {
      units.push_back({space, 0, list});
      continue;
    }
    for (int64_t chip = 0; chip < chips; ++chip)
      units.push_back({space, chip, sramOf(intervals, chip)});
  }
  if (chips > 1 && !spaces.count("sram"))
    for (int64_t chip = 0; chip < chips; ++chip)
      units.push_back({"sram", chip, {}});
  int64_t peakLive = 0, sramBase = 0;
  const int64_t capacity = slice * static_cast<int64_t>(target->sram().slices());
  std::vector<int64_t> weightSlices(chips, 0);  // the slices each chip's weights may take
  for (int64_t chip = 0; chip < chips && slice; ++chip)
    weightSlices[chip] = (capacity - resident[chip].stateExtent) / slice;
  const fmt::SramGroups groups = fmt::sramGroups(*target);
  const int64_t groupBytes = groups.striped && slice ? static_cast<int64_t>(groups.bytes) : 0;
  SmallVector<int64_t> chipMemory;  // per chip: SRAM base, bytes, resident bytes
  const int64_t sramAlign = std::max<int64_t>(target->sram().alignment_bytes(), 64);
  for (Unit &unit : units) {
    const std::string &space = unit.space;
    std::vector<Interval *> &list = unit.list;
    const bool sram = space == "sram";
    int64_t base = sram && chips > 1 ? sramBase : 0;
    SpacePlan plan = place(list, sram ? slice : 0);
    if (sram && groupBytes) {
      // Spread over the stripe groups within the slices the capacity
      // leaves the working buffers, after up to a group's slices more for
      // the weights (assignWeightGroups, which gains more); the packed
      // plan when that fits no better.
      const Resident &r = resident[unit.chip];
      const int64_t free =
          r.weightBytes ? capacity - r.weightExtent - r.stateExtent - r.working(plan.arena) : 0;
      Spread spread{groupBytes, base,
                    capacity - r.weightExtent - r.stateExtent - std::min(free, groupBytes)};
      std::vector<int64_t> packed;
      for (Interval *iv : list)
        packed.push_back(iv->offset);
      SpacePlan spreadPlan = place(list, slice, spread);
      if (spreadPlan.arena <= spread.limit)
        plan = spreadPlan;
      else  // back to the packed offsets
        for (size_t k = 0; k < list.size(); ++k)
          list[k]->offset = packed[k];
    }
    for (Interval *iv : list)
      iv->alloc.setOffsetAttr(builder.getI64IntegerAttr(base + iv->offset));
    if (sram && slice) {
      const Resident &r = resident[unit.chip];
      weightSlices[unit.chip] = (capacity - r.stateExtent - r.working(plan.arena)) / slice;
    }
    if (sram && chips > 1) {
      const Resident &r = resident[unit.chip];
      int64_t size = slice ? r.working(plan.arena) : alignUp(plan.arena, sramAlign);
      chipMemory.append({base, plan.arena, r.weightBytes + r.stateBytes});
      sramBase += size;
      module->setAttr("lmc.sram_bytes", builder.getI64IntegerAttr(base + plan.arena));
    } else {
      module->setAttr("lmc." + space + "_bytes", builder.getI64IntegerAttr(plan.arena));
    }
    peakLive += plan.peakLive;
    if (!report)
      continue;
    std::string who = sram && chips > 1 ? "sram, chip " + std::to_string(unit.chip) : space;
    llvm::errs() << "memory plan (" << who << "): " << plan.buffers << " buffers, "
                 << plan.unshared << " bytes without reuse, " << plan.arena
                 << " bytes planned, peak live " << plan.peakLive << " bytes\n";
    if (space == "sram" && target->sram().bytes()) {
      const Resident &r = resident[unit.chip];
      int64_t weights = r.weightBytes, state = r.stateBytes;
      int64_t use = plan.arena + weights + state;
      llvm::errs() << "  sram use at the peak: " << mib(use) << " of "
                   << mib(target->sram().bytes()) << " ("
                   << llvm::format("%.1f", 100.0 * use / target->sram().bytes())
                   << "%; weights " << mib(weights)
                   << (state ? "; KV cache " + mib(state) : std::string()) << ")\n";
      if (slice) {
        int64_t slices = target->sram().slices();
        int64_t w = r.weightExtent / slice, k = r.stateExtent / slice,
                a = r.working(plan.arena) / slice;
        llvm::errs() << "  slices of " << mib(slice) << " (buffers within slices): weights "
                     << w << (k ? ", KV cache " + std::to_string(k) : std::string())
                     << ", working buffers " << a << ", free " << slices - w - k - a << " of "
                     << slices << "\n";
      }
    }
    std::vector<Interval *> atPeak;
    for (Interval *iv : list)
      if (iv->first <= plan.peakTime && plan.peakTime <= iv->last)
        atPeak.push_back(iv);
    std::sort(atPeak.begin(), atPeak.end(), [](Interval *a, Interval *b) {
      return a->bytes != b->bytes ? a->bytes > b->bytes : a->order < b->order;
    });
    for (size_t k = 0; k < std::min<size_t>(atPeak.size(), 5); ++k)
      llvm::errs() << "  live at the peak: " << atPeak[k]->bytes << " bytes, from node '"
                   << nameOf(atPeak[k]->alloc) << "'\n";
  }
  // The weights over the stripe groups the slices left to them hold.
  if (target->granularity() == fmt::Target::TILE && slice) {
    SmallVector<int64_t> weightGroups = lmc::assignWeightGroups(module, *target, weightSlices);
    if (report && groupBytes)
      for (int64_t chip = 0; chip < chips; ++chip)
        if (resident[chip].weightBytes)
          llvm::errs() << "weights in stripe groups"
                     << (chips > 1 ? " (chip " + std::to_string(chip) + ")" : std::string())
                     << ": "
                     << (weightGroups[chip] ? std::to_string(weightGroups[chip]) + " groups of " +
                                                  mib(groupBytes)
                                            : std::string("constants-section order"))
                     << "\n";
  }
  if (stateBytes)
    module->setAttr("lmc.state_bytes", builder.getI64IntegerAttr(stateBytes));
  if (chips > 1)
    module->setAttr("lmc.chip_memory", builder.getDenseI64ArrayAttr(chipMemory));
  if (report && stateBytes)
    llvm::errs() << "memory plan (state): " << stateBytes << " bytes (" << mib(stateBytes)
                 << ") of KV cache, persistent, in "
                 << (target->granularity() != fmt::Target::TILE ? "host memory"
                     : fmt::stateInDram(*target)               ? "DRAM"
                                                               : "SRAM")
                 << "\n";
  module->setAttr("lmc.peak_live_bytes", builder.getI64IntegerAttr(peakLive));
  module->setAttr("lmc.weight_bytes", builder.getI64IntegerAttr(weightBytes));
  if (report && target->granularity() == fmt::Target::TILE) {
    int64_t dramTraffic = 0;
    module.walk([&](lisa::InstOp inst) { dramTraffic += lmc::costOf(*target, inst).dramBytes; });
    llvm::errs() << "dram traffic planned: " << dramTraffic << " bytes (" << mib(dramTraffic)
                 << ") per inference\n";
  }
}

}  // namespace
