// The SRAM slice map shared by the cost model and the simulator: which
// group of slices (the slices a tensor is striped over) holds an operand's
// bytes, and the bandwidth of a group (docs/simulator.md, "SRAM slices").
#ifndef LMC_FORMAT_SRAMGROUPS_H
#define LMC_FORMAT_SRAMGROUPS_H

#include <cstddef>
#include <cstdint>

#include "runtime/format/Format.h"
#include "runtime/format/target.pb.h"

namespace lmc::format {

// A TILE target's SRAM as groups of `sram.stripe_slices` slices (at least
// 1). With `buffers_within_slices` (striped) every area of SRAM is cut into
// groups from its start: the SRAM space (working buffers; in a multi-chip
// file, the chips' ranges side by side), the KV caches (the State space
// where it is in SRAM), the resident weights (the Const space on a
// weights_in_sram target: where an operand names the slice its bytes
// start in (F12, the compiler's layout) from that slice's group, else by
// the offset in the constants section) and each I/O buffer; a group holds stripe_slices x sliceBytes() bytes and
// moves stripe_slices x bytes_per_cycle / slices bytes per cycle. Without
// it the slices are interleaved by address: one group per chip, at the
// aggregate bandwidth.
struct SramGroups {
  uint64_t bytes = 0;        // of one group; 0: no SRAM bandwidth model
  uint64_t sliceBytes = 0;   // of one slice, when striped
  uint32_t stripe = 0;       // slices per group, when striped
  double bytesPerCycle = 0;  // of one group
  bool striped = false;
};
SramGroups sramGroups(const Target &target);

// The bytes of operand `i` an instruction reads or writes: a gather's
// input only the rows it picks (as many bytes as it writes), a scatter's
// output only as many bytes as its updates; the whole region otherwise.
uint64_t touchedBytes(Opcode opcode, const Region *operands, unsigned numOperands, unsigned i);

// The cost model's SRAM bound (placement-independent, so that a schedule
// made before buffer planning stays valid after it): cycles the busiest
// group needs for the instruction's SRAM bytes. Striped: each operand in
// groups of its own, its bytes spread evenly over ceil(bytes / group bytes)
// of them; interleaved: every operand's bytes in the one group.
uint64_t sramGroupCycles(const Target &target, const SramGroups &groups, Opcode opcode,
                         const Region *operands, unsigned numOperands);

// The SRAM bytes of one instruction in one group, by the operands' actual
// places: `group` is (area << 40 | index within the area) when striped
// (area: 0 SRAM space, 1 State, 2 Const, 3 + b I/O buffer b, at most 255), 0 when
// interleaved. An operand's bytes are spread evenly over the groups its
// span [lowest, highest byte] meets; a Const operand that names its slice
// (buffer = 1 + slice of the weights) over that slice's group and the next
// ones, as many as its bytes fill.
struct GroupLoad {
  uint64_t group = 0;
  double bytes = 0;
};
// At most kMaxGroupLoads loads, merged by group; an operand spanning more
// than kMaxGroupsPerOperand groups (a gather over a large table) puts so
// few bytes in each that it is left out.
constexpr size_t kMaxGroupLoads = 32;
constexpr uint64_t kMaxGroupsPerOperand = 8;
size_t sramGroupLoads(const Target &target, const SramGroups &groups, Opcode opcode,
                      const Region *operands, unsigned numOperands, GroupLoad *out);

}  // namespace lmc::format

#endif  // LMC_FORMAT_SRAMGROUPS_H
