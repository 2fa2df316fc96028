// RUN: lmc-opt %s | lmc-opt | FileCheck %s
// Round trip of every lmc_graph op's custom syntax.

// CHECK-LABEL: func @elementwise
func.func @elementwise(%a: tensor<4x8xf32>, %b: tensor<8xf32>, %m: tensor<4x8xi1>) -> tensor<4x8xf32> {
  // CHECK: lmc_graph.add %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %0 = lmc_graph.add %a, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: lmc_graph.less
  %1 = lmc_graph.less %0, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xi1>
  // CHECK: lmc_graph.where
  %2 = lmc_graph.where %1, %0, %b : (tensor<4x8xi1>, tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: lmc_graph.tanh %{{.*}} : tensor<4x8xf32>
  %3 = lmc_graph.tanh %2 : tensor<4x8xf32>
  // CHECK: lmc_graph.cast %{{.*}} : tensor<4x8xf32> to tensor<4x8xi64>
  %4 = lmc_graph.cast %3 : tensor<4x8xf32> to tensor<4x8xi64>
  return %3 : tensor<4x8xf32>
}

// CHECK-LABEL: func @matrix_and_norms
func.func @matrix_and_norms(%x: tensor<1x16x64xf32>, %w: tensor<64x32xf32>, %g: tensor<64xf32>) -> tensor<1x16x32xf32> {
  // CHECK: lmc_graph.layer_norm %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 1.000000e-05 : f64}
  %0 = lmc_graph.layer_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-05 : f64} : (tensor<1x16x64xf32>, tensor<64xf32>) -> tensor<1x16x64xf32>
  // CHECK: lmc_graph.matmul
  %1 = lmc_graph.matmul %0, %w : (tensor<1x16x64xf32>, tensor<64x32xf32>) -> tensor<1x16x32xf32>
  // CHECK: lmc_graph.qmatmul %{{.*}}, %{{.*}}, %{{.*}} {group = 32 : i64} : (tensor<1x16x64xf32>, tensor<64x32xi4>, tensor<2x32xf32>) -> tensor<1x16x32xf32>
  %q = lmc_graph.constant {value = dense<3> : tensor<64x32xi4>} : tensor<64x32xi4>
  %s = lmc_graph.constant {value = dense<0.5> : tensor<2x32xf32>} : tensor<2x32xf32>
  %qy = lmc_graph.qmatmul %0, %q, %s {group = 32 : i64} : (tensor<1x16x64xf32>, tensor<64x32xi4>, tensor<2x32xf32>) -> tensor<1x16x32xf32>
  // CHECK: lmc_graph.softmax %{{.*}} {axis = 2 : i64} : tensor<1x16x32xf32>
  %2 = lmc_graph.softmax %1 {axis = 2 : i64} : tensor<1x16x32xf32>
  // CHECK: lmc_graph.reduce_mean %{{.*}} {axes = array<i64: 2>, keepdims = true}
  %3 = lmc_graph.reduce_mean %2 {axes = array<i64: 2>, keepdims = true} : (tensor<1x16x32xf32>) -> tensor<1x16x1xf32>
  return %2 : tensor<1x16x32xf32>
}

// CHECK-LABEL: func @movement
func.func @movement(%x: tensor<1x16x192xf32>, %t: tensor<256x64xf32>, %i: tensor<1x16xi64>) -> tensor<1x4x16x16xf32> {
  // CHECK: lmc_graph.slice %{{.*}} {starts = array<i64: 0, 0, 64>, steps = array<i64: 1, 1, 1>}
  %0 = lmc_graph.slice %x {starts = array<i64: 0, 0, 64>, steps = array<i64: 1, 1, 1>} : (tensor<1x16x192xf32>) -> tensor<1x16x64xf32>
  // CHECK: lmc_graph.reshape %{{.*}} : tensor<1x16x64xf32> to tensor<1x16x4x16xf32>
  %1 = lmc_graph.reshape %0 : tensor<1x16x64xf32> to tensor<1x16x4x16xf32>
  // CHECK: lmc_graph.transpose %{{.*}} {perm = array<i64: 0, 2, 1, 3>}
  %2 = lmc_graph.transpose %1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x16x4x16xf32>) -> tensor<1x4x16x16xf32>
  // CHECK: lmc_graph.gather %{{.*}}, %{{.*}} {axis = 0 : i64}
  %3 = lmc_graph.gather %t, %i {axis = 0 : i64} : (tensor<256x64xf32>, tensor<1x16xi64>) -> tensor<1x16x64xf32>
  // CHECK: lmc_graph.concat %{{.*}}, %{{.*}} {axis = 2 : i64}
  %4 = lmc_graph.concat %0, %3 {axis = 2 : i64} : (tensor<1x16x64xf32>, tensor<1x16x64xf32>) -> tensor<1x16x128xf32>
  // CHECK: lmc_graph.expand %{{.*}} : tensor<1x16xi64> to tensor<4x16xi64>
  %5 = lmc_graph.expand %i : tensor<1x16xi64> to tensor<4x16xi64>
  // CHECK: lmc_graph.trilu %{{.*}} {k = 0 : i64, upper = false} : tensor<1x4x16x16xf32>
  %6 = lmc_graph.trilu %2 {k = 0 : i64, upper = false} : tensor<1x4x16x16xf32>
  return %6 : tensor<1x4x16x16xf32>
}

