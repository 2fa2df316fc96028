// RUN: lmc-opt %s -split-input-file -verify-diagnostics
// One case per verifier rule of lmc_isa (dialects/Isa/IsaVerify.cpp).

func.func @region_strides() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{region has 1 dims but 2 strides}}
  lmc_isa.inst "relu" (%a, %a) regions [#lmc_isa.region<f32, [4], [1, 1], 0>, #lmc_isa.region<f32, [4], [1], 0>] imms []
  return
}

// -----

func.func @region_rank() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{region rank 7 exceeds 6 (F12)}}
  lmc_isa.inst "relu" (%a, %a) regions [#lmc_isa.region<f32, [1, 1, 1, 1, 1, 1, 4], [0, 0, 0, 0, 0, 0, 1], 0>, #lmc_isa.region<f32, [4], [1], 0>] imms []
  return
}

// -----

func.func @region_dim() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{region has a negative dimension}}
  lmc_isa.inst "relu" (%a, %a) regions [#lmc_isa.region<f32, [-4], [1], 0>, #lmc_isa.region<f32, [4], [1], 0>] imms []
  return
}

// -----

func.func @region_offset() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{region offset is negative}}
  lmc_isa.inst "relu" (%a, %a) regions [#lmc_isa.region<f32, [4], [1], -1>, #lmc_isa.region<f32, [4], [1], 0>] imms []
  return
}

// -----

func.func @region_type() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{region element type must be an integer or float}}
  lmc_isa.inst "relu" (%a, %a) regions [#lmc_isa.region<index, [4], [1], 0>, #lmc_isa.region<f32, [4], [1], 0>] imms []
  return
}

// -----

func.func @alloc_bytes() {
  // expected-error @+1 {{bytes must be positive}}
  %a = lmc_isa.alloc {bytes = 0 : i64, space = "dram"}
  return
}

// -----

func.func @alloc_space() {
  // expected-error @+1 {{space must be "sram", "dram" or "state", not "hbm"}}
  %a = lmc_isa.alloc {bytes = 4 : i64, space = "hbm"}
  return
}

// -----

func.func @io_type() {
  // expected-error @+1 {{type must be a statically shaped tensor}}
  %a = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<?xf32>}
  return
}

// -----

func.func @state_type() {
  // expected-error @+1 {{type must be a statically shaped tensor}}
  %a = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<1x?xf32>}
  return
}

// -----

func.func @state_names() {
  // expected-error @+1 {{name and output must not be empty}}
  %a = lmc_isa.state {name = "past.0.key", output = "", type = tensor<4xf32>}
  return
}

// -----

func.func @state_offset() {
  // expected-error @+1 {{offset must not be negative}}
  %a = lmc_isa.state {name = "past.0.key", output = "present.0.key", type = tensor<4xf32>, offset = -64 : i64}
  return
}

// -----

func.func @io_name() {
  // expected-error @+1 {{name must not be empty}}
  %a = lmc_isa.io {index = 0 : i64, name = "", type = tensor<4xf32>}
  return
}

// -----

func.func @inst_opcode() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{unknown opcode 'frobnicate' (F11)}}
  lmc_isa.inst "frobnicate" (%a, %a) regions [#lmc_isa.region<f32, [4], [1], 0>, #lmc_isa.region<f32, [4], [1], 0>] imms []
  return
}

// -----

func.func @inst_regions() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{has 2 buffers but 1 regions}}
  lmc_isa.inst "relu" (%a, %a) regions [#lmc_isa.region<f32, [4], [1], 0>] imms []
  return
}

// -----

func.func @inst_operands() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{'add' takes 2 to 2 inputs after 1 output(s), got 2 operands (F11)}}
  lmc_isa.inst "add" (%a, %a) regions [#lmc_isa.region<f32, [4], [1], 0>, #lmc_isa.region<f32, [4], [1], 0>] imms []
  return
}

// -----

func.func @inst_imms() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{'softmax' takes 1 immediates, got 0 (F11)}}
  lmc_isa.inst "softmax" (%a, %a) regions [#lmc_isa.region<f32, [4], [1], 0>, #lmc_isa.region<f32, [4], [1], 0>] imms []
  return
}

// -----

func.func @inst_attr() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{regions must be #lmc_isa.region attributes}}
  lmc_isa.inst "relu" (%a, %a) regions [#lmc_isa.region<f32, [4], [1], 0>, 4 : i64] imms []
  return
}

// -----

func.func @inst_shape() {
  %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
  // expected-error @+1 {{operand regions of 'relu' must have the output's shape (F16)}}
  lmc_isa.inst "relu" (%a, %a) regions [#lmc_isa.region<f32, [4], [1], 0>, #lmc_isa.region<f32, [2], [1], 0>] imms []
  return
}

// -----

func.func @pack_b_dtype() {
  // expected-error @+1 {{pack_b needs a dense f32 value}}
  %c = lmc_isa.const {pack_b = array<i64: 0, 2, 2, 2, 1>, value = dense<1> : tensor<2x2xi32>}
  return
}

// -----

func.func @pack_b_arity() {
  // expected-error @+1 {{pack_b must be [offset, k, n, row_stride, col_stride]}}
  %c = lmc_isa.const {pack_b = array<i64: 0, 2, 2>, value = dense<1.0> : tensor<2x2xf32>}
  return
}

// -----

func.func @pack_b_empty() {
  // expected-error @+1 {{pack_b's matrix must be non-empty and packable, not 0 x 2}}
  %c = lmc_isa.const {pack_b = array<i64: 0, 0, 2, 2, 1>, value = dense<1.0> : tensor<2x2xf32>}
  return
}

// -----

func.func @pack_b_bounds() {
  // A transposed 2 x 3 view of 6 elements starting at 1 reads element 6.
  // expected-error @+1 {{pack_b's view reads elements [1, 6] outside the value's 6}}
  %c = lmc_isa.const {pack_b = array<i64: 1, 2, 3, 1, 2>, value = dense<1.0> : tensor<3x2xf32>}
  return
}

// -----

func.func @pack_b_overflow() {
  // expected-error @+1 {{pack_b's view overflows}}
  %c = lmc_isa.const {pack_b = array<i64: 0, 2, 2, 9223372036854775807, 1>, value = dense<1.0> : tensor<2x2xf32>}
  return
}
