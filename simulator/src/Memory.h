// Memory dependences of the simulator: who wrote and read each byte of each
// memory space, and when. The bytes are kept as disjoint pieces, each a
// strided box (Geometry.h) whose bytes share one history: the last writer
// and the readers since. An access splits the pieces it partly overlaps,
// exactly, so every byte has the state a per-byte map would give it. One
// tracker serves both the timing model (simulated times) and schedule
// verification (static times): the pieces depend only on the file order of
// the accesses, not on their times. Internal to the simulator.
#ifndef LMC_SIMULATOR_SRC_MEMORY_H
#define LMC_SIMULATOR_SRC_MEMORY_H

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "runtime/format/Reader.h"
#include "simulator/src/Geometry.h"

namespace lmc::sim::mem {

// The history of the bytes of one piece.
struct PieceState {
  int32_t writer = -1;   // instruction; -1: never written (initial zeros)
  int32_t vreader = -1;  // the reader since the write with the latest static end
  int32_t rlast = -1;    // the reader since the write that finishes last (at rEnd)
  uint64_t wEnd = 0, rEnd = 0;  // simulated: write finish, last read finish
  uint64_t vwEnd = 0, vrEnd = 0;  // static: write end, last read end
};

// A distinct operand region of the stream, decoded once per run: its boxes
// and, for a one-box region, the piece last found equal to it (valid while
// that slot's generation is unchanged: the piece still has this box).
struct RegionInfo {
  format::Region region;
  uint64_t hash = 0;     // regionHash(region)
  uint32_t box0 = 0, numBoxes = 0;  // into AccessList::boxPool
  uint64_t key = 0;      // the hash of its box when it is the only one
  uint64_t bytes = 0;    // of that box
  uint32_t slot = UINT32_MAX, gen = 0;
  uint64_t noneSince = 0;  // 1 + the space's version when no piece equalled it
  unsigned space = 0;      // memory-map index
};

struct Access {
  unsigned space;  // memory-map index
  bool write;
  const geom::Box *boxes = nullptr;  // numBoxes canonical disjoint boxes
  uint32_t numBoxes = 0;
  uint64_t key = 0;  // the hash of boxes[0] when it is the only box
  RegionInfo *info = nullptr;
  // The tracker's candidates for a one-box access, while its space is
  // unchanged.
  mutable uint64_t version = ~uint64_t(0);
  mutable bool exact = false;
  mutable std::vector<uint32_t> cand;
};

// The SRAM offsets where chips 1, 2, ... of a multi-chip file begin
// (Metadata.chip_memory, F19), and the chip whose range holds `offset`.
std::vector<uint64_t> chipSramStarts(const format::Metadata &meta);
uint32_t chipAt(const std::vector<uint64_t> &starts, uint64_t offset);

// Memory-map index of a region: sram 0, dram 1, state 2, IO buffer b at
// 3 + b; -1 for read-only constants (no dependences).
inline int spaceIndex(const format::Region &r) {
  switch (static_cast<format::Space>(r.space)) {
  case format::Space::Const:
    return -1;
  case format::Space::Sram:
    return 0;
  case format::Space::Dram:
    return 1;
  case format::Space::State:
    return 2;
  case format::Space::Io:
    return 3 + static_cast<int>(r.buffer);
  }
  return -1;
}

// The accesses of one instruction (the vectors are kept across
// instructions), and the run's distinct regions, found by hash (streams
// reuse their buffers' regions over and over).
struct AccessList {
  std::vector<Access> items;
  size_t count = 0;
  std::vector<RegionInfo> regions;
  std::vector<uint32_t> table;     // open addressing: region index + 1, 0 empty
  std::vector<geom::Box> boxPool;
  geom::Boxes scratch;
  std::vector<uint32_t> ids;
  const Access *begin() const { return items.data(); }
  const Access *end() const { return items.data() + count; }
};

// The accesses of an instruction's operands outside `const`, outputs first.
void collectAccesses(const format::InstructionView &inst, AccessList &out);

// The same in two steps: interns the operands' regions in `out`, appending
// one id per access (region index << 1 | write) to `ids`; then makes the
// accesses of `count` such ids the current ones (out.items).
void internAccesses(const format::InstructionView &inst, AccessList &out,
                    std::vector<uint32_t> &ids);
void setAccesses(const uint32_t *ids, size_t count, AccessList &out);

struct Violation {
  bool found = false;
  bool byReader = false;  // write access: a reader (else the writer) still uses the bytes
  int32_t other = -1;
  uint64_t until = 0;  // static cycle
};

class Tracker {
public:
  // `spaceBytes`: the size of each memory space (by spaceIndex; it sets the
  // zones of its strided pieces, a hint: bytes beyond it are tracked too).
  // With `instructions` > 0, SRAM occupancy is recorded (timing) in born
  // and dies: in `occupancy` (2 * instructions zeroed values, the caller's)
  // when given.
  Tracker(const std::vector<uint64_t> &spaceBytes, size_t instructions,
          uint64_t *occupancy = nullptr);

