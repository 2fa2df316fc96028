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
constexpr uint64_t kHorizon = uint64_t(1) << 62;

// `t` plus `cycles` (at most the horizon).
Time plus(const Time &t, double cycles) {
  if (!(cycles < double(kHorizon)))
    return {kHorizon, 0};
  const double sum = t.frac + cycles, whole = std::floor(sum);
  const uint64_t cycle = t.cycle + uint64_t(whole);
  if (cycle >= kHorizon)
    return {kHorizon, 0};
  return {cycle, sum - whole};
}

// The cycles from `b` to `a` (a not before b).
double minus(const Time &a, const Time &b) {
  return double(a.cycle - b.cycle) + (a.frac - b.frac);
}

}  // namespace

Model::Model(double bytesPerCycle) : bw_(bytesPerCycle), steps_{{Time{}, 0.0}} {}

double Model::transfer(uint64_t start, double bytes, double rate) {
  if (bw_ <= 0 || bytes <= 0 || !(rate > 0))
    return 0;
  rate = std::min(rate, bw_);
  const Time s{start, 0};
  // The step holding s.
  size_t k = steps_.size() - 1;
  while (k > head_ && s < steps_[k].at)
    --k;
  if (steps_[k].at < s) {
    steps_.insert(steps_.begin() + std::ptrdiff_t(k + 1), Step{s, steps_[k].used});
    ++k;
  }
  const size_t first = k;
  Time pos = steps_[k].at, end = pos;
  double remaining = bytes;
  for (;; ++k) {
    const double take = std::min(rate, bw_ - steps_[k].used);
    if (k + 1 == steps_.size()) {
      // The last step, unused and endless, takes the rest.
      end = plus(pos, remaining / rate);
      break;
    }
    const Time next = steps_[k + 1].at;
    if (take > 0) {
      const double room = take * minus(next, pos);
      if (room >= remaining - 1e-9) {
        end = plus(pos, remaining / take);
        break;
      }
      remaining -= room;
    }
    pos = next;
  }
  // Its use: the steps it crossed wholly, and the one it ends in up to end.
  const bool inside = steps_[k].at < end;
  if (inside && (k + 1 == steps_.size() || end < steps_[k + 1].at))
    steps_.insert(steps_.begin() + std::ptrdiff_t(k + 1), Step{end, steps_[k].used});
  const size_t last = inside ? k + 1 : k;  // steps [first, last) in use
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
  return minus(end, s);
}

void Model::forget(uint64_t cycle) {
  const Time c{cycle, 0};
  while (head_ + 1 < steps_.size() && !(c < steps_[head_ + 1].at))
    ++head_;
  if (head_ >= 4096 && 2 * head_ >= steps_.size()) {
    steps_.erase(steps_.begin(), steps_.begin() + std::ptrdiff_t(head_));
    head_ = 0;
  }
}

void Model::stepsFrom(uint64_t cycle, std::vector<Step> &out) const {
  const Time c{cycle, 0};
  if (c < steps_[head_].at) {  // forgotten before
    out.insert(out.end(), steps_.begin() + std::ptrdiff_t(head_), steps_.end());
    return;
  }
  size_t k = steps_.size() - 1;
  while (c < steps_[k].at)
    --k;
  out.push_back({c, steps_[k].used});
  out.insert(out.end(), steps_.begin() + std::ptrdiff_t(k + 1), steps_.end());
}

void Model::restore(const Step *steps, size_t count, uint64_t shift) {
  if (count == 0) {
    *this = Model(bw_);
    return;
  }
  steps_.assign(steps, steps + count);
  for (Step &s : steps_)
    s.at.cycle += shift;
  head_ = 0;
}

bool movedBy(const Model::Step *a, const Model::Step *b, size_t count, uint64_t shift) {
  for (size_t k = 0; k < count; ++k)
    if (b[k].at.cycle != a[k].at.cycle + shift || b[k].at.frac != a[k].at.frac ||
        b[k].used != a[k].used)
      return false;
  return true;
}

}  // namespace lmc::sim::dram
