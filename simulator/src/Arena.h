// Memory for one simulation's per-instruction arrays: one mapping in huge
// pages where the kernel gives them, kept by the thread for its next
// simulation. Internal to the simulator.
//
// A 7B decode step's arrays are some 6 MB: in fresh 4 KiB pages, about 1500
// page faults, each near a microsecond on a virtual machine. One mapping
// advised for transparent huge pages takes a few faults instead, and a
// thread that simulates again (a sweep, a benchmark) reuses it without
// faults (docs/simulator.md, "Memory in huge pages"). The arrays are carved
// from it in order and given back together.
#ifndef LMC_SIMULATOR_SRC_ARENA_H
#define LMC_SIMULATOR_SRC_ARENA_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

namespace lmc::sim {

class Arena {
public:
  // `bytes`: what the arrays taken will need in all (beyond it, arrays come
  // from the heap).
  explicit Arena(size_t bytes);
  ~Arena();
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;

  // n values the caller writes before it reads them, aligned to a cache
  // line (under AddressSanitizer, a heap block of their exact size).
  template <typename T> T *take(size_t n) {
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= kAlign, "plain values");
    return static_cast<T *>(bytes(n * sizeof(T), false));
  }
  // n zeroed values.
  template <typename T> T *zeroed(size_t n) {
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= kAlign, "plain values");
    return static_cast<T *>(bytes(n * sizeof(T), true));
  }
  static constexpr size_t kAlign = 64;
  // Mappings up to this size stay with the thread after use.
  static constexpr size_t kKeepBytes = size_t(256) << 20;

  // One mapping (empty when none).
  struct Mapping {
    char *base = nullptr, *start = nullptr;  // start: base rounded up to a huge page
    size_t mapped = 0, capacity = 0;         // bytes from base, usable from start
  };

private:
  void *bytes(size_t size, bool zero);

  Mapping map_;
  bool fresh_ = false;  // map_ was never written (reads as zero)
  size_t used_ = 0;
  std::vector<std::unique_ptr<char[]>> heap_;  // arrays beyond the mapping
};

}  // namespace lmc::sim

#endif  // LMC_SIMULATOR_SRC_ARENA_H
