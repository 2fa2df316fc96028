// The chip-to-chip link network: routes against a breadth-first search of
// the topology, transfer costs and the simulator's link queuing against
// closed forms from the target's figures.
#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/format/CostModel.h"
#include "runtime/format/LinkTopology.h"
#include "runtime/format/Reader.h"
#include "runtime/format/TargetLoader.h"
#include "runtime/format/Writer.h"
#include "simulator/Simulator.h"

namespace lmc {
namespace {

using format::DType;
using format::LinkHop;
using format::makeRegion;
using format::Space;

// lpu with `perNode` chips per node (and its links: 2 per peer, 16 per chip).
format::Target lpu(uint32_t perNode = 8) {
  absl::StatusOr<format::Target> t = format::loadTarget("lpu");
  EXPECT_TRUE(t.ok()) << t.status();
  t->set_chips_per_node(perNode);
  EXPECT_TRUE(format::validateTarget(*t, "test").ok());
  return *t;
}

// Hops of the shortest path from a to b over the links linksBetween reports
// (breadth-first search): the reference for the routes.
int bfsHops(const format::Target &t, uint32_t a, uint32_t b, uint32_t chips) {
  std::vector<int> dist(chips, -1);
  std::deque<uint32_t> queue{a};
  dist[a] = 0;
  while (!queue.empty()) {
    uint32_t c = queue.front();
    queue.pop_front();
    for (uint32_t d = 0; d < chips; ++d)
      if (dist[d] < 0 && format::linksBetween(t, c, d, chips) > 0) {
        dist[d] = dist[c] + 1;
        queue.push_back(d);
      }
  }
  return dist[b];
}

TEST(LinkTopology, RoutesAreShortestPathsOverTheLinks) {
  for (uint32_t perNode : {1u, 2u, 3u, 8u}) {
    format::Target t = lpu(perNode);
    for (uint32_t chips : {2u, 3u, 5u, 8u, 10u, 16u, 17u, 24u, 40u}) {
      for (uint32_t a = 0; a < chips; ++a)
        for (uint32_t b = 0; b < chips; ++b) {
          absl::StatusOr<std::vector<LinkHop>> route = format::linkRoute(t, a, b, chips);
          ASSERT_TRUE(route.ok()) << route.status();
          const std::string what =
              absl::StrCat(perNode, " per node, ", chips, " chips, ", a, " -> ", b);
          EXPECT_EQ(int(route->size()), bfsHops(t, a, b, chips)) << what;
          uint32_t at = a;
          for (const LinkHop &h : *route) {
            EXPECT_EQ(h.from, at) << what;
            EXPECT_EQ(h.links, format::linksBetween(t, h.from, h.to, chips)) << what;
            EXPECT_GT(h.links, 0u) << what;
            at = h.to;
          }
          EXPECT_EQ(at, b) << what;
        }
    }
  }
}

TEST(LinkTopology, LpuFigures) {
  format::Target t = lpu();
  const uint32_t peer = t.links().links_per_peer();
  EXPECT_EQ(peer, 2u);
  // Inside a node: one hop over the 2 links to the peer.
  absl::StatusOr<std::vector<LinkHop>> r = format::linkRoute(t, 0, 5, 16);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].links, peer);
  // Chip 0 to chip 9 of two nodes: the 16 - 2 x 7 = 2 spare links to chip
  // 8, then one hop inside node 1.
  r = format::linkRoute(t, 0, 9, 16);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].to, 8u);
  EXPECT_EQ((*r)[0].links, t.links().count() - peer * 7);
  EXPECT_EQ((*r)[1].to, 9u);
  // Three nodes: one spare link to each neighbouring node.
  EXPECT_EQ(format::linksBetween(t, 0, 8, 24), 1u);
  EXPECT_EQ(format::linksBetween(t, 0, 16, 24), 1u);
  EXPECT_EQ(format::linksBetween(t, 0, 9, 24), 0u);
}

