// RUN: lmc-opt %s -lmc-schedule=target=lpu -lmc-plan-buffers -lmc-emit-bin=output=%t.bin -o %t.out
// RUN: lmc inspect %t.bin | FileCheck %s

// On lpu (weights in SRAM, stripe groups of 4 slices) lmc-plan-buffers
// stores the two column tiles of the weight, which the two MXM planes read
// at once, in different weights groups, and the emitter writes the first
// slice of each group into the Const region (F12, format version 7); lmc
// inspect shows it.
// CHECK: lmc .bin format 7
// CHECK: matmul {{.*}}const[0] slice 0 f32[64,320] strides[640,1]
// CHECK: matmul {{.*}}const[1280] slice 4 f32[64,320] strides[640,1]
#x = #lmc_isa.region<f32, [16, 64], [64, 1], 0>
#y = #lmc_isa.region<f32, [16, 640], [640, 1], 0>
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<16x64xf32>}
  %out = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<16x640xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<64x640xf32>}
  lmc_tile.matmul "matmul" (%out, %x, %w) regions [#lmc_isa.region<f32, [16, 320], [640, 1], 0>, #x, #lmc_isa.region<f32, [64, 320], [640, 1], 0>] imms [] {tile = array<i64: 320, 320>}
  lmc_tile.matmul "matmul" (%out, %x, %w) regions [#lmc_isa.region<f32, [16, 320], [640, 1], 320>, #x, #lmc_isa.region<f32, [64, 320], [640, 1], 320>] imms [] {tile = array<i64: 320, 320>}
  return
}
