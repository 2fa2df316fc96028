// SRAM slice-group bandwidth sharing (see Sram.h).
#include "simulator/src/Sram.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "runtime/format/CostModel.h"

namespace lmc::sim::sram {

Model::Model(const format::Target &target)
    : target_(target), groups_(format::sramGroups(target)) {}

uint64_t Model::transfer(const format::InstructionView &inst, uint16_t chip, uint64_t issue,
                         uint64_t work, uint64_t forgetBefore, uint64_t sramBytes) {
  // Interleaved slices: one group, the bytes sramGroupLoads would sum.
  size_t count = 0;
  if (groups_.striped)
    count = format::sramGroupLoads(target_, groups_, inst.opcode(), inst.operands,
                                   inst.header->numOperands, loads_);
  else if (sramBytes)
    loads_[count++] = {0, double(sramBytes)};
  const double window = double(std::max<uint64_t>(work, 1));
  double extra = 0;
  for (size_t k = 0; k < count; ++k) {
    const uint32_t m = modelOf(uint64_t(chip) << 48 | loads_[k].group, chip);
    dram::Model &group = models_[m];
    if (forgetBefore)
      group.forget(forgetBefore);
    const double bytes = loads_[k].bytes;
    const double took = group.transfer(issue, bytes, bytes / window);
    extra = std::max(extra, took - window);
    credit(m, bytes);
  }
  return extra > 1e-6 ? format::ceilCycles(extra - 1e-6) : 0;
}

uint32_t Model::modelOf(uint64_t key, uint16_t chip) {
  // Interleaved: the chip's one group, without hashing.
  int32_t *known = nullptr;
  if (!groups_.striped) {
    if (chip >= byChip_.size())
      byChip_.resize(size_t(chip) + 1, -1);
    known = &byChip_[chip];
    if (*known >= 0)
      return uint32_t(*known);
  }
  auto [it, fresh] = index_.try_emplace(key, uint32_t(models_.size()));
  if (fresh) {
    models_.emplace_back(groups_.bytesPerCycle);
    use_.push_back({key, 0, 0, 0});
  }
  if (known)
    *known = int32_t(it->second);
  return it->second;
}

void Model::stepsFrom(uint64_t cycle, std::vector<dram::Model::Step> &steps,
                      std::vector<uint32_t> &counts) const {
  steps.clear();
  counts.clear();
  for (const dram::Model &m : models_) {
    const size_t before = steps.size();
    m.stepsFrom(cycle, steps);
    counts.push_back(uint32_t(steps.size() - before));
  }
}

void Model::restore(const std::vector<dram::Model::Step> &steps,
                    const std::vector<uint32_t> &counts, uint64_t shift) {
  size_t at = 0;
  for (size_t m = 0; m < counts.size() && m < models_.size(); ++m) {
    models_[m].restore(steps.data() + at, counts[m], shift);
    at += counts[m];
  }
}

bool Model::covers(uint64_t start) const {
  for (const dram::Model &m : models_)
    if (!m.covers(start))
      return false;
  return true;
}

std::vector<GroupUse> Model::busiest() const {
  std::vector<GroupUse> sorted(use_);
  for (GroupUse &use : sorted)
    use.busyCycles = use.bytes / groups_.bytesPerCycle;
  std::sort(sorted.begin(), sorted.end(), [](const GroupUse &a, const GroupUse &b) {
    return a.busyCycles != b.busyCycles ? a.busyCycles > b.busyCycles : a.key < b.key;
  });
  return sorted;
}

std::string Model::name(uint64_t key, bool multiChip) const {
  const std::string chip = multiChip ? absl::StrCat("chip ", key >> 48, " ") : std::string();
  if (!groups_.striped)
    return absl::StrCat(chip, "sram (", std::max<uint32_t>(target_.sram().slices(), 1),
                        " slices interleaved)");
  const uint64_t area = key >> 40 & 0xFF, index = key & ((uint64_t(1) << 40) - 1);
  const std::string what = area == 0   ? "sram"
                           : area == 1 ? "kv"
                           : area == 2 ? "weights"
                                       : absl::StrCat("io ", area - 3);
  return absl::StrCat(chip, what, " group ", index);
}

}  // namespace lmc::sim::sram
