// RUN: lmc-opt %s -split-input-file -lmc-lower-graph-to-isa | FileCheck %s
// The format-5 opcodes: math's function, mod's and bitshift's flags, the
// axis ops' imms, and scatter_nd as a copy then the in-place update.

// CHECK-LABEL: func @main()
// CHECK: lmc_isa.inst "math"({{.*}}) regions {{.*}} imms [4]
// CHECK: lmc_isa.inst "mod"({{.*}}) regions [{{.*}}, #lmc_isa.region<f32, [2, 3], [0, 1], 0>] imms [1]
// CHECK: lmc_isa.inst "reduce_prod"({{.*}}) regions [#lmc_isa.region<f32, [2, 1], [1, 1], 0>, {{.*}}] imms []
// CHECK: lmc_isa.inst "argmax"({{.*}}) regions [#lmc_isa.region<i64, [2, 1], [1, 1], 0>, {{.*}}] imms [1, 1]
// CHECK: lmc_isa.inst "cumsum"({{.*}}) regions {{.*}} imms [0, 1, 0]
// CHECK: lmc_isa.inst "topk"({{.*}}) regions [#lmc_isa.region<i64, [2, 2], [2, 1], 0>, {{.*}}] imms [1, 0]
// CHECK: lmc_isa.inst "gather_elements"({{.*}}) regions {{.*}} imms [1]
func.func @main(%x: tensor<2x3xf32> {lmc.name = "x"}, %y: tensor<3xf32> {lmc.name = "y"})
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2x1xi64>, tensor<2x3xf32>, tensor<2x2xf32>) {
  %0 = lmc_graph.math %x {fn = "tan"} : tensor<2x3xf32>
  %1 = lmc_graph.mod %x, %y {fmod = true} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = lmc_graph.reduce_prod %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  %3 = lmc_graph.argmax %x {axis = 1 : i64, select_last_index = true} : (tensor<2x3xf32>) -> tensor<2x1xi64>
  %4 = lmc_graph.cumsum %x {axis = 0 : i64, exclusive = true, reverse = false} : tensor<2x3xf32>
  %5 = lmc_graph.topk %x {axis = 1 : i64, largest = false} : (tensor<2x3xf32>) -> tensor<2x2xi64>
  %6 = lmc_graph.gather_elements %x, %5 {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2x2xf32>
  return %0, %1, %2, %3, %4, %6 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2x1xi64>, tensor<2x3xf32>, tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func @main()
// CHECK: lmc_isa.inst "copy"(%[[O:.*]], %{{.*}})
// CHECK: lmc_isa.inst "scatter_nd"(%[[O]], {{.*}}) regions {{.*}} imms [2]
// CHECK: lmc_isa.inst "gather_nd"({{.*}}) regions {{.*}} imms [0]
func.func @main(%x: tensor<4x3xf32> {lmc.name = "x"}, %i: tensor<2x1xi64> {lmc.name = "i"}, %u: tensor<2x3xf32> {lmc.name = "u"})
    -> (tensor<4x3xf32>, tensor<2x3xf32>) {
  %0 = lmc_graph.scatter_nd %x, %i, %u {reduction = "mul"} : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %1 = lmc_graph.gather_nd %x, %i {batch_dims = 0 : i64} : (tensor<4x3xf32>, tensor<2x1xi64>) -> tensor<2x3xf32>
  return %0, %1 : tensor<4x3xf32>, tensor<2x3xf32>
}
