// Finding the repeated stretch of a stream (see Replay.h).
//
// Records are grouped by shape: what may not change from period to period.
// A candidate period is the distance back from the middle record to an
// earlier one whose next shapes agree with the middle's; the
// period is the candidate whose records repeat in full for the longest
// stretch around the middle (an inner loop of tiles repeats too, but only
// for one operation).
#include "simulator/src/Replay.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <vector>

#include "simulator/src/Memory.h"

namespace lmc::sim::replay {
namespace {

using format::Region;

constexpr uint64_t kMul = 0xBF58476D1CE4E5B9ull;
// Pieces the snapshots of a run may examine, per access of a period: about
// what tracking the period costs.
constexpr size_t kBudgetPerAccess = 64;
// A region's first words: the head (space, dtype, rank, buffer), the offset.
static_assert(offsetof(Region, offset) == 8 && sizeof(Region) % 8 == 0, "Region words");

const uint64_t *words(const Region &r) { return reinterpret_cast<const uint64_t *>(&r); }

// Whether record b repeats record a as Periods describes, with the shifts
// found so far (`known`: a mask of them, by space and bit kMovable for the
// cycle shift; set on first sight, by a record that repeats).
bool repeats(const Shapes &shapes, const uint64_t *cycles, size_t a, size_t b, Periods &p,
             unsigned &known) {
  const uint32_t shape = shapes.of(a);
  if (shapes.of(b) != shape || cycles[b] < cycles[a])
    return false;
  const uint64_t cycleShift = cycles[b] - cycles[a];
  const uint64_t *x = shapes.offsets(a), *y = shapes.offsets(b);
  const uint8_t *spaces = shapes.spaces(shape);
  const unsigned m = shapes.movable(shape);
  if ((shapes.mask(shape) & ~known) == 0) {  // every shift known
    if (cycleShift != p.cycleShift)
      return false;
    for (unsigned k = 0; k < m; ++k)
      if (int64_t(y[k] - x[k]) != p.shift[spaces[k]])
        return false;
    return true;
  }
  Periods q = p;
  unsigned set = known;
  if (!(set & (1u << kMovable))) {
    q.cycleShift = cycleShift;
    set |= 1u << kMovable;
  } else if (cycleShift != q.cycleShift) {
    return false;
  }
  for (unsigned k = 0; k < m; ++k) {
    const unsigned space = spaces[k];
    const int64_t shift = int64_t(y[k] - x[k]);
    if (!(set & (1u << space))) {
      q.shift[space] = shift;
      set |= 1u << space;
    } else if (q.shift[space] != shift) {
      return false;
    }
  }
  p = q;
  known = set;
  return true;
}

constexpr unsigned kRegionWords = sizeof(Region) / 8;
static_assert(kRegionWords % 2 == 0, "a region's dims in pairs of words");
// Two words, compared as one (a vector register where the machine has one).
typedef uint64_t Pair __attribute__((vector_size(16)));
Pair load(const uint64_t *p) {
  Pair v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
constexpr unsigned kTableBits = 12;  // the shape table's first size
// The head's bits a const operand with a free slice compares (space,
// dtype, rank, reserved).
constexpr uint64_t kHeadWithoutSlice = (uint64_t(1) << (8 * offsetof(Region, buffer))) - 1;

}  // namespace

Shapes::Shapes(const format::BinFile &file, bool anyConstOffset, Arena &arena)
    : insts_(file.instructions()), anyConstOffset_(anyConstOffset),
      table_(size_t(1) << kTableBits, Slot{0, UINT32_MAX}) {
  std::fill(memo_, memo_ + kMemos, UINT32_MAX);
  records_ = insts_.size();
  of_ = arena.take<uint32_t>(records_);
  first_ = arena.take<uint32_t>(records_);
  capacity_ = kOffsetsPerRecord * records_ + 8;
  offsets_ = arena.take<uint64_t>(capacity_);
}

// The words of a shape: the header's first word and the record's size; each
// operand's head (without the slice of a const one when its offset is
// free), its offset where it is part of the shape, its dims (past its rank,
// shape 1 and stride 0: the reader checks); the immediates.
inline bool Shapes::same(const Shape &shape, const format::InstructionView &b) const {
  const format::InstructionView &a = insts_[shape.record];
  const uint64_t *x = reinterpret_cast<const uint64_t *>(a.header);
  const uint64_t *y = reinterpret_cast<const uint64_t *>(b.header);
  if (x[0] != y[0] || (x[1] >> 32) != (y[1] >> 32))
    return false;
  const uint8_t *flags = flags_.data() + shape.flags;
  for (unsigned k = 0, n = a.header->numOperands; k < n; ++k) {
    const uint64_t *r = words(a.operands[k]), *s = words(b.operands[k]);
    uint64_t d = r[0] ^ s[0];
    if (flags[k] & kFreeSlice)
      d &= kHeadWithoutSlice;
    if (flags[k] & kFixedOffset)
      d |= r[1] ^ s[1];
    // The dims, two words at a time.
    Pair e = load(r + 2) ^ load(s + 2);
    for (unsigned j = 4; j < kRegionWords; j += 2)
      e |= load(r + j) ^ load(s + j);
    if ((d | e[0] | e[1]) != 0)
      return false;
  }
  uint64_t d = 0;
  for (unsigned k = 0, n = a.header->numImms; k < n; ++k)
    d |= uint64_t(a.imms[k] ^ b.imms[k]);
  return d == 0;
}

uint8_t Shapes::flagsOf(const Region &r) const {
  const int space = mem::spaceIndex(r);
  if (space < 0)
    return anyConstOffset_ ? kFreeSlice : kFixedOffset;
  return space >= kMovable ? kFixedOffset : 0;
}

uint64_t Shapes::hash(const format::InstructionView &inst) const {
  const uint64_t *x = reinterpret_cast<const uint64_t *>(inst.header);
  uint64_t h = (x[0] ^ 0x9E3779B97F4A7C15ull) * kMul;
  h = (h ^ (x[1] >> 32)) * kMul;
  for (unsigned k = 0, n = inst.header->numOperands; k < n; ++k) {
    const Region &r = inst.operands[k];
    const uint64_t *w = words(r);
    const uint8_t flags = flagsOf(r);
    h = (h ^ (flags & kFreeSlice ? w[0] & kHeadWithoutSlice : w[0])) * kMul;
    if (flags & kFixedOffset)
      h = (h ^ w[1]) * kMul;
    for (unsigned j = 2; j < kRegionWords; ++j)
      h = (h ^ w[j]) * kMul;
  }
  for (unsigned k = 0, n = inst.header->numImms; k < n; ++k)
    h = (h ^ uint64_t(inst.imms[k])) * kMul;
  return h ^ (h >> 29);
}

uint32_t Shapes::insert(size_t i, uint64_t h) {
  const uint32_t id = uint32_t(shapes_.size());
  const format::InstructionView &inst = insts_[i];
  Shape shape{uint32_t(i), uint32_t(flags_.size()), uint32_t(spaces_.size()), 0, 0};
  for (unsigned k = 0, n = inst.header->numOperands; k < n; ++k) {
    const int space = mem::spaceIndex(inst.operands[k]);
    flags_.push_back(flagsOf(inst.operands[k]));
    if (space >= 0 && space < kMovable) {
      spaces_.push_back(uint8_t(space));
      operands_.push_back(uint8_t(k));
      ++shape.movable;
      shape.mask |= 1u << space;
    }
  }
  shape.mask |= 1u << kMovable;
  shapes_.push_back(shape);
  if (2 * shapes_.size() > table_.size()) {  // grow: at most half full
    std::vector<Slot> old(2 * table_.size(), Slot{0, UINT32_MAX});
    old.swap(table_);
    for (const Slot &e : old)
      if (e.shape != UINT32_MAX)
        put(e);
  }
  put({h, id});
  return id;
}

void Shapes::put(const Slot &e) {
  const size_t mask = table_.size() - 1;
  size_t slot = e.hash & mask;
  while (table_[slot].shape != UINT32_MAX)
    slot = (slot + 1) & mask;
  table_[slot] = e;
}

uint32_t Shapes::add(size_t i, bool &isNew) {
  const format::InstructionView &inst = insts_[i];
  isNew = false;
  // Streams run a shape's records in a row (tile after tile): the last
  // shape of the opcode first.
  uint32_t &memo = memo_[inst.header->opcode % kMemos];
  uint32_t id = memo;
  if (id == UINT32_MAX || !same(shapes_[id], inst)) {
    const uint64_t h = hash(inst);
    const size_t mask = table_.size() - 1;
    id = UINT32_MAX;
    for (size_t slot = h & mask; table_[slot].shape != UINT32_MAX; slot = (slot + 1) & mask)
      if (table_[slot].hash == h && same(shapes_[table_[slot].shape], inst)) {
        id = table_[slot].shape;
        break;
      }
    if (id == UINT32_MAX) {
      id = insert(i, h);
      isNew = true;
    }
    memo = id;
  }
  of_[i] = id;
  first_[i] = uint32_t(used_);
  const Shape &shape = shapes_[id];
  if (used_ + shape.movable > capacity_) {
    capacity_ = std::max(2 * capacity_, used_ + shape.movable);
    std::unique_ptr<uint64_t[]> more(new uint64_t[capacity_]);
    std::copy_n(offsets_, used_, more.get());
    grown_.swap(more);
    offsets_ = grown_.get();
  }
  const uint8_t *operands = operands_.data() + shape.spaces;
  uint64_t *out = offsets_ + used_;
  for (unsigned k = 0; k < shape.movable; ++k)
    out[k] = inst.operands[operands[k]].offset;
  used_ += shape.movable;
  return id;
}

Periods findPeriods(const Shapes &shapes, const uint64_t *cycles, size_t from, size_t to) {
  const size_t n = to - from;
  Periods none;
  // Candidates must match this many shapes from the middle on.
  const size_t window = std::min<size_t>(32, n / 8);
  if (window < 2)
    return none;
  // Periods of at most n / 3 records: from n / 3 before the middle record.
  const size_t mid = from + n / 2, lowest = mid - n / 3;
  std::vector<uint32_t> ids(mid + window - lowest);
  for (size_t i = lowest; i < mid + window; ++i)
    ids[i - lowest] = shapes.of(i);
  const uint32_t *at = ids.data() + (mid - lowest);  // the middle record's
  // Each candidate period P is extended from the middle record both ways
  // while record i repeats record i - P in full; the longest wins.
  Periods best;
  size_t bestLo = 0, bestHi = 0;
  for (size_t j = mid; j-- > lowest;) {
    const size_t period = mid - j;
    // A multiple of a period whose stretch reaches back past j repeats
    // that stretch: nothing longer.
    if (best.length && period % best.length == 0 && bestLo <= j)
      continue;
    const uint32_t *back = ids.data() + (j - lowest);
    if (!std::equal(at, at + window, back))
      continue;
    Periods p;
    unsigned known = 0;
    size_t hi = mid;
    while (hi < to && repeats(shapes, cycles, hi - period, hi, p, known))
      ++hi;
    if (hi - mid < window)
      continue;
    size_t lo = mid;
    while (lo > from + period && repeats(shapes, cycles, lo - 1 - period, lo - 1, p, known))
      --lo;
    if (best.length && hi - lo + period <= bestHi - bestLo + best.length)
      continue;
    best = p;
    best.start = lo - period;
    best.length = period;
    best.count = (hi - best.start) / period;
    best.tail = hi - best.start - best.count * period;
    bestLo = lo;
    bestHi = hi;
  }
  return best.count >= 3 ? best : none;
}

std::vector<Periods> findStretches(const Shapes &shapes, const uint64_t *cycles) {
  std::vector<Periods> runs;
  const size_t n = shapes.records();
  // The stretch through the middle record of each part of the stream (at
  // first the whole; then the parts beside each stretch found, and where
  // none is found, each half, a few times over). Only the whole's may be
  // shorter than kMinStretch.
  struct Part {
    size_t from, to;
    int halvings;
  };
  std::vector<Part> parts = {{0, n, 0}};
  constexpr int kHalvings = 4;
  while (!parts.empty()) {
    const Part part = parts.back();
    parts.pop_back();
    const bool whole = part.from == 0 && part.to == n;
    if (!whole && part.to - part.from < kMinStretch)
      continue;
    const Periods p = findPeriods(shapes, cycles, part.from, part.to);
    if (p.count && (whole || p.count * p.length >= kMinStretch)) {
      runs.push_back(p);
      parts.push_back({part.from, p.start, part.halvings});
      parts.push_back({p.end() + p.tail, part.to, part.halvings});
    } else if (part.halvings < kHalvings && part.to - part.from >= 2 * kMinStretch) {
      const size_t mid = part.from + (part.to - part.from) / 2;
      parts.push_back({part.from, mid, part.halvings + 1});
      parts.push_back({mid, part.to, part.halvings + 1});
    }
  }
  std::sort(runs.begin(), runs.end(),
            [](const Periods &a, const Periods &b) { return a.start < b.start; });
  return runs;
}

Replayer::Replayer(const Periods &periods, bool staticTimes, mem::Tracker &tracker,
                   const mem::AccessList &accesses, const std::vector<uint32_t> &ids,
                   const uint32_t *first, const uint32_t *end)
    : periods_(periods), tracker_(tracker), accesses_(accesses), ids_(ids), first_(first),
      end_(end) {
  if (!staticTimes)
    periods_.cycleShift = 0;
}

void Replayer::takeFootprint() {
  std::vector<bool> seen(accesses_.regions.size());
  for (size_t i = periods_.start; i < periods_.start + periods_.length; ++i)
    for (uint32_t k = first_[i]; k < end_[i]; ++k) {
      budget_ += kBudgetPerAccess;
      const uint32_t region = ids_[k] >> 1;
      if (seen[region])
        continue;
      seen[region] = true;
      const mem::RegionInfo &info = accesses_.regions[region];
      for (uint32_t b = 0; b < info.numBoxes; ++b)
        feet_.push_back({info.space, accesses_.boxPool[info.box0 + b]});
    }
  // Contiguous feet that overlap or touch become one: the pieces meeting
  // their union are those meeting any of them, found in one query instead
  // of one per tile (a 7B step's period has some 740 contiguous feet in
  // SRAM, a few runs of bytes).
  std::stable_sort(feet_.begin(), feet_.end(), [](const Foot &x, const Foot &y) {
    const bool xc = x.box.k == 0, yc = y.box.k == 0;
    return std::tie(x.space, xc, x.box.base) < std::tie(y.space, yc, y.box.base);
  });
  size_t w = 0;
  for (size_t i = 0; i < feet_.size(); ++i) {
    const Foot &f = feet_[i];
    if (w > 0 && f.box.k == 0) {
      Foot &last = feet_[w - 1];
      if (last.space == f.space && last.box.k == 0 && f.box.base <= last.box.base + last.box.len) {
        last.box.len = std::max(last.box.len, f.box.base + f.box.len - last.box.base);
        continue;
      }
    }
    feet_[w++] = f;
  }
  feet_.resize(w);
}

geom::Box Replayer::moved(const Foot &f, size_t m) const {
  geom::Box b = f.box;
  b.base += uint64_t(int64_t(m) * shiftOf(f.space));
  return b;
}

bool Replayer::snap(size_t k, bool movingOnly, Snapshot &out) {
  out.clear();
  tracker_.newSnapshot();
  for (const Foot &f : feet_) {
    if (movingOnly && shiftOf(f.space) == 0)
      continue;
    scratch_.clear();
    const size_t examined = tracker_.snapshot(f.space, moved(f, k), scratch_);
    if (examined > budget_) {
      budget_ = 0;
      return false;
    }
    budget_ -= examined;
    for (const mem::Tracker::Piece &p : scratch_)
      out.push_back({f.space, p});
  }
  // Sorted by space and box through small keys (an entry is a few hundred
  // bytes). The tracker gave each piece once, and pieces are disjoint, so
  // no two entries share a box.
  struct Key {
    uint64_t space, base, len, dims;
    uint32_t at;
  };
  std::vector<Key> keys(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const geom::Box &b = out[i].piece.box;
    uint64_t dims = uint64_t(b.k);
    for (int j = 0; j < b.k; ++j)
      dims = (dims * 0x9E3779B97F4A7C15ull + b.n[j]) * kMul + b.s[j];
    keys[i] = {out[i].space, b.base, b.len, dims, uint32_t(i)};
  }
  std::sort(keys.begin(), keys.end(), [](const Key &x, const Key &y) {
    return std::tie(x.space, x.base, x.len, x.dims, x.at) <
           std::tie(y.space, y.base, y.len, y.dims, y.at);
  });
  Snapshot sorted;
  sorted.reserve(keys.size());
  for (const Key &k : keys)
    sorted.push_back(out[k.at]);
  out.swap(sorted);
  return true;
}

bool Replayer::recent(const mem::PieceState &p, size_t from) {
  return isRecent(p.writer, from) || isRecent(p.rlast, from) || isRecent(p.vreader, from);
}

mem::Tracker::Piece Replayer::mirrored(const mem::Tracker::Piece &x, unsigned space, size_t m,
                                       size_t from) const {
  mem::Tracker::Piece y = x;
  y.box.base += uint64_t(int64_t(m) * shiftOf(space));
  const int32_t index = int32_t(m * periods_.length);
  const uint64_t later = uint64_t(int64_t(m) * delta_), staticLater = m * periods_.cycleShift;
  mem::PieceState &st = y.st;
  if (isRecent(st.writer, from)) {
    st.writer += index;
    st.wEnd += later;
    st.vwEnd += staticLater;
  }
  if (isRecent(st.rlast, from)) {
    st.rlast += index;
    st.rEnd += later;
  }
  if (isRecent(st.vreader, from)) {
    st.vreader += index;
    st.vrEnd += staticLater;
  }
  return y;
}

bool Replayer::mirrors(const mem::Tracker::Piece &x, const mem::Tracker::Piece &y,
                       unsigned space, size_t m, size_t from) const {
  const mem::Tracker::Piece z = mirrored(x, space, m, from);
  const mem::PieceState &a = z.st, &b = y.st;
  if (!(z.box == y.box) || a.writer != b.writer || a.rlast != b.rlast ||
      a.vreader != b.vreader || a.wEnd != b.wEnd || a.rEnd != b.rEnd || a.vwEnd != b.vwEnd ||
      a.vrEnd != b.vrEnd)
    return false;
  // Older entries must not matter: before any unit frees, before the
  // period's first static cycle.
  auto old = [&](int32_t i) { return i >= 0 && !isRecent(i, from); };
  const mem::PieceState &s = x.st;
  if (old(s.writer) && (s.wEnd >= unitsFree_ || s.vwEnd > leastStatic_))
    return false;
  if (old(s.rlast) && s.rEnd >= unitsFree_)
    return false;
  if (old(s.vreader) && s.vrEnd > leastStatic_)
    return false;
  return true;
}

bool Replayer::findDelta(const Snapshot &x, const Snapshot &y) {
  for (size_t k = 0; k < x.size() && k < y.size(); ++k) {
    const mem::PieceState &a = x[k].piece.st, &b = y[k].piece.st;
    if (isRecent(a.writer, recentFrom_) && b.wEnd >= a.wEnd) {
      delta_ = int64_t(b.wEnd - a.wEnd);
      return true;
    }
    if (isRecent(a.rlast, recentFrom_) && b.rEnd >= a.rEnd) {
      delta_ = int64_t(b.rEnd - a.rEnd);
      return true;
    }
  }
  return false;
}

void Replayer::before(size_t r, uint64_t unitsFree, uint64_t leastStatic) {
  if (r > 0 && afterValid_ && r_ + 1 == r) {
    std::swap(before_, after_);  // the snapshot after period r - 1 is this one
    beforeValid_ = true;
  } else {
    beforeValid_ = snap(r, false, before_);
  }
  afterValid_ = false;
  r_ = r;
  unitsFree_ = unitsFree;
  leastStatic_ = leastStatic;
  const size_t start = periods_.start + r * periods_.length;
  recentFrom_ = start - std::min(start, periods_.length);
}

void Replayer::middle(size_t r) {
  // The snapshot the tail's graft needs; one over the budget costs the tail
  // only, not the replay.
  const size_t budget = budget_;
  middleValid_ = snap(r, false, middle_);
  if (!middleValid_)
    budget_ = budget;
}

bool Replayer::after(size_t r) {
  tailRepeats_ = false;
  afterValid_ = snap(r + 1, false, after_);
  if (!beforeValid_ || !afterValid_ || before_.size() != after_.size() ||
      !findDelta(before_, after_) || delta_ < 0)
    return false;
  for (size_t k = 0; k < before_.size(); ++k)
    if (before_[k].space != after_[k].space ||
        !mirrors(before_[k].piece, after_[k].piece, before_[k].space, 1, recentFrom_))
      return false;
  // Moving spaces: the periods' bytes must be disjoint, and those of the
  // periods still to come must have period r's histories from before it,
  // all older ones (nothing recent can reach them). Disjoint: the
  // footprint's span at most the step, or else no box of it meeting one
  // moved by the k periods whose span it reaches (a prefill's column tiles
  // of its logits interleave); the tail's period (k = count) only decides
  // whether the tail may be replayed.
  bool tailDisjoint = true;
  std::vector<const Foot *> inSpace;
  for (int space = 0; space < kMovable; ++space) {
    if (periods_.shift[space] == 0)
      continue;
    inSpace.clear();
    uint64_t lo = UINT64_MAX, hi = 0;
    for (const Foot &f : feet_)
      if (f.space == unsigned(space)) {
        inSpace.push_back(&f);
        lo = std::min(lo, f.box.lo());
        hi = std::max(hi, f.box.hi());
      }
    const uint64_t step = uint64_t(std::abs(periods_.shift[space]));
    if (lo >= hi || hi - lo <= step)
      continue;
    const size_t reach = size_t(std::min<uint64_t>((hi - lo) / step, periods_.count));
    for (size_t k = 1; k <= reach; ++k)
      for (const Foot *g : inSpace) {
        const geom::Box later = moved(*g, k);
        for (const Foot *f : inSpace)
          if (geom::overlaps(f->box, later)) {
            if (k < periods_.count)
              return false;
            tailDisjoint = false;
          }
      }
  }
  Snapshot mine, later;
  for (const Entry &e : before_)
    if (shiftOf(e.space) != 0) {
      if (recent(e.piece.st, recentFrom_))
        return false;
      mine.push_back(e);
    }
  // Period k's bytes in moving spaces before it are period r's, moved.
  auto laterRepeats = [&](size_t k) {
    if (!snap(k, true, later) || later.size() != mine.size())
      return false;
    for (size_t j = 0; j < mine.size(); ++j)
      if (later[j].space != mine[j].space ||
          !mirrors(mine[j].piece, later[j].piece, mine[j].space, k - r, recentFrom_))
        return false;
    return true;
  };
  for (size_t k = r + 2; k < periods_.count; ++k)
    if (!laterRepeats(k))
      return false;
  // The tail: one more period's first instructions.
  tailRepeats_ =
      periods_.tail > 0 && middleValid_ && tailDisjoint && laterRepeats(periods_.count);
  return true;
}

void Replayer::graft(size_t laterFrom, size_t laterEnd, bool tail) {
  // The tracker is as period r left it. The pieces with recent histories
  // lie in the footprint (each within an access of period r) and move by
  // period: in spaces that stay put, the last period's replace them; in
  // moving ones, each period leaves its own (older histories stay). With
  // the tail, period r's state after its first `tail` instructions, moved
  // to the tail, stands for the tail's: in spaces that stay put, all of the
  // footprint (histories from period r - 1 on move, to the last period's
  // instructions after the tail's and to the tail's).
  // Outside SRAM (whose pieces the occupancy counts to the end), a moving
  // period's piece only matters to a later instruction that meets it: those
  // no later access's byte span in its space reaches are left out.
  uint64_t lo[kMovable], hi[kMovable];
  std::fill(lo, lo + kMovable, UINT64_MAX);
  std::fill(hi, hi + kMovable, 0);
  for (size_t i = laterFrom; i < laterEnd; ++i)
    for (uint32_t k = first_[i]; k < end_[i]; ++k) {
      const mem::RegionInfo &info = accesses_.regions[ids_[k] >> 1];
      if (info.space >= unsigned(kMovable))
        continue;
      for (uint32_t b = 0; b < info.numBoxes; ++b) {
        const geom::Box &box = accesses_.boxPool[info.box0 + b];
        lo[info.space] = std::min(lo[info.space], box.lo());
        hi[info.space] = std::max(hi[info.space], box.hi());
      }
    }
  auto needed = [&](unsigned space, const geom::Box &box) {
    return space == 0 || (box.lo() < hi[space] && lo[space] < box.hi());
  };
  bool anyMoving = false;
  for (int space = 0; space < kMovable; ++space)
    anyMoving |= periods_.shift[space] != 0 && (space == 0 || lo[space] < hi[space]);
  const size_t r = r_, last = periods_.count - 1;
  const size_t from = periods_.start + r * periods_.length;  // recent after period r
  Snapshot own;  // period r's own bytes in moving spaces
  budget_ = SIZE_MAX;  // committed: this snapshot is taken whatever it costs
  if (anyMoving)
    snap(r, true, own);
  for (const Snapshot *list : {&after_, &own})
    for (const Entry &e : *list) {
      const bool moving = shiftOf(e.space) != 0;
      if (moving != (list == &own) || !recent(e.piece.st, from) || (tail && !moving))
        continue;
      for (size_t k = moving ? r + 1 : last; k <= last; ++k) {
        const mem::Tracker::Piece p = mirrored(e.piece, e.space, k - r, from);
        if (!moving || needed(e.space, p.box))
          tracker_.assign(e.space, p.box, &p, 1);
      }
    }
  if (!tail)
    return;
  const size_t tailPeriod = periods_.count - r;  // the tail's period, counted from r
  for (const Entry &e : middle_) {
    if (!recent(e.piece.st, recentFrom_))
      continue;
    const mem::Tracker::Piece p = mirrored(e.piece, e.space, tailPeriod, recentFrom_);
    if (shiftOf(e.space) == 0 || needed(e.space, p.box))
      tracker_.assign(e.space, p.box, &p, 1);
  }
}

}  // namespace lmc::sim::replay
