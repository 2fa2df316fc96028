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

#include "absl/strings/str_cat.h"
#include "runtime/format/CostModel.h"
#include "runtime/format/TargetLoader.h"
#include "runtime/kernels/Half.h"
#include "runtime/kernels/Kernels.h"

namespace lmc::sim {
namespace {

using format::BinFile;
using format::DType;
using format::InstructionView;
using format::Region;
using format::Space;
using format::Target;

constexpr size_t kMaxRuns = 8192;   // strided regions with more runs use their span
constexpr int kNumUnitKinds = 8;    // format::UnitKind values 0..6

struct Run {
  uint64_t begin, end;  // bytes [begin, end) of the region's space
};

// The byte runs a region touches, sorted and merged. Exact for regions
// whose non-contiguous part has at most kMaxRuns rows (column tiles of a
// row-major matrix, broadcasts, transposed views of contiguous data);
// otherwise the region's byte span (conservative).
void regionRuns(const Region &r, std::vector<Run> &out) {
  out.clear();
  const uint64_t es = format::dtypeSize(static_cast<DType>(r.dtype));
  struct Dim {
    int64_t shape, stride;
  };
  Dim dims[format::kMaxRank];
  int n = 0;
  bool negative = false;
  int64_t lo = 0, hi = 0;
  for (unsigned d = 0; d < r.rank; ++d) {
    if (r.shape[d] == 0)
      return;
    int64_t ext = (r.shape[d] - 1) * r.strides[d];
    (ext < 0 ? lo : hi) += ext;
    if (r.strides[d] < 0)
      negative = true;
    if (r.shape[d] != 1 && r.strides[d] != 0)
      dims[n++] = {r.shape[d], r.strides[d]};
  }
  auto span = [&] {
    out.push_back({r.offset + es * lo, r.offset + es * (hi + 1)});
  };
  if (negative) {
    span();
    return;
  }
  for (int a = 1; a < n; ++a)  // insertion sort by stride (n <= 6)
    for (int b = a; b > 0 && dims[b].stride < dims[b - 1].stride; --b)
      std::swap(dims[b], dims[b - 1]);
  int64_t len = 1;  // elements of one contiguous run
  int k = 0;
  for (; k < n && dims[k].stride == len; ++k)
    len *= dims[k].shape;
  uint64_t runs = 1;
  for (int j = k; j < n; ++j) {
    if (dims[j].stride < len)  // rows overlap: keep it simple
      return span();
    runs *= static_cast<uint64_t>(dims[j].shape);
    if (runs > kMaxRuns)
      return span();
  }
  int64_t idx[format::kMaxRank] = {0, 0, 0, 0, 0, 0};
  for (uint64_t i = 0; i < runs; ++i) {
    int64_t off = 0;
    for (int j = k; j < n; ++j)
      off += idx[j] * dims[j].stride;
    out.push_back({r.offset + es * off, r.offset + es * (off + len)});
    for (int j = k; j < n; ++j) {
      if (++idx[j] < dims[j].shape)
        break;
      idx[j] = 0;
    }
  }
  std::sort(out.begin(), out.end(), [](const Run &a, const Run &b) { return a.begin < b.begin; });
  size_t w = 0;
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].begin <= out[w].end)
      out[w].end = std::max(out[w].end, out[i].end);
    else
      out[++w] = out[i];
  }
  out.resize(w + 1);
}

// Who wrote and read each byte range of one memory space, and when.
struct Seg {
  uint64_t end;
  int64_t writer = -1;  // instruction index; -1: never written (initial zeros)
  uint64_t writeIssue = 0, writeEnd = 0;
  uint64_t readEnd = 0;
  int64_t reader = -1;  // the reader with the latest readEnd
};

class MemoryMap {
public:
  // Calls fn(begin, end, seg) for every segment overlapping [b, e).
  template <typename Fn> void forOverlapping(uint64_t b, uint64_t e, Fn fn) const {
    auto it = segs_.upper_bound(b);
    if (it != segs_.begin()) {
      auto prev = std::prev(it);
      if (prev->second.end > b)
        it = prev;
    }
    for (; it != segs_.end() && it->first < e; ++it)
      fn(it->first, it->second);
  }

