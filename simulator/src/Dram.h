// DRAM bandwidth shared by overlapping transfers, first come first served
// (docs/simulator.md, "DRAM bandwidth sharing"). Internal to the simulator;
// exposed for its tests.
#ifndef LMC_SIMULATOR_SRC_DRAM_H
#define LMC_SIMULATOR_SRC_DRAM_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lmc::sim::dram {

// A moment: a whole cycle and the fraction of the next one. Sums and
// differences of moments round only in their fractions, so a stretch of
// transfers moved by whole cycles computes the same durations to the bit
// (period replay moves the steps of one period to the next, Replay.h).
struct Time {
  uint64_t cycle = 0;
  double frac = 0;  // in [0, 1)
  friend bool operator<(const Time &a, const Time &b) {
    return a.cycle != b.cycle ? a.cycle < b.cycle : a.frac < b.frac;
  }
  friend bool operator==(const Time &a, const Time &b) {
    return a.cycle == b.cycle && a.frac == b.frac;
  }
};

// The bandwidth the transfers so far use, as a step function of time: a
// transfer asks for its rate and gets, at every moment from its start, the
// smaller of that rate and what earlier transfers (in call order) left. Its
// own use is then added to the steps. The steps are kept from the earliest
// time a later transfer may start (forget()).
class Model {
public:
  // `used` bytes/cycle from `at` to the next step's `at` (the last step's
  // to infinity, always 0).
  struct Step {
    Time at;
    double used;
    friend bool operator==(const Step &a, const Step &b) {
      return a.at == b.at && a.used == b.used;
    }
  };
  explicit Model(double bytesPerCycle);
  // Cycles a transfer of `bytes` at most `rate` bytes/cycle takes from
  // `start`, which covers() must allow.
  double transfer(uint64_t start, double bytes, double rate);
  // No later transfer starts before `cycle`: the steps before it are dropped.
  void forget(uint64_t cycle);
  // Steps kept (for tests).
  size_t steps() const { return steps_.size() - head_; }
  // Whether the steps are known at `start` (always, except before the
  // cycle restore() starts them at).
  bool covers(uint64_t start) const { return !(Time{start, 0} < steps_[head_].at); }
  // The steps from `cycle` on (the first one starting there), or from the
  // first kept one when it is later, appended to `out`.
  void stepsFrom(uint64_t cycle, std::vector<Step> &out) const;
  // The steps become `steps` (from stepsFrom) moved `shift` cycles later;
  // nothing is known before the first.
  void restore(const Step *steps, size_t count, uint64_t shift);

private:
  double bw_;
  // Steps before head_ are forgotten. They number about twice the
  // transfers in flight (a handful), so they are searched from the end,
  // where new transfers start.
  std::vector<Step> steps_;
  size_t head_ = 0;
};

// Whether `b` is `a` moved `shift` cycles later, step by step.
bool movedBy(const Model::Step *a, const Model::Step *b, size_t count, uint64_t shift);

}  // namespace lmc::sim::dram

#endif  // LMC_SIMULATOR_SRC_DRAM_H
