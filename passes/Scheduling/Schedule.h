// Scheduling of an lmc_isa function on a TILE target (the body of
// lmc-schedule), callable from other passes that change instruction costs.
#ifndef LMC_PASSES_SCHEDULING_SCHEDULE_H
#define LMC_PASSES_SCHEDULING_SCHEDULE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "runtime/format/target.pb.h"

namespace lmc {

// Builds the problem from the instructions (costs from the shared cost
// model, dependences through memory), list-schedules and verifies it, writes
// `cycle` and `lmc.duration`, reorders the instructions by issue cycle and
// sets `lmc.schedule_cycles` on the module.
mlir::LogicalResult scheduleInstructions(mlir::func::FuncOp func, const format::Target &target);

}  // namespace lmc

#endif  // LMC_PASSES_SCHEDULING_SCHEDULE_H