  void read(uint64_t b, uint64_t e, uint64_t end, int64_t reader) {
    split(b);
    split(e);
    uint64_t pos = b;
    auto it = segs_.lower_bound(b);
    while (pos < e) {
      if (it == segs_.end() || it->first > pos) {
        uint64_t gapEnd = it == segs_.end() ? e : std::min(e, it->first);
        Seg s;
        s.end = gapEnd;
        s.readEnd = end;
        s.reader = reader;
        it = segs_.emplace_hint(it, pos, s);
      } else if (end >= it->second.readEnd) {
        it->second.readEnd = end;
        it->second.reader = reader;
      }
      pos = it->second.end;
      ++it;
    }
  }

  // Replaces [b, e) by one segment written by `writer`; `dead` sees the
  // segments it replaces.
  template <typename Dead>
  void write(uint64_t b, uint64_t e, int64_t writer, uint64_t issue, uint64_t end, Dead dead) {
    split(b);
    split(e);
    auto it = segs_.lower_bound(b);
    while (it != segs_.end() && it->first < e) {
      dead(it->first, it->second);
      it = segs_.erase(it);
    }
    Seg s;
    s.end = e;
    s.writer = writer;
    s.writeIssue = issue;
    s.writeEnd = end;
    segs_.emplace_hint(it, b, s);
  }

  template <typename Dead> void flush(Dead dead) {
    for (auto &[b, s] : segs_)
      dead(b, s);
    segs_.clear();
  }

private:
  void split(uint64_t pos) {
    auto it = segs_.upper_bound(pos);
    if (it == segs_.begin())
      return;
    --it;
    if (it->first < pos && it->second.end > pos) {
      Seg right = it->second;
      it->second.end = pos;
      segs_.emplace_hint(std::next(it), pos, right);
    }
  }
  std::map<uint64_t, Seg> segs_;
};

struct Access {
  unsigned space;  // index into the memory maps
  bool write;
  std::vector<Run> runs;
};

// Memory-map index of a region; -1 for read-only constants (no dependences).
int spaceIndex(const Region &r) {
  switch (static_cast<Space>(r.space)) {
  case Space::Const:
    return -1;
  case Space::Sram:
    return 0;
  case Space::Dram:
    return 1;
  case Space::State:
    return 2;
  case Space::Io:
    return 3 + static_cast<int>(r.buffer);
  }
  return -1;
}

void collectAccesses(const InstructionView &inst, std::vector<Access> &accesses) {
  unsigned outs = format::opcodeInfo(inst.opcode()).numOutputs;
  accesses.resize(inst.header->numOperands);
  size_t n = 0;
  for (unsigned k = 0; k < inst.header->numOperands; ++k) {
    int s = spaceIndex(inst.operands[k]);
    if (s < 0)
      continue;
    Access &a = accesses[n++];
    a.space = static_cast<unsigned>(s);
    a.write = k < outs;
    regionRuns(inst.operands[k], a.runs);
  }
  accesses.resize(n);
}

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

// The unit spec of each kind the file's instructions use, or an error.
absl::Status unitSpecs(const BinFile &file, const Target &target,
                       const format::UnitSpec *(&specs)[kNumUnitKinds],
                       std::vector<uint8_t> &kinds) {
  for (auto &s : specs)
    s = nullptr;
  for (const format::UnitSpec &u : target.units())
    if (u.kind() >= 0 && u.kind() < kNumUnitKinds)
      specs[u.kind()] = &u;
  const auto &insts = file.instructions();
  kinds.resize(insts.size());
  for (size_t i = 0; i < insts.size(); ++i) {
    format::UnitKind kind;
    if (!unitKindOf(static_cast<format::Unit>(insts[i].header->unit), kind) || !specs[kind] ||
        specs[kind]->count() == 0)
      return absl::FailedPreconditionError(absl::StrCat(
          file.path(), ": ", describe(file, i), " issues on unit '",
          format::unitName(static_cast<format::Unit>(insts[i].header->unit)), "', which target '",
          target.name(), "' does not have (or has 0 of); check the target or --set overrides"));
    kinds[i] = static_cast<uint8_t>(kind);
  }
  return absl::OkStatus();
}

