// Tests of target descriptions: the built-in machines, validation errors
// naming the field, and the shared cost model against closed forms.
#include <cmath>

#include "gtest/gtest.h"
#include "runtime/format/CostModel.h"
#include "runtime/format/SramGroups.h"
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
      {"bytes_per_cycle: 64 }", "bytes_per_cycle: 64 slices: 4 stripe_slices: 5 }",
       "'sram.stripe_slices'"},
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
  // fp16 rate) and installs weights (100 cycles). The weights (819200
  // bytes, resident in SRAM) stream from one group of 4 slices at 4 x
  // 56320 / 88 = 2560 B/cycle: 320 cycles, which bound the work of a few
  // rows (m = 1, 16: the slice bound, then the latency).
  const double group = 4 * 56320.0 / 88;
  for (int64_t m : {1, 16, 128, 1000}) {
    Region ops[3] = {region(DType::F32, {m, 320}), region(DType::F32, {m, 640}),
                     region(DType::F32, {640, 320}, Space::Const)};
    EXPECT_EQ(unitKindFor(lpu, Opcode::MatMul, ops, 3), MXM);
    InstructionCost c = instructionCost(lpu, Opcode::MatMul, ops, 3, MXM);
    const uint64_t compute = uint64_t(2 * 4 * m + 100);
    const uint64_t slices = uint64_t(std::ceil(640 * 320 * 4 / group));
    EXPECT_EQ(c.cycles, std::max(compute, slices) + 100) << m;
    EXPECT_EQ(c.sramAdded, slices - std::min(slices, compute)) << m;
    EXPECT_EQ(c.macs, uint64_t(m * 640 * 320));
  }
}

// The slice groups: lpu stripes over 4 of its 88 slices (4 x 2.5 MiB at
// 4 x 56320 / 88 B/cycle); ara2 interleaves its 16 into one group. The
// cost model's bound: each operand in groups of its own on lpu (the
// largest operand over its group's bandwidth), every operand in the one
// group on ara2 (their sum over the aggregate bandwidth).
TEST(CostModel, SramGroupBound) {
  Target lpu = *loadTarget("lpu"), ara2 = *loadTarget("ara2");
  SramGroups l = sramGroups(lpu), a = sramGroups(ara2);
  EXPECT_TRUE(l.striped);
  EXPECT_EQ(l.bytes, 4 * sliceBytes(lpu.sram()));
  EXPECT_DOUBLE_EQ(l.bytesPerCycle, 4 * 56320.0 / 88);
  EXPECT_FALSE(a.striped);
  EXPECT_EQ(a.bytes, ara2.sram().bytes());
  EXPECT_DOUBLE_EQ(a.bytesPerCycle, ara2.sram().bytes_per_cycle());
  Region v[3] = {region(DType::F32, {64, 1024}), region(DType::F32, {64, 1024}),
                 region(DType::F32, {1024})};
  const double big = 64 * 1024 * 4, small = 1024 * 4;
  EXPECT_EQ(sramGroupCycles(lpu, l, Opcode::Add, v, 3), uint64_t(std::ceil(big / l.bytesPerCycle)));
  EXPECT_EQ(sramGroupCycles(ara2, a, Opcode::Add, v, 3),
            uint64_t(std::ceil((2 * big + small) / a.bytesPerCycle)));
  // An operand larger than a group spreads over ceil(bytes / group bytes):
  // 2.5 groups' bytes over 3 groups.
  Region huge[2] = {region(DType::F32, {1}), region(DType::F32, {int64_t(l.bytes / 8 * 5)})};
  EXPECT_EQ(sramGroupCycles(lpu, l, Opcode::ReduceSum, huge, 2),
            uint64_t(std::ceil(double(l.bytes) * 2.5 / 3 / l.bytesPerCycle)));
  // DRAM-resident operands (ara2's weights) are not SRAM traffic.
  Region w[2] = {region(DType::F32, {1}), region(DType::F32, {4096}, Space::Const)};
  EXPECT_EQ(sramGroupCycles(ara2, a, Opcode::ReduceSum, w, 2), 1u);
  // The loads by place: two operands in lpu's group 0, one in group 1.
  Region p[3] = {v[0], v[1], v[2]};
  p[1].offset = uint64_t(big);
  p[2].offset = l.bytes;
  GroupLoad loads[kMaxGroupLoads];
  ASSERT_EQ(sramGroupLoads(lpu, l, Opcode::Add, p, 3, loads), 2u);
  EXPECT_EQ(loads[0].group, 0u);
  EXPECT_DOUBLE_EQ(loads[0].bytes, 2 * big);
  EXPECT_EQ(loads[1].group, 1u);
  EXPECT_DOUBLE_EQ(loads[1].bytes, small);
  // A weight tile that names its slice (F12: buffer = 1 + slice) is in
  // that slice's group whatever its offset: two column tiles of one
  // weight, by offset both in weights group 0, at slices 12 and 17 in
  // groups 3 and 4; one of 1.5 groups' bytes from slice 20 over groups 5
  // and 6.
  Region tiles[3] = {region(DType::F32, {1, 320}), region(DType::F32, {768, 320}, Space::Const),
                     region(DType::F32, {768, 320}, Space::Const)};
  tiles[1].strides[0] = tiles[2].strides[0] = 768;
  tiles[2].offset = 320 * 4;
  ASSERT_EQ(sramGroupLoads(lpu, l, Opcode::MatMul, tiles, 3, loads), 2u);
  EXPECT_EQ(loads[1].group, uint64_t(2) << 40);  // by offset: both tiles' spans in group 0
  EXPECT_DOUBLE_EQ(loads[1].bytes, 2 * 768 * 320 * 4);
  tiles[1].buffer = 13;
  tiles[2].buffer = 18;
  ASSERT_EQ(sramGroupLoads(lpu, l, Opcode::MatMul, tiles, 3, loads), 3u);
  EXPECT_EQ(loads[1].group, uint64_t(2) << 40 | 3);
  EXPECT_EQ(loads[2].group, uint64_t(2) << 40 | 4);
  EXPECT_DOUBLE_EQ(loads[2].bytes, 768 * 320 * 4);
  Region wide[2] = {region(DType::F32, {1}),
                    region(DType::F32, {int64_t(l.bytes / 8 * 3)}, Space::Const)};
  wide[1].buffer = 21;
  ASSERT_EQ(sramGroupLoads(lpu, l, Opcode::ReduceSum, wide, 2, loads), 3u);
  EXPECT_EQ(loads[1].group, uint64_t(2) << 40 | 5);
  EXPECT_EQ(loads[2].group, uint64_t(2) << 40 | 6);
  EXPECT_DOUBLE_EQ(loads[2].bytes, double(l.bytes) * 1.5 / 2);
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
