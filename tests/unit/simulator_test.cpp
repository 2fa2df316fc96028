// The simulator (simulator/): single operations against closed forms
// computed here from the target files, DRAM sharing, schedule verification
// on deliberately broken streams, functional mode, --set overrides, report;
// the memory tracking (strided boxes, exact splits) against element
// enumeration and against a per-byte model on random instruction streams.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/format/CostModel.h"
#include "runtime/format/Reader.h"
#include "runtime/format/SramGroups.h"
#include "runtime/format/TargetLoader.h"
#include "runtime/format/Writer.h"
#include "simulator/Simulator.h"
#include "simulator/src/Dram.h"
#include "simulator/src/Geometry.h"
#include "simulator/src/Replay.h"
#include "simulator/src/Sweep.h"

namespace lmc {
namespace {

using format::DType;
using format::makeRegion;
using format::Opcode;
using format::Region;
using format::Space;
using format::Unit;

format::Target target(const std::string &name) {
  absl::StatusOr<format::Target> t = format::loadTarget(name);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

const format::UnitSpec &unit(const format::Target &t, format::UnitKind kind) {
  const format::UnitSpec *u = format::findUnit(t, kind);
  EXPECT_NE(u, nullptr);
  return *u;
}

double rate(const format::UnitSpec &u, const std::string &dtype) {
  for (const format::Rate &r : u.rates())
    if (r.dtype() == dtype || r.dtype() == "*")
      return r.per_cycle();
  return 0;
}

Region strided(Space space, DType dtype, std::vector<int64_t> shape, std::vector<int64_t> strides,
               uint64_t offset) {
  Region r = makeRegion(space, dtype, shape, offset);
  for (size_t d = 0; d < strides.size(); ++d)
    r.strides[d] = strides[d];
  return r;
}

struct Bin {
  std::unique_ptr<format::BinFile> file;
};

// A writer whose metadata holds `t` and `sramBytes` of SRAM.
format::Writer writerFor(const format::Target &t, uint64_t sramBytes, uint64_t dramBytes = 0) {
  format::Writer w;
  *w.metadata().mutable_target() = t;
  w.metadata().set_sram_bytes(sramBytes);
  w.metadata().set_dram_bytes(dramBytes);
  return w;
}

std::unique_ptr<format::BinFile> finish(format::Writer &w) {
  std::vector<uint8_t> bytes = w.finish("test");
  absl::StatusOr<std::unique_ptr<format::BinFile>> f =
      format::BinFile::fromBytes("test.bin", bytes.data(), bytes.size());
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? std::move(*f) : nullptr;
}

sim::Result simulate(const format::BinFile &f, const format::Target &t, bool functional = false) {
  sim::Options o;
  o.functional = functional;
  absl::StatusOr<sim::Result> r = sim::simulate(f, t, o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : sim::Result();
}

void expectWithin5Percent(double simulated, double closedForm, const std::string &what) {
  EXPECT_LE(std::abs(simulated - closedForm), 0.05 * closedForm)
      << what << ": simulated " << simulated << " cycles, closed form " << closedForm;
}

// ---------------------------------------------------------------- single operations

// A weight-stationary matmul: MACs over the per-instance MAC rate plus one
// unit latency per weight tile installed (K/tile_rows x N/tile_cols tiles).
double matmulClosedForm(const format::Target &t, double m, double k, double n) {
  const format::UnitSpec &u = unit(t, format::MXM);
  double tiles = std::ceil(k / u.tile_rows()) * std::ceil(n / u.tile_cols());
  return m * k * n / rate(u, "f32") + tiles * u.latency_cycles();
}

class MatMulShapes : public ::testing::TestWithParam<std::tuple<const char *, int, int, int>> {};

TEST_P(MatMulShapes, CyclesMatchClosedForm) {
  auto [name, m, k, n] = GetParam();
  format::Target t = target(name);
  uint64_t aBytes = uint64_t(m) * k * 4, bBytes = uint64_t(k) * n * 4, oBytes = uint64_t(m) * n * 4;
  format::Writer w = writerFor(t, aBytes + bBytes + oBytes);
  w.addInstruction(Opcode::MatMul, Unit::Mxm, 0, 0,
                   {makeRegion(Space::Sram, DType::F32, {m, n}, aBytes + bBytes),
                    makeRegion(Space::Sram, DType::F32, {m, k}, 0),
                    makeRegion(Space::Sram, DType::F32, {k, n}, aBytes)},
                   {});
  auto f = finish(w);
  ASSERT_TRUE(f);
  sim::Result r = simulate(*f, t);
  expectWithin5Percent(double(r.totalCycles), matmulClosedForm(t, m, k, n),
                       absl::StrCat(name, " matmul ", m, "x", k, "x", n));
  EXPECT_EQ(r.macsByDtype["f32"], uint64_t(m) * k * n);
  EXPECT_EQ(r.violationCount, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MatMulShapes,
    ::testing::Values(std::make_tuple("ara2", 16, 320, 64), std::make_tuple("ara2", 128, 800, 64),
                      std::make_tuple("ara2", 512, 80, 128), std::make_tuple("lpu", 64, 640, 320),
                      std::make_tuple("lpu", 2048, 320, 320), std::make_tuple("lpu", 300, 960, 320)));

// A group's bandwidth, from the target: stripe_slices x bytes_per_cycle /
// slices (lpu: 4 of 88 slices), or all of it on an interleaved target.
double groupBandwidth(const format::Target &t) {
  const format::Memory &m = t.sram();
  return m.buffers_within_slices() ? m.bytes_per_cycle() / m.slices() * m.stripe_slices()
                                   : m.bytes_per_cycle();
}

class VectorOps : public ::testing::TestWithParam<std::tuple<const char *, Opcode, int, double>> {};

// Element operations (1 per element for add, 8 for exp, 12 for softmax, the
// documented assumption) over the lanes of one instance, plus its latency;
// or, when more, the operands' bytes over the bandwidth of the SRAM slice
// group they share (all lie in lpu's first group of 4 slices; ara2 has one
// group): an lpu multiply of 320 x 320 f32 moves 3 x 409600 bytes at 2560
// B/cycle (480 cycles) where its lanes take 320.
TEST_P(VectorOps, CyclesMatchClosedForm) {
  auto [name, op, elements, opsPerElement] = GetParam();
  format::Target t = target(name);
  uint64_t bytes = uint64_t(elements) * 4;
  format::Writer w = writerFor(t, 3 * bytes);
  std::vector<Region> operands = {makeRegion(Space::Sram, DType::F32, {1, elements}, 2 * bytes),
                                  makeRegion(Space::Sram, DType::F32, {1, elements}, 0)};
  if (format::opcodeInfo(op).minInputs == 2)
    operands.push_back(makeRegion(Space::Sram, DType::F32, {1, elements}, bytes));
  std::vector<int64_t> imms(format::opcodeInfo(op).numImms, 1);
  w.addInstruction(op, Unit::Vxm, 0, 0, operands, imms);
  auto f = finish(w);
  ASSERT_TRUE(f);
  sim::Result r = simulate(*f, t);
  const format::UnitSpec &u = unit(t, format::VXM);
  const double lanes = elements * opsPerElement / rate(u, "f32");
  const double slices = double(operands.size() * bytes) / groupBandwidth(t);
  expectWithin5Percent(double(r.totalCycles), std::max(lanes, slices) + u.latency_cycles(),
                       absl::StrCat(name, " ", format::opcodeInfo(op).mnemonic, " ", elements));
}

INSTANTIATE_TEST_SUITE_P(Ops, VectorOps,
                         ::testing::Values(std::make_tuple("ara2", Opcode::Add, 65536, 1.0),
                                           std::make_tuple("ara2", Opcode::Exp, 8192, 8.0),
                                           std::make_tuple("lpu", Opcode::Mul, 320 * 320, 1.0),
                                           std::make_tuple("lpu", Opcode::Softmax, 320 * 64, 12.0)));

// A weight tile from DRAM (ara2's constants live there) to SRAM: bytes over
// one DMA channel's rate plus the DRAM latency.
TEST(SimulatorDma, TransferMatchesClosedForm) {
  format::Target t = target("ara2");
  const int64_t rows = 1024, cols = 256;  // 1 MiB
  const uint64_t bytes = uint64_t(rows) * cols * 4;
  std::vector<float> weights(size_t(rows * cols), 0.5f);
  format::Writer w = writerFor(t, bytes);
  uint64_t at = w.addConstant(weights.data(), bytes);
  w.addInstruction(Opcode::Copy, Unit::Dma, 0, 0,
                   {makeRegion(Space::Sram, DType::F32, {rows, cols}, 0),
                    makeRegion(Space::Const, DType::F32, {rows, cols}, at)},
                   {});
  auto f = finish(w);
  ASSERT_TRUE(f);
  sim::Result r = simulate(*f, t);
  const format::UnitSpec &dma = unit(t, format::DMA);
  expectWithin5Percent(double(r.totalCycles), bytes / rate(dma, "*") + dma.latency_cycles(),
                       "ara2 dma 1 MiB");
  EXPECT_EQ(r.dramBytes, bytes);
  EXPECT_EQ(r.contentionCount, 0u);
}

// Two concurrent transfers on a DRAM slower than the two channels together
// share its bandwidth: together they take 2 x bytes / dram.bytes_per_cycle.
TEST(SimulatorDma, ConcurrentTransfersShareDramBandwidth) {
  format::Target t = target("ara2");
  const int64_t rows = 512, cols = 256;
  const uint64_t bytes = uint64_t(rows) * cols * 4;
  std::vector<float> weights(size_t(rows * cols) * 2, 0.25f);
  format::Writer w = writerFor(t, 2 * bytes);
  uint64_t at = w.addConstant(weights.data(), 2 * bytes);
  for (int i = 0; i < 2; ++i)
    w.addInstruction(Opcode::Copy, Unit::Dma, 0, 0,
                     {makeRegion(Space::Sram, DType::F32, {rows, cols}, i * bytes),
                      makeRegion(Space::Const, DType::F32, {rows, cols}, at + i * bytes)},
                     {});
  auto f = finish(w);
  ASSERT_TRUE(f);
  const format::UnitSpec &dma = unit(t, format::DMA);
  // The built-in figures: two channels exactly fill the DRAM: no contention.
  sim::Result fast = simulate(*f, t);
  EXPECT_EQ(fast.contentionCount, 0u);
  expectWithin5Percent(double(fast.totalCycles), bytes / rate(dma, "*") + dma.latency_cycles(),
                       "two channels, full DRAM");
  // Halve the DRAM: the pair now takes 2 x bytes / (new bandwidth).
  format::Target slow = t;
  ASSERT_TRUE(sim::applyOverride(slow, "dram.bytes_per_cycle=17.05").ok());
  sim::Result r = simulate(*f, slow);
  EXPECT_GT(r.contentionCount, 0u);
  expectWithin5Percent(double(r.totalCycles), 2.0 * bytes / 17.05 + dma.latency_cycles(),
                       "two channels, half DRAM");
  EXPECT_EQ(r.violationCount, 0u);  // verification uses the compiled-for target
}

// ---------------------------------------------------------------- SRAM slice groups

// An element-wise add of `n` f32 values on the VXM (instance free at
// `cycle`), its output and inputs at the SRAM offsets `at`.
void addInstructionAt(format::Writer &w, int64_t n, const uint64_t (&at)[3], uint64_t cycle = 0) {
  w.addInstruction(Opcode::Add, Unit::Vxm, cycle, 0,
                   {makeRegion(Space::Sram, DType::F32, {n}, at[0]),
                    makeRegion(Space::Sram, DType::F32, {n}, at[1]),
                    makeRegion(Space::Sram, DType::F32, {n}, at[2])},
                   {});
}

// lpu: an add's three operands in one group of slices move 3 x 4n bytes
// at the group's bandwidth, slower than the VXM's n / 320 cycles; in three
// groups each keeps up and the VXM's rate sets the time.
TEST(SimulatorSram, OperandsInOneGroupShareItsBandwidth) {
  format::Target t = target("lpu");
  const double bw = groupBandwidth(t);
  ASSERT_EQ(bw, 2560.0);
  const uint64_t group = format::sramGroups(t).bytes;
  ASSERT_EQ(group, 4 * format::sliceBytes(t.sram()));
  const int64_t n = 320 * 320;
  const uint64_t bytes = uint64_t(n) * 4;
  const format::UnitSpec &vxm = unit(t, format::VXM);
  for (bool shared : {true, false}) {
    format::Writer w = writerFor(t, 3 * group);
    const uint64_t at[3] = {0, shared ? bytes : group, shared ? 2 * bytes : 2 * group};
    addInstructionAt(w, n, at);
    auto f = finish(w);
    ASSERT_TRUE(f);
    sim::Result r = simulate(*f, t);
    const double closedForm =
        shared ? 3.0 * bytes / bw + vxm.latency_cycles() : n / rate(vxm, "f32") + vxm.latency_cycles();
    EXPECT_EQ(double(r.totalCycles), std::ceil(closedForm)) << (shared ? "one group" : "three");
    EXPECT_EQ(r.sramContentionCount, shared ? 1u : 0u);
    EXPECT_EQ(r.sramGroupsUsed, shared ? 1u : 3u);
    EXPECT_EQ(r.sramBoundCount, 0u);  // the cost model puts operands in groups of their own
    ASSERT_FALSE(r.sramHotGroups.empty());
    EXPECT_EQ(r.sramHotGroups[0].name, "sram group 0");
    EXPECT_EQ(r.sramHotGroups[0].busyCycles, uint64_t(std::ceil((shared ? 3 : 1) * bytes / bw)));
    EXPECT_EQ(r.violationCount, 0u);
  }
}

// lpu: two one-row matmuls on two MXM planes at cycle 0, each bound by
// reading its 320x320 f32 weight tile from one group (the cost model's
// slice bound: 409600 / 2560 = 160 cycles > 4 cycles of MACs). With both
// tiles in one group the second waits for the first's share: 2x; in two
// groups both take 1x.
TEST(SimulatorSram, ConcurrentInstructionsOnOneGroupTakeTwiceAsLong) {
  format::Target t = target("lpu");
  const double bw = groupBandwidth(t);
  const uint64_t group = format::sramGroups(t).bytes;
  const uint64_t tile = 320 * 320 * 4;
  const format::UnitSpec &mxm = unit(t, format::MXM);
  for (bool shared : {true, false}) {
    format::Writer w = writerFor(t, 6 * group);
    for (uint64_t k = 0; k < 2; ++k)
      w.addInstruction(Opcode::MatMul, Unit::Mxm, 0, 0,
                       {makeRegion(Space::Sram, DType::F32, {1, 320}, (2 + 2 * k) * group),
                        makeRegion(Space::Sram, DType::F32, {1, 320}, (3 + 2 * k) * group),
                        makeRegion(Space::Sram, DType::F32, {320, 320},
                                   shared ? k * tile : k * group)},
                       {});
    auto f = finish(w);
    ASSERT_TRUE(f);
    sim::Result r = simulate(*f, t);
    const double one = std::ceil(tile / bw);
    EXPECT_EQ(r.sramBoundCount, 2u);
    EXPECT_EQ(r.scheduleCycles, 0u);
    EXPECT_EQ(double(r.totalCycles), (shared ? 2 * one : one) + mxm.latency_cycles())
        << (shared ? "one group" : "two groups");
    EXPECT_EQ(r.sramContentionCycles, shared ? uint64_t(one) : 0u);
    EXPECT_EQ(r.sramLimit, "slice group");
  }
}

// --set sram.stripe_slices=N: groups of N slices at N x the per-slice
// bandwidth (the add above, one group, at 5 slices: 3 x 4n / 3200 cycles,
// still more than the VXM's n / 320); more than the slices is an error
// naming the field.
TEST(SimulatorSram, StripeSlicesOverride) {
  format::Target t = target("lpu");
  const int64_t n = 320 * 320;
  const uint64_t bytes = uint64_t(n) * 4;
  format::Writer w = writerFor(t, 3 * bytes);
  addInstructionAt(w, n, {0, bytes, 2 * bytes});
  auto f = finish(w);
  ASSERT_TRUE(f);
  format::Target wide = t;
  ASSERT_TRUE(sim::applyOverride(wide, "sram.stripe_slices=5").ok());
  ASSERT_TRUE(format::validateTarget(wide, "--set").ok());
  EXPECT_EQ(format::sramGroups(wide).bytes, 5 * format::sliceBytes(t.sram()));
  const double bw = groupBandwidth(wide);
  EXPECT_EQ(bw, 3200.0);
  sim::Result r = simulate(*f, wide);
  const format::UnitSpec &vxm = unit(t, format::VXM);
  EXPECT_EQ(double(r.totalCycles), std::ceil(3.0 * bytes / bw) + vxm.latency_cycles());
  EXPECT_GT(3.0 * bytes / bw, n / rate(vxm, "f32"));
  ASSERT_TRUE(sim::applyOverride(wide, "sram.stripe_slices=89").ok());
  absl::Status s = format::validateTarget(wide, "--set");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("sram.stripe_slices"), std::string::npos) << s;
}

// ara2 interleaves its 16 slices: one group at the aggregate bandwidth,
// set here to what one add on a vector engine needs (64 elements per
// cycle x 3 operands x 4 bytes = 768 B/cycle). Four adds at once on the
// four engines share it: the last finishes after 4 x 3 x 4n / 768 cycles.
TEST(SimulatorSram, InterleavedTargetSharesTheAggregateBandwidth) {
  format::Target t = target("ara2");
  const format::UnitSpec &vxm = unit(t, format::VXM);
  ASSERT_EQ(vxm.count(), 4u);
  t.mutable_sram()->set_bytes_per_cycle(3 * 4 * rate(vxm, "f32"));
  const double bw = groupBandwidth(t);
  ASSERT_EQ(bw, 768.0);
  const int64_t n = 16384;
  const uint64_t bytes = uint64_t(n) * 4;
  for (int adds : {1, 4}) {
    format::Writer w = writerFor(t, 12 * bytes);
    for (int k = 0; k < adds; ++k) {
      const uint64_t at[3] = {3 * k * bytes, (3 * k + 1) * bytes, (3 * k + 2) * bytes};
      addInstructionAt(w, n, at);
    }
    auto f = finish(w);
    ASSERT_TRUE(f);
    sim::Result r = simulate(*f, t);
    EXPECT_EQ(double(r.totalCycles), adds * 3.0 * bytes / bw + vxm.latency_cycles()) << adds;
    EXPECT_EQ(r.sramGroupsUsed, 1u);
    EXPECT_EQ(r.sramHotGroups.at(0).name, "sram (16 slices interleaved)");
    EXPECT_EQ(r.sramContentionCount, uint64_t(adds - 1));
    EXPECT_EQ(r.sramLimit, adds == 4 ? "aggregate" : "");
    EXPECT_EQ(r.violationCount, 0u);
  }
}

// The DRAM model's definition, computed the slow way: every earlier
// transfer is kept as its list of (from, to, bytes/cycle) pieces; the use at
// any moment is their sum, re-added from scratch between every pair of
// consecutive piece ends.
class ReferenceDram {
public:
  explicit ReferenceDram(double bw) : bw_(bw) {}
  double transfer(uint64_t start, double bytes, double rate) {
    rate = std::min(rate, bw_);
    const double s = double(start);
    std::vector<double> cuts = {s};
    for (const Piece &p : pieces_)
      for (double t : {p.from, p.to})
        if (t > s)
          cuts.push_back(t);
    std::sort(cuts.begin(), cuts.end());
    cuts.push_back(std::numeric_limits<double>::infinity());
    std::vector<Piece> mine;
    double remaining = bytes;
    for (size_t k = 0; k + 1 < cuts.size(); ++k) {
      const double from = cuts[k], to = cuts[k + 1];
      if (to <= from)
        continue;
      double used = 0;
      for (const Piece &p : pieces_)
        if (p.from <= from && to <= p.to)
          used += p.rate;
      const double take = std::min(rate, bw_ - used);
      if (take <= 1e-12)
        continue;
      if (take * (to - from) >= remaining - 1e-9) {
        mine.push_back({from, from + remaining / take, take});
        break;
      }
      mine.push_back({from, to, take});
      remaining -= take * (to - from);
    }
    pieces_.insert(pieces_.end(), mine.begin(), mine.end());
    return mine.back().to - s;
  }

private:
  struct Piece {
    double from, to, rate;
  };
  double bw_;
  std::vector<Piece> pieces_;
};

TEST(SimulatorDram, ClosedForms) {
  // Alone: bytes / rate, the rate capped at the bandwidth.
  sim::dram::Model m(32);
  EXPECT_DOUBLE_EQ(m.transfer(100, 3200, 16), 200);
  EXPECT_DOUBLE_EQ(m.transfer(1000, 3200, 64), 100);
  // Two halves of the bandwidth side by side: no contention.
  sim::dram::Model halves(32);
  EXPECT_DOUBLE_EQ(halves.transfer(0, 1600, 16), 100);
  EXPECT_DOUBLE_EQ(halves.transfer(0, 1600, 16), 100);
  // Two at full rate from the same cycle: the second waits for the first.
  sim::dram::Model full(32);
  EXPECT_DOUBLE_EQ(full.transfer(0, 3200, 32), 100);
  EXPECT_DOUBLE_EQ(full.transfer(0, 3200, 32), 200);
  // A transfer at 24 B/cycle over [0, 100); a second asking 24 from cycle 50
  // gets 8 until 100, then 24: 400 bytes at 8, the other 2000 at 24.
  sim::dram::Model part(32);
  EXPECT_DOUBLE_EQ(part.transfer(0, 2400, 24), 100);
  EXPECT_DOUBLE_EQ(part.transfer(50, 2400, 24), 50 + 2000.0 / 24);
  // A third from cycle 0 finds 8 B/cycle until 50, none until 100, 8 until
  // the second ends, then the whole bandwidth.
  const double secondEnd = 100 + 2000.0 / 24, third = 2000;
  const double left = third - 8 * 50 - 8 * (secondEnd - 100);
  EXPECT_NEAR(part.transfer(0, third, 32), secondEnd + left / 32, 1e-9);
}

// The SRAM occupancy sweep gives, for each distinct cycle in order, the
// bytes live after it, as summing each cycle's births and deaths in a map
// does: on events nearly in order (the insertion sort) and on events in
// any order (past its budget of moves, the radix sort), over cycles that
// need one to four radix passes.
TEST(SimulatorSweep, MatchesSummingByCycle) {
  std::mt19937_64 rng(17);
  for (int run = 0; run < 200; ++run) {
    const size_t n = size_t(rng() % 400);
    const bool shuffled = run % 2 == 1;
    const uint64_t scale = uint64_t(1) << (5 + 11 * (run % 4));
    std::vector<uint64_t> born(n), dies(n), issue(n), finish(n);
    uint64_t clock = 0;
    for (size_t i = 0; i < n; ++i) {
      clock += rng() % 8;
      issue[i] = shuffled ? rng() % (scale * 64) : clock * scale / 8 + rng() % 64;
      finish[i] = issue[i] + rng() % (shuffled ? scale : 200);
      born[i] = rng() % 3 ? rng() % 1000 : 0;
      dies[i] = rng() % 3 ? rng() % 1000 : 0;
    }
    std::map<uint64_t, int64_t> byCycle;
    for (size_t i = 0; i < n; ++i) {
      if (born[i])
        byCycle[issue[i]] += int64_t(born[i]);
      if (dies[i])
        byCycle[finish[i]] -= int64_t(dies[i]);
    }
    std::vector<std::pair<uint64_t, int64_t>> want, got;
    int64_t live = 0;
    for (const auto &[cycle, bytes] : byCycle)
      want.emplace_back(cycle, live += bytes);
    sim::sramSweep(born.data(), dies.data(), born.size(), issue.data(), finish.data(),
                   [&](uint64_t cycle, int64_t bytes) { got.emplace_back(cycle, bytes); });
    ASSERT_EQ(got, want) << "run " << run;
    // The events in an arena (the simulator's way), here after other data.
    sim::Arena arena(64 + 2 * 16 * n);
    std::fill_n(arena.take<uint8_t>(64), 64, uint8_t(0xAB));
    got.clear();
    sim::sramSweep(
        born.data(), dies.data(), born.size(), issue.data(), finish.data(),
        [&](uint64_t cycle, int64_t bytes) { got.emplace_back(cycle, bytes); }, &arena);
    ASSERT_EQ(got, want) << "run " << run << ", in an arena";
  }
}

TEST(SimulatorDram, AgreesWithTheSlowDefinition) {
  std::mt19937_64 rng(7);
  size_t mostSteps = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const double bw = trial % 3 == 0 ? 34.1 : trial % 3 == 1 ? 17.05 : double(1 + rng() % 64) / 3;
    sim::dram::Model fast(bw);
    ReferenceDram ref(bw);
    const bool forget = trial % 2 == 0;
    uint64_t at = 0;
    for (int i = 0; i < 200; ++i) {
      // Mostly increasing starts, some going back (not below `at` when the
      // model forgets the past); rates below, at and above the bandwidth.
      at += rng() % 2000;
      const uint64_t back = rng() % 5 == 0 ? rng() % (at + 1) : 0;
      const uint64_t start = forget ? at : at - back;
      if (forget)
        fast.forget(at);
      const double bytes = rng() % 4 == 0 ? double(rng() % 1000 + 1) : double(rng() % 400000 + 1);
      const double rate = rng() % 3 == 0 ? bw / 2 : bw * double(rng() % 1000 + 1) / 700.0;
      const double a = fast.transfer(start, bytes, rate), b = ref.transfer(start, bytes, rate);
      ASSERT_NEAR(a, b, 1e-6 * std::max(1.0, b))
          << "trial " << trial << " transfer " << i << " start " << start << " bytes " << bytes
          << " rate " << rate;
      mostSteps = std::max(mostSteps, fast.steps());
    }
  }
  // Merged equal neighbours and forgotten steps keep the list short.
  EXPECT_LT(mostSteps, 600u);
}

// ---------------------------------------------------------------- verification

// x (IO input) -> add t = x + x at cycle 0 -> mul y = t * t at `mulCycle`.
std::unique_ptr<format::BinFile> chain(uint64_t mulCycle, Unit secondUnit = Unit::Vxm) {
  format::Target t = target("ara2");
  format::Writer w = writerFor(t, 4096 * 4);
  w.io().add_inputs()->set_name("x");
  w.io().mutable_inputs(0)->set_dtype(uint32_t(DType::F32));
  w.io().mutable_inputs(0)->add_shape(4096);
  w.io().add_outputs()->set_name("y");
  w.io().mutable_outputs(0)->set_dtype(uint32_t(DType::F32));
  w.io().mutable_outputs(0)->add_shape(4096);
  uint32_t add = w.addLocation("producer_add", "Add");
  uint32_t mul = w.addLocation("consumer_mul", "Mul");
  Region x = makeRegion(Space::Io, DType::F32, {4096}, 0, 0);
  Region y = makeRegion(Space::Io, DType::F32, {4096}, 0, 1);
  Region tmp = makeRegion(Space::Sram, DType::F32, {4096}, 0);
  w.addInstruction(Opcode::Add, Unit::Vxm, 0, add, {tmp, x, x}, {});
  w.addInstruction(Opcode::Mul, secondUnit, mulCycle, mul, {y, tmp, tmp}, {});
  return finish(w);
}

TEST(SimulatorVerify, ValidScheduleHasNoViolation) {
  format::Target t = target("ara2");
  const format::UnitSpec &vxm = unit(t, format::VXM);
  uint64_t addCycles = uint64_t(std::ceil(4096.0 / rate(vxm, "f32"))) + vxm.latency_cycles();
  auto f = chain(addCycles);
  ASSERT_TRUE(f);
  uint64_t total = 99;
  EXPECT_TRUE(sim::verifySchedule(*f, 10, &total).empty());
  EXPECT_EQ(total, 0u);
  sim::Result r = simulate(*f, t);
  EXPECT_EQ(r.totalCycles, 2 * addCycles);  // exactly the static schedule
  EXPECT_EQ(r.stalls[1] + r.stalls[2], 0u);
}

TEST(SimulatorVerify, ConsumerIssuedBeforeProducerIsCaught) {
  auto f = chain(3);  // the add needs 72 cycles
  ASSERT_TRUE(f);
  std::vector<sim::Violation> v = sim::verifySchedule(*f, 10);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, sim::Violation::ReadBeforeWritten);
  EXPECT_EQ(v[0].index, 1u);
  EXPECT_EQ(v[0].other, 0u);
  EXPECT_EQ(v[0].cycle, 3u);
  EXPECT_NE(v[0].message.find("instruction 1 'mul'"), std::string::npos) << v[0].message;
  EXPECT_NE(v[0].message.find("consumer_mul"), std::string::npos) << v[0].message;
  EXPECT_NE(v[0].message.find("producer_add"), std::string::npos) << v[0].message;
  EXPECT_NE(v[0].message.find("cycle 3"), std::string::npos) << v[0].message;
  // The simulated machine interlocks: the consumer waits (a dependence
  // stall), and the functional result is still right.
  sim::Result r = simulate(*f, f->metadata().target(), /*functional=*/true);
  EXPECT_EQ(r.violationCount, 1u);
  EXPECT_EQ(r.stalls[int(sim::StallCause::Dependence)], 1u);
  EXPECT_GE(r.timings[1].issue, r.timings[0].finish);
  ASSERT_EQ(r.outputs.size(), 1u);
  std::vector<uint8_t> x = sim::randomTensor(DType::F32, 4096, 0);
  for (int i = 0; i < 4096; i += 517) {
    float xi, yi;
    std::memcpy(&xi, x.data() + 4 * i, 4);
    std::memcpy(&yi, r.outputs[0].data() + 4 * i, 4);
    EXPECT_EQ(yi, (xi + xi) * (xi + xi));
  }
}

TEST(SimulatorVerify, DoubleBookedUnitIsCaught) {
  // Five independent copies at cycle 0 on ara2's two SXM instances.
  format::Target t = target("ara2");
  format::Writer w = writerFor(t, 10 * 4096);
  uint32_t loc = w.addLocation("copies", "Identity");
  for (int i = 0; i < 5; ++i)
    w.addInstruction(Opcode::Copy, Unit::Sxm, 0, loc,
                     {makeRegion(Space::Sram, DType::F32, {1024}, (5 + i) * 4096),
                      makeRegion(Space::Sram, DType::F32, {1024}, i * 4096)},
                     {});
  auto f = finish(w);
  ASSERT_TRUE(f);
  uint64_t total = 0;
  std::vector<sim::Violation> v = sim::verifySchedule(*f, 10, &total);
  ASSERT_EQ(total, 3u);
  EXPECT_EQ(v[0].kind, sim::Violation::DoubleBooked);
  EXPECT_EQ(v[0].index, 2u);
  EXPECT_NE(v[0].message.find("SXM"), std::string::npos) << v[0].message;
  sim::Result r = simulate(*f, t);
  EXPECT_EQ(r.stalls[int(sim::StallCause::UnitBusy)], 3u);
  for (const sim::UnitStats &u : r.units)
    EXPECT_LE(u.busyCycles, uint64_t(u.count) * r.totalCycles) << u.name;
  // The critical path: copies 0, 2 and 4 one after another on instance 0,
  // each waiting for its unit.
  const sim::CriticalPath &c = r.critical;
  EXPECT_EQ(c.indices, (std::vector<uint32_t>{0, 2, 4}));
  EXPECT_EQ(c.unitLinks, 2u);
  EXPECT_EQ(c.dependenceLinks, 0u);
  EXPECT_EQ(c.busyCycles, r.totalCycles);
  EXPECT_EQ(c.staticWaitCycles, 0u);
}

TEST(SimulatorCriticalPath, ChainAddsUpToTheLatency) {
  format::Target t = target("ara2");
  const format::UnitSpec &vxm = unit(t, format::VXM);
  const uint64_t addCycles = uint64_t(std::ceil(4096.0 / rate(vxm, "f32"))) + vxm.latency_cycles();
  for (uint64_t slack : {uint64_t(0), uint64_t(50)}) {
    // The mul needs the add's result; it is scheduled `slack` cycles late.
    auto f = chain(addCycles + slack);
    ASSERT_TRUE(f);
    sim::Result r = simulate(*f, t);
    const sim::CriticalPath &c = r.critical;
    EXPECT_EQ(c.indices, (std::vector<uint32_t>{0, 1}));
    EXPECT_EQ(c.dependenceLinks, 1u);
    EXPECT_EQ(c.unitLinks, 0u);
    EXPECT_EQ(c.startCycle, 0u);
    EXPECT_EQ(c.busyCycles, 2 * addCycles);
    EXPECT_EQ(c.staticWaitCycles, slack);
    EXPECT_EQ(r.totalCycles, 2 * addCycles + slack);
    ASSERT_EQ(c.topNodes.size(), 2u);
    EXPECT_EQ(c.topNodes[0].cycles, addCycles);
    ASSERT_EQ(c.cyclesByUnit.size(), 1u);
    EXPECT_EQ(c.cyclesByUnit[0], std::make_pair(std::string("VXM"), 2 * addCycles));
  }
}

// A multi-chip file: each chip has its own unit instances and its own SRAM
// range. Eight copies at cycle 0 on lpu's four SXM instances are fine on
// two chips (four each) and double-book one chip; a C2C copy from chip 0's
// SRAM into chip 1's is the link traffic.
std::unique_ptr<format::BinFile> twoChipCopies(const format::Target &t, bool split) {
  format::Writer w = writerFor(t, 2 * 32768);
  w.metadata().set_chips(2);
  for (uint64_t base : {0u, 32768u}) {
    format::ChipMemory *m = w.metadata().add_chip_memory();
    m->set_sram_offset(base);
    m->set_sram_bytes(32768);
  }
  uint32_t loc = w.addLocation("copies", "Identity");
  for (int i = 0; i < 8; ++i) {
    const uint16_t chip = split ? uint16_t(i / 4) : 0;
    const uint64_t base = 32768 * uint64_t(i / 4) + 4096 * uint64_t(i % 4);
    w.addInstruction(Opcode::Copy, Unit::Sxm, 0, loc,
                     {makeRegion(Space::Sram, DType::F32, {1024}, base + 16384),
                      makeRegion(Space::Sram, DType::F32, {1024}, base)},
                     {}, chip);
  }
  w.addInstruction(Opcode::Copy, Unit::C2c, 1000, loc,
                   {makeRegion(Space::Sram, DType::I8, {4096}, 32768),
                    makeRegion(Space::Sram, DType::I8, {4096}, 16384)},
                   {}, 0);
  return finish(w);
}

TEST(SimulatorChips, EachChipHasItsOwnUnitsAndSram) {
  format::Target t = target("lpu");
  auto split = twoChipCopies(t, true), one = twoChipCopies(t, false);
  ASSERT_TRUE(split && one);
  uint64_t total = 0;
  sim::verifySchedule(*split, 10, &total);
  EXPECT_EQ(total, 0u);
  std::vector<sim::Violation> v = sim::verifySchedule(*one, 10, &total);
  ASSERT_EQ(total, 4u);
  EXPECT_EQ(v[0].kind, sim::Violation::DoubleBooked);
  sim::Result r = simulate(*split, t);
  EXPECT_EQ(r.chips, 2u);
  ASSERT_EQ(r.chipStats.size(), 2u);
  EXPECT_EQ(r.stalls[int(sim::StallCause::UnitBusy)], 0u);
  EXPECT_EQ(r.chipStats[0].instructions, 5u);
  EXPECT_EQ(r.chipStats[1].instructions, 4u);
  // The copies' 4 x 4096 written bytes per chip are live together at cycle 0.
  EXPECT_EQ(r.chipStats[0].sramPeak, 16384u);
  EXPECT_EQ(r.chipStats[1].sramPeak, 16384u);
  EXPECT_EQ(r.sramPeak, 32768u);
  EXPECT_EQ(r.linkBytes, 4096u);
  EXPECT_EQ(r.chipStats[0].linkBytesSent, 4096u);
  EXPECT_EQ(r.chipStats[1].linkBytesSent, 0u);
  EXPECT_EQ(r.sramCapacity, 2 * t.sram().bytes());
  for (const sim::UnitStats &u : r.units) {
    if (u.name == "SXM") {
      EXPECT_EQ(u.count, 8u);
    }
  }
  sim::Result busy = simulate(*one, t);
  EXPECT_EQ(busy.stalls[int(sim::StallCause::UnitBusy)], 4u);
}

TEST(SimulatorVerify, OverwriteWhileLiveIsCaught) {
  // 0: a long exp reads A; 1: a copy overwrites A at cycle 1.
  format::Target t = target("ara2");
  format::Writer w = writerFor(t, 3 * 65536);
  w.addInstruction(Opcode::Exp, Unit::Vxm, 0, 0,
                   {makeRegion(Space::Sram, DType::F32, {16384}, 65536),
                    makeRegion(Space::Sram, DType::F32, {16384}, 0)},
                   {});
  w.addInstruction(Opcode::Copy, Unit::Sxm, 1, 0,
                   {makeRegion(Space::Sram, DType::F32, {16384}, 0),
                    makeRegion(Space::Sram, DType::F32, {16384}, 131072)},
                   {});
  auto f = finish(w);
  ASSERT_TRUE(f);
  std::vector<sim::Violation> v = sim::verifySchedule(*f, 10);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, sim::Violation::OverwrittenWhileLive);
  EXPECT_EQ(v[0].index, 1u);
  EXPECT_EQ(v[0].other, 0u);
}

// Column tiles of one row-major matrix written by concurrent matmuls do not
// overlap byte-wise: no false dependence, no violation.
TEST(SimulatorVerify, DisjointColumnTilesAreIndependent) {
  format::Target t = target("ara2");
  const int64_t m = 16, k = 80, n = 128;
  format::Writer w = writerFor(t, (m * k + k * n + m * n) * 4);
  uint64_t out = (m * k + k * n) * 4;
  for (int tile = 0; tile < 2; ++tile)
    w.addInstruction(Opcode::MatMul, Unit::Mxm, 0, 0,
                     {strided(Space::Sram, DType::F32, {m, 64}, {n, 1}, out + tile * 64 * 4),
                      makeRegion(Space::Sram, DType::F32, {m, k}, 0),
                      strided(Space::Sram, DType::F32, {k, 64}, {n, 1}, m * k * 4 + tile * 64 * 4)},
                     {});
  auto f = finish(w);
  ASSERT_TRUE(f);
  EXPECT_TRUE(sim::verifySchedule(*f, 10).empty());
  sim::Result r = simulate(*f, t);
  EXPECT_EQ(r.timings[1].issue, 0u);
}

// ---------------------------------------------------------------- exact memory tracking

// The bytes of a region, by enumerating its elements.
std::vector<uint64_t> elementBytes(const Region &r) {
  std::vector<uint64_t> out;
  const int64_t es = int64_t(format::dtypeSize(static_cast<DType>(r.dtype)));
  for (unsigned d = 0; d < r.rank; ++d)
    if (r.shape[d] == 0)
      return out;
  int64_t idx[format::kMaxRank] = {};
  for (;;) {
    int64_t off = int64_t(r.offset);
    for (unsigned d = 0; d < r.rank; ++d)
      off += idx[d] * r.strides[d] * es;
    for (int64_t b = 0; b < es; ++b)
      out.push_back(uint64_t(off + b));
    int d = int(r.rank) - 1;
    while (d >= 0 && ++idx[d] == r.shape[d])
      idx[d--] = 0;
    if (d < 0)
      break;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The bytes of boxes, checking that they are regular and disjoint.
std::vector<uint64_t> boxBytes(const sim::geom::Boxes &boxes) {
  std::vector<uint64_t> out;
  for (const sim::geom::Box &b : boxes) {
    sim::geom::Box c = b;
    EXPECT_TRUE(sim::geom::canonicalize(c) && c == b) << "box not canonical";
    std::vector<std::pair<uint64_t, uint64_t>> runs;
    sim::geom::runsOf(b, runs);
    for (const auto &[begin, end] : runs)
      for (uint64_t x = begin; x < end; ++x)
        out.push_back(x);
  }
  std::sort(out.begin(), out.end());
  EXPECT_TRUE(std::adjacent_find(out.begin(), out.end()) == out.end()) << "boxes overlap";
  return out;
}

std::vector<uint64_t> boxBytes(const sim::geom::Box &b) { return boxBytes(sim::geom::Boxes{b}); }

Region regionOf(Space space, DType dtype, std::vector<int64_t> shape, std::vector<int64_t> strides,
                uint64_t offset, uint32_t buffer = 0) {
  Region r = makeRegion(space, dtype, shape, offset, buffer);
  for (size_t d = 0; d < strides.size(); ++d)
    r.strides[d] = strides[d];
  return r;
}

// A random region of `bytes` bytes at most: random strides (negative, zero,
// overlapping rows), or a column tile of a row-major matrix, or a head view
// of a [rows, heads, dim] tensor, or contiguous data.
Region randomRegion(std::mt19937 &rng, Space space, uint64_t bytes, DType dtype,
                    uint32_t buffer = 0) {
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const int64_t es = int64_t(format::dtypeSize(dtype));
  for (;;) {
    std::vector<int64_t> shape, strides;
    switch (uniform(0, 3)) {
    case 0: {  // anything
      int rank = int(uniform(1, 4));
      for (int d = 0; d < rank; ++d) {
        shape.push_back(uniform(0, 10) == 0 ? 0 : uniform(1, 5));
        strides.push_back(uniform(0, 4) == 0 ? 0 : uniform(-9, 9));
      }
      break;
    }
    case 1: {  // column tile [rows, cols] of a matrix with row pitch `pitch`
      int64_t pitch = uniform(2, 24), cols = uniform(1, pitch);
      shape = {uniform(1, 8), cols};
      strides = {pitch, 1};
      break;
    }
    case 2: {  // head view [rows, heads, dim] of rows of heads x headDim
      int64_t headDim = uniform(2, 6), heads = uniform(1, 4), dim = uniform(1, headDim);
      shape = {uniform(1, 5), heads, dim};
      strides = {heads * headDim * uniform(1, 2), headDim, 1};
      if (uniform(0, 1))
        std::swap(shape[0], shape[1]), std::swap(strides[0], strides[1]);
      break;
    }
    default: {  // contiguous
      int64_t n = uniform(1, 64);
      shape = {n};
      strides = {1};
      break;
    }
    }
    int64_t lo = 0, hi = 0;
    bool empty = false;
    for (size_t d = 0; d < shape.size(); ++d) {
      empty |= shape[d] == 0;
      int64_t ext = (std::max<int64_t>(shape[d], 1) - 1) * strides[d] * es;
      (ext < 0 ? lo : hi) += ext;
    }
    if (hi - lo + es > int64_t(bytes))
      continue;
    int64_t first = (-lo + es - 1) / es, last = (int64_t(bytes) - es - hi) / es;
    if (empty)
      first = last = 0;
    if (first > last)
      continue;
    return regionOf(space, dtype, shape, strides, uint64_t(uniform(first, last) * es), buffer);
  }
}

DType randomDtype(std::mt19937 &rng) {
  const DType types[] = {DType::U8, DType::F16, DType::F32, DType::F64};
  return types[std::uniform_int_distribution<int>(0, 3)(rng)];
}

// `shape` laid out at random in a space of `bytes` bytes: row-major,
// row-major with a row pitch (a column tile), transposed, or any strides
// (negative, zero); false when it does not fit.
bool layoutRegion(std::mt19937 &rng, Space space, uint64_t bytes, DType dtype,
                  const std::vector<int64_t> &shape, uint32_t buffer, Region &out) {
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const int64_t es = int64_t(format::dtypeSize(dtype));
  const size_t rank = shape.size();
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::vector<int64_t> strides(rank);
    int layout = attempt == 7 ? 0 : int(uniform(0, 3));
    std::vector<size_t> order(rank);
    for (size_t d = 0; d < rank; ++d)
      order[d] = d;
    if (layout == 2)
      std::shuffle(order.begin(), order.end(), rng);
    int64_t stride = 1;
    for (size_t k = rank; k-- > 0;) {
      const size_t d = order[k];
      strides[d] = stride;
      stride *= shape[d];
      if (layout == 1 && k == rank - 1)
        stride += uniform(0, 6);  // row pitch beyond the row
    }
    if (layout == 3)
      for (int64_t &x : strides)
        x = uniform(0, 3) == 0 ? 0 : uniform(-7, 7);
    int64_t lo = 0, hi = 0;
    bool empty = false;
    for (size_t d = 0; d < rank; ++d) {
      empty |= shape[d] == 0;
      int64_t ext = (std::max<int64_t>(shape[d], 1) - 1) * strides[d] * es;
      (ext < 0 ? lo : hi) += ext;
    }
    if (hi - lo + es > int64_t(bytes))
      continue;
    int64_t first = (-lo + es - 1) / es, last = (int64_t(bytes) - es - hi) / es;
    if (empty)
      first = last = 0;
    if (first > last)
      continue;
    out = regionOf(space, dtype, shape, strides, uint64_t(uniform(first, last) * es), buffer);
    return true;
  }
  return false;
}

TEST(SimulatorGeometry, RegionBoxesAreTheRegionsBytes) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 5000; ++trial) {
    Region r = randomRegion(rng, Space::Sram, 512, randomDtype(rng));
    sim::geom::Boxes boxes;
    sim::geom::regionBoxes(r, boxes);
    ASSERT_EQ(boxBytes(boxes), elementBytes(r)) << "trial " << trial;
  }
}

