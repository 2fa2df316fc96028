// RUN: lmc-opt %s -split-input-file -lmc-cut-kv-attention | FileCheck %s

// One head of a decode step over an 8-position cache of 4-wide keys and
// values: scores = q x K^T (the positions become the columns), masked with
// -1e9, softmax, x V (a contraction over the positions). Every operand
// that spans the positions is marked with its axis; the mask and the
// broadcast fill are cut with the scores; the scatter that appends to the
// cache and the instructions after the contraction are left alone.
// CHECK-LABEL: func @main()
// CHECK: lmc_isa.inst "scatter"
// CHECK-NOT: lmc.kv_cut
// CHECK: lmc_isa.inst "matmul"(%[[S:.*]], %{{.*}}, %{{.*}}) {{.*}} {lmc.kv_cut = array<i64: 0, 1, 2, 1>}
// CHECK: lmc_isa.inst "where"{{.*}} {lmc.kv_cut = array<i64: 0, 1, 1, 1, 2, 1, 3, 1>}
// CHECK: lmc_isa.inst "softmax"{{.*}} {lmc.kv_cut = array<i64: 0, 1, 1, 1>}
// CHECK: lmc_isa.inst "matmul"{{.*}} {lmc.kv_cut = array<i64: 1, 1, 2, 0>}
// CHECK: lmc_isa.inst "relu"
// CHECK-NOT: lmc.kv_cut
module attributes {lmc.kv_cache = {max_context = 8 : i64, position_input = "position", tokens_input = "tokens", tokens_per_step = 1 : i64}} {
  func.func @main() {
    %k = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<8x4xf32>}
    %v = lmc_isa.state {name = "past.0.value", output = "present.0.value", type = tensor<8x4xf32>}
    %i = lmc_isa.io {index = 0 : i64, name = "position", type = tensor<1xi64>}
    %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<1x4xf32>}
    %fill = lmc_isa.const {value = dense<-1.000000e+09> : tensor<f32>}
    %mask = lmc_isa.alloc {bytes = 8 : i64, space = "dram"}
    %q = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
    %s = lmc_isa.alloc {bytes = 32 : i64, space = "dram"}
    %m = lmc_isa.alloc {bytes = 32 : i64, space = "dram"}
    %p = lmc_isa.alloc {bytes = 32 : i64, space = "dram"}
    %o = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
    lmc_isa.inst "scatter"(%k, %i, %q) regions [#lmc_isa.region<f32, [8, 4], [4, 1], 0>, #lmc_isa.region<i64, [1, 4], [0, 0], 0>, #lmc_isa.region<f32, [1, 4], [4, 1], 0>] imms [0]
    lmc_isa.inst "matmul"(%s, %q, %k) regions [#lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [1, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 8], [1, 4], 0>] imms []
    lmc_isa.inst "where"(%m, %mask, %fill, %s) regions [#lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<i1, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [1, 8], [0, 0], 0>, #lmc_isa.region<f32, [1, 8], [8, 1], 0>] imms []
    lmc_isa.inst "softmax"(%p, %m) regions [#lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [1, 8], [8, 1], 0>] imms [1]
    lmc_isa.inst "matmul"(%o, %p, %v) regions [#lmc_isa.region<f32, [1, 4], [4, 1], 0>, #lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [8, 4], [4, 1], 0>] imms []
    lmc_isa.inst "relu"(%y, %o) regions [#lmc_isa.region<f32, [1, 4], [4, 1], 0>, #lmc_isa.region<f32, [1, 4], [4, 1], 0>] imms []
    return
  }
}

// -----

// Without a mask the empty positions would take part in the softmax: no
// instruction is marked, and the function says why.
// CHECK-LABEL: func @main()
// CHECK-SAME: lmc.kv_cut_skipped = "no mask (a where filling positions with a constant <= -1e4) hides the cache's empty positions"
// CHECK-NOT: lmc.kv_cut =
module attributes {lmc.kv_cache = {max_context = 8 : i64, position_input = "position", tokens_input = "tokens", tokens_per_step = 1 : i64}} {
  func.func @main() {
    %k = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<8x4xf32>}
    %v = lmc_isa.state {name = "past.0.value", output = "present.0.value", type = tensor<8x4xf32>}
    %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<1x4xf32>}
    %q = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
    %s = lmc_isa.alloc {bytes = 32 : i64, space = "dram"}
    %p = lmc_isa.alloc {bytes = 32 : i64, space = "dram"}
    lmc_isa.inst "matmul"(%s, %q, %k) regions [#lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [1, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 8], [1, 4], 0>] imms []
    lmc_isa.inst "softmax"(%p, %s) regions [#lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [1, 8], [8, 1], 0>] imms [1]
    lmc_isa.inst "matmul"(%y, %p, %v) regions [#lmc_isa.region<f32, [1, 4], [4, 1], 0>, #lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [8, 4], [4, 1], 0>] imms []
    return
  }
}

// -----

// A cut buffer read by something the pass does not know (a copy of the
// scores) stops the marking: all or nothing.
// CHECK-LABEL: func @main()
// CHECK-SAME: lmc.kv_cut_skipped = "'copy' reads the cache positions"
// CHECK-NOT: lmc.kv_cut =
module attributes {lmc.kv_cache = {max_context = 8 : i64, position_input = "position", tokens_input = "tokens", tokens_per_step = 1 : i64}} {
  func.func @main() {
    %k = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<8x4xf32>}
    %q = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
    %s = lmc_isa.alloc {bytes = 32 : i64, space = "dram"}
    %c = lmc_isa.alloc {bytes = 32 : i64, space = "dram"}
    lmc_isa.inst "matmul"(%s, %q, %k) regions [#lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [1, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 8], [1, 4], 0>] imms []
    lmc_isa.inst "copy"(%c, %s) regions [#lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [1, 8], [8, 1], 0>] imms []
    return
  }
}
