// The machine model: per-unit-instance issue, memory dependences, DRAM
// bandwidth sharing, SRAM occupancy, energy; schedule verification; and
// functional execution with the runtime kernels in simulated order.
#include "simulator/Simulator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <new>

#include "absl/strings/str_cat.h"
#include "runtime/format/CostModel.h"
#include "runtime/format/TargetLoader.h"
#include "runtime/kernels/Half.h"
#include "runtime/kernels/Kernels.h"
#include "simulator/src/Arena.h"
#include "simulator/src/Dram.h"
#include "simulator/src/Links.h"
#include "simulator/src/Memory.h"
#include "simulator/src/Replay.h"
#include "simulator/src/Sram.h"
#include "simulator/src/Sweep.h"

namespace lmc::sim {
namespace {

using format::BinFile;
using format::DType;
using format::InstructionView;
using format::Region;
using format::Space;
using format::Target;

constexpr int kNumUnitKinds = 8;    // format::UnitKind values 0..6

bool unitKindOf(format::Unit unit, format::UnitKind &kind) {
  switch (unit) {
  case format::Unit::Cpu: kind = format::CPU; return true;
  case format::Unit::Dma: kind = format::DMA; return true;
  case format::Unit::Mxm: kind = format::MXM; return true;
  case format::Unit::Vxm: kind = format::VXM; return true;
  case format::Unit::Sxm: kind = format::SXM; return true;
  case format::Unit::C2c: kind = format::C2C; return true;
  case format::Unit::Ctrl: return false;
  }
  return false;
}

std::string describe(const BinFile &file, size_t index) {
  const InstructionView &inst = file.instructions()[index];
  return absl::StrCat("instruction ", index, " '", format::opcodeInfo(inst.opcode()).mnemonic,
                      "' (", file.describeLocation(inst.header->location), ")");
}

// The target's unit spec of each kind (null where it has none).
void unitTable(const Target &target, const format::UnitSpec *(&specs)[kNumUnitKinds]) {
  for (auto &s : specs)
    s = nullptr;
  for (const format::UnitSpec &u : target.units())
    if (u.kind() >= 0 && u.kind() < kNumUnitKinds)
      specs[u.kind()] = &u;
}

absl::Status missingUnit(const BinFile &file, const Target &target, size_t i);

// The unit kind instruction i issues on, or an error when the target lacks it.
absl::Status unitKind(const BinFile &file, const Target &target,
                      const format::UnitSpec *const (&specs)[kNumUnitKinds], size_t i,
                      format::UnitKind &kind) {
  const format::Unit unit = static_cast<format::Unit>(file.instructions()[i].header->unit);
  if (unitKindOf(unit, kind) && specs[kind] && specs[kind]->count() != 0)
    return absl::OkStatus();
  return missingUnit(file, target, i);
}

absl::Status missingUnit(const BinFile &file, const Target &target, size_t i) {
  const format::Unit unit = static_cast<format::Unit>(file.instructions()[i].header->unit);
  return absl::FailedPreconditionError(
      absl::StrCat(file.path(), ": ", describe(file, i), " issues on unit '",
                   format::unitName(unit), "', which target '", target.name(),
                   "' does not have (or has 0 of); check the target or --set overrides"));
}

// The unit spec of each kind the file's instructions use, or an error.
absl::Status unitSpecs(const BinFile &file, const Target &target,
                       const format::UnitSpec *(&specs)[kNumUnitKinds],
                       std::vector<uint8_t> &kinds) {
  unitTable(target, specs);
  const size_t n = file.instructions().size();
  kinds.resize(n);
  for (size_t i = 0; i < n; ++i) {
    format::UnitKind kind = format::UNIT_UNSPECIFIED;
    if (absl::Status s = unitKind(file, target, specs, i, kind); !s.ok())
      return s;
    kinds[i] = static_cast<uint8_t>(kind);
  }
  return absl::OkStatus();
}

format::InstructionCost costOf(const Target &target, const InstructionView &inst,
                               format::UnitKind kind, const format::ChipTransfer *transfer) {
  format::InstructionCost c = format::instructionCost(target, inst.opcode(), inst.operands,
                                                      inst.header->numOperands, kind, transfer);
  c.cycles = std::max<uint64_t>(c.cycles, 1);
  return c;
}

bool sameWords(const uint64_t *a, const uint64_t *b, size_t n) {
  uint64_t d = 0;
  for (size_t i = 0; i < n; ++i)
    d |= a[i] ^ b[i];
  return d == 0;
}

// What the timing model takes from the cost model for one instruction.
struct CostInfo {
  format::InstructionCost cost;
  uint8_t rateType = 0;    // the dtype its energy rates are looked up by
  uint64_t linkBytes = 0;  // C2C: the bytes it sends (operand 0)
  uint16_t linkTo = 0;     // C2C: the chip it sends to (its destination's SRAM)
};

// Costs of instructions by what the cost model reads: the opcode, the unit
// kind and each operand's space, dtype and shape (not its offset or
// strides), and for a C2C instruction of a multi-chip file the chips it
// joins (its own and its destination's, F19). Streams repeat a few shapes
// many times.
class CostCache {
public:
  CostCache(const Target &target, const format::Metadata &meta)
      : target_(target), table_(size_t(1) << kTableBits),
        chips_(std::max<uint32_t>(meta.chips(), 1)), chipStarts_(mem::chipSramStarts(meta)) {}
  const CostInfo &operator[](uint32_t id) const { return infos_[id]; }
  format::InstructionCost get(const InstructionView &inst, format::UnitKind kind) {
    return infos_[id(inst, kind)].cost;
  }
  // The index of the instruction's costs.
  uint32_t id(const InstructionView &inst, format::UnitKind kind) {
    uint64_t key[1 + 255 * (1 + format::kMaxRank)];
    size_t len = 0;
    const unsigned n = inst.header->numOperands;
    key[len++] = uint64_t(inst.header->opcode) | uint64_t(kind) << 16 | uint64_t(n) << 24;
    for (unsigned k = 0; k < n; ++k) {
      const Region &r = inst.operands[k];
      key[len++] = uint64_t(r.space) | uint64_t(r.dtype) << 8 | uint64_t(r.rank) << 16;
      for (unsigned d = 0; d < r.rank; ++d)
        key[len++] = uint64_t(r.shape[d]);
    }
    if (kind == format::C2C && chips_ > 1)
      key[len++] = uint64_t(inst.header->chip) | uint64_t(destinationChip(inst)) << 16;
    // The last key of this opcode first: streams run the same shapes in a
    // row (tile after tile).
    Memo &memo = memo_[inst.header->opcode % kMemos];
    if (memo.length == len && sameWords(key, memo.key, len))
      return memo.id;
    const uint32_t id = lookup(inst, kind, key, len);
    if (len <= kMemoWords) {
      std::copy(key, key + len, memo.key);
      memo.length = len;
      memo.id = id;
    }
    return id;
  }

private:
  uint32_t lookup(const InstructionView &inst, format::UnitKind kind, const uint64_t *key,
                  size_t len) {
    // Multiplicative hash; the slot is its top bits, which depend on every
    // word.
    constexpr uint64_t kMul = 0xBF58476D1CE4E5B9ull;
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (size_t k = 0; k < len; ++k)
      h = (h ^ key[k]) * kMul;
    const size_t mask = table_.size() - 1;
    for (size_t slot = size_t(h >> (64 - kTableBits));; slot = (slot + 1) & mask) {
      Entry &e = table_[slot];
      if (e.length == 0) {
        const uint32_t id = uint32_t(infos_.size());
        infos_.push_back(compute(inst, kind));
        if (2 * (entries_ + 1) > table_.size())
          return id;  // full enough: do not cache more
        e.hash = h;
        e.offset = pool_.size();
        e.length = len;
        e.id = id;
        pool_.insert(pool_.end(), key, key + len);
        ++entries_;
        return id;
      }
      if (e.hash == h && e.length == len && sameWords(key, pool_.data() + e.offset, len))
        return e.id;
    }
  }

  // The chip whose SRAM range holds a C2C instruction's destination; its
  // own chip when that is not in SRAM.
  uint32_t destinationChip(const InstructionView &inst) const {
    if (inst.header->numOperands == 0 || static_cast<Space>(inst.operands[0].space) != Space::Sram)
      return inst.header->chip;
    return mem::chipAt(chipStarts_, inst.operands[0].offset);
  }

