// The lmc passes, one per file (see passes/<Stage>/<VerbNoun>.cpp).
#ifndef LMC_PASSES_TD
#define LMC_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerGraphToIsa : Pass<"lmc-lower-graph-to-isa", "mlir::ModuleOp"> {
  let summary = "lower lmc_graph to lmc_isa at operator granularity (cpu target)";
  let description = [{
    Turns the `main` function of lmc_graph ops into a `main` function with
    no arguments whose body allocates buffers and issues one `lmc_isa.inst`
    per computing operation. Reshape, transpose, slice and expand become
    strided regions of their operand's buffer rather than copies (a reshape
    of non-contiguous data is copied first). Function arguments become
    `lmc_isa.io` inputs, returned values are computed directly into
    `lmc_isa.io` outputs where possible. Each instruction keeps the ONNX
    node location of the op it came from.

    ```mlir
    // before
    %y = lmc_graph.relu %x : tensor<4xf32>
    // after
    %o = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<4xf32>}
    lmc_isa.inst "relu" (%o, %x) regions [...] imms []
    ```
  }];
  let dependentDialects = ["::lmc::isa::IsaDialect"];
}

def PlanBuffers : Pass<"lmc-plan-buffers", "mlir::ModuleOp"> {
  let summary = "assign offsets to working buffers, reusing memory by liveness";
  let description = [{
    Computes each `lmc_isa.alloc`'s live interval (from its first to its
    last use by an instruction, in program order) and places buffers,
    largest first, at the lowest 64-byte aligned offset that does not
    overlap a buffer whose interval intersects. Sets `offset` on every
    alloc and `lmc.dram_bytes` / `lmc.sram_bytes` / `lmc.state_bytes` and
    `lmc.peak_live_bytes` on the module.

    ```mlir
    %a = lmc_isa.alloc {bytes = 256 : i64, space = "dram"}
    // after: {bytes = 256 : i64, offset = 0 : i64, space = "dram"}
    ```
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "print the memory plan (sizes, peak, reuse) to stderr">
  ];
}

#endif // LMC_PASSES_TD