format::InstructionCost costOf(const Target &target, const InstructionView &inst,
                               format::UnitKind kind) {
  format::InstructionCost c =
      format::instructionCost(target, inst.opcode(), inst.operands, inst.header->numOperands, kind);
  c.cycles = std::max<uint64_t>(c.cycles, 1);
  return c;
}

// DRAM bandwidth shared by overlapping transfers, first come first served:
// time is cut into buckets of `bucket_` cycles, each holding
// bytes_per_cycle x bucket bytes; a transfer asks for its uncontended rate
// and gets what earlier transfers left in each bucket.
class DramModel {
public:
  DramModel(double bytesPerCycle, uint64_t horizon) : bw_(bytesPerCycle) {
    bucket_ = 64;
    while (horizon / bucket_ > (1u << 20))
      bucket_ *= 2;
  }
  // Cycles a transfer of `bytes` at most `rate` bytes/cycle takes from `start`.
  double transfer(uint64_t start, double bytes, double rate) {
    if (bw_ <= 0 || bytes <= 0)
      return 0;
    rate = std::min(rate, bw_);
    double pos = static_cast<double>(start), remaining = bytes;
    const double cap = bw_ * static_cast<double>(bucket_);
    for (;;) {
      uint64_t k = static_cast<uint64_t>(pos) / bucket_;
      if (k >= used_.size())
        used_.resize(std::max<size_t>(k + 1, used_.size() * 2), 0.0);
      double bucketEnd = static_cast<double>((k + 1) * bucket_);
      double span = bucketEnd - pos;
      double avail = std::max(0.0, cap - used_[k]);
      double eff = std::min(rate, span > 0 ? avail / span : 0.0);
      if (eff > 0 && eff * span >= remaining - 1e-9) {
        used_[k] += remaining;
        return pos + remaining / eff - static_cast<double>(start);
      }
      used_[k] += eff * span;
      remaining -= eff * span;
      pos = bucketEnd;
    }
  }
  // Bytes per cycle used in [from, to), for the trace.
  uint64_t bucket() const { return bucket_; }
  const std::vector<double> &used() const { return used_; }

private:
  double bw_;
  uint64_t bucket_;
  std::vector<double> used_;
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

uint64_t regionBytes(const Region &r) {
  uint64_t n = format::dtypeSize(static_cast<DType>(r.dtype));
  for (unsigned d = 0; d < r.rank; ++d)
    n *= static_cast<uint64_t>(r.shape[d]);
  return n;
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

std::vector<Violation> verifySchedule(const BinFile &file, size_t maxViolations,
                                      uint64_t *total) {
  std::vector<Violation> out;
  uint64_t count = 0;
  auto report = [&](Violation::Kind kind, size_t index, size_t other, uint64_t cycle,
                    std::string message) {
    ++count;
    if (out.size() < maxViolations)
      out.push_back({kind, index, other, cycle, std::move(message)});
  };
  const Target &target = file.metadata().target();
  if (target.granularity() != Target::TILE) {
    if (total)
      *total = 0;
    return out;
  }
  const format::UnitSpec *specs[kNumUnitKinds];
  std::vector<uint8_t> kinds;
  if (!unitSpecs(file, target, specs, kinds).ok()) {
    if (total)
      *total = 0;
    return out;  // simulate() reports the missing unit
  }
  const auto &insts = file.instructions();
  const size_t n = insts.size();
  std::vector<uint64_t> dur(n);
  for (size_t i = 0; i < n; ++i)
    dur[i] = costOf(target, insts[i], static_cast<format::UnitKind>(kinds[i])).cycles;

  // Unit instances: greedy interval partitioning in static-cycle order finds
  // an instance whenever one exists, so a miss means more instructions in
  // flight than instances.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return insts[a].header->cycle < insts[b].header->cycle;
  });
  std::vector<std::vector<std::pair<uint64_t, size_t>>> busy(kNumUnitKinds);
  for (int k = 0; k < kNumUnitKinds; ++k)
    if (specs[k])
      busy[k].assign(specs[k]->count(), {0, SIZE_MAX});
  for (size_t i : order) {
    uint64_t c = insts[i].header->cycle;
    auto &inst = busy[kinds[i]];
    size_t best = 0;
    for (size_t j = 1; j < inst.size(); ++j)
      if (inst[j].first < inst[best].first)
        best = j;
    if (inst[best].first > c)
      report(Violation::DoubleBooked, i, inst[best].second, c,
             absl::StrCat(describe(file, i), " at cycle ", c, ": every ",
                          format::UnitKind_Name(static_cast<format::UnitKind>(kinds[i])),
                          " instance is busy (e.g. with ", describe(file, inst[best].second),
                          " until cycle ", inst[best].first, ")"));
    inst[best] = {std::max(inst[best].first, c) + dur[i], i};
  }

