// The SRAM slice map (see SramGroups.h).
#include "runtime/format/SramGroups.h"

#include <algorithm>
#include <cmath>

#include "runtime/format/CostModel.h"
#include "runtime/format/TargetLoader.h"

namespace lmc::format {

SramGroups sramGroups(const Target &target) {
  SramGroups g;
  const Memory &sram = target.sram();
  if (target.granularity() != Target::TILE || sram.bytes() == 0 || !(sram.bytes_per_cycle() > 0))
    return g;
  const uint32_t slices = std::max<uint32_t>(sram.slices(), 1);
  const uint64_t slice = sliceBytes(sram);
  g.striped = sram.buffers_within_slices() && slice > 0;
  if (!g.striped) {
    g.bytes = sram.bytes();
    g.bytesPerCycle = sram.bytes_per_cycle();
    return g;
  }
  g.stripe = std::clamp<uint32_t>(sram.stripe_slices(), 1, slices);
  g.bytes = slice * g.stripe;
  g.sliceBytes = slice;
  g.bytesPerCycle = sram.bytes_per_cycle() / slices * g.stripe;
  return g;
}

uint64_t touchedBytes(Opcode opcode, const Region *ops, unsigned n, unsigned i) {
  const bool gather =
      opcode == Opcode::Gather || opcode == Opcode::GatherElements || opcode == Opcode::GatherND;
  const bool scatter = opcode == Opcode::Scatter || opcode == Opcode::ScatterND;
  if (gather && i == 1)
    return regionBytes(ops[0]);
  if (scatter && i == 0 && n > 2)
    return regionBytes(ops[2]);
  return regionBytes(ops[i]);
}

uint64_t sramGroupCycles(const Target &target, const SramGroups &groups, Opcode opcode,
                         const Region *ops, unsigned n) {
  if (groups.bytes == 0)
    return 0;
  double busiest = 0, shared = 0;
  for (unsigned i = 0; i < n; ++i) {
    if (regionInDram(target, ops[i]))
      continue;
    const double touched = double(touchedBytes(opcode, ops, n, i));
    if (!groups.striped) {
      shared += touched;
      continue;
    }
    const double count = std::max(1.0, std::ceil(touched / double(groups.bytes)));
    busiest = std::max(busiest, touched / count);
  }
  busiest = std::max(busiest, shared);
  return ceilCycles(busiest / groups.bytesPerCycle);
}

size_t sramGroupLoads(const Target &target, const SramGroups &groups, Opcode opcode,
                      const Region *ops, unsigned n, GroupLoad *out) {
  if (groups.bytes == 0)
    return 0;
  size_t count = 0;
  auto add = [&](uint64_t group, double bytes) {
    for (size_t k = 0; k < count; ++k)
      if (out[k].group == group) {
        out[k].bytes += bytes;
        return;
      }
    if (count < kMaxGroupLoads)
      out[count++] = {group, bytes};
  };
  for (unsigned i = 0; i < n; ++i) {
    const Region &r = ops[i];
    if (regionInDram(target, r))
      continue;
    const double touched = double(touchedBytes(opcode, ops, n, i));
    if (touched <= 0)
      continue;
    if (!groups.striped) {
      add(0, touched);
      continue;
    }
    if (static_cast<Space>(r.space) == Space::Const && r.buffer != 0) {
      // The compiler's place (F12): from the group of slice buffer - 1, as
      // many groups as the bytes fill, as the cost model assumes.
      const uint64_t first = (r.buffer - 1) * groups.sliceBytes / groups.bytes;
      const uint64_t count =
          std::max<uint64_t>(1, (uint64_t(touched) + groups.bytes - 1) / groups.bytes);
      if (count > kMaxGroupsPerOperand)
        continue;
      for (uint64_t g = first; g < first + count; ++g)
        add(uint64_t(2) << 40 | g, touched / double(count));
      continue;
    }
    uint64_t lo = 0, hi = 0;
    if (!regionByteSpan(r, lo, hi))
      continue;
    const uint64_t first = lo / groups.bytes, last = (hi - 1) / groups.bytes;
    if (last - first + 1 > kMaxGroupsPerOperand)
      continue;
    const Space space = static_cast<Space>(r.space);
    const uint64_t area = space == Space::Sram    ? 0
                          : space == Space::State ? 1
                          : space == Space::Const ? 2
                                                  : std::min<uint64_t>(3 + uint64_t(r.buffer), 255);
    const double share = touched / double(last - first + 1);
    for (uint64_t g = first; g <= last; ++g)
      add(area << 40 | g, share);
  }
  return count;
}

}  // namespace lmc::format
