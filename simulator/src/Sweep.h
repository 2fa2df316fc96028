// The SRAM occupancy sweep: live bytes over time from what each
// instruction makes live and lets die. Internal to the simulator; exposed
// for its tests.
#ifndef LMC_SIMULATOR_SRC_SWEEP_H
#define LMC_SIMULATOR_SRC_SWEEP_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "simulator/src/Arena.h"

namespace lmc::sim {

// SRAM occupancy steps from born[i] (bytes live from instruction i's issue)
// and dies[i] (bytes dead at its finish), i < n. The events are kept in
// `arena` when given (Arena.h), else on the heap. Calls step(cycle, live bytes)
// once per distinct cycle, in order. Issues and finishes in file order are
// nearly sorted already (on Llama-2-7B's decode step none is more than 12
// places from its own), so births and deaths are each sorted by insertion,
// with a radix sort (11 bits a pass, linear) for any sequence that needs
// more than a few moves per event, and then merged.
template <typename Step>
void sramSweep(const uint64_t *born, const uint64_t *dies, size_t n, const uint64_t *issue,
               const uint64_t *finish, Step step, Arena *arena = nullptr) {
  struct Event {
    uint64_t cycle;
    int64_t bytes;
  };
  // Events by pointer and count (room for n): they are written before being
  // read.
  struct Events {
    Event *at = nullptr;
    size_t size = 0;
    std::unique_ptr<Event[]> own;  // without an arena
  };
  Events births, deaths;
  for (Events *events : {&births, &deaths}) {
    if (arena) {
      events->at = arena->take<Event>(n);
    } else {
      events->own.reset(new Event[n]);
      events->at = events->own.get();
    }
  }
  for (size_t i = 0; i < n; ++i) {
    // Both written, the count moved only for a nonzero one: no branch.
    births.at[births.size] = {issue[i], int64_t(born[i])};
    births.size += born[i] != 0;
    deaths.at[deaths.size] = {finish[i], -int64_t(dies[i])};
    deaths.size += dies[i] != 0;
  }
  auto sort = [](Events &events) {
    Event *e = events.at;
    const size_t size = events.size, budget = 8 * size;
    size_t moves = 0;
    for (size_t k = 1; k < size && moves <= budget; ++k) {
      const Event x = e[k];
      size_t j = k;
      for (; j > 0 && e[j - 1].cycle > x.cycle; --j)
        e[j] = e[j - 1];
      e[j] = x;
      moves += k - j;
    }
    if (moves <= budget)
      return;
    uint64_t latest = 0;
    for (size_t k = 0; k < size; ++k)
      latest = std::max(latest, e[k].cycle);
    constexpr unsigned kBits = 11;
    constexpr size_t kBuckets = size_t(1) << kBits;
    std::unique_ptr<Event[]> scratch(new Event[size]);
    std::vector<size_t> at(kBuckets + 1);
    for (unsigned shift = 0; shift < 64 && latest >> shift; shift += kBits) {
      std::fill(at.begin(), at.end(), 0);
      for (size_t k = 0; k < size; ++k)
        ++at[(e[k].cycle >> shift & (kBuckets - 1)) + 1];
      for (size_t k = 1; k <= kBuckets; ++k)
        at[k] += at[k - 1];
      for (size_t k = 0; k < size; ++k)
        scratch[at[e[k].cycle >> shift & (kBuckets - 1)]++] = e[k];
      std::copy_n(scratch.get(), size, e);
    }
  };
  sort(births);
  sort(deaths);
  // Both in cycle order at once: all of a cycle's events, then the step.
  const Event *b = births.at, *bEnd = b + births.size;
  const Event *d = deaths.at, *dEnd = d + deaths.size;
  int64_t live = 0;
  while (b != bEnd || d != dEnd) {
    const uint64_t cycle = b == bEnd ? d->cycle : d == dEnd ? b->cycle : std::min(b->cycle, d->cycle);
    for (; b != bEnd && b->cycle == cycle; ++b)
      live += b->bytes;
    for (; d != dEnd && d->cycle == cycle; ++d)
      live += d->bytes;
    step(cycle, live);
  }
}

}  // namespace lmc::sim

#endif  // LMC_SIMULATOR_SRC_SWEEP_H
