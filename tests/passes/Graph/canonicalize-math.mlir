// RUN: lmc-opt %s -split-input-file -canonicalize | FileCheck %s
// Folding of lmc_graph.math (runtime/format/MathFn.h, the kernel's own
// definition) and reduce_prod on constants.

// ceil(floor(x)) + sign(x) for x = -1.5, 0.25, 2.5; sign of integers.
// CHECK-LABEL: func @math
// CHECK-DAG: lmc_graph.constant {value = dense<[-3.000000e+00, 1.000000e+00, 3.000000e+00]> : tensor<3xf32>}
// CHECK-DAG: lmc_graph.constant {value = dense<[-1, 0, 1]> : tensor<3xi64>}
// CHECK-NOT: lmc_graph.math
func.func @math() -> (tensor<3xf32>, tensor<3xi64>) {
  %x = lmc_graph.constant {value = dense<[-1.5, 0.25, 2.5]> : tensor<3xf32>} : tensor<3xf32>
  %f = lmc_graph.math %x {fn = "floor"} : tensor<3xf32>
  %c = lmc_graph.math %f {fn = "ceil"} : tensor<3xf32>
  %s = lmc_graph.math %x {fn = "sign"} : tensor<3xf32>
  %add = lmc_graph.add %c, %s : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %i = lmc_graph.constant {value = dense<[-7, 0, 9]> : tensor<3xi64>} : tensor<3xi64>
  %si = lmc_graph.math %i {fn = "sign"} : tensor<3xi64>
  return %add, %si : tensor<3xf32>, tensor<3xi64>
}

// -----

// CHECK-LABEL: func @prod
// CHECK-NEXT: %[[C:.*]] = lmc_graph.constant {value = dense<[6, -120]> : tensor<2xi64>}
// CHECK-NEXT: return %[[C]]
func.func @prod() -> tensor<2xi64> {
  %x = lmc_graph.constant {value = dense<[[1, 2, 3], [4, -5, 6]]> : tensor<2x3xi64>} : tensor<2x3xi64>
  %p = lmc_graph.reduce_prod %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xi64>) -> tensor<2xi64>
  return %p : tensor<2xi64>
}
