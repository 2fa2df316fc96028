// RUN: lmc-opt %s -split-input-file -lmc-lower-graph-to-isa | FileCheck %s

// Arguments become inputs; a value returned once is computed straight into
// its output buffer; broadcasting is a zero stride.
// CHECK-LABEL: func @main()
// CHECK-DAG: %[[X:.*]] = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<2x3xf32>}
// CHECK-DAG: %[[Y:.*]] = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<2x3xf32>}
// CHECK-DAG: %[[C:.*]] = lmc_isa.const {value = dense<1.000000e+00> : tensor<3xf32>}
// CHECK: %[[T:.*]] = lmc_isa.alloc {bytes = 24 : i64, space = "dram"}
// CHECK: lmc_isa.inst "add"(%[[T]], %[[X]], %[[C]]) regions [#lmc_isa.region<f32, [2, 3], [3, 1], 0>, #lmc_isa.region<f32, [2, 3], [3, 1], 0>, #lmc_isa.region<f32, [2, 3], [0, 1], 0>] imms []
// CHECK: lmc_isa.inst "relu"(%[[Y]], %[[T]])
// CHECK-NEXT: return
func.func @main(%x: tensor<2x3xf32> {lmc.name = "x"}) -> (tensor<2x3xf32> {lmc.name = "y"}) {
  %c = lmc_graph.constant {value = dense<1.0> : tensor<3xf32>} : tensor<3xf32>
  %a = lmc_graph.add %x, %c : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %r = lmc_graph.relu %a : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// Transposes, slices and reshapes of contiguous data are regions, not copies;
// the returned view is copied into the output.
// CHECK-LABEL: func @main()
// CHECK-NOT: lmc_isa.alloc
// CHECK: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %{{.*}}) regions [#lmc_isa.region<f32, [2, 4, 4], [16, 4, 1], 0>, #lmc_isa.region<f32, [2, 4, 3], [3, 6, 1], 0>, #lmc_isa.region<f32, [2, 3, 4], [3, 1, 6], 0>] imms []
// CHECK-NOT: lmc_isa.inst
// CHECK: return
func.func @main(%x: tensor<4x6xf32> {lmc.name = "x"}) -> (tensor<2x4x4xf32> {lmc.name = "y"}) {
  %r = lmc_graph.reshape %x : tensor<4x6xf32> to tensor<4x2x3xf32>
  %q = lmc_graph.transpose %r {perm = array<i64: 1, 0, 2>} : (tensor<4x2x3xf32>) -> tensor<2x4x3xf32>
  %k = lmc_graph.transpose %r {perm = array<i64: 1, 2, 0>} : (tensor<4x2x3xf32>) -> tensor<2x3x4xf32>
  %s = lmc_graph.matmul %q, %k : (tensor<2x4x3xf32>, tensor<2x3x4xf32>) -> tensor<2x4x4xf32>
  return %s : tensor<2x4x4xf32>
}

// -----

// A reshape of a non-contiguous view is copied first; a returned view is
// copied into its output; reductions see the keepdims shape.
// CHECK-LABEL: func @main()
// CHECK: %[[T:.*]] = lmc_isa.alloc {bytes = 24 : i64, space = "dram"}
// CHECK: lmc_isa.inst "copy"(%[[T]], %{{.*}}) regions [#lmc_isa.region<f32, [3, 2], [2, 1], 0>, #lmc_isa.region<f32, [3, 2], [1, 3], 0>]
// CHECK: lmc_isa.inst "reduce_sum"(%{{.*}}, %[[T]]) regions [#lmc_isa.region<f32, [1], [1], 0>, #lmc_isa.region<f32, [6], [1], 0>]
// CHECK: lmc_isa.inst "copy"(%{{.*}}, %[[T]]) regions [#lmc_isa.region<f32, [6], [1], 0>, #lmc_isa.region<f32, [6], [1], 0>]
func.func @main(%x: tensor<2x3xf32>) -> (tensor<f32>, tensor<6xf32>) {
  %t = lmc_graph.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %f = lmc_graph.reshape %t : tensor<3x2xf32> to tensor<6xf32>
  %s = lmc_graph.reduce_sum %f {axes = array<i64: 0>, keepdims = false} : (tensor<6xf32>) -> tensor<f32>
  return %s, %f : tensor<f32>, tensor<6xf32>
}

// -----

// qmatmul -> matmul_q: the i8 weights (K = 4, N = 2) are packed into one
// 16-column panel of 4 rows (64 bytes, FORMAT.md "Quantized B"): column 0's
// four rows are bytes 0-3 holding q + 128 (32, -64, 16, 127 -> 160, 64, 144,
// 255), every other byte is a zero weight (128). The unpacked i8 constant is
// not emitted; absent int4 weights keep their packed size (64 rows * 2
// panels * 8 bytes = 1024).
// CHECK-LABEL: func @main()
// CHECK-NOT: xi8>
// CHECK: %[[S:.*]] = lmc_isa.const {value = dense<{{\[}}[0.0314960629, 0.000000e+00]]> : tensor<1x2xf32>}
// CHECK: %[[P:.*]] = lmc_isa.const {value = dense<[160, 64, 144, 255, 128, 128, {{.*}}]> : tensor<64xui8>}
// CHECK: lmc_isa.inst "matmul_q"(%{{.*}}, %{{.*}}, %[[P]], %[[S]]) regions [#lmc_isa.region<f32, [3, 2], [2, 1], 0>, #lmc_isa.region<f32, [3, 4], [4, 1], 0>, #lmc_isa.region<ui8, [64], [1], 0>, #lmc_isa.region<f32, [1, 2], [2, 1], 0>] imms [1, 4]
// CHECK: lmc_isa.weight {name = "w", type = tensor<1024xui8>}
// CHECK: lmc_isa.inst "matmul_q"({{.*}}) regions [{{.*}}, #lmc_isa.region<ui8, [1024], [1], 0>, #lmc_isa.region<f32, [2, 32], [32, 1], 0>] imms [2, 32]
func.func @main(%x: tensor<3x4xf32>, %x2: tensor<1x64xf32>) -> (tensor<3x2xf32>, tensor<1x32xf32>) {
  %q = lmc_graph.constant {value = dense<[[32, 0], [-64, 0], [16, 0], [127, 0]]> : tensor<4x2xi8>} : tensor<4x2xi8>
  %s = lmc_graph.constant {value = dense<[[0.0314960629, 0.0]]> : tensor<1x2xf32>} : tensor<1x2xf32>
  %y = lmc_graph.qmatmul %x, %q, %s {group = 4 : i64} : (tensor<3x4xf32>, tensor<4x2xi8>, tensor<1x2xf32>) -> tensor<3x2xf32>
  %w = lmc_graph.weight {name = "w"} : tensor<64x32xi4>
  %ws = lmc_graph.weight {name = "w.scales"} : tensor<2x32xf32>
  %y2 = lmc_graph.qmatmul %x2, %w, %ws {group = 32 : i64} : (tensor<1x64xf32>, tensor<64x32xi4>, tensor<2x32xf32>) -> tensor<1x32xf32>
  return %y, %y2 : tensor<3x2xf32>, tensor<1x32xf32>
}

// -----

// round is a unary instruction; an i32 matmul (from matmul_integer) is a
// matmul on i32 regions.
// CHECK-LABEL: func @main()
// CHECK: lmc_isa.inst "round"(%{{.*}}, %{{.*}}) regions [#lmc_isa.region<f32, [2, 2], [2, 1], 0>, #lmc_isa.region<f32, [2, 2], [2, 1], 0>]
// CHECK: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %{{.*}}) regions [#lmc_isa.region<i32, [2, 2], [2, 1], 0>, #lmc_isa.region<i32, [2, 2], [2, 1], 0>, #lmc_isa.region<i32, [2, 2], [2, 1], 0>]
func.func @main(%x: tensor<2x2xf32>, %a: tensor<2x2xi32>) -> (tensor<2x2xf32>, tensor<2x2xi32>) {
  %r = lmc_graph.round %x : tensor<2x2xf32>
  %m = lmc_graph.matmul %a, %a : (tensor<2x2xi32>, tensor<2x2xi32>) -> tensor<2x2xi32>
  return %r, %m : tensor<2x2xf32>, tensor<2x2xi32>
}

// -----

// ScatterElements: the result is a copy of the data, then the scatter
// writes the updates into it in place.
// CHECK-LABEL: func @main()
// CHECK-DAG: %[[D:.*]] = lmc_isa.io {index = 0 : i64, name = "d", type = tensor<4x3xf32>}
// CHECK-DAG: %[[I:.*]] = lmc_isa.io {index = 1 : i64, name = "i", type = tensor<2x3xi64>}
// CHECK-DAG: %[[U:.*]] = lmc_isa.io {index = 2 : i64, name = "u", type = tensor<2x3xf32>}
// CHECK-DAG: %[[Y:.*]] = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<4x3xf32>}
// CHECK: lmc_isa.inst "copy"(%[[Y]], %[[D]])
// CHECK: lmc_isa.inst "scatter"(%[[Y]], %[[I]], %[[U]]) regions [#lmc_isa.region<f32, [4, 3], [3, 1], 0>, #lmc_isa.region<i64, [2, 3], [3, 1], 0>, #lmc_isa.region<f32, [2, 3], [3, 1], 0>] imms [0]
// CHECK-NEXT: return
func.func @main(%d: tensor<4x3xf32> {lmc.name = "d"}, %i: tensor<2x3xi64> {lmc.name = "i"},
                %u: tensor<2x3xf32> {lmc.name = "u"}) -> (tensor<4x3xf32> {lmc.name = "y"}) {
  %s = lmc_graph.scatter_elements %d, %i, %u {axis = 0 : i64} : (tensor<4x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %s : tensor<4x3xf32>
}

// -----

// A KV cache updated in place (lmc-bind-kv-cache's pairing): the pair is one
// State buffer, outside the IO signature (the other inputs are renumbered);
// the scatter writes only the new rows into it, with no copy, and readers
// of the present read the State buffer.
// CHECK-LABEL: func @main()
// CHECK-DAG: %[[T:.*]] = lmc_isa.io {index = 0 : i64, name = "k", type = tensor<1x2x1x4xf32>}
// CHECK-DAG: %[[S:.*]] = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<1x2x8x4xf32>}
// CHECK-DAG: %[[P:.*]] = lmc_isa.io {index = 1 : i64, name = "pos", type = tensor<1x2x1x4xi64>}
// CHECK-DAG: %[[Y:.*]] = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<1x2x1x8xf32>}
// CHECK-NOT: "copy"
// CHECK: lmc_isa.inst "scatter"(%[[S]], %[[P]], %[[T]]) regions [#lmc_isa.region<f32, [1, 2, 8, 4], [64, 32, 4, 1], 0>
// CHECK: lmc_isa.inst "matmul"(%[[Y]], %[[T]], %[[S]]) regions [#lmc_isa.region<f32, [1, 2, 1, 8], [16, 8, 8, 1], 0>, #lmc_isa.region<f32, [1, 2, 1, 4], [8, 4, 4, 1], 0>, #lmc_isa.region<f32, [1, 2, 4, 8], [64, 32, 1, 4], 0>]
// CHECK-NEXT: return
func.func @main(%k: tensor<1x2x1x4xf32> {lmc.name = "k"},
                %past: tensor<1x2x8x4xf32> {lmc.name = "past.0.key", lmc.state = "present.0.key"},
                %pos: tensor<1x2x1x4xi64> {lmc.name = "pos"})
    -> (tensor<1x2x1x8xf32> {lmc.name = "y"},
        tensor<1x2x8x4xf32> {lmc.name = "present.0.key", lmc.state = "past.0.key", lmc.state_update = "in_place"}) {
  %present = lmc_graph.scatter_elements %past, %pos, %k {axis = 2 : i64} : (tensor<1x2x8x4xf32>, tensor<1x2x1x4xi64>, tensor<1x2x1x4xf32>) -> tensor<1x2x8x4xf32>
  %kt = lmc_graph.transpose %present {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x4xf32>) -> tensor<1x2x4x8xf32>
  %s = lmc_graph.matmul %k, %kt : (tensor<1x2x1x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x1x8xf32>
  return %s, %present : tensor<1x2x1x8xf32>, tensor<1x2x8x4xf32>
}

// -----

// A present that is not an in-place update is computed into a working
// buffer and copied into the State buffer at the end, after every reader
// of the past; one computed as a view of the State buffer itself goes
// through a temporary, so that the copy never reads bytes it writes.
// CHECK-LABEL: func @main()
// CHECK-DAG: %[[A:.*]] = lmc_isa.state {name = "past.a", output = "present.a", type = tensor<2x4xf32>}
// CHECK-DAG: %[[B:.*]] = lmc_isa.state {name = "past.b", output = "present.b", type = tensor<4x4xf32>}
// CHECK: lmc_isa.inst "neg"(%[[N:.*]], %[[A]])
// CHECK: lmc_isa.inst "copy"(%[[A]], %[[N]])
// CHECK: lmc_isa.inst "copy"(%[[TMP:.*]], %[[B]]) regions [#lmc_isa.region<f32, [4, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 4], [1, 4], 0>]
// CHECK: lmc_isa.inst "copy"(%[[B]], %[[TMP]])
// CHECK-NEXT: return
func.func @main(%a: tensor<2x4xf32> {lmc.name = "past.a", lmc.state = "present.a"},
                %b: tensor<4x4xf32> {lmc.name = "past.b", lmc.state = "present.b"})
    -> (tensor<2x4xf32> {lmc.name = "present.a", lmc.state = "past.a", lmc.state_update = "copy"},
        tensor<4x4xf32> {lmc.name = "present.b", lmc.state = "past.b", lmc.state_update = "copy"}) {
  %n = lmc_graph.neg %a : tensor<2x4xf32>
  %t = lmc_graph.transpose %b {perm = array<i64: 1, 0>} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %n, %t : tensor<2x4xf32>, tensor<4x4xf32>
}

// -----

// A concat instruction takes at most 64 inputs (F11): a Concat of 66 (an
// unrolled recurrence's time steps) is two, each writing its run of the
// output along the axis (here the inner one: strided regions).
// CHECK-LABEL: func @main()
// CHECK: %[[Y:.*]] = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<2x66xf32>}
// CHECK: lmc_isa.inst "concat"(%[[Y]], %{{.*}}) regions [#lmc_isa.region<f32, [2, 64], [66, 1], 0>, {{.*}}] imms [1]
// CHECK: lmc_isa.inst "concat"(%[[Y]], %{{[^,]*}}, %{{[^,]*}}) regions [#lmc_isa.region<f32, [2, 2], [66, 1], 64>, #lmc_isa.region<f32, [2, 1], [1, 1], 0>, #lmc_isa.region<f32, [2, 1], [1, 1], 0>] imms [1]
// CHECK-NEXT: return
func.func @main(%x: tensor<2x1xf32> {lmc.name = "x"}) -> (tensor<2x66xf32> {lmc.name = "y"}) {
  %y = lmc_graph.concat %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x, %x {axis = 1 : i64} : (tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x66xf32>
  return %y : tensor<2x66xf32>
}

// -----

// A window is one instruction: six imms per spatial axis (the unused third
// axis is the identity 1, 1, 1, 0, 1, 1), then the pad value's bits in the
// element type (f32 -inf is 0xff800000 = 4286578688).
// CHECK-LABEL: func @main()
// CHECK: lmc_isa.inst "window"(%{{.*}}, %{{.*}}) regions [#lmc_isa.region<f32, [1, 2, 6, 12], [144, 72, 12, 1], 0>, #lmc_isa.region<f32, [1, 2, 5, 6], [60, 30, 6, 1], 0>] imms [3, 2, 1, 1, 1, 3, 2, 1, 2, 0, 1, 4, 1, 1, 1, 0, 1, 1, 4286578688]
func.func @main(%x: tensor<1x2x5x6xf32> {lmc.name = "x"}) -> (tensor<1x2x6x12xf32> {lmc.name = "y"}) {
  %w = lmc_graph.window %x {kernel_shape = array<i64: 3, 2>, strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>, pads = array<i64: 1, 0>, input_dilations = array<i64: 1, 1>, output_shape = array<i64: 3, 4>, pad_value = 0xFFF0000000000000 : f64} : (tensor<1x2x5x6xf32>) -> tensor<1x2x6x12xf32>
  return %w : tensor<1x2x6x12xf32>
}