// The overlap test and the intersection and difference of two boxes are
// exact (so never "no overlap" when elements coincide), on random strided
// regions, column tiles of matrices of equal or different pitches and head
// views.
TEST(SimulatorGeometry, RelateMatchesElementEnumeration) {
  std::mt19937 rng(11);
  uint64_t pairs = 0, overlapping = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    Region r1 = randomRegion(rng, Space::Sram, 256, randomDtype(rng));
    Region r2 = randomRegion(rng, Space::Sram, 256, randomDtype(rng));
    sim::geom::Boxes b1, b2;
    sim::geom::regionBoxes(r1, b1);
    sim::geom::regionBoxes(r2, b2);
    for (const sim::geom::Box &p : b1)
      for (const sim::geom::Box &a : b2) {
        ++pairs;
        const std::vector<uint64_t> pb = boxBytes(p), ab = boxBytes(a);
        std::vector<uint64_t> common, rest;
        std::set_intersection(pb.begin(), pb.end(), ab.begin(), ab.end(),
                              std::back_inserter(common));
        std::set_difference(pb.begin(), pb.end(), ab.begin(), ab.end(), std::back_inserter(rest));
        ASSERT_EQ(sim::geom::overlaps(p, a), !common.empty()) << "trial " << trial;
        ASSERT_EQ(sim::geom::overlaps(a, p), !common.empty()) << "trial " << trial;
        sim::geom::Boxes inter, diff;
        sim::geom::Relation rel = sim::geom::relate(p, a, &inter, &diff);
        if (common.empty()) {
          ASSERT_EQ(rel, sim::geom::Relation::Disjoint) << "trial " << trial;
          continue;
        }
        ++overlapping;
        ASSERT_EQ(sim::geom::firstCommonByte(p, a), common.front()) << "trial " << trial;
        if (rest.empty()) {
          ASSERT_EQ(rel, sim::geom::Relation::Covered) << "trial " << trial;
          continue;
        }
        ASSERT_EQ(rel, sim::geom::Relation::Partial) << "trial " << trial;
        ASSERT_EQ(boxBytes(inter), common) << "trial " << trial;
        ASSERT_EQ(boxBytes(diff), rest) << "trial " << trial;
      }
  }
  EXPECT_GT(overlapping, pairs / 4);  // the test exercises overlaps, not just disjoint spans
}

