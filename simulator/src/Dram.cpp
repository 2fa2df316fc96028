// DRAM bandwidth sharing (see Dram.h).
//
// The reference semantics, per bucket k from the transfer's start (pos):
//   avail = max(0, cap - used[k]); span = bucket end - pos;
//   eff = min(rate, span == bucket ? avail / bucket : avail / span);
//   if eff * span >= remaining - 1e-9: used[k] += remaining, done at
//     pos + remaining / eff;
//   else used[k] += eff * span, remaining -= eff * span, next bucket.
// Buckets holding equal bytes give equal `take = eff * span` for whole
// spans, so a run of them is a tight loop of one comparison, subtraction and
// store per bucket, with the same doubles as the reference.
#include "simulator/src/Dram.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

namespace lmc::sim::dram {

Model::Model(double bytesPerCycle, uint64_t horizon) : bw_(bytesPerCycle) {
  bucket_ = 64;
  while (horizon / bucket_ > (1u << 20))
    bucket_ *= 2;
  if (bw_ > 0)
    allocate(horizon / bucket_ + 1);
}

double Model::transfer(uint64_t start, double bytes, double rate) {
  if (bw_ <= 0 || bytes <= 0)
    return 0;
  rate = std::min(rate, bw_);
  double pos = static_cast<double>(start), remaining = bytes;
  const double cap = bw_ * static_cast<double>(bucket_);
  // bucket_ is a power of two: dividing by a whole bucket is exactly a
  // multiplication by its inverse.
  const double whole = static_cast<double>(bucket_), inverse = 1.0 / whole;
  uint64_t k = static_cast<uint64_t>(pos) / bucket_;
  for (;;) {
    if (k >= size_)
      grow(k);
    const double avail = std::max(0.0, cap - used_[k]);
    if (avail == 0.0) {
      // A full bucket gives nothing: jump over the run of full ones.
      if (uint64_t f = firstNotFull(k); f != k) {
        k = f;
        pos = static_cast<double>(k * bucket_);
        continue;
      }
    }
    const double bucketEnd = static_cast<double>((k + 1) * bucket_);
    const double span = bucketEnd - pos;
    const double eff =
        std::min(rate, span == whole ? avail * inverse : span > 0 ? avail / span : 0.0);
    if (span == whole && eff > 0) {
      // Whole buckets holding what bucket k holds: the same take each, the
      // same sum after it.
      const double used = used_[k], take = eff * span, after = used + take;
      const bool fills = cap - after <= 0;
      double *u = used_.get();
      const uint64_t first = k;
      double *b = u + k;
      const double *const stop = u + size_;
      while (!(take >= remaining - 1e-9)) {
        *b = after;
        remaining -= take;
        if (++b == stop || *b != used)
          break;
      }
      k = uint64_t(b - u);
      if (fills)
        for (uint64_t j = first; j < k; ++j)
          next_[j] = uint32_t(j + 1);
      pos = static_cast<double>(k * bucket_);
      if (k >= size_ || u[k] != used)
        continue;
      u[k] += remaining;
      if (cap - u[k] <= 0)
        next_[k] = uint32_t(k + 1);
      return pos + remaining / eff - static_cast<double>(start);
    }
    if (eff > 0 && eff * span >= remaining - 1e-9) {
      used_[k] += remaining;
      if (cap - used_[k] <= 0)
        next_[k] = uint32_t(k + 1);
      return pos + remaining / eff - static_cast<double>(start);
    }
    used_[k] += eff * span;
    remaining -= eff * span;
    if (cap - used_[k] <= 0)
      next_[k] = uint32_t(k + 1);
    pos = bucketEnd;
    ++k;
  }
}

// Buckets at and beyond size_ are empty. The array is allocated for the
// whole horizon up front but zeroed only as far as transfers reach (a run
// ends near its own last cycle, often well before the horizon).
void Model::allocate(size_t capacity) {
  std::unique_ptr<double[], Free> used(static_cast<double *>(std::malloc(capacity * sizeof(double))));
  std::unique_ptr<uint32_t[], Free> next(
      static_cast<uint32_t *>(std::malloc(capacity * sizeof(uint32_t))));
  if (!used || !next)
    throw std::bad_alloc();
  if (size_) {
    std::memcpy(used.get(), used_.get(), size_ * sizeof(double));
    std::memcpy(next.get(), next_.get(), size_ * sizeof(uint32_t));
  }
  used_ = std::move(used);
  next_ = std::move(next);
  capacity_ = capacity;
}

void Model::grow(uint64_t k) {
  if (k >= capacity_)
    allocate(std::max<size_t>(k + 1, capacity_ * 2));
  const size_t size =
      std::min<size_t>(capacity_, std::max<size_t>(k + 1, size_ + (size_t(1) << 14)));
  std::memset(used_.get() + size_, 0, (size - size_) * sizeof(double));
  std::memset(next_.get() + size_, 0, (size - size_) * sizeof(uint32_t));
  size_ = size;
}

// The first bucket from k on that is not full (path halving over the
// forward links of full buckets).
uint64_t Model::firstNotFull(uint64_t k) {
  while (k < size_ && next_[k] != 0) {
    uint64_t n = next_[k];
    if (n < size_ && next_[n] != 0)
      next_[k] = next_[n];
    k = n;
  }
  return k;
}

}  // namespace lmc::sim::dram
