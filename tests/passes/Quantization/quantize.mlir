// RUN: lmc-opt %s -split-input-file -lmc-quantize=scheme=int8 | FileCheck %s --check-prefix=INT8
// RUN: lmc-opt %s -split-input-file -lmc-quantize="scheme=int4 group=8" | FileCheck %s --check-prefix=INT4
// RUN: lmc-opt %s -split-input-file -lmc-quantize=scheme=ternary | FileCheck %s --check-prefix=TERN
// RUN: lmc-opt %s -split-input-file -lmc-quantize="scheme=int4 overrides=/lm*=int8,/lm_head/x=none" | FileCheck %s --check-prefix=OVER
// RUN: not lmc-opt %s -lmc-quantize=scheme=int5 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not lmc-opt %s -lmc-quantize="scheme=int4 group=12" 2>&1 | FileCheck %s --check-prefix=BADGROUP

// int8, per output channel: column 0 has amax 4, so scale 4/127 and
// q = nearbyint(w * 127/4) = 31.75 -> 32, -63.5 -> -64 (half to even),
// 15.875 -> 16, 127; the all-zero column gets scale 0.
// INT8-LABEL: func @main
// INT8: %[[Q:.*]] = lmc_graph.constant {value = dense<{{\[}}[32, 0], [-64, 0], [16, 0], [127, 0]]> : tensor<4x2xi8>}
// INT8: %[[S:.*]] = lmc_graph.constant {value = dense<{{\[}}[0.0314960629, 0.000000e+00]]> : tensor<1x2xf32>}
// INT8: lmc_graph.qmatmul %arg0, %[[Q]], %[[S]] {group = 4 : i64}
// INT8-NOT: tensor<4x2xf32>
// int4 on K = 4 < group 8: one group of 4 rows, amax 4, scale 4/7:
// q = nearbyint(w * 7/4) = 1.75 -> 2, -3.5 -> -4, 0.875 -> 1, 7.
// INT4-LABEL: func @main
// INT4: dense<{{\[}}[2, 0], [-4, 0], [1, 0], [7, 0]]> : tensor<4x2xi4>
// INT4: dense<{{\[}}[0.571428597, 0.000000e+00]]> : tensor<1x2xf32>
// INT4: lmc_graph.qmatmul {{.*}} {group = 4 : i64}
// ternary, per tensor: mean |w| = 7.5 / 8 = 0.9375; w / 0.9375 rounds to
// 1.07 -> 1, -2.13 -> -1 (clamped), 0.53 -> 1, 4.27 -> 1; zeros stay 0.
// TERN-LABEL: func @main
// TERN: dense<{{\[}}[1, 0], [-1, 0], [1, 0], [1, 0]]> : tensor<4x2xi2>
// TERN: dense<9.375000e-01> : tensor<1x2xf32>
func.func @main(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = lmc_graph.constant {value = dense<[[1.0, 0.0], [-2.0, 0.0], [0.5, 0.0], [4.0, 0.0]]> : tensor<4x2xf32>} : tensor<4x2xf32>
  %y = lmc_graph.matmul %x, %w : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Group-wise int4 over K = 16 with group 8: two groups per column, each
// with its own scale (8/7 for rows 0-7, 1/7 for rows 8-15).
// INT4-LABEL: func @groups
// INT4: tensor<16x1xi4>
// INT4: dense<{{\[}}[1.14285719], [0.142857149]]> : tensor<2x1xf32>
// INT4: {group = 8 : i64}
func.func @groups(%x: tensor<1x16xf32>) -> tensor<1x1xf32> {
  %w = lmc_graph.constant {value = dense<[[8.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [1.0], [0.5], [0.25], [0.0], [0.0], [0.0], [0.0], [-1.0]]> : tensor<16x1xf32>} : tensor<16x1xf32>
  %y = lmc_graph.matmul %x, %w : (tensor<1x16xf32>, tensor<16x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// A tied embedding: the LM head reads the table transposed, the gather reads
// it as it is. The head is quantized from the transposed view; the f32 table
// stays for the gather. The override keeps "/lm_head/MatMul" at int8 (the
// later "/lm_head/x=none" matches nothing); a run-time B is left alone.
// OVER-LABEL: func @tied
// OVER: lmc_graph.constant {{.*}} : tensor<2x3xi8>
// OVER: lmc_graph.gather
// OVER: lmc_graph.qmatmul {{.*}} {group = 2 : i64}
// OVER: lmc_graph.matmul
// INT8-LABEL: func @tied
// INT8: %[[T:.*]] = lmc_graph.constant {value = dense<{{.*}}> : tensor<3x2xf32>}
// INT8: dense<{{\[}}[127, 64, 42], [-127, -127, -127]]> : tensor<2x3xi8>
// INT8: dense<{{\[}}[0.00787401571, 0.0314960629, 0.0708661452]]> : tensor<1x3xf32>
// INT8: lmc_graph.gather %[[T]]
func.func @tied(%ids: tensor<1xi64>, %x: tensor<1x2xf32>, %r: tensor<2x2xf32>) -> (tensor<1x2xf32>, tensor<1x3xf32>, tensor<1x2xf32>) {
  %t = lmc_graph.constant {value = dense<[[1.0, -1.0], [2.0, -4.0], [3.0, -9.0]]> : tensor<3x2xf32>} : tensor<3x2xf32>
  %e = lmc_graph.gather %t, %ids {axis = 0 : i64} : (tensor<3x2xf32>, tensor<1xi64>) -> tensor<1x2xf32>
  %tt = lmc_graph.transpose %t {perm = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
  %h = lmc_graph.matmul %x, %tt : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x3xf32> loc("/lm_head/MatMul")
  %m = lmc_graph.matmul %x, %r : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %e, %h, %m : tensor<1x2xf32>, tensor<1x3xf32>, tensor<1x2xf32>
}

// -----

// --no-weights: an absent f32 weight becomes absent quantized weights and
// absent scales of the right types (and so the right byte counts).
// INT4-LABEL: func @absent
// INT4: %[[W:.*]] = lmc_graph.weight {name = "w"} : tensor<64x32xi4>
// INT4: %[[S:.*]] = lmc_graph.weight {name = "w.scales"} : tensor<8x32xf32>
// INT4: lmc_graph.qmatmul %arg0, %[[W]], %[[S]] {group = 8 : i64}
func.func @absent(%x: tensor<2x64xf32>) -> tensor<2x32xf32> {
  %w = lmc_graph.weight {name = "w"} : tensor<64x32xf32>
  %y = lmc_graph.matmul %x, %w : (tensor<2x64xf32>, tensor<64x32xf32>) -> tensor<2x32xf32>
  return %y : tensor<2x32xf32>
}

// BAD: scheme 'int5' is not one of none, int8, int4, ternary
// BADGROUP: the int4 group size 12 is not a multiple of 8
