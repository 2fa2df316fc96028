// DRAM bandwidth shared by overlapping transfers, first come first served
// (docs/simulator.md, "DRAM bandwidth sharing"). Internal to the simulator;
// exposed for its tests.
#ifndef LMC_SIMULATOR_SRC_DRAM_H
#define LMC_SIMULATOR_SRC_DRAM_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lmc::sim::dram {

// The bandwidth the transfers so far use, as a step function of time: a
// transfer asks for its rate and gets, at every moment from its start, the
// smaller of that rate and what earlier transfers (in call order) left. Its
// own use is then added to the steps. Time is continuous (cycles as
// doubles); the steps are kept from the earliest time a later transfer may
// start (forget()).
class Model {
public:
  explicit Model(double bytesPerCycle);
  // Cycles a transfer of `bytes` at most `rate` bytes/cycle takes from `start`.
  double transfer(uint64_t start, double bytes, double rate);
  // No later transfer starts before `cycle`: the steps before it are dropped.
  void forget(uint64_t cycle);
  // Steps kept (for tests).
  size_t steps() const { return steps_.size() - head_; }

private:
  // `used` bytes/cycle from `at` to the next step's `at` (the last step's
  // to infinity, always 0).
  struct Step {
    double at, used;
  };
  double bw_;
  // Steps before head_ are forgotten. They number about twice the
  // transfers in flight (a handful), so they are searched from the end,
  // where new transfers start.
  std::vector<Step> steps_;
  size_t head_ = 0;
};

}  // namespace lmc::sim::dram

#endif  // LMC_SIMULATOR_SRC_DRAM_H
