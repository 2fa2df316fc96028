// RUN: lmc-opt %s -split-input-file -lmc-schedule=target=ara2 | FileCheck %s

// Three weight tiles on ara2: DMA copies (16384 B at 17.05 B/cycle + 100 =
// 1061 cycles) on 2 channels, matmuls ([16 x 64] x [64 x 64] f32: 16 rows x
// 8 cycles + 40 = 168 cycles) on 4 MXM cores. The third copy waits for a
// channel; each matmul waits for its tile but not for the other matmuls,
// which write other columns of %y; each lmc_tile op becomes one lmc_isa
// instruction on its unit, and the instructions end up in issue order.
// CHECK-LABEL: module attributes {lmc.schedule_cycles = 2290 : i64
// CHECK: lmc_isa.inst "copy"(%[[T0:.*]], %{{.*}}) {{.*}} {lmc.duration = 1061 : i64, unit = "dma"}
// CHECK-NEXT: lmc_isa.inst "copy"(%[[T1:.*]], %{{.*}}) {{.*}} {lmc.duration = 1061 : i64, unit = "dma"}
// CHECK-NEXT: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[T0]]) {{.*}} {cycle = 1061 : i64, lmc.duration = 168 : i64, unit = "mxm"}
// CHECK-NEXT: lmc_isa.inst "copy"(%[[T2:.*]], %{{.*}}) {{.*}} {cycle = 1061 : i64, lmc.duration = 1061 : i64, unit = "dma"}
// CHECK-NEXT: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[T1]]) {{.*}} {cycle = 1061 : i64, lmc.duration = 168 : i64, unit = "mxm"}
// CHECK-NEXT: lmc_isa.inst "matmul"(%{{.*}}, %{{.*}}, %[[T2]]) {{.*}} {cycle = 2122 : i64, lmc.duration = 168 : i64, unit = "mxm"}
// CHECK-NOT: lmc_tile
#x = #lmc_isa.region<f32, [16, 64], [64, 1], 0>
#w = #lmc_isa.region<f32, [64, 64], [64, 1], 0>
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<16x64xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<16x192xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<64x192xf32>}
  %t0 = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
  %t1 = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
  %t2 = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
  lmc_tile.dma (%t0, %w) regions [#w, #lmc_isa.region<f32, [64, 64], [192, 1], 0>]
  lmc_tile.dma (%t1, %w) regions [#w, #lmc_isa.region<f32, [64, 64], [192, 1], 64>]
  lmc_tile.matmul "matmul" (%y, %x, %t0) regions [#lmc_isa.region<f32, [16, 64], [192, 1], 0>, #x, #w] imms [] {tile = array<i64: 80, 64>}
  lmc_tile.dma (%t2, %w) regions [#w, #lmc_isa.region<f32, [64, 64], [192, 1], 128>]
  lmc_tile.matmul "matmul" (%y, %x, %t1) regions [#lmc_isa.region<f32, [16, 64], [192, 1], 64>, #x, #w] imms [] {tile = array<i64: 80, 64>}
  lmc_tile.matmul "matmul" (%y, %x, %t2) regions [#lmc_isa.region<f32, [16, 64], [192, 1], 128>, #x, #w] imms [] {tile = array<i64: 80, 64>}
  return
}

// -----

// Dependences through memory: a write after a read of the same bytes waits
// for the read to finish (relu reads %a; the neg that overwrites %a starts
// after it); the independent exp runs beside them on another of the 4 VXM
// instances and moves ahead of the neg. VXM: 1024 elements / 64 per cycle
// + 8 = 24 cycles; exp: 8 operations per element -> 136. The input is
// lmc_isa already on its units: lmc-plan-buffers schedules a stream again
// after it spills a buffer.
// CHECK-LABEL: module attributes {lmc.schedule_cycles = 136 : i64
// CHECK: lmc_isa.inst "relu"{{.*}}{lmc.duration = 24 : i64, unit = "vxm"}
// CHECK-NEXT: lmc_isa.inst "exp"{{.*}}{lmc.duration = 136 : i64, unit = "vxm"}
// CHECK-NEXT: lmc_isa.inst "neg"{{.*}}{cycle = 24 : i64, lmc.duration = 24 : i64, unit = "vxm"}
#r = #lmc_isa.region<f32, [1024], [1], 0>
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<1024xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<1024xf32>}
  %z = lmc_isa.io {index = 1 : i64, name = "z", output, type = tensor<1024xf32>}
  %a = lmc_isa.alloc {bytes = 4096 : i64, space = "sram", offset = 0 : i64}
  lmc_isa.inst "relu" (%y, %a) regions [#r, #r] imms [] {unit = "vxm"}
  lmc_isa.inst "neg" (%a, %x) regions [#r, #r] imms [] {unit = "vxm"}
  lmc_isa.inst "exp" (%z, %x) regions [#r, #r] imms [] {unit = "vxm"}
  return
}

// -----

// Two chips (lmc.chips, lmc.chip from lmc-partition-chips): each has its
// own instances of every unit kind. Three weight copies on ara2's two DMA
// channels: the one on chip 1 starts at cycle 0 beside chip 0's two
// instead of waiting for a channel (1061 cycles in all, not 2122), and
// each instruction keeps its chip.
// CHECK-LABEL: module attributes {lmc.chips = 2 : i64, lmc.schedule_cycles = 1061 : i64
// CHECK: lmc_isa.inst "copy"(%{{.*}}) {{.*}} {lmc.chip = 0 : i64, lmc.duration = 1061 : i64, unit = "dma"}
// CHECK-NEXT: lmc_isa.inst "copy"(%{{.*}}) {{.*}} {lmc.chip = 0 : i64, lmc.duration = 1061 : i64, unit = "dma"}
// CHECK-NEXT: lmc_isa.inst "copy"(%{{.*}}) {{.*}} {lmc.chip = 1 : i64, lmc.duration = 1061 : i64, unit = "dma"}
#w = #lmc_isa.region<f32, [64, 64], [64, 1], 0>
module attributes {lmc.chips = 2 : i64} {
  func.func @main() {
    %w = lmc_isa.const {value = dense<0.5> : tensor<64x192xf32>}
    %t0 = lmc_isa.alloc {bytes = 16384 : i64, lmc.chip = 0 : i64, space = "sram"}
    %t1 = lmc_isa.alloc {bytes = 16384 : i64, lmc.chip = 0 : i64, space = "sram"}
    %t2 = lmc_isa.alloc {bytes = 16384 : i64, lmc.chip = 1 : i64, space = "sram"}
    lmc_tile.dma (%t0, %w) regions [#w, #lmc_isa.region<f32, [64, 64], [192, 1], 0>] {lmc.chip = 0 : i64}
    lmc_tile.dma (%t1, %w) regions [#w, #lmc_isa.region<f32, [64, 64], [192, 1], 64>] {lmc.chip = 0 : i64}
    lmc_tile.dma (%t2, %w) regions [#w, #lmc_isa.region<f32, [64, 64], [192, 1], 128>] {lmc.chip = 1 : i64}
    return
  }
}
