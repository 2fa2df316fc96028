// The target a module is compiled for (module attribute `lmc.target`, the
// target's text proto), and conversions from lmc_isa to the format's view of
// an instruction that the shared cost model takes.
#ifndef LMC_PASSES_TARGETINFO_H
#define LMC_PASSES_TARGETINFO_H

#include <string>
#include <vector>

#include "dialects/Isa/Isa.h"
#include "mlir/IR/BuiltinOps.h"
#include "runtime/format/CostModel.h"
#include "runtime/format/Format.h"
#include "runtime/format/target.pb.h"

namespace lmc {

inline constexpr const char *kTargetAttr = "lmc.target";

// Stores `target` on the module (deterministic text form).
void setModuleTarget(mlir::ModuleOp module, const format::Target &target);
// The module's target; the built-in cpu target when none is set. Reports a
// diagnostic and fails when the attribute does not parse.
mlir::FailureOr<format::Target> getModuleTarget(mlir::ModuleOp module);
// Loads a built-in name or a file and stores it, for pass options.
mlir::LogicalResult setModuleTargetByName(mlir::ModuleOp module, const std::string &nameOrPath);
// A pass's `target` option (stored on the module when given), else the
// module's target.
mlir::FailureOr<format::Target> resolveModuleTarget(mlir::ModuleOp module,
                                                    const std::string &option);

// The memory space a buffer lives in.
format::Space bufferSpace(mlir::Value buffer);
// The format region of an operand (offsets left 0: enough for costs).
format::Region toFormatRegion(mlir::Value buffer, isa::RegionAttr region);
// Opcode of an instruction (the verifier has checked it exists).
format::Opcode opcodeOf(isa::InstOp inst);
// The unit name used in lmc_isa and the .bin for a unit kind.
const char *unitNameOf(format::UnitKind kind);
// Cost of an instruction on the target, issued on its `unit` attribute.
format::InstructionCost costOf(const format::Target &target, isa::InstOp inst);
// The bytes of a region's distinct elements (broadcast axes once): what a
// chip keeps of a weight it reads only through this region.
int64_t regionFootprintBytes(isa::RegionAttr region);
// The chip an instruction or buffer is on: its `lmc.chip` attribute
// (lmc-partition-chips), else 0.
int64_t chipOf(mlir::Operation *op);

}  // namespace lmc

#endif  // LMC_PASSES_TARGETINFO_H
