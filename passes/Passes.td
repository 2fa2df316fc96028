// The lmc passes, one per file (see passes/<Stage>/<VerbNoun>.cpp).
#ifndef LMC_PASSES_TD
#define LMC_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerGraphToIsa : Pass<"lmc-lower-graph-to-isa", "mlir::ModuleOp"> {
  let summary = "lower lmc_graph to lmc_isa at operator granularity (cpu target)";
  let description = [{
    Turns the `main` function of lmc_graph ops into a `main` function with
    no arguments whose body allocates buffers and issues one `lmc_isa.inst`
    per computing operation. Arguments and results that
    `lmc-bind-kv-cache` paired (`lmc.state`) become one `lmc_isa.state`
    buffer per pair instead of IO; an `"in_place"` present is the
    `scatter` of its rows into that buffer, a `"copy"` one a copy into it
    at the end. Reshape, transpose, slice and expand become
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

def Fuse : Pass<"lmc-fuse", "mlir::ModuleOp"> {
  let summary = "fuse decomposed LayerNorm and GELU into lmc_graph ops";
  let description = [{
    Exporters below opset 17 (and many others) write LayerNorm as
    `(x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) * gamma + beta` and
    GELU as `0.5 * x * (1 + erf(x / sqrt(2)))` or GPT-2's tanh form. This
    pass finds them (operand orders, `pow(c, 2)` or `c * c`, division or
    multiplication by a constant, with or without gamma and beta) and
    replaces them by one `lmc_graph.layer_norm` (over the last axis) or
    `lmc_graph.gelu`, so that each runs as one instruction instead of seven
    to ten, and erases the ops only they used.

    ```mlir
    // before: 0.5 * x * (1 + erf(x * 0.7071))
    %e = lmc_graph.erf %a ...
    %y = lmc_graph.mul %h, %p ...
    // after
    %y = lmc_graph.gelu %x {tanh_approximation = false} : tensor<2x8xf32>
    ```
  }];
  let dependentDialects = ["::lmc::graph::GraphDialect"];
}

def FoldQuantizedWeights : Pass<"lmc-fold-quantized-weights", "mlir::ModuleOp"> {
  let summary = "turn an ONNX model's 8-bit matmul weights into qmatmul; dequantize other constants";
  let description = [{
    Recognizes the weights of an already-quantized ONNX model and gives
    them to `lmc_graph.qmatmul` (int8, per output channel, group K), the op
    `lmc-quantize --scheme int8` makes, so they run as `matmul_q` on int8
    activations instead of being executed in f32:

    - `matmul(x, dequantize(W, s, zp))`, also through a 2-D transpose (a
      Gemm with `transB`): W a constant (or absent) 2-D `i8`/`ui8` matrix,
      `s` and `zp` constants per tensor or per output channel. The weights
      become `W - zp` when every value fits int8 (an `i8` W with a zero
      point of 0 always does; a `ui8` W with zero point 128 does), and the
      scales `s` repeated to `[1, N]`.
    - ONNX Runtime's dynamic quantization, `mul(cast(matmul_integer(y, W,
      yzp, wzp)), mul(ys, ws))` with `y, ys, yzp = dynamic_quantize(x)`:
      becomes `qmatmul(x, W - wzp, ws)`. lmc quantizes `x` symmetrically
      per row where ONNX Runtime does it asymmetrically per tensor, so the
      results differ by the activations' rounding (docs/quantization.md).

    Every other `dequantize` whose operands are constants (weights
    quantized per input channel, `W - zp` beyond int8, a table that a
    gather reads) is evaluated into an f32 constant, whatever its size:
    `f32(W - zp) * s`, exactly what the run-time decomposition computes.

    ```mlir
    // before
    %w = lmc_graph.constant {value = dense<...> : tensor<64x32xi8>} : tensor<64x32xi8>
    %d = lmc_graph.dequantize %w, %s, %zp {axis = 1 : i64}
        : (tensor<64x32xi8>, tensor<32xf32>, tensor<32xi8>) -> tensor<64x32xf32>
    %y = lmc_graph.matmul %x, %d : (tensor<4x64xf32>, tensor<64x32xf32>) -> tensor<4x32xf32>
    // after
    %q = lmc_graph.constant {value = dense<...> : tensor<64x32xi8>} : tensor<64x32xi8>
    %c = lmc_graph.constant {value = dense<...> : tensor<1x32xf32>} : tensor<1x32xf32>
    %y = lmc_graph.qmatmul %x, %q, %c {group = 64 : i64} : ...
    ```
  }];
  let dependentDialects = ["::lmc::graph::GraphDialect"];
}

def DecomposeQuantOps : Pass<"lmc-decompose-quant-ops", "mlir::ModuleOp"> {
  let summary = "rewrite quantize, dequantize, dynamic_quantize and matmul_integer into basic ops";
  let description = [{
    Expands the quantization ops that `lmc-fold-quantized-weights` left
    into ops that have opcodes, computing exactly what the ONNX operators
    define (FORMAT.md gives each opcode's arithmetic):

    - `quantize`: `cast(round(x / s) + f32(zp))` to i8/ui8 (`round` is half
      to even; the cast truncates the integral value and saturates);
    - `dequantize`: `f32(i32(x) - i32(zp)) * s`;
    - `dynamic_quantize`: `reduce_min`/`reduce_max` of the whole tensor
      against 0, `s = (hi - lo) / 255`, `zp = cast(round(-(lo / s)))`, then
      `quantize`;
    - `matmul_integer`: an i32 `matmul` of `i32(a) - i32(za)` and
      `i32(b) - i32(zb)` (exact, modulo 2^32).

    Per-axis parameters `[C]` are reshaped to `[C, 1, ..., 1]` so that they
    broadcast along their axis. Ops on constants fold as they are made.

    ```mlir
    // before
    %q = lmc_graph.quantize %x, %s, %zp {axis = 1 : i64}
        : (tensor<2x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
    // after
    %0 = lmc_graph.div %x, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
    %1 = lmc_graph.round %0 : tensor<2x3xf32>
    %2 = lmc_graph.cast %zp : tensor<ui8> to tensor<f32>
    %3 = lmc_graph.add %1, %2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
    %q = lmc_graph.cast %3 : tensor<2x3xf32> to tensor<2x3xui8>
    ```
  }];
  let dependentDialects = ["::lmc::graph::GraphDialect"];
}

def BindKvCache : Pass<"lmc-bind-kv-cache", "mlir::ModuleOp"> {
  let summary = "make each past.*/present.* pair of a decoder one persistent State tensor";
  let description = [{
    For `lmc compile --kv-cache`: pairs every `main` argument named
    `past.<rest>` (or Hugging Face's `past_key_values.<rest>`) with the
    result named `present.<rest>`; both must have one static type. Each
    pair becomes one State tensor (FORMAT.md F18): the argument gets
    `lmc.state` = the result's name, the result `lmc.state` = the
    argument's name and `lmc.state_update` = `"in_place"` when the present
    is a `scatter_elements` of the past that is the past's only reader
    (lowering then writes only the scattered rows into the State tensor),
    else `"copy"` (the present is computed elsewhere and copied into the
    State tensor at the end of the run), with a warning. The module gets
    `lmc.kv_cache`: the cache length (dim rank-2 of the State tensors,
    which must agree), the tokens input (`tokens` or `input_ids`, else the
    first integer `[1, S]` argument) and its S, and the position input
    (`position`, `positions`, `position_ids` or `cache_position`, if any).
    Errors: no past input, an unpaired past or present, types that differ
    (a cache grown by Concat instead of updated in place), no tokens input.

    ```mlir
    // before
    func.func @main(%t: tensor<1x1xi64> {lmc.name = "tokens"},
                    %p: tensor<1x4x16x16xf32> {lmc.name = "past.0.key"}, ...)
        -> (tensor<1x4x16x16xf32> {lmc.name = "present.0.key"}, ...)
    // after
    ... %p: tensor<1x4x16x16xf32> {lmc.name = "past.0.key", lmc.state = "present.0.key"}
    ... -> (tensor<1x4x16x16xf32> {lmc.name = "present.0.key", lmc.state = "past.0.key",
                                   lmc.state_update = "in_place"}, ...)
    ```
  }];
}

def Quantize : Pass<"lmc-quantize", "mlir::ModuleOp"> {
  let summary = "quantize constant matmul weights (int8, int4 group-wise, ternary)";
  let description = [{
    Rewrites every `lmc_graph.matmul` whose right-hand side is an f32 K x N
    constant or absent weight (directly or through a 2-D transpose) into
    `lmc_graph.qmatmul` with integer weights and f32 scales, quantized at
    compile time by `format::quantizeWeights` (FORMAT.md "Quantized B"):
    `int8` symmetric per output channel (`i8`, group K), `int4` symmetric
    per group of `group` rows (`i4`, default 32), `ternary` {-1, 0, +1}
    with one absmean scale (`i2`, BitNet b1.58). Activations stay f32 in
    the graph; `qmatmul` quantizes each row to int8 when it runs.
    `overrides` are `NODE-GLOB=SCHEME` entries matched against the ONNX
    node name of each matmul, the last match winning (e.g.
    `/lm_head*=int8` keeps the LM head at int8, `*=none` after a scheme
    restores f32 everywhere). A weight shared by several matmuls is
    quantized once per scheme; the f32 constant is removed when nothing
    else reads it.

    ```mlir
    // before
    %w = lmc_graph.constant {value = dense<...> : tensor<64x32xf32>} : tensor<64x32xf32>
    %y = lmc_graph.matmul %x, %w : (tensor<4x64xf32>, tensor<64x32xf32>) -> tensor<4x32xf32>
    // after (scheme=int4 group=32)
    %q = lmc_graph.constant {value = dense<...> : tensor<64x32xi4>} : tensor<64x32xi4>
    %s = lmc_graph.constant {value = dense<...> : tensor<2x32xf32>} : tensor<2x32xf32>
    %y = lmc_graph.qmatmul %x, %q, %s {group = 32 : i64} : ...
    ```
  }];
  let options = [
    Option<"scheme", "scheme", "std::string", /*default=*/"\"none\"",
           "none, int8, int4 or ternary">,
    Option<"group", "group", "int64_t", /*default=*/"0",
           "int4 group size along K (a multiple of 8; 0: 32)">,
    ListOption<"overrides", "overrides", "std::string",
               "NODE-GLOB=SCHEME entries, the last match winning">
  ];
  let dependentDialects = ["::lmc::graph::GraphDialect"];
}

def CutKvAttention : Pass<"lmc-cut-kv-attention", "mlir::ModuleOp"> {
  let summary = "mark a KV-cache decoder's attention operands a step may cut to the filled positions";
  let description = [{
    For a module with `lmc.kv_cache` at operator granularity, follows each
    cache's position axis (dim rank - 2 of every `lmc_isa.state`) through
    the instructions that read it: the matmul of the queries with a cache
    (the positions become the scores' columns), elementwise ops, `where`
    and `softmax` on the scores, and the matmul that contracts them with a
    cache. Each such instruction gets `lmc.kv_cut = array<i64: operand,
    axis, ...>`: the operands whose `axis` an executor may cut to the
    positions a step has filled, p + S (FORMAT.md F18). All or nothing:
    another reader of those values, or no mask (a `where` filling them with
    a constant <= -1e4), leaves every instruction unmarked and records why
    in the function's `lmc.kv_cut_skipped`.

    ```mlir
    // after
    lmc_isa.inst "matmul"(%s, %q, %k) regions [...] imms [] {lmc.kv_cut = array<i64: 0, 3, 2, 3>}
    ```
  }];
  let dependentDialects = ["::lmc::isa::IsaDialect"];
}

def PackWeights : Pass<"lmc-pack-weights", "mlir::ModuleOp"> {
  let summary = "store constant matmul weights pre-packed for the cpu GEMM (OPERATOR targets)";
  let description = [{
    For an OPERATOR-granularity target (the host `cpu`), rewrites every
    `matmul` whose B operand is an f32 constant read as one K x N matrix
    (batch axes broadcast; any strides, so a transposed view qualifies)
    into `matmul_packed`, whose B is a new constant holding that matrix in
    the layout the runtime's SGEMM micro-kernel reads (FORMAT.md "Packed
    B": panels of 16 columns, K in blocks of 256, zero padding), packed at
    compile time by `format::packMatMulB`, the function the runtime's
    layout is defined by. The runtime then reads the weights in place from
    the mmap'ed constants, packing nothing. A constant packed for several
    matmuls is packed once; the original constant is removed when nothing
    else reads it. `lmc_isa.weight` buffers (`--no-weights`) are replaced
    by absent weights of the packed size. TILE targets are left unchanged.

    ```mlir
    // before
    %w = lmc_isa.const {value = dense<...> : tensor<3x20xf32>}
    lmc_isa.inst "matmul"(%o, %x, %w) regions [#lmc_isa.region<f32, [2, 20], [20, 1], 0>,
        #lmc_isa.region<f32, [2, 3], [3, 1], 0>, #lmc_isa.region<f32, [3, 20], [20, 1], 0>] imms []
    // after: 3 x ceil(20 / 16) * 16 = 96 elements
    %p = lmc_isa.const {value = dense<...> : tensor<96xf32>}
    lmc_isa.inst "matmul_packed"(%o, %x, %p) regions [..., ...,
        #lmc_isa.region<f32, [96], [1], 0>] imms []
    ```
  }];
  let options = [
    Option<"targetName", "target", "std::string", /*default=*/"\"\"",
           "target name (cpu, lpu, ara2) or .textproto path; default: the module's">
  ];
}

def TileForTarget : Pass<"lmc-tile", "mlir::ModuleOp"> {
  let summary = "cut operator-level instructions into lmc_tile tiles that fit a TILE target's units";
  let description = [{
    For a target of TILE granularity (module attribute `lmc.target`, or the
    `target` option): moves working buffers to SRAM and replaces every
    operator-level `lmc_isa.inst` by `lmc_tile` ops, whose class is the
    unit kind they need: `lmc_tile.matmul` (MXM) for each column tile of a
    matmul, at most the MXM's `tile_cols` wide (K is processed in
    `tile_rows` passes inside one tile, accumulating in the unit; the op's
    `tile` attribute records the unit's block), `lmc_tile.vector` (VXM),
    `lmc_tile.move` (SXM, on-chip moves) and `lmc_tile.dma` (moves between
    DRAM and SRAM). On targets whose weights live in DRAM, each constant
    operand (a weight tile, a bias) is first copied to an SRAM buffer by an
    explicit `lmc_tile.dma`; the copy of tile i+1 is issued before the
    matmul of tile i, alternating between two buffers (`slot` 0 and 1), so
    that the scheduler can overlap them (double buffering). OPERATOR
    targets are left unchanged.

    ```mlir
    // on ara2, a 64x192 weight tiled 64 columns at a time:
    lmc_tile.dma (%w0, %w) regions [...] {slot = 0 : i64}
    lmc_tile.dma (%w1, %w) regions [...] {slot = 1 : i64}
    lmc_tile.matmul "matmul" (%o, %x, %w0) regions [..., [16, 64] ...] imms [] {tile = array<i64: 80, 64>}
    ```
  }];
  let dependentDialects = ["::lmc::tile::TileDialect"];
  let options = [
    Option<"targetName", "target", "std::string", /*default=*/"\"\"",
           "target name (cpu, lpu, ara2) or .textproto path; default: the module's">
  ];
}

def PartitionChips : Pass<"lmc-partition-chips", "mlir::ModuleOp"> {
  let summary = "cut the tiles into pipeline stages over several chips, with C2C transfers";
  let description = [{
    For `lmc compile --chips N` on a TILE target with chip-to-chip links (a
    C2C unit, e.g. lpu). The tiles, in program order, are cut into N
    contiguous pipeline stages, stage c on chip c (`lmc.chip = c` on each
    tile). A cut is legal between two tiles unless a working buffer is
    written on both sides of it or a KV cache is used on both sides; the
    cuts minimize the largest resident bytes (weights and KV caches first
    read by a stage) over the chips. Every working buffer and KV cache gets
    the chip of its first writer (`lmc.chip` on the alloc). A weight counts
    as the distinct elements the tiles' regions read (column tiles of one
    weight may go to different chips); a stretch between two legal cuts
    whose weights exceed one chip's SRAM (a target without DRAM) is an
    error. A tile that
    reads a working buffer of another chip reads a copy on its own chip
    instead: a new alloc of the same size, filled by an `lmc_isa.inst
    "copy"` on the `c2c` unit of the buffer's chip (the whole buffer, as
    bytes) before the first such read after each write. IO tensors are the
    host's and weights are resident where they are read: neither moves.
    The module gets `lmc.chips`. Errors: N < 1, a target without C2C, more
    chips than legal stages, weights that fit no chip. With N = 1 the pass does nothing.

    ```mlir
    // before (chips=2): %a is written by the first tile, read by the second
    lmc_tile.vector "relu" (%a, %x) regions [...] imms []
    lmc_tile.vector "exp" (%y, %a) regions [...] imms []
    // after
    %a2 = lmc_isa.alloc {bytes = 64 : i64, lmc.chip = 1 : i64, space = "sram"}
    lmc_tile.vector "relu" (%a, %x) regions [...] imms [] {lmc.chip = 0 : i64}
    lmc_isa.inst "copy"(%a2, %a) regions [#lmc_isa.region<i8, [64], [1], 0>, ...] imms []
        {lmc.chip = 0 : i64, unit = "c2c"}
    lmc_tile.vector "exp" (%y, %a2) regions [...] imms [] {lmc.chip = 1 : i64}
    ```
  }];
  let options = [
    Option<"chips", "chips", "int64_t", /*default=*/"1", "the number of chips (pipeline stages)">,
    Option<"targetName", "target", "std::string", /*default=*/"\"\"",
           "target name (cpu, lpu, ara2) or .textproto path; default: the module's">
  ];
  let dependentDialects = ["::lmc::isa::IsaDialect"];
}

def ScheduleInstructions : Pass<"lmc-schedule", "mlir::ModuleOp"> {
  let summary = "turn lmc_tile tiles into lmc_isa instructions with a unit and an issue cycle";
  let description = [{
    Lowers every `lmc_tile` op to one `lmc_isa.inst` on the unit its class
    names, then builds a scheduling problem (passes/Scheduling/Problem.h)
    from the instructions of a TILE target: one operation per instruction, lasting
    the cycles of the shared cost model (runtime/format/CostModel.h) on its
    unit; a dependence wherever two instructions touch overlapping bytes of
    one buffer and one of them writes (read after write, write after read,
    write after write), with the first one's duration as latency. Unit kinds
    and instance counts come from the target. The list schedule is verified,
    written as `cycle` (and `lmc.duration`) on each instruction, and the
    instructions are reordered by cycle, so that sequential execution in
    file order computes the same values. Sets `lmc.schedule_cycles` on the
    module. Does nothing for OPERATOR targets.

    ```mlir
    lmc_isa.inst "matmul"(...) ... {cycle = 0 : i64, lmc.duration = 164 : i64, unit = "mxm"}
    ```
  }];
  let options = [
    Option<"targetName", "target", "std::string", /*default=*/"\"\"",
           "target name (cpu, lpu, ara2) or .textproto path; default: the module's">
  ];
}

def PlanBuffers : Pass<"lmc-plan-buffers", "mlir::ModuleOp"> {
  let summary = "assign offsets to working buffers, reusing memory by liveness";
  let description = [{
    Computes each `lmc_isa.alloc`'s live interval (from its first to its
    last use by an instruction: in cycles when instructions are scheduled,
    in program order otherwise) and places buffers per memory space,
    largest first, at the lowest 64-byte aligned offset that does not
    overlap a buffer whose interval intersects. Sets `offset` on every
    alloc and `lmc.dram_bytes` / `lmc.sram_bytes` / `lmc.state_bytes` and
    `lmc.peak_live_bytes` on the module. State tensors (`lmc_isa.state`,
    and allocs in "state") persist across runs, so they are placed one
    after the other in program order and never share bytes. On a TILE target the SRAM plan
    (plus the weights, where they stay in SRAM, and the State tensors on a
    target without DRAM, where they stay in SRAM too) must fit the target's SRAM:
    a target with DRAM spills the largest buffers live at the peak to DRAM
    until it fits; otherwise planning fails with the bytes needed, the bytes
    available and the number of chips that would hold the model. On a
    target with SRAM stripe groups (`sram.stripe_slices`) the SRAM buffers
    then spread over the groups the free slices reach (each where the
    buffers live at the same time hold the fewest bytes), and the resident
    weights are laid out in groups, region by region where a weight's
    regions do not overlap, so column tiles read at once lie in different
    groups: `lmc.weight_groups` on an `lmc_isa.inst` names, per operand,
    1 + the slice where the weight bytes it reads start (the first of
    their group; 0: none), which
    `lmc-emit-bin` writes into the region (FORMAT.md F12).

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