// Column tiles of one row-major matrix: disjoint exactly when their column
// ranges are (the scheduler's rule), at any offset of the matrix.
TEST(SimulatorGeometry, ColumnTilesOfOneMatrix) {
  for (int64_t pitch : {64, 80, 4096})
    for (uint64_t base : {uint64_t(0), uint64_t(4), uint64_t(1000)})
      for (int64_t c1 : {0, 8, 16, 60})
        for (int64_t c2 : {0, 8, 12, 48}) {
          const int64_t w1 = std::min<int64_t>(8, pitch - c1), w2 = std::min<int64_t>(16, pitch - c2);
          Region t1 = regionOf(Space::Sram, DType::F32, {16, w1}, {pitch, 1}, base + 4 * c1);
          Region t2 = regionOf(Space::Sram, DType::F32, {16, w2}, {pitch, 1}, base + 4 * c2);
          sim::geom::Boxes b1, b2;
          sim::geom::regionBoxes(t1, b1);
          sim::geom::regionBoxes(t2, b2);
          ASSERT_EQ(b1.size(), 1u);
          ASSERT_EQ(b2.size(), 1u);
          EXPECT_EQ(sim::geom::overlaps(b1[0], b2[0]), c1 < c2 + w2 && c2 < c1 + w1)
              << "pitch " << pitch << " columns " << c1 << "+" << w1 << ", " << c2 << "+" << w2;
        }
}

