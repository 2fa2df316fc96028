// Declarations and registration of the lmc passes and pipelines.
#ifndef LMC_PASSES_PASSES_H
#define LMC_PASSES_PASSES_H

#include <memory>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace lmc {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

// The pipeline from lmc_graph to a planned lmc_isa module: canonicalize
// (folding), lower to isa, then for `tiled` (TILE) targets tile and schedule,
// for OPERATOR targets pack constant matmul weights, then plan buffers. The target is the module's `lmc.target` attribute.
void buildPipeline(mlir::OpPassManager &pm, bool tiled, bool reportMemory);

}  // namespace lmc

#endif  // LMC_PASSES_PASSES_H
