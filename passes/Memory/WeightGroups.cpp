// The resident weights' stripe groups (see WeightGroups.h).
#include "passes/Memory/WeightGroups.h"

#include <algorithm>

#include "dialects/Isa/Isa.h"
#include "llvm/ADT/DenseMap.h"
#include "mlir/IR/Builders.h"
#include "passes/TargetInfo.h"
#include "runtime/format/SramGroups.h"

using namespace mlir;
namespace lisa = lmc::isa;
namespace fmt = lmc::format;

namespace lmc {
namespace {

using Run = std::pair<int64_t, int64_t>;  // elements [begin, end)

// Bounds the work of telling whether a weight's regions overlap.
constexpr size_t kMaxRuns = size_t(1) << 20;

// Appends the element runs `region` covers (contiguous along its last dim
// when that has stride 1), merged among themselves; false when that would
// exceed kMaxRuns runs in all.
bool appendRuns(lisa::RegionAttr region, std::vector<Run> &runs) {
  ArrayRef<int64_t> shape = region.getShape(), strides = region.getStrides();
  const size_t rank = shape.size();
  if (llvm::is_contained(shape, 0))
    return true;
  int64_t length = 1;
  size_t outer = rank;
  if (rank > 0 && strides[rank - 1] == 1) {
    length = shape[rank - 1];
    outer = rank - 1;
  }
  std::vector<size_t> dims;  // the outer dims that move (a stride-0 dim repeats bytes)
  size_t count = 1;
  for (size_t d = 0; d < outer; ++d)
    if (shape[d] > 1 && strides[d] != 0) {
      if (count > (kMaxRuns - runs.size()) / size_t(shape[d]))
        return false;
      count *= size_t(shape[d]);
      dims.push_back(d);
    }
  const size_t first = runs.size();
  std::vector<int64_t> index(dims.size(), 0);
  for (size_t k = 0; k < count; ++k) {
    int64_t start = region.getOffset();
    for (size_t j = 0; j < dims.size(); ++j)
      start += index[j] * strides[dims[j]];
    runs.push_back({start, start + length});
    for (size_t j = dims.size(); j-- > 0;) {
      if (++index[j] < shape[dims[j]])
        break;
      index[j] = 0;
    }
  }
  std::sort(runs.begin() + first, runs.end());
  size_t out = first;
  for (size_t k = first; k < runs.size(); ++k) {
    if (out > first && runs[k].first <= runs[out - 1].second)
      runs[out - 1].second = std::max(runs[out - 1].second, runs[k].second);
    else
      runs[out++] = runs[k];
  }
  runs.resize(out);
  return true;
}

// True when no two of `regions` share an element.
bool disjoint(ArrayRef<lisa::RegionAttr> regions) {
  std::vector<Run> runs;
  for (lisa::RegionAttr region : regions)
    if (!appendRuns(region, runs))
      return false;
  std::sort(runs.begin(), runs.end());
  for (size_t k = 1; k < runs.size(); ++k)
    if (runs[k].first < runs[k - 1].second)
      return false;
  return true;
}

// A weight as one chip reads it.
struct Weight {
  int64_t bytes = 0;  // the whole weight
  std::vector<lisa::RegionAttr> regions;  // distinct, in first-use order
  bool byRegion = false;
  std::vector<size_t> units;  // per region (by region), else one
};

// Bytes stored together: a region of a weight, or a whole weight.
struct Unit {
  int64_t bytes = 0;
  int64_t group = -1;
};

// Places `units` in groups of `bytes` bytes, `free` of each left (a unit
// in a group is striped over its slices, so a group holds any units whose
// bytes it has room for): those larger than a group first, largest first,
// on whole free groups from the lowest; then the others, largest first
// and in first-use order among equals (the column tiles of one weight),
// round-robin over the groups (from the group after the last one used),
// each in the first group with room. False when one does not fit.
bool placeUnits(std::vector<Unit> &units, std::vector<int64_t> free, int64_t bytes) {
  const int64_t groups = static_cast<int64_t>(free.size());
  std::vector<size_t> huge;
  for (size_t u = 0; u < units.size(); ++u)
    if (units[u].bytes > bytes)
      huge.push_back(u);
  std::stable_sort(huge.begin(), huge.end(),
                   [&](size_t a, size_t b) { return units[a].bytes > units[b].bytes; });
  for (size_t u : huge) {
    const int64_t count = (units[u].bytes + bytes - 1) / bytes;
    for (int64_t g = 0; g + count <= groups && units[u].group < 0; ++g) {
      int64_t room = 0;
      for (int64_t k = g; k < g + count; ++k)
        room += free[size_t(k)] == bytes || k == g + count - 1 ? free[size_t(k)] : 0;
      if (room < units[u].bytes)
        continue;
      // Whole groups, the last one's tail left to others.
      std::fill(free.begin() + g, free.begin() + g + count - 1, 0);
      free[size_t(g + count - 1)] = room - units[u].bytes;
      units[u].group = g;
    }
    if (units[u].group < 0)
      return false;
  }
  // Larger first (a bin packing: small ones fill the tails), the tiles of
  // one weight, of one size, in first-use order.
  std::vector<size_t> order(units.size());
  for (size_t u = 0; u < units.size(); ++u)
    order[u] = u;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return units[a].bytes > units[b].bytes; });
  int64_t next = 0;
  for (size_t u : order) {
    Unit &unit = units[u];
    if (unit.bytes > bytes)
      continue;
    for (int64_t k = 0; k < groups && unit.group < 0; ++k) {
      const int64_t g = (next + k) % groups;
      if (free[size_t(g)] >= unit.bytes) {
        free[size_t(g)] -= unit.bytes;
        unit.group = g;
      }
    }
    if (unit.group < 0)
      return false;
    next = unit.group + 1;
  }
  return true;
}

}  // namespace

