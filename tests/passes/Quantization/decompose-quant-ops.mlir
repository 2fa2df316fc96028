// RUN: lmc-opt %s -split-input-file -lmc-decompose-quant-ops | FileCheck %s
// RUN: lmc-opt %s -split-input-file -lmc-decompose-quant-ops -canonicalize | FileCheck %s --check-prefix=FOLD

// quantize: saturate(round(x / s) + zp), the cast saturating.
// CHECK-LABEL: func @quantize
// CHECK: %[[D:.*]] = lmc_graph.div %arg0, %arg1 : (tensor<6xf32>, tensor<f32>) -> tensor<6xf32>
// CHECK: %[[R:.*]] = lmc_graph.round %[[D]] : tensor<6xf32>
// CHECK: %[[Z:.*]] = lmc_graph.cast %arg2 : tensor<ui8> to tensor<f32>
// CHECK: %[[A:.*]] = lmc_graph.add %[[R]], %[[Z]]
// CHECK: lmc_graph.cast %[[A]] : tensor<6xf32> to tensor<6xui8>
func.func @quantize(%x: tensor<6xf32>, %s: tensor<f32>, %z: tensor<ui8>) -> tensor<6xui8> {
  %q = lmc_graph.quantize %x, %s, %z {axis = 0 : i64} : (tensor<6xf32>, tensor<f32>, tensor<ui8>) -> tensor<6xui8>
  return %q : tensor<6xui8>
}

// -----

// On constants it folds: the ONNX test vector (scale 2, zero point 128):
// 3 / 2 = 1.5 rounds to 2 (even), 1000 and -1000 saturate.
// FOLD-LABEL: func @quantize_constant
// FOLD: dense<[128, 129, 130, 255, 1, 0]> : tensor<6xui8>
func.func @quantize_constant() -> tensor<6xui8> {
  %x = lmc_graph.constant {value = dense<[0.0, 2.0, 3.0, 1000.0, -254.0, -1000.0]> : tensor<6xf32>} : tensor<6xf32>
  %s = lmc_graph.constant {value = dense<2.0> : tensor<f32>} : tensor<f32>
  %z = lmc_graph.constant {value = dense<128> : tensor<ui8>} : tensor<ui8>
  %q = lmc_graph.quantize %x, %s, %z {axis = 0 : i64} : (tensor<6xf32>, tensor<f32>, tensor<ui8>) -> tensor<6xui8>
  return %q : tensor<6xui8>
}

// -----

// dequantize per axis 1 of a rank-3 tensor: the parameters [3] are reshaped
// to [3, 1] to broadcast along that axis; the difference is taken in i32.
// CHECK-LABEL: func @dequantize_axis
// CHECK-DAG: %[[X:.*]] = lmc_graph.cast %arg0 : tensor<2x3x4xi8> to tensor<2x3x4xi32>
// CHECK-DAG: %[[ZR:.*]] = lmc_graph.reshape %arg2 : tensor<3xi8> to tensor<3x1xi8>
// CHECK-DAG: %[[Z:.*]] = lmc_graph.cast %[[ZR]] : tensor<3x1xi8> to tensor<3x1xi32>
// CHECK: %[[D:.*]] = lmc_graph.sub %[[X]], %[[Z]] : (tensor<2x3x4xi32>, tensor<3x1xi32>) -> tensor<2x3x4xi32>
// CHECK: %[[F:.*]] = lmc_graph.cast %[[D]] : tensor<2x3x4xi32> to tensor<2x3x4xf32>
// CHECK: %[[S:.*]] = lmc_graph.reshape %arg1 : tensor<3xf32> to tensor<3x1xf32>
// CHECK: lmc_graph.mul %[[F]], %[[S]] : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
func.func @dequantize_axis(%x: tensor<2x3x4xi8>, %s: tensor<3xf32>, %z: tensor<3xi8>) -> tensor<2x3x4xf32> {
  %d = lmc_graph.dequantize %x, %s, %z {axis = 1 : i64} : (tensor<2x3x4xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3x4xf32>
  return %d : tensor<2x3x4xf32>
}

// -----

// dynamic_quantize: the range of the whole tensor widened to include 0,
// scale (hi - lo) / 255, zero point round(-(lo / scale)) saturated.
// CHECK-LABEL: func @dynamic
// CHECK: %[[MIN:.*]] = lmc_graph.reduce_min %arg0 {axes = array<i64: 0, 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<f32>
// CHECK: %[[LO:.*]] = lmc_graph.min %[[MIN]]
// CHECK: %[[MAX:.*]] = lmc_graph.reduce_max %arg0
// CHECK: %[[HI:.*]] = lmc_graph.max %[[MAX]]
// CHECK: %[[RANGE:.*]] = lmc_graph.sub %[[HI]], %[[LO]]
// CHECK: %[[S:.*]] = lmc_graph.div %[[RANGE]], %{{.*}} : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK: %[[Q:.*]] = lmc_graph.div %[[LO]], %[[S]]
// CHECK: %[[N:.*]] = lmc_graph.neg %[[Q]] : tensor<f32>
// CHECK: %[[R:.*]] = lmc_graph.round %[[N]] : tensor<f32>
// CHECK: %[[ZP:.*]] = lmc_graph.cast %[[R]] : tensor<f32> to tensor<ui8>
// CHECK: lmc_graph.div %arg0, %[[S]]
// CHECK: %[[Y:.*]] = lmc_graph.cast %{{.*}} : tensor<2x3xf32> to tensor<2x3xui8>
// CHECK: return %[[Y]], %[[S]], %[[ZP]]
func.func @dynamic(%x: tensor<2x3xf32>) -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>) {
  %y, %s, %z = lmc_graph.dynamic_quantize %x : (tensor<2x3xf32>) -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>)
  return %y, %s, %z : tensor<2x3xui8>, tensor<f32>, tensor<ui8>
}

