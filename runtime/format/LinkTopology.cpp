// The chip-to-chip link network: nodes of fully connected chips joined in a
// ring of nodes by the chips' spare links (target.proto, message Links).
#include "runtime/format/LinkTopology.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "runtime/format/CostModel.h"

namespace lmc::format {
namespace {

uint32_t numNodes(uint32_t chips, uint32_t perNode) { return (chips + perNode - 1) / perNode; }

// Links each chip has left for the ring of nodes.
uint32_t spareLinks(const Target &t, uint32_t perNode) {
  const uint64_t inside = uint64_t(t.links().links_per_peer()) * (perNode - 1);
  return t.links().count() > inside ? uint32_t(t.links().count() - inside) : 0;
}

// Links joining a chip to the same position of one neighbouring node.
uint32_t ringLinks(const Target &t, uint32_t perNode, uint32_t nodes) {
  if (nodes < 2)
    return 0;
  const uint32_t spare = spareLinks(t, perNode);
  return nodes == 2 ? spare : spare / 2;
}

}  // namespace

bool hasLinkTopology(const Target &target) { return target.links().links_per_peer() > 0; }

uint32_t chipsPerNode(const Target &target, uint32_t chips) {
  return target.chips_per_node() ? target.chips_per_node() : std::max<uint32_t>(chips, 1);
}

uint32_t linksBetween(const Target &target, uint32_t a, uint32_t b, uint32_t chips) {
  if (a == b || a >= chips || b >= chips || !hasLinkTopology(target))
    return 0;
  const uint32_t perNode = chipsPerNode(target, chips), nodes = numNodes(chips, perNode);
  const uint32_t na = a / perNode, nb = b / perNode;
  if (na == nb)
    return target.links().links_per_peer();
  const bool adjacent = (na + 1) % nodes == nb || (nb + 1) % nodes == na;
  return a % perNode == b % perNode && adjacent ? ringLinks(target, perNode, nodes) : 0;
}

absl::StatusOr<std::vector<LinkHop>> linkRoute(const Target &target, uint32_t from, uint32_t to,
                                               uint32_t chips) {
  std::vector<LinkHop> route;
  if (from >= chips || to >= chips)
    return absl::InvalidArgumentError(absl::StrCat("a transfer from chip ", from, " to chip ", to,
                                                   " in a system of ", chips, " chips"));
  if (from == to)
    return route;
  const uint32_t perNode = chipsPerNode(target, chips), nodes = numNodes(chips, perNode);
  const uint32_t na = from / perNode, nb = to / perNode;
  const uint32_t peer = target.links().links_per_peer();
  if (na == nb) {
    route.push_back({from, to, peer});
    return route;
  }
  const uint32_t ring = ringLinks(target, perNode, nodes);
  if (ring == 0)
    return absl::FailedPreconditionError(absl::StrCat(
        "target '", target.name(), "' cannot route chip ", from, " to chip ", to, ": its ",
        target.links().count(), " links per chip less ", peer, " to each of ", perNode - 1,
        " peers in a node leave ", spareLinks(target, perNode), " for the ring of ", nodes,
        " nodes, which needs ", nodes == 2 ? "1" : "2", "; raise links.count or lower "
        "links.links_per_peer or use fewer chips"));
  // Around the ring either way at a position q present in every node
  // passed: the fewest hops, upward first, then q in the order pa, pb, 0.
  const uint32_t pa = from % perNode, pb = to % perNode;
  uint32_t steps = 0, step = 1, q = 0, best = UINT32_MAX;
  for (uint32_t dir : {1u, nodes - 1}) {
    const uint32_t count = dir == 1 ? (nb + nodes - na) % nodes : (na + nodes - nb) % nodes;
    for (uint32_t cand : {pa, pb, 0u}) {
      bool present = true;
      for (uint32_t k = 0, n = na; k <= count; ++k, n = (n + dir) % nodes)
        present &= uint64_t(n) * perNode + cand < chips;
      const uint32_t hops = count + (cand != pa) + (cand != pb);
      if (present && hops < best) {
        best = hops;
        steps = count;
        step = dir;
        q = cand;
      }
    }
  }
  uint32_t at = from;
  if (pa != q) {
    route.push_back({at, na * perNode + q, peer});
    at = na * perNode + q;
  }
  for (uint32_t k = 0, n = na; k < steps; ++k) {
    n = (n + step) % nodes;
    route.push_back({at, n * perNode + q, ring});
    at = n * perNode + q;
  }
  if (at != to)
    route.push_back({at, to, peer});
  return route;
}

uint64_t linkStreamCycles(const Target &target, uint64_t bytes,
                          const std::vector<LinkHop> &route) {
  if (route.empty())
    return 0;
  uint32_t width = route[0].links;
  for (const LinkHop &h : route)
    width = std::min(width, h.links);
  const double rate = std::max(double(width) * target.links().bytes_per_cycle(), 1e-9);
  return ceilCycles(double(bytes) / rate);
}

uint64_t linkTransferCycles(const Target &target, uint64_t bytes,
                            const std::vector<LinkHop> &route) {
  return linkStreamCycles(target, bytes, route) +
         uint64_t(route.size()) * target.links().latency_cycles();
}

}  // namespace lmc::format
