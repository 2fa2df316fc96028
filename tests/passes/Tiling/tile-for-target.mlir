// RUN: lmc-opt %s -split-input-file -lmc-tile=target=lpu | FileCheck %s --check-prefix=LPU
// RUN: lmc-opt %s -split-input-file -lmc-tile=target=ara2 | FileCheck %s --check-prefix=ARA2
// RUN: lmc-opt %s -split-input-file -lmc-tile=target=cpu | FileCheck %s --check-prefix=CPU

// A [16 x 64] x [64 x 700] matmul. lpu (320-column MXM tiles, weights in
// SRAM): three tiles of 320, 320 and 60 columns reading the constant in
// place. ara2 (64-column tiles, weights in DRAM): eleven tiles, each weight
// tile copied to SRAM by a DMA tile one tile ahead of its matmul,
// alternating between two SRAM buffers (slots 0 and 1). Every tile is an
// lmc_tile op of its unit kind's class. cpu: unchanged (lmc_isa).

// LPU: lmc_isa.alloc {bytes = 44800 : i64, space = "sram"}
// LPU-NOT: lmc_tile.dma
// LPU-NOT: lmc_isa.inst
// LPU: lmc_tile.matmul "matmul"(%{{.*}}, %{{.*}}, %[[W:.*]]) regions [#lmc_isa.region<f32, [16, 320], [700, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 320], [700, 1], 0>] imms [] {tile = array<i64: 320, 320>}
// LPU: lmc_tile.matmul "matmul"(%{{.*}}, %{{.*}}, %[[W]]) regions [#lmc_isa.region<f32, [16, 320], [700, 1], 320>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 320], [700, 1], 320>]
// LPU: lmc_tile.matmul "matmul"(%{{.*}}, %{{.*}}, %[[W]]) regions [#lmc_isa.region<f32, [16, 60], [700, 1], 640>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 60], [700, 1], 640>]
// LPU-NEXT: lmc_tile.vector "add"
// LPU-NEXT: lmc_tile.vector "relu"

// ARA2: %[[T0:.*]] = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
// ARA2-NEXT: %[[T1:.*]] = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
// ARA2-NEXT: lmc_tile.dma(%[[T0]], %[[W:.*]]) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [700, 1], 0>] {slot = 0 : i64}
// ARA2-NEXT: lmc_tile.dma(%[[T1]], %[[W]]) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [700, 1], 64>] {slot = 1 : i64}
// ARA2-NEXT: lmc_tile.matmul "matmul"(%{{.*}}, %{{.*}}, %[[T0]]) regions [#lmc_isa.region<f32, [16, 64], [700, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [64, 1], 0>] imms [] {tile = array<i64: 80, 64>}
// ARA2-NEXT: lmc_tile.dma(%[[T0]], %[[W]]) regions [#lmc_isa.region<f32, [64, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [700, 1], 128>] {slot = 0 : i64}
// ARA2-NEXT: lmc_tile.matmul "matmul"(%{{.*}}, %{{.*}}, %[[T1]])
// ARA2-COUNT-9: lmc_tile.matmul
// ARA2-NOT: lmc_tile.matmul
// The bias broadcast over rows is staged once: a [1, 700] copy, read with stride 0.
// ARA2: lmc_tile.dma(%[[B:.*]], %{{.*}}) regions [#lmc_isa.region<f32, [1, 700], [700, 1], 0>, #lmc_isa.region<f32, [1, 700], [0, 1], 0>]{{$}}
// ARA2-NEXT: lmc_tile.vector "add"(%{{.*}}, %{{.*}}, %[[B]]) regions [#lmc_isa.region<f32, [16, 700], [700, 1], 0>, #lmc_isa.region<f32, [16, 700], [700, 1], 0>, #lmc_isa.region<f32, [16, 700], [0, 1], 0>] imms []

// CPU: lmc_isa.alloc {bytes = 44800 : i64, space = "dram"}
// CPU-COUNT-1: lmc_isa.inst "matmul"
// CPU-NOT: "matmul"
// CPU-NOT: "copy"
// CPU-NOT: lmc_tile
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
// LPU: lmc_tile.move "scatter"(%[[K]],
// LPU: lmc_tile.matmul "matmul"(%{{.*}}, %{{.*}}, %[[K]])
// ARA2-LABEL: func @kv
// ARA2-NOT: lmc_tile.dma
// ARA2: lmc_tile.move "scatter"(%[[K:[0-9]+]],
// ARA2: lmc_tile.matmul "matmul"(%{{.*}}, %{{.*}}, %[[K]])
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
// LPU: lmc_tile.move "window"
// LPU: lmc_tile.matmul "matmul"
// ARA2-LABEL: func @window
// ARA2: lmc_tile.move "window"
// CPU-LABEL: func @window
// CPU: lmc_isa.inst "window"
// CPU-NOT: lmc_tile
func.func @window() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<1x1x8x8xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<1x64x4xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<9x4xf32>}
  %t = lmc_isa.alloc {bytes = 2304 : i64, space = "dram"}
  lmc_isa.inst "window" (%t, %x) regions [#lmc_isa.region<f32, [1, 1, 9, 64], [576, 576, 64, 1], 0>, #lmc_isa.region<f32, [1, 1, 8, 8], [64, 64, 8, 1], 0>] imms [3, 1, 1, 1, 1, 8, 3, 1, 1, 1, 1, 8, 1, 1, 1, 0, 1, 1, 0]
  lmc_isa.inst "matmul" (%y, %t, %w) regions [#lmc_isa.region<f32, [1, 64, 4], [256, 4, 1], 0>, #lmc_isa.region<f32, [1, 64, 9], [576, 1, 64], 0>, #lmc_isa.region<f32, [1, 9, 4], [0, 4, 1], 0>] imms []
  return
}
