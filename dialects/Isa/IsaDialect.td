// The lmc_isa dialect: the .bin instruction stream as IR, one op per record.
#ifndef LMC_ISA_DIALECT_TD
#define LMC_ISA_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Isa_Dialect : Dialect {
  let name = "lmc_isa";
  let cppNamespace = "::lmc::isa";
  let summary = "instructions of the lmc .bin, on buffers in memory spaces";
  let description = [{
    The last IR before emission, 1:1 with the records of a `.bin`
    (runtime/format/FORMAT.md). Buffers are allocated in a memory space;
    each instruction names an opcode of runtime/format/Opcodes.def and reads
    and writes strided regions of buffers, described by `#lmc_isa.region`
    attributes, one per operand.

    ```mlir
    %b = lmc_isa.alloc {bytes = 4096 : i64, space = "dram"}
    lmc_isa.inst "add" (%b, %x, %y) regions [...] imms [] : !lmc_isa.buffer, !lmc_isa.buffer, !lmc_isa.buffer
    ```
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
}

def Isa_BufferType : TypeDef<Isa_Dialect, "Buffer"> {
  let mnemonic = "buffer";
  let summary = "a block of bytes in a memory space";
  let description = [{
    What an instruction operand points into: an allocation, a constant or
    a bound model input/output.
  }];
}

def Isa_RegionAttr : AttrDef<Isa_Dialect, "Region"> {
  let mnemonic = "region";
  let summary = "a strided view of a buffer: element type, shape, strides, offset";
  let description = [{
    Element `[i0, ..., ik]` lives at element `offset + sum(i * strides)` of
    the buffer. Zero strides broadcast, negative strides walk backwards;
    transposes, slices and reshapes of contiguous data are regions.

    ```mlir
    #lmc_isa.region<f32, [1, 4, 16, 16], [1024, 16, 64, 1], 0>
    ```
  }];
  let parameters = (ins "::mlir::Type":$elementType,
                        ArrayRefParameter<"int64_t">:$shape,
                        ArrayRefParameter<"int64_t">:$strides,
                        "int64_t":$offset);
  let assemblyFormat = "`<` $elementType `,` `[` $shape `]` `,` `[` $strides `]` `,` $offset `>`";
  let genVerifyDecl = 1;
}

#endif // LMC_ISA_DIALECT_TD
