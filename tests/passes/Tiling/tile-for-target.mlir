// RUN: lmc-opt %s -split-input-file -lmc-tile=target=lpu | FileCheck %s --check-prefix=LPU
// RUN: lmc-opt %s -split-input-file -lmc-tile=target=ara2 | FileCheck %s --check-prefix=ARA2
// RUN: lmc-opt %s -split-input-file -lmc-tile=target=cpu | FileCheck %s --check-prefix=CPU

// A [16 x 64] x [64 x 700] matmul. lpu (320-column MXM tiles, weights in
// SRAM): three tiles of 320, 320 and 60 columns reading the constant in
// place. ara2 (64-column tiles, weights in DRAM): eleven tiles, each weight
// tile copied to SRAM by DMA one tile ahead of its matmul, alternating
// between two SRAM buffers. cpu: unchanged.

// LPU: lmc_isa.alloc {bytes = 44800 : i64, space = "sram"}
// LPU-NOT: "copy"
// LPU: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[W:.*]]) regions [#lmc_isa.region<f32, [16, 320], [700, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 320], [700, 1], 0>] imms [] {unit = "mxm"}
// LPU: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[W]]) regions [#lmc_isa.region<f32, [16, 320], [700, 1], 320>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 320], [700, 1], 320>]
// LPU: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[W]]) regions [#lmc_isa.region<f32, [16, 60], [700, 1], 640>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 60], [700, 1], 640>]
// LPU-NEXT: lmc_isa.inst "add"{{.*}}unit = "vxm"
// LPU-NEXT: lmc_isa.inst "relu"{{.*}}unit = "vxm"

// ARA2: %[[T0:.*]] = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
// ARA2-NEXT: %[[T1:.*]] = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
// ARA2-NEXT: lmc_isa.inst "copy"(%[[T0]], %[[W:.*]]) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [700, 1], 0>] imms [] {unit = "dma"}
// ARA2-NEXT: lmc_isa.inst "copy"(%[[T1]], %[[W]]) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [700, 1], 64>] imms [] {unit = "dma"}
// ARA2-NEXT: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[T0]]) regions [#lmc_isa.region<f32, [16, 64], [700, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [64, 1], 0>] imms [] {unit = "mxm"}
// ARA2-NEXT: lmc_isa.inst "copy"(%[[T0]], %[[W]]) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [700, 1], 128>] imms [] {unit = "dma"}
// ARA2-NEXT: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[T1]])
// ARA2-COUNT-9: "matmul"
// ARA2-NOT: "matmul"
// The bias broadcast over rows is staged once: a [1, 700] copy, read with stride 0.
// ARA2: lmc_isa.inst "copy"(%[[B:.*]], %{{.*}}) regions [#lmc_isa.region<f32, [1, 700], [700, 1], 0>, #lmc_isa.region<f32, [1, 700], [0, 1], 0>] imms [] {unit = "dma"}
// ARA2-NEXT: lmc_isa.inst "add"(%{{.*}}, %{{.*}}, %[[B]]) regions [#lmc_isa.region<f32, [16, 700], [700, 1], 0>, #lmc_isa.region<f32, [16, 700], [700, 1], 0>, #lmc_isa.region<f32, [16, 700], [0, 1], 0>] imms [] {unit = "vxm"}

