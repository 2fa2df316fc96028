// RUN: lmc-opt %s -split-input-file -lmc-pack-weights | FileCheck %s
// RUN: lmc-opt %s -split-input-file -lmc-pack-weights=target=lpu | FileCheck %s --check-prefix=LPU

// A transposed constant ([N, K] = [3, 2] read as K x N = [[1, 3, 5], [2, 4, 6]]:
// offset 0, row stride 1, column stride 2) becomes the same value with pack_b,
// which the emitter packs into one 16-column panel of 2 rows, zero-padded
// (2 * 16 = 32 elements); the original constant, now unread, is removed.
// lpu keeps the plain matmul.
// CHECK-LABEL: func @main()
// CHECK-NOT: lmc_isa.const {value
// CHECK: %[[P:.*]] = lmc_isa.const {pack_b = array<i64: 0, 2, 3, 1, 2>, value = dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>}
// CHECK: lmc_isa.inst "matmul_packed"(%{{.*}}, %{{.*}}, %[[P]]) regions [#lmc_isa.region<f32, [4, 3], [3, 1], 0>, #lmc_isa.region<f32, [4, 2], [2, 1], 0>, #lmc_isa.region<f32, [32], [1], 0>] imms []
// CHECK-NOT: "matmul"
// LPU-LABEL: func @main()
// LPU: lmc_isa.const {value = dense<{{.*}}> : tensor<3x2xf32>}
// LPU: lmc_isa.inst "matmul"(
// LPU-NOT: "matmul_packed"
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<4x2xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<4x3xf32>}
  %w = lmc_isa.const {value = dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>}
  lmc_isa.inst "matmul" (%y, %x, %w) regions [#lmc_isa.region<f32, [4, 3], [3, 1], 0>, #lmc_isa.region<f32, [4, 2], [2, 1], 0>, #lmc_isa.region<f32, [2, 3], [1, 2], 0>] imms []
  return
}

// -----

// K = 300 spans two K blocks (256 + 44) and N = 20 two panels: 300 * 32
// elements. Two matmuls reading the same view share one packed constant; a
// batched matmul whose B broadcasts over the batch (stride 0) packs too.
// CHECK-LABEL: func @main()
// CHECK: %[[P:.*]] = lmc_isa.const {pack_b = array<i64: 0, 300, 20, 20, 1>, value = dense<5.000000e-01> : tensor<300x20xf32>}
// CHECK-NOT: lmc_isa.const
// CHECK: lmc_isa.inst "matmul_packed"(%{{.*}}, %{{.*}}, %[[P]]) regions [#lmc_isa.region<f32, [5, 20], [20, 1], 0>, #lmc_isa.region<f32, [5, 300], [300, 1], 0>, #lmc_isa.region<f32, [9600], [1], 0>] imms []
// CHECK: lmc_isa.inst "matmul_packed"(%{{.*}}, %{{.*}}, %[[P]]) regions [#lmc_isa.region<f32, [2, 5, 20], [100, 20, 1], 0>, #lmc_isa.region<f32, [2, 5, 300], [1500, 300, 1], 0>, #lmc_isa.region<f32, [9600], [1], 0>] imms []
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<2x5x300xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<2x5x20xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<300x20xf32>}
  lmc_isa.inst "matmul" (%y, %x, %w) regions [#lmc_isa.region<f32, [5, 20], [20, 1], 0>, #lmc_isa.region<f32, [5, 300], [300, 1], 0>, #lmc_isa.region<f32, [300, 20], [20, 1], 0>] imms []
  lmc_isa.inst "matmul" (%y, %x, %w) regions [#lmc_isa.region<f32, [2, 5, 20], [100, 20, 1], 0>, #lmc_isa.region<f32, [2, 5, 300], [1500, 300, 1], 0>, #lmc_isa.region<f32, [2, 300, 20], [0, 20, 1], 0>] imms []
  return
}

// -----

// Left alone: B computed at run time, B varying over the batch, and a
// constant that another instruction also reads keeps its original next to
// the packed copy.
// CHECK-LABEL: func @main()
// CHECK: %[[W:.*]] = lmc_isa.const {value = dense<2.000000e+00> : tensor<2x4x4xf32>}
// CHECK: %[[P:.*]] = lmc_isa.const {pack_b = array<i64: 16, 4, 4, 4, 1>, value = dense<2.000000e+00> : tensor<2x4x4xf32>}
// CHECK: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %{{.*}}) regions [#lmc_isa.region<f32, [4, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 4], [4, 1], 0>]
// CHECK: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[W]]) regions [#lmc_isa.region<f32, [2, 4, 4], [16, 4, 1], 0>, #lmc_isa.region<f32, [2, 4, 4], [16, 4, 1], 0>, #lmc_isa.region<f32, [2, 4, 4], [16, 4, 1], 0>]
// CHECK: lmc_isa.inst "matmul_packed"(%{{.*}}, %{{.*}}, %[[P]])
// CHECK: lmc_isa.inst "relu"(%{{.*}}, %[[W]])
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<2x4x4xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<2x4x4xf32>}
  %w = lmc_isa.const {value = dense<2.0> : tensor<2x4x4xf32>}
  %t = lmc_isa.alloc {bytes = 64 : i64, space = "dram"}
  lmc_isa.inst "matmul" (%t, %x, %x) regions [#lmc_isa.region<f32, [4, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 4], [4, 1], 0>] imms []
  lmc_isa.inst "matmul" (%y, %x, %w) regions [#lmc_isa.region<f32, [2, 4, 4], [16, 4, 1], 0>, #lmc_isa.region<f32, [2, 4, 4], [16, 4, 1], 0>, #lmc_isa.region<f32, [2, 4, 4], [16, 4, 1], 0>] imms []
  lmc_isa.inst "matmul" (%t, %x, %w) regions [#lmc_isa.region<f32, [4, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 4], [4, 1], 16>] imms []
  lmc_isa.inst "relu" (%y, %w) regions [#lmc_isa.region<f32, [2, 4, 4], [16, 4, 1], 0>, #lmc_isa.region<f32, [2, 4, 4], [16, 4, 1], 0>] imms []
  return
}

// -----

// --no-weights: an absent weight becomes an absent weight of the packed size.
// CHECK-LABEL: func @main()
// CHECK: %[[P:.*]] = lmc_isa.weight {name = "w", type = tensor<128xf32>}
// CHECK-NOT: tensor<8x3xf32>
// CHECK: lmc_isa.inst "matmul_packed"(%{{.*}}, %{{.*}}, %[[P]]) regions [#lmc_isa.region<f32, [1, 3], [3, 1], 0>, #lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [128], [1], 0>]
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<1x8xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<1x3xf32>}
  %w = lmc_isa.weight {name = "w", type = tensor<8x3xf32>}
  lmc_isa.inst "matmul" (%y, %x, %w) regions [#lmc_isa.region<f32, [1, 3], [3, 1], 0>, #lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [8, 3], [3, 1], 0>] imms []
  return
}