// A per-byte model of the memory rules (the definition the tracker must
// match): each byte's last writer and the readers since, in file order.
struct ReferenceRun {
  std::vector<std::tuple<int, size_t, size_t, uint64_t, uint64_t>> violations;  // memory only
  std::vector<sim::InstructionTiming> timings;
  uint64_t stalls[3] = {0, 0, 0};
  uint64_t sramPeak = 0, sramPeakCycle = 0;
  std::vector<std::pair<uint64_t, uint64_t>> sramTimeline;
};

ReferenceRun referenceRun(const format::BinFile &f) {
  struct Byte {
    int64_t writer = -1, reader = -1, vreader = -1;
    uint64_t wIssue = 0, wEnd = 0, rEnd = 0, vwEnd = 0, vrEnd = 0;
  };
  const format::Target &t = f.metadata().target();
  const format::Metadata &m = f.metadata();
  std::vector<std::vector<Byte>> spaces = {std::vector<Byte>(m.sram_bytes()),
                                           std::vector<Byte>(m.dram_bytes()),
                                           std::vector<Byte>(m.state_bytes())};
  auto ioBytes = [](const format::TensorInfo &info) {
    uint64_t n = format::dtypeSize(static_cast<DType>(info.dtype()));
    for (int64_t d : info.shape())
      n *= uint64_t(d);
    return n;
  };
  for (const format::TensorInfo &info : f.io().inputs())
    spaces.emplace_back(ioBytes(info));
  for (const format::TensorInfo &info : f.io().outputs())
    spaces.emplace_back(ioBytes(info));
  std::map<uint64_t, int64_t> events;
  auto dies = [&](const Byte &b) {
    if (b.writer < 0)
      return;
    events[b.wIssue] += 1;
    events[std::max(b.wEnd, b.rEnd)] -= 1;
  };
  std::map<int, std::vector<uint64_t>> freeAt;
  for (const format::UnitSpec &u : t.units())
    freeAt[u.kind()].assign(u.count(), 0);
  // DRAM sharing (ara2 keeps the State space in DRAM) is the model tested
  // above (SimulatorDram), applied as docs/simulator.md says.
  sim::dram::Model dram(t.dram().bytes_per_cycle());
  // SRAM slice-group sharing, the same model per group (SimulatorSram): on
  // an interleaved target (ara2) one group holds every SRAM byte.
  EXPECT_FALSE(t.sram().buffers_within_slices());
  sim::dram::Model sramGroup(t.sram().bytes_per_cycle());
  ReferenceRun out;
  const auto &insts = f.instructions();
  for (size_t i = 0; i < insts.size(); ++i) {
    const format::InstructionView &inst = insts[i];
    format::UnitKind kind;
    switch (static_cast<Unit>(inst.header->unit)) {
    case Unit::Dma: kind = format::DMA; break;
    case Unit::Mxm: kind = format::MXM; break;
    case Unit::Vxm: kind = format::VXM; break;
    default: kind = format::SXM; break;
    }
    const format::InstructionCost cost =
        format::instructionCost(t, inst.opcode(), inst.operands, inst.header->numOperands, kind);
    uint64_t cycles = std::max<uint64_t>(cost.cycles, 1);
    const uint64_t c = inst.header->cycle, e = c + cycles;
    struct Acc {
      std::vector<Byte> *space;
      bool write, sram;
      std::vector<uint64_t> bytes;
    };
    std::vector<Acc> accs;
    for (unsigned k = 0; k < inst.header->numOperands; ++k) {
      const Region &r = inst.operands[k];
      int s;
      switch (static_cast<Space>(r.space)) {
      case Space::Const: continue;
      case Space::Sram: s = 0; break;
      case Space::Dram: s = 1; break;
      case Space::State: s = 2; break;
      default: s = 3 + int(r.buffer); break;
      }
      accs.push_back({&spaces[size_t(s)], k < format::opcodeInfo(inst.opcode()).numOutputs,
                      s == 0, elementBytes(r)});
    }
    // Verification (static times).
    bool reportedRead = false, reportedWrite = false;
    for (const Acc &a : accs) {
      if (a.write ? reportedWrite : reportedRead)
        continue;
      for (uint64_t x : a.bytes) {
        const Byte &b = (*a.space)[x];
        const bool byReader = a.write && b.vreader >= 0 && b.vrEnd > c;
        const bool byWriter = b.writer >= 0 && b.vwEnd > c;
        if (!byReader && !byWriter)
          continue;
        (a.write ? reportedWrite : reportedRead) = true;
        out.violations.emplace_back(a.write ? int(sim::Violation::OverwrittenWhileLive)
                                            : int(sim::Violation::ReadBeforeWritten),
                                    i, size_t(byReader ? b.vreader : b.writer), c,
                                    byReader ? b.vrEnd : b.vwEnd);
        break;
      }
    }
    // Timing.
    uint64_t ready = 0;
    for (const Acc &a : accs)
      for (uint64_t x : a.bytes) {
        const Byte &b = (*a.space)[x];
        if (b.writer >= 0)
          ready = std::max(ready, b.wEnd);
        if (a.write)
          ready = std::max(ready, b.rEnd);
      }
    std::vector<uint64_t> &fa = freeAt[kind];
    size_t instance = 0;
    for (size_t j = 1; j < fa.size(); ++j)
      if (fa[j] < fa[instance])
        instance = j;
    sim::InstructionTiming tm;
    tm.staticCycle = c;
    tm.instance = uint32_t(instance);
    tm.issue = std::max({c, ready, fa[instance]});
    if (tm.issue > c) {
      tm.stall = ready >= fa[instance] ? sim::StallCause::Dependence : sim::StallCause::UnitBusy;
      ++out.stalls[int(tm.stall)];
    }
    if (cost.dramBytes) {
      const double rate = double(cost.dramBytes) /
                          double(std::max<uint64_t>(cycles - std::min(cycles - 1, cost.latency), 1));
      const double took = dram.transfer(tm.issue, double(cost.dramBytes), rate);
      const double ideal = double(cost.dramBytes) / std::min(rate, t.dram().bytes_per_cycle());
      if (took > ideal + 1e-6)
        cycles += uint64_t(std::ceil(took - ideal - 1e-6));
    }
    if (cost.sramBytes) {
      const uint64_t base = std::max<uint64_t>(cost.cycles, 1);
      const double work = double(std::max<uint64_t>(base - std::min(base - 1, cost.latency), 1));
      const double took = sramGroup.transfer(tm.issue, double(cost.sramBytes),
                                             double(cost.sramBytes) / work);
      if (took > work + 1e-6)
        cycles += uint64_t(std::ceil(took - work - 1e-6));
    }
    tm.finish = tm.issue + cycles;
    fa[instance] = tm.finish;
    out.timings.push_back(tm);
    for (const Acc &a : accs)
      if (!a.write)
        for (uint64_t x : a.bytes) {
          Byte &b = (*a.space)[x];
          if (tm.finish >= b.rEnd)
            b.rEnd = tm.finish, b.reader = int64_t(i);
          if (e >= b.vrEnd)
            b.vrEnd = e, b.vreader = int64_t(i);
        }
    for (const Acc &a : accs)
      if (a.write)
        for (uint64_t x : a.bytes) {
          Byte &b = (*a.space)[x];
          if (a.sram)
            dies(b);
          b = Byte();
          b.writer = int64_t(i);
          b.wIssue = tm.issue;
          b.wEnd = tm.finish;
          b.vwEnd = e;
        }
  }
  for (const Byte &b : spaces[0])
    dies(b);
  int64_t live = 0;
  for (const auto &[cycle, delta] : events) {
    live += delta;
    if (uint64_t(live) > out.sramPeak) {
      out.sramPeak = uint64_t(live);
      out.sramPeakCycle = cycle;
    }
    out.sramTimeline.push_back({cycle, uint64_t(live)});
  }
  return out;
}

