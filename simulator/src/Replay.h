// Period replay (docs/simulator.md, "Period replay"): the stretch of an
// instruction stream that repeats (a decoder's layers), and the memory side:
// Simulator.cpp simulates a period, the Replayer checks that the memory
// histories the next period meets are the same ones shifted, and the
// simulator then reuses the period's dependence results for the periods
// after it. Internal to the simulator.
#ifndef LMC_SIMULATOR_SRC_REPLAY_H
#define LMC_SIMULATOR_SRC_REPLAY_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/format/Reader.h"
#include "simulator/src/Arena.h"
#include "simulator/src/Memory.h"

namespace lmc::sim::replay {

// Memory-map spaces (mem::spaceIndex) whose operands may move from period
// to period: sram, dram, state and the first 13 IO buffers (an output
// written tile after tile, as logits are). Later IO buffers must not.
inline constexpr int kMovable = 16;

// `count` periods of `length` instructions from `start`: record
// start + k * length + j equals record start + j except for its location,
// its static cycle (k * cycleShift later) and its operands' offsets, which
// are k * shift[space] further in the movable spaces, equal in the other
// IO buffers and, in const, equal unless `anyConstOffset` (then also the
// const buffer, its slice, may differ). count is 0 when nothing repeats at
// least three times. The `tail` records after the run repeat a period's
// first ones in the same way but do not fill one.
struct Periods {
  size_t start = 0, length = 0, count = 0, tail = 0;
  uint64_t cycleShift = 0;
  int64_t shift[kMovable] = {};
  size_t end() const { return start + count * length; }  // of the run, before the tail
};

// The records of a stream by shape. Two records have the same shape when
// they are equal but for their location, their static cycle and their
// operands' offsets in the movable spaces (with `anyConstOffset`, also the
// offsets and slices of their const operands): what may change from period
// to period but the shifts. Each record is compared with one of its shape
// seen before, in the pass that decodes the stream; periods are then found
// on shape ids and offsets, without reading the records again.
class Shapes {
public:
  // Its arrays by record come from `arena`.
  Shapes(const format::BinFile &file, bool anyConstOffset, Arena &arena);
  // The arena bytes a record takes: its shape, its first offset and room
  // for its offsets (more are taken from the heap).
  static constexpr unsigned kOffsetsPerRecord = 3;
  static constexpr size_t kBytesPerRecord =
      2 * sizeof(uint32_t) + kOffsetsPerRecord * sizeof(uint64_t);
  // Record i's shape, i being the next record (every record is added, in
  // order); `isNew` when no earlier record has it.
  uint32_t add(size_t i, bool &isNew);
  size_t records() const { return records_; }
  uint32_t of(size_t i) const { return of_[i]; }
  // Record i's offsets in the movable spaces, in operand order; the spaces
  // of those operands of a shape; the spaces as a mask (bit kMovable too,
  // for the static cycle).
  const uint64_t *offsets(size_t i) const { return offsets_ + first_[i]; }
  const uint8_t *spaces(uint32_t shape) const { return spaces_.data() + shapes_[shape].spaces; }
  unsigned movable(uint32_t shape) const { return shapes_[shape].movable; }
  unsigned mask(uint32_t shape) const { return shapes_[shape].mask; }

private:
  struct Shape {
    uint32_t record;   // the first record of this shape
    uint32_t flags;    // into flags_: per operand, kFreeSlice | kFixedOffset
    uint32_t spaces;   // into spaces_ and operands_
    uint16_t movable;  // operands in the movable spaces
    uint32_t mask;
  };
  static constexpr uint8_t kFreeSlice = 1;    // a const operand's slice may change
  static constexpr uint8_t kFixedOffset = 2;  // the offset may not
  struct Slot {
    uint64_t hash;
    uint32_t shape;  // UINT32_MAX: empty
  };
  [[gnu::always_inline]] bool same(const Shape &shape, const format::InstructionView &b) const;
  // An operand's flags: what of its head and offset a shape holds.
  uint8_t flagsOf(const format::Region &r) const;
  uint64_t hash(const format::InstructionView &inst) const;
  uint32_t insert(size_t i, uint64_t h);
  void put(const Slot &e);  // e into the first free slot at or after its hash