// CHECK-LABEL: func @quantization
func.func @quantization(%x: tensor<4x8xf32>, %s: tensor<8xf32>, %zp: tensor<8xi8>, %a: tensor<4x3xui8>, %b: tensor<3x2xi8>, %za: tensor<ui8>, %zb: tensor<2xi8>) -> tensor<4x2xi32> {
  // CHECK: lmc_graph.round %{{.*}} : tensor<4x8xf32>
  %r = lmc_graph.round %x : tensor<4x8xf32>
  // CHECK: lmc_graph.quantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xi8>
  %q = lmc_graph.quantize %r, %s, %zp {axis = 1 : i64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xi8>
  // CHECK: lmc_graph.dequantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<4x8xi8>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xf32>
  %d = lmc_graph.dequantize %q, %s, %zp {axis = 1 : i64} : (tensor<4x8xi8>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xf32>
  // CHECK: lmc_graph.dynamic_quantize %{{.*}} : (tensor<4x8xf32>) -> (tensor<4x8xui8>, tensor<f32>, tensor<ui8>)
  %y, %ys, %yzp = lmc_graph.dynamic_quantize %d : (tensor<4x8xf32>) -> (tensor<4x8xui8>, tensor<f32>, tensor<ui8>)
  // CHECK: lmc_graph.matmul_integer %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x3xui8>, tensor<3x2xi8>, tensor<ui8>, tensor<2xi8>) -> tensor<4x2xi32>
  %m = lmc_graph.matmul_integer %a, %b, %za, %zb : (tensor<4x3xui8>, tensor<3x2xi8>, tensor<ui8>, tensor<2xi8>) -> tensor<4x2xi32>
  // CHECK: lmc_graph.matmul %{{.*}}, %{{.*}} : (tensor<4x2xi32>, tensor<2x2xi32>) -> tensor<4x2xi32>
  %c = lmc_graph.constant {value = dense<1> : tensor<2x2xi32>} : tensor<2x2xi32>
  %i = lmc_graph.matmul %m, %c : (tensor<4x2xi32>, tensor<2x2xi32>) -> tensor<4x2xi32>
  return %i : tensor<4x2xi32>
}

// CHECK-LABEL: func @scatter
func.func @scatter(%cache: tensor<1x4x16x16xf32>, %pos: tensor<1x4x1x16xi64>, %k: tensor<1x4x1x16xf32>) -> tensor<1x4x16x16xf32> {
  // CHECK: lmc_graph.scatter_elements %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64}
  %0 = lmc_graph.scatter_elements %cache, %pos, %k {axis = 2 : i64} : (tensor<1x4x16x16xf32>, tensor<1x4x1x16xi64>, tensor<1x4x1x16xf32>) -> tensor<1x4x16x16xf32>
  return %0 : tensor<1x4x16x16xf32>
}

// CHECK-LABEL: func @window
func.func @window(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x9x64xf32> {
  // CHECK: lmc_graph.window %{{.*}} {dilations = array<i64: 1, 1>, input_dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, output_shape = array<i64: 8, 8>, pad_value = 0.000000e+00 : f64, pads = array<i64: 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x9x64xf32>
  %w = lmc_graph.window %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1>, input_dilations = array<i64: 1, 1>, output_shape = array<i64: 8, 8>, pad_value = 0.0 : f64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x9x64xf32>
  return %w : tensor<1x4x9x64xf32>
}
