// Declarations and registration of the lmc passes and pipelines.
#ifndef LMC_PASSES_PASSES_H
#define LMC_PASSES_PASSES_H

#include <memory>
#include <string>
#include <vector>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace lmc {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

// How buildPipeline runs.
struct PipelineOptions {
  bool tiled = false;         // a TILE target: tile and schedule (else pack weights)
  bool reportMemory = false;  // print the memory plan (lmc-plan-buffers --report)
  std::string quantScheme = "none";  // lmc-quantize's options
  int64_t quantGroup = 0;
  std::vector<std::string> quantOverrides;
  bool kvCache = false;  // lmc-bind-kv-cache: past.*/present.* pairs become State tensors
  bool stopAfterTiling = false;  // end with lmc-tile's lmc_tile IR (TILE targets; --emit tile)
  int64_t chips = 1;  // lmc-partition-chips: pipeline stages over this many chips (TILE targets)
};

// The graph passes every compile starts with: fold an ONNX model's
// quantized weights into qmatmul, decompose the remaining quantization ops,
// canonicalize (folding), CSE and fuse decomposed LayerNorm/GELU.
void buildGraphCleanup(mlir::OpPassManager &pm);

// The pipeline from lmc_graph to a planned lmc_isa module: the graph
// cleanup above, quantize weights (--quant), bind the KV cache (with
// kvCache), lower to isa, then for TILE targets tile (lmc_tile), partition
// over `chips` chips (when more than one) and schedule (back to lmc_isa,
// unless stopAfterTiling), for OPERATOR targets pack constant matmul weights
// (and with kvCache mark the attention a step may cut to its filled
// positions), then plan buffers. The
// target is the module's `lmc.target` attribute.
void buildPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);
// buildPipeline without the graph cleanup, for a module that had it.
void buildLowering(mlir::OpPassManager &pm, const PipelineOptions &options);

}  // namespace lmc

#endif  // LMC_PASSES_PASSES_H
