// Byte sets of strided regions, exactly: a region is one "box" (runs of
// `len` bytes at base + sum_j i_j * s[j]), and two boxes are intersected and
// subtracted exactly in a mixed-radix coordinate system built from both
// boxes' strides when those form a divisibility chain (row-major tensors,
// their column tiles, head views, transposed views of contiguous data),
// otherwise by enumerating their runs within the common span. Internal to
// the simulator; exposed for its tests.
#ifndef LMC_SIMULATOR_SRC_GEOMETRY_H
#define LMC_SIMULATOR_SRC_GEOMETRY_H

#include <cstdint>
#include <utility>
#include <vector>

#include "runtime/format/Format.h"

namespace lmc::sim::geom {

inline constexpr int kMaxDims = 12;

// A set of bytes: runs of `len` bytes at base + sum_j i_j * s[j], 0 <= i_j <
// n[j]. Canonical ("regular") form: dims sorted by stride, n[j] >= 2,
// len < s[0], s[j] * n[j] < s[j + 1] (the runs of a block never interleave
// with the next block, so the runs are in address order of the indices);
// contiguous dims are merged into `len`. Boxes are never empty (len >= 1).
struct Box {
  uint64_t base = 0;
  uint64_t len = 0;
  int k = 0;
  uint64_t n[kMaxDims];
  uint64_t s[kMaxDims];

  uint64_t lo() const { return base; }
  // One past the last byte.
  uint64_t hi() const {
    uint64_t e = base + len;
    for (int j = 0; j < k; ++j)
      e += (n[j] - 1) * s[j];
    return e;
  }
  uint64_t bytes() const {
    uint64_t b = len;
    for (int j = 0; j < k; ++j)
      b *= n[j];
    return b;
  }
  uint64_t runs() const {
    uint64_t r = 1;
    for (int j = 0; j < k; ++j)
      r *= n[j];
    return r;
  }
  bool operator==(const Box &o) const {
    if (base != o.base || len != o.len || k != o.k)
      return false;
    for (int j = 0; j < k; ++j)
      if (n[j] != o.n[j] || s[j] != o.s[j])
        return false;
    return true;
  }
};

using Boxes = std::vector<Box>;

// Regions whose byte set is not one regular box (overlapping or interleaved
// rows) are cut into their byte runs, up to this many; beyond, the region's
// byte span stands for it (conservative, as before boxes).
inline constexpr uint64_t kMaxRegionRuns = 1u << 16;

// The bytes of `r` (within its space) as disjoint canonical boxes in address
// order: one box unless the region is irregular; none when it is empty.
void regionBoxes(const format::Region &r, Boxes &out);

// Sorts the dims, merges what is contiguous; false when the box is not
// regular (its dims are then sorted but the box must not be used as one).
bool canonicalize(Box &b);

enum class Relation { Disjoint, Covered, Partial };

// How `p` meets `a`: Disjoint, Covered (every byte of p is in a) or Partial.
// When Partial, `inter` (if not null) receives p ∩ a and `diff` (if not
// null) p \ a, each as disjoint canonical boxes; both are cleared first.
Relation relate(const Box &p, const Box &a, Boxes *inter, Boxes *diff);

// Whether the byte sets meet (exact).
bool overlaps(const Box &a, const Box &b);

// The lowest byte of p ∩ a (they must overlap).
uint64_t firstCommonByte(const Box &p, const Box &a);

// The runs of a regular box, in address order, appended as [begin, end).
void runsOf(const Box &b, std::vector<std::pair<uint64_t, uint64_t>> &out);


}  // namespace lmc::sim::geom

#endif  // LMC_SIMULATOR_SRC_GEOMETRY_H
