// The lmc_tile dialect: work cut to the size of a target's units, before
// scheduling gives it a unit instance and a cycle.
#ifndef LMC_TILE_DIALECT_TD
#define LMC_TILE_DIALECT_TD

include "mlir/IR/OpBase.td"

def Tile_Dialect : Dialect {
  let name = "lmc_tile";
  let cppNamespace = "::lmc::tile";
  let summary = "unit-sized tiles of work and the data movement between memory levels";
  let description = [{
    The IR between operator-level `lmc_isa` (one instruction per graph op)
    and the scheduled stream. `lmc-tile` cuts every operator into tiles
    that fit the target's units and makes the data movement between memory
    levels explicit; each tile op names the kind of unit it needs (its op
    class) but not yet which instance or when. `lmc-schedule` turns every
    tile into one scheduled `lmc_isa.inst` with a unit and an issue cycle.

    Tiles work on the same buffers (`!lmc_isa.buffer`) and strided regions
    (`#lmc_isa.region`) as `lmc_isa`, with the same operand rules: outputs
    first, one region per buffer, the opcode's immediates.

    ```mlir
    lmc_tile.dma (%w0, %w) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [700, 1], 0>] {slot = 0 : i64}
    lmc_tile.matmul "matmul" (%y, %x, %w0) regions [...] imms [] {tile = array<i64: 80, 64>}
    lmc_tile.vector "add" (%z, %y, %b) regions [...] imms []
    ```
  }];
  let dependentDialects = ["::lmc::isa::IsaDialect"];
}

#endif // LMC_TILE_DIALECT_TD
