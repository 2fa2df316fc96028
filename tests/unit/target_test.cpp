// Tests of target descriptions: the built-in machines, validation errors
// naming the field, and the shared cost model against closed forms.
#include <cmath>

#include "gtest/gtest.h"
#include "runtime/format/CostModel.h"
#include "runtime/format/TargetLoader.h"

namespace lmc::format {
namespace {

TEST(Targets, BuiltinsParseAndValidate) {
  for (const char *name : {"cpu", "lpu", "ara2"}) {
    absl::StatusOr<Target> t = loadTarget(name);
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_EQ(t->name(), name);
  }
  absl::StatusOr<Target> lpu = loadTarget("lpu");
  EXPECT_EQ(lpu->sram().bytes(), 220u * 1024 * 1024);
  EXPECT_EQ(lpu->clock_mhz(), 900);
  EXPECT_TRUE(lpu->weights_in_sram());
  const UnitSpec *mxm = findUnit(*lpu, MXM);
  ASSERT_NE(mxm, nullptr);
  EXPECT_EQ(mxm->count(), 4u);
  EXPECT_EQ(unitRate(*mxm, DType::I8), 320.0 * 320.0);
  EXPECT_EQ(unitRate(*mxm, DType::F16), 320.0 * 320.0 / 4);
  EXPECT_EQ(unitRate(*findUnit(*lpu, VXM), DType::F32), 320.0);  // "*" rate
}

TEST(Targets, UnknownNameListsBuiltins) {
  absl::StatusOr<Target> t = loadTarget("tpu-v9");
  ASSERT_FALSE(t.ok());
  std::string m(t.status().message());
  EXPECT_NE(m.find("cpu, lpu, ara2"), std::string::npos) << m;
}

constexpr const char *kGood = R"(
name: "mini" granularity: TILE clock_mhz: 100
sram { bytes: 4096 alignment_bytes: 64 bytes_per_cycle: 64 }
units { kind: MXM count: 1 tile_rows: 8 tile_cols: 8 rates { dtype: "f32" per_cycle: 64 } }
units { kind: VXM count: 2 rates { dtype: "*" per_cycle: 16 } }
units { kind: SXM count: 1 rates { dtype: "*" per_cycle: 16 } }
weights_in_sram: true
)";

// Each rule: a change to kGood and the field the error must name.
struct Broken {
  std::string from, to, field;
};

TEST(Targets, EachRuleNamesItsField) {
  ASSERT_TRUE(parseTarget(kGood, "mini.textproto").ok());
  const Broken cases[] = {
      {"name: \"mini\"", "", "'name'"},
      {"granularity: TILE", "", "'granularity'"},
      {"clock_mhz: 100", "", "'clock_mhz'"},
      {"bytes: 4096", "", "'sram.bytes'"},
      {"alignment_bytes: 64", "", "'sram.alignment_bytes'"},
      {"bytes_per_cycle: 64", "", "'sram.bytes_per_cycle'"},
      {"bytes_per_cycle: 64 }", "bytes_per_cycle: 64 buffers_within_slices: true }",
       "'sram.slices'"},
      {"bytes_per_cycle: 64 }", "bytes_per_cycle: 64 slices: 128 buffers_within_slices: true }",
       "'sram.slices'"},
      {"tile_rows: 8", "", "'units[0].tile_rows'"},
      {"tile_cols: 8", "", "'units[0].tile_cols'"},
      {"count: 2", "count: 0", "'units[1].count'"},
      {"dtype: \"f32\"", "dtype: \"f33\"", "'units[0].rates[0].dtype'"},
      {"\"f32\" per_cycle: 64", "\"f32\" per_cycle: 0", "'units[0].rates[0].per_cycle'"},
      {"kind: SXM", "kind: VXM", "'units[2].kind'"},
      {"units { kind: SXM count: 1 rates { dtype: \"*\" per_cycle: 16 } }", "", "needs a SXM unit"},
      {"weights_in_sram: true", "", "'weights_in_sram'"},
      {"weights_in_sram: true", "weights_in_sram: true dram { bytes: 1024 alignment_bytes: 64 }",
       "'dram.bytes_per_cycle'"},
      {"weights_in_sram: true",
       "weights_in_sram: true dram { bytes: 1024 alignment_bytes: 64 bytes_per_cycle: 1 }",
       "needs a DMA unit"},
  };
  for (const Broken &c : cases) {
    std::string text = kGood;
    size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    absl::StatusOr<Target> t = parseTarget(text, "mini.textproto");
    ASSERT_FALSE(t.ok()) << "accepted with '" << c.from << "' -> '" << c.to << "'";
    std::string m(t.status().message());
    EXPECT_NE(m.find("mini.textproto: "), std::string::npos) << m;
    EXPECT_NE(m.find(c.field), std::string::npos) << m;
  }
}

TEST(Targets, SliceBytes) {
  Memory m;
  m.set_bytes(230686720);
  m.set_slices(88);
  m.set_alignment_bytes(320);
  EXPECT_EQ(sliceBytes(m), 2621440u);  // 2.5 MiB, a whole number of 320-byte vectors
  m.set_bytes(1000);
  m.set_slices(3);
  m.set_alignment_bytes(64);
  EXPECT_EQ(sliceBytes(m), 320u);  // 333 rounded down to the alignment
  m.set_slices(0);
  EXPECT_EQ(sliceBytes(m), 0u);
  ASSERT_TRUE(loadTarget("lpu").ok());
  EXPECT_TRUE(loadTarget("lpu")->sram().buffers_within_slices());
  EXPECT_FALSE(loadTarget("ara2")->sram().buffers_within_slices());
}

TEST(Targets, SyntaxErrorsGiveTheLine) {
  absl::StatusOr<Target> t = parseTarget("name: \"x\"\nclock_mhz: fast\n", "bad.textproto");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(std::string(t.status().message()).find("line 2"), std::string::npos)
      << t.status().message();
}

Region region(DType t, std::vector<int64_t> shape, Space space = Space::Sram) {
  Region r{};
  r.space = static_cast<uint8_t>(space);
  r.dtype = static_cast<uint8_t>(t);
  r.rank = static_cast<uint8_t>(shape.size());
  int64_t stride = 1;
  for (int d = kMaxRank - 1; d >= 0; --d) {
    r.shape[d] = d < r.rank ? shape[d] : 1;
    r.strides[d] = d < r.rank ? stride : 0;
    if (d < r.rank)
      stride *= shape[d];
  }
  return r;
}

TEST(CostModel, MatMulOnLpuMatchesTheClosedForm) {
  Target lpu = *loadTarget("lpu");
  // [M x K] x [K x N] with K = 640 (2 passes of 320 rows), N = 320: each
  // pass streams M rows at 320*320/25600 = 4 cycles per row (f32 at the
  // fp16 rate) and installs weights (100 cycles).
  for (int64_t m : {1, 16, 128, 1000}) {
    Region ops[3] = {region(DType::F32, {m, 320}), region(DType::F32, {m, 640}),
                     region(DType::F32, {640, 320}, Space::Const)};
    EXPECT_EQ(unitKindFor(lpu, Opcode::MatMul, ops, 3), MXM);
    InstructionCost c = instructionCost(lpu, Opcode::MatMul, ops, 3, MXM);
    EXPECT_EQ(c.cycles, uint64_t(2 * (4 * m + 100))) << m;
    EXPECT_EQ(c.macs, uint64_t(m * 640 * 320));
  }
}

TEST(CostModel, VectorAndDmaOnAra2MatchTheClosedForm) {
  Target ara2 = *loadTarget("ara2");
  Region v[3] = {region(DType::F32, {16, 768}), region(DType::F32, {16, 768}),
                 region(DType::F32, {16, 768})};
  EXPECT_EQ(unitKindFor(ara2, Opcode::Add, v, 3), VXM);
  // 12288 element operations at 64 per cycle, plus 8 cycles of latency.
  EXPECT_EQ(instructionCost(ara2, Opcode::Add, v, 3, VXM).cycles, 12288u / 64 + 8);
  // exp costs 8 operations per element.
  EXPECT_EQ(instructionCost(ara2, Opcode::Exp, v, 2, VXM).cycles, 8 * 12288u / 64 + 8);
  // A weight tile from DRAM (the constants) to SRAM is a DMA: bytes at
  // 17.05 B/cycle per channel, plus 100 cycles of DRAM latency.
  Region d[2] = {region(DType::F32, {768, 64}), region(DType::F32, {768, 64}, Space::Const)};
  EXPECT_EQ(unitKindFor(ara2, Opcode::Copy, d, 2), DMA);
  InstructionCost c = instructionCost(ara2, Opcode::Copy, d, 2, DMA);
  EXPECT_EQ(c.cycles, static_cast<uint64_t>(std::ceil(768 * 64 * 4 / 17.05)) + 100);
  EXPECT_EQ(c.dramBytes, 768u * 64 * 4);
  // On the same chip, a copy between SRAM buffers is the switch unit's.
  Region s[2] = {region(DType::F32, {768, 64}), region(DType::F32, {768, 64})};
  EXPECT_EQ(unitKindFor(ara2, Opcode::Copy, s, 2), SXM);
}

}  // namespace
}  // namespace lmc::format
