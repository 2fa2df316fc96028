// RUN: lmc-opt %s -lmc-emit-bin=output=%t.bin -verify-diagnostics
// RUN: not test -e %t.bin
// A buffer without a planned offset cannot be emitted.
module attributes {lmc.target = "name: 'cpu' granularity: OPERATOR"} {
  func.func @main() {
    %x = lmc_isa.io {index = 0 : i64, name = "x", type = tensor<4xf32>}
    // expected-error @+1 {{has no offset: run lmc-plan-buffers before emission}}
    %a = lmc_isa.alloc {bytes = 16 : i64, space = "dram"}
    lmc_isa.inst "relu" (%a, %x) regions [#lmc_isa.region<f32, [4], [1], 0>, #lmc_isa.region<f32, [4], [1], 0>] imms []
    return
  }
}