uint64_t untilCycle(const std::string &message) {
  size_t at = message.find_last_of(' ');
  return std::stoull(message.substr(at + 1));
}

// Simulates `f` (verification and timing) and checks every violation,
// issue cycle, stall and the SRAM occupancy against the per-byte model;
// counts the violations and dependence stalls found.
void expectMatchesReference(const format::BinFile &f, const format::Target &t, int stream,
                            uint64_t &violations, uint64_t &stalls) {
  ReferenceRun ref = referenceRun(f);
  uint64_t total = 0;
  std::vector<sim::Violation> v = sim::verifySchedule(f, 1u << 20, &total);
  ASSERT_EQ(total, v.size());
  std::vector<std::tuple<int, size_t, size_t, uint64_t, uint64_t>> memory;
  for (const sim::Violation &x : v)
    if (x.kind != sim::Violation::DoubleBooked)
      memory.emplace_back(int(x.kind), x.index, x.other, x.cycle, untilCycle(x.message));
  ASSERT_EQ(memory, ref.violations) << "stream " << stream;
  violations += memory.size();

  sim::Options o;
  o.maxViolations = 1u << 20;
  absl::StatusOr<sim::Result> r = sim::simulate(f, t, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->violations.size(), v.size());
  for (size_t k = 0; k < v.size(); ++k)
    ASSERT_EQ(r->violations[k].message, v[k].message);
  ASSERT_EQ(r->timings.size(), ref.timings.size());
  for (size_t k = 0; k < ref.timings.size(); ++k) {
    ASSERT_EQ(r->timings[k].issue, ref.timings[k].issue) << "stream " << stream << " instr " << k;
    ASSERT_EQ(r->timings[k].finish, ref.timings[k].finish) << "stream " << stream;
    ASSERT_EQ(r->timings[k].instance, ref.timings[k].instance) << "stream " << stream;
    ASSERT_EQ(r->timings[k].stall, ref.timings[k].stall) << "stream " << stream;
  }
  for (int k = 0; k < 3; ++k)
    ASSERT_EQ(r->stalls[k], ref.stalls[k]);
  // The critical path adds up to the run, each link tight or a wait for a
  // static cycle.
  const sim::CriticalPath &c = r->critical;
  ASSERT_EQ(c.startCycle + c.busyCycles + c.staticWaitCycles, r->totalCycles) << "stream " << stream;
  ASSERT_EQ(c.indices.size(), c.instructions);
  for (size_t k = 1; k < c.indices.size(); ++k) {
    const sim::InstructionTiming &a = r->timings[c.indices[k - 1]], &b = r->timings[c.indices[k]];
    ASSERT_LE(a.finish, b.issue) << "stream " << stream;
    ASSERT_TRUE(b.issue == a.finish || b.issue == b.staticCycle) << "stream " << stream;
  }
  stalls += ref.stalls[int(sim::StallCause::Dependence)];
  ASSERT_EQ(r->sramPeak, ref.sramPeak) << "stream " << stream;
  ASSERT_EQ(r->sramPeakCycle, ref.sramPeakCycle) << "stream " << stream;
  ASSERT_EQ(r->sramTimeline, ref.sramTimeline) << "stream " << stream;
}

// Random streams over small SRAM, state and IO buffers, with static cycles
// that often overlap: the tracker (pieces, boxes, exact splits) gives every
// violation, issue cycle, stall and the SRAM occupancy of the per-byte model.
TEST(SimulatorVerify, MatchesPerByteModelOnRandomStreams) {
  std::mt19937 rng(3);
  format::Target t = target("ara2");
  const Opcode ops[] = {Opcode::Copy, Opcode::Add, Opcode::Exp, Opcode::MatMul};
  const Unit units[] = {Unit::Sxm, Unit::Vxm, Unit::Vxm, Unit::Mxm};
  uint64_t violations = 0, stalls = 0;
  for (int stream = 0; stream < 300; ++stream) {
    format::Writer w = writerFor(t, 256);
    w.metadata().set_state_bytes(128);
    w.io().add_inputs()->set_name("x");
    w.io().mutable_inputs(0)->set_dtype(uint32_t(DType::F32));
    w.io().mutable_inputs(0)->add_shape(64);
    w.io().add_outputs()->set_name("y");
    w.io().mutable_outputs(0)->set_dtype(uint32_t(DType::F32));
    w.io().mutable_outputs(0)->add_shape(32);
    // An operand of `shape` in SRAM, state or an IO buffer (f32 only).
    auto operand = [&](bool output, DType dtype, const std::vector<int64_t> &shape) {
      Region r;
      for (;;) {
        int where = std::uniform_int_distribution<int>(0, 9)(rng);
        bool ok;
        if (where < 6)
          ok = layoutRegion(rng, Space::Sram, 256, dtype, shape, 0, r);
        else if (where < 8)
          ok = layoutRegion(rng, Space::State, 128, dtype, shape, 0, r);
        else if (dtype != DType::F32)
          ok = false;
        else if (output || where == 8)
          ok = layoutRegion(rng, Space::Io, 128, dtype, shape, 1, r);
        else
          ok = layoutRegion(rng, Space::Io, 256, dtype, shape, 0, r);
        if (ok)
          return r;
      }
    };
    auto dim = [&] { return std::uniform_int_distribution<int64_t>(1, 4)(rng); };
    const uint32_t loc = w.addLocation("random", "Random");
    uint64_t cycle = 0;
    const int n = std::uniform_int_distribution<int>(5, 60)(rng);
    for (int i = 0; i < n; ++i) {
      const int op = std::uniform_int_distribution<int>(0, 3)(rng);
      std::vector<Region> operands;
      if (ops[op] == Opcode::MatMul) {
        const int64_t m = dim(), k = dim(), nn = dim();
        operands = {operand(true, DType::F32, {m, nn}), operand(false, DType::F32, {m, k}),
                    operand(false, DType::F32, {k, nn})};
      } else {
        const DType floats[] = {DType::F16, DType::F32, DType::F64};
        const DType dtype = floats[std::uniform_int_distribution<int>(0, 2)(rng)];
        std::vector<int64_t> shape(size_t(std::uniform_int_distribution<int>(1, 3)(rng)));
        int64_t elements = 1;
        for (int64_t &d : shape) {
          d = std::min<int64_t>(dim(), 24 / elements);
          elements *= d;
        }
        operands.push_back(operand(true, dtype, shape));
        for (unsigned k = 0; k < format::opcodeInfo(ops[op]).minInputs; ++k)
          operands.push_back(operand(false, dtype, shape));
      }
      cycle += std::uniform_int_distribution<uint64_t>(0, 120)(rng);
      if (std::uniform_int_distribution<int>(0, 15)(rng) == 0)
        cycle -= std::min<uint64_t>(cycle, 200);  // out of static order
      w.addInstruction(ops[op], units[op], cycle, loc, operands, {});
    }
    auto f = finish(w);
    ASSERT_TRUE(f);
    expectMatchesReference(*f, t, stream, violations, stalls);
    if (HasFatalFailure())
      return;
  }
  EXPECT_GT(violations, 300u);  // the streams do break the rules
  EXPECT_GT(stalls, 300u);
}

