// RUN: lmc-opt %s -split-input-file -lmc-plan-buffers | FileCheck %s
// RUN: lmc-opt %s -split-input-file -lmc-plan-buffers=report=1 -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

// A chain a -> b -> c: a is dead when c is written, so c reuses a's bytes;
// b overlaps both.
// CHECK-LABEL: module attributes {lmc.dram_bytes = 512 : i64, lmc.peak_live_bytes = 512 : i64}
// CHECK: %[[A:.*]] = lmc_isa.alloc {bytes = 256 : i64, offset = 0 : i64, space = "dram"}
// CHECK: %[[B:.*]] = lmc_isa.alloc {bytes = 256 : i64, offset = 256 : i64, space = "dram"}
// CHECK: %[[C:.*]] = lmc_isa.alloc {bytes = 256 : i64, offset = 0 : i64, space = "dram"}
// REPORT: memory plan (dram): 3 buffers, 768 bytes without reuse, 512 bytes planned, peak live 512 bytes
#r = #lmc_isa.region<f32, [64], [1], 0>
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<64xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<64xf32>}
  %a = lmc_isa.alloc {bytes = 256 : i64, space = "dram"}
  %b = lmc_isa.alloc {bytes = 256 : i64, space = "dram"}
  %c = lmc_isa.alloc {bytes = 256 : i64, space = "dram"}
  lmc_isa.inst "relu" (%a, %x) regions [#r, #r] imms []
  lmc_isa.inst "neg" (%b, %a) regions [#r, #r] imms []
  lmc_isa.inst "exp" (%c, %b) regions [#r, #r] imms []
  lmc_isa.inst "add" (%y, %c, %b) regions [#r, #r, #r] imms []
  return
}

// -----

// Sizes round up to 64 bytes; the larger buffer is placed first; buffers
// live at the same time never overlap.
// CHECK-LABEL: module attributes {lmc.dram_bytes = 192 : i64, lmc.peak_live_bytes = 192 : i64}
// CHECK: lmc_isa.alloc {bytes = 4 : i64, offset = 128 : i64, space = "dram"}
// CHECK: lmc_isa.alloc {bytes = 100 : i64, offset = 0 : i64, space = "dram"}
#s = #lmc_isa.region<f32, [1], [1], 0>
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<1xf32>}
  %small = lmc_isa.alloc {bytes = 4 : i64, space = "dram"}
  %big = lmc_isa.alloc {bytes = 100 : i64, space = "dram"}
  lmc_isa.inst "relu" (%small, %x) regions [#s, #s] imms []
  lmc_isa.inst "relu" (%big, %small) regions [#s, #s] imms []
  return
}
