// The lmc_graph dialect: ONNX-level tensor operations on static shapes.
#ifndef LMC_GRAPH_DIALECT_TD
#define LMC_GRAPH_DIALECT_TD

include "mlir/IR/OpBase.td"

def Graph_Dialect : Dialect {
  let name = "lmc_graph";
  let cppNamespace = "::lmc::graph";
  let summary = "ONNX-level tensor operations with static shapes";
  let description = [{
    The first IR of lmc: what the ONNX importer emits. Values are ranked
    tensors with static shapes (the importer binds every dynamic dimension).
    Operations mirror ONNX operators after normalization: attributes are
    canonical (axes non-negative and sorted, slices fully specified),
    shape-computing subgraphs are folded to constants, and sugar such as
    Gemm, Squeeze or Split is expressed with the core operations. Every
    operation is pure and can fold when its operands are constants.

    ```mlir
    %y = lmc_graph.matmul %x, %w : (tensor<1x16x64xf32>, tensor<64x256xf32>) -> tensor<1x16x256xf32>
    ```
  }];
  let hasConstantMaterializer = 1;
}

#endif // LMC_GRAPH_DIALECT_TD
