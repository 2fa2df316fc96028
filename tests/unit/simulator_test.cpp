// The simulator (simulator/): single operations against closed forms
// computed here from the target files, DRAM sharing, schedule verification
// on deliberately broken streams, functional mode, --set overrides, report.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/format/Reader.h"
#include "runtime/format/TargetLoader.h"
#include "runtime/format/Writer.h"
#include "simulator/Simulator.h"

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

class VectorOps : public ::testing::TestWithParam<std::tuple<const char *, Opcode, int, double>> {};

// Element operations (1 per element for add, 8 for exp, 12 for softmax, the
// documented assumption) over the lanes of one instance, plus its latency.
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
  expectWithin5Percent(double(r.totalCycles),
                       elements * opsPerElement / rate(u, "f32") + u.latency_cycles(),
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

}  // namespace
}  // namespace lmc
