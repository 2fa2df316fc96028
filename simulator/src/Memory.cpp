// Memory dependences over disjoint strided pieces (see Memory.h).
#include "simulator/src/Memory.h"

#include <algorithm>
#include <cstring>

namespace lmc::sim::mem {

using geom::Box;
using geom::Relation;

namespace {

struct BoxSpan {
  const Box *b, *e;
  const Box *begin() const { return b; }
  const Box *end() const { return e; }
};
BoxSpan boxesOf(const Access &a) { return {a.boxes, a.boxes + a.numBoxes}; }

// Whether piece p lies in run b's bytes (its whole span does), without the
// general relation.
bool within(const Box &p, const Box &b) {
  return b.k == 0 && p.base >= b.base && p.hi() <= b.base + b.len;
}

constexpr uint32_t kTomb = UINT32_MAX;
constexpr int32_t kContiguous = -1, kFree = -2;
// Strided pieces are listed by zones of about 1/2^kZonesPerSpaceBits of
// their space (Store::zones); an access meeting more than kMaxZones zones scans
// all of them.
constexpr unsigned kZonesPerSpaceBits = 6;
constexpr uint64_t kMaxZones = 4, kNoZone = ~uint64_t(0);

inline uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

uint64_t boxKey(const Box &b) {
  uint64_t h = mix(b.base, b.len);
  for (int j = 0; j < b.k; ++j)
    h = mix(mix(h, b.n[j]), b.s[j]);
  return h;
}

// Finest stride when every stride is a multiple of it (the bytes of the box
// then lie within `len` bytes after base, modulo it); 0 otherwise.
uint64_t residueStride(const Box &b) {
  if (b.k == 0)
    return 0;
  for (int j = 1; j < b.k; ++j)
    if (b.s[j] % b.s[0] != 0)
      return 0;
  return b.s[0];
}

}  // namespace

std::vector<uint64_t> chipSramStarts(const format::Metadata &meta) {
  std::vector<uint64_t> starts;
  for (int chip = 1; chip < meta.chip_memory_size(); ++chip)
    starts.push_back(meta.chip_memory(chip).sram_offset());
  return starts;
}

uint32_t chipAt(const std::vector<uint64_t> &starts, uint64_t offset) {
  return uint32_t(std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin());
}

namespace {

// Regions are interned by all their bytes (two regions that differ only in
// unused dims get two entries with the same boxes: still exact). The hash
// reads the head, the offset and the first three dims (the rest tell apart
// few regions of one stream); its words are multiplied independently.
uint64_t regionHash(const format::Region &r) {
  static_assert(format::kMaxRank >= 3, "hashed dims");
  uint64_t head;
  std::memcpy(&head, &r, sizeof(head));
  uint64_t h = head * 0x9E3779B97F4A7C15ull + r.offset * 0xBF58476D1CE4E5B9ull;
  h += uint64_t(r.shape[0]) * 0x94D049BB133111EBull + uint64_t(r.strides[0]) * 0xD6E8FEB86659FD93ull;
  h += uint64_t(r.shape[1]) * 0xA0761D6478BD642Full + uint64_t(r.strides[1]) * 0xE7037ED1A0B428DBull;
  h += uint64_t(r.shape[2]) * 0x8EBC6AF09C88C6E3ull + uint64_t(r.strides[2]) * 0x589965CC75374CC3ull;
  h ^= h >> 32;
  h *= 0x94D049BB133111EBull;
  return h ^ (h >> 29);
}

bool sameRegion(const format::Region &a, const format::Region &b) {
  const char *x = reinterpret_cast<const char *>(&a), *y = reinterpret_cast<const char *>(&b);
  uint64_t d = 0;
  for (size_t i = 0; i < sizeof(format::Region); i += 8) {
    uint64_t u, v;
    std::memcpy(&u, x + i, 8);
    std::memcpy(&v, y + i, 8);
    d |= u ^ v;
  }
  return d == 0;
}

// The index of region r's entry (decoded on first sight).
uint32_t intern(AccessList &out, const format::Region &r, unsigned space) {
  const uint64_t h = regionHash(r);
  if (2 * (out.regions.size() + 1) > out.table.size()) {
    out.table.assign(std::max<size_t>(1024, 2 * out.table.size()), 0);
    const size_t mask = out.table.size() - 1;
    for (size_t e = 0; e < out.regions.size(); ++e) {
      size_t at = out.regions[e].hash & mask;
      while (out.table[at] != 0)
        at = (at + 1) & mask;
      out.table[at] = uint32_t(e + 1);
    }
  }
  const size_t mask = out.table.size() - 1;
  size_t at = h & mask;
  for (; out.table[at] != 0; at = (at + 1) & mask) {
    const uint32_t e = out.table[at] - 1;
    if (out.regions[e].hash == h && sameRegion(out.regions[e].region, r))
      return e;
  }
  out.regions.emplace_back();
  out.table[at] = uint32_t(out.regions.size());
  RegionInfo &e = out.regions.back();
  std::memcpy(&e.region, &r, sizeof(r));
  e.hash = h;
  e.space = space;
  geom::regionBoxes(r, out.scratch);
  e.box0 = uint32_t(out.boxPool.size());
  e.numBoxes = uint32_t(out.scratch.size());
  out.boxPool.insert(out.boxPool.end(), out.scratch.begin(), out.scratch.end());
  if (e.numBoxes == 1) {
    e.key = boxKey(out.scratch[0]);
    e.bytes = out.scratch[0].bytes();
  }
  return uint32_t(out.regions.size() - 1);
}

}  // namespace

void internAccesses(const format::InstructionView &inst, AccessList &out,
                    std::vector<uint32_t> &ids) {
  const unsigned outs = format::opcodeInfo(inst.opcode()).numOutputs;
  for (unsigned k = 0; k < inst.header->numOperands; ++k) {
    const format::Region &r = inst.operands[k];
    const int s = spaceIndex(r);
    if (s < 0)
      continue;
    const uint32_t e = intern(out, r, unsigned(s));
    if (out.regions[e].numBoxes != 0)
      ids.push_back(e << 1 | uint32_t(k < outs));
  }
}

void setAccesses(const uint32_t *ids, size_t count, AccessList &out) {
  if (out.items.size() < count)
    out.items.resize(count);
  for (size_t k = 0; k < count; ++k) {
    RegionInfo &info = out.regions[ids[k] >> 1];
    Access &a = out.items[k];
    a.info = &info;
    a.boxes = out.boxPool.data() + info.box0;
    a.numBoxes = info.numBoxes;
    a.key = info.key;
    a.space = info.space;
    a.write = ids[k] & 1;
    a.version = ~uint64_t(0);
  }
  out.count = count;
}

void collectAccesses(const format::InstructionView &inst, AccessList &out) {
  out.ids.clear();
  internAccesses(inst, out, out.ids);
  setAccesses(out.ids.data(), out.ids.size(), out);
}

Tracker::Tracker(const std::vector<uint64_t> &spaceBytes, size_t instructions,
                 uint64_t *occupancy)
    : spaces_(spaceBytes.size()), sram_(instructions > 0), instructions_(instructions) {
  if (!occupancy && instructions) {
    occupancy_.reset(new uint64_t[2 * instructions]());
    occupancy = occupancy_.get();
  }
  born = occupancy;
  dies = occupancy ? occupancy + instructions : nullptr;
  for (size_t k = 0; k < spaceBytes.size(); ++k) {
    const uint64_t b = spaceBytes[k];
    const unsigned width = b ? 64 - unsigned(__builtin_clzll(b)) : 0;  // bits of b
    spaces_[k].zoneBits = width > kZonesPerSpaceBits + 2 ? width - kZonesPerSpaceBits : 2;
  }
}

// Rebuilds the table (dropping removed entries), doubling it while live
// pieces would fill more than a quarter.
void Tracker::rehash(Store &s) {
  size_t cap = std::max<size_t>(64, s.table.size());
  while (4 * (s.live + 1) > cap)
    cap *= 2;
  s.table.assign(cap, 0);
  s.used = 0;
  const size_t mask = cap - 1;
  for (size_t slot = 0; slot < s.box.size(); ++slot) {
    if (s.where[slot] == kFree)
      continue;
    size_t h = s.key[slot] & mask;
    while (s.table[h] != 0)
      h = (h + 1) & mask;
    s.table[h] = uint32_t(slot + 1);
    ++s.used;
  }
}

void Tracker::index(Store &s, uint32_t slot) {
  if (2 * (s.used + 1) > s.table.size()) {
    rehash(s);  // indexes every placed slot, this one included
    return;
  }
  const size_t mask = s.table.size() - 1;
  size_t h = s.key[slot] & mask;
  while (s.table[h] != 0 && s.table[h] != kTomb)
    h = (h + 1) & mask;
  if (s.table[h] == 0)
    ++s.used;
  s.table[h] = slot + 1;
}

void Tracker::unindex(Store &s, uint32_t slot) {
  const size_t mask = s.table.size() - 1;
  size_t h = s.key[slot] & mask;
  while (s.table[h] != slot + 1)
    h = (h + 1) & mask;
  s.table[h] = kTomb;
}

int64_t Tracker::find(const Store &s, const Box &b, uint64_t key) const {
  if (s.table.empty())
    return -1;
  const size_t mask = s.table.size() - 1;
  for (size_t h = key & mask;; h = (h + 1) & mask) {
    const uint32_t e = s.table[h];
    if (e == 0)
      return -1;
    if (e != kTomb && s.key[e - 1] == key && s.box[e - 1] == b)
      return int64_t(e - 1);
  }
}

int64_t Tracker::exactSlot(const Store &s, const Access &a) const {
  RegionInfo &r = *a.info;
  if (r.slot < s.gen.size() && s.gen[r.slot] == r.gen)
    return r.slot;
  if (r.noneSince == s.version + 1)
    return -1;  // no piece has been placed or removed since none equalled it
  const int64_t e = find(s, a.boxes[0], a.key);
  if (e >= 0) {
    r.slot = uint32_t(e);
    r.gen = s.gen[size_t(e)];
  } else {
    r.noneSince = s.version + 1;
  }
  return e;
}

// A one-box access's new piece is the one equal to its region from now on.
void Tracker::remember(const Store &s, const Access &a, uint32_t slot) const {
  if (a.numBoxes == 1) {
    a.info->slot = slot;
    a.info->gen = s.gen[slot];
  }
}

// Puts a slot's box in the ordered map or the packed arrays, and the hash.
void Tracker::place(Store &s, uint32_t slot) {
  ++s.version;
  const Box &b = s.box[slot];
  s.key[slot] = boxKey(b);
  if (b.k == 0) {
    s.where[slot] = kContiguous;
    s.runs.emplace(b.base + b.len, std::make_pair(b.base, slot));
  } else {
    s.where[slot] = int32_t(s.slotOf.size());
    s.slotOf.push_back(slot);
    s.lo.push_back(b.lo());
    s.hi.push_back(b.hi());
    const uint64_t s1 = residueStride(b);
    s.s1.push_back(s1);
    s.r1.push_back(s1 ? b.base % s1 : 0);
    s.len.push_back(b.len);
    zoneAdd(s, slot, s.lo.back(), s.hi.back());
  }
  index(s, slot);
}

void Tracker::zoneAdd(Store &s, uint32_t slot, uint64_t lo, uint64_t hi) {
  const uint64_t z = lo >> s.zoneBits;
  const bool one = hi > lo && (hi - 1) >> s.zoneBits == z;
  std::vector<uint32_t> &list = one ? s.zones[z] : s.wide;
  s.zone[slot] = one ? z : kNoZone;
  s.zonePos[slot] = uint32_t(list.size());
  list.push_back(slot);
}

void Tracker::zoneRemove(Store &s, uint32_t slot) {
  const uint64_t z = s.zone[slot];
  std::vector<uint32_t> &list = z == kNoZone ? s.wide : s.zones[z];
  const uint32_t pos = s.zonePos[slot], moved = list.back();
  list[pos] = moved;
  s.zonePos[moved] = pos;
  list.pop_back();
}

void Tracker::unplace(Store &s, uint32_t slot) {
  ++s.version;
  ++s.gen[slot];
  unindex(s, slot);
  const int32_t w = s.where[slot];
  if (w == kContiguous) {
    s.runs.erase(s.box[slot].base + s.box[slot].len);
  } else {
    zoneRemove(s, slot);
    const size_t last = s.slotOf.size() - 1;
    if (size_t(w) != last) {
      s.slotOf[w] = s.slotOf[last];
      s.lo[w] = s.lo[last];
      s.hi[w] = s.hi[last];
      s.s1[w] = s.s1[last];
      s.r1[w] = s.r1[last];
      s.len[w] = s.len[last];
      s.where[s.slotOf[w]] = w;
    }
    s.slotOf.pop_back();
    s.lo.pop_back();
    s.hi.pop_back();
    s.s1.pop_back();
    s.r1.pop_back();
    s.len.pop_back();
  }
  s.where[slot] = kFree;
}

uint32_t Tracker::add(Store &s, const Box &b, const PieceState &st) {
  uint32_t slot;
  if (!s.freeSlots.empty()) {
    slot = s.freeSlots.back();
    s.freeSlots.pop_back();
    s.box[slot] = b;
    s.st[slot] = st;
  } else {
    slot = uint32_t(s.box.size());
    s.box.push_back(b);
    s.st.push_back(st);
    s.key.push_back(0);
    s.where.push_back(kFree);
    s.gen.push_back(0);
    s.zone.push_back(kNoZone);
    s.zonePos.push_back(0);
  }
  ++s.live;
  place(s, slot);
  return slot;
}

void Tracker::remove(Store &s, uint32_t slot) {
  unplace(s, slot);
  s.freeSlots.push_back(slot);
  --s.live;
}

void Tracker::reshape(Store &s, uint32_t slot, const Box &b) {
  const Box &old = s.box[slot];
  if (b.k == 0 && s.where[slot] == kContiguous && old.base + old.len == b.base + b.len) {
    // A run keeping its end (its start cut off, the common case): its
    // ordered-map entry stays, with the new start.
    ++s.version;
    ++s.gen[slot];
    unindex(s, slot);
    s.runs.find(b.base + b.len)->second.first = b.base;
    s.box[slot] = b;
    s.key[slot] = boxKey(b);
    index(s, slot);
    return;
  }
  unplace(s, slot);
  s.box[slot] = b;
  place(s, slot);
}

// Appends the contiguous pieces meeting [lo, hi) to cand_ (skipping one
// equal to the last appended); false when more than `limit` were appended.
bool Tracker::contiguousIn(const Store &s, uint64_t lo, uint64_t hi, size_t limit) {
  // Keyed by end: the runs ending after lo, while they start before hi.
  size_t added = 0;
  for (auto it = s.runs.upper_bound(lo); it != s.runs.end() && it->second.first < hi; ++it) {
    const uint32_t slot = it->second.second;
    if (!cand_.empty() && cand_.back() == slot)
      continue;
    cand_.push_back(slot);
    if (++added > limit)
      return false;
  }
  return true;
}

const std::vector<uint32_t> &Tracker::candidates(const Store &s, const Access &a, const Box &b) {
  if (a.numBoxes != 1) {
    candidates(s, b, boxKey(b), true);
    return cand_;
  }
  if (a.version != s.version) {
    candidates(s, b, a.key, false);  // not equal to a piece: exactSlot came first
    a.cand.swap(cand_);  // no copy: cand_ takes the access's old buffer
    a.version = s.version;
    a.exact = exact_;
  }
  exact_ = a.exact;
  return a.cand;
}

void Tracker::candidates(const Store &s, const Box &b, uint64_t key, bool tryExact) {
  cand_.clear();
  if (int64_t e = tryExact ? find(s, b, key) : -1; e >= 0) {
    cand_.push_back(uint32_t(e));
    exact_ = true;
    return;
  }
  exact_ = false;
  const uint64_t blo = b.lo(), bhi = b.hi();
  if (!s.runs.empty()) {
    // Contiguous pieces: those in b's span, or, when b is sparse and there
    // are more of them than b has runs, those meeting each run of b.
    const uint64_t runs = b.runs();
    if (!contiguousIn(s, blo, bhi, b.k == 0 ? SIZE_MAX : 2 * runs + 8)) {
      cand_.clear();
      runScratch_.clear();
      geom::runsOf(b, runScratch_);
      for (const auto &[rb, re] : runScratch_)
        contiguousIn(s, rb, re, SIZE_MAX);
    }
  }
  const size_t n = s.slotOf.size();
  if (n) {
    const uint64_t sa = residueStride(b);
    const uint64_t ra = sa ? b.base % sa : 0, la = b.len;
    const uint64_t *los = s.lo.data(), *his = s.hi.data(), *s1 = s.s1.data(),
                   *r1 = s.r1.data(), *len = s.len.data();
    auto meets = [&](size_t i) {
      if (los[i] >= bhi || his[i] <= blo)
        return false;
      if (sa != 0 && s1[i] == sa) {
        // Both boxes sit in arcs of the circle of residues modulo sa: from
        // the piece's arc start to b's, d.
        uint64_t d = ra >= r1[i] ? ra - r1[i] : ra + sa - r1[i];
        if (d >= len[i] && sa - d >= la && d != 0)
          return false;
      }
      return true;
    };
    const uint64_t z0 = blo >> s.zoneBits, z1 = (std::max(bhi, blo + 1) - 1) >> s.zoneBits;
    if (z1 - z0 < kMaxZones && s.zones.size() > 1) {
      // The pieces listed in b's zones and the wide ones, in packed order
      // (the order of the full scan, so that ties resolve the same way).
      zoneScratch_.clear();
      auto take = [&](const std::vector<uint32_t> &list) {
        for (uint32_t slot : list)
          if (const size_t i = size_t(s.where[slot]); meets(i))
            zoneScratch_.emplace_back(uint32_t(i), slot);
      };
      take(s.wide);
      for (uint64_t z = z0; z <= z1; ++z)
        if (auto it = s.zones.find(z); it != s.zones.end())
          take(it->second);
      std::sort(zoneScratch_.begin(), zoneScratch_.end());
      for (const auto &[i, slot] : zoneScratch_)
        cand_.push_back(slot);
    } else {
      for (size_t i = 0; i < n; ++i)
        if (meets(i))
          cand_.push_back(s.slotOf[i]);
    }
  }

}

void Tracker::setChipStarts(std::vector<uint64_t> starts) {
  chipStarts_ = std::move(starts);
  chipBorn.assign(chipStarts_.size() + 1, std::vector<uint64_t>(instructions_, 0));
  chipDies = chipBorn;
}

void Tracker::dead(const PieceState &st, uint64_t bytes, uint64_t base) {
  if (st.writer < 0 || bytes == 0)
    return;
  const size_t last = size_t(st.rEnd > st.wEnd ? st.rlast : st.writer);
  born[size_t(st.writer)] += bytes;
  dies[last] += bytes;
  if (deathLog_)
    deathLog_->push_back({st.writer, int32_t(last), bytes});
  if (!chipStarts_.empty()) {
    // A piece lies in one chip's range (the compiler plans each buffer in
    // one chip's SRAM), so its first byte names the chip.
    const size_t chip = chipAt(chipStarts_, base);
    chipBorn[chip][size_t(st.writer)] += bytes;
    chipDies[chip][last] += bytes;
  }
}

uint64_t Tracker::ready(const Access &a, uint64_t floor, uint64_t c, Violation *v, int32_t *by) {
  Store &s = spaces_[a.space];
  uint64_t best = UINT64_MAX;
  auto visit = [&](uint32_t i, const Box &b, bool exact) {
    const PieceState &st = s.st[i];
    uint64_t need = st.writer >= 0 ? st.wEnd : 0;
    int32_t needBy = st.writer;
    if (a.write && st.rEnd > need) {
      need = st.rEnd;
      needBy = st.rlast;
    }
    const bool byReader = v && a.write && st.vreader >= 0 && st.vrEnd > c;
    const bool byWriter = v && st.writer >= 0 && st.vwEnd > c;
    // Raises the floor, or on a tie names an earlier instruction.
    const bool raises =
        need > floor || (need == floor && need > 0 && by && needBy >= 0 && needBy < *by);
    if (!raises && !byReader && !byWriter)
      return;
    // Two runs among the candidates meet (those are the runs that reach
    // into b's span).
    const bool runs = b.k == 0 && s.box[i].k == 0;
    if (!exact && !runs && !geom::overlaps(s.box[i], b))
      return;
    if (raises) {
      floor = need;
      if (by)
        *by = needBy;
    }
    if (!byReader && !byWriter)
      return;
    const uint64_t first = exact  ? b.base
                           : runs ? std::max(b.base, s.box[i].base)
                                  : geom::firstCommonByte(s.box[i], b);
    if (first < best) {
      best = first;
      v->found = true;
      v->byReader = byReader;
      v->other = byReader ? st.vreader : st.writer;
      v->until = byReader ? st.vrEnd : st.vwEnd;
    }
  };
  if (a.numBoxes == 1) {
    if (const int64_t e = exactSlot(s, a); e >= 0) {
      visit(uint32_t(e), a.boxes[0], true);
      return floor;
    }
  }
  for (const Box &b : boxesOf(a))
    for (uint32_t i : candidates(s, a, b))
      visit(i, b, exact_);
  return floor;
}

Violation Tracker::firstViolation(const Access &a, uint64_t c) {
  Violation v;
  ready(a, UINT64_MAX, c, &v);  // no floor to raise: only the rules' pieces
  return v;
}

void Tracker::read(const Access &a, int32_t index, uint64_t simEnd, uint64_t staticEnd) {
  Store &s = spaces_[a.space];
  auto apply = [&](PieceState &st) {
    if (simEnd > st.rEnd) {
      st.rEnd = simEnd;
      st.rlast = index;
    }
    if (staticEnd >= st.vrEnd) {
      st.vrEnd = staticEnd;
      st.vreader = index;
    }
  };
  if (a.numBoxes == 1) {
    if (const int64_t e = exactSlot(s, a); e >= 0) {
      apply(s.st[size_t(e)]);
      return;
    }
  }
  for (const Box &b : boxesOf(a)) {
    const std::vector<uint32_t> &cands = candidates(s, a, b);
    if (exact_) {
      apply(s.st[cands[0]]);
      continue;
    }
    // The pieces within b after the split: its bytes that were accessed before.
    uint64_t covered = 0;
    inside_.clear();
    for (uint32_t i : cands) {
      Relation r = within(s.box[i], b) ? Relation::Covered
                                       : geom::relate(s.box[i], b, &inter_, &diff_);
      if (r == Relation::Disjoint)
        continue;
      if (r == Relation::Covered) {
        covered += s.box[i].bytes();
        inside_.push_back(i);
        apply(s.st[i]);
        continue;
      }
      const PieceState old = s.st[i];
      PieceState upd = old;
      apply(upd);
      reshape(s, i, diff_[0]);
      for (size_t k = 1; k < diff_.size(); ++k)
        add(s, diff_[k], old);
      for (const Box &x : inter_) {
        covered += x.bytes();
        inside_.push_back(add(s, x, upd));
      }
    }
    if (covered == b.bytes())
      continue;
    // Bytes never accessed before: new pieces.
    gaps_.clear();
    gaps_.push_back(b);
    for (uint32_t i : inside_) {
      next_.clear();
      for (const Box &x : gaps_) {
        Relation r = geom::relate(x, s.box[i], nullptr, &diff_);
        if (r == Relation::Disjoint)
          next_.push_back(x);
        else if (r == Relation::Partial)
          next_.insert(next_.end(), diff_.begin(), diff_.end());
      }
      gaps_.swap(next_);
    }
    for (const Box &x : gaps_) {
      PieceState st;
      apply(st);
      add(s, x, st);
    }
  }
}

void Tracker::write(const Access &a, int32_t index, uint64_t simEnd, uint64_t staticEnd) {
  Store &s = spaces_[a.space];
  const bool sram = sram_ && a.space == 0;
  PieceState fresh;
  fresh.writer = index;
  fresh.wEnd = simEnd;
  fresh.vwEnd = staticEnd;
  if (a.numBoxes == 1) {
    if (const int64_t e = exactSlot(s, a); e >= 0) {
      if (sram)
        dead(s.st[size_t(e)], a.info->bytes, s.box[size_t(e)].base);
      s.st[size_t(e)] = fresh;
      return;
    }
  }
  for (const Box &b : boxesOf(a)) {
    const std::vector<uint32_t> &cands = candidates(s, a, b);
    if (exact_) {
      const uint32_t i = cands[0];
      if (sram)
        dead(s.st[i], s.box[i].bytes(), s.box[i].base);
      s.st[i] = fresh;
      continue;
    }
    if (b.k == 0 && cands.size() == 1 && s.box[cands[0]].k == 0 &&
        s.box[cands[0]].base == b.base && s.box[cands[0]].len > b.len) {
      // A run written over the start of one longer run (a buffer filled
      // piece by piece): the rest keeps its state and its end.
      const uint32_t i = cands[0];
      if (sram)
        dead(s.st[i], b.len, s.box[i].base);
      Box rest;
      rest.base = b.base + b.len;
      rest.len = s.box[i].len - b.len;
      rest.k = 0;
      reshape(s, i, rest);
      remember(s, a, add(s, b, fresh));
      continue;
    }
    cut(s, cands, b, sram);
    remember(s, a, add(s, b, fresh));
  }
}

void Tracker::cut(Store &s, const std::vector<uint32_t> &cands, const Box &b, bool credit) {
  for (uint32_t i : cands) {
    Relation r = within(s.box[i], b) ? Relation::Covered
                                     : geom::relate(s.box[i], b, nullptr, &diff_);
    if (r == Relation::Disjoint)
      continue;
    if (r == Relation::Covered) {
      if (credit)
        dead(s.st[i], s.box[i].bytes(), s.box[i].base);
      remove(s, i);
      continue;
    }
    if (credit) {
      uint64_t kept = 0;
      for (const Box &x : diff_)
        kept += x.bytes();
      dead(s.st[i], s.box[i].bytes() - kept, s.box[i].base);
    }
    const PieceState old = s.st[i];
    reshape(s, i, diff_[0]);
    for (size_t k = 1; k < diff_.size(); ++k)
      add(s, diff_[k], old);
  }
}

size_t Tracker::snapshot(unsigned space, const Box &b, std::vector<Piece> &out) {
  Store &s = spaces_[space];
  candidates(s, b, boxKey(b), true);
  if (s.snapped.size() < s.box.size())
    s.snapped.resize(s.box.size(), 0);
  for (uint32_t i : cand_)
    if (s.snapped[i] != snapshot_) {
      s.snapped[i] = snapshot_;
      out.push_back({s.box[i], s.st[i]});
    }
  return cand_.size();
}

void Tracker::assign(unsigned space, const Box &b, const Piece *pieces, size_t count) {
  Store &s = spaces_[space];
  candidates(s, b, boxKey(b), true);
  if (exact_)
    remove(s, cand_[0]);
  else
    cut(s, cand_, b, false);
  for (size_t k = 0; k < count; ++k)
    add(s, pieces[k].box, pieces[k].st);
}

void Tracker::flush() {
  if (!sram_ || spaces_.empty())
    return;
  Store &s = spaces_[0];
  for (size_t i = 0; i < s.box.size(); ++i)
    if (s.where[i] != kFree)
      dead(s.st[i], s.box[i].bytes(), s.box[i].base);
}

}  // namespace lmc::sim::mem
