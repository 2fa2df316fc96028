// The link network's queuing: one transfer at a time per directed bundle.
#include "simulator/src/Links.h"

#include <algorithm>

namespace lmc::sim::links {

Network::Network(const format::Target &target, uint32_t chips, bool record)
    : target_(target), chips_(std::max<uint32_t>(chips, 1)),
      active_(format::hasLinkTopology(target) && chips > 1), record_(record) {}

absl::Status Network::check() const {
  if (!active_)
    return absl::OkStatus();
  // A route fails only between nodes when the ring has no links
  // (format::linkRoute), for every such pair alike: the first and the last
  // chip are in different nodes whenever there are two.
  return format::linkRoute(target_, 0, chips_ - 1, chips_).status();
}

const std::vector<format::LinkHop> &Network::route(uint32_t from, uint32_t to) {
  auto [it, fresh] = routes_.try_emplace({from, to});
  if (fresh) {
    absl::StatusOr<std::vector<format::LinkHop>> r = format::linkRoute(target_, from, to, chips_);
    if (r.ok())
      it->second = std::move(*r);
  }
  return it->second;
}

uint64_t Network::transfer(uint64_t issue, uint64_t bytes, uint64_t cycles, uint32_t from,
                           uint32_t to, uint32_t instruction) {
  if (!active_ || from >= chips_ || to >= chips_)
    return 0;
  const std::vector<format::LinkHop> &hops = route(from, to);
  if (hops.empty())
    return 0;
  const uint64_t latency = target_.links().latency_cycles();
  const uint64_t headway = uint64_t(hops.size()) * latency;
  const uint64_t stream = cycles > headway ? cycles - headway : 0;
  // The head reaches hop k at start + k x latency; each bundle must be free
  // by then.
  uint64_t start = issue;
  size_t binding = 0;
  std::vector<Bundle *> used;
  for (size_t k = 0; k < hops.size(); ++k) {
    Bundle &b = bundles_[{hops[k].from, hops[k].to}];
    if (b.stats.transfers == 0) {
      b.stats.from = hops[k].from;
      b.stats.to = hops[k].to;
      b.stats.links = hops[k].links;
    }
    const uint64_t offset = k * latency;
    if (b.freeAt > offset && b.freeAt - offset > start) {
      start = b.freeAt - offset;
      binding = k;
    }
    used.push_back(&b);
  }
  for (size_t k = 0; k < used.size(); ++k) {
    Bundle &b = *used[k];
    b.freeAt = start + k * latency + stream;
    ++b.stats.transfers;
    b.stats.bytes += bytes;
    b.stats.busyCycles += stream;
    if (record_)
      slices_.push_back({hops[k].from, hops[k].to, instruction, uint32_t(k), uint32_t(hops.size()),
                         start + k * latency, stream, bytes});
  }
  used[binding]->stats.waitCycles += start - issue;
  hopBytes_ += bytes * hops.size();
  return start - issue;
}

std::vector<LinkStats> Network::stats() const {
  std::vector<LinkStats> out;
  for (const auto &[key, b] : bundles_)
    out.push_back(b.stats);
  return out;
}

}  // namespace lmc::sim::links
