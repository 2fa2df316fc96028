// lmc-opt: MLIR's opt driver with the lmc dialects and passes, for lit tests.
#include "compiler/Target/EmitBin.h"
#include "dialects/Graph/Graph.h"
#include "dialects/Isa/Isa.h"
#include "dialects/Tile/Tile.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<lmc::graph::GraphDialect, lmc::isa::IsaDialect, lmc::tile::TileDialect,
                  mlir::func::FuncDialect>();
  mlir::registerTransformsPasses();
  lmc::registerLmcPasses();
  lmc::target::registerEmitBinPass();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "lmc optimizer driver\n", registry));
}
