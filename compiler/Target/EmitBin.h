// lmc_isa module -> .bin (runtime/format/Writer).
#ifndef LMC_TARGET_EMITBIN_H
#define LMC_TARGET_EMITBIN_H

#include <string>
#include <vector>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "runtime/format/target.pb.h"

namespace lmc::target {

struct EmitOptions {
  format::Target target;  // embedded in the metadata
  std::string compilerVersion;
  std::vector<std::string> options;  // recorded in the metadata
};

struct EmitSummary {
  size_t instructions = 0;
  uint64_t constantBytes = 0;
  uint64_t workingBytes = 0;  // sram + dram + state
  uint64_t scheduleCycles = 0;
  uint64_t absentBytes = 0;  // weights left out by --no-weights
  size_t stateTensors = 0;   // KV caches in the State space (--kv-cache)
  uint64_t stateBytes = 0;
};

// Writes `module` (planned lmc_isa) to `path` atomically. Reports problems as
// diagnostics on the offending op.
mlir::LogicalResult emitBin(mlir::ModuleOp module, const std::string &path,
                            const EmitOptions &options, EmitSummary *summary = nullptr);

// Registers `lmc-emit-bin{output=FILE}` (emitBin as a pass, for lmc-opt).
void registerEmitBinPass();

}  // namespace lmc::target

#endif  // LMC_TARGET_EMITBIN_H