  const std::vector<format::InstructionView> &insts_;
  bool anyConstOffset_;
  size_t records_;
  // By record (from the arena): the shape, the first of its offsets.
  uint32_t *of_, *first_;
  uint64_t *offsets_;
  std::unique_ptr<uint64_t[]> grown_;  // offsets_ once it outgrows the arena's
  size_t used_ = 0, capacity_ = 0;  // offsets_ written, allocated
  // By shape: each operand's flags; the movable operands' spaces and
  // indices.
  std::vector<uint8_t> flags_, spaces_, operands_;
  std::vector<Shape> shapes_;
  std::vector<Slot> table_;
  static constexpr unsigned kMemos = 64;  // the last shape by opcode
  uint32_t memo_[kMemos];
};

// The longest periodic stretch through the middle record of records
// [from, to) (`cycles`: the records' static cycles).
Periods findPeriods(const Shapes &shapes, const uint64_t *cycles, size_t from, size_t to);

// The periodic stretches of the stream to replay, in order: the longest
// through the middle record (a decoder's layers), and others of at least
// kMinStretch records before and after it, or in the stream's halves where
// none passes through the middle (an output projection's tiles).
std::vector<Periods> findStretches(const Shapes &shapes, const uint64_t *cycles);
inline constexpr size_t kMinStretch = 64;

// Whether a history entry's instruction is recent (at or after `from`):
// recent entries move with the periods, older ones stay.
inline bool isRecent(int32_t index, size_t from) { return index >= 0 && size_t(index) >= from; }

// The memory side of replay. Period r (0-based, from Periods.start) is
// simulated in full between before(r) and after(r); after(r) is true when
// the histories the next period meets on its bytes are those period r met,
// shifted: each history entry by `length` instructions (and by delta()
// cycles, and cycleShift static cycles) when it is recent (an instruction
// at or after recentFrom(), at most a period before period r), and
// unchanged when it is older, too early to matter (finishing before any
// unit the period uses frees, static end before its first static cycle).
// The tracker then answers the later periods as it did period r, shifted:
// the simulator reuses those answers, and graft() gives the tracker the
// histories the last period leaves.
class Replayer {
public:
  static constexpr size_t kAttempts = 4;  // periods tried as the reference
  // `first[i]`, `end[i]`: instruction i's access ids in `ids`.
  // `staticTimes`: the tracker records static ends (verification); else
  // they are all 0.
  Replayer(const Periods &periods, bool staticTimes, mem::Tracker &tracker,
           const mem::AccessList &accesses, const std::vector<uint32_t> &ids,
           const uint32_t *first, const uint32_t *end);
  // Period 0's bytes (its accesses interned).
  void takeFootprint();
  // At the start of period r: `unitsFree`, the least free cycle of the
  // instances of the unit kinds it uses; `leastStatic`, its least static
  // cycle.
  void before(size_t r, uint64_t unitsFree, uint64_t leastStatic);
  // In period r, after its first `tail` instructions (Periods::tail > 0).
  void middle(size_t r);
  bool after(size_t r);
  // After a true after(r): whether the tail may be replayed too, as the
  // first instructions of one more period (its bytes in moving spaces
  // have period r's histories from before it, like every later period's).
  bool tailRepeats() const { return tailRepeats_; }
  int64_t delta() const { return delta_; }
  size_t recentFrom() const { return recentFrom_; }
  // The tracker as the last period of the run leaves it or, with `tail`,
  // as the tail leaves it, for instructions laterFrom to laterEnd (their
  // accesses interned) after the run or the tail.
  void graft(size_t laterFrom, size_t laterEnd, bool tail);

private:
  struct Foot {
    unsigned space;
    geom::Box box;
  };
  // The pieces that may meet the footprint, whole, each once, by space and
  // box.
  struct Entry {
    unsigned space;
    mem::Tracker::Piece piece;
  };
  using Snapshot = std::vector<Entry>;
  int64_t shiftOf(unsigned space) const {
    return space < unsigned(kMovable) ? periods_.shift[space] : 0;
  }
  geom::Box moved(const Foot &f, size_t m) const;
  // False (and no more replay) once the snapshots have examined more
  // pieces than the budget: snapshots that cost more than the tracking
  // they would save.
  bool snap(size_t k, bool movingOnly, Snapshot &out);
  // Whether `y` is `x` shifted by m periods (recent entries from `from`).
  bool mirrors(const mem::Tracker::Piece &x, const mem::Tracker::Piece &y, unsigned space,
               size_t m, size_t from) const;
  mem::Tracker::Piece mirrored(const mem::Tracker::Piece &x, unsigned space, size_t m,
                               size_t from) const;
  bool findDelta(const Snapshot &x, const Snapshot &y);
  // Whether any history entry of `p` is recent (from `from` on).
  static bool recent(const mem::PieceState &p, size_t from);
  std::vector<mem::Tracker::Piece> scratch_;

  Periods periods_;
  mem::Tracker &tracker_;
  const mem::AccessList &accesses_;
  const std::vector<uint32_t> &ids_;
  const uint32_t *first_, *end_;
  std::vector<Foot> feet_;
  Snapshot before_, after_, middle_;  // middle_: period r after its first `tail`
  bool beforeValid_ = false, afterValid_ = false, middleValid_ = false, tailRepeats_ = false;
  size_t budget_ = 0;  // pieces the snapshots may still examine
  size_t r_ = 0, recentFrom_ = 0;
  uint64_t unitsFree_ = 0, leastStatic_ = 0;
  int64_t delta_ = 0;
};

}  // namespace lmc::sim::replay

#endif  // LMC_SIMULATOR_SRC_REPLAY_H
