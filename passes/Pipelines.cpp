// Pass pipelines for each target.
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

namespace lmc {

void buildGraphCleanup(mlir::OpPassManager &pm) {
  pm.addPass(createFoldQuantizedWeights());
  pm.addPass(createDecomposeQuantOps());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(createFuse());
}

void buildPipeline(mlir::OpPassManager &pm, const PipelineOptions &options) {
  buildGraphCleanup(pm);
  buildLowering(pm, options);
}

void buildLowering(mlir::OpPassManager &pm, const PipelineOptions &options) {
  if (options.quantScheme != "none" || !options.quantOverrides.empty()) {
    QuantizeOptions quant;
    quant.scheme = options.quantScheme;
    quant.group = options.quantGroup;
    quant.overrides = options.quantOverrides;
    pm.addPass(createQuantize(quant));
  }
  if (options.kvCache)
    pm.addPass(createBindKvCache());
  pm.addPass(createLowerGraphToIsa());
  if (options.tiled) {
    pm.addPass(createTileForTarget());
    if (options.chips != 1) {
      PartitionChipsOptions partition;
      partition.chips = options.chips;
      pm.addPass(createPartitionChips(partition));
    }
    if (options.stopAfterTiling)
      return;
    pm.addPass(createScheduleInstructions());
  } else {
    pm.addPass(createPackWeights());
    if (options.kvCache)
      pm.addPass(createCutKvAttention());
  }
  PlanBuffersOptions plan;
  plan.report = options.reportMemory;
  pm.addPass(createPlanBuffers(plan));
}

}  // namespace lmc
