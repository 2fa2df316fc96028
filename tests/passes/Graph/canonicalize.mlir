// RUN: lmc-opt %s -split-input-file -canonicalize | FileCheck %s
// Folding of lmc_graph ops on constants (what the importer relies on to fold
// shape subgraphs) and of trivial identities.

// A torch-style shape computation folds to one constant.
// CHECK-LABEL: func @shape_chain
// CHECK-NEXT: %[[C:.*]] = lmc_graph.constant {value = dense<[1, 16, 4, 16]> : tensor<4xi64>}
// CHECK-NEXT: return %[[C]]
func.func @shape_chain() -> tensor<4xi64> {
  %shape = lmc_graph.constant {value = dense<[1, 16, 64]> : tensor<3xi64>} : tensor<3xi64>
  %idx = lmc_graph.constant {value = dense<[0, 1]> : tensor<2xi64>} : tensor<2xi64>
  %bt = lmc_graph.gather %shape, %idx {axis = 0 : i64} : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  %heads = lmc_graph.constant {value = dense<[4, 16]> : tensor<2xi64>} : tensor<2xi64>
  %r = lmc_graph.concat %bt, %heads {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  return %r : tensor<4xi64>
}

// -----

// CHECK-LABEL: func @arith
// CHECK: dense<[2.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK: dense<[true, false]> : tensor<2xi1>
// CHECK: dense<[3, -3]> : tensor<2xi64>
func.func @arith() -> (tensor<2xf32>, tensor<2xi1>, tensor<2xi64>) {
  %a = lmc_graph.constant {value = dense<[4.0, 0.25]> : tensor<2xf32>} : tensor<2xf32>
  %s = lmc_graph.sqrt %a : tensor<2xf32>
  %b = lmc_graph.constant {value = dense<[1, 0]> : tensor<2xi64>} : tensor<2xi64>
  %z = lmc_graph.constant {value = dense<0> : tensor<i64>} : tensor<i64>
  %c = lmc_graph.greater %b, %z : (tensor<2xi64>, tensor<i64>) -> tensor<2xi1>
  %n = lmc_graph.constant {value = dense<[7, -7]> : tensor<2xi64>} : tensor<2xi64>
  %two = lmc_graph.constant {value = dense<2> : tensor<i64>} : tensor<i64>
  %d = lmc_graph.div %n, %two : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
  return %s, %c, %d : tensor<2xf32>, tensor<2xi1>, tensor<2xi64>
}

// -----

// Integer division by zero is left for run time to report.
// CHECK-LABEL: func @div_by_zero
// CHECK: lmc_graph.div
func.func @div_by_zero() -> tensor<i64> {
  %a = lmc_graph.constant {value = dense<1> : tensor<i64>} : tensor<i64>
  %z = lmc_graph.constant {value = dense<0> : tensor<i64>} : tensor<i64>
  %d = lmc_graph.div %a, %z : (tensor<i64>, tensor<i64>) -> tensor<i64>
  return %d : tensor<i64>
}

// -----

// A causal mask from trilu of ones folds; so do transpose, slice, reduce.
// CHECK-LABEL: func @mask_and_movement
// CHECK-DAG: dense<{{\[\[}}1.000000e+00, 0.000000e+00], [1.000000e+00, 1.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: dense<{{\[\[}}1, 3], [2, 4]]> : tensor<2x2xi64>
// CHECK-DAG: dense<[3, 4]> : tensor<2xi64>
// CHECK-DAG: dense<[4, 6]> : tensor<2xi64>
// CHECK-NOT: lmc_graph.trilu
// CHECK-NOT: lmc_graph.transpose
func.func @mask_and_movement() -> (tensor<2x2xf32>, tensor<2x2xi64>, tensor<2xi64>, tensor<2xi64>) {
  %ones = lmc_graph.constant {value = dense<1.0> : tensor<2x2xf32>} : tensor<2x2xf32>
  %m = lmc_graph.trilu %ones {k = 0 : i64, upper = false} : tensor<2x2xf32>
  %x = lmc_graph.constant {value = dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>} : tensor<2x2xi64>
  %t = lmc_graph.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x2xi64>) -> tensor<2x2xi64>
  %s = lmc_graph.slice %x {starts = array<i64: 1, 0>, steps = array<i64: 1, 1>} : (tensor<2x2xi64>) -> tensor<1x2xi64>
  %r = lmc_graph.reshape %s : tensor<1x2xi64> to tensor<2xi64>
  %sum = lmc_graph.reduce_sum %x {axes = array<i64: 0>, keepdims = false} : (tensor<2x2xi64>) -> tensor<2xi64>
  return %m, %t, %r, %sum : tensor<2x2xf32>, tensor<2x2xi64>, tensor<2xi64>, tensor<2xi64>
}

