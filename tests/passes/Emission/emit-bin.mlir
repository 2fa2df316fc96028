// RUN: lmc-opt %s -lmc-schedule=target=ara2 -lmc-plan-buffers -lmc-emit-bin=output=%t.bin -o %t.out
// RUN: lmc inspect %t.bin | FileCheck %s

// Emission writes the scheduled, planned stream: lmc inspect shows each
// instruction's unit and issue cycle in file (issue) order, the planned SRAM
// offsets, and the schedule's length in cycles and microseconds at the
// target clock (ara2: 1000 MHz). Two weight tiles come from DRAM by DMA
// (16384 B at 17.05 B/cycle + 100 = 1061 cycles, one per channel), each
// matmul ([16 x 64] x [64 x 64] f32: 16 x 8 + 40 = 168 cycles) waits for its
// tile, the relu (16 x 128 / 64 per cycle + 8 = 40) for both matmuls.
// CHECK: target        ara2, TILE granularity, 1000 MHz
// CHECK: schedule      1269 cycles = 1.269 us
// CHECK: instructions (5):
// CHECK-NEXT: 0  dma 0  copy sram{{\[}}[[T0:[0-9]+]]] f32[64,64], const[0] f32[64,64] strides[128,1]
// CHECK-NEXT: 1  dma 0  copy sram{{\[}}[[T1:[0-9]+]]] f32[64,64], const[256] f32[64,64] strides[128,1]
// CHECK-NEXT: 2  mxm 1061  matmul sram{{\[}}[[Y:[0-9]+]]] f32[16,64] strides[128,1], io.in0 'x' f32[16,64], sram{{\[}}[[T0]]] f32[64,64]
// CHECK-NEXT: 3  mxm 1061  matmul sram[{{[0-9]+}}] f32[16,64] strides[128,1], io.in0 'x' f32[16,64], sram{{\[}}[[T1]]] f32[64,64]
// CHECK-NEXT: 4  vxm 1229  relu io.out0 'y' f32[16,128], sram{{\[}}[[Y]]] f32[16,128]
#x = #lmc_isa.region<f32, [16, 64], [64, 1], 0>
#w = #lmc_isa.region<f32, [64, 64], [64, 1], 0>
#y = #lmc_isa.region<f32, [16, 128], [128, 1], 0>
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<16x64xf32>}
  %out = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<16x128xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<64x128xf32>}
  %t0 = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
  %t1 = lmc_isa.alloc {bytes = 16384 : i64, space = "sram"}
  %y = lmc_isa.alloc {bytes = 8192 : i64, space = "sram"}
  lmc_tile.dma (%t0, %w) regions [#w, #lmc_isa.region<f32, [64, 64], [128, 1], 0>] {slot = 0 : i64}
  lmc_tile.dma (%t1, %w) regions [#w, #lmc_isa.region<f32, [64, 64], [128, 1], 64>] {slot = 1 : i64}
  lmc_tile.matmul "matmul" (%y, %x, %t0) regions [#lmc_isa.region<f32, [16, 64], [128, 1], 0>, #x, #w] imms [] {tile = array<i64: 80, 64>}
  lmc_tile.matmul "matmul" (%y, %x, %t1) regions [#lmc_isa.region<f32, [16, 64], [128, 1], 64>, #x, #w] imms [] {tile = array<i64: 80, 64>}
  lmc_tile.vector "relu" (%out, %y) regions [#y, #y] imms []
  return
}
