// RUN: lmc-opt %s -split-input-file -lmc-plan-buffers -verify-diagnostics | FileCheck %s
// RUN: lmc-opt %s -split-input-file -lmc-plan-buffers=report=1 -verify-diagnostics -o %t.out 2>&1 | FileCheck %s --check-prefix=REPORT

// A chain a -> b -> c: a is dead when c is written, so c reuses a's bytes;
// b overlaps both.
// CHECK-LABEL: module attributes {lmc.dram_bytes = 512 : i64, lmc.peak_live_bytes = 512 : i64, lmc.weight_bytes = 0 : i64}
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
// CHECK-LABEL: module attributes {lmc.dram_bytes = 192 : i64, lmc.peak_live_bytes = 192 : i64, lmc.weight_bytes = 0 : i64}
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

// -----

// A TILE target with 1 KiB of SRAM and DRAM: the plan does not fit, so the
// largest buffer live at the peak is spilled to DRAM.
// CHECK-LABEL: module attributes {lmc.dram_bytes = 768 : i64, lmc.peak_live_bytes = 1280 : i64, lmc.sram_bytes = 512 : i64
// CHECK: lmc_isa.alloc {bytes = 768 : i64, offset = 0 : i64, space = "dram"}
// CHECK: lmc_isa.alloc {bytes = 512 : i64, offset = 0 : i64, space = "sram"}
#t = #lmc_isa.region<f32, [128], [1], 0>
module attributes {lmc.target = "name: 'small' granularity: TILE clock_mhz: 1 sram { bytes: 1024 alignment_bytes: 64 bytes_per_cycle: 1 } dram { bytes: 1048576 alignment_bytes: 64 bytes_per_cycle: 1 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: DMA count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<128xf32>}
    %big = lmc_isa.alloc {bytes = 768 : i64, space = "sram"}
    %small = lmc_isa.alloc {bytes = 512 : i64, space = "sram"}
    lmc_isa.inst "relu" (%big, %x) regions [#t, #t] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%small, %x) regions [#t, #t] imms [] {unit = "vxm"}
    lmc_isa.inst "add" (%x, %big, %small) regions [#t, #t, #t] imms [] {unit = "vxm"}
    return
  }
}

// -----

// Without DRAM the same plan is an error that says what is needed.
#t = #lmc_isa.region<f32, [128], [1], 0>
// expected-error @+1 {{the model needs 1280 bytes of SRAM (1.2 KiB: 0.0 KiB of weights + 1.2 KiB of activations at the peak), target 'small' has 1024 (1.0 KiB) per chip and no DRAM; it would take 2 chips}}
module attributes {lmc.target = "name: 'small' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 1024 alignment_bytes: 64 bytes_per_cycle: 1 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<128xf32>}
    %big = lmc_isa.alloc {bytes = 768 : i64, space = "sram"}
    %small = lmc_isa.alloc {bytes = 512 : i64, space = "sram"}
    lmc_isa.inst "relu" (%big, %x) regions [#t, #t] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%small, %x) regions [#t, #t] imms [] {unit = "vxm"}
    lmc_isa.inst "add" (%x, %big, %small) regions [#t, #t, #t] imms [] {unit = "vxm"}
    return
  }
}

// -----

// State tensors (KV caches) persist across runs: they are placed one after
// the other, 64-byte aligned, and never share bytes, even when their uses
// do not overlap in time; working buffers are planned as before.
// CHECK-LABEL: module attributes {lmc.dram_bytes = 64 : i64, lmc.peak_live_bytes = 64 : i64, lmc.state_bytes = 192 : i64, lmc.weight_bytes = 0 : i64}
// CHECK: lmc_isa.state {name = "past.0.key", offset = 0 : i64
// CHECK: lmc_isa.state {name = "past.0.value", offset = 128 : i64
// REPORT: memory plan (state): 192 bytes (0.2 KiB) of KV cache, persistent, in host memory
#k = #lmc_isa.region<f32, [20], [1], 0>
#v = #lmc_isa.region<f32, [4], [1], 0>
func.func @main() {
  %k = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<20xf32>}
  %v = lmc_isa.state {name = "past.0.value", output = "present.0.value", type = tensor<4xf32>}
  %t = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  lmc_isa.inst "exp" (%t, %v) regions [#v, #v] imms []
  lmc_isa.inst "relu" (%v, %t) regions [#v, #v] imms []
  lmc_isa.inst "neg" (%k, %k) regions [#k, #k] imms []
  return
}

// -----

// On a target without DRAM the KV cache stays in SRAM and counts against it
// like resident weights: 640 bytes of cache + 512 of activations > 1024.
#c = #lmc_isa.region<f32, [160], [1], 0>
#a = #lmc_isa.region<f32, [128], [1], 0>
// expected-error @+1 {{the model needs 1152 bytes of SRAM (1.1 KiB: 0.0 KiB of weights + 0.6 KiB of KV cache + 0.5 KiB of activations at the peak), target 'small' has 1024 (1.0 KiB) per chip and no DRAM; it would take 2 chips}}
module attributes {lmc.target = "name: 'small' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 1024 alignment_bytes: 64 bytes_per_cycle: 1 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %k = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<160xf32>}
    %t = lmc_isa.alloc {bytes = 512 : i64, space = "sram"}
    lmc_isa.inst "relu" (%t, %k) regions [#a, #a] imms [] {unit = "vxm"}
    lmc_isa.inst "neg" (%k, %t) regions [#a, #a] imms [] {unit = "vxm"}
    return
  }
}

// -----

// With DRAM the cache lives there: the same plan fits.
// CHECK-LABEL: module attributes {lmc.peak_live_bytes = 512 : i64, lmc.sram_bytes = 512 : i64, lmc.state_bytes = 640 : i64
// REPORT: memory plan (state): 640 bytes (0.6 KiB) of KV cache, persistent, in DRAM
#c = #lmc_isa.region<f32, [160], [1], 0>
#a = #lmc_isa.region<f32, [128], [1], 0>
module attributes {lmc.target = "name: 'small' granularity: TILE clock_mhz: 1 sram { bytes: 1024 alignment_bytes: 64 bytes_per_cycle: 1 } dram { bytes: 1048576 alignment_bytes: 64 bytes_per_cycle: 1 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: DMA count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %k = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<160xf32>}
    %t = lmc_isa.alloc {bytes = 512 : i64, space = "sram"}
    lmc_isa.inst "relu" (%t, %k) regions [#a, #a] imms [] {unit = "vxm"}
    lmc_isa.inst "neg" (%k, %t) regions [#a, #a] imms [] {unit = "vxm"}
    return
  }
}

// -----

// buffers_within_slices: each 256-byte slice is its own address space. A
// buffer no larger than a slice stays inside one (A, 224 bytes, would
// straddle 256 at offset 320, so it starts at 512); a larger one (C, 320
// bytes) spans two slices wherever it starts; B fits the gap at 320. The
// working buffers take 3 slices.
// CHECK-LABEL: module attributes {lmc.peak_live_bytes = 672 : i64, lmc.sram_bytes = 736 : i64
// CHECK: %[[C:.*]] = lmc_isa.alloc {bytes = 320 : i64, offset = 0 : i64, space = "sram"}
// CHECK: %[[A:.*]] = lmc_isa.alloc {bytes = 224 : i64, offset = 512 : i64, space = "sram"}
// CHECK: %[[B:.*]] = lmc_isa.alloc {bytes = 128 : i64, offset = 320 : i64, space = "sram"}
// REPORT: slices of 0.2 KiB (buffers within slices): weights 0, working buffers 3, free 1 of 4
#x80 = #lmc_isa.region<f32, [80], [1], 0>
#x56 = #lmc_isa.region<f32, [56], [1], 0>
#x32 = #lmc_isa.region<f32, [32], [1], 0>
module attributes {lmc.target = "name: 'sliced' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 1024 slices: 4 alignment_bytes: 32 bytes_per_cycle: 1 buffers_within_slices: true } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<80xf32>}
    %c = lmc_isa.alloc {bytes = 320 : i64, space = "sram"}
    %a = lmc_isa.alloc {bytes = 224 : i64, space = "sram"}
    %b = lmc_isa.alloc {bytes = 128 : i64, space = "sram"}
    lmc_isa.inst "relu" (%c, %x) regions [#x80, #x80] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%a, %x) regions [#x56, #x56] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%b, %x) regions [#x32, #x32] imms [] {unit = "vxm"}
    lmc_isa.inst "add" (%x, %a, %b) regions [#x32, #x32, #x32] imms [] {unit = "vxm"}
    lmc_isa.inst "neg" (%x, %c) regions [#x32, #x32] imms [] {unit = "vxm"}
    return
  }
}

// -----

// stripe_slices: 2 (groups of two slices, 512 bytes, for SRAM bandwidth,
// docs/simulator.md "SRAM slices"): the buffers spread over the groups the
// capacity leaves them (both): C (larger than a slice) at 0 in group 0, A
// in group 1 (no bytes live beside it there), B, live beside both, in the
// group whose live buffers hold fewer bytes (A's 224 < C's 320), each
// buffer no larger than a slice inside one slice, so inside its group.
// CHECK-LABEL: module attributes {lmc.peak_live_bytes = 672 : i64, lmc.sram_bytes = 896 : i64
// CHECK: lmc_isa.alloc {bytes = 320 : i64, offset = 0 : i64, space = "sram"}
// CHECK: lmc_isa.alloc {bytes = 224 : i64, offset = 512 : i64, space = "sram"}
// CHECK: lmc_isa.alloc {bytes = 128 : i64, offset = 768 : i64, space = "sram"}
#x80 = #lmc_isa.region<f32, [80], [1], 0>
#x56 = #lmc_isa.region<f32, [56], [1], 0>
#x32 = #lmc_isa.region<f32, [32], [1], 0>
module attributes {lmc.target = "name: 'striped' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 1024 slices: 4 alignment_bytes: 32 bytes_per_cycle: 1 buffers_within_slices: true stripe_slices: 2 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<80xf32>}
    %c = lmc_isa.alloc {bytes = 320 : i64, space = "sram"}
    %a = lmc_isa.alloc {bytes = 224 : i64, space = "sram"}
    %b = lmc_isa.alloc {bytes = 128 : i64, space = "sram"}
    lmc_isa.inst "relu" (%c, %x) regions [#x80, #x80] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%a, %x) regions [#x56, #x56] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%b, %x) regions [#x32, #x32] imms [] {unit = "vxm"}
    lmc_isa.inst "add" (%x, %a, %b) regions [#x32, #x32, #x32] imms [] {unit = "vxm"}
    lmc_isa.inst "neg" (%x, %c) regions [#x32, #x32] imms [] {unit = "vxm"}
    return
  }
}

// -----

// Two buffers live at once, which packing puts in group 0 (A at 0, B at
// 256, the next slice), go to different groups (B at 512, group 1); a third, C,
// live beside both, ties (192 bytes each) and takes the lower group, at its
// lowest free offset inside one slice (256: 192 + 192 would cross the
// slice). D, live alone later, takes the lowest offset.
// CHECK-LABEL: module attributes {lmc.peak_live_bytes = 576 : i64, lmc.sram_bytes = 704 : i64
// CHECK: lmc_isa.alloc {bytes = 192 : i64, offset = 0 : i64, space = "sram"}
// CHECK: lmc_isa.alloc {bytes = 192 : i64, offset = 512 : i64, space = "sram"}
// CHECK: lmc_isa.alloc {bytes = 192 : i64, offset = 256 : i64, space = "sram"}
// CHECK: lmc_isa.alloc {bytes = 64 : i64, offset = 0 : i64, space = "sram"}
#x48 = #lmc_isa.region<f32, [48], [1], 0>
#x16 = #lmc_isa.region<f32, [16], [1], 0>
module attributes {lmc.target = "name: 'striped' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 1024 slices: 4 alignment_bytes: 32 bytes_per_cycle: 1 buffers_within_slices: true stripe_slices: 2 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<48xf32>}
    %a = lmc_isa.alloc {bytes = 192 : i64, space = "sram"}
    %b = lmc_isa.alloc {bytes = 192 : i64, space = "sram"}
    %c = lmc_isa.alloc {bytes = 192 : i64, space = "sram"}
    %d = lmc_isa.alloc {bytes = 64 : i64, space = "sram"}
    lmc_isa.inst "relu" (%a, %x) regions [#x48, #x48] imms [] {unit = "vxm"}
    lmc_isa.inst "neg" (%b, %x) regions [#x48, #x48] imms [] {unit = "vxm"}
    lmc_isa.inst "add" (%c, %a, %b) regions [#x48, #x48, #x48] imms [] {unit = "vxm"}
    lmc_isa.inst "add" (%x, %c, %a) regions [#x48, #x48, #x48] imms [] {unit = "vxm"}
    lmc_isa.inst "add" (%x, %c, %b) regions [#x48, #x48, #x48] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%d, %x) regions [#x16, #x16] imms [] {unit = "vxm"}
    lmc_isa.inst "neg" (%x, %d) regions [#x16, #x16] imms [] {unit = "vxm"}
    return
  }
}

// -----

// When the capacity leaves the working buffers one group (weights of 288
// bytes take two of the four slices), they pack low as before: B in the
// next slice of group 0.
// CHECK-LABEL: module attributes {lmc.peak_live_bytes = 384 : i64, lmc.sram_bytes = 448 : i64
// CHECK: lmc_isa.alloc {bytes = 192 : i64, offset = 0 : i64, space = "sram"}
// CHECK: lmc_isa.alloc {bytes = 192 : i64, offset = 256 : i64, space = "sram"}
#x48 = #lmc_isa.region<f32, [48], [1], 0>
module attributes {lmc.target = "name: 'striped' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 1024 slices: 4 alignment_bytes: 32 bytes_per_cycle: 1 buffers_within_slices: true stripe_slices: 2 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<48xf32>}
    %w = lmc_isa.const {value = dense<1.0> : tensor<72xf32>}
    %a = lmc_isa.alloc {bytes = 192 : i64, space = "sram"}
    %b = lmc_isa.alloc {bytes = 192 : i64, space = "sram"}
    lmc_isa.inst "relu" (%a, %x) regions [#x48, #x48] imms [] {unit = "vxm"}
    lmc_isa.inst "neg" (%b, %w) regions [#x48, #x48] imms [] {unit = "vxm"}
    lmc_isa.inst "add" (%x, %a, %b) regions [#x48, #x48, #x48] imms [] {unit = "vxm"}
    return
  }
}

// -----

// The same buffers beside 288 bytes of resident weights, which take two
// slices: 5 slices are needed, 4 exist.
#x80 = #lmc_isa.region<f32, [80], [1], 0>
#x56 = #lmc_isa.region<f32, [56], [1], 0>
#x32 = #lmc_isa.region<f32, [32], [1], 0>
// expected-error @+1 {{the model needs 1280 bytes of SRAM (1.2 KiB: 0.3 KiB of weights + 0.7 KiB of activations at the peak, in 5 slices of 0.2 KiB), target 'sliced' has 1024 (1.0 KiB) per chip and no DRAM; it would take 2 chips}}
module attributes {lmc.target = "name: 'sliced' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 1024 slices: 4 alignment_bytes: 32 bytes_per_cycle: 1 buffers_within_slices: true } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<80xf32>}
    %w = lmc_isa.const {value = dense<1.0> : tensor<72xf32>}
    %c = lmc_isa.alloc {bytes = 320 : i64, space = "sram"}
    %a = lmc_isa.alloc {bytes = 224 : i64, space = "sram"}
    %b = lmc_isa.alloc {bytes = 128 : i64, space = "sram"}
    lmc_isa.inst "relu" (%c, %x) regions [#x80, #x80] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%a, %w) regions [#x56, #x56] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%b, %x) regions [#x32, #x32] imms [] {unit = "vxm"}
    lmc_isa.inst "add" (%x, %a, %b) regions [#x32, #x32, #x32] imms [] {unit = "vxm"}
    lmc_isa.inst "neg" (%x, %c) regions [#x32, #x32] imms [] {unit = "vxm"}
    return
  }
}

// -----

// Two chips (lmc-partition-chips): each chip's buffers are planned alone
// against one chip's 1024 bytes, chip 1's at a base after chip 0's plan
// (768 bytes), so the SRAM space holds both (1280 bytes, more than one
// chip); the weight chip 1 reads is resident there. lmc.chip_memory: per
// chip its base, planned bytes and resident bytes.
#t = #lmc_isa.region<f32, [64], [1], 0>
// CHECK-LABEL: module attributes {lmc.chip_memory = array<i64: 0, 768, 0, 768, 512, 256>, lmc.chips = 2 : i64, {{.*}}lmc.sram_bytes = 1280 : i64
// CHECK: lmc_isa.alloc {bytes = 768 : i64, lmc.chip = 0 : i64, offset = 0 : i64, space = "sram"}
// CHECK: lmc_isa.alloc {bytes = 512 : i64, lmc.chip = 1 : i64, offset = 768 : i64, space = "sram"}
// REPORT: memory plan (sram, chip 0): 1 buffers, 768 bytes without reuse, 768 bytes planned, peak live 768 bytes
// REPORT: memory plan (sram, chip 1): 1 buffers, 512 bytes without reuse, 512 bytes planned, peak live 512 bytes
// REPORT-NEXT: sram use at the peak: 0.8 KiB of 1.0 KiB (75.0%; weights 0.2 KiB)
module attributes {lmc.chips = 2 : i64, lmc.target = "name: 'small' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 1024 alignment_bytes: 64 bytes_per_cycle: 1 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<64xf32>}
    %w = lmc_isa.const {value = dense<1.0> : tensor<64xf32>}
    %a = lmc_isa.alloc {bytes = 768 : i64, lmc.chip = 0 : i64, space = "sram"}
    %b = lmc_isa.alloc {bytes = 512 : i64, lmc.chip = 1 : i64, space = "sram"}
    lmc_isa.inst "relu" (%a, %x) regions [#t, #t] imms [] {lmc.chip = 0 : i64, unit = "vxm"}
    lmc_isa.inst "relu" (%b, %w) regions [#t, #t] imms [] {lmc.chip = 1 : i64, unit = "vxm"}
    lmc_isa.inst "add" (%x, %b, %b) regions [#t, #t, #t] imms [] {lmc.chip = 1 : i64, unit = "vxm"}
    return
  }
}

// -----

// A chip that does not fit is named, with the chips the whole model needs
// (at least one more than now).
#t = #lmc_isa.region<f32, [64], [1], 0>
#u = #lmc_isa.region<f32, [128], [1], 0>
// expected-error @+1 {{chip 1 of 2 needs 1280 bytes of SRAM (1.2 KiB: 0.5 KiB of weights + 0.8 KiB of activations at the peak), target 'small' has 1024 (1.0 KiB) per chip and no DRAM; it would take 3 chips (lmc compile --chips 3)}}
module attributes {lmc.chips = 2 : i64, lmc.target = "name: 'small' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 1024 alignment_bytes: 64 bytes_per_cycle: 1 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<64xf32>}
    %w = lmc_isa.const {value = dense<1.0> : tensor<128xf32>}
    %a = lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 0 : i64, space = "sram"}
    %b = lmc_isa.alloc {bytes = 768 : i64, lmc.chip = 1 : i64, space = "sram"}
    lmc_isa.inst "relu" (%a, %x) regions [#t, #t] imms [] {lmc.chip = 0 : i64, unit = "vxm"}
    lmc_isa.inst "relu" (%b, %w) regions [#u, #u] imms [] {lmc.chip = 1 : i64, unit = "vxm"}
    lmc_isa.inst "add" (%x, %b, %b) regions [#t, #t, #t] imms [] {lmc.chip = 1 : i64, unit = "vxm"}
    return
  }
}

// -----

// Resident weights in stripe groups (groups of two 256-byte slices, the
// weights may take the 12 slices the working buffers leave: 6 groups):
// V, read by two overlapping regions, is stored whole (256 bytes), and
// first, the larger first (group 0); the four column tiles of W (8 x 16
// f32, disjoint regions of 128 bytes) follow round-robin, in the order
// they are read, in groups 1-4, so tiles read at once are in different
// groups. Each operand names 1 + the first slice of its group (2g + 1);
// the operands outside Const 0.
// CHECK-LABEL: module attributes
// CHECK-SAME: lmc.sram_bytes = 640 : i64
// CHECK: lmc_isa.inst "relu"{{.*}}lmc.weight_groups = array<i64: 0, 3>
// CHECK: lmc_isa.inst "relu"{{.*}}lmc.weight_groups = array<i64: 0, 5>
// CHECK: lmc_isa.inst "relu"{{.*}}lmc.weight_groups = array<i64: 0, 7>
// CHECK: lmc_isa.inst "relu"{{.*}}lmc.weight_groups = array<i64: 0, 9>
// CHECK: lmc_isa.inst "add"{{.*}}lmc.weight_groups = array<i64: 0, 1, 1>
// CHECK: lmc_isa.inst "relu"{{.*}}lmc.weight_groups = array<i64: 0, 3>
// REPORT: weights in stripe groups: 5 groups of 0.5 KiB
#o = #lmc_isa.region<f32, [8, 4], [4, 1], 0>
#t0 = #lmc_isa.region<f32, [8, 4], [16, 1], 0>
#t1 = #lmc_isa.region<f32, [8, 4], [16, 1], 4>
#t2 = #lmc_isa.region<f32, [8, 4], [16, 1], 8>
#t3 = #lmc_isa.region<f32, [8, 4], [16, 1], 12>
#v0 = #lmc_isa.region<f32, [8, 4], [4, 1], 0>
#v1 = #lmc_isa.region<f32, [8, 4], [4, 1], 4>
module attributes {lmc.target = "name: 'striped' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 4096 slices: 16 alignment_bytes: 32 bytes_per_cycle: 16 buffers_within_slices: true stripe_slices: 2 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %w = lmc_isa.const {value = dense<1.0> : tensor<8x16xf32>}
    %v = lmc_isa.const {value = dense<2.0> : tensor<8x8xf32>}
    %a = lmc_isa.alloc {bytes = 128 : i64, space = "sram"}
    %b = lmc_isa.alloc {bytes = 128 : i64, space = "sram"}
    lmc_isa.inst "relu" (%a, %w) regions [#o, #t0] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%b, %w) regions [#o, #t1] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%a, %w) regions [#o, #t2] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%b, %w) regions [#o, #t3] imms [] {unit = "vxm"}
    lmc_isa.inst "add" (%a, %v, %v) regions [#o, #v0, #v1] imms [] {unit = "vxm"}
    lmc_isa.inst "relu" (%b, %w) regions [#o, #t0] imms [] {unit = "vxm"}
    return
  }
}

// -----

// A pipeline stage's input (the destination of a chip-to-chip copy) keeps
// its bytes for the whole run: in a stream of inputs the previous chip
// writes the next input's copy while this chip still works on the current
// one. %d, which chip 1 writes after its last read of %r, would otherwise
// reuse %r's bytes (offset 256, where chip 1's plan and %r start).
#t = #lmc_isa.region<f32, [64], [1], 0>
// CHECK-LABEL: module attributes {lmc.chip_memory = array<i64: 0, 256, 0, 256, 768, 0>
// CHECK: lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 1 : i64, offset = 256 : i64, space = "sram"}
// CHECK: lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 1 : i64, offset = 512 : i64, space = "sram"}
// CHECK: lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 1 : i64, offset = 768 : i64, space = "sram"}
module attributes {lmc.chips = 2 : i64, lmc.target = "name: 'small' granularity: TILE clock_mhz: 1 weights_in_sram: true sram { bytes: 1024 alignment_bytes: 64 bytes_per_cycle: 1 } units { kind: MXM count: 1 tile_rows: 4 tile_cols: 4 rates { dtype: '*' per_cycle: 1 } } units { kind: VXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: SXM count: 1 rates { dtype: '*' per_cycle: 1 } } units { kind: C2C count: 1 rates { dtype: '*' per_cycle: 1 } }"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<64xf32>}
    %a = lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 0 : i64, space = "sram"}
    %r = lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 1 : i64, space = "sram"}
    %c = lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 1 : i64, space = "sram"}
    %d = lmc_isa.alloc {bytes = 256 : i64, lmc.chip = 1 : i64, space = "sram"}
    lmc_isa.inst "relu" (%a, %x) regions [#t, #t] imms [] {lmc.chip = 0 : i64, unit = "vxm"}
    lmc_isa.inst "copy" (%r, %a) regions [#t, #t] imms [] {lmc.chip = 0 : i64, unit = "c2c"}
    lmc_isa.inst "relu" (%c, %r) regions [#t, #t] imms [] {lmc.chip = 1 : i64, unit = "vxm"}
    lmc_isa.inst "relu" (%d, %c) regions [#t, #t] imms [] {lmc.chip = 1 : i64, unit = "vxm"}
    lmc_isa.inst "relu" (%x, %d) regions [#t, #t] imms [] {lmc.chip = 1 : i64, unit = "vxm"}
    return
  }
}