  // Memory: in file order (the semantics), each access against the bytes'
  // last writer and readers since.
  std::vector<MemoryMap> maps(3 + file.io().inputs_size() + file.io().outputs_size());
  std::vector<Access> accesses;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t c = insts[i].header->cycle, end = c + dur[i];
    collectAccesses(insts[i], accesses);
    bool reported[3] = {false, false, false};
    for (const Access &a : accesses)
      for (const Run &r : a.runs)
        maps[a.space].forOverlapping(r.begin, r.end, [&](uint64_t, const Seg &s) {
          if (!a.write && s.writer >= 0 && s.writeEnd > c && !reported[1]) {
            reported[1] = true;
            report(Violation::ReadBeforeWritten, i, size_t(s.writer), c,
                   absl::StrCat(describe(file, i), " at cycle ", c,
                                " reads bytes that ", describe(file, size_t(s.writer)),
                                " writes until cycle ", s.writeEnd));
          } else if (a.write && !reported[2]) {
            if (s.reader >= 0 && s.readEnd > c) {
              reported[2] = true;
              report(Violation::OverwrittenWhileLive, i, size_t(s.reader), c,
                     absl::StrCat(describe(file, i), " at cycle ", c,
                                  " overwrites bytes that ", describe(file, size_t(s.reader)),
                                  " reads until cycle ", s.readEnd));
            } else if (s.writer >= 0 && s.writeEnd > c) {
              reported[2] = true;
              report(Violation::OverwrittenWhileLive, i, size_t(s.writer), c,
                     absl::StrCat(describe(file, i), " at cycle ", c,
                                  " overwrites bytes that ", describe(file, size_t(s.writer)),
                                  " is still writing until cycle ", s.writeEnd));
            }
          }
        });
    for (const Access &a : accesses)
      if (!a.write)
        for (const Run &r : a.runs)
          maps[a.space].read(r.begin, r.end, end, int64_t(i));
    for (const Access &a : accesses)
      if (a.write)
        for (const Run &r : a.runs)
          maps[a.space].write(r.begin, r.end, int64_t(i), c, end, [](uint64_t, const Seg &) {});
  }
  if (total)
    *total = count;
  return out;
}

