// The resident weights' stripe groups (part of lmc-plan-buffers): which
// group of a chip's SRAM holds the bytes each instruction reads of a
// weight, so that the MXM planes reading one weight's column tiles at
// once read different groups (docs/targets.md, "weights in groups").
#ifndef LMC_PASSES_MEMORY_WEIGHTGROUPS_H
#define LMC_PASSES_MEMORY_WEIGHTGROUPS_H

#include <cstdint>
#include <utility>

#include "llvm/ADT/ArrayRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "runtime/format/TargetLoader.h"

namespace lmc {

// The bytes of a shaped type's elements (i1 stored as a byte).
int64_t shapedBytes(mlir::ShapedType type);

// A weight an instruction reads, told apart as the emitter stores them: a
// constant by its value and packing, a --no-weights weight by its op.
using WeightKey = std::pair<const void *, const void *>;
// True when `buffer` is a weight, with its key and its whole bytes.
bool weightOf(mlir::Value buffer, WeightKey &key, int64_t &bytes);

// The attribute on an lmc_isa.inst: one entry per operand, 0 or 1 + the
// slice (of its chip's weights area) where the weight bytes it reads
// start, striped over that slice's group; lmc-emit-bin writes it into the
// Const region's `buffer` (FORMAT.md F12).
inline constexpr char kWeightGroupsAttr[] = "lmc.weight_groups";

// On a weights_in_sram target with stripe groups: lays out chip c's
// weights in the `slices[c]` slices of its weights area, in groups of
// stripe_slices from its start, and sets kWeightGroupsAttr. A weight whose regions (those of its
// instructions on the chip) do not overlap is stored region by region
// (each striped over one group's slices), the regions in first-use order
// round-robin over the groups; any other weight is stored whole (in one
// group when it fits one, else over whole groups). A chip whose weights do
// not fit that way, or that has fewer than two groups, gets no entries
// (the constants-section order then places them). Returns the groups each
// chip's weights use (0 for such a chip).
llvm::SmallVector<int64_t> assignWeightGroups(mlir::ModuleOp module, const format::Target &target,
                                              llvm::ArrayRef<int64_t> slices);

}  // namespace lmc

#endif  // LMC_PASSES_MEMORY_WEIGHTGROUPS_H
