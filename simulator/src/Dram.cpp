// DRAM bandwidth sharing (see Dram.h).
//
// A transfer starting at s walks the steps from s: in a step holding `used`
// bytes/cycle it moves min(rate, bandwidth - used) bytes per cycle, until
// its bytes are done; then that rate is added to each step it crossed (the
// step it ends in is split at its end). Adjacent steps with equal use are
// merged, so the steps number about twice the transfers in flight.
#include "simulator/src/Dram.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace lmc::sim::dram {

namespace {
// Steps end by this time (2^62 cycles, decades at any clock).
constexpr double kHorizon = 4611686018427387904.0;
}  // namespace

Model::Model(double bytesPerCycle) : bw_(bytesPerCycle), steps_{{0.0, 0.0}} {}

double Model::transfer(uint64_t start, double bytes, double rate) {
  if (bw_ <= 0 || bytes <= 0 || !(rate > 0))
    return 0;
  rate = std::min(rate, bw_);
  const double s = static_cast<double>(start);
  // The step holding s (a start before the forgotten steps counts from the
  // first kept one; the simulator never asks for one).
  size_t k = steps_.size() - 1;
  while (k > head_ && steps_[k].at > s)
    --k;
  if (steps_[k].at < s) {
    steps_.insert(steps_.begin() + std::ptrdiff_t(k + 1), Step{s, steps_[k].used});
    ++k;
  }
  const size_t first = k;
  double pos = steps_[k].at, remaining = bytes, end = pos;
  for (;; ++k) {
    const double take = std::min(rate, bw_ - steps_[k].used);
    if (k + 1 == steps_.size()) {
      // The last step, unused and endless, takes the rest (at a time held
      // finite when absurd rates and sizes would overflow it).
      end = std::min(pos + remaining / rate, kHorizon);
      break;
    }
    const double next = steps_[k + 1].at;
    if (take > 0) {
      const double room = take * (next - pos);
      if (room >= remaining - 1e-9) {
        end = std::min(pos + remaining / take, kHorizon);
        break;
      }
      remaining -= room;
    }
    pos = next;
  }
  // Its use: the steps it crossed wholly, and the one it ends in up to end.
  if (end > steps_[k].at && (k + 1 == steps_.size() || end < steps_[k + 1].at))
    steps_.insert(steps_.begin() + std::ptrdiff_t(k + 1), Step{end, steps_[k].used});
  const size_t last = end > steps_[k].at ? k + 1 : k;  // steps [first, last) in use
  for (size_t j = first; j < last; ++j) {
    double &used = steps_[j].used;
    const double take = std::min(rate, bw_ - used);
    if (take > 0)
      used = take == rate ? used + take : bw_;  // full: exactly the bandwidth
  }
  // Merge equal neighbours in [first - 1, last + 1).
  const size_t lo = first > head_ ? first - 1 : head_;
  const size_t hi = std::min(last + 1, steps_.size() - 1);
  size_t w = lo + 1;
  for (size_t j = lo + 1; j <= hi; ++j) {
    if (steps_[j].used == steps_[w - 1].used)
      continue;
    steps_[w++] = steps_[j];
  }
  if (w != hi + 1)
    steps_.erase(steps_.begin() + std::ptrdiff_t(w), steps_.begin() + std::ptrdiff_t(hi + 1));
  return end - s;
}

void Model::forget(uint64_t cycle) {
  const double c = static_cast<double>(cycle);
  while (head_ + 1 < steps_.size() && steps_[head_ + 1].at <= c)
    ++head_;
  if (head_ >= 4096 && 2 * head_ >= steps_.size()) {
    steps_.erase(steps_.begin(), steps_.begin() + std::ptrdiff_t(head_));
    head_ = 0;
  }
}

}  // namespace lmc::sim::dram
