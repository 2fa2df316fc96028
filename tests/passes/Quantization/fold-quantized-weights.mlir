// RUN: lmc-opt %s -split-input-file -lmc-fold-quantized-weights | FileCheck %s

// QDQ weight, int8 per output channel (axis 1 of a K x N matrix), zero
// point 0: the integers and scales go to qmatmul as they are.
// CHECK-LABEL: func @per_channel
// CHECK-DAG: %[[Q:.*]] = lmc_graph.constant {value = dense<{{\[}}[-128, 5], [127, -3], [0, 1]]> : tensor<3x2xi8>}
// CHECK-DAG: %[[S:.*]] = lmc_graph.constant {value = dense<{{\[}}[5.000000e-01, 2.500000e-01]]> : tensor<1x2xf32>}
// CHECK: lmc_graph.qmatmul %arg0, %[[Q]], %[[S]] {group = 3 : i64} : (tensor<4x3xf32>, tensor<3x2xi8>, tensor<1x2xf32>) -> tensor<4x2xf32>
// CHECK-NOT: dequantize
func.func @per_channel(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = lmc_graph.constant {value = dense<[[-128, 5], [127, -3], [0, 1]]> : tensor<3x2xi8>} : tensor<3x2xi8>
  %s = lmc_graph.constant {value = dense<[0.5, 0.25]> : tensor<2xf32>} : tensor<2xf32>
  %z = lmc_graph.constant {value = dense<0> : tensor<2xi8>} : tensor<2xi8>
  %d = lmc_graph.dequantize %w, %s, %z {axis = 1 : i64} : (tensor<3x2xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<3x2xf32>
  %y = lmc_graph.matmul %x, %d : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// One scale for the tensor is repeated per column; a batched lhs keeps its
// batch dimensions.
// CHECK-LABEL: func @per_tensor
// CHECK: dense<1.250000e-01> : tensor<1x4xf32>
// CHECK: lmc_graph.qmatmul {{.*}} {group = 2 : i64} : (tensor<1x5x2xf32>, tensor<2x4xi8>, tensor<1x4xf32>) -> tensor<1x5x4xf32>
func.func @per_tensor(%x: tensor<1x5x2xf32>) -> tensor<1x5x4xf32> {
  %w = lmc_graph.constant {value = dense<[[1, 2, 3, 4], [-1, -2, -3, -4]]> : tensor<2x4xi8>} : tensor<2x4xi8>
  %s = lmc_graph.constant {value = dense<0.125> : tensor<f32>} : tensor<f32>
  %z = lmc_graph.constant {value = dense<0> : tensor<i8>} : tensor<i8>
  %d = lmc_graph.dequantize %w, %s, %z {axis = 1 : i64} : (tensor<2x4xi8>, tensor<f32>, tensor<i8>) -> tensor<2x4xf32>
  %y = lmc_graph.matmul %x, %d : (tensor<1x5x2xf32>, tensor<2x4xf32>) -> tensor<1x5x4xf32>
  return %y : tensor<1x5x4xf32>
}

// -----

// Gemm with transB: B is the N x K weight transposed, quantized per output
// channel along its axis 0. The weights are transposed at compile time.
// CHECK-LABEL: func @gemm_trans_b
// CHECK-DAG: dense<{{\[}}[1, 3, 5], [2, 4, 6]]> : tensor<2x3xi8>
// CHECK-DAG: dense<{{\[}}[1.000000e+00, 2.000000e+00, 4.000000e+00]]> : tensor<1x3xf32>
// CHECK: lmc_graph.qmatmul {{.*}} {group = 2 : i64} : (tensor<1x2xf32>, tensor<2x3xi8>, tensor<1x3xf32>) -> tensor<1x3xf32>
// CHECK-NOT: transpose
func.func @gemm_trans_b(%x: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %w = lmc_graph.constant {value = dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi8>} : tensor<3x2xi8>
  %s = lmc_graph.constant {value = dense<[1.0, 2.0, 4.0]> : tensor<3xf32>} : tensor<3xf32>
  %z = lmc_graph.constant {value = dense<0> : tensor<3xi8>} : tensor<3xi8>
  %d = lmc_graph.dequantize %w, %s, %z {axis = 0 : i64} : (tensor<3x2xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<3x2xf32>
  %t = lmc_graph.transpose %d {perm = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
  %y = lmc_graph.matmul %x, %t : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}

// -----

// uint8 weights with a zero point: folded as W - zp when every difference
// fits int8 (zero point 128 per column: 0 -> -128, 255 -> 127) ...
// CHECK-LABEL: func @uint8_zero_point
// CHECK: dense<{{\[}}[-128, -2], [127, 3]]> : tensor<2x2xi8>
// CHECK: lmc_graph.qmatmul
func.func @uint8_zero_point(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = lmc_graph.constant {value = dense<[[0, 8], [255, 13]]> : tensor<2x2xui8>} : tensor<2x2xui8>
  %s = lmc_graph.constant {value = dense<[0.5, 0.25]> : tensor<2xf32>} : tensor<2xf32>
  %z = lmc_graph.constant {value = dense<[128, 10]> : tensor<2xui8>} : tensor<2xui8>
  %d = lmc_graph.dequantize %w, %s, %z {axis = 1 : i64} : (tensor<2x2xui8>, tensor<2xf32>, tensor<2xui8>) -> tensor<2x2xf32>
  %y = lmc_graph.matmul %x, %d : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// ... and dequantized to f32 at compile time when one does not (200 - 0).
// CHECK-LABEL: func @uint8_beyond_int8
// CHECK: %[[W:.*]] = lmc_graph.constant {value = dense<{{\[}}[1.000000e+02, 5.000000e-01]]> : tensor<1x2xf32>}
// CHECK: lmc_graph.matmul %arg0, %[[W]]
// CHECK-NOT: qmatmul
func.func @uint8_beyond_int8(%x: tensor<1x1xf32>) -> tensor<1x2xf32> {
  %w = lmc_graph.constant {value = dense<[[200, 1]]> : tensor<1x2xui8>} : tensor<1x2xui8>
  %s = lmc_graph.constant {value = dense<0.5> : tensor<f32>} : tensor<f32>
  %z = lmc_graph.constant {value = dense<0> : tensor<ui8>} : tensor<ui8>
  %d = lmc_graph.dequantize %w, %s, %z {axis = 1 : i64} : (tensor<1x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2xf32>
  %y = lmc_graph.matmul %x, %d : (tensor<1x1xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Scales per input channel (axis 0 of K x N) have no qmatmul form: f32.
// CHECK-LABEL: func @per_input_channel
// CHECK: dense<{{\[}}[1.000000e+00, 2.000000e+00], [-3.000000e+00, -6.000000e+00]]> : tensor<2x2xf32>
// CHECK: lmc_graph.matmul
func.func @per_input_channel(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = lmc_graph.constant {value = dense<[[1, 2], [-1, -2]]> : tensor<2x2xi8>} : tensor<2x2xi8>
  %s = lmc_graph.constant {value = dense<[1.0, 3.0]> : tensor<2xf32>} : tensor<2xf32>
  %z = lmc_graph.constant {value = dense<0> : tensor<2xi8>} : tensor<2xi8>
  %d = lmc_graph.dequantize %w, %s, %z {axis = 0 : i64} : (tensor<2x2xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x2xf32>
  %y = lmc_graph.matmul %x, %d : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A table shared by a gather and a matmul: the matmul gets qmatmul, the
// gather an f32 constant (f32(x - zp) * s).
// CHECK-LABEL: func @shared
// CHECK-DAG: lmc_graph.constant {value = dense<{{\[}}[-2.000000e+00, 2.000000e+00], [0.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>}
// CHECK-DAG: lmc_graph.constant {value = dense<{{\[}}[-1, 1], [0, 2]]> : tensor<2x2xi8>}
// CHECK: lmc_graph.gather
// CHECK: lmc_graph.qmatmul
func.func @shared(%ids: tensor<1xi64>, %x: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %w = lmc_graph.constant {value = dense<[[-1, 1], [0, 2]]> : tensor<2x2xi8>} : tensor<2x2xi8>
  %s = lmc_graph.constant {value = dense<2.0> : tensor<f32>} : tensor<f32>
  %z = lmc_graph.constant {value = dense<0> : tensor<i8>} : tensor<i8>
  %d = lmc_graph.dequantize %w, %s, %z {axis = 1 : i64} : (tensor<2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<2x2xf32>
  %e = lmc_graph.gather %d, %ids {axis = 0 : i64} : (tensor<2x2xf32>, tensor<1xi64>) -> tensor<1x2xf32>
  %y = lmc_graph.matmul %x, %d : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %e, %y : tensor<1x2xf32>, tensor<1x2xf32>
}

// -----

// Weights computed at run time are left to lmc-decompose-quant-ops.
// CHECK-LABEL: func @run_time_weights
// CHECK: lmc_graph.dequantize %arg1
// CHECK: lmc_graph.matmul
func.func @run_time_weights(%x: tensor<1x2xf32>, %w: tensor<2x2xi8>) -> tensor<1x2xf32> {
  %s = lmc_graph.constant {value = dense<2.0> : tensor<f32>} : tensor<f32>
  %z = lmc_graph.constant {value = dense<0> : tensor<i8>} : tensor<i8>
  %d = lmc_graph.dequantize %w, %s, %z {axis = 1 : i64} : (tensor<2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<2x2xf32>
  %y = lmc_graph.matmul %x, %d : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// --no-weights: an absent i8 weight with a zero point of 0 still becomes a
// qmatmul (absent i8 weights of the K x N shape).
// CHECK-LABEL: func @absent
// CHECK: %[[W:.*]] = lmc_graph.weight {name = "w"} : tensor<64x32xi8>
// CHECK: lmc_graph.qmatmul %arg0, %[[W]], %{{.*}} {group = 64 : i64}
func.func @absent(%x: tensor<2x64xf32>) -> tensor<2x32xf32> {
  %w = lmc_graph.weight {name = "w"} : tensor<64x32xi8>
  %s = lmc_graph.constant {value = dense<0.5> : tensor<32xf32>} : tensor<32xf32>
  %z = lmc_graph.constant {value = dense<0> : tensor<32xi8>} : tensor<32xi8>
  %d = lmc_graph.dequantize %w, %s, %z {axis = 1 : i64} : (tensor<64x32xi8>, tensor<32xf32>, tensor<32xi8>) -> tensor<64x32xf32>
  %y = lmc_graph.matmul %x, %d : (tensor<2x64xf32>, tensor<64x32xf32>) -> tensor<2x32xf32>
  return %y : tensor<2x32xf32>
}

// -----

// ONNX Runtime's dynamic quantization: DynamicQuantizeLinear ->
// MatMulInteger -> Cast -> Mul by (x_scale * w_scale). lmc quantizes x
// itself, so only W and w_scale remain; the activation path is gone.
// CHECK-LABEL: func @dynamic
// CHECK-DAG: %[[Q:.*]] = lmc_graph.constant {value = dense<{{\[}}[1, -2], [3, 4]]> : tensor<2x2xi8>}
// CHECK-DAG: %[[S:.*]] = lmc_graph.constant {value = dense<{{\[}}[1.000000e-01, 2.000000e-01]]> : tensor<1x2xf32>}
// CHECK: %[[Y:.*]] = lmc_graph.qmatmul %arg0, %[[Q]], %[[S]] {group = 2 : i64} : (tensor<1x3x2xf32>, tensor<2x2xi8>, tensor<1x2xf32>) -> tensor<1x3x2xf32>
// CHECK-NEXT: return %[[Y]]
func.func @dynamic(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %y, %ys, %yzp = lmc_graph.dynamic_quantize %x : (tensor<1x3x2xf32>) -> (tensor<1x3x2xui8>, tensor<f32>, tensor<ui8>)
  %w = lmc_graph.constant {value = dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>} : tensor<2x2xi8>
  %wz = lmc_graph.constant {value = dense<0> : tensor<i8>} : tensor<i8>
  %m = lmc_graph.matmul_integer %y, %w, %yzp, %wz : (tensor<1x3x2xui8>, tensor<2x2xi8>, tensor<ui8>, tensor<i8>) -> tensor<1x3x2xi32>
  %f = lmc_graph.cast %m : tensor<1x3x2xi32> to tensor<1x3x2xf32>
  %ws = lmc_graph.constant {value = dense<[0.1, 0.2]> : tensor<2xf32>} : tensor<2xf32>
  %s = lmc_graph.mul %ys, %ws : (tensor<f32>, tensor<2xf32>) -> tensor<2xf32>
  %r = lmc_graph.mul %s, %f : (tensor<2xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  return %r : tensor<1x3x2xf32>
}

// -----

// Left alone: a MatMulInteger whose scale is not the activations' own.
// CHECK-LABEL: func @dynamic_other_scale
// CHECK: lmc_graph.dynamic_quantize
// CHECK: lmc_graph.matmul_integer
// CHECK-NOT: qmatmul
func.func @dynamic_other_scale(%x: tensor<3x2xf32>, %other: tensor<f32>) -> tensor<3x2xf32> {
  %y, %ys, %yzp = lmc_graph.dynamic_quantize %x : (tensor<3x2xf32>) -> (tensor<3x2xui8>, tensor<f32>, tensor<ui8>)
  %w = lmc_graph.constant {value = dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>} : tensor<2x2xi8>
  %wz = lmc_graph.constant {value = dense<0> : tensor<i8>} : tensor<i8>
  %m = lmc_graph.matmul_integer %y, %w, %yzp, %wz : (tensor<3x2xui8>, tensor<2x2xi8>, tensor<ui8>, tensor<i8>) -> tensor<3x2xi32>
  %f = lmc_graph.cast %m : tensor<3x2xi32> to tensor<3x2xf32>
  %ws = lmc_graph.constant {value = dense<0.1> : tensor<f32>} : tensor<f32>
  %s = lmc_graph.mul %other, %ws : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %r = lmc_graph.mul %f, %s : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}
