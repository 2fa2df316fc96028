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

#endif  // LMC_DIALECTS_ISA_ISA_H