// Simulates what `w` wrote (kept in `bin`) with period replay (`a`) and
// without (`b`): the JSON and text reports and the trace must be identical.
void simulateWithAndWithoutReplay(format::Writer &w, const format::Target &t, int stream,
                                  std::unique_ptr<format::BinFile> &bin, sim::Result &a,
                                  sim::Result &b, bool verify = true) {
  bin = finish(w);
  ASSERT_TRUE(bin);
  const format::BinFile &f = *bin;
  sim::Options on, off;
  on.verify = off.verify = verify;
  off.replay = false;
  absl::StatusOr<sim::Result> with = sim::simulate(f, t, on), without = sim::simulate(f, t, off);
  ASSERT_TRUE(with.ok() && without.ok());
  a = *std::move(with);
  b = *std::move(without);
  EXPECT_EQ(b.replayedInstructions, 0u);
  ASSERT_EQ(sim::jsonReport(f, a), sim::jsonReport(f, b)) << "stream " << stream;
  ASSERT_EQ(sim::textReport(f, a), sim::textReport(f, b)) << "stream " << stream;
  ASSERT_EQ(sim::traceJson(f, a), sim::traceJson(f, b)) << "stream " << stream;
}

// Period replay (docs/simulator.md): random streams whose middle repeats a
// body of instructions (the same SRAM regions, a state region that moves by
// a fixed step each period, static cycles a fixed step later) give the same
// timings, reports and traces with replay as with every byte tracked, and
// match the per-byte model. Replay must engage on a good share of them
// (not where the reference period breaks the static schedule's rules). Half
// the streams follow the run with a tail: the body's first instructions
// once more, on one more period's state bytes, which the prefix uses in
// half of them.
TEST(SimulatorReplay, PeriodicStreamsMatchFullTracking) {
  std::mt19937 rng(5);
  format::Target t = target("ara2");
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const Opcode ops[] = {Opcode::Copy, Opcode::Add, Opcode::Exp, Opcode::MatMul};
  const Unit units[] = {Unit::Dma, Unit::Vxm, Unit::Vxm, Unit::Mxm};
  constexpr uint64_t kStep = 256;  // the state bytes of one period
  int replayedStreams = 0, copiedStreams = 0, repeatedStreams = 0, tailStreams = 0, streams = 0;
  uint64_t violations = 0, stalls = 0;
  for (int stream = 0; stream < 120; ++stream) {
    std::mt19937 tailRng{uint32_t(stream)};  // apart, so that the streams stay as they were
    const int periods = uniform(3, 9);
    format::Writer w = writerFor(t, 1024);
    w.metadata().set_state_bytes(kStep * uint64_t(periods + 2));
    const uint32_t loc = w.addLocation("body", "Body");
    struct Body {
      Opcode op;
      Unit unit;
      std::vector<Region> operands;
      std::vector<bool> moving;
      uint64_t gap;
    };
    // An operand of `shape`: fixed in SRAM, or in period k's state bytes.
    auto operand = [&](DType dtype, const std::vector<int64_t> &shape, bool &moving) {
      Region r;
      moving = uniform(0, 3) == 0;
      while (!layoutRegion(rng, moving ? Space::State : Space::Sram, moving ? kStep : 1024, dtype,
                           shape, 0, r)) {
      }
      return r;
    };
    auto randomInstruction = [&] {
      Body b;
      const int op = uniform(0, 3);
      b.op = ops[op];
      b.unit = units[op];
      b.gap = uint64_t(uniform(0, 150));
      auto dim = [&] { return int64_t(uniform(1, 4)); };
      std::vector<std::vector<int64_t>> shapes;
      if (b.op == Opcode::MatMul) {
        const int64_t m = dim(), k = dim(), n = dim();
        shapes = {{m, n}, {m, k}, {k, n}};
      } else {
        std::vector<int64_t> shape = {dim(), dim()};
        shapes.assign(1 + format::opcodeInfo(b.op).minInputs, shape);
      }
      for (const auto &shape : shapes) {
        bool moving;
        b.operands.push_back(operand(DType::F32, shape, moving));
        b.moving.push_back(moving);
      }
      return b;
    };
    std::vector<Body> prefix(size_t(uniform(0, 6))), body(size_t(uniform(3, 16))),
        suffix(size_t(uniform(0, 6)));
    for (auto *part : {&prefix, &body, &suffix})
      for (Body &b : *part)
        b = randomInstruction();
    uint64_t cycle = 0;
    auto emit = [&](const Body &b, int k) {
      std::vector<Region> operands = b.operands;
      for (size_t j = 0; j < operands.size(); ++j)
        if (b.moving[j])
          operands[j].offset += kStep * uint64_t(k);
      cycle += b.gap;
      w.addInstruction(b.op, b.unit, cycle, loc, operands, {});
    };
    const size_t tail = tailRng() % 2 ? tailRng() % body.size() : 0;
    const int prefixBytes = periods + int(tailRng() % 2);  // one of the last two periods'
    for (const Body &b : prefix)
      emit(b, prefixBytes);  // state bytes after the run's, before it
    for (int k = 0; k < periods; ++k)
      for (const Body &b : body)
        emit(b, k);
    for (size_t j = 0; j < tail; ++j)
      emit(body[j], periods);
    for (const Body &b : suffix) {
      const int k = periods - 1 - uniform(0, periods - 1);
      emit(b, tailRng() % 4 ? k : periods);  // some on the tail's state bytes
    }
    std::unique_ptr<format::BinFile> f;
    sim::Result a, b;
    simulateWithAndWithoutReplay(w, t, stream, f, a, b);
    if (HasFatalFailure())
      return;
    ++streams;
    replayedStreams += a.replayedInstructions > 0;
    copiedStreams += a.copiedInstructions > 0;
    repeatedStreams += a.repeatedInstructions > 0;
    tailStreams += a.replayedInstructions % body.size() != 0;  // whole periods and a tail
    expectMatchesReference(*f, t, stream, violations, stalls);
    if (HasFatalFailure())
      return;
  }
  EXPECT_GT(replayedStreams, streams / 5) << "replay engaged on " << replayedStreams << " of "
                                          << streams << " streams";
  EXPECT_GT(copiedStreams, streams / 10) << "contention copied on " << copiedStreams << " of "
                                         << streams << " streams";
  EXPECT_GE(repeatedStreams, streams / 20) << "periods written whole on " << repeatedStreams
                                           << " of " << streams << " streams";
  EXPECT_GT(tailStreams, streams / 20) << "tails replayed on " << tailStreams << " of " << streams
                                       << " streams";
}

// Record shapes (simulator/src/Replay.h) and the period search on them: a
// stream of six periods of six records, one record of the fifth period
// changed in one way. What may change from period to period (the location,
// the static cycle and movable offsets by the period's shifts, const
// offsets when they are free) keeps its shape and the six periods; anything
// else gives the record a shape of its own or breaks the shifts, and the
// stretch stops at it: four whole periods. A second stream of 3000 shapes
// (the table grows) seen twice gives the second pass the first's shapes.
TEST(SimulatorReplay, ShapesTellWhatMayChange) {
  format::Target t = target("ara2");
  constexpr uint64_t kStep = 256;  // state bytes per period
  constexpr int kPeriods = 6, kBody = 6, kChanged = 4 * kBody;
  struct Case {
    const char *name;
    int record;  // in the body
    std::function<void(std::vector<Region> &, std::vector<int64_t> &, uint64_t &, uint32_t &)>
        change;
    bool breaks[2], newShape[2];  // by anyConstOffset
  };
  const std::vector<Case> cases = {
      {"nothing", 0, [](auto &, auto &, auto &, auto &) {}, {false, false}, {false, false}},
      {"location", 1, [](auto &, auto &, auto &, uint32_t &l) { l = 1; }, {false, false},
       {false, false}},
      {"const offset", 0, [](auto &o, auto &, auto &, auto &) { o[1].offset += 64; },
       {true, false}, {true, false}},
      // IO buffers may move (by a shift of their own), so not in this one
      // period only.
      {"io offset", 1, [](auto &o, auto &, auto &, auto &) { o[2].offset += 16; }, {true, true},
       {false, false}},
      {"stride", 3, [](auto &o, auto &, auto &, auto &) { o[1].strides[0] = 9; }, {true, true},
       {true, true}},
      {"immediate", 2, [](auto &, auto &i, auto &, auto &) { i[0] = 1; }, {true, true},
       {true, true}},
      // The last dim within the rank (shapes compare dims up to it).
      {"last stride", 5, [](auto &o, auto &, auto &, auto &) { o[1].strides[1] = 2; },
       {true, true}, {true, true}},
      {"sram shift", 4, [](auto &o, auto &, auto &, auto &) { o[0].offset += 64; }, {true, true},
       {false, false}},
      {"state shift", 5, [](auto &o, auto &, auto &, auto &) { o[0].offset -= kStep; },
       {true, true}, {false, false}},
      {"static cycle", 3, [](auto &, auto &, uint64_t &c, auto &) { c += 1; }, {true, true},
       {false, false}},
  };
  std::vector<float> weights(64 * 8, 1.0f);
  for (const Case &c : cases) {
    format::Writer w = writerFor(t, 4096);
    w.metadata().set_state_bytes(kStep * kPeriods);
    w.io().add_inputs()->set_name("x");
    w.io().mutable_inputs(0)->set_dtype(uint32_t(DType::F32));
    w.io().mutable_inputs(0)->add_shape(64);
    const uint64_t constants = w.addConstant(weights.data(), weights.size() * sizeof(float));
    const uint32_t loc = w.addLocation("body", "Body");
    w.addLocation("other", "Other");
    for (int k = 0; k < kPeriods; ++k) {
      const uint64_t state = kStep * uint64_t(k);
      for (int j = 0; j < kBody; ++j) {
        std::vector<Region> o;
        std::vector<int64_t> imms;
        Opcode op = Opcode::Copy;
        Unit unit = Unit::Dma;
        switch (j) {
        case 0:
          o = {makeRegion(Space::Sram, DType::F32, {4, 8}, 0),
               makeRegion(Space::Const, DType::F32, {4, 8}, constants)};
          break;
        case 1:
          op = Opcode::Add, unit = Unit::Vxm;
          o = {makeRegion(Space::State, DType::F32, {4, 8}, state),
               makeRegion(Space::Sram, DType::F32, {4, 8}, 0),
               makeRegion(Space::Io, DType::F32, {4, 8}, 0, 0)};
          break;
        case 2:
          op = Opcode::Gelu, unit = Unit::Vxm, imms = {0};
          o = {makeRegion(Space::Sram, DType::F32, {4, 8}, 256),
               makeRegion(Space::State, DType::F32, {4, 8}, state)};
          break;
        case 3:
          op = Opcode::MatMul, unit = Unit::Mxm;
          o = {makeRegion(Space::Sram, DType::F32, {4, 4}, 512),
               makeRegion(Space::Sram, DType::F32, {4, 8}, 256),
               makeRegion(Space::Const, DType::F32, {8, 4}, constants + 512)};
          break;
        case 4:
          op = Opcode::Softmax, unit = Unit::Vxm, imms = {1};
          o = {makeRegion(Space::Sram, DType::F32, {4, 4}, 1024),
               makeRegion(Space::Sram, DType::F32, {4, 4}, 512)};
          break;
        default:
          o = {makeRegion(Space::State, DType::F32, {4, 4}, state + 128),
               makeRegion(Space::Sram, DType::F32, {4, 4}, 1024)};
        }
        uint64_t cycle = uint64_t(k) * 1000 + uint64_t(j) * 100;
        uint32_t location = loc;
        if (k * kBody + j == kChanged + c.record)
          c.change(o, imms, cycle, location);
        w.addInstruction(op, unit, cycle, location, o, imms);
      }
    }
    std::unique_ptr<format::BinFile> f = finish(w);
    ASSERT_TRUE(f) << c.name;
    std::vector<uint64_t> cycles;
    for (const format::InstructionView &inst : f->instructions())
      cycles.push_back(inst.header->cycle);
    for (int any = 0; any < 2; ++any) {
      sim::Arena arena(0);  // the heap only
      sim::replay::Shapes shapes(*f, any == 1, arena);
      int fresh = 0;
      for (size_t i = 0; i < cycles.size(); ++i) {
        bool isNew;
        shapes.add(i, isNew);
        fresh += isNew;
      }
      EXPECT_EQ(fresh, kBody + int(c.newShape[any])) << c.name << ", anyConstOffset " << any;
      const sim::replay::Periods p = sim::replay::findPeriods(shapes, cycles.data(), 0, cycles.size());
      EXPECT_EQ(p.start, 0u) << c.name << ", anyConstOffset " << any;
      EXPECT_EQ(p.length, size_t(kBody)) << c.name << ", anyConstOffset " << any;
      EXPECT_EQ(p.count, size_t(c.breaks[any] ? kChanged / kBody : kPeriods))
          << c.name << ", anyConstOffset " << any;
      EXPECT_EQ(p.cycleShift, 1000u) << c.name;
      EXPECT_EQ(p.shift[0], 0) << c.name;                // sram
      EXPECT_EQ(p.shift[2], int64_t(kStep)) << c.name;  // state
    }
  }

  // 3000 shapes (const offsets, fixed), twice.
  format::Writer w = writerFor(t, 4096);
  constexpr int kShapes = 3000;
  std::vector<float> values(kShapes, 1.0f);
  const uint64_t constants = w.addConstant(values.data(), values.size() * sizeof(float));
  const uint32_t loc = w.addLocation("copy", "Copy");
  for (int pass = 0; pass < 2; ++pass)
    for (int i = 0; i < kShapes; ++i)
      w.addInstruction(Opcode::Copy, Unit::Dma, uint64_t(pass * kShapes + i), loc,
                       {makeRegion(Space::Sram, DType::F32, {1}, 4 * uint64_t(i % 512)),
                        makeRegion(Space::Const, DType::F32, {1}, constants + 4 * uint64_t(i))},
                       {});
  std::unique_ptr<format::BinFile> f = finish(w);
  ASSERT_TRUE(f);
  sim::Arena arena(size_t(1) << 20);  // one mapping
  sim::replay::Shapes shapes(*f, false, arena);
  for (size_t i = 0; i < 2 * kShapes; ++i) {
    bool isNew;
    const uint32_t id = shapes.add(i, isNew);
    ASSERT_EQ(isNew, i < kShapes) << "record " << i;
    ASSERT_EQ(id, i < kShapes ? uint32_t(i) : shapes.of(i - kShapes)) << "record " << i;
  }
}

