// Tests of the IR-free scheduling library on hand-built problems.
#include <random>

#include "gtest/gtest.h"
#include "passes/Scheduling/Problem.h"

namespace lmc::sched {
namespace {

TEST(Scheduling, ChainOnOneUnitRunsBackToBack) {
  Problem p;
  int vxm = p.addUnitKind("vxm", 1);
  int a = p.addOperation(vxm, 5), b = p.addOperation(vxm, 3), c = p.addOperation(vxm, 2);
  p.addDependence(a, b, 5);
  p.addDependence(b, c, 3);
  ASSERT_TRUE(p.check().ok());
  Schedule s = listSchedule(p);
  EXPECT_EQ(s.start, (std::vector<int64_t>{0, 5, 8}));
  EXPECT_EQ(s.length, 10);
  EXPECT_TRUE(verify(p, s).ok());
}

TEST(Scheduling, IndependentWorkSpreadsOverInstancesAndUnits) {
  Problem p;
  int mxm = p.addUnitKind("mxm", 2), dma = p.addUnitKind("dma", 1);
  int m0 = p.addOperation(mxm, 10), m1 = p.addOperation(mxm, 10), m2 = p.addOperation(mxm, 10);
  int d0 = p.addOperation(dma, 7);
  Schedule s = listSchedule(p);
  ASSERT_TRUE(verify(p, s).ok());
  EXPECT_EQ(s.start[m0], 0);
  EXPECT_EQ(s.start[m1], 0);
  EXPECT_NE(s.instance[m0], s.instance[m1]);
  EXPECT_EQ(s.start[m2], 10);  // waits for the first free plane
  EXPECT_EQ(s.start[d0], 0);   // DMA overlaps the matrix work
  EXPECT_EQ(s.length, 20);
}

TEST(Scheduling, CriticalPathGoesFirst) {
  // On one unit: op 0 is short and alone; op 1 heads a long chain. The
  // chain's head must be issued first even though its index is higher.
  Problem p;
  int u = p.addUnitKind("vxm", 1), w = p.addUnitKind("mxm", 1);
  int lone = p.addOperation(u, 4);
  int head = p.addOperation(u, 4);
  int tail = p.addOperation(w, 50);
  p.addDependence(head, tail, 4);
  Schedule s = listSchedule(p);
  ASSERT_TRUE(verify(p, s).ok());
  EXPECT_EQ(s.start[head], 0);
  EXPECT_EQ(s.start[lone], 4);
  EXPECT_EQ(s.start[tail], 4);
  EXPECT_EQ(s.length, 54);
}

TEST(Scheduling, HeldUnitsSerializeOnlyTheirHoldCycles) {
  // Three transfers of 10 cycles on a 4-instance unit that each hold one
  // link for their first 3 (the stream; the rest is latency): they start
  // 3 cycles apart, overlapping on the unit.
  Problem p;
  int c2c = p.addUnitKind("c2c", 4), link = p.addUnitKind("link", 1);
  for (int i = 0; i < 3; ++i)
    p.addHold(p.addOperation(c2c, 10), link, 3);
  ASSERT_TRUE(p.check().ok());
  Schedule s = listSchedule(p);
  ASSERT_TRUE(verify(p, s).ok());
  EXPECT_EQ(s.start, (std::vector<int64_t>{0, 3, 6}));
  EXPECT_EQ(s.holdInstance, (std::vector<int>{0, 0, 0}));
  EXPECT_EQ(s.length, 16);
  Schedule overlap = s;  // the second transfer streams while the first does
  overlap.start[1] = 2;
  absl::Status st = verify(p, overlap);
  EXPECT_NE(std::string(st.message()).find("overlap on one link instance at cycle 2"),
            std::string::npos)
      << st;
  Problem q;
  int u = q.addUnitKind("c2c", 1), l = q.addUnitKind("link", 1);
  q.addHold(q.addOperation(u, 5), l, 6);  // longer than the operation
  EXPECT_FALSE(q.check().ok());
}

TEST(Scheduling, TiesBreakByIndex) {
  Problem p;
  int u = p.addUnitKind("sxm", 1);
  for (int i = 0; i < 4; ++i)
    p.addOperation(u, 2);
  Schedule s = listSchedule(p);
  EXPECT_EQ(s.start, (std::vector<int64_t>{0, 2, 4, 6}));
}

TEST(Scheduling, VerifyCatchesBrokenSchedules) {
  Problem p;
  int u = p.addUnitKind("vxm", 1);
  int a = p.addOperation(u, 5), b = p.addOperation(u, 5);
  p.addDependence(a, b, 5);
  Schedule good = listSchedule(p);
  ASSERT_TRUE(verify(p, good).ok());

  Schedule early = good;  // b reads a's result before it exists
  early.start[b] = 3;
  early.length = 8;
  absl::Status st = verify(p, early);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("depends on operation 0"), std::string::npos);

  Problem q;
  int v = q.addUnitKind("vxm", 1);
  q.addOperation(v, 5);
  q.addOperation(v, 5);
  Schedule overlap{{0, 2}, {0, 0}, 7};
  st = verify(q, overlap);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("overlap"), std::string::npos);

  Schedule badInstance{{0, 5}, {0, 1}, 10};
  EXPECT_FALSE(verify(q, badInstance).ok());
  Schedule badLength{{0, 5}, {0, 0}, 9};
  EXPECT_FALSE(verify(q, badLength).ok());
  Schedule missing{{0}, {0}, 5};
  EXPECT_FALSE(verify(q, missing).ok());
}

TEST(Scheduling, CheckRejectsMalformedProblems) {
  Problem backward;
  int u = backward.addUnitKind("vxm", 1);
  backward.addOperation(u, 1);
  backward.addOperation(u, 1);
  backward.addDependence(1, 0, 1);
  EXPECT_FALSE(backward.check().ok());

  Problem zero;
  zero.addOperation(zero.addUnitKind("vxm", 1), 0);
  EXPECT_FALSE(zero.check().ok());

  Problem noInstance;
  noInstance.addOperation(noInstance.addUnitKind("vxm", 0), 1);
  EXPECT_FALSE(noInstance.check().ok());
}

TEST(Scheduling, RandomProblemsGiveValidSchedulesWithinBounds) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    Problem p;
    int kinds = 1 + rng() % 3;
    std::vector<int> counts;
    for (int k = 0; k < kinds; ++k) {
      counts.push_back(1 + rng() % 4);
      p.addUnitKind("u" + std::to_string(k), counts.back());
    }
    int n = 1 + rng() % 40;
    std::vector<int64_t> work(kinds, 0);
    for (int i = 0; i < n; ++i) {
      int kind = rng() % kinds;
      int64_t d = 1 + rng() % 20;
      p.addOperation(kind, d);
      work[kind] += d;
      for (int j = 0; j < i; ++j)
        if (rng() % 8 == 0)
          p.addDependence(j, i, rng() % 25);
    }
    ASSERT_TRUE(p.check().ok());
    Schedule s = listSchedule(p);
    ASSERT_TRUE(verify(p, s).ok()) << verify(p, s).message();
    // No schedule beats the busiest unit kind's work spread over its instances.
    for (int k = 0; k < kinds; ++k)
      EXPECT_GE(s.length * counts[k], work[k]);
  }
}

}  // namespace
}  // namespace lmc::sched