  CostInfo compute(const InstructionView &inst, format::UnitKind kind) const {
    CostInfo c;
    format::ChipTransfer transfer;
    const bool c2c = kind == format::C2C && chips_ > 1;
    if (c2c) {
      transfer = {inst.header->chip, destinationChip(inst), chips_};
      c.linkTo = uint16_t(transfer.to);
    }
    c.cost = costOf(target_, inst, kind, c2c ? &transfer : nullptr);
    c.rateType = static_cast<uint8_t>(
        format::computeDType(inst.opcode(), inst.operands, inst.header->numOperands));
    if (c.rateType > format::kMaxDType)
      c.rateType = 0;  // invalid: "?", like dtypeName
    if (kind == format::C2C)
      c.linkBytes = format::regionBytes(inst.operands[0]);
    return c;
  }
  static constexpr int kTableBits = 10, kMemos = 64, kMemoWords = 32;
  struct Memo {
    uint64_t key[kMemoWords];
    size_t length = 0;  // 0: none
    uint32_t id = 0;
  };
  Memo memo_[kMemos];
  struct Entry {
    uint64_t hash = 0;
    size_t offset = 0, length = 0;  // length 0: empty
    uint32_t id = 0;
  };
  const Target &target_;
  std::vector<Entry> table_;
  uint32_t chips_;
  std::vector<uint64_t> chipStarts_;  // sram_offset of chips 1, 2, ...
  std::vector<uint64_t> pool_;
  std::vector<CostInfo> infos_;
  size_t entries_ = 0;
};

double rateFor(const google::protobuf::RepeatedPtrField<format::Rate> &rates, DType dtype) {
  const char *name = format::dtypeName(dtype);
  double star = 0;
  for (const format::Rate &r : rates) {
    if (r.dtype() == name)
      return r.per_cycle();
    if (r.dtype() == "*")
      star = r.per_cycle();
  }
  return star;
}

uint64_t tensorBytes(const format::TensorInfo &t, uint64_t *count = nullptr) {
  uint64_t n = 1;
  for (int64_t d : t.shape())
    n *= static_cast<uint64_t>(d);
  if (count)
    *count = n;
  return n * format::dtypeSize(static_cast<DType>(t.dtype()));
}

// Zero-filled memory that reports allocation failure.
struct Bytes {
  uint8_t *data = nullptr;
  uint64_t size = 0;
  ~Bytes() { std::free(data); }
  bool allocate(uint64_t n) {
    data = static_cast<uint8_t *>(std::calloc(n ? n : 1, 1));
    size = n;
    return data != nullptr;
  }
};

absl::Status runFunctional(const BinFile &file, const std::vector<size_t> &order,
                           const Options &options, Result &result) {
  const format::Metadata &m = file.metadata();
  if (m.weights_absent())
    return absl::FailedPreconditionError(absl::StrCat(
        file.path(), ": compiled with --no-weights: functional simulation needs the weights; "
                     "simulate without --functional for timing only"));
  Bytes sram, dram, state;
  if (!sram.allocate(m.sram_bytes()) || !dram.allocate(m.dram_bytes()) ||
      !state.allocate(m.state_bytes()))
    return absl::ResourceExhaustedError(
        absl::StrCat(file.path(), ": cannot allocate the simulated memory (",
                     m.sram_bytes() + m.dram_bytes() + m.state_bytes(), " bytes)"));
  const format::IoSignature &io = file.io();
  size_t numInputs = static_cast<size_t>(io.inputs_size());
  std::vector<std::vector<uint8_t>> buffers;
  for (size_t i = 0; i < numInputs; ++i) {
    uint64_t count;
    uint64_t bytes = tensorBytes(io.inputs(int(i)), &count);
    if (i < options.inputs.size() && !options.inputs[i].empty()) {
      if (options.inputs[i].size() != bytes)
        return absl::InvalidArgumentError(
            absl::StrCat(file.path(), ": input '", io.inputs(int(i)).name(), "' takes ", bytes,
                         " bytes, got ", options.inputs[i].size()));
      buffers.push_back(options.inputs[i]);
    } else {
      // A KV-cache decoder's position must lie in its cache: position 0.
      const format::Metadata &meta = file.metadata();
      if (meta.has_kv_cache() && io.inputs(int(i)).name() == meta.kv_cache().position_input())
        buffers.emplace_back(bytes, 0);
      else
        buffers.push_back(
            randomTensor(static_cast<DType>(io.inputs(int(i)).dtype()), count, uint32_t(i)));
    }
  }
  for (const format::TensorInfo &t : io.outputs())
    buffers.emplace_back(tensorBytes(t), 0);
  uint8_t *bases[format::kNumSpaces] = {const_cast<uint8_t *>(file.constants()), sram.data,
                                        dram.data, state.data, nullptr};
  kernels::TensorRef refs[256];
  const auto &insts = file.instructions();
  for (size_t index : order) {
    const InstructionView &inst = insts[index];
    unsigned n = inst.header->numOperands;
    for (unsigned k = 0; k < n; ++k) {
      const Region &r = inst.operands[k];
      uint8_t *base = static_cast<Space>(r.space) == Space::Io ? buffers[r.buffer].data()
                                                               : bases[r.space];
      refs[k] = kernels::makeTensorRef(r, base);
    }
    absl::Status s = kernels::runKernel(inst.opcode(), refs, n, inst.imms);
    if (!s.ok())
      return absl::Status(s.code(), absl::StrCat(file.path(), ": ", describe(file, index),
                                                 index < result.timings.size()
                                                     ? absl::StrCat(" at simulated cycle ",
                                                                    result.timings[index].issue)
                                                     : std::string(),
                                                 ": ", s.message()));
  }
  result.outputs.assign(buffers.begin() + numInputs, buffers.end());
  result.functional = true;
  return absl::OkStatus();
}

}  // namespace

std::vector<uint8_t> randomTensor(DType dtype, uint64_t count, uint32_t seed) {
  const size_t elem = format::dtypeSize(dtype);
  std::vector<uint8_t> bytes(count * elem, 0);
  uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (uint64_t i = 0; i < count; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint32_t bits = static_cast<uint32_t>(x >> 33);
    const float unit = static_cast<float>(bits) / 2147483648.0f * 2.0f - 1.0f;
    const int64_t id = bits % 100;
    uint8_t *p = bytes.data() + i * elem;
    auto put = [&](auto v) { std::memcpy(p, &v, sizeof(v)); };
    switch (dtype) {
    case DType::F32: put(unit); break;
    case DType::F64: put(static_cast<double>(unit)); break;
    case DType::F16: put(kernels::floatToHalf(unit)); break;
    case DType::BF16: put(kernels::floatToBfloat16(unit)); break;
    case DType::Bool: put(static_cast<uint8_t>(bits & 1)); break;
    case DType::I8: put(static_cast<int8_t>(id)); break;
    case DType::U8: put(static_cast<uint8_t>(id)); break;
    case DType::I16: put(static_cast<int16_t>(id)); break;
    case DType::U16: put(static_cast<uint16_t>(id)); break;
    case DType::I32: put(static_cast<int32_t>(id)); break;
    case DType::U32: put(static_cast<uint32_t>(id)); break;
    case DType::I64: put(static_cast<int64_t>(id)); break;
    case DType::U64: put(static_cast<uint64_t>(id)); break;
    }
  }
  return bytes;
}

namespace {

// Collects violations in order, keeping the first `max` (messages are built
// only for those).
class Reporter {
public:
  explicit Reporter(size_t max) : max_(max) {}
  template <typename Message>
  void add(Violation::Kind kind, size_t index, size_t other, uint64_t cycle, Message message) {
    ++count_;
    if (list_.size() < max_)
      list_.push_back({kind, index, other, cycle, message()});
  }
  uint64_t count() const { return count_; }
  std::vector<Violation> take() { return std::move(list_); }

private:
  size_t max_;
  uint64_t count_ = 0;
  std::vector<Violation> list_;
};

// Unit instances: greedy interval partitioning in static-cycle order finds
// an instance whenever one exists, so a miss means more instructions in
// flight than instances.
void checkUnits(const BinFile &file, const format::UnitSpec *const (&specs)[kNumUnitKinds],
                const uint8_t *kinds, const uint64_t *cycles, const uint64_t *dur, size_t n,
                Reporter &report, const replay::Periods *periods = nullptr) {
  // (static cycle, index) in cycle order, ties in file order: file order
  // itself when the cycles do not decrease.
  std::vector<std::pair<uint64_t, size_t>> order;
  if (!std::is_sorted(cycles, cycles + n)) {
    order.resize(n);
    for (size_t i = 0; i < n; ++i)
      order[i] = {cycles[i], i};
    std::sort(order.begin(), order.end());
  }
  // Each chip has its own instances: slot chip * kNumUnitKinds + kind.
  const auto &records = file.instructions();
  const size_t chips = std::max<size_t>(file.metadata().chips(), 1);
  using Busy = std::pair<uint64_t, size_t>;  // free from, last instruction
  std::vector<std::vector<Busy>> busy(kNumUnitKinds * chips);
  for (size_t chip = 0; chip < chips; ++chip)
    for (int k = 0; k < kNumUnitKinds; ++k)
      if (specs[k])
        busy[chip * kNumUnitKinds + k].assign(specs[k]->count(), {0, SIZE_MAX});
  // Periods (one chip, file order): the records of a period are those of
  // the period before, their static cycles cycleShift later, their
  // durations the same (the costs are shared). Once the instances of the
  // kinds a period uses are, at a period's start, as k periods earlier
  // moved by k periods, and those k periods broke no rule, every later
  // period repeats them: the check jumps to the end of the run.
  const bool fold = periods && periods->count >= 3 && order.empty() && chips == 1;
  const size_t period = fold ? periods->length : 0;
  const size_t runEnd = fold ? periods->start + periods->count * period : 0;
  std::vector<size_t> slots;  // the kinds a period uses
  std::vector<std::vector<Busy>> states;  // at each period's start
  std::vector<uint64_t> reported;         // violations before each period
  if (fold) {
    bool used[kNumUnitKinds] = {};
    for (size_t i = periods->start; i < periods->start + period; ++i)
      used[kinds[i]] = true;
    for (int k = 0; k < kNumUnitKinds; ++k)
      if (used[k])
        slots.push_back(size_t(k));
  }
  // State `a` moved k periods, into `out`; false if an instance is unused.
  auto moved = [&](const std::vector<Busy> &a, size_t k, std::vector<Busy> &out) {
    out = a;
    for (Busy &b : out) {
      if (b.second == SIZE_MAX)
        return false;
      b.first += k * periods->cycleShift;
      b.second += k * period;
    }
    return true;
  };
  size_t boundary = fold ? periods->start : SIZE_MAX;  // the next period start
  std::vector<Busy> shifted;
  for (size_t at = 0; at < n; ++at) {
    if (at == boundary) {
      const size_t m = (at - periods->start) / period;
      states.emplace_back();
      for (size_t slot : slots)
        states.back().insert(states.back().end(), busy[slot].begin(), busy[slot].end());
      reported.push_back(report.count());
      boundary = m + 1 < periods->count ? at + period : SIZE_MAX;
      for (size_t k = 1; k <= 4 && k <= m; ++k) {
        if (reported[m] != reported[m - k] || !moved(states[m - k], k, shifted) ||
            shifted != states[m])
          continue;
        for (size_t q = m + 1; q <= periods->count; ++q) {
          moved(states[q - k], k, shifted);
          states.push_back(shifted);
        }
        size_t x = 0;
        for (size_t slot : slots)
          for (Busy &b : busy[slot])
            b = states.back()[x++];
        at = runEnd;
        boundary = SIZE_MAX;
        break;
      }
      if (at == n)
        break;
    }
    const size_t i = order.empty() ? at : order[at].second;
    const uint64_t c = cycles[i];
    auto &inst = busy[chips == 1 ? kinds[i] : size_t(records[i].header->chip) * kNumUnitKinds + kinds[i]];
    size_t best = 0;
    for (size_t j = 1; j < inst.size(); ++j)
      if (inst[j].first < inst[best].first)
        best = j;
    if (inst[best].first > c) {
      const std::pair<uint64_t, size_t> holder = inst[best];
      report.add(Violation::DoubleBooked, i, holder.second, c, [&] {
        return absl::StrCat(describe(file, i), " at cycle ", c, ": every ",
                            format::UnitKind_Name(static_cast<format::UnitKind>(kinds[i])),
                            " instance is busy (e.g. with ", describe(file, holder.second),
                            " until cycle ", holder.first, ")");
      });
    }
    inst[best] = {std::max(inst[best].first, c) + dur[i], i};
  }
}

// Memory rules of the static schedule for instruction `i` (before its
// accesses are applied): no operand read before its last writer finished,
// no bytes overwritten while an earlier reader or writer still uses them.
// found[k]: the tracker's first violation of access k (at static cycle c).
void checkMemory(const BinFile &file, size_t i, uint64_t c, const mem::AccessList &accesses,
                 const std::vector<mem::Violation> &found, Reporter &report) {
  bool reportedRead = false, reportedWrite = false;
  for (size_t k = 0; k < accesses.count; ++k) {
    const mem::Access &a = accesses.items[k];
    if (a.write ? reportedWrite : reportedRead)
      continue;
    const mem::Violation &v = found[k];
    if (!v.found)
      continue;
    const size_t other = size_t(v.other);
    if (!a.write) {
      reportedRead = true;
      report.add(Violation::ReadBeforeWritten, i, other, c, [&] {
        return absl::StrCat(describe(file, i), " at cycle ", c, " reads bytes that ",
                            describe(file, other), " writes until cycle ", v.until);
      });
    } else {
      reportedWrite = true;
      report.add(Violation::OverwrittenWhileLive, i, other, c, [&] {
        return v.byReader
                   ? absl::StrCat(describe(file, i), " at cycle ", c, " overwrites bytes that ",
                                  describe(file, other), " reads until cycle ", v.until)
                   : absl::StrCat(describe(file, i), " at cycle ", c, " overwrites bytes that ",
                                  describe(file, other), " is still writing until cycle ",
                                  v.until);
      });
    }
  }
}

// The size of each memory space, by mem::spaceIndex.
std::vector<uint64_t> spaceBytes(const BinFile &file) {
  const format::Metadata &m = file.metadata();
  std::vector<uint64_t> bytes = {m.sram_bytes(), m.dram_bytes(), m.state_bytes()};
  for (const format::TensorInfo &t : file.io().inputs())
    bytes.push_back(tensorBytes(t));
  for (const format::TensorInfo &t : file.io().outputs())
    bytes.push_back(tensorBytes(t));
  return bytes;
}

// Static durations on the file's own target; false when it has no machine
// model or lacks a unit the instructions use (nothing to verify).
bool staticDurations(const BinFile &file, const format::UnitSpec *(&specs)[kNumUnitKinds],
                     std::vector<uint8_t> &kinds, std::vector<uint64_t> &cycles,
                     std::vector<uint64_t> &dur) {
  const Target &target = file.metadata().target();
  if (target.granularity() != Target::TILE || !unitSpecs(file, target, specs, kinds).ok())
    return false;
  const auto &insts = file.instructions();
  dur.resize(insts.size());
  cycles.resize(insts.size());
  CostCache cache(target, file.metadata());
  for (size_t i = 0; i < insts.size(); ++i) {
    dur[i] = cache.get(insts[i], static_cast<format::UnitKind>(kinds[i])).cycles;
    cycles[i] = insts[i].header->cycle;
  }
  return true;
}

}  // namespace

std::vector<Violation> verifySchedule(const BinFile &file, size_t maxViolations,
                                      uint64_t *total) {
  Reporter report(maxViolations);
  const format::UnitSpec *specs[kNumUnitKinds];
  std::vector<uint8_t> kinds;
  std::vector<uint64_t> cycles, dur;
  if (staticDurations(file, specs, kinds, cycles, dur)) {
    checkUnits(file, specs, kinds.data(), cycles.data(), dur.data(), cycles.size(), report);
    // Memory: in file order (the semantics), each access against the bytes'
    // last writer and readers since.
    const auto &insts = file.instructions();
    mem::Tracker tracker(spaceBytes(file), 0);
    mem::AccessList accesses;
    std::vector<mem::Violation> found;
    for (size_t i = 0; i < insts.size(); ++i) {
      const uint64_t c = insts[i].header->cycle, end = c + dur[i];
      mem::collectAccesses(insts[i], accesses);
      found.assign(accesses.count, mem::Violation());
      for (size_t k = 0; k < accesses.count; ++k)
        found[k] = tracker.firstViolation(accesses.items[k], c);
      checkMemory(file, i, c, accesses, found, report);
      for (const mem::Access &a : accesses)
        if (!a.write)
          tracker.read(a, int32_t(i), 0, end);
      for (const mem::Access &a : accesses)
        if (a.write)
          tracker.write(a, int32_t(i), 0, end);
    }
  }
  if (total)
    *total = report.count();
  return report.take();
}

// The nodes of `byLocation` (indexed by location) that have instructions,
// named from the location table, the 10 with the most cycles first (in
// location order on ties).
std::vector<NodeTime> topNodes(const BinFile &file, const std::vector<NodeTime> &byLocation) {
  // The locations with instructions, most cycles first, ties in location
  // order; names only for the 10 kept.
  std::vector<std::pair<uint64_t, uint32_t>> order;  // (cycles, location)
  for (size_t loc = 0; loc < byLocation.size(); ++loc)
    if (byLocation[loc].instructions)
      order.emplace_back(byLocation[loc].cycles, uint32_t(loc));
  const size_t keep = std::min<size_t>(order.size(), 10);
  std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(keep), order.end(),
                    [](const auto &a, const auto &b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  std::vector<NodeTime> top;
  for (size_t k = 0; k < keep; ++k) {
    const uint32_t loc = order[k].second;
    NodeTime node = byLocation[loc];
    node.location = loc;
    if (loc < size_t(file.locations().locations_size())) {
      node.name = file.locations().locations(int(loc)).node_name();
      node.opType = file.locations().locations(int(loc)).op_type();
    }
    top.push_back(std::move(node));
  }
  return top;
}

// Walks the critical path back from the instruction that finishes last
// (the first of those, in file order) through waitedFor (Result::critical).
// Each instruction waited for an earlier one in file order, so the walk
// ends.
// costOf(i): instruction i's cost; sramExtra: its SRAM slice contention
// (null when SRAM bandwidth is not modelled). The rest of a duration beyond
// both is DRAM contention and link waits.
template <typename CostOf>
void criticalPath(const BinFile &file, Result &result, size_t n, const uint64_t *issue,
                  const uint64_t *finish, const int64_t *waitedFor, const uint8_t *kinds,
                  const uint32_t *loc, bool keepIndices, CostOf costOf,
                  const uint32_t *sramExtra) {
  CriticalPath &path = result.critical;
  if (n == 0)
    return;
  size_t i = 0;
  for (size_t k = 1; k < n; ++k)
    if (finish[k] > finish[i])
      i = k;
  uint64_t byKind[kNumUnitKinds] = {};
  std::vector<NodeTime> nodes;
  for (;;) {
    const uint64_t duration = finish[i] - issue[i];
    ++path.instructions;
    path.busyCycles += duration;
    const format::InstructionCost &cost = costOf(i);
    const uint64_t slices = sramExtra ? sramExtra[i] : 0;
    path.contentionCycles += duration - std::min(duration, cost.cycles + slices);
    path.sramContentionCycles += slices;
    path.sramBoundCycles += cost.sramAdded;
    byKind[kinds[i]] += duration;
    if (loc[i] >= nodes.size())
      nodes.resize(loc[i] + 1);
    ++nodes[loc[i]].instructions;
    nodes[loc[i]].cycles += duration;
    if (keepIndices)
      path.indices.push_back(uint32_t(i));
    const int64_t w = waitedFor[i];
    if (w < 0) {
      path.startCycle = issue[i];
      break;
    }
    const size_t before = size_t(w >> 1);
    ++((w & 1) ? path.unitLinks : path.dependenceLinks);
    path.staticWaitCycles += issue[i] - finish[before];
    i = before;
  }
  std::reverse(path.indices.begin(), path.indices.end());
  for (int k = 0; k < kNumUnitKinds; ++k)
    if (byKind[k])
      path.cyclesByUnit.emplace_back(format::UnitKind_Name(static_cast<format::UnitKind>(k)),
                                     byKind[k]);
  path.topNodes = topNodes(file, nodes);
}

// The SRAM slice groups' figures of the run (Result::sramGroupBytes...).
void sramReport(const Target &target, const sram::Model &model, bool multiChip, Result &result) {
  if (!model.active())
    return;
  const format::SramGroups &g = model.groups();
  const uint32_t slices = std::max<uint32_t>(target.sram().slices(), 1);
  result.sramGroupBytes = g.bytes;
  result.sramGroupBandwidth = g.bytesPerCycle;
  result.sramStripeSlices = g.striped ? g.stripe : slices;
  std::vector<sram::GroupUse> used = model.busiest();
  result.sramGroupsUsed = used.size();
  for (size_t k = 0; k < used.size() && k < 5; ++k)
    result.sramHotGroups.push_back({model.name(used[k].key, multiChip),
                                    format::ceilCycles(used[k].busyCycles),
                                    used[k].instructions});
  const double half = 0.5 * double(result.totalCycles);
  const double aggregate = double(result.sramBytes) / target.sram().bytes_per_cycle() /
                           double(std::max<uint32_t>(result.chips, 1));
  const CriticalPath &path = result.critical;
  if (result.totalCycles && double(path.sramBoundCycles + path.sramContentionCycles) >= half)
    result.sramLimit = !g.striped || aggregate >= half ? "aggregate" : "slice group";
}

namespace {

// The DRAM and SRAM-slice bandwidth steps from some cycle on: what of the
// timing model later transfers read besides the unit instances. Period
// replay compares them from one period to the next and moves them past the
// periods whose transfers it copies.
struct Steps {
  std::vector<dram::Model::Step> dram, sram;
  std::vector<uint32_t> sramCounts;
};

class Bandwidth {
public:
  Bandwidth(dram::Model &dram, sram::Model &sram) : dram_(dram), sram_(sram) {}
  // The steps from `from` on (or from the first one kept).
  void capture(uint64_t from, Steps &s) const {
    s.dram.clear();
    dram_.stepsFrom(from, s.dram);
    if (sram_.active())
      sram_.stepsFrom(from, s.sram, s.sramCounts);
  }
  // Whether `b` is `a` moved `delta` cycles later.
  static bool movedBy(const Steps &a, const Steps &b, uint64_t delta) {
    return a.dram.size() == b.dram.size() &&
           dram::movedBy(a.dram.data(), b.dram.data(), a.dram.size(), delta) &&
           a.sramCounts == b.sramCounts &&
           dram::movedBy(a.sram.data(), b.sram.data(), a.sram.size(), delta);
  }
  // The steps become `s` moved `shift` cycles later (nothing known before).
  void restore(const Steps &s, uint64_t shift) {
    dram_.restore(s.dram.data(), s.dram.size(), shift);
    if (sram_.active())
      sram_.restore(s.sram, s.sramCounts, shift);
  }

private:
  dram::Model &dram_;
  sram::Model &sram_;
};

// One simulation; with `allowReplay`, period replay where the stream
// repeats. When a replayed period's timing does not repeat its reference
// (which the memory checks do not cover: unit, DRAM and SRAM states),
// `replayFailed` is set and the result is incomplete.
absl::StatusOr<Result> simulateOnce(const BinFile &file, const Target &target,
                                    const Options &options, bool allowReplay,
                                    bool &replayFailed) {
  using replay::Replayer;
  Result result;
  // The target may come from a damaged file (its embedded one) or from an
  // API caller: its tables size the unit and chip arrays below.
  if (absl::Status s = format::validateTarget(target, file.path() + "'s target"); !s.ok())
    return s;
  const auto &insts = file.instructions();
  const size_t n = insts.size();
  const format::Metadata &meta = file.metadata();
  result.targetName = target.name();
  result.instructions = n;
  result.scheduleCycles = meta.schedule_cycles();
  result.timed = target.granularity() == Target::TILE && target.clock_mhz() > 0;
  result.clockMhz = target.clock_mhz();
  result.sramCapacity = target.sram().bytes() * std::max<uint32_t>(meta.chips(), 1);
  result.sramPlanned = meta.sram_bytes();
  result.stateBytes = meta.state_bytes();
  result.stateInDram = format::stateInDram(target);
  if (meta.has_kv_cache()) {
    result.decode = true;
    result.seq = static_cast<int64_t>(meta.kv_cache().tokens_per_step());
    result.maxContext = static_cast<int64_t>(meta.kv_cache().max_context());
  } else if (file.io().inputs_size() > 0) {
    const format::TensorInfo &t = file.io().inputs(0);
    if (t.dtype() == static_cast<uint32_t>(DType::I64) && t.shape_size() == 2 && t.shape(0) == 1)
      result.seq = t.shape(1);
  }

  // Functional mode's execution order (file order, then by simulated issue).
  std::vector<size_t> order(options.functional ? n : 0);
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;

  if (result.timed) {
    const format::UnitSpec *specs[kNumUnitKinds];
    unitTable(target, specs);
    // The per-instruction arrays (Arena.h): below, 1 byte-wide, 8 of 8
    // bytes (the tracker's two among them) and 6 of 4, the record shapes'
    // and the SRAM sweep's events (two arrays of 16 bytes); a cache line
    // each for alignment.
    Arena arena(n * (1 + 8 * 8 + 6 * 4 + replay::Shapes::kBytesPerRecord + 2 * 16) +
                20 * Arena::kAlign);
    uint8_t *kinds = arena.take<uint8_t>(n);
    uint64_t *cycles = arena.take<uint64_t>(n);
    // Verification (static schedule, embedded target) runs in the same pass
    // over the memory pieces as the timing model; its unit check after it
    // (its violations are listed first). With the embedded target unchanged
    // the static durations are the simulated costs, taken in the pass.
    const format::UnitSpec *staticSpecs[kNumUnitKinds];
    std::vector<uint8_t> staticKinds;
    std::vector<uint64_t> staticCycles, staticDurs;
    uint64_t *staticDur = nullptr;  // the static durations (verifying)
    const Target &embedded = meta.target();
    const bool sameTarget = target.SerializeAsString() == embedded.SerializeAsString();
    bool verify = false;
    if (options.verify) {
      if (sameTarget)
        verify = target.granularity() == Target::TILE;
      else
        verify = staticDurations(file, staticSpecs, staticKinds, staticCycles, staticDurs);
    }
    if (verify)
      staticDur = sameTarget ? arena.take<uint64_t>(n) : staticDurs.data();
    Reporter memoryReport(options.maxViolations);
    CostCache costCache(target, meta);

    // Unit instances per chip: slot chip * kNumUnitKinds + kind.
    const uint32_t chips = std::max<uint32_t>(meta.chips(), 1);
    result.chips = chips;
    std::vector<std::vector<uint64_t>> freeAt(kNumUnitKinds * size_t(chips));
    int unitIndex[kNumUnitKinds];
    for (int k = 0; k < kNumUnitKinds; ++k) {
      unitIndex[k] = -1;
      if (specs[k]) {
        for (uint32_t chip = 0; chip < chips; ++chip)
          freeAt[chip * kNumUnitKinds + k].assign(specs[k]->count(), 0);
        unitIndex[k] = int(result.units.size());
        UnitStats u;
        u.name = format::UnitKind_Name(static_cast<format::UnitKind>(k));
        u.count = specs[k]->count();
        u.instanceBusy.assign(u.count, 0);
        result.units.push_back(u);
      }
    }
    if (chips > 1) {
      result.chipStats.assign(chips, ChipStats());
      for (uint32_t chip = 0; chip < chips; ++chip) {
        ChipStats &cs = result.chipStats[chip];
        cs.units = result.units;
        if (int(chip) < meta.chip_memory_size()) {
          cs.sramPlanned = meta.chip_memory(int(chip)).sram_bytes();
          cs.residentBytes = meta.chip_memory(int(chip)).resident_bytes();
        }
      }
      for (UnitStats &u : result.units) {
        u.count *= chips;
        u.instanceBusy.assign(u.count, 0);
      }
    }
    dram::Model dram(target.dram().bytes_per_cycle());
    links::Network network(target, chips, options.keepTimings);
    if (absl::Status s = network.check(); !s.ok())
      return absl::FailedPreconditionError(absl::StrCat(file.path(), ": ", s.message()));
    sram::Model sramGroups(target);
    uint32_t *sramExtra = sramGroups.active() ? arena.take<uint32_t>(n) : nullptr;
    mem::Tracker tracker(spaceBytes(file), n, arena.zeroed<uint64_t>(2 * n));
    if (chips > 1)
      tracker.setChipStarts(mem::chipSramStarts(meta));
    // Per instruction: simulated issue and finish.
    uint64_t *issueAt = arena.take<uint64_t>(n), *finishAt = arena.take<uint64_t>(n);
    // What each instruction waited for last (the critical path): an
    // instruction index << 1 | 1 for its unit instance, 0 for an operand;
    // -1 for nothing (it issued at its static cycle with nothing later).
    int64_t *waitedFor = arena.take<int64_t>(n);
    std::vector<std::vector<int32_t>> lastOn(freeAt.size());
    for (size_t k = 0; k < freeAt.size(); ++k)
      lastOn[k].assign(freeAt[k].size(), -1);
    std::vector<NodeTime> nodes;
    const bool keepTimings = options.keepTimings || options.functional;
    if (keepTimings)
      result.timings.resize(n);
    InstructionTiming scratchTiming;
    mem::AccessList accesses;
    std::vector<mem::Violation> found;
    const double sramPj = target.energy().pj_per_sram_byte();
    const double dramPj = target.energy().pj_per_dram_byte();
    const double linkPj = target.energy().pj_per_link_byte();
    // Energy is counts times energy per action, the counts summed as
    // integers (whatever the order: period replay adds whole periods).
    double macPj[format::kMaxDType + 1], opPj[format::kMaxDType + 1];
    uint64_t macs[format::kMaxDType + 1] = {}, ops[format::kMaxDType + 1] = {};
    for (int d = 0; d <= format::kMaxDType; ++d) {
      macPj[d] = rateFor(target.energy().pj_per_mac(), static_cast<DType>(d));
      opPj[d] = rateFor(target.energy().pj_per_op(), static_cast<DType>(d));
    }
    // Decoding: one pass over the file's records, into compact arrays: the
    // unit kind, static cycle, costs and node of every instruction, and its
    // shape (a shape's unit and costs are found once). Accesses are
    // interned when an instruction is simulated in full.
    constexpr uint32_t kNotYet = UINT32_MAX;
    uint32_t *costId = arena.take<uint32_t>(n), *locOf = arena.take<uint32_t>(n);
    uint32_t *accFirst = arena.take<uint32_t>(n), *accEnd = arena.take<uint32_t>(n);
    std::vector<uint32_t> accIds;
    accIds.reserve(3 * n);
    constexpr size_t kAhead = 8;  // records fetched ahead (a prefetch never faults)
    // Static cycles in file order (as the compiler writes them): no later
    // instruction issues before this one's static cycle, so the DRAM model
    // may forget the time before it.
    bool inOrder = true;
    size_t locations = 0;
    const bool anyConstOffset = !sramGroups.groups().striped;
    replay::Shapes shapes(file, anyConstOffset, arena);
    struct ShapeInfo {
      uint8_t kind;
      uint32_t costId;
    };
    std::vector<ShapeInfo> shapeInfo;
    for (size_t i = 0; i < n; ++i) {
      const InstructionView &inst = insts[i];
      if (i + kAhead < n) {
        const char *ahead = reinterpret_cast<const char *>(insts[i + kAhead].header);
        for (int b = 0; b < 384; b += 64)  // a header and three operands
          __builtin_prefetch(ahead + b);
      }
      cycles[i] = inst.header->cycle;
      inOrder &= i == 0 || cycles[i] >= cycles[i - 1];
      locOf[i] = inst.header->location;
      locations = std::max(locations, size_t(locOf[i]) + 1);
      bool isNew;
      const uint32_t shape = shapes.add(i, isNew);
      if (isNew) {
        format::UnitKind kind;
        if (!unitKindOf(static_cast<format::Unit>(inst.header->unit), kind) || !specs[kind] ||
            specs[kind]->count() == 0)
          return missingUnit(file, target, i);
        shapeInfo.push_back({static_cast<uint8_t>(kind), costCache.id(inst, kind)});
      }
      kinds[i] = shapeInfo[shape].kind;
      // A send's costs depend on the chip its destination offset lies in.
      costId[i] = kinds[i] == format::C2C && chips > 1 ? costCache.id(inst, format::C2C)
                                                       : shapeInfo[shape].costId;
      accFirst[i] = accEnd[i] = kNotYet;
    }
    // Period replay: the stretches of the stream that repeat (one chip),
    // replayed in turn; `periods` is the one at hand.
    std::vector<replay::Periods> runs;
    if (allowReplay && chips == 1)
      runs = replay::findStretches(shapes, cycles);
    replay::Periods periods;
    size_t period = 0, runEnd = 0;
    nodes.resize(locations);
    auto intern = [&](size_t i) {
      if (accFirst[i] != kNotYet)
        return;
      accFirst[i] = uint32_t(accIds.size());
      mem::internAccesses(insts[i], accesses, accIds);
      accEnd[i] = uint32_t(accIds.size());
    };

    uint64_t total = 0;
    uint64_t sramMoves = 0;  // instructions with SRAM bytes (slice groups)
    // What each fully simulated instruction's operands waited for (the
    // tracker's answer): the reference period's are replayed.
    uint64_t *readyAt = arena.take<uint64_t>(n);
    int32_t *producerOf = arena.take<int32_t>(n);
    // Counts instruction i, timed as `t`: its issue and finish, statistics
    // and energy.
    auto account = [&](size_t i, const InstructionTiming &t, const CostInfo &info) {
      const format::InstructionCost &cost = info.cost;
      const format::UnitKind kind = static_cast<format::UnitKind>(t.unitKind);
      const uint16_t chip = t.chip;
      if (t.stall != StallCause::None) {
        ++result.stalls[int(t.stall)];
        result.stallCycles[int(t.stall)] += t.issue - t.staticCycle;
      }
      if (t.contention) {
        ++result.contentionCount;
        result.contentionCycles += t.contention;
      }
      if (t.linkWait) {
        ++result.linkWaitCount;
        result.linkWaitCycles += t.linkWait;
      }
      if (sramGroups.active()) {
        sramMoves += cost.sramBytes > 0;
        result.sramBoundCount += cost.sramAdded > 0;
        result.sramContentionCount += t.sramContention > 0;
        result.sramContentionCycles += t.sramContention;
      }
      const uint64_t duration = t.finish - t.issue;
      total = std::max(total, t.finish);
      issueAt[i] = t.issue;
      finishAt[i] = t.finish;
      UnitStats &u = result.units[size_t(unitIndex[kind])];
      ++u.instructions;
      u.busyCycles += duration;
      const size_t instances = freeAt[size_t(chip) * kNumUnitKinds + kind].size();
      u.instanceBusy[size_t(chip) * instances + t.instance] += duration;
      if (chips > 1) {
        ChipStats &cs = result.chipStats[chip];
        UnitStats &cu = cs.units[size_t(unitIndex[kind])];
        ++cs.instructions;
        ++cu.instructions;
        cu.busyCycles += duration;
        cu.instanceBusy[t.instance] += duration;
        if (kind == format::C2C)
          cs.linkBytesSent += info.linkBytes;
        cs.firstIssue = std::min(cs.firstIssue, t.issue);
        cs.lastFinish = std::max(cs.lastFinish, t.finish);
      }
      NodeTime &node = nodes[locOf[i]];
      ++node.instructions;
      node.cycles += duration;
      result.sramBytes += cost.sramBytes;
      result.dramBytes += cost.dramBytes;
      result.vectorOps += cost.vectorOps;
      macs[info.rateType] += cost.macs;
      ops[info.rateType] += cost.vectorOps;
      if (kind == format::C2C)
        result.linkBytes += info.linkBytes;
    };
    // Every counter account() adds to on one chip (period replay adds
    // whole periods of them): f(counter) for each.
    auto eachCounter = [&](auto &&f) {
      for (int c = 0; c < 3; ++c) {
        f(result.stalls[c]);
        f(result.stallCycles[c]);
      }
      for (uint64_t *x : {&result.contentionCount, &result.contentionCycles, &result.linkWaitCount,
                          &result.linkWaitCycles, &result.sramBoundCount,
                          &result.sramContentionCount, &result.sramContentionCycles,
                          &result.sramBytes, &result.dramBytes, &result.vectorOps,
                          &result.linkBytes, &sramMoves})
        f(*x);
      for (UnitStats &u : result.units) {
        f(u.instructions);
        f(u.busyCycles);
        for (uint64_t &b : u.instanceBusy)
          f(b);
      }
      for (int d = 0; d <= format::kMaxDType; ++d) {
        f(macs[d]);
        f(ops[d]);
      }
    };
    // Set once period replay has copied periods' contention: the bandwidth
    // steps are then known only from where it moved them to.
    bool restored = false;
    // Whether the last instruction issued had its operands ready last (at
    // or after its unit instance freed).
    bool readyWasLast = false;
    // Issues instruction i, its operands ready at `ready` (last produced by
    // `producer`, -1 for none), on the unit instance that frees first: its
    // issue, stall and what it waited for.
    auto issueOne = [&](size_t i, uint64_t ready, int32_t producer) -> InstructionTiming & {
      const format::UnitKind kind = static_cast<format::UnitKind>(kinds[i]);
      const uint64_t staticCycle = cycles[i];
      const uint16_t chip = insts[i].header->chip;
      const size_t slot = size_t(chip) * kNumUnitKinds + kind;
      const std::vector<uint64_t> &fa = freeAt[slot];
      size_t instance = 0;
      for (size_t j = 1; j < fa.size(); ++j)
        if (fa[j] < fa[instance])
          instance = j;
      InstructionTiming &t = keepTimings ? result.timings[i] : scratchTiming;
      t.staticCycle = staticCycle;
      t.unitKind = static_cast<uint8_t>(kind);
      t.instance = static_cast<uint32_t>(instance);
      t.chip = chip;
      const bool readyLast = ready >= fa[instance];
      readyWasLast = readyLast;
      t.issue = std::max({staticCycle, ready, fa[instance]});
      const int32_t before = lastOn[slot][instance];
      waitedFor[i] = readyLast ? (producer < 0 ? -1 : int64_t(producer) << 1)
                               : (before < 0 ? -1 : int64_t(before) << 1 | 1);
      lastOn[slot][instance] = int32_t(i);
      t.stall = t.issue == staticCycle ? StallCause::None
                : readyLast            ? StallCause::Dependence
                                       : StallCause::UnitBusy;
      return t;
    };
    // Ends instruction i, issued as `t`, after `duration` cycles.
    auto finishOne = [&](size_t i, InstructionTiming &t, uint64_t duration,
                         const CostInfo &info) {
      t.finish = t.issue + duration;
      t.dramBytes = info.cost.dramBytes;
      freeAt[size_t(t.chip) * kNumUnitKinds + t.unitKind][t.instance] = t.finish;
      if (verify && sameTarget)
        staticDur[i] = info.cost.cycles;
      account(i, t, info);
    };
    // Times instruction i (see issueOne): its unit instance, DRAM, links,
    // SRAM slices, statistics and energy.
    auto timeOne = [&](size_t i, uint64_t ready, int32_t producer) -> InstructionTiming & {
      const CostInfo &info = costCache[costId[i]];
      const format::InstructionCost &cost = info.cost;
      const uint64_t staticCycle = cycles[i];
      InstructionTiming &t = issueOne(i, ready, producer);
      const uint16_t chip = t.chip;
      uint64_t duration = cost.cycles;
      // The cycles its transfers stream: its duration after the latency.
      const uint64_t work = cost.cycles - std::min(cost.cycles - 1, cost.latency);
      t.contention = 0;
      if (cost.dramBytes && target.dram().bytes_per_cycle() > 0) {
        double rate = double(cost.dramBytes) / double(work);
        if (inOrder)
          dram.forget(staticCycle);
        if (restored && !dram.covers(t.issue))
          replayFailed = true;  // before the steps replay moved: unknown
        double took = dram.transfer(t.issue, double(cost.dramBytes), rate);
        double ideal = double(cost.dramBytes) / std::min(rate, target.dram().bytes_per_cycle());
        if (took > ideal + 1e-6) {
          t.contention = format::ceilCycles(took - ideal - 1e-6);
          duration += t.contention;
        }
      }
      t.linkWait = 0;
      if (t.unitKind == format::C2C && network.active()) {
        t.linkWait =
            network.transfer(t.issue, info.linkBytes, duration, chip, info.linkTo, uint32_t(i));
        duration += t.linkWait;
      }
      t.sramContention = 0;
      if (sramGroups.active()) {
        if (restored && cost.sramBytes && !sramGroups.covers(t.issue))
          replayFailed = true;
        t.sramContention = sramGroups.transfer(insts[i], chip, t.issue, work,
                                               inOrder ? staticCycle : 0, cost.sramBytes);
        sramExtra[i] = uint32_t(std::min<uint64_t>(t.sramContention, UINT32_MAX));
        duration += t.sramContention;
      }
      finishOne(i, t, duration, info);
      return t;
    };
    // Times instruction i (see issueOne) with the contention its transfers
    // met in `like`, a period earlier (period replay, where the bandwidth
    // steps repeat): the bandwidth models are not asked.
    auto copyOne = [&](size_t i, uint64_t ready, int32_t producer,
                       const InstructionTiming &like) -> InstructionTiming & {
      const CostInfo &info = costCache[costId[i]];
      InstructionTiming &t = issueOne(i, ready, producer);
      t.contention = like.contention;
      t.linkWait = 0;
      t.sramContention = like.sramContention;
      if (sramGroups.active()) {
        sramExtra[i] = uint32_t(std::min<uint64_t>(t.sramContention, UINT32_MAX));
        sramGroups.count(t.chip, info.cost.sramBytes);
      }
      finishOne(i, t, info.cost.cycles + t.contention + t.sramContention, info);
      return t;
    };
    // Simulates instruction i in full: its operands' readiness and the
    // static rules from the tracker, its timing, then its accesses applied.
    auto fullOne = [&](size_t i) {
      intern(i);
      const uint64_t staticCycle = cycles[i];
      mem::setAccesses(accIds.data() + accFirst[i], accEnd[i] - accFirst[i], accesses);
      // Operands ready (simulated) and, verifying, the static rules, in one
      // pass over each access's pieces.
      uint64_t ready = 0;
      int32_t producer = -1;
      if (verify) {
        if (found.size() < accesses.count)
          found.resize(accesses.count);
        for (size_t k = 0; k < accesses.count; ++k) {
          found[k] = mem::Violation();
          ready = tracker.ready(accesses.items[k], ready, staticCycle, &found[k], &producer);
        }
        bool any = false;
        for (size_t k = 0; k < accesses.count; ++k)
          any |= found[k].found;
        if (any)
          checkMemory(file, i, staticCycle, accesses, found, memoryReport);
      } else {
        for (const mem::Access &a : accesses)
          ready = tracker.ready(a, ready, 0, nullptr, &producer);
      }
      readyAt[i] = ready;
      producerOf[i] = producer;
      const InstructionTiming &t = timeOne(i, ready, producer);
      const uint64_t staticEnd = verify ? t.staticCycle + staticDur[i] : 0;
      for (const mem::Access &a : accesses)
        if (!a.write)
          tracker.read(a, int32_t(i), t.finish, staticEnd);
      for (const mem::Access &a : accesses)
        if (a.write)
          tracker.write(a, int32_t(i), t.finish, staticEnd);
    };
    size_t next = 0;  // the first instruction not simulated yet
    auto fullTo = [&](size_t end) {
      for (; next < end; ++next)
        fullOne(next);
    };
    // Period replay: copying a template period's contention holds while the
    // bandwidth steps repeat.
    Bandwidth bandwidth(dram, sramGroups);
    // How many periods after the template (timed as `tmpl`) keep its
    // issues moved by `delta`: static cycles move `cycleShift` a period, so
    // an issue its static cycle set moves otherwise (unless the two agree),
    // and an issue later than it moves with the rest while its static cycle
    // does not overtake it.
    auto copyable = [&](const std::vector<InstructionTiming> &tmpl, uint64_t delta,
                        uint64_t cycleShift) -> size_t {
      if (cycleShift == delta)
        return periods.count;
      uint64_t slack = UINT64_MAX;
      for (const InstructionTiming &t : tmpl)
        slack = std::min(slack, t.issue - t.staticCycle);
      if (slack == 0)
        return 0;
      if (cycleShift < delta)
        return periods.count;
      return size_t(std::min<uint64_t>(slack / (cycleShift - delta), periods.count));
    };
    for (const replay::Periods &run : runs) {
      periods = run;
      period = run.length;
      runEnd = run.end();
      Replayer replayer(periods, verify, tracker, accesses, accIds, accFirst, accEnd);
      fullTo(periods.start);
      // The unit kinds a period uses (the same in every period: repeats()
      // compared the units).
      std::vector<size_t> usedSlots;
      {
        bool used[kNumUnitKinds] = {};
        for (size_t i = periods.start; i < periods.start + period; ++i)
          used[kinds[i]] = true;
        for (int k = 0; k < kNumUnitKinds; ++k)
          if (used[k])
            usedSlots.push_back(size_t(k));
      }
      auto unitsFree = [&] {
        // The earliest any instance of a unit kind the period uses frees.
        uint64_t least = UINT64_MAX;
        for (size_t slot : usedSlots)
          for (uint64_t f : freeAt[slot])
            least = std::min(least, f);
        return least;
      };
      for (size_t i = periods.start; i < periods.start + period; ++i)
        intern(i);
      replayer.takeFootprint();
      for (size_t r = 0; r + 1 < periods.count && r < Replayer::kAttempts; ++r) {
        const size_t from = periods.start + r * period;
        uint64_t leastStatic = UINT64_MAX;
        for (size_t i = from; i < from + period; ++i)
          leastStatic = std::min(leastStatic, cycles[i]);
        replayer.before(r, unitsFree(), leastStatic);
        const uint64_t violationsBefore = memoryReport.count();
        std::vector<mem::Tracker::Death> deaths;
        size_t tailDeaths = 0;  // those of the period's first `tail` instructions
        tracker.setDeathLog(&deaths);
        if (periods.tail) {
          fullTo(from + periods.tail);
          replayer.middle(r);
          tailDeaths = deaths.size();
        }
        fullTo(from + period);
        tracker.setDeathLog(nullptr);
        if (memoryReport.count() != violationsBefore || !replayer.after(r))
          continue;
        // Periods r + 1 on repeat period r's dependences, shifted. Period
        // r + 1, the template, asks the bandwidth models; when the steps
        // it leaves for the next period are those period r left for it,
        // moved, the later periods copy its contention instead of asking
        // the DRAM and SRAM models. Each issue and finish must repeat
        // period r's, moved.
        const int64_t delta = replayer.delta();
        uint64_t firstIssue = UINT64_MAX;  // period r's
        for (size_t i = from; i < from + period; ++i)
          firstIssue = std::min(firstIssue, issueAt[i]);
        const uint64_t tmplIssue = firstIssue + uint64_t(delta);  // the template's
        const bool copying = delta > 0 && !sramGroups.groups().striped && !network.active();
        Steps before, after, tmplSteps;
        if (copying)
          bandwidth.capture(tmplIssue, before);
        std::vector<InstructionTiming> tmpl;
        size_t copyEnd = 0;  // periods m in [2, copyEnd) copy
        const size_t recentFrom = replayer.recentFrom();
        // Whole periods. Once the unit instances' state a copied period
        // leaves (each instance's free cycle and last instruction) is the
        // one k periods earlier left, moved k periods, each later period
        // repeats the one k before it, moved: its issues and finishes,
        // what each instruction waited for, its counters and the state it
        // leaves. Its instructions are then written, not issued. This needs
        // no copied instruction of those k periods to have met operands
        // ready last from a producer that does not move (the unit
        // instances free later each period; such a producer would not).
        struct PeriodEnd {
          std::vector<uint64_t> units, counters;
          bool pinned = false;  // operands that do not move were ready last
        };
        std::vector<PeriodEnd> ends;  // by m: what period r + m leaves
        auto unitState = [&](std::vector<uint64_t> &out) {
          out.clear();
          for (size_t slot : usedSlots) {
            out.insert(out.end(), freeAt[slot].begin(), freeAt[slot].end());
            for (int32_t x : lastOn[slot])
              out.push_back(uint64_t(int64_t(x)));
          }
        };
        // State `a` moved k periods, into `out`; false if an instance had
        // no last instruction.
        auto movedState = [&](const std::vector<uint64_t> &a, size_t k,
                              std::vector<uint64_t> &out) {
          out.resize(a.size());
          size_t at = 0;
          for (size_t slot : usedSlots) {
            const size_t count = freeAt[slot].size();
            for (size_t x = 0; x < count; ++x, ++at)
              out[at] = a[at] + k * uint64_t(delta);
            for (size_t x = 0; x < count; ++x, ++at) {
              if (int64_t(a[at]) < 0)
                return false;
              out[at] = a[at] + k * period;
            }
          }
          return true;
        };
        auto countersNow = [&](std::vector<uint64_t> &out) {
          out.clear();
          eachCounter([&](uint64_t &x) { out.push_back(x); });
        };
        auto endPeriod = [&](size_t m, bool pinned) {
          ends.resize(m + 1);
          PeriodEnd &e = ends[m];
          unitState(e.units);
          countersNow(e.counters);
          e.pinned = pinned;
        };
        // The lag k at which period m (copied) repeats, 0 for none.
        constexpr size_t kMaxLag = 4;
        std::vector<uint64_t> shifted;
        auto lagOf = [&](size_t m) -> size_t {
          bool pinned = false;
          for (size_t k = 1; k <= kMaxLag && m >= k + 1; ++k) {
            pinned |= ends[m - k + 1].pinned;  // periods m - k + 1 ... m
            if (pinned)
              return 0;
            if (movedState(ends[m - k].units, k, shifted) && shifted == ends[m].units)
              return k;
          }
          return 0;
        };
        // Period m written as period m - k, moved.
        auto repeatPeriod = [&](size_t m, size_t k) {
          ends.resize(m + 1);
          const size_t back = k * period;
          const uint64_t later = k * uint64_t(delta), staticLater = k * periods.cycleShift;
          const size_t to = from + m * period, src = to - back;
          uint64_t *issue = issueAt + to, *finish = finishAt + to;
          const uint64_t *issueSrc = issueAt + src, *finishSrc = finishAt + src;
          for (size_t j = 0; j < period; ++j) {
            issue[j] = issueSrc[j] + later;
            finish[j] = finishSrc[j] + later;
            total = std::max(total, finish[j]);
          }
          for (size_t j = 0; j < period; ++j) {
            int64_t w = waitedFor[src + j];
            if (w >= 0 && ((w & 1) || replay::isRecent(producerOf[from + j], recentFrom)))
              w += int64_t(back) << 1;
            waitedFor[to + j] = w;
            NodeTime &node = nodes[locOf[to + j]];
            ++node.instructions;
            node.cycles += finish[j] - issue[j];
          }
          if (keepTimings)
            for (size_t j = 0; j < period; ++j) {
              InstructionTiming &t = result.timings[to + j];
              t = result.timings[src + j];
              t.staticCycle += staticLater;
              t.issue += later;
              t.finish += later;
            }
          if (sramExtra)
            std::copy_n(sramExtra + src, period, sramExtra + to);
          if (verify && sameTarget)
            std::copy_n(staticDur + src, period, staticDur + to);
          const std::vector<uint64_t> &a = ends[m - k - 1].counters, &b = ends[m - k].counters;
          const uint64_t sramBytes = result.sramBytes, moves = sramMoves;
          size_t at = 0;
          eachCounter([&](uint64_t &x) {
            x += b[at] - a[at];
            ++at;
          });
          // A stall is issue minus static cycle: k(delta - cycleShift)
          // longer k periods later (eachCounter's first six counters are
          // the stalls and their cycles, by cause).
          for (int c = 0; c < 3; ++c)
            result.stallCycles[c] +=
                (b[2 * c] - a[2 * c]) * k * (uint64_t(delta) - periods.cycleShift);
          if (sramGroups.active())
            sramGroups.count(0, result.sramBytes - sramBytes, sramMoves - moves);
          countersNow(ends[m].counters);
          movedState(ends[m - k].units, k, ends[m].units);
        };
        // Sets the unit instances to the state `units`.
        auto setUnits = [&](const std::vector<uint64_t> &units) {
          size_t at = 0;
          for (size_t slot : usedSlots) {
            for (uint64_t &f : freeAt[slot])
              f = units[at++];
            for (int32_t &x : lastOn[slot])
              x = int32_t(int64_t(units[at++]));
          }
        };
        // Period r + m's instruction i (j a period r one), issued with
        // instruction j's dependences, moved (with `like`'s contention when
        // given); its timing must repeat j's, moved. Null when it does not.
        auto replayOne = [&](size_t m, size_t j,
                             const InstructionTiming *like) -> const InstructionTiming * {
          const size_t i = j + m * period;
          const uint64_t later = uint64_t(int64_t(m) * delta);
          uint64_t ready = readyAt[j];
          int32_t producer = producerOf[j];
          if (replay::isRecent(producer, recentFrom)) {
            ready += later;
            producer += int32_t(m * period);
          }
          const InstructionTiming &t =
              like ? copyOne(i, ready, producer, *like) : timeOne(i, ready, producer);
          if (t.issue != issueAt[j] + later || t.finish != finishAt[j] + later) {
            replayFailed = true;  // the timing did not repeat: simulate in full
            return nullptr;
          }
          return &t;
        };
        // The SRAM deaths of period r's first `count` instructions, in
        // period r + m.
        auto replayDeaths = [&](size_t m, size_t count) {
          auto moved = [&](int32_t x) {
            return replay::isRecent(x, recentFrom) ? size_t(x) + m * period : size_t(x);
          };
          for (size_t k = 0; k < count; ++k) {
            tracker.born[moved(deaths[k].writer)] += deaths[k].bytes;
            tracker.dies[moved(deaths[k].last)] += deaths[k].bytes;
          }
        };
        for (size_t m = 1; r + m < periods.count && !replayFailed; ++m) {
          const bool copy = m < copyEnd;
          const size_t lag = copy && m >= 3 ? lagOf(m - 1) : 0;
          if (lag) {
            repeatPeriod(m, lag);
            result.repeatedInstructions += period;
            // The last period written: the instances as it leaves them.
            if (m + 1 == copyEnd || r + m + 1 == periods.count)
              setUnits(ends[m].units);
          } else {
            bool pinned = false;
            for (size_t j = from; j < from + period; ++j) {
              const InstructionTiming *t = replayOne(m, j, copy ? &tmpl[j - from] : nullptr);
              if (!t)
                break;
              pinned |= readyWasLast && !replay::isRecent(producerOf[j], recentFrom);
              if (m == 1 && copying)
                tmpl.push_back(*t);
            }
            if (m == 1 && copying && !replayFailed) {
              bandwidth.capture(tmplIssue + uint64_t(delta), after);
              if (Bandwidth::movedBy(before, after, uint64_t(delta))) {
                bandwidth.capture(tmplIssue, tmplSteps);
                copyEnd = 2 + copyable(tmpl, uint64_t(delta), periods.cycleShift);
              }
            }
            if (copyEnd > 2 && m + 1 < copyEnd)
              endPeriod(m, pinned);
          }
          if (copy) {
            result.copiedInstructions += period;
            if (m + 1 == copyEnd || r + m + 1 == periods.count) {
              // The steps as this period leaves them: the template's, moved.
              bandwidth.restore(tmplSteps, (m - 1) * uint64_t(delta));
              restored = true;
            }
          }
          replayDeaths(m, deaths.size());
          result.replayedInstructions += period;
        }
        // The tail, as the first instructions of period `count`.
        const bool tail = !replayFailed && replayer.tailRepeats();
        for (size_t j = from; tail && j < from + periods.tail && !replayFailed; ++j)
          replayOne(periods.count - r, j, nullptr);
        if (replayFailed)
          return result;
        const size_t laterFrom = tail ? runEnd + periods.tail : runEnd;
        if (tail) {
          replayDeaths(periods.count - r, tailDeaths);
          result.replayedInstructions += periods.tail;
        }
        for (size_t i = laterFrom; i < n; ++i)
          intern(i);  // the graft reads the accesses after the run
        replayer.graft(laterFrom, n, tail);
        next = laterFrom;
        break;
      }
    }
    fullTo(n);
    tracker.flush();
    result.links = network.stats();
    result.linkHopBytes = network.hopBytes();
    result.linkSlices = network.takeSlices();
    if (verify) {
      Reporter report(options.maxViolations);
      if (sameTarget) {
        for (int k = 0; k < kNumUnitKinds; ++k)
          staticSpecs[k] = specs[k];
        checkUnits(file, staticSpecs, kinds, cycles, staticDur, n, report,
                   runs.empty() ? nullptr : &runs[0]);
      } else {
        checkUnits(file, staticSpecs, staticKinds.data(), staticCycles.data(), staticDur, n,
                   report);
      }
      result.violationCount = report.count() + memoryReport.count();
      result.violations = report.take();
      for (Violation &v : memoryReport.take())
        if (result.violations.size() < options.maxViolations)
          result.violations.push_back(std::move(v));
    }
    for (int d = 0; d <= format::kMaxDType; ++d) {
      if (macs[d])
        result.macsByDtype[format::dtypeName(static_cast<DType>(d))] += macs[d];
      result.energy.macPj += double(macs[d]) * macPj[d];
      result.energy.vectorPj += double(ops[d]) * opPj[d];
    }
    // Every hop of a route moves the bytes again.
    result.energy.linkPj =
        double(network.active() ? result.linkHopBytes : result.linkBytes) * linkPj;
    result.energy.sramPj = double(result.sramBytes) * sramPj;
    result.energy.dramPj = double(result.dramBytes) * dramPj;
    result.totalCycles = total;
    result.latencySeconds = double(total) / (target.clock_mhz() * 1e6);
    if (result.seq > 0 && result.latencySeconds > 0)
      result.tokensPerSecond = double(result.seq) / result.latencySeconds;
    Energy &e = result.energy;
    e.staticJ = target.energy().static_watts() * result.latencySeconds;
    e.totalJ = (e.macPj + e.vectorPj + e.sramPj + e.dramPj + e.linkPj) * 1e-12 + e.staticJ;
    e.averageWatts = result.latencySeconds > 0 ? e.totalJ / result.latencySeconds : 0;

    // SRAM occupancy: sweep the live intervals.
    sramSweep(tracker.born, tracker.dies, n, issueAt, finishAt,
              [&](uint64_t c, int64_t live) {
                if (uint64_t(live) > result.sramPeak) {
                  result.sramPeak = uint64_t(live);
                  result.sramPeakCycle = c;
                }
                if (options.keepTimeline)
                  result.sramTimeline.push_back({c, uint64_t(live)});
              },
              &arena);

    // Each chip's SRAM range alone, and its span.
    for (uint32_t chip = 0; chip < chips && chips > 1; ++chip) {
      ChipStats &cs = result.chipStats[chip];
      if (cs.instructions)
        result.pipelineInterval = std::max(result.pipelineInterval, cs.lastFinish - cs.firstIssue);
      sramSweep(tracker.chipBorn[chip].data(), tracker.chipDies[chip].data(), n, issueAt, finishAt,
                [&](uint64_t c, int64_t live) {
                  if (uint64_t(live) > cs.sramPeak) {
                    cs.sramPeak = uint64_t(live);
                    cs.sramPeakCycle = c;
                  }
                });
    }

    criticalPath(file, result, n, issueAt, finishAt, waitedFor, kinds, locOf, options.keepTimings,
                 [&](size_t i) -> const format::InstructionCost & {
                   return costCache[costId[i]].cost;
                 },
                 sramExtra);
    sramReport(target, sramGroups, chips > 1, result);

    // Roofline class.
    for (const UnitStats &u : result.units)
      if (u.name == "MXM" || u.name == "VXM")
        result.computeCycles = std::max(result.computeCycles, u.busyCycles / std::max(u.count, 1u));
    double mem = 0;
    if (target.dram().bytes_per_cycle() > 0)
      mem = std::max(mem, double(result.dramBytes) / target.dram().bytes_per_cycle());
    if (target.sram().bytes_per_cycle() > 0)
      mem = std::max(mem, double(result.sramBytes) / target.sram().bytes_per_cycle());
    result.memoryCycles = format::ceilCycles(mem);
    uint64_t bound = std::max(result.computeCycles, result.memoryCycles);
    if (2 * bound < total)
      result.bound = "latency";
    else
      result.bound = result.computeCycles >= result.memoryCycles ? "compute" : "memory";

    result.topNodes = topNodes(file, nodes);

    if (options.functional)
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return result.timings[a].issue < result.timings[b].issue;
      });
    if (!options.keepTimings) {
      result.timings.clear();
      result.timings.shrink_to_fit();
    }
  }

  if (options.functional) {
    if (absl::Status s = runFunctional(file, order, options, result); !s.ok())
      return s;
  }
  return result;
}

}  // namespace

absl::StatusOr<Result> simulate(const BinFile &file, const Target &target,
                                const Options &options) {
  bool replayFailed = false;
  absl::StatusOr<Result> result = simulateOnce(file, target, options, options.replay, replayFailed);
  if (replayFailed)
    result = simulateOnce(file, target, options, false, replayFailed);
  return result;
}

}  // namespace lmc::sim
