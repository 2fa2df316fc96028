// RUN: lmc-opt %s -split-input-file -verify-diagnostics
// One case per verifier rule of lmc_graph (dialects/Graph/GraphVerify.cpp).

func.func @add(%a: tensor<4xf32>, %b: tensor<4xi64>) {
  // expected-error @+1 {{operand element types differ}}
  %0 = lmc_graph.add %a, %b : (tensor<4xf32>, tensor<4xi64>) -> tensor<4xf32>
  return
}

// -----

func.func @and(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{operands must be i1}}
  %0 = lmc_graph.and %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return
}

// -----

func.func @mul_bcast(%a: tensor<4xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{are not broadcast-compatible}}
  %0 = lmc_graph.mul %a, %b : (tensor<4xf32>, tensor<3xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @sub_shape(%a: tensor<4xf32>, %b: tensor<1xf32>) {
  // expected-error @+1 {{is not the broadcast shape}}
  %0 = lmc_graph.sub %a, %b : (tensor<4xf32>, tensor<1xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @equal_type(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{result element type must be 'i1'}}
  %0 = lmc_graph.equal %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @constant() {
  // expected-error @+1 {{differs from result type}}
  %0 = lmc_graph.constant {value = dense<1.0> : tensor<2xf32>} : tensor<3xf32>
  return
}

// -----

func.func @cast(%a: tensor<4xf32>) {
  // expected-error @+1 {{input and result shapes differ}}
  %0 = lmc_graph.cast %a : tensor<4xf32> to tensor<5xi64>
  return
}

// -----

func.func @where_cond(%c: tensor<4xf32>, %a: tensor<4xf32>) {
  // expected-error @+1 {{condition must be i1}}
  %0 = lmc_graph.where %c, %a, %a : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @where_types(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xi64>) {
  // expected-error @+1 {{value operands have different element types}}
  %0 = lmc_graph.where %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xi64>) -> tensor<4xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<4xf32>, %b: tensor<4x2xf32>) {
  // expected-error @+1 {{operands must have rank >= 2}}
  %0 = lmc_graph.matmul %a, %b : (tensor<4xf32>, tensor<4x2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @matmul_k(%a: tensor<3x4xf32>, %b: tensor<5x2xf32>) {
  // expected-error @+1 {{contraction dimensions differ: 4 vs 5}}
  %0 = lmc_graph.matmul %a, %b : (tensor<3x4xf32>, tensor<5x2xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @matmul_types(%a: tensor<3x4xf32>, %b: tensor<4x2xf16>) {
  // expected-error @+1 {{operand element types differ}}
  %0 = lmc_graph.matmul %a, %b : (tensor<3x4xf32>, tensor<4x2xf16>) -> tensor<3x2xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x2xf32>) {
  // expected-error @+1 {{batch dimensions are not broadcast-compatible}}
  %0 = lmc_graph.matmul %a, %b : (tensor<2x3x4xf32>, tensor<3x4x2xf32>) -> tensor<2x3x2xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<3x4xf32>, %b: tensor<4x2xf32>) {
  // expected-error @+1 {{result type must be}}
  %0 = lmc_graph.matmul %a, %b : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @softmax_axis(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{axis 3 is out of range for rank 2}}
  %0 = lmc_graph.softmax %a {axis = 3 : i64} : tensor<3x4xf32>
  return
}

// -----

func.func @layer_norm_scale(%x: tensor<2x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{scale and bias must have the normalized shape [8]}}
  %0 = lmc_graph.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f64} : (tensor<2x8xf32>, tensor<4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_result(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{result type must equal the input type}}
  %0 = lmc_graph.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f64} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = lmc_graph.layer_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-05 : f64} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @reduce_sorted(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{axes must be sorted and unique}}
  %0 = lmc_graph.reduce_sum %x {axes = array<i64: 1, 0>, keepdims = false} : (tensor<2x8xf32>) -> tensor<f32>
  return
}

// -----

func.func @reduce_result(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{result type must be 'tensor<2x1xf32>'}}
  %0 = lmc_graph.reduce_max %x {axes = array<i64: 1>, keepdims = true} : (tensor<2x8xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @reduce_axis(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{axis 2 is out of range}}
  %0 = lmc_graph.reduce_mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @scatter_indices(%d: tensor<8x4xf32>, %i: tensor<2x4xf32>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{indices must be i32 or i64}}
  %0 = lmc_graph.scatter_elements %d, %i, %u {axis = 0 : i64} : (tensor<8x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @scatter_updates_shape(%d: tensor<8x4xf32>, %i: tensor<2x4xi64>, %u: tensor<2x3xf32>) {
  // expected-error @+1 {{updates shape [2, 3] differs from indices shape [2, 4]}}
  %0 = lmc_graph.scatter_elements %d, %i, %u {axis = 0 : i64} : (tensor<8x4xf32>, tensor<2x4xi64>, tensor<2x3xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @scatter_updates_type(%d: tensor<8x4xf32>, %i: tensor<2x4xi64>, %u: tensor<2x4xi64>) {
  // expected-error @+1 {{updates element type must be 'f32'}}
  %0 = lmc_graph.scatter_elements %d, %i, %u {axis = 0 : i64} : (tensor<8x4xf32>, tensor<2x4xi64>, tensor<2x4xi64>) -> tensor<8x4xf32>
  return
}

// -----

func.func @scatter_rank(%d: tensor<8x4xf32>, %i: tensor<2xi64>, %u: tensor<2xf32>) {
  // expected-error @+1 {{indices must have the rank of data (2)}}
  %0 = lmc_graph.scatter_elements %d, %i, %u {axis = 0 : i64} : (tensor<8x4xf32>, tensor<2xi64>, tensor<2xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @scatter_too_wide(%d: tensor<8x4xf32>, %i: tensor<2x5xi64>, %u: tensor<2x5xf32>) {
  // expected-error @+1 {{indices dim 1 (5) exceeds data's (4)}}
  %0 = lmc_graph.scatter_elements %d, %i, %u {axis = 0 : i64} : (tensor<8x4xf32>, tensor<2x5xi64>, tensor<2x5xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @scatter_axis(%d: tensor<8x4xf32>, %i: tensor<2x4xi64>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{axis 2 is out of range}}
  %0 = lmc_graph.scatter_elements %d, %i, %u {axis = 2 : i64} : (tensor<8x4xf32>, tensor<2x4xi64>, tensor<2x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @scatter_result(%d: tensor<8x4xf32>, %i: tensor<2x4xi64>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{result type must be 'tensor<8x4xf32>'}}
  %0 = lmc_graph.scatter_elements %d, %i, %u {axis = 0 : i64} : (tensor<8x4xf32>, tensor<2x4xi64>, tensor<2x4xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @scatter_rank0(%d: tensor<f32>, %i: tensor<i64>, %u: tensor<f32>) {
  // expected-error @+1 {{data must have rank >= 1}}
  %0 = lmc_graph.scatter_elements %d, %i, %u {axis = 0 : i64} : (tensor<f32>, tensor<i64>, tensor<f32>) -> tensor<f32>
  return
}

// -----

func.func @gather_indices(%t: tensor<8x4xf32>, %i: tensor<3xf32>) {
  // expected-error @+1 {{indices must be i32 or i64}}
  %0 = lmc_graph.gather %t, %i {axis = 0 : i64} : (tensor<8x4xf32>, tensor<3xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @gather_result(%t: tensor<8x4xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{result type must be 'tensor<3x4xf32>'}}
  %0 = lmc_graph.gather %t, %i {axis = 0 : i64} : (tensor<8x4xf32>, tensor<3xi64>) -> tensor<4x3xf32>
  return
}

// -----

func.func @gather_axis(%t: tensor<8x4xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{axis 2 is out of range}}
  %0 = lmc_graph.gather %t, %i {axis = 2 : i64} : (tensor<8x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{element count changes from 16 to 15}}
  %0 = lmc_graph.reshape %x : tensor<2x8xf32> to tensor<3x5xf32>
  return
}

// -----

func.func @reshape_type(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{element type changes}}
  %0 = lmc_graph.reshape %x : tensor<2x8xf32> to tensor<16xi32>
  return
}

// -----

func.func @transpose_size(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{perm has 1 entries for rank 2}}
  %0 = lmc_graph.transpose %x {perm = array<i64: 0>} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{perm is not a permutation}}
  %0 = lmc_graph.transpose %x {perm = array<i64: 0, 0>} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @transpose_result(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{result type must be 'tensor<8x2xf32>'}}
  %0 = lmc_graph.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+1 {{needs at least one input}}
  %0 = lmc_graph.concat {axis = 0 : i64} : () -> tensor<2xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2xf32>, %b: tensor<1x2xf32>) {
  // expected-error @+1 {{inputs must have the result's rank and element type}}
  %0 = lmc_graph.concat %a, %b {axis = 0 : i64} : (tensor<2xf32>, tensor<1x2xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @concat_dim(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{input dimension 1 differs from the result's}}
  %0 = lmc_graph.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_total(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+1 {{result dimension 0 must be 4}}
  %0 = lmc_graph.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range}}
  %0 = lmc_graph.concat %a {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @slice_entries(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{starts and steps need one entry per axis}}
  %0 = lmc_graph.slice %x {starts = array<i64: 0>, steps = array<i64: 1>} : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @slice_rank(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{result must have the input's rank and element type}}
  %0 = lmc_graph.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<8x4xf32>) -> tensor<32xf32>
  return
}

// -----

func.func @slice_step(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{step of axis 0 is zero}}
  %0 = lmc_graph.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 0, 1>} : (tensor<8x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @slice_bounds(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{axis 0 reads outside the input}}
  %0 = lmc_graph.slice %x {starts = array<i64: 6, 0>, steps = array<i64: 1, 1>} : (tensor<8x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @expand_shape(%x: tensor<3xf32>) {
  // expected-error @+1 {{cannot broadcast [3] to [2, 4]}}
  %0 = lmc_graph.expand %x : tensor<3xf32> to tensor<2x4xf32>
  return
}

// -----

func.func @expand_type(%x: tensor<1xf32>) {
  // expected-error @+1 {{element type changes}}
  %0 = lmc_graph.expand %x : tensor<1xf32> to tensor<4xi64>
  return
}

// -----

func.func @trilu_rank(%x: tensor<4xf32>) {
  // expected-error @+1 {{needs rank >= 2}}
  %0 = lmc_graph.trilu %x {k = 0 : i64, upper = true} : tensor<4xf32>
  return
}

// -----

func.func @qmatmul_weights_f32(%x: tensor<2x4xf32>, %w: tensor<4x8xf32>, %s: tensor<1x8xf32>) {
  // expected-error @+1 {{weights must be a K x N matrix of i8, i4 or i2}}
  %0 = lmc_graph.qmatmul %x, %w, %s {group = 4 : i64} : (tensor<2x4xf32>, tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @qmatmul_group(%x: tensor<2x64xf32>, %w: tensor<64x8xi4>, %s: tensor<3x8xf32>) {
  // expected-error @+1 {{group 30 must be K (64) or a multiple of 8 in [8, K]}}
  %0 = lmc_graph.qmatmul %x, %w, %s {group = 30 : i64} : (tensor<2x64xf32>, tensor<64x8xi4>, tensor<3x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @qmatmul_scales(%x: tensor<2x64xf32>, %w: tensor<64x8xi4>, %s: tensor<1x8xf32>) {
  // expected-error @+1 {{scales must be 'tensor<2x8xf32>'}}
  %0 = lmc_graph.qmatmul %x, %w, %s {group = 32 : i64} : (tensor<2x64xf32>, tensor<64x8xi4>, tensor<1x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @quantize_input(%x: tensor<4xi32>, %s: tensor<f32>, %z: tensor<ui8>) {
  // expected-error @+1 {{input must be f32}}
  %0 = lmc_graph.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xi32>, tensor<f32>, tensor<ui8>) -> tensor<4xui8>
  return
}

// -----

func.func @quantize_result(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<i16>) {
  // expected-error @+1 {{result must be i8 or ui8}}
  %0 = lmc_graph.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xf32>, tensor<f32>, tensor<i16>) -> tensor<4xi16>
  return
}

// -----

func.func @quantize_zero_point_type(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<i8>) {
  // expected-error @+1 {{zero point must have the result's element type}}
  %0 = lmc_graph.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xf32>, tensor<f32>, tensor<i8>) -> tensor<4xui8>
  return
}

// -----

func.func @quantize_shape(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<ui8>) {
  // expected-error @+1 {{result shape must equal the input shape}}
  %0 = lmc_graph.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xf32>, tensor<f32>, tensor<ui8>) -> tensor<2xui8>
  return
}

// -----

func.func @quantize_scale_type(%x: tensor<4xf32>, %s: tensor<f64>, %z: tensor<ui8>) {
  // expected-error @+1 {{scale must be f32}}
  %0 = lmc_graph.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xf32>, tensor<f64>, tensor<ui8>) -> tensor<4xui8>
  return
}

// -----

func.func @quantize_param_shapes(%x: tensor<2x4xf32>, %s: tensor<4xf32>, %z: tensor<ui8>) {
  // expected-error @+1 {{scale and zero point shapes differ: [4] vs []}}
  %0 = lmc_graph.quantize %x, %s, %z {axis = 1 : i64} : (tensor<2x4xf32>, tensor<4xf32>, tensor<ui8>) -> tensor<2x4xui8>
  return
}

// -----

func.func @quantize_blocked(%x: tensor<2x4xf32>, %s: tensor<2x2xf32>, %z: tensor<2x2xui8>) {
  // expected-error @+1 {{scale must be a scalar or 1-D (per axis)}}
  %0 = lmc_graph.quantize %x, %s, %z {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x2xf32>, tensor<2x2xui8>) -> tensor<2x4xui8>
  return
}

// -----

func.func @quantize_axis(%x: tensor<2x4xf32>, %s: tensor<4xf32>, %z: tensor<4xui8>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = lmc_graph.quantize %x, %s, %z {axis = 2 : i64} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xui8>) -> tensor<2x4xui8>
  return
}

// -----

func.func @dequantize_axis_size(%x: tensor<2x4xi8>, %s: tensor<4xf32>, %z: tensor<4xi8>) {
  // expected-error @+1 {{has 4 scales for axis 0 of size 2}}
  %0 = lmc_graph.dequantize %x, %s, %z {axis = 0 : i64} : (tensor<2x4xi8>, tensor<4xf32>, tensor<4xi8>) -> tensor<2x4xf32>
  return
}

// -----

func.func @dequantize_input(%x: tensor<4xi16>, %s: tensor<f32>, %z: tensor<i16>) {
  // expected-error @+1 {{input must be i8, ui8 or i32}}
  %0 = lmc_graph.dequantize %x, %s, %z {axis = 0 : i64} : (tensor<4xi16>, tensor<f32>, tensor<i16>) -> tensor<4xf32>
  return
}

// -----

func.func @dequantize_zero_point(%x: tensor<4xi8>, %s: tensor<f32>, %z: tensor<ui8>) {
  // expected-error @+1 {{zero point must have the input's element type}}
  %0 = lmc_graph.dequantize %x, %s, %z {axis = 0 : i64} : (tensor<4xi8>, tensor<f32>, tensor<ui8>) -> tensor<4xf32>
  return
}

// -----

func.func @dequantize_result(%x: tensor<4xi8>, %s: tensor<f32>, %z: tensor<i8>) {
  // expected-error @+1 {{result must be f32 of the input's shape}}
  %0 = lmc_graph.dequantize %x, %s, %z {axis = 0 : i64} : (tensor<4xi8>, tensor<f32>, tensor<i8>) -> tensor<4xf16>
  return
}

// -----

func.func @dynamic_quantize_input(%x: tensor<4xf16>) {
  // expected-error @+1 {{input must be f32}}
  %0:3 = lmc_graph.dynamic_quantize %x : (tensor<4xf16>) -> (tensor<4xui8>, tensor<f32>, tensor<ui8>)
  return
}

// -----

func.func @dynamic_quantize_empty(%x: tensor<0xf32>) {
  // expected-error @+1 {{input must not be empty}}
  %0:3 = lmc_graph.dynamic_quantize %x : (tensor<0xf32>) -> (tensor<0xui8>, tensor<f32>, tensor<ui8>)
  return
}

// -----

func.func @dynamic_quantize_result(%x: tensor<4xf32>) {
  // expected-error @+1 {{result must be ui8 of the input's shape}}
  %0:3 = lmc_graph.dynamic_quantize %x : (tensor<4xf32>) -> (tensor<4xi8>, tensor<f32>, tensor<ui8>)
  return
}

// -----

func.func @dynamic_quantize_params(%x: tensor<4xf32>) {
  // expected-error @+1 {{scale and zero point must be scalars}}
  %0:3 = lmc_graph.dynamic_quantize %x : (tensor<4xf32>) -> (tensor<4xui8>, tensor<1xf32>, tensor<ui8>)
  return
}

// -----

func.func @matmul_integer_types(%a: tensor<2x3xi32>, %b: tensor<3x2xi8>, %za: tensor<i32>, %zb: tensor<i8>) {
  // expected-error @+1 {{operands must be i8 or ui8}}
  %0 = lmc_graph.matmul_integer %a, %b, %za, %zb : (tensor<2x3xi32>, tensor<3x2xi8>, tensor<i32>, tensor<i8>) -> tensor<2x2xi32>
  return
}

// -----

func.func @matmul_integer_rank(%a: tensor<3xi8>, %b: tensor<3x2xi8>, %za: tensor<i8>, %zb: tensor<i8>) {
  // expected-error @+1 {{operands must have rank >= 2}}
  %0 = lmc_graph.matmul_integer %a, %b, %za, %zb : (tensor<3xi8>, tensor<3x2xi8>, tensor<i8>, tensor<i8>) -> tensor<2xi32>
  return
}

// -----

func.func @matmul_integer_k(%a: tensor<2x3xi8>, %b: tensor<4x2xi8>, %za: tensor<i8>, %zb: tensor<i8>) {
  // expected-error @+1 {{contraction dimensions differ: 3 vs 4}}
  %0 = lmc_graph.matmul_integer %a, %b, %za, %zb : (tensor<2x3xi8>, tensor<4x2xi8>, tensor<i8>, tensor<i8>) -> tensor<2x2xi32>
  return
}

// -----

func.func @matmul_integer_zero_point_type(%a: tensor<2x3xi8>, %b: tensor<3x2xi8>, %za: tensor<ui8>, %zb: tensor<i8>) {
  // expected-error @+1 {{a zero point must have its operand's element type}}
  %0 = lmc_graph.matmul_integer %a, %b, %za, %zb : (tensor<2x3xi8>, tensor<3x2xi8>, tensor<ui8>, tensor<i8>) -> tensor<2x2xi32>
  return
}

// -----

func.func @matmul_integer_zero_point_shape(%a: tensor<2x3xi8>, %b: tensor<3x2xi8>, %za: tensor<2xi8>, %zb: tensor<i8>) {
  // expected-error @+1 {{zero point shape [2] does not broadcast to its operand's shape [2, 3]}}
  %0 = lmc_graph.matmul_integer %a, %b, %za, %zb : (tensor<2x3xi8>, tensor<3x2xi8>, tensor<2xi8>, tensor<i8>) -> tensor<2x2xi32>
  return
}

// -----

func.func @matmul_integer_batch(%a: tensor<2x2x3xi8>, %b: tensor<3x3x2xi8>, %za: tensor<i8>, %zb: tensor<i8>) {
  // expected-error @+1 {{batch dimensions are not broadcast-compatible}}
  %0 = lmc_graph.matmul_integer %a, %b, %za, %zb : (tensor<2x2x3xi8>, tensor<3x3x2xi8>, tensor<i8>, tensor<i8>) -> tensor<2x2x2xi32>
  return
}

// -----

func.func @matmul_integer_result(%a: tensor<2x3xi8>, %b: tensor<3x2xi8>, %za: tensor<i8>, %zb: tensor<i8>) {
  // expected-error @+1 {{result type must be 'tensor<2x2xi32>'}}
  %0 = lmc_graph.matmul_integer %a, %b, %za, %zb : (tensor<2x3xi8>, tensor<3x2xi8>, tensor<i8>, tensor<i8>) -> tensor<2x2xi64>
  return
}

// -----

func.func @window_rank(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{needs an input of rank 3 to 5}}
  %0 = lmc_graph.window %x {kernel_shape = array<i64: 3>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0>, input_dilations = array<i64: 1>, output_shape = array<i64: 6>, pad_value = 0.0 : f64} : (tensor<4x8xf32>) -> tensor<4x8x3x6xf32>
  return
}

// -----

func.func @window_elem(%x: tensor<1x2x8xf32>) {
  // expected-error @+1 {{result element type differs}}
  %0 = lmc_graph.window %x {kernel_shape = array<i64: 3>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0>, input_dilations = array<i64: 1>, output_shape = array<i64: 6>, pad_value = 0.0 : f64} : (tensor<1x2x8xf32>) -> tensor<1x2x3x6xf16>
  return
}

// -----

func.func @window_entries(%x: tensor<1x2x8xf32>) {
  // expected-error @+1 {{one kernel_shape, strides, dilations, pads, input_dilations and output_shape entry per spatial axis}}
  %0 = lmc_graph.window %x {kernel_shape = array<i64: 3, 1>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0>, input_dilations = array<i64: 1>, output_shape = array<i64: 6>, pad_value = 0.0 : f64} : (tensor<1x2x8xf32>) -> tensor<1x2x3x6xf32>
  return
}

// -----

func.func @window_stride(%x: tensor<1x2x8xf32>) {
  // expected-error @+1 {{must lie in [1, 2^30]}}
  %0 = lmc_graph.window %x {kernel_shape = array<i64: 3>, strides = array<i64: 0>, dilations = array<i64: 1>, pads = array<i64: 0>, input_dilations = array<i64: 1>, output_shape = array<i64: 6>, pad_value = 0.0 : f64} : (tensor<1x2x8xf32>) -> tensor<1x2x3x6xf32>
  return
}

// -----

func.func @window_pads(%x: tensor<1x2x8xf32>) {
  // expected-error @+1 {{pads must lie in [-2^30, 2^30] and output_shape in [0, 2^30]}}
  %0 = lmc_graph.window %x {kernel_shape = array<i64: 3>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0>, input_dilations = array<i64: 1>, output_shape = array<i64: -6>, pad_value = 0.0 : f64} : (tensor<1x2x8xf32>) -> tensor<1x2x3x6xf32>
  return
}

// -----

func.func @window_shape(%x: tensor<1x2x8xf32>) {
  // expected-error @+1 {{result shape [1, 2, 3, 5] should be [1, 2, 3, 6]}}
  %0 = lmc_graph.window %x {kernel_shape = array<i64: 3>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0>, input_dilations = array<i64: 1>, output_shape = array<i64: 6>, pad_value = 0.0 : f64} : (tensor<1x2x8xf32>) -> tensor<1x2x3x5xf32>
  return
}

// -----

func.func @window_huge(%x: tensor<1x1x2x2x2xf32>) {
  // expected-error @+1 {{more than 2^63 elements}}
  %0 = lmc_graph.window %x {kernel_shape = array<i64: 1073741824, 1073741824, 1073741824>, strides = array<i64: 1, 1, 1>, dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0>, input_dilations = array<i64: 1, 1, 1>, output_shape = array<i64: 1, 1, 1>, pad_value = 0.0 : f64} : (tensor<1x1x2x2x2xf32>) -> tensor<1x1x1x1xf32>
  return
}
