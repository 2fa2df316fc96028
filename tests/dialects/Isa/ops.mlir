// RUN: lmc-opt %s | lmc-opt | FileCheck %s
// Round trip of lmc_isa buffers, regions and instructions.

// CHECK-LABEL: func @main
func.func @main() {
  // CHECK: lmc_isa.io {index = 0 : i64, name = "x", type = tensor<2x3xf32>}
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<2x3xf32>}
  // CHECK: lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<3x2xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<3x2xf32>}
  // CHECK: lmc_isa.const {value = dense<1.000000e+00> : tensor<3xf32>}
  %c = lmc_isa.const {value = dense<1.0> : tensor<3xf32>}
  // CHECK: lmc_isa.alloc {bytes = 24 : i64, offset = 0 : i64, space = "dram"}
  %t = lmc_isa.alloc {bytes = 24 : i64, space = "dram", offset = 0 : i64}
  // CHECK: lmc_isa.inst "add"(%{{.*}}, %{{.*}}, %{{.*}}) regions [#lmc_isa.region<f32, [2, 3], [3, 1], 0>, #lmc_isa.region<f32, [2, 3], [3, 1], 0>, #lmc_isa.region<f32, [2, 3], [0, 1], 0>] imms []
  lmc_isa.inst "add" (%t, %x, %c) regions [#lmc_isa.region<f32, [2, 3], [3, 1], 0>, #lmc_isa.region<f32, [2, 3], [3, 1], 0>, #lmc_isa.region<f32, [2, 3], [0, 1], 0>] imms []
  // CHECK: lmc_isa.inst "softmax"{{.*}} imms [1] {cycle = 7 : i64, unit = "vxm"}
  lmc_isa.inst "softmax" (%y, %t) regions [#lmc_isa.region<f32, [3, 2], [2, 1], 0>, #lmc_isa.region<f32, [3, 2], [1, 3], 0>] imms [1] {unit = "vxm", cycle = 7 : i64}
  // CHECK: lmc_isa.state {name = "past.0.key", offset = 0 : i64, output = "present.0.key", type = tensor<1x2x8x4xf32>}
  %k = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<1x2x8x4xf32>, offset = 0 : i64}
  // CHECK: lmc_isa.inst "scatter"
  lmc_isa.inst "scatter" (%k, %x, %t) regions [#lmc_isa.region<f32, [1, 2, 8, 4], [64, 32, 4, 1], 0>, #lmc_isa.region<i64, [1, 2, 1, 4], [0, 0, 0, 0], 0>, #lmc_isa.region<f32, [1, 2, 1, 4], [0, 0, 0, 1], 0>] imms [2]
  return
}
