// How long an instruction takes on a target, and on which unit kind it
// issues: the single cost model shared by the compiler's scheduler and the
// simulator (the simulator adds contention and stalls on top).
#ifndef LMC_FORMAT_COSTMODEL_H
#define LMC_FORMAT_COSTMODEL_H

#include <cstdint>

#include "runtime/format/Format.h"
#include "runtime/format/target.pb.h"

namespace lmc::format {

// Cycles from a count computed in doubles, rounded up and saturated: at
// most kMaxCycles (a target file may ask for a rate of 1e-300 bytes per
// cycle), 0 for NaN and anything not above 0. kMaxCycles leaves room to add
// a few such counts in 64 bits.
inline constexpr uint64_t kMaxCycles = uint64_t(1) << 60;
uint64_t ceilCycles(double cycles);

struct InstructionCost {
  UnitKind unit = UNIT_UNSPECIFIED;
  uint64_t cycles = 0;      // issue to completion, latency included
  // Of those, cycles before the first result: the unit's latency, plus the
  // DRAM's for an instruction that reads or writes DRAM on another unit than
  // DMA (a DMA unit's latency is its DRAM access).
  uint64_t latency = 0;
  uint64_t macs = 0;        // multiply-accumulates (matrix unit)
  uint64_t vectorOps = 0;   // element operations (vector unit)
  uint64_t sramBytes = 0;   // bytes read and written in SRAM
  uint64_t dramBytes = 0;   // bytes read and written in DRAM (incl. DRAM-resident weights)
  // Cycles the busiest SRAM slice group needs for its bytes (SramGroups.h),
  // a lower bound on the work; sramAdded: the cycles that bound added to
  // the work (> 0: the instruction is slice-bound).
  uint64_t sramCycles = 0;
  uint64_t sramAdded = 0;
};

// The unit kind a TILE target issues `opcode` on: matmuls on MXM, moves
// between DRAM and SRAM on DMA, other moves on SXM, everything else on VXM.
// OPERATOR targets issue everything on CPU.
UnitKind unitKindFor(const Target &target, Opcode opcode, const Region *operands,
                     unsigned numOperands);

// The chips a C2C transfer joins, in a system of `chips` chips (a
// multi-chip file: the sender is the instruction's chip, the receiver the
// chip whose SRAM holds its destination, FORMAT.md F19).
struct ChipTransfer {
  uint32_t from = 0, to = 0, chips = 1;
};

// Cycles and action counts of one instruction issued on `unit`. A C2C
// instruction with `transfer` on a target with a link topology costs its
// route (linkTransferCycles, LinkTopology.h); otherwise the C2C unit's rate
// and latency.
InstructionCost instructionCost(const Target &target, Opcode opcode, const Region *operands,
                                unsigned numOperands, UnitKind unit,
                                const ChipTransfer *transfer = nullptr);

// The dtype whose unit rate and energy an instruction is costed at: its
// first input's, except matmul_q, which multiplies int8 activations by
// small-integer weights on the int8 datapath ("i8"), and an i32 matmul,
// whose operands are 8-bit integers widened for their zero points ("i8").
DType computeDType(Opcode opcode, const Region *operands, unsigned numOperands);

// Element operations per element for a vector opcode (an assumption shared by
// all targets: transcendental functions cost a short polynomial).
unsigned vectorOpsPerElement(Opcode opcode);

// Whether the State space (the KV cache) lives in DRAM on this target: on
// TILE targets that have DRAM; otherwise it stays resident in SRAM (or, for
// the cpu, in host memory), like the weights of an SRAM-only chip.
bool stateInDram(const Target &target);

// Whether a region's bytes live in DRAM on this target.
bool regionInDram(const Target &target, const Region &region);

}  // namespace lmc::format

#endif  // LMC_FORMAT_COSTMODEL_H
