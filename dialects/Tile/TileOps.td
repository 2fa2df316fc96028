#ifndef LMC_TILE_OPS_TD
#define LMC_TILE_OPS_TD

include "dialects/Tile/TileDialect.td"
include "dialects/Isa/IsaDialect.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/Interfaces.td"

def Tile_TileOpInterface : OpInterface<"TileOpInterface"> {
  let cppNamespace = "::lmc::tile";
  let description = [{
    A tile of work: one future instruction of the stream, its opcode,
    operands and immediates, and the kind of unit it runs on.
  }];
  let methods = [
    InterfaceMethod<"the runtime/format opcode mnemonic", "::llvm::StringRef", "getOpcodeName">,
    InterfaceMethod<"the unit kind, as lmc_isa and the .bin name it", "::llvm::StringRef", "getUnitName">,
    InterfaceMethod<"the operand buffers, outputs first", "::mlir::OperandRange", "getTileBuffers",
                    (ins), [{}], [{ return $_op.getBuffers(); }]>,
    InterfaceMethod<"one #lmc_isa.region per buffer", "::mlir::ArrayAttr", "getTileRegions",
                    (ins), [{}], [{ return $_op.getRegions(); }]>,
    InterfaceMethod<"the opcode's immediates", "::llvm::ArrayRef<int64_t>", "getImmValues">,
  ];
}

class Tile_Op<string mnemonic>
    : Op<Tile_Dialect, mnemonic, [DeclareOpInterfaceMethods<Tile_TileOpInterface>]> {
  let hasVerifier = 1;
}

// The ops that carry an opcode of runtime/format/Opcodes.def.
class Tile_OpcodeOp<string mnemonic> : Tile_Op<mnemonic> {
  let arguments = (ins StrAttr:$opcode, Variadic<Isa_BufferType>:$buffers,
                       ArrayAttr:$regions, DenseI64ArrayAttr:$imms);
  let assemblyFormat = "$opcode `(` $buffers `)` `regions` $regions `imms` $imms attr-dict";
}

def Tile_MatMulOp : Tile_OpcodeOp<"matmul"> {
  let summary = "one weight tile of a matmul on a matrix unit";
  let description = [{
    A `matmul` or `matmul_q` whose output has at most `tile[1]` columns:
    the weight block a matrix unit holds is `tile = [rows, cols]`
    (`tile_rows` x `tile_cols` of the target's MXM). The contraction runs
    in ceil(K / rows) passes inside the tile. `matmul_q` tiles are whole
    16-column panels of the packed weights.

    ```mlir
    lmc_tile.matmul "matmul" (%y, %x, %w) regions [#lmc_isa.region<f32, [16, 320], [700, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 320], [700, 1], 0>] imms [] {tile = array<i64: 320, 320>}
    ```
  }];
  let arguments = (ins StrAttr:$opcode, Variadic<Isa_BufferType>:$buffers,
                       ArrayAttr:$regions, DenseI64ArrayAttr:$imms, DenseI64ArrayAttr:$tile);
}

def Tile_VectorOp : Tile_OpcodeOp<"vector"> {
  let summary = "elementwise, reduction or normalization work on a vector unit";
  let description = [{
    Any opcode that is neither a matrix product nor data movement.

    ```mlir
    lmc_tile.vector "relu" (%y, %x) regions [#lmc_isa.region<f32, [64], [1], 0>, #lmc_isa.region<f32, [64], [1], 0>] imms []
    ```
  }];
}

def Tile_MoveOp : Tile_OpcodeOp<"move"> {
  let summary = "data movement inside one memory level, on a switch unit";
  let description = [{
    A move-family opcode (copy, transpose-by-region, gather, scatter,
    window, ...) whose operands are all on the chip (or all off it).

    ```mlir
    lmc_tile.move "window" (%cols, %x) regions [...] imms [...]
    ```
  }];
}

def Tile_DmaOp : Tile_Op<"dma"> {
  let summary = "a block copy between memory levels";
  let description = [{
    `(dst, src)`: copies the bytes of `src`'s region to `dst`'s (same element type and
    shape), e.g. a weight tile from DRAM into an SRAM buffer. `slot` says
    which buffer of a double-buffered ring it fills, when it is one.

    ```mlir
    lmc_tile.dma (%w0, %w) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [700, 1], 0>] {slot = 0 : i64}
    ```
  }];
  let arguments = (ins Variadic<Isa_BufferType>:$buffers, ArrayAttr:$regions,
                       OptionalAttr<I64Attr>:$slot);
  let assemblyFormat = "`(` $buffers `)` `regions` $regions attr-dict";
}

#endif // LMC_TILE_OPS_TD
