// RUN: lmc-opt %s -split-input-file -lmc-schedule=target=ara2 -verify-diagnostics

// An instruction on a chip the module does not have (lmc.chips: 1 when
// absent).
func.func @main() {
  %w = lmc_isa.const {value = dense<0.5> : tensor<64x64xf32>}
  %t = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
  // expected-error @+1 {{'lmc_isa.inst' op is on chip 1 but the module has 1 (lmc.chips)}}
  lmc_tile.dma (%t, %w) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [64, 1], 0>] {lmc.chip = 1 : i64}
  return
}