// -----

// The ONNX test vector: range [-3, 2] -> scale 5 / 255, zero point 153.
// FOLD-LABEL: func @dynamic_constant
// FOLD-DAG: dense<[153, 255, 0, 26, 221, 179]> : tensor<6xui8>
// FOLD-DAG: dense<0.0196078438> : tensor<f32>
// FOLD-DAG: dense<153> : tensor<ui8>
func.func @dynamic_constant() -> (tensor<6xui8>, tensor<f32>, tensor<ui8>) {
  %x = lmc_graph.constant {value = dense<[0.0, 2.0, -3.0, -2.5, 1.34, 0.5]> : tensor<6xf32>} : tensor<6xf32>
  %y, %s, %z = lmc_graph.dynamic_quantize %x : (tensor<6xf32>) -> (tensor<6xui8>, tensor<f32>, tensor<ui8>)
  return %y, %s, %z : tensor<6xui8>, tensor<f32>, tensor<ui8>
}

// -----

// matmul_integer: (a - za) @ (b - zb) as an i32 matmul.
// CHECK-LABEL: func @matmul_integer
// CHECK-DAG: %[[A:.*]] = lmc_graph.cast %arg0 : tensor<4x3xui8> to tensor<4x3xi32>
// CHECK-DAG: %[[ZA:.*]] = lmc_graph.cast %arg2 : tensor<4x1xui8> to tensor<4x1xi32>
// CHECK: %[[SA:.*]] = lmc_graph.sub %[[A]], %[[ZA]] : (tensor<4x3xi32>, tensor<4x1xi32>) -> tensor<4x3xi32>
// CHECK: %[[SB:.*]] = lmc_graph.sub %{{.*}}, %{{.*}} : (tensor<3x2xi32>, tensor<2xi32>) -> tensor<3x2xi32>
// CHECK: lmc_graph.matmul %[[SA]], %[[SB]] : (tensor<4x3xi32>, tensor<3x2xi32>) -> tensor<4x2xi32>
func.func @matmul_integer(%a: tensor<4x3xui8>, %b: tensor<3x2xi8>, %za: tensor<4x1xui8>, %zb: tensor<2xi8>) -> tensor<4x2xi32> {
  %m = lmc_graph.matmul_integer %a, %b, %za, %zb : (tensor<4x3xui8>, tensor<3x2xi8>, tensor<4x1xui8>, tensor<2xi8>) -> tensor<4x2xi32>
  return %m : tensor<4x2xi32>
}
