// DRAM bandwidth shared by overlapping transfers, first come first served
// (docs/simulator.md, "DRAM bandwidth sharing"). Internal to the simulator;
// exposed for its tests.
#ifndef LMC_SIMULATOR_SRC_DRAM_H
#define LMC_SIMULATOR_SRC_DRAM_H

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace lmc::sim::dram {

// Time is cut into buckets of bucket() cycles (64, doubled until at most
// 2^20 buckets cover `horizon`), each holding bytesPerCycle x bucket bytes.
// A transfer asks for its rate and gets, bucket by bucket from its start,
// the smaller of that rate and what earlier transfers left.
//
// The result is defined by the plain bucket-by-bucket loop (the unit tests
// keep it as the reference); this one gives the same doubles, bit for bit,
// with fewer operations per bucket (see Dram.cpp).
class Model {
public:
  Model(double bytesPerCycle, uint64_t horizon);
  // Cycles a transfer of `bytes` at most `rate` bytes/cycle takes from `start`.
  double transfer(uint64_t start, double bytes, double rate);
  uint64_t bucket() const { return bucket_; }

private:
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  void allocate(size_t capacity);
  void grow(uint64_t k);  // zeroes (allocating if needed) through bucket k
  uint64_t firstNotFull(uint64_t k);

  double bw_;
  uint64_t bucket_;
  size_t size_ = 0;      // buckets zeroed (those beyond are empty)
  size_t capacity_ = 0;  // buckets allocated
  std::unique_ptr<double[], Free> used_;    // bytes taken in each bucket
  std::unique_ptr<uint32_t[], Free> next_;  // 0: not full; else a later bucket
};

}  // namespace lmc::sim::dram

#endif  // LMC_SIMULATOR_SRC_DRAM_H
