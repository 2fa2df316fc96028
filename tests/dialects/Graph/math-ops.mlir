// RUN: lmc-opt %s | lmc-opt | FileCheck %s
// Round trip of the lmc_graph ops of ONNX's math, arg/scan and indexing
// operators (compiler/Import/ImportMath.cpp).

// CHECK-LABEL: func @math
func.func @math(%x: tensor<2x5xf32>, %i: tensor<2x5xi32>, %u: tensor<3xui8>) {
  // CHECK: lmc_graph.math %{{.*}} {fn = "sin"} : tensor<2x5xf32>
  %0 = lmc_graph.math %x {fn = "sin"} : tensor<2x5xf32>
  // CHECK: lmc_graph.math %{{.*}} {fn = "sign"} : tensor<2x5xi32>
  %1 = lmc_graph.math %i {fn = "sign"} : tensor<2x5xi32>
  // CHECK: lmc_graph.mod %{{.*}}, %{{.*}} {fmod = false}
  %2 = lmc_graph.mod %i, %i {fmod = false} : (tensor<2x5xi32>, tensor<2x5xi32>) -> tensor<2x5xi32>
  // CHECK: lmc_graph.bitshift %{{.*}}, %{{.*}} {left = true}
  %3 = lmc_graph.bitshift %u, %u {left = true} : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xui8>
  // CHECK: lmc_graph.reduce_prod
  %4 = lmc_graph.reduce_prod %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x5xf32>) -> tensor<2xf32>
  // CHECK: lmc_graph.argmax %{{.*}} {axis = 1 : i64, select_last_index = true}
  %5 = lmc_graph.argmax %x {axis = 1 : i64, select_last_index = true} : (tensor<2x5xf32>) -> tensor<2x1xi64>
  // CHECK: lmc_graph.argmin
  %6 = lmc_graph.argmin %x {axis = 0 : i64, select_last_index = false} : (tensor<2x5xf32>) -> tensor<1x5xi64>
  // CHECK: lmc_graph.cumsum %{{.*}} {axis = 1 : i64, exclusive = true, reverse = false}
  %7 = lmc_graph.cumsum %x {axis = 1 : i64, exclusive = true, reverse = false} : tensor<2x5xf32>
  // CHECK: lmc_graph.topk %{{.*}} {axis = 1 : i64, largest = true}
  %8 = lmc_graph.topk %x {axis = 1 : i64, largest = true} : (tensor<2x5xf32>) -> tensor<2x3xi64>
  // CHECK: lmc_graph.gather_elements
  %9 = lmc_graph.gather_elements %x, %8 {axis = 1 : i64} : (tensor<2x5xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
  return
}

// CHECK-LABEL: func @nd
func.func @nd(%x: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) {
  // CHECK: lmc_graph.gather_nd %{{.*}}, %{{.*}} {batch_dims = 0 : i64}
  %0 = lmc_graph.gather_nd %x, %i {batch_dims = 0 : i64} : (tensor<4x3xf32>, tensor<2x1xi64>) -> tensor<2x3xf32>
  // CHECK: lmc_graph.scatter_nd %{{.*}}, %{{.*}}, %{{.*}} {reduction = "add"}
  %1 = lmc_graph.scatter_nd %x, %i, %u {reduction = "add"} : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}