int64_t shapedBytes(ShapedType type) {
  Type elem = type.getElementType();
  return type.getNumElements() * (elem.isInteger(1) ? 1 : elem.getIntOrFloatBitWidth() / 8);
}

bool weightOf(Value buffer, WeightKey &key, int64_t &bytes) {
  if (auto c = buffer.getDefiningOp<lisa::ConstOp>()) {
    key = {c.getValue().getAsOpaquePointer(), c.getPackBAttr().getAsOpaquePointer()};
    bytes = c.getByteSize();
    return true;
  }
  if (auto w = buffer.getDefiningOp<lisa::WeightOp>()) {
    key = {w.getOperation(), nullptr};
    bytes = shapedBytes(cast<ShapedType>(w.getType()));
    return true;
  }
  return false;
}

SmallVector<int64_t> assignWeightGroups(ModuleOp module, const fmt::Target &target,
                                        ArrayRef<int64_t> slices) {
  const int64_t chips = static_cast<int64_t>(slices.size());
  SmallVector<int64_t> used(chips, 0);
  const fmt::SramGroups groups = fmt::sramGroups(target);
  const int64_t slice = static_cast<int64_t>(fmt::sliceBytes(target.sram()));
  if (!target.weights_in_sram() || !groups.striped || slice == 0)
    return used;
  const int64_t stripe = groups.stripe;
  // The weights each chip reads, told apart as the emitter stores them,
  // and their distinct regions, in one walk.
  struct Use {
    lisa::InstOp inst;
    unsigned operand;
    size_t weight, region;
  };
  struct ChipReads {
    llvm::DenseMap<WeightKey, size_t> index;
    std::vector<Weight> weights;
    std::vector<Use> uses;
  };
  std::vector<ChipReads> reads(static_cast<size_t>(chips));
  module.walk([&](lisa::InstOp inst) {
    ChipReads &chip = reads[size_t(std::clamp<int64_t>(chipOf(inst), 0, chips - 1))];
    unsigned operand = 0;
    for (auto [buffer, attr] : llvm::zip(inst.getBuffers(), inst.getRegions())) {
      const unsigned k = operand++;
      WeightKey key;
      int64_t whole = 0;
      if (!weightOf(buffer, key, whole))
        continue;
      auto [it, fresh] = chip.index.try_emplace(key, chip.weights.size());
      if (fresh)
        chip.weights.push_back({whole, {}, false, {}});
      Weight &weight = chip.weights[it->second];
      auto region = cast<lisa::RegionAttr>(attr);
      auto at = llvm::find(weight.regions, region);
      const size_t r = size_t(at - weight.regions.begin());
      if (at == weight.regions.end())
        weight.regions.push_back(region);
      chip.uses.push_back({inst, k, it->second, r});
    }
  });
  OpBuilder builder(module.getContext());
  for (int64_t chip = 0; chip < chips; ++chip) {
    // Whole groups, and the slices left over as a smaller last one.
    std::vector<int64_t> free(size_t(slices[chip] / stripe), static_cast<int64_t>(groups.bytes));
    if (slices[chip] % stripe)
      free.push_back(slices[chip] % stripe * slice);
    if (free.size() < 2)
      continue;
    std::vector<Weight> &weights = reads[size_t(chip)].weights;
    const std::vector<Use> &uses = reads[size_t(chip)].uses;
    // A weight whose regions are disjoint is stored region by region, in
    // the order the instructions first read them; any other one whole.
    std::vector<Unit> units;
    for (Weight &weight : weights) {
      weight.byRegion = disjoint(weight.regions);
      weight.units.assign(weight.byRegion ? weight.regions.size() : 1, SIZE_MAX);
      // A chip of several keeps what its regions read, at most the weight.
      if (chips > 1 && !weight.byRegion) {
        int64_t regions = 0;
        for (lisa::RegionAttr region : weight.regions)
          regions += regionFootprintBytes(region);
        weight.bytes = std::min(weight.bytes, regions);
      }
    }
    std::vector<int64_t> read(weights.size(), 0);
    for (const Use &use : uses) {
      Weight &weight = weights[use.weight];
      size_t &unit = weight.units[weight.byRegion ? use.region : 0];
      if (unit != SIZE_MAX)
        continue;
      unit = units.size();
      const int64_t bytes = regionFootprintBytes(weight.regions[use.region]);
      read[use.weight] += bytes;
      units.push_back({weight.byRegion ? bytes : weight.bytes});
    }
    // The bytes of a weight no region reads are resident too on one chip
    // (one more unit).
    for (size_t w = 0; w < weights.size(); ++w)
      if (weights[w].byRegion && chips == 1 && weights[w].bytes > read[w])
        units.push_back({weights[w].bytes - read[w]});
    if (!placeUnits(units, free, static_cast<int64_t>(groups.bytes)))
      continue;
    llvm::DenseMap<Operation *, SmallVector<int64_t>> tags;
    for (const Use &use : uses) {
      const Weight &weight = weights[use.weight];
      const Unit &unit = units[weight.units[weight.byRegion ? use.region : 0]];
      lisa::InstOp inst = use.inst;
      SmallVector<int64_t> &tag = tags[inst];
      if (tag.empty())
        tag.assign(inst.getBuffers().size(), 0);
      tag[use.operand] = unit.group * stripe + 1;  // the group's first slice
      used[chip] = std::max(used[chip], unit.group + 1);
    }
    for (auto &[inst, tag] : tags)
      inst->setAttr(kWeightGroupsAttr, builder.getDenseI64ArrayAttr(tag));
  }
  return used;
}

}  // namespace lmc
