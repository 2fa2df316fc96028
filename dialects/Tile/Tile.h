// The lmc_tile dialect: unit-sized tiles of work before scheduling.
#ifndef LMC_DIALECTS_TILE_TILE_H
#define LMC_DIALECTS_TILE_TILE_H

#include "dialects/Isa/Isa.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"

#include "dialects/Tile/TileDialect.h.inc"
#include "dialects/Tile/TileInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/Tile/TileOps.h.inc"

#endif  // LMC_DIALECTS_TILE_TILE_H