  // The latest simulated finish among the pieces `a` depends on (the last
  // writer of its bytes and, for a write, the readers since), at least
  // `floor`; with `v`, also what firstViolation(a, c) gives, in the same
  // pass over the pieces. When the result exceeds `floor`, `*by` (if given)
  // is set to the instruction that finishes then (the lowest index among
  // those that do, so that the answer depends on the bytes' histories, not
  // on how they are cut into pieces); a piece finishing at `floor` exactly
  // takes `*by` when its instruction has a lower index.
  uint64_t ready(const Access &a, uint64_t floor, uint64_t c = 0, Violation *v = nullptr,
                 int32_t *by = nullptr);

  // Verification at static cycle `c`: the piece holding the lowest byte of
  // `a` whose writer (or, for a write, readers since) end after `c`.
  Violation firstViolation(const Access &a, uint64_t c);

  void read(const Access &a, int32_t index, uint64_t simEnd, uint64_t staticEnd);
  void write(const Access &a, int32_t index, uint64_t simEnd, uint64_t staticEnd);
  // Ends the run: the SRAM bytes still held die.
  void flush();

  // Period replay (Replay.h). One piece of state: its bytes and history.
  struct Piece {
    geom::Box box;
    PieceState st;
  };
  // Appends the pieces that may meet `b` in memory-map space `space` (all
  // that do and perhaps others near it), whole, except those appended since
  // the last newSnapshot(); returns how many it examined.
  size_t snapshot(unsigned space, const geom::Box &b, std::vector<Piece> &out);
  void newSnapshot() { ++snapshot_; }
  // Makes the bytes of `b` have the histories of `pieces` (disjoint, within
  // b, covering the bytes of b that have one), with no occupancy effect.
  void assign(unsigned space, const geom::Box &b, const Piece *pieces, size_t count);
  // A piece's SRAM bytes counted in born/dies (dead pieces).
  struct Death {
    int32_t writer, last;
    uint64_t bytes;
  };
  // While set, every SRAM death is also appended here.
  void setDeathLog(std::vector<Death> *log) { deathLog_ = log; }