// A second stretch: after decoder-like periods, an output projection's
// tiles (a weight tile loaded from const into one of two SRAM buffers, then
// multiplied into the next slice of an output buffer, which moves as IO
// buffers may). Both stretches are replayed; reports, traces and timings
// match full tracking and the per-byte model. Some streams put the tiles
// first, so that the longest stretch through the middle is theirs and the
// periods are found before it (and where the middle record is near the
// tiles' end, the halves are searched); half have four rows, whose column
// tiles of the output interleave (a prefill's logits).
TEST(SimulatorReplay, OutputTilesAfterTheRun) {
  std::mt19937 rng(13);
  format::Target t = target("ara2");
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  constexpr int64_t kWidth = 32, kTile = 16;  // input width, output columns per tile
  constexpr uint64_t kStep = 8 * kWidth * 4;  // state bytes per period
  int both = 0;
  uint64_t violations = 0, stalls = 0;
  const int streams = 16;
  for (int stream = 0; stream < streams; ++stream) {
    // Each stretch at least kMinStretch records (64).
    const int periods = uniform(24, 32), tiles = uniform(40, 90);
    const bool tilesFirst = stream % 4 == 3;
    const int64_t rows = stream % 2 ? 1 : 4;
    format::Writer w = writerFor(t, 8192);
    w.metadata().set_state_bytes(kStep * uint64_t(periods));
    w.io().add_outputs()->set_name("logits");
    w.io().mutable_outputs(0)->set_dtype(uint32_t(DType::F32));
    w.io().mutable_outputs(0)->add_shape(rows);
    w.io().mutable_outputs(0)->add_shape(int64_t(tiles) * kTile);
    std::vector<float> weights(size_t(tiles) * kWidth * kTile, 0.5f);
    const uint64_t constants = w.addConstant(weights.data(), weights.size() * sizeof(float));
    const uint32_t body = w.addLocation("body", "Body"), head = w.addLocation("head", "MatMul");
    const uint64_t x = 0, buffers = 1024;  // SRAM: the input row, two weight buffers
    auto sram = [](uint64_t at, std::vector<int64_t> shape) {
      return makeRegion(Space::Sram, DType::F32, shape, at);
    };
    uint64_t cycle = 0;
    const uint64_t gap = uint64_t(uniform(1500, 2500));  // keeps the static rules
    auto emitPeriods = [&] {
      for (int p = 0; p < periods; ++p) {
        auto state = [&](std::vector<int64_t> shape, uint64_t at) {
          return makeRegion(Space::State, DType::F32, shape, kStep * uint64_t(p) + at);
        };
        w.addInstruction(Opcode::Copy, Unit::Dma, cycle += gap, body,
                         {sram(256, {4, kWidth}), state({4, kWidth}, 0)}, {});
        w.addInstruction(Opcode::Add, Unit::Vxm, cycle += gap, body,
                         {sram(x, {1, kWidth}), sram(x, {1, kWidth}), sram(256, {1, kWidth})}, {});
        w.addInstruction(Opcode::Copy, Unit::Dma, cycle += gap, body,
                         {state({1, kWidth}, 512), sram(x, {1, kWidth})}, {});
      }
    };
    auto emitTiles = [&] {
      for (int k = 0; k < tiles; ++k) {
        const uint64_t buffer = buffers + uint64_t(k % 2) * kWidth * kTile * 4;
        const uint64_t tile = uint64_t(k) * kWidth * kTile * 4;
        w.addInstruction(Opcode::Copy, Unit::Dma, cycle += gap, head,
                         {sram(buffer, {kWidth, kTile}),
                          makeRegion(Space::Const, DType::F32, {kWidth, kTile}, constants + tile)},
                         {});
        w.addInstruction(Opcode::MatMul, Unit::Mxm, cycle += gap, head,
                         {regionOf(Space::Io, DType::F32, {rows, kTile}, {tiles * kTile, 1},
                                   uint64_t(k) * kTile * 4, 0),
                          sram(x, {rows, kWidth}), sram(buffer, {kWidth, kTile})},
                         {});
      }
    };
    if (tilesFirst)
      emitTiles();
    emitPeriods();
    if (!tilesFirst)
      emitTiles();
    std::unique_ptr<format::BinFile> f;
    sim::Result a, b;
    simulateWithAndWithoutReplay(w, t, stream, f, a, b);
    if (HasFatalFailure())
      return;
    // More replayed than the periods and the tiles could give alone.
    const uint64_t alone = std::max<uint64_t>(3 * uint64_t(periods - 1), 2 * uint64_t(tiles - 1));
    both += a.replayedInstructions > alone;
    expectMatchesReference(*f, t, stream, violations, stalls);
    if (HasFatalFailure())
      return;
  }
  EXPECT_EQ(both, streams) << "both stretches replayed on " << both << " of " << streams
                           << " streams";
}

// Period replay copies a period's DRAM contention to later periods once
// the bandwidth steps repeat: decoder-like periods where a DMA channel
// loads state bytes while a vector engine adds two other parts of the
// period's state straight from DRAM (sharing its bandwidth), then the sums
// are added and stored, give the same reports and traces as without
// replay, with contention in every period and copies in most streams (a
// wrong copy breaks the issue check, and the stream is simulated again
// without copies). Most also have periods written whole (the unit
// instances' state repeats), some of them with stalls that grow from one
// period to the next.
TEST(SimulatorReplay, CopiesDramContention) {
  std::mt19937 rng(9);
  format::Target t = target("ara2");
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int copiedStreams = 0, repeatedStreams = 0;
  const int streams = 12;
  for (int stream = 0; stream < streams; ++stream) {
    const int periods = uniform(5, 9);
    const int64_t rows = uniform(8, 64), cols = 64;
    const uint64_t bytes = uint64_t(rows * cols * 4), step = 4 * bytes;
    format::Writer w = writerFor(t, 3 * bytes);
    w.metadata().set_state_bytes(step * uint64_t(periods));
    const uint32_t loc = w.addLocation("body", "Body");
    auto sram = [&](uint64_t k) {
      return makeRegion(Space::Sram, DType::F32, {rows, cols}, k * bytes);
    };
    auto state = [&](int period, uint64_t k) {
      return makeRegion(Space::State, DType::F32, {rows, cols}, uint64_t(period) * step + k * bytes);
    };
    // Static cycles that keep the rules (the sum after both loads, the
    // next sum after the store has read this one); the next period's loads
    // may overlap the store.
    uint64_t gaps[4] = {uint64_t(uniform(0, 2500)), uint64_t(uniform(0, 20)),
                        uint64_t(uniform(2200, 2600)), uint64_t(uniform(200, 400))};
    // Every third stream unverified, its static cycles far too close: each
    // period then runs later than the one before by more than its static
    // cycles move, every instruction stalls, and the stalls grow.
    const bool tight = stream % 3 == 2;
    if (tight)
      for (uint64_t &g : gaps)
        g /= 16;
    uint64_t cycle = 0;
    for (int p = 0; p < periods; ++p) {
      w.addInstruction(Opcode::Copy, Unit::Dma, cycle += gaps[0], loc, {sram(0), state(p, 0)}, {});
      w.addInstruction(Opcode::Add, Unit::Vxm, cycle += gaps[1], loc,
                       {sram(1), state(p, 1), state(p, 2)}, {});
      w.addInstruction(Opcode::Add, Unit::Vxm, cycle += gaps[2], loc, {sram(2), sram(0), sram(1)},
                       {});
      w.addInstruction(Opcode::Copy, Unit::Dma, cycle += gaps[3], loc, {state(p, 3), sram(2)}, {});
    }
    // After the periods (which replay leaves with the DRAM steps it moved):
    // loads while the last store may still run.
    w.addInstruction(Opcode::Copy, Unit::Dma, cycle += gaps[0], loc, {sram(0), state(0, 0)}, {});
    w.addInstruction(Opcode::Add, Unit::Vxm, cycle += gaps[1], loc,
                     {sram(1), state(0, 1), state(0, 2)}, {});
    std::unique_ptr<format::BinFile> f;
    sim::Result a, b;
    simulateWithAndWithoutReplay(w, t, stream, f, a, b, !tight);
    if (HasFatalFailure())
      return;
    EXPECT_GE(b.contentionCount, uint64_t(periods + 1)) << "stream " << stream;
    copiedStreams += a.copiedInstructions > 0;
    repeatedStreams += a.repeatedInstructions > 0;
  }
  EXPECT_GE(copiedStreams, streams / 2) << "contention copied on " << copiedStreams << " of "
                                        << streams << " streams";
  EXPECT_GE(repeatedStreams, streams / 3) << "periods written whole on " << repeatedStreams
                                          << " of " << streams << " streams";
}

