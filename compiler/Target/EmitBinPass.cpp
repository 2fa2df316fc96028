// lmc-emit-bin: emitBin as a pass, so that lit tests can write a .bin from
// IR (`lmc-opt ... -lmc-emit-bin=output=%t.bin`, then `lmc inspect`).
#include "compiler/Target/EmitBin.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"
#include "passes/TargetInfo.h"

namespace lmc::target {
namespace {

struct EmitBinPass : mlir::PassWrapper<EmitBinPass, mlir::OperationPass<mlir::ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(EmitBinPass)

  EmitBinPass() = default;
  EmitBinPass(const EmitBinPass &other) : PassWrapper(other) {}

  llvm::StringRef getArgument() const final { return "lmc-emit-bin"; }
  llvm::StringRef getDescription() const final {
    return "write the planned lmc_isa module to a .bin (the module's lmc.target is embedded)";
  }

  void runOnOperation() override {
    if (output.empty()) {
      getOperation().emitError("lmc-emit-bin needs output=FILE");
      return signalPassFailure();
    }
    mlir::FailureOr<format::Target> machine = lmc::getModuleTarget(getOperation());
    if (mlir::failed(machine))
      return signalPassFailure();
    EmitOptions options;
    options.target = *machine;
    options.compilerVersion = "lmc-opt";
    if (mlir::failed(emitBin(getOperation(), output, options)))
      signalPassFailure();
  }

  Option<std::string> output{*this, "output", llvm::cl::desc("path of the .bin to write")};
};

}  // namespace

void registerEmitBinPass() { mlir::PassRegistration<EmitBinPass>(); }

}  // namespace lmc::target
