// The chip-to-chip link network in the simulation: each directed link
// bundle (the links from one chip to a neighbour) carries one transfer at a
// time, in file order; a transfer waits until every bundle of its route is
// free when its head gets there (docs/simulator.md, "Links").
#ifndef LMC_SIMULATOR_LINKS_H
#define LMC_SIMULATOR_LINKS_H

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "runtime/format/LinkTopology.h"
#include "simulator/Simulator.h"

namespace lmc::sim::links {

class Network {
public:
  // The network of `chips` chips of `target`; inactive (every transfer
  // takes its cost) without a link topology or with one chip.
  // Recording keeps every hop of every transfer (takeSlices).
  Network(const format::Target &target, uint32_t chips, bool record = false);
  bool active() const { return active_; }
  // An error when some pair of chips has no route (too few spare links).
  absl::Status check() const;

  // A transfer of `bytes` from chip `from` to chip `to` that may start at
  // cycle `issue` and takes `cycles` once started (its cost: the stream at
  // the narrowest hop's bandwidth and a latency per hop). Returns the
  // cycles it waits for busy bundles first. Hop k of the route carries the
  // stream from start + k x latency for the stream's cycles (kept as slices
  // of `instruction` when recording).
  uint64_t transfer(uint64_t issue, uint64_t bytes, uint64_t cycles, uint32_t from, uint32_t to,
                    uint32_t instruction = 0);

  // Per directed bundle, ordered by (from, to).
  std::vector<LinkStats> stats() const;
  uint64_t hopBytes() const { return hopBytes_; }
  std::vector<LinkSlice> takeSlices() { return std::move(slices_); }

private:
  const std::vector<format::LinkHop> &route(uint32_t from, uint32_t to);
  struct Bundle {
    LinkStats stats;
    uint64_t freeAt = 0;
  };
  const format::Target &target_;
  uint32_t chips_;
  bool active_;
  std::map<std::pair<uint32_t, uint32_t>, std::vector<format::LinkHop>> routes_;
  std::map<std::pair<uint32_t, uint32_t>, Bundle> bundles_;
  uint64_t hopBytes_ = 0;
  bool record_;
  std::vector<LinkSlice> slices_;
};

}  // namespace lmc::sim::links

#endif  // LMC_SIMULATOR_LINKS_H
