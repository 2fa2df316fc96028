// The chip-to-chip link network of a target (Target.links, target.proto):
// which chips are joined by how many links, the route a transfer takes and
// what it costs. Shared by the compiler's scheduler (through CostModel.h)
// and the simulator, which adds the queuing on shared links.
#ifndef LMC_FORMAT_LINKTOPOLOGY_H
#define LMC_FORMAT_LINKTOPOLOGY_H

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/format/target.pb.h"

namespace lmc::format {

// One hop of a route: the directed link bundle from chip `from` to its
// neighbour `to`, made of `links` parallel links.
struct LinkHop {
  uint32_t from = 0, to = 0, links = 0;
};

// Whether the target describes a topology (links.links_per_peer > 0).
bool hasLinkTopology(const Target &target);

// The chips of one node: chips_per_node, or all `chips` when it is 0.
uint32_t chipsPerNode(const Target &target, uint32_t chips);

// The links joining chips a and b directly in a system of `chips` chips
// (0: not neighbours, or a == b).
uint32_t linksBetween(const Target &target, uint32_t a, uint32_t b, uint32_t chips);

// The route of a transfer from chip `from` to chip `to` in a system of
// `chips` chips (empty when from == to): the fewest hops, chosen by a fixed
// rule. Around the ring of nodes one way at one position q present in every
// node passed (the last node may be partial), with a hop inside the first
// node to q and one inside the last node from q where needed: of the two
// ways (upward, node + 1, first) and q among the sender's position, the
// receiver's and 0 (in that order), the first with the fewest hops. An error names the chips when the spare links cannot join
// the nodes (fewer than 2 per chip for 3 or more nodes, none for 2).
absl::StatusOr<std::vector<LinkHop>> linkRoute(const Target &target, uint32_t from, uint32_t to,
                                               uint32_t chips);

// Cycles of a transfer of `bytes` over `route` (cut-through): the bytes
// stream at the narrowest hop's bandwidth (links x bytes_per_cycle),
// rounded up, and every hop adds its latency:
//   ceil(bytes / (min links x bytes_per_cycle)) + hops x latency_cycles.
uint64_t linkStreamCycles(const Target &target, uint64_t bytes, const std::vector<LinkHop> &route);
uint64_t linkTransferCycles(const Target &target, uint64_t bytes,
                            const std::vector<LinkHop> &route);

}  // namespace lmc::format

#endif  // LMC_FORMAT_LINKTOPOLOGY_H
