// RUN: lmc-opt %s -lmc-schedule=target=lpu | FileCheck %s

// Chip-to-chip copies on lpu's link network: a copy of 4096 bytes to a
// chip of the same node costs ceil(4096 / (2 links x 16.7)) + 2000 = 2123
// cycles on a C2C instance of its chip and holds the 2-link bundle to that
// chip for the 123 cycles it streams. Two copies from chip 0 to chip 1
// therefore start 123 cycles apart (their latencies overlap); the copy to
// chip 2 goes over another bundle and starts at cycle 0 (2246 cycles in all).
// CHECK-LABEL: module attributes {lmc.chips = 3 : i64, lmc.schedule_cycles = 2246 : i64
// CHECK: %[[S:.*]] = lmc_isa.alloc
// CHECK-NEXT: %[[T:.*]] = lmc_isa.alloc
// CHECK-NEXT: %[[A:.*]] = lmc_isa.alloc
// CHECK-NEXT: %[[B:.*]] = lmc_isa.alloc
// CHECK-NEXT: %[[C:.*]] = lmc_isa.alloc
// CHECK-NEXT: lmc_isa.inst "copy"(%[[A]], %[[S]]) {{.*}} {lmc.chip = 0 : i64, lmc.duration = 2123 : i64, unit = "c2c"}
// CHECK-NEXT: lmc_isa.inst "copy"(%[[C]], %[[S]]) {{.*}} {lmc.chip = 0 : i64, lmc.duration = 2123 : i64, unit = "c2c"}
// CHECK-NEXT: lmc_isa.inst "copy"(%[[B]], %[[T]]) {{.*}} {cycle = 123 : i64, lmc.chip = 0 : i64, lmc.duration = 2123 : i64, unit = "c2c"}
#b = #lmc_isa.region<i8, [4096], [1], 0>
module attributes {lmc.chips = 3 : i64} {
  func.func @main() {
    %s = lmc_isa.alloc {bytes = 4096 : i64, lmc.chip = 0 : i64, space = "sram"}
    %t = lmc_isa.alloc {bytes = 4096 : i64, lmc.chip = 0 : i64, space = "sram"}
    %a = lmc_isa.alloc {bytes = 4096 : i64, lmc.chip = 1 : i64, space = "sram"}
    %b = lmc_isa.alloc {bytes = 4096 : i64, lmc.chip = 1 : i64, space = "sram"}
    %c = lmc_isa.alloc {bytes = 4096 : i64, lmc.chip = 2 : i64, space = "sram"}
    lmc_isa.inst "copy" (%a, %s) regions [#b, #b] imms [] {lmc.chip = 0 : i64, unit = "c2c"}
    lmc_isa.inst "copy" (%b, %t) regions [#b, #b] imms [] {lmc.chip = 0 : i64, unit = "c2c"}
    lmc_isa.inst "copy" (%c, %s) regions [#b, #b] imms [] {lmc.chip = 0 : i64, unit = "c2c"}
    return
  }
}