// CPU: lmc_isa.alloc {bytes = 44800 : i64, space = "dram"}
// CPU-COUNT-1: "matmul"
// CPU-NOT: "matmul"
// CPU-NOT: "copy"
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<16x64xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<16x700xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<64x700xf32>}
  %bias = lmc_isa.const {value = dense<0.25> : tensor<700xf32>}
  %t = lmc_isa.alloc {bytes = 44800 : i64, space = "dram"}
  %u = lmc_isa.alloc {bytes = 44800 : i64, space = "dram"}
  lmc_isa.inst "matmul" (%t, %x, %w) regions [#lmc_isa.region<f32, [16, 700], [700, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 700], [700, 1], 0>] imms []
  lmc_isa.inst "add" (%u, %t, %bias) regions [#lmc_isa.region<f32, [16, 700], [700, 1], 0>, #lmc_isa.region<f32, [16, 700], [700, 1], 0>, #lmc_isa.region<f32, [16, 700], [0, 1], 0>] imms []
  lmc_isa.inst "relu" (%y, %u) regions [#lmc_isa.region<f32, [16, 700], [700, 1], 0>, #lmc_isa.region<f32, [16, 700], [700, 1], 0>] imms []
  return
}

// -----

// A KV cache (State tensor) is neither moved to SRAM nor staged: the
// scatter writes it in place and the matmul reads it where it lives.
// LPU-LABEL: func @kv
// LPU: %[[K:[0-9]+]] = lmc_isa.state
// LPU: lmc_isa.inst "scatter"(%[[K]], {{.*}} {unit = "sxm"}
// LPU: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[K]]) {{.*}} {unit = "mxm"}
// ARA2-LABEL: func @kv
// ARA2-NOT: "copy"
// ARA2: lmc_isa.inst "scatter"(%[[K:[0-9]+]], {{.*}} {unit = "sxm"}
// ARA2: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[K]]) {{.*}} {unit = "mxm"}
// CPU-LABEL: func @kv
// CPU: lmc_isa.inst "scatter"
func.func @kv() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<1x4xf32>}
  %p = lmc_isa.io {index = 1 : i64, name = "position", type = tensor<1xi64>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<1x8xf32>}
  %k = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<8x4xf32>}
  lmc_isa.inst "scatter" (%k, %p, %x) regions [#lmc_isa.region<f32, [8, 4], [4, 1], 0>, #lmc_isa.region<i64, [1, 4], [0, 0], 0>, #lmc_isa.region<f32, [1, 4], [4, 1], 0>] imms [0]
  lmc_isa.inst "matmul" (%y, %x, %k) regions [#lmc_isa.region<f32, [1, 8], [8, 1], 0>, #lmc_isa.region<f32, [1, 4], [4, 1], 0>, #lmc_isa.region<f32, [4, 8], [1, 4], 0>] imms []
  return
}

// -----

// A window (a convolution's im2col) is data movement: one SXM instruction,
// its working buffer in SRAM, the matmul it feeds on the MXM.
// LPU-LABEL: func @window
// LPU: lmc_isa.alloc {bytes = 2304 : i64, space = "sram"}
// LPU: lmc_isa.inst "window"{{.*}} {unit = "sxm"}
// LPU: lmc_isa.inst "matmul"{{.*}} {unit = "mxm"}
// ARA2-LABEL: func @window
// ARA2: lmc_isa.inst "window"{{.*}} {unit = "sxm"}
// CPU-LABEL: func @window
// CPU: lmc_isa.inst "window"
// CPU-NOT: unit = "sxm"
func.func @window() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<1x1x8x8xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<1x64x4xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<9x4xf32>}
  %t = lmc_isa.alloc {bytes = 2304 : i64, space = "dram"}
  lmc_isa.inst "window" (%t, %x) regions [#lmc_isa.region<f32, [1, 1, 9, 64], [576, 576, 64, 1], 0>, #lmc_isa.region<f32, [1, 1, 8, 8], [64, 64, 8, 1], 0>] imms [3, 1, 1, 1, 1, 8, 3, 1, 1, 1, 1, 8, 1, 1, 1, 0, 1, 1, 0]
  lmc_isa.inst "matmul" (%y, %t, %w) regions [#lmc_isa.region<f32, [1, 64, 4], [256, 4, 1], 0>, #lmc_isa.region<f32, [1, 64, 9], [576, 1, 64], 0>, #lmc_isa.region<f32, [1, 9, 4], [0, 4, 1], 0>] imms []
  return
}
