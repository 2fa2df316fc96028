// Operations of the lmc_isa dialect.
#ifndef LMC_ISA_OPS_TD
#define LMC_ISA_OPS_TD

include "dialects/Isa/IsaDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Isa_Op<string mnemonic, list<Trait> traits = []> : Op<Isa_Dialect, mnemonic, traits>;

def Isa_AllocOp : Isa_Op<"alloc"> {
  let summary = "a working buffer in a memory space";
  let description = [{
    `bytes` long in `space` ("sram", "dram" or "state"). Buffer planning
    sets `offset`, the buffer's byte offset in its space; emission requires
    it.

    ```mlir
    %b = lmc_isa.alloc {bytes = 4096 : i64, space = "dram", offset = 0 : i64}
    ```
  }];
  let arguments = (ins I64Attr:$bytes, StrAttr:$space, OptionalAttr<I64Attr>:$offset);
  let results = (outs Isa_BufferType:$buffer);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Isa_ConstOp : Isa_Op<"const", [Pure]> {
  let summary = "a buffer in the constants section";
  let description = [{
    Holds `value`, stored in the `.bin`'s constants section (64-byte aligned).
    With `pack_b = [offset, k, n, row_stride, col_stride]` (f32 values only)
    the buffer holds instead the K x N matrix B[i][j] = value[offset + i *
    row_stride + j * col_stride] in matmul_packed's layout (FORMAT.md,
    "Packed B"), `packedElements(k, n)` floats. The packing happens when the
    `.bin` is written, one constant at a time, so the compiler never holds a
    packed copy of every weight next to the originals.

    ```mlir
    %w = lmc_isa.const {value = dense<1.0> : tensor<64x64xf32>}
    %p = lmc_isa.const {pack_b = array<i64: 0, 64, 64, 1, 64>, value = dense<1.0> : tensor<64x64xf32>}
    ```
  }];
  let arguments = (ins ElementsAttr:$value, OptionalAttr<DenseI64ArrayAttr>:$pack_b);
  let results = (outs Isa_BufferType:$buffer);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "::mlir::Type":$buffer, "::mlir::ElementsAttr":$value), [{
    build($_builder, $_state, buffer, value, ::mlir::DenseI64ArrayAttr());
  }]>];
  let extraClassDeclaration = [{
    // Bytes the buffer holds in the .bin (the packed size with pack_b).
    int64_t getByteSize();
  }];
}

def Isa_WeightOp : Isa_Op<"weight", [Pure]> {
  let summary = "a constant buffer whose contents are absent (--no-weights)";
  let description = [{
    Space for a weight of `type` in the Const space, after the real
    constants; the `.bin` records its size but holds no bytes (F17).

    ```mlir
    %w = lmc_isa.weight {name = "lm_head.weight", type = tensor<4096x32000xf32>}
    ```
  }];
  let arguments = (ins StrAttr:$name, TypeAttr:$type);
  let results = (outs Isa_BufferType:$buffer);
  let assemblyFormat = "attr-dict";
}

def Isa_IoOp : Isa_Op<"io", [Pure]> {
  let summary = "a bound model input or output";
  let description = [{
    The buffer of input `index` (or output `index` when `output` is set),
    named and typed as in the model's IO signature.

    ```mlir
    %t = lmc_isa.io {index = 0 : i64, name = "tokens", type = tensor<1x16xi64>}
    ```
  }];
  let arguments = (ins I64Attr:$index, StrAttr:$name, TypeAttr:$type, UnitAttr:$output);
  let results = (outs Isa_BufferType:$buffer);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Isa_StateOp : Isa_Op<"state"> {
  let summary = "a named tensor in the State space, persistent across runs";
  let description = [{
    A KV cache: the buffer that `lmc compile --kv-cache` made of the model
    input `name` (e.g. `past.0.key`) and the output `output` it is written
    back to (`present.0.key`). Neither stays in the IO signature: the bytes
    persist in the `.bin`'s State space from run to run and start zeroed
    (FORMAT.md F18). Buffer planning sets `offset`, the tensor's byte
    offset in the State space; state bytes are never shared.

    ```mlir
    %k = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<1x4x16x16xf32>}
    ```
  }];
  let arguments = (ins StrAttr:$name, StrAttr:$output, TypeAttr:$type,
                       OptionalAttr<I64Attr>:$offset);
  let results = (outs Isa_BufferType:$buffer);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Isa_InstOp : Isa_Op<"inst"> {
  let summary = "one instruction of the .bin";
  let description = [{
    `opcode` is a mnemonic of runtime/format/Opcodes.def. `operands` are the
    buffers of the instruction's operands, outputs first; `regions` has one
    `#lmc_isa.region` per operand; `imms` are the 64-bit immediates (floats
    as the bits of an f64). `unit` and `cycle` are set by scheduling; the
    cpu target issues everything on unit "cpu" at cycle 0.

    ```mlir
    lmc_isa.inst "relu" (%o, %x) regions [#lmc_isa.region<f32, [64], [1], 0>, #lmc_isa.region<f32, [64], [1], 0>] imms []
    ```
  }];
  let arguments = (ins StrAttr:$opcode, Variadic<Isa_BufferType>:$buffers,
                       ArrayAttr:$regions, DenseI64ArrayAttr:$imms,
                       DefaultValuedAttr<StrAttr, "\"cpu\"">:$unit,
                       DefaultValuedAttr<I64Attr, "0">:$cycle);
  let assemblyFormat = "$opcode `(` $buffers `)` `regions` $regions `imms` $imms attr-dict";
  let hasVerifier = 1;
}

#endif // LMC_ISA_OPS_TD
