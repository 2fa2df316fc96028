// Pass pipelines for each target.
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

namespace lmc {

void buildPipeline(mlir::OpPassManager &pm, bool tiled, bool reportMemory) {
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(createLowerGraphToIsa());
  if (tiled) {
    pm.addPass(createTileForTarget());
    pm.addPass(createScheduleInstructions());
  } else {
    pm.addPass(createPackWeights());
  }
  PlanBuffersOptions options;
  options.report = reportMemory;
  pm.addPass(createPlanBuffers(options));
}

}  // namespace lmc
