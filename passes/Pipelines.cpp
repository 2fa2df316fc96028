// Pass pipelines for each target.
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

namespace lmc {

void buildCpuPipeline(mlir::OpPassManager &pm, bool reportMemory) {
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(createLowerGraphToIsa());
  PlanBuffersOptions options;
  options.report = reportMemory;
  pm.addPass(createPlanBuffers(options));
}

}  // namespace lmc
