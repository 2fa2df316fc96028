// RUN: lmc-opt %s -split-input-file -lmc-partition-chips="chips=2 target=lpu" -verify-diagnostics | FileCheck %s

// A tile reading 256 MiB of weights, more than one lpu chip's 220 MiB of
// SRAM: no number of chips holds it (lmc compile --chips auto stops here).
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<1x8192xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<1x8192xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<8192x8192xf32>}
  %a = lmc_isa.alloc {bytes = 32768 : i64, space = "sram"}
  lmc_tile.vector "relu" (%a, %x) regions [#lmc_isa.region<f32, [1, 8192], [8192, 1], 0>, #lmc_isa.region<f32, [1, 8192], [8192, 1], 0>] imms []
  // expected-error @+1 {{reads 268435456 bytes of weights (and KV cache) between two places where the model can be cut, more than one chip of target 'lpu' holds (230686720 bytes of SRAM): no number of chips fits it}}
  lmc_tile.move "gather" (%y, %w, %a) regions [#lmc_isa.region<f32, [1, 8192], [8192, 1], 0>, #lmc_isa.region<f32, [8192, 8192], [8192, 1], 0>, #lmc_isa.region<f32, [1, 8192], [8192, 1], 0>] imms [0]
  return
}

// -----

// The same weight read in column tiles by tiles writing an output (cuts
// allowed between them): each tile brings only its columns, so the weight
// is split over the two chips (the first tile on chip 0, the second on 1).
// CHECK-LABEL: func @columns
// CHECK: lmc_tile.matmul {{.*}} {lmc.chip = 0 : i64, tile
// CHECK-NEXT: lmc_tile.matmul {{.*}} {lmc.chip = 1 : i64, tile
func.func @columns() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<1x8192xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<1x8192xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<8192x8192xf32>}
  lmc_tile.matmul "matmul" (%y, %x, %w) regions [#lmc_isa.region<f32, [1, 4096], [8192, 1], 0>, #lmc_isa.region<f32, [1, 8192], [8192, 1], 0>, #lmc_isa.region<f32, [8192, 4096], [8192, 1], 0>] imms [] {tile = array<i64: 8192, 4096>}
  lmc_tile.matmul "matmul" (%y, %x, %w) regions [#lmc_isa.region<f32, [1, 4096], [8192, 1], 4096>, #lmc_isa.region<f32, [1, 8192], [8192, 1], 0>, #lmc_isa.region<f32, [8192, 4096], [8192, 1], 4096>] imms [] {tile = array<i64: 8192, 4096>}
  return
}