absl::StatusOr<Result> simulate(const BinFile &file, const Target &target,
                                const Options &options) {
  Result result;
  const auto &insts = file.instructions();
  const size_t n = insts.size();
  const format::Metadata &meta = file.metadata();
  result.targetName = target.name();
  result.instructions = n;
  result.scheduleCycles = meta.schedule_cycles();
  result.timed = target.granularity() == Target::TILE && target.clock_mhz() > 0;
  result.clockMhz = target.clock_mhz();
  result.sramCapacity = target.sram().bytes();
  result.sramPlanned = meta.sram_bytes();
  if (file.io().inputs_size() > 0) {
    const format::TensorInfo &t = file.io().inputs(0);
    if (t.dtype() == static_cast<uint32_t>(DType::I64) && t.shape_size() == 2 && t.shape(0) == 1)
      result.seq = t.shape(1);
  }

  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i)
    order[i] = i;

  if (result.timed) {
    const format::UnitSpec *specs[kNumUnitKinds];
    std::vector<uint8_t> kinds;
    if (absl::Status s = unitSpecs(file, target, specs, kinds); !s.ok())
      return s;
    if (options.verify) {
      result.violations = verifySchedule(file, options.maxViolations, &result.violationCount);
    }
    std::vector<std::vector<uint64_t>> freeAt(kNumUnitKinds);
    std::map<int, size_t> unitIndex;
    for (int k = 0; k < kNumUnitKinds; ++k)
      if (specs[k]) {
        freeAt[k].assign(specs[k]->count(), 0);
        unitIndex[k] = result.units.size();
        UnitStats u;
        u.name = format::UnitKind_Name(static_cast<format::UnitKind>(k));
        u.count = specs[k]->count();
        u.instanceBusy.assign(u.count, 0);
        result.units.push_back(u);
      }
    DramModel dram(target.dram().bytes_per_cycle(),
                   std::max<uint64_t>(meta.schedule_cycles(), 1) * 2);
    std::vector<MemoryMap> maps(3 + file.io().inputs_size() + file.io().outputs_size());
    std::vector<std::pair<uint64_t, int64_t>> sramEvents;  // (cycle, +-bytes)
    auto dead = [&](uint64_t b, const Seg &s) {
      if (s.writer < 0)
        return;
      uint64_t len = s.end - b;
      sramEvents.push_back({s.writeIssue, int64_t(len)});
      sramEvents.push_back({std::max(s.writeEnd, s.readEnd), -int64_t(len)});
    };
    auto noDead = [](uint64_t, const Seg &) {};
    std::map<uint32_t, NodeTime> nodes;
    result.timings.resize(n);
    std::vector<Access> accesses;
    const double sramPj = target.energy().pj_per_sram_byte();
    const double dramPj = target.energy().pj_per_dram_byte();
    const double linkPj = target.energy().pj_per_link_byte();
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      const InstructionView &inst = insts[i];
      const format::UnitKind kind = static_cast<format::UnitKind>(kinds[i]);
      format::InstructionCost cost = costOf(target, inst, kind);
      collectAccesses(inst, accesses);
      uint64_t ready = 0;
      for (const Access &a : accesses)
        for (const Run &r : a.runs)
          maps[a.space].forOverlapping(r.begin, r.end, [&](uint64_t, const Seg &s) {
            if (s.writer >= 0)
              ready = std::max(ready, s.writeEnd);
            if (a.write)
              ready = std::max(ready, s.readEnd);
          });
      std::vector<uint64_t> &fa = freeAt[kind];
      size_t instance = 0;
      for (size_t j = 1; j < fa.size(); ++j)
        if (fa[j] < fa[instance])
          instance = j;
      InstructionTiming &t = result.timings[i];
      t.staticCycle = inst.header->cycle;
      t.unitKind = static_cast<uint8_t>(kind);
      t.instance = static_cast<uint32_t>(instance);
      t.issue = std::max({t.staticCycle, ready, fa[instance]});
      if (t.issue > t.staticCycle) {
        t.stall = ready >= fa[instance] ? StallCause::Dependence : StallCause::UnitBusy;
        ++result.stalls[int(t.stall)];
        result.stallCycles[int(t.stall)] += t.issue - t.staticCycle;
      }
      uint64_t duration = cost.cycles;
      if (cost.dramBytes && target.dram().bytes_per_cycle() > 0) {
        const uint64_t latency = specs[kind]->latency_cycles();
        double transferCycles = double(std::max<uint64_t>(duration - std::min(duration - 1, latency), 1));
        double rate = double(cost.dramBytes) / transferCycles;
        double took = dram.transfer(t.issue, double(cost.dramBytes), rate);
        double ideal = double(cost.dramBytes) / std::min(rate, target.dram().bytes_per_cycle());
        if (took > ideal + 1e-6) {
          t.contention = static_cast<uint64_t>(std::ceil(took - ideal - 1e-6));
          duration += t.contention;
          ++result.contentionCount;
          result.contentionCycles += t.contention;
        }
      }
      t.finish = t.issue + duration;
      t.dramBytes = cost.dramBytes;
      fa[instance] = t.finish;
      total = std::max(total, t.finish);
      for (const Access &a : accesses)
        if (!a.write)
          for (const Run &r : a.runs)
            maps[a.space].read(r.begin, r.end, t.finish, int64_t(i));
      for (const Access &a : accesses)
        if (a.write)
          for (const Run &r : a.runs) {
            if (a.space == 0)
              maps[0].write(r.begin, r.end, int64_t(i), t.issue, t.finish, dead);
            else
              maps[a.space].write(r.begin, r.end, int64_t(i), t.issue, t.finish, noDead);
          }
      // Statistics and energy.
      UnitStats &u = result.units[unitIndex[kind]];
      ++u.instructions;
      u.busyCycles += duration;
      u.instanceBusy[instance] += duration;
      NodeTime &node = nodes[inst.header->location];
      ++node.instructions;
      node.cycles += duration;
      result.sramBytes += cost.sramBytes;
      result.dramBytes += cost.dramBytes;
      result.vectorOps += cost.vectorOps;
      const DType rateType = static_cast<DType>(inst.operands[inst.header->numOperands > 1 ? 1 : 0].dtype);
      if (cost.macs) {
        result.macsByDtype[format::dtypeName(rateType)] += cost.macs;
        result.energy.macPj += double(cost.macs) * rateFor(target.energy().pj_per_mac(), rateType);
      }
      if (cost.vectorOps)
        result.energy.vectorPj +=
            double(cost.vectorOps) * rateFor(target.energy().pj_per_op(), rateType);
      if (kind == format::C2C) {
        uint64_t b = regionBytes(inst.operands[0]);
        result.linkBytes += b;
        result.energy.linkPj += double(b) * linkPj;
      }
    }
    maps[0].flush(dead);
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
    std::sort(sramEvents.begin(), sramEvents.end());
    int64_t live = 0;
    for (size_t k = 0; k < sramEvents.size();) {
      uint64_t c = sramEvents[k].first;
      for (; k < sramEvents.size() && sramEvents[k].first == c; ++k)
        live += sramEvents[k].second;
      if (uint64_t(live) > result.sramPeak) {
        result.sramPeak = uint64_t(live);
        result.sramPeakCycle = c;
      }
      if (options.keepTimeline)
        result.sramTimeline.push_back({c, uint64_t(live)});
    }

    // Roofline class.
    for (const UnitStats &u : result.units)
      if (u.name == "MXM" || u.name == "VXM")
        result.computeCycles = std::max(result.computeCycles, u.busyCycles / std::max(u.count, 1u));
    double mem = 0;
    if (target.dram().bytes_per_cycle() > 0)
      mem = std::max(mem, double(result.dramBytes) / target.dram().bytes_per_cycle());
    if (target.sram().bytes_per_cycle() > 0)
      mem = std::max(mem, double(result.sramBytes) / target.sram().bytes_per_cycle());
    result.memoryCycles = static_cast<uint64_t>(std::ceil(mem));
    uint64_t bound = std::max(result.computeCycles, result.memoryCycles);
    if (2 * bound < total)
      result.bound = "latency";
    else
      result.bound = result.computeCycles >= result.memoryCycles ? "compute" : "memory";

    for (auto &[loc, node] : nodes) {
      node.location = loc;
      if (loc < uint32_t(file.locations().locations_size())) {
        node.name = file.locations().locations(int(loc)).node_name();
        node.opType = file.locations().locations(int(loc)).op_type();
      }
      result.topNodes.push_back(node);
    }
    std::stable_sort(result.topNodes.begin(), result.topNodes.end(),
                     [](const NodeTime &a, const NodeTime &b) { return a.cycles > b.cycles; });
    if (result.topNodes.size() > 10)
      result.topNodes.resize(10);

    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return result.timings[a].issue < result.timings[b].issue;
    });
    if (!options.keepTimeline) {
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

}  // namespace lmc::sim