// The static unit check jumps over the periods of a run once the unit
// instances repeat; the instruction after the run must meet them as the
// last period left them: here both SXM instances are still busy with the
// last period's copies when a third copy is scheduled, a double booking
// found the same with and without replay.
TEST(SimulatorReplay, UnitCheckAfterTheRun) {
  format::Target t = target("ara2");
  constexpr int64_t kFloats = 4096;
  constexpr uint64_t kBytes = 4 * kFloats;
  format::Writer w = writerFor(t, 4 * kBytes);
  const uint32_t loc = w.addLocation("body", "Body");
  auto sram = [&](uint64_t k) { return makeRegion(Space::Sram, DType::F32, {kFloats}, k * kBytes); };
  constexpr int kPeriods = 12;
  constexpr uint64_t kStep = 10000;
  for (int p = 0; p < kPeriods; ++p) {
    w.addInstruction(Opcode::Copy, Unit::Sxm, uint64_t(p) * kStep, loc, {sram(1), sram(0)}, {});
    w.addInstruction(Opcode::Copy, Unit::Sxm, uint64_t(p) * kStep + 10, loc, {sram(2), sram(0)}, {});
  }
  const size_t last = 2 * kPeriods;
  w.addInstruction(Opcode::Copy, Unit::Sxm, uint64_t(kPeriods - 1) * kStep + 20, loc,
                   {sram(3), sram(0)}, {});
  std::unique_ptr<format::BinFile> f;
  sim::Result a, b;
  simulateWithAndWithoutReplay(w, t, 0, f, a, b);
  if (HasFatalFailure())
    return;
  EXPECT_GT(a.replayedInstructions, 0u);
  ASSERT_EQ(a.violationCount, 1u);
  EXPECT_EQ(a.violations[0].kind, sim::Violation::DoubleBooked);
  EXPECT_EQ(a.violations[0].index, last);
}

// Streams that reuse a few SRAM buffers the way compiled models do (the
// tracker's fast paths): the same region again, a buffer filled piece by
// piece from its start over an older whole write, pieces covered by a whole
// write, whole reads of pieces, with static cycles that often overlap.
TEST(SimulatorVerify, MatchesPerByteModelOnBufferReuse) {
  std::mt19937 rng(11);
  format::Target t = target("ara2");
  uint64_t violations = 0, stalls = 0;
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int stream = 0; stream < 200; ++stream) {
    format::Writer w = writerFor(t, 1024);
    const uint32_t loc = w.addLocation("reuse", "Reuse");
    // Buffers of 4 to 64 floats at 4 fixed byte offsets; regions of whole
    // buffers or of `count` floats from float `at` of one.
    const uint64_t base[4] = {0, 256, 512, 768};
    int64_t len[4];
    for (int64_t &l : len)
      l = uniform(4, 64);
    auto floats = [&](int b, int64_t at, int64_t count) {
      return makeRegion(Space::Sram, DType::F32, {count}, base[b] + uint64_t(4 * at));
    };
    uint64_t cycle = 0;
    const int n = uniform(10, 60);
    for (int i = 0; i < n; ++i) {
      const int b = uniform(0, 3), c = uniform(0, 3);
      const Opcode op = uniform(0, 1) ? Opcode::Add : Opcode::Exp;
      const int64_t common = std::min(len[b], len[c]);
      std::vector<std::vector<Region>> instrs;
      switch (uniform(0, 3)) {
      case 0:  // a whole buffer (or as much as fits) from another
        instrs.push_back({floats(b, 0, common), floats(c, 0, common)});
        break;
      case 1: {  // b filled piece by piece from its start
        const int64_t chunk = uniform(1, int(std::min<int64_t>(8, len[c])));
        for (int64_t at = 0; at + chunk <= len[b]; at += chunk)
          instrs.push_back({floats(b, at, chunk), floats(c, 0, chunk)});
        break;
      }
      case 2: {  // a piece somewhere inside b
        const int64_t count = uniform(1, 4), at = uniform(0, int(len[b] - count));
        instrs.push_back({floats(b, at, count), floats(c, 0, count)});  // len[c] >= 4
        break;
      }
      default:  // c's start from all of b (the pieces b was filled with)
        instrs.push_back({floats(c, 0, common), floats(b, 0, common)});
        break;
      }
      for (std::vector<Region> &ops : instrs) {
        if (op == Opcode::Add)
          ops.push_back(ops[1]);
        cycle += uint64_t(uniform(0, 40));
        if (uniform(0, 12) == 0)
          cycle -= std::min<uint64_t>(cycle, 100);  // out of static order
        w.addInstruction(op, Unit::Vxm, cycle, loc, ops, {});
      }
    }
    auto f = finish(w);
    ASSERT_TRUE(f);
    expectMatchesReference(*f, t, stream, violations, stalls);
    if (HasFatalFailure())
      return;
  }
  EXPECT_GT(violations, 100u);
  EXPECT_GT(stalls, 100u);
}

// ---------------------------------------------------------------- what-if and report

TEST(SimulatorOverrides, SetsFieldsAndNamesBadKeys) {
  format::Target t = target("ara2");
  ASSERT_TRUE(sim::applyOverride(t, "clock_mhz=500").ok());
  ASSERT_TRUE(sim::applyOverride(t, "sram.bytes=1048576").ok());
  ASSERT_TRUE(sim::applyOverride(t, "sram_bytes=2097152").ok());
  ASSERT_TRUE(sim::applyOverride(t, "units.MXM.count=8").ok());
  ASSERT_TRUE(sim::applyOverride(t, "units.MXM.rates.f16=2560").ok());
  ASSERT_TRUE(sim::applyOverride(t, "energy.pj_per_mac.i8=0.1").ok());
  EXPECT_EQ(t.clock_mhz(), 500);
  EXPECT_EQ(t.sram().bytes(), 2097152u);
  EXPECT_EQ(format::findUnit(t, format::MXM)->count(), 8u);
  EXPECT_EQ(format::unitRate(*format::findUnit(t, format::MXM), DType::F16), 2560);
  absl::Status s = sim::applyOverride(t, "dram.bandwidth=3");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("bytes_per_cycle"), std::string::npos) << s;
  s = sim::applyOverride(t, "units.TPU.count=3");
  EXPECT_NE(std::string(s.message()).find("MXM"), std::string::npos) << s;
  EXPECT_FALSE(sim::applyOverride(t, "clock_mhz=fast").ok());
  EXPECT_FALSE(sim::applyOverride(t, "clock_mhz").ok());
}

TEST(SimulatorReport, FiguresAreConsistent) {
  format::Target t = target("ara2");
  const format::UnitSpec &vxm = unit(t, format::VXM);
  auto f = chain(uint64_t(std::ceil(4096.0 / rate(vxm, "f32"))) + vxm.latency_cycles());
  ASSERT_TRUE(f);
  sim::Result r = simulate(*f, t);
  EXPECT_EQ(r.sramPeak, 4096u * 4);  // the one SRAM temporary
  EXPECT_LE(r.sramPeak, r.sramCapacity);
  EXPECT_NEAR(r.latencySeconds, r.totalCycles / (t.clock_mhz() * 1e6), 1e-15);
  double dynamic = r.energy.macPj + r.energy.vectorPj + r.energy.sramPj + r.energy.dramPj;
  EXPECT_NEAR(r.energy.totalJ, dynamic * 1e-12 + t.energy().static_watts() * r.latencySeconds,
              1e-15);
  EXPECT_EQ(r.vectorOps, 2u * 4096);
  std::string text = sim::textReport(*f, r);
  EXPECT_NE(text.find("consumer_mul"), std::string::npos);
  std::string json = sim::jsonReport(*f, r);
  EXPECT_EQ(json.front(), '{');
  EXPECT_NE(json.find("\"roofline\""), std::string::npos);
  // Deterministic.
  EXPECT_EQ(sim::traceJson(*f, r), sim::traceJson(*f, simulate(*f, t)));
}

// A decode step: the step's row is scattered into a [64, 32] f32 KV cache in
// the State space, then a [1, 32] x [32, 64] matmul reads the whole cache.
std::unique_ptr<format::BinFile> decodeStep(const format::Target &t) {
  format::Writer w = writerFor(t, 4096);
  w.metadata().set_state_bytes(64 * 32 * 4);
  format::StateTensor *st = w.metadata().add_state();
  st->set_name("past.0.key");
  st->set_output("present.0.key");
  st->set_dtype(uint32_t(DType::F32));
  st->add_shape(64);
  st->add_shape(32);
  w.metadata().mutable_kv_cache()->set_max_context(64);
  w.metadata().mutable_kv_cache()->set_tokens_per_step(1);
  w.metadata().mutable_kv_cache()->set_position_input("position");
  auto add = [&](auto *list, const char *name, DType dtype,
                 std::vector<int64_t> shape) {
    format::TensorInfo *info = list->Add();
    info->set_name(name);
    info->set_dtype(uint32_t(dtype));
    for (int64_t d : shape)
      info->add_shape(d);
  };
  add(w.io().mutable_inputs(), "k", DType::F32, {1, 32});
  add(w.io().mutable_inputs(), "position", DType::I64, {1});
  add(w.io().mutable_outputs(), "scores", DType::F32, {1, 64});
  Region cache = makeRegion(Space::State, DType::F32, {64, 32}, 0);
  Region position = strided(Space::Io, DType::I64, {1, 32}, {0, 0}, 0);
  position.buffer = 1;
  Region k = makeRegion(Space::Io, DType::F32, {1, 32}, 0, 0);
  w.addInstruction(Opcode::Scatter, Unit::Sxm, 0, 0, {cache, position, k}, {0});
  const uint64_t scatterCycles =
      format::instructionCost(t, Opcode::Scatter, std::vector<Region>{cache, position, k}.data(), 3,
                              format::SXM)
          .cycles;
  w.addInstruction(Opcode::MatMul, Unit::Mxm, scatterCycles, 0,
                   {makeRegion(Space::Io, DType::F32, {1, 64}, 0, 2), k,
                    strided(Space::State, DType::F32, {32, 64}, {1, 32}, 0)},
                   {});
  return finish(w);
}

TEST(SimulatorDecode, ReportsADecodeStepAgainstTheState) {
  for (const char *name : {"lpu", "ara2"}) {
    SCOPED_TRACE(name);
    format::Target t = target(name);
    auto f = decodeStep(t);
    ASSERT_TRUE(f);
    sim::Result r = simulate(*f, t, /*functional=*/true);
    EXPECT_TRUE(r.decode);
    EXPECT_EQ(r.seq, 1);
    EXPECT_EQ(r.maxContext, 64);
    EXPECT_EQ(r.stateBytes, 64u * 32 * 4);
    EXPECT_NEAR(r.tokensPerSecond, 1.0 / r.latencySeconds, 1e-9 * r.tokensPerSecond);
    EXPECT_EQ(r.violationCount, 0u);
    // ara2 keeps the cache in DRAM: the scatter's 128 bytes and the matmul's
    // 8 KiB read of it are DRAM traffic; lpu keeps it in SRAM.
    EXPECT_EQ(r.stateInDram, std::string(name) == "ara2");
    // The scatter moves the update's 128 bytes, not the cache's 8 KiB (at
    // the DRAM's rate and after the DRAM's latency where the cache is in
    // DRAM).
    const format::UnitSpec &sxm = unit(t, format::SXM);
    double moved = std::ceil(128 / rate(sxm, "f32"));
    uint64_t latency = sxm.latency_cycles();
    if (r.stateInDram) {
      moved = std::max(moved, std::ceil(128 / t.dram().bytes_per_cycle()));
      latency += t.dram().latency_cycles();
    }
    EXPECT_EQ(r.timings[0].finish - r.timings[0].issue, uint64_t(moved) + latency);
    EXPECT_EQ(r.dramBytes, r.stateInDram ? 128u + 64 * 32 * 4 : 0u);
    // Functional mode: position 0 in a zeroed cache; the score of slot 0 is
    // k . k, the other slots are zero.
    ASSERT_TRUE(r.functional);
    const float *scores = reinterpret_cast<const float *>(r.outputs[0].data());
    EXPECT_GT(scores[0], 0.0f);
    for (int j = 1; j < 64; ++j)
      EXPECT_EQ(scores[j], 0.0f) << j;
    std::string text = sim::textReport(*f, r);
    EXPECT_NE(text.find("decode      1 token per step: step latency"), std::string::npos) << text;
    EXPECT_EQ(text.find("time to first token"), std::string::npos) << text;
    EXPECT_NE(text.find(r.stateInDram ? "in DRAM" : "in SRAM"), std::string::npos);
    std::string json = sim::jsonReport(*f, r);
    EXPECT_NE(json.find("\"decode\": {\"tokens_per_step\": 1"), std::string::npos) << json;
    EXPECT_EQ(json.find("\"prefill\""), std::string::npos);
  }
}

}  // namespace
}  // namespace lmc
