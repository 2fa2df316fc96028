// The lmc_isa dialect: buffers, regions and instructions.
#ifndef LMC_DIALECTS_ISA_ISA_H
#define LMC_DIALECTS_ISA_ISA_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Isa/IsaDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Isa/IsaTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Isa/IsaAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/Isa/IsaOps.h.inc"

namespace lmc::isa {

// The operand rules every instruction obeys (FORMAT.md F11, F16): a known
// opcode, its operand and immediate counts, one region per buffer, equal
// shapes where the opcode is elementwise. Shared with lmc_tile's tiles.
mlir::LogicalResult verifyInstruction(mlir::Operation *op, llvm::StringRef opcode, size_t buffers,
                                      mlir::ArrayAttr regions, llvm::ArrayRef<int64_t> imms);

}  // namespace lmc::isa

#endif  // LMC_DIALECTS_ISA_ISA_H
