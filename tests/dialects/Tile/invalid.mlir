// RUN: lmc-opt %s -split-input-file -verify-diagnostics
// One case per verifier rule of lmc_tile (dialects/Tile/TileVerify.cpp).

#r = #lmc_isa.region<f32, [16, 64], [64, 1], 0>

// A tile is an instruction: the lmc_isa operand rules hold.
func.func @operands() {
  %a = lmc_isa.alloc {bytes = 4096 : i64, space = "sram"}
  // expected-error @+1 {{'relu' takes 1 to 1 inputs after 1 output(s), got 3 operands (F11)}}
  lmc_tile.vector "relu" (%a, %a, %a) regions [#r, #r, #r] imms []
  return
}

// -----

func.func @unknown_opcode() {
  %a = lmc_isa.alloc {bytes = 4096 : i64, space = "sram"}
  // expected-error @+1 {{unknown opcode 'relux' (F11)}}
  lmc_tile.vector "relux" (%a, %a) regions [#lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>] imms []
  return
}

// -----

func.func @matmul_not_matrix() {
  %a = lmc_isa.alloc {bytes = 4096 : i64, space = "sram"}
  // expected-error @+1 {{'add' is not a matrix product}}
  lmc_tile.matmul "add" (%a, %a, %a) regions [#lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>] imms [] {tile = array<i64: 80, 64>}
  return
}

// -----

func.func @matmul_too_wide() {
  %a = lmc_isa.alloc {bytes = 65536 : i64, space = "sram"}
  // expected-error @+1 {{writes 128 columns, more than the 64 of its matrix-unit tile}}
  lmc_tile.matmul "matmul" (%a, %a, %a) regions [#lmc_isa.region<f32, [16, 128], [128, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 128], [128, 1], 0>] imms [] {tile = array<i64: 80, 64>}
  return
}

// -----

func.func @matmul_tile_shape() {
  %a = lmc_isa.alloc {bytes = 65536 : i64, space = "sram"}
  // expected-error @+1 {{tile must be [rows, cols] of the matrix unit, both positive}}
  lmc_tile.matmul "matmul" (%a, %a, %a) regions [#lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [64, 1], 0>] imms [] {tile = array<i64: 80>}
  return
}

// -----

func.func @vector_not_vector() {
  %a = lmc_isa.alloc {bytes = 4096 : i64, space = "sram"}
  // expected-error @+1 {{'copy' is not vector work}}
  lmc_tile.vector "copy" (%a, %a) regions [#lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>] imms []
  return
}

// -----

func.func @move_not_move() {
  %a = lmc_isa.alloc {bytes = 4096 : i64, space = "sram"}
  // expected-error @+1 {{'exp' is not data movement}}
  lmc_tile.move "exp" (%a, %a) regions [#lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>] imms []
  return
}

// -----

func.func @dma_shapes() {
  %a = lmc_isa.alloc {bytes = 4096 : i64, space = "sram"}
  %w = lmc_isa.const {value = dense<0.5> : tensor<64x64xf32>}
  // expected-error @+1 {{operand regions of 'copy' must have the output's shape (F16)}}
  lmc_tile.dma (%a, %w) regions [#lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [64, 64], [64, 1], 0>]
  return
}

// -----

func.func @dma_convert() {
  %a = lmc_isa.alloc {bytes = 4096 : i64, space = "sram"}
  %w = lmc_isa.const {value = dense<0.5> : tensor<64x64xf32>}
  // expected-error @+1 {{copies 'f32' into 'f16': a DMA does not convert}}
  lmc_tile.dma (%a, %w) regions [#lmc_isa.region<f16, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>]
  return
}

// -----

func.func @dma_slot() {
  %a = lmc_isa.alloc {bytes = 4096 : i64, space = "sram"}
  %w = lmc_isa.const {value = dense<0.5> : tensor<64x64xf32>}
  // expected-error @+1 {{slot must not be negative}}
  lmc_tile.dma (%a, %w) regions [#lmc_isa.region<f32, [16, 64], [64, 1], 0>, #lmc_isa.region<f32, [16, 64], [64, 1], 0>] {slot = -1 : i64}
  return
}