TEST(LinkTopology, TooFewSpareLinksIsAClearError) {
  format::Target t = lpu();
  t.mutable_links()->set_count(14);  // exactly the node's 7 peers x 2
  absl::StatusOr<std::vector<LinkHop>> r = format::linkRoute(t, 0, 9, 16);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("leave 0 for the ring of 2 nodes"), std::string::npos)
      << r.status();
  EXPECT_TRUE(format::linkRoute(t, 0, 7, 16).ok());
  t.mutable_links()->set_count(13);
  absl::Status s = format::validateTarget(t, "t");
  EXPECT_NE(s.message().find("links.links_per_peer"), std::string::npos) << s;
  t = lpu();
  t.set_chips_per_node(0);
  s = format::validateTarget(t, "t");
  EXPECT_NE(s.message().find("chips_per_node"), std::string::npos) << s;
}

// ---------------------------------------------------------------- simulation

// Each chip's SRAM range in the files below.
constexpr uint64_t kChipBytes = 4 << 20;

struct Send {
  uint32_t from, to;
  uint64_t bytes, cycle;
};

// A file of `chips` chips with one C2C copy per send (from the start of the
// sender's SRAM range, `slot` MiB into the receiver's, slots distinct), on
// `t`.
std::unique_ptr<format::BinFile> sends(const format::Target &t, uint32_t chips,
                                       const std::vector<Send> &list) {
  format::Writer w;
  *w.metadata().mutable_target() = t;
  w.metadata().set_sram_bytes(chips * kChipBytes);
  w.metadata().set_chips(chips);
  for (uint32_t c = 0; c < chips; ++c) {
    format::ChipMemory *m = w.metadata().add_chip_memory();
    m->set_sram_offset(c * kChipBytes);
    m->set_sram_bytes(kChipBytes);
  }
  uint32_t loc = w.addLocation("send", "Identity");
  for (size_t k = 0; k < list.size(); ++k) {
    const Send &s = list[k];
    const int64_t n = int64_t(s.bytes);
    w.addInstruction(format::Opcode::Copy, format::Unit::C2c, s.cycle, loc,
                     {makeRegion(Space::Sram, DType::I8, {n}, s.to * kChipBytes + (k + 1) * (1 << 20)),
                      makeRegion(Space::Sram, DType::I8, {n}, s.from * kChipBytes)},
                     {}, uint16_t(s.from));
  }
  std::vector<uint8_t> bytes = w.finish("test");
  absl::StatusOr<std::unique_ptr<format::BinFile>> f =
      format::BinFile::fromBytes("links.bin", bytes.data(), bytes.size());
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? std::move(*f) : nullptr;
}

sim::Result run(const format::BinFile &f) {
  sim::Options o;
  absl::StatusOr<sim::Result> r = sim::simulate(f, f.metadata().target(), o);
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r.ok() ? r->violationCount : 1, 0u);
  return r.ok() ? *r : sim::Result();
}

// Cycles to stream `bytes` over `links` links of `t` (closed form).
uint64_t streamCycles(const format::Target &t, uint64_t bytes, uint32_t links) {
  return uint64_t(std::ceil(double(bytes) / (links * t.links().bytes_per_cycle())));
}

TEST(SimulatorLinks, OneHopIsBytesOverTheBundleRatePlusLatency) {
  format::Target t = lpu();
  const uint64_t bytes = 1 << 20, lat = t.links().latency_cycles();
  auto f = sends(t, 2, {{0, 1, bytes, 0}});
  ASSERT_TRUE(f);
  sim::Result r = run(*f);
  const uint64_t expected = streamCycles(t, bytes, 2) + lat;
  EXPECT_EQ(r.totalCycles, expected);
  EXPECT_EQ(r.scheduleCycles, 0u);  // hand-written: no schedule length
  // The cost model gives the same (the compiler's scheduler uses it).
  format::ChipTransfer transfer{0, 1, 2};
  EXPECT_EQ(format::instructionCost(t, format::Opcode::Copy, f->instructions()[0].operands, 2,
                                    format::C2C, &transfer)
                .cycles,
            expected);
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].bytes, bytes);
  EXPECT_EQ(r.links[0].busyCycles, streamCycles(t, bytes, 2));
  EXPECT_EQ(r.linkHopBytes, bytes);
  EXPECT_EQ(r.linkWaitCount, 0u);
}

