// RUN: lmc-opt %s -split-input-file -lmc-partition-chips="chips=2 target=lpu" | FileCheck %s
// RUN: lmc-opt %s -split-input-file -lmc-partition-chips="chips=1 target=lpu" | FileCheck %s --check-prefix=ONE
// RUN: lmc-opt %s -split-input-file -lmc-partition-chips="chips=3 target=lpu" -verify-diagnostics -o %t.out
// RUN: not lmc-opt %s -split-input-file -lmc-partition-chips="chips=2 target=ara2" -o %t.out 2>&1 | FileCheck %s --check-prefix=ARA2

// Two matmuls of 16 KiB of weights each: the balanced cut puts the first on
// chip 0 and the second on chip 1. The second reads %b (written on chip 0)
// and the add reads %a (chip 0): each is copied whole, as bytes, by a
// c2c copy on chip 0 into a new buffer on chip 1 before its first reader
// there; the readers read the copies. %c is chip 1's own.
// CHECK-LABEL: func @main
// CHECK: %[[A:.*]] = lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 0 : i64, space = "sram"}
// CHECK-NEXT: %[[A1:.*]] = lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 1 : i64, space = "sram"}
// CHECK-NEXT: %[[B:.*]] = lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 0 : i64, space = "sram"}
// CHECK-NEXT: %[[B1:.*]] = lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 1 : i64, space = "sram"}
// CHECK-NEXT: %[[C:.*]] = lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 1 : i64, space = "sram"}
// CHECK-NEXT: lmc_tile.vector "relu"(%[[A]], %{{.*}}) {{.*}} {lmc.chip = 0 : i64}
// CHECK-NEXT: lmc_tile.matmul "matmul"(%[[B]], %[[A]], %{{.*}}) {{.*}} {lmc.chip = 0 : i64, tile
// CHECK-NEXT: lmc_isa.inst "copy"(%[[B1]], %[[B]]) regions [#lmc_isa.region<i8, [256], [1], 0>, #lmc_isa.region<i8, [256], [1], 0>] imms [] {lmc.chip = 0 : i64, unit = "c2c"}
// CHECK-NEXT: lmc_tile.matmul "matmul"(%[[C]], %[[B1]], %{{.*}}) {{.*}} {lmc.chip = 1 : i64, tile
// CHECK-NEXT: lmc_isa.inst "copy"(%[[A1]], %[[A]]) regions {{.*}} {lmc.chip = 0 : i64, unit = "c2c"}
// CHECK-NEXT: lmc_tile.vector "add"(%{{.*}}, %[[C]], %[[A1]]) {{.*}} {lmc.chip = 1 : i64}
// CHECK-NOT: "copy"
// CHECK: module attributes {{.*}}lmc.chips = 2
// ONE-LABEL: func @main
// ONE-NOT: lmc.chip
// ONE-NOT: "copy"
// ARA2: error: target 'ara2' cannot be partitioned over 2 chips: that needs a TILE target with chip-to-chip links (a C2C unit), such as lpu
func.func @main() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<4x16xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<4x16xf32>}
  %w1 = lmc_isa.const {value = dense<0.5> : tensor<16x256xf32>}
  %w2 = lmc_isa.const {value = dense<0.25> : tensor<16x256xf32>}
  %a = lmc_isa.alloc {bytes = 256 : i64, space = "sram"}
  %b = lmc_isa.alloc {bytes = 256 : i64, space = "sram"}
  %c = lmc_isa.alloc {bytes = 256 : i64, space = "sram"}
  lmc_tile.vector "relu" (%a, %x) regions [#lmc_isa.region<f32, [4, 16], [16, 1], 0>, #lmc_isa.region<f32, [4, 16], [16, 1], 0>] imms []
  lmc_tile.matmul "matmul" (%b, %a, %w1) regions [#lmc_isa.region<f32, [4, 16], [16, 1], 0>, #lmc_isa.region<f32, [4, 16], [16, 1], 0>, #lmc_isa.region<f32, [16, 16], [256, 1], 0>] imms [] {tile = array<i64: 320, 320>}
  lmc_tile.matmul "matmul" (%c, %b, %w2) regions [#lmc_isa.region<f32, [4, 16], [16, 1], 0>, #lmc_isa.region<f32, [4, 16], [16, 1], 0>, #lmc_isa.region<f32, [16, 16], [256, 1], 0>] imms [] {tile = array<i64: 320, 320>}
  lmc_tile.vector "add" (%y, %c, %a) regions [#lmc_isa.region<f32, [4, 16], [16, 1], 0>, #lmc_isa.region<f32, [4, 16], [16, 1], 0>, #lmc_isa.region<f32, [4, 16], [16, 1], 0>] imms []
  return
}

// -----

// A buffer written by two tiles (the column tiles of one matmul) is never
// cut between its writers: the only legal cut is before the relu, so two
// stages at most (chips=3 is an error). The weights of both tiles are
// chip 0's; the relu reads %b's copy on chip 1.
// CHECK-LABEL: func @tiles
// CHECK: lmc_tile.matmul {{.*}} {lmc.chip = 0 : i64, tile
// CHECK-NEXT: lmc_tile.matmul {{.*}} {lmc.chip = 0 : i64, tile
// CHECK-NEXT: lmc_isa.inst "copy"({{.*}}) regions [#lmc_isa.region<i8, [512], [1], 0>, #lmc_isa.region<i8, [512], [1], 0>] imms [] {lmc.chip = 0 : i64, unit = "c2c"}
// CHECK-NEXT: lmc_tile.vector "relu"{{.*}} {lmc.chip = 1 : i64}
// expected-error @below {{--chips 3 is more than the 2 pipeline stages this model can be cut into; use at most 2 chips}}
func.func @tiles() {
  %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<4x16xf32>}
  %y = lmc_isa.io {index = 0 : i64, name = "y", output, type = tensor<4x32xf32>}
  %w = lmc_isa.const {value = dense<0.5> : tensor<16x32xf32>}
  %b = lmc_isa.alloc {bytes = 512 : i64, space = "sram"}
  lmc_tile.matmul "matmul" (%b, %x, %w) regions [#lmc_isa.region<f32, [4, 16], [32, 1], 0>, #lmc_isa.region<f32, [4, 16], [16, 1], 0>, #lmc_isa.region<f32, [16, 16], [32, 1], 0>] imms [] {tile = array<i64: 320, 16>}
  lmc_tile.matmul "matmul" (%b, %x, %w) regions [#lmc_isa.region<f32, [4, 16], [32, 1], 16>, #lmc_isa.region<f32, [4, 16], [16, 1], 0>, #lmc_isa.region<f32, [16, 16], [32, 1], 16>] imms [] {tile = array<i64: 320, 16>}
  lmc_tile.vector "relu" (%y, %b) regions [#lmc_isa.region<f32, [4, 32], [32, 1], 0>, #lmc_isa.region<f32, [4, 32], [32, 1], 0>] imms []
  return
}
