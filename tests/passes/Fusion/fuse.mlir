// RUN: lmc-opt %s -split-input-file -lmc-fuse | FileCheck %s

// The LayerNorm torch writes below opset 17: ReduceMean, Sub, Pow 2,
// ReduceMean, Add eps, Sqrt, Div, Mul gamma, Add beta. All of it becomes one
// layer_norm over the last axis; nothing of the decomposition is left.
// CHECK-LABEL: func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>, %[[G:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK-NEXT: %[[Y:.*]] = lmc_graph.layer_norm %[[X]], %[[G]], %[[B]] {axis = 1 : i64, epsilon = 9.99999974{{[0-9]*}}E-6 : f64}
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm(%x: tensor<2x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  %two = lmc_graph.constant {value = dense<2.0> : tensor<f32>} : tensor<f32>
  %eps = lmc_graph.constant {value = dense<1.0e-5> : tensor<f32>} : tensor<f32>
  %m = lmc_graph.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %c = lmc_graph.sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %sq = lmc_graph.pow %c, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = lmc_graph.reduce_mean %sq {axes = array<i64: 1>, keepdims = true} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %ve = lmc_graph.add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = lmc_graph.sqrt %ve : tensor<2x1xf32>
  %n = lmc_graph.div %c, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %ng = lmc_graph.mul %n, %g : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %y = lmc_graph.add %ng, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Other spellings: the square as c * c, gamma first in the mul, the bias
// first in the add, eps first in its add, and no bias at all in the second.
// CHECK-LABEL: func @layer_norm_variants
// CHECK: %[[Y1:.*]] = lmc_graph.layer_norm %arg0, %arg1, %arg2 {axis = 2 : i64, epsilon = 9.99999997{{[0-9]*}}E-7 : f64}
// CHECK: %[[Y2:.*]] = lmc_graph.layer_norm %arg0, %arg1 {axis = 2 : i64
// CHECK-NOT: lmc_graph.reduce_mean
// CHECK: return %[[Y1]], %[[Y2]]
func.func @layer_norm_variants(%x: tensor<1x2x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<1x2x8xf32>, tensor<1x2x8xf32>) {
  %eps = lmc_graph.constant {value = dense<1.0e-6> : tensor<1xf32>} : tensor<1xf32>
  %m = lmc_graph.reduce_mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<1x2x8xf32>) -> tensor<1x2x1xf32>
  %c = lmc_graph.sub %x, %m : (tensor<1x2x8xf32>, tensor<1x2x1xf32>) -> tensor<1x2x8xf32>
  %sq = lmc_graph.mul %c, %c : (tensor<1x2x8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %v = lmc_graph.reduce_mean %sq {axes = array<i64: 2>, keepdims = true} : (tensor<1x2x8xf32>) -> tensor<1x2x1xf32>
  %ve = lmc_graph.add %eps, %v : (tensor<1xf32>, tensor<1x2x1xf32>) -> tensor<1x2x1xf32>
  %s = lmc_graph.sqrt %ve : tensor<1x2x1xf32>
  %n = lmc_graph.div %c, %s : (tensor<1x2x8xf32>, tensor<1x2x1xf32>) -> tensor<1x2x8xf32>
  %ng = lmc_graph.mul %g, %n : (tensor<8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %y = lmc_graph.add %b, %ng : (tensor<8xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %y2 = lmc_graph.mul %n, %g : (tensor<1x2x8xf32>, tensor<8xf32>) -> tensor<1x2x8xf32>
  return %y, %y2 : tensor<1x2x8xf32>, tensor<1x2x8xf32>
}

// -----

// Left alone: the mean over the first axis is not a LayerNorm over the
// last one.
// CHECK-LABEL: func @not_last_axis
// CHECK-NOT: layer_norm
// CHECK: lmc_graph.reduce_mean
func.func @not_last_axis(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %eps = lmc_graph.constant {value = dense<1.0e-5> : tensor<f32>} : tensor<f32>
  %m = lmc_graph.reduce_mean %x {axes = array<i64: 0>, keepdims = true} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %c = lmc_graph.sub %x, %m : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  %sq = lmc_graph.mul %c, %c : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %v = lmc_graph.reduce_mean %sq {axes = array<i64: 0>, keepdims = true} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %ve = lmc_graph.add %v, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %s = lmc_graph.sqrt %ve : tensor<1x8xf32>
  %n = lmc_graph.div %c, %s : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  return %n : tensor<2x8xf32>
}

// -----

// GELU, erf form as make_gpt2.py writes it: (0.5 * x) * (1 + erf(x / sqrt 2)).
// CHECK-LABEL: func @gelu_erf
// CHECK-NEXT: %[[Y:.*]] = lmc_graph.gelu %arg0 {tanh_approximation = false} : tensor<2x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @gelu_erf(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %half = lmc_graph.constant {value = dense<0.5> : tensor<f32>} : tensor<f32>
  %one = lmc_graph.constant {value = dense<1.0> : tensor<f32>} : tensor<f32>
  %r2 = lmc_graph.constant {value = dense<1.41421354> : tensor<f32>} : tensor<f32>
  %a = lmc_graph.div %x, %r2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e = lmc_graph.erf %a : tensor<2x8xf32>
  %p = lmc_graph.add %one, %e : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %h = lmc_graph.mul %half, %x : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = lmc_graph.mul %h, %p : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// GELU, tanh form grouped as torch writes it: x * 0.5 * (1 + tanh(0.79788 *
// (x + 0.044715 * x * x * x))).
// CHECK-LABEL: func @gelu_tanh
// CHECK-NEXT: %[[Y:.*]] = lmc_graph.gelu %arg0 {tanh_approximation = true} : tensor<8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @gelu_tanh(%x: tensor<8xf32>) -> tensor<8xf32> {
  %half = lmc_graph.constant {value = dense<0.5> : tensor<f32>} : tensor<f32>
  %one = lmc_graph.constant {value = dense<1.0> : tensor<f32>} : tensor<f32>
  %k = lmc_graph.constant {value = dense<0.797884583> : tensor<f32>} : tensor<f32>
  %c = lmc_graph.constant {value = dense<0.044715> : tensor<f32>} : tensor<f32>
  %x2 = lmc_graph.mul %x, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %x3 = lmc_graph.mul %x2, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %cx3 = lmc_graph.mul %c, %x3 : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %in = lmc_graph.add %x, %cx3 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %arg = lmc_graph.mul %in, %k : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t = lmc_graph.tanh %arg : tensor<8xf32>
  %p = lmc_graph.add %t, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %xh = lmc_graph.mul %x, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %y = lmc_graph.mul %xh, %p : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// Left alone: 0.6 is not GELU's 0.5.
// CHECK-LABEL: func @not_gelu
// CHECK-NOT: gelu
// CHECK: lmc_graph.erf
func.func @not_gelu(%x: tensor<8xf32>) -> tensor<8xf32> {
  %h = lmc_graph.constant {value = dense<0.6> : tensor<f32>} : tensor<f32>
  %one = lmc_graph.constant {value = dense<1.0> : tensor<f32>} : tensor<f32>
  %r = lmc_graph.constant {value = dense<0.707106769> : tensor<f32>} : tensor<f32>
  %a = lmc_graph.mul %x, %r : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = lmc_graph.erf %a : tensor<8xf32>
  %p = lmc_graph.add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %xp = lmc_graph.mul %x, %p : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = lmc_graph.mul %xp, %h : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}
