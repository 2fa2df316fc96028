// Per-instruction arrays in one mapping of huge pages (see Arena.h).
#include "simulator/src/Arena.h"

#include <algorithm>
#include <cstring>

#if defined(__linux__)
#include <sys/mman.h>
#endif

// Under AddressSanitizer every array is a heap block of its exact size, so
// that an access past its end is reported (arrays carved from one mapping
// have no redzones between them).
#if defined(__SANITIZE_ADDRESS__)
#define LMC_ARENA_HEAP_ONLY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LMC_ARENA_HEAP_ONLY 1
#endif
#endif

namespace lmc::sim {
namespace {

constexpr size_t kHugePage = size_t(2) << 20;

void unmap(Arena::Mapping &m) {
#if defined(__linux__)
  if (m.base)
    munmap(m.base, m.mapped);
#endif
  m = Arena::Mapping();
}

// The mapping the thread's last arena gave back (none while an arena of the
// thread holds it).
struct Kept {
  Arena::Mapping map;
  ~Kept() { unmap(map); }
};
thread_local Kept kept;

// A mapping of at least `bytes` usable from a huge page boundary (empty
// when the system has none to give).
Arena::Mapping mapAtLeast(size_t bytes) {
  Arena::Mapping m;
#if defined(__linux__)
  // A whole number of huge pages, and one more so that a boundary falls
  // inside the mapping.
  const size_t capacity = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void *p = mmap(nullptr, capacity + kHugePage, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return m;
  m.base = static_cast<char *>(p);
  m.mapped = capacity + kHugePage;
  m.capacity = capacity;
  m.start = reinterpret_cast<char *>((reinterpret_cast<uintptr_t>(m.base) + kHugePage - 1) &
                                     ~uintptr_t(kHugePage - 1));
#ifdef MADV_HUGEPAGE
  // Advice only: without transparent huge pages the mapping is in 4 KiB
  // pages, as heap memory would be.
  madvise(m.start, capacity, MADV_HUGEPAGE);
#endif
#else
  (void)bytes;
#endif
  return m;
}

}  // namespace

Arena::Arena(size_t bytes) {
#ifdef LMC_ARENA_HEAP_ONLY
  bytes = 0;
#endif
  if (bytes == 0)
    return;
  if (kept.map.capacity >= bytes) {
    map_ = kept.map;
    kept.map = Mapping();
    return;
  }
  unmap(kept.map);  // too small: one mapping at a time
  map_ = mapAtLeast(bytes);
  fresh_ = true;
}

Arena::~Arena() {
  if (map_.capacity > kKeepBytes || kept.map.base) {
    unmap(map_);
    return;
  }
  kept.map = map_;
}

void *Arena::bytes(size_t size, bool zero) {
#ifdef LMC_ARENA_HEAP_ONLY
  (void)zero;
  heap_.emplace_back(new char[std::max<size_t>(size, 1)]());  // zeroed, exact
  return heap_.back().get();
#else
  size = (size + kAlign - 1) / kAlign * kAlign;
  if (size <= map_.capacity - used_) {
    void *p = map_.start + used_;
    used_ += size;
    if (zero && !fresh_)
      std::memset(p, 0, size);
    return p;
  }
  heap_.emplace_back(new char[size + kAlign]());  // zeroed
  const uintptr_t at = reinterpret_cast<uintptr_t>(heap_.back().get());
  return reinterpret_cast<void *>((at + kAlign - 1) & ~uintptr_t(kAlign - 1));
#endif
}

}  // namespace lmc::sim