  // A written SRAM byte is live from its writer's issue to the finish of its
  // last reader before it is overwritten (or the write's finish when never
  // read): born[i], the bytes that become live at instruction i's issue;
  // dies[i], those that die at its finish (`instructions` values each).
  uint64_t *born = nullptr, *dies = nullptr;
  // A multi-chip file: `starts` are the SRAM offsets where chips 1, 2, ...
  // begin; born and dies are then also split by the chip whose SRAM range
  // holds the bytes: chipBorn[chip][i], chipDies[chip][i].
  void setChipStarts(std::vector<uint64_t> starts);
  std::vector<std::vector<uint64_t>> chipBorn, chipDies;

private:
  // The pieces of one memory space, in reusable slots. An exact-box hash
  // finds the piece equal to an access (then the only one it can meet: the
  // pieces are disjoint). Contiguous pieces, disjoint intervals, sit in an
  // ordered map by their end (a write over the start of a run leaves the
  // rest's entry in place); strided ones in packed arrays scanned by span
  // and by residue (a box whose strides are multiples of its finest stride
  // s1 has all its bytes within `len` bytes after base, modulo s1).
  struct Store {
    std::vector<geom::Box> box;
    std::vector<PieceState> st;
    std::vector<uint64_t> key;   // hash of the box
    std::vector<int32_t> where;  // packed position; kContiguous; kFree
    std::vector<uint32_t> gen;   // changes whenever the slot's box does (or it is freed)
    std::vector<uint32_t> freeSlots;
    size_t live = 0;
    absl::btree_map<uint64_t, std::pair<uint64_t, uint32_t>> runs;  // contiguous: end -> base, slot
    std::vector<uint32_t> slotOf;              // packed strided pieces
    std::vector<uint64_t> lo, hi, s1, r1, len;
    // The strided pieces again by zone (2^zoneBits bytes, about 1/64 of the
    // space: on a 7B decode step's State space, one layer's KV caches, so
    // that an access to one layer's cache does not scan every layer's
    // pieces): a piece whose span lies in one zone is listed there, a wider
    // one in `wide`. zone[slot], zonePos[slot]: its list (kNoZone: wide)
    // and its place in it.
    unsigned zoneBits = 0;
    absl::flat_hash_map<uint64_t, std::vector<uint32_t>> zones;
    std::vector<uint32_t> wide;
    std::vector<uint64_t> zone;
    std::vector<uint32_t> zonePos;
    // Open addressing: box hash -> slot + 1 (0 empty, kTomb removed).
    std::vector<uint32_t> table;
    size_t used = 0;  // occupied or removed entries
    uint64_t version = 0;  // changes whenever a piece is placed or unplaced
    std::vector<uint32_t> snapped;  // by slot: the snapshot that last took it
  };
  uint32_t add(Store &s, const geom::Box &b, const PieceState &st);
  void remove(Store &s, uint32_t slot);
  void reshape(Store &s, uint32_t slot, const geom::Box &b);
  void place(Store &s, uint32_t slot);
  void unplace(Store &s, uint32_t slot);
  int64_t find(const Store &s, const geom::Box &b, uint64_t key) const;
  // The piece equal to a one-box access, or -1.
  int64_t exactSlot(const Store &s, const Access &a) const;
  void remember(const Store &s, const Access &a, uint32_t slot) const;
  void index(Store &s, uint32_t slot);
  void unindex(Store &s, uint32_t slot);
  void rehash(Store &s);
  // The slots whose pieces may meet `b` (a superset of those that do), or
  // the one equal to b (exact_).
  void candidates(const Store &s, const geom::Box &b, uint64_t key, bool tryExact);
  const std::vector<uint32_t> &candidates(const Store &s, const Access &a, const geom::Box &b);
  bool contiguousIn(const Store &s, uint64_t lo, uint64_t hi, size_t limit);
  // Lists strided piece `slot`, spanning [lo, hi), in its zone (or wide);
  // unlists it.
  void zoneAdd(Store &s, uint32_t slot, uint64_t lo, uint64_t hi);
  void zoneRemove(Store &s, uint32_t slot);
  void dead(const PieceState &st, uint64_t bytes, uint64_t base);
  // Takes the bytes of `b` out of the pieces `cands` (removing those it
  // covers, cutting the others to what lies outside it); with `credit`,
  // their SRAM bytes die (dead()).
  void cut(Store &s, const std::vector<uint32_t> &cands, const geom::Box &b, bool credit);
  std::vector<uint64_t> chipStarts_;
  std::vector<Death> *deathLog_ = nullptr;
  uint32_t snapshot_ = 1;  // the current snapshot (Store::snapped)

  std::vector<Store> spaces_;
  bool sram_;
  size_t instructions_;
  std::unique_ptr<uint64_t[]> occupancy_;  // born and dies, when the tracker's own
  std::vector<uint32_t> cand_;
  bool exact_ = false;
  geom::Boxes inter_, diff_, gaps_, next_;
  std::vector<uint32_t> inside_;
  std::vector<std::pair<uint64_t, uint64_t>> runScratch_;
  std::vector<std::pair<uint32_t, uint32_t>> zoneScratch_;  // (packed position, slot)
};

}  // namespace lmc::sim::mem

#endif  // LMC_SIMULATOR_SRC_MEMORY_H