TEST(SimulatorLinks, TwoNodesTakeTwoHops) {
  // lpu, 8 chips per node: chip 0 to chip 9 goes 0 -> 8 over the 16 - 2 x 7
  // spare links, then 8 -> 9 inside node 1 (2 links). A small test target,
  // 2 chips per node and 4 links per peer: 0 -> 3 goes 0 -> 2 over the 12
  // spare links, then 2 -> 3 over 4; it streams at the 4-link hop's rate.
  format::Target small = lpu(2);
  small.mutable_links()->set_links_per_peer(4);
  ASSERT_TRUE(format::validateTarget(small, "small").ok());
  struct Case {
    format::Target target;
    uint32_t chips, to, via, firstLinks, secondLinks;
  };
  for (const Case &c : {Case{lpu(), 10, 9, 8, 2, 2}, Case{small, 4, 3, 2, 12, 4}}) {
    const uint64_t bytes = 1 << 20, lat = c.target.links().latency_cycles();
    auto f = sends(c.target, c.chips, {{0, c.to, bytes, 0}});
    ASSERT_TRUE(f);
    sim::Result r = run(*f);
    EXPECT_EQ(r.totalCycles,
              streamCycles(c.target, bytes, std::min(c.firstLinks, c.secondLinks)) + 2 * lat);
    ASSERT_EQ(r.links.size(), 2u);
    EXPECT_EQ(std::make_pair(r.links[0].from, r.links[0].to), std::make_pair(0u, c.via));
    EXPECT_EQ(std::make_pair(r.links[1].from, r.links[1].to), std::make_pair(c.via, c.to));
    EXPECT_EQ(r.links[0].links, c.firstLinks);
    EXPECT_EQ(r.links[1].links, c.secondLinks);
    EXPECT_EQ(r.linkHopBytes, 2 * bytes);
    EXPECT_DOUBLE_EQ(r.energy.linkPj, 2.0 * double(bytes) * c.target.energy().pj_per_link_byte());
  }
}

TEST(SimulatorLinks, TransfersSharingALinkQueue) {
  format::Target t = lpu();
  const uint64_t bytes = 1 << 20, lat = t.links().latency_cycles();
  const uint64_t stream = streamCycles(t, bytes, 2), one = stream + lat;
  // Two transfers 0 -> 1 at cycle 0: the second starts when the first has
  // streamed: about twice as long as one.
  auto same = sends(t, 3, {{0, 1, bytes, 0}, {0, 1, bytes, 0}});
  ASSERT_TRUE(same);
  sim::Result r = run(*same);
  EXPECT_EQ(r.totalCycles, 2 * stream + lat);
  EXPECT_GT(double(r.totalCycles), 1.9 * double(one));
  EXPECT_EQ(r.linkWaitCount, 1u);
  EXPECT_EQ(r.linkWaitCycles, stream);
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].transfers, 2u);
  EXPECT_EQ(r.links[0].waitCycles, stream);
  // 0 -> 1 and 0 -> 2 use different bundles: as long as one.
  auto different = sends(t, 3, {{0, 1, bytes, 0}, {0, 2, bytes, 0}});
  ASSERT_TRUE(different);
  sim::Result d = run(*different);
  EXPECT_EQ(d.totalCycles, one);
  EXPECT_EQ(d.linkWaitCount, 0u);
  EXPECT_EQ(d.links.size(), 2u);
  // 0 -> 9 (via 8) and 8 -> 9 share the second hop: the head of 0 -> 9
  // reaches 8 -> 9 after one latency and streams for `stream`; 8 -> 9 in
  // file order after it waits until then.
  auto second = sends(t, 10, {{0, 9, bytes, 0}, {8, 9, bytes, 0}});
  ASSERT_TRUE(second);
  sim::Result h = run(*second);
  EXPECT_EQ(h.totalCycles, (lat + stream) + one);
  EXPECT_EQ(h.linkWaitCycles, lat + stream);
}