// -----

// Identities vanish on run-time values.
// CHECK-LABEL: func @identities
// CHECK-NEXT: return %arg0
func.func @identities(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = lmc_graph.transpose %x {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = lmc_graph.reshape %a : tensor<2x3xf32> to tensor<6xf32>
  %c = lmc_graph.reshape %b : tensor<6xf32> to tensor<2x3xf32>
  %d = lmc_graph.expand %c : tensor<2x3xf32> to tensor<2x3xf32>
  %e = lmc_graph.cast %d : tensor<2x3xf32> to tensor<2x3xf32>
  %f = lmc_graph.slice %e {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %f : tensor<2x3xf32>
}

// -----

// round is half to even; a float-to-integer cast truncates and saturates
// (as the runtime's cast does), so 300.7 -> 255 and -5.9 -> 0 in ui8,
// -200 -> -128 in i8.
// CHECK-LABEL: func @round_and_saturate
// CHECK-DAG: dense<[2.000000e+00, 2.000000e+00, -0.000000e+00, -4.000000e+00]> : tensor<4xf32>
// CHECK-DAG: dense<[255, 0, 3]> : tensor<3xui8>
// CHECK-DAG: dense<[-128, 127, -3]> : tensor<3xi8>
func.func @round_and_saturate() -> (tensor<4xf32>, tensor<3xui8>, tensor<3xi8>) {
  %a = lmc_graph.constant {value = dense<[1.5, 2.5, -0.5, -3.7]> : tensor<4xf32>} : tensor<4xf32>
  %r = lmc_graph.round %a : tensor<4xf32>
  %b = lmc_graph.constant {value = dense<[300.7, -5.9, 3.9]> : tensor<3xf32>} : tensor<3xf32>
  %u = lmc_graph.cast %b : tensor<3xf32> to tensor<3xui8>
  %c = lmc_graph.constant {value = dense<[-200.0, 1.0e10, -3.9]> : tensor<3xf32>} : tensor<3xf32>
  %i = lmc_graph.cast %c : tensor<3xf32> to tensor<3xi8>
  return %r, %u, %i : tensor<4xf32>, tensor<3xui8>, tensor<3xi8>
}

// -----

// A scatter of constants folds (ONNX's example: rows 1, 0, 2 then 0, 2, 1);
// one of a run-time value stays.
// CHECK-LABEL: func @scatter
// CHECK: %[[C:.*]] = lmc_graph.constant {value = dense<{{\[}}[2.000000e+00, 1.100000e+00, 0.000000e+00], [1.000000e+00, 0.000000e+00, 2.200000e+00], [0.000000e+00, 2.100000e+00, 1.200000e+00]]> : tensor<3x3xf32>}
// CHECK: %[[S:.*]] = lmc_graph.scatter_elements %arg0
// CHECK: return %[[C]], %[[S]]
func.func @scatter(%x: tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>) {
  %d = lmc_graph.constant {value = dense<0.0> : tensor<3x3xf32>} : tensor<3x3xf32>
  %i = lmc_graph.constant {value = dense<[[1, 0, 2], [0, 2, 1]]> : tensor<2x3xi64>} : tensor<2x3xi64>
  %u = lmc_graph.constant {value = dense<[[1.0, 1.1, 1.2], [2.0, 2.1, 2.2]]> : tensor<2x3xf32>} : tensor<2x3xf32>
  %a = lmc_graph.scatter_elements %d, %i, %u {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  %b = lmc_graph.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %a, %b : tensor<3x3xf32>, tensor<3x3xf32>
}
