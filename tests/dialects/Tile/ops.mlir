// RUN: lmc-opt %s | lmc-opt | FileCheck %s
// Every lmc_tile op prints and parses back.

// CHECK-LABEL: func @tiles
// CHECK: lmc_tile.dma(%{{.*}}, %{{.*}}) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [192, 1], 64>] {slot = 1 : i64}
// CHECK: lmc_tile.matmul "matmul"(%{{.*}}, %{{.*}}, %{{.*}}) regions [{{.*}}] imms [] {tile = array<i64: 80, 64>}
// CHECK: lmc_tile.matmul "matmul_q"{{.*}} imms [1, 32] {tile = array<i64: 320, 320>}
// CHECK: lmc_tile.vector "relu"
// CHECK: lmc_tile.move "copy"
// CHECK: lmc_tile.dma(%{{.*}}, %{{.*}}) regions [{{.*}}]{{$}}
func.func @tiles() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<16x64xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<16x64xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<64x192xf32>}
  %q = lmc_isa.const {value = dense<1> : tensor<2048xi8>}
  %s = lmc_isa.const {value = dense<1.0> : tensor<2x64xf32>}
  %t = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
  %u = lmc_isa.alloc {bytes = 4096 : i64, space = "sram"}
  lmc_tile.dma (%t, %w) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [192, 1], 64>] {slot = 1 : i64}
  lmc_tile.matmul "matmul" (%u, %x, %t) regions [#lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [64, 1], 0>] imms [] {tile = array<i64: 80, 64>}
  lmc_tile.matmul "matmul_q" (%u, %x, %q, %s) regions [#lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<i8, [2048], [1], 0>, #lmc_isa.region<f32, [2, 64], [64, 1], 0>] imms [1, 32] {tile = array<i64: 320, 320>}
  lmc_tile.vector "relu" (%u, %u) regions [#lmc_isa.region<f32, [1024], [1], 0>, #lmc_isa.region<f32, [1024], [1], 0>] imms []
  lmc_tile.move "copy" (%y, %u) regions [#lmc_isa.region<f32, [64, 16], [16, 1], 0>, #lmc_isa.region<f32, [64, 16], [1, 64], 0>] imms []
  lmc_tile.dma (%u, %w) regions [#lmc_isa.region<f32, [64], [1], 0>, #lmc_isa.region<f32, [64], [1], 0>]
  return
}
