// SRAM slice groups shared by concurrent instructions: one bandwidth model
// (dram::Model) per group of slices in use, made when first used
// (docs/simulator.md, "SRAM slices"). Internal to the simulator; exposed
// for its tests.
#ifndef LMC_SIMULATOR_SRC_SRAM_H
#define LMC_SIMULATOR_SRC_SRAM_H

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "runtime/format/Reader.h"
#include "runtime/format/SramGroups.h"
#include "simulator/src/Dram.h"

namespace lmc::sim::sram {

// What one group did over the run.
struct GroupUse {
  uint64_t key = 0;          // chip << 48 | format::GroupLoad::group
  double bytes = 0;          // summed (whole numbers where interleaved: exact)
  double busyCycles = 0;     // its bytes / its bandwidth (busiest() fills it)
  uint64_t instructions = 0;
};

class Model {
public:
  explicit Model(const format::Target &target);
  // False when the target has no SRAM bandwidth (no TILE granularity).
  bool active() const { return groups_.bytes > 0; }
  const format::SramGroups &groups() const { return groups_; }
  // The cycles sharing adds to an instruction on `chip` issued at `issue`
  // whose SRAM transfers the cost model gave `work` cycles: each group it
  // touches moves its bytes at bytes / work per cycle, at most what earlier
  // instructions (in call order) leave of the group's bandwidth; the
  // slowest group sets the result (0 when every group kept up). With
  // `forgetBefore` > 0 no later call issues before that cycle.
  // `sramBytes`: the cost model's SRAM bytes of the instruction, which are
  // its one load where the slices are interleaved (not striped).
  uint64_t transfer(const format::InstructionView &inst, uint16_t chip, uint64_t issue,
                    uint64_t work, uint64_t forgetBefore, uint64_t sramBytes);
  // Interleaved slices: what transfer() counts of `instructions`
  // instructions moving `sramBytes` in all whose timing is known (period
  // replay, which needs the slices interleaved).
  void count(uint16_t chip, uint64_t sramBytes, uint64_t instructions = 1) {
    if (sramBytes)
      credit(modelOf(uint64_t(chip) << 48, chip), double(sramBytes), instructions);
  }
  // Every group's steps from `cycle` on (dram::Model::stepsFrom), one after
  // another, and how many each has.
  void stepsFrom(uint64_t cycle, std::vector<dram::Model::Step> &steps,
                 std::vector<uint32_t> &counts) const;
  // Each group's steps become those stepsFrom gave, moved `shift` cycles.
  void restore(const std::vector<dram::Model::Step> &steps, const std::vector<uint32_t> &counts,
               uint64_t shift);
  // Whether every group's steps are known at `start`.
  bool covers(uint64_t start) const;
  // The groups used, busiest first (ties: by key).
  std::vector<GroupUse> busiest() const;
  // "sram group 3", "chip 1 weights group 12", "kv group 0", "io 2 group 0",
  // "sram (16 slices interleaved)".
  std::string name(uint64_t key, bool multiChip) const;

private:
  // The index of the model of group `key` (chip << 48 | group) on `chip`,
  // made on first use.
  uint32_t modelOf(uint64_t key, uint16_t chip);
  // Group m's use: `bytes` more, `instructions` more.
  void credit(uint32_t m, double bytes, uint64_t instructions = 1) {
    GroupUse &use = use_[m];
    use.bytes += bytes;
    use.instructions += instructions;
  }
  const format::Target &target_;
  format::SramGroups groups_;
  absl::flat_hash_map<uint64_t, uint32_t> index_;
  std::vector<int32_t> byChip_;  // interleaved: each chip's model, -1 before its first use
  std::vector<dram::Model> models_;
  std::vector<GroupUse> use_;
  format::GroupLoad loads_[format::kMaxGroupLoads];
};

}  // namespace lmc::sim::sram

#endif  // LMC_SIMULATOR_SRC_SRAM_H
