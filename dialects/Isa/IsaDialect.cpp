// Registration of the lmc_isa dialect, its buffer type and region attribute.
#include "dialects/Isa/Isa.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace lmc::isa;

#include "dialects/Isa/IsaDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Isa/IsaTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Isa/IsaAttrs.cpp.inc"

#define GET_OP_CLASSES
#include "dialects/Isa/IsaOps.cpp.inc"

void IsaDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/Isa/IsaTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Isa/IsaAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/Isa/IsaOps.cpp.inc"
      >();
}