// A two-stage pipeline: chip 0 computes A (exp of n0 floats), sends A to
// chip 1 as B, chip 1 computes C from B (exp of n1 floats). In a stream the
// next input's exp on chip 0 may overwrite A only after the copy read it,
// and the next copy may overwrite B only after chip 1 read it, so the
// copies start every T + max(c0, c1) cycles (c0, c1, T: the three
// instructions' durations).
std::unique_ptr<format::BinFile> twoStages(const format::Target &t, int64_t n0, int64_t n1) {
  format::Writer w;
  *w.metadata().mutable_target() = t;
  w.metadata().set_sram_bytes(2 * kChipBytes);
  w.metadata().set_chips(2);
  for (uint32_t c = 0; c < 2; ++c) {
    format::ChipMemory *m = w.metadata().add_chip_memory();
    m->set_sram_offset(c * kChipBytes);
    m->set_sram_bytes(kChipBytes);
  }
  format::TensorInfo *in = w.io().add_inputs();
  in->set_name("x");
  in->set_dtype(uint32_t(DType::F32));
  in->add_shape(n0);
  format::TensorInfo *out = w.io().add_outputs();
  out->set_name("y");
  out->set_dtype(uint32_t(DType::F32));
  out->add_shape(n1);
  const uint32_t loc = w.addLocation("stage", "Exp");
  const int64_t n = std::max(n0, n1);
  const uint64_t a = 0, b = kChipBytes;
  format::Region x = makeRegion(Space::Io, DType::F32, {n0}, 0);
  format::Region y = makeRegion(Space::Io, DType::F32, {n1}, 0);
  y.buffer = 1;  // IO index: the output after the input
  w.addInstruction(format::Opcode::Exp, format::Unit::Vxm, 0, loc,
                   {makeRegion(Space::Sram, DType::F32, {n0}, a), x}, {}, 0);
  w.addInstruction(format::Opcode::Copy, format::Unit::C2c, 0, loc,
                   {makeRegion(Space::Sram, DType::I8, {4 * n}, b),
                    makeRegion(Space::Sram, DType::I8, {4 * n}, a)},
                   {}, 0);
  w.addInstruction(format::Opcode::Exp, format::Unit::Vxm, 0, loc,
                   {y, makeRegion(Space::Sram, DType::F32, {n1}, b)}, {}, 1);
  std::vector<uint8_t> bytes = w.finish("test");
  absl::StatusOr<std::unique_ptr<format::BinFile>> f =
      format::BinFile::fromBytes("stages.bin", bytes.data(), bytes.size());
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? std::move(*f) : nullptr;
}

TEST(SimulatorStream, IntervalIsTheSlowerStagePlusTheTransfer) {
  format::Target t = lpu();
  for (auto [n0, n1] : {std::pair<int64_t, int64_t>{64000, 6400}, {6400, 64000}}) {
    auto f = twoStages(t, n0, n1);
    ASSERT_TRUE(f);
    sim::Options o;
    absl::StatusOr<sim::Result> one = sim::simulate(*f, t, o);
    ASSERT_TRUE(one.ok()) << one.status();
    const auto &tm = one->timings;
    const uint64_t c0 = tm[0].finish - tm[0].issue, copy = tm[1].finish - tm[1].issue,
                   c1 = tm[2].finish - tm[2].issue;
    EXPECT_EQ(one->totalCycles, c0 + copy + c1);
    absl::StatusOr<sim::StreamResult> s = sim::simulateStream(*f, t, 5);
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_EQ(s->finish.size(), 5u);
    EXPECT_EQ(s->finish[0], one->totalCycles);
    EXPECT_EQ(s->interval, copy + std::max(c0, c1));
    for (uint32_t k = 1; k < 5; ++k)
      EXPECT_EQ(s->finish[k], s->finish[0] + k * s->interval) << k;
    EXPECT_DOUBLE_EQ(s->inputsPerSecond, t.clock_mhz() * 1e6 / double(s->interval));
  }
  EXPECT_FALSE(sim::simulateStream(*twoStages(t, 64, 64), t, 1).ok());
}

}  // namespace
}  // namespace lmc
