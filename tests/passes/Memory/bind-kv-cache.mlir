// RUN: lmc-opt %s -split-input-file -lmc-bind-kv-cache -verify-diagnostics | FileCheck %s

// A decode step: the cache input and output pair up; the present is a
// scatter of the past, its only reader, so it is updated in place. The
// module records the cache length, the tokens per step and the inputs.
// CHECK-LABEL: module attributes {lmc.kv_cache = {max_context = 8 : i64, position_input = "position", tokens_input = "tokens", tokens_per_step = 2 : i64}}
// CHECK: func @main(%{{.*}}: tensor<1x2xi64> {lmc.name = "tokens"}, %{{.*}}: tensor<1xi64> {lmc.name = "position"}, %{{.*}}: tensor<1x2x8x4xf32> {lmc.name = "past.0.key", lmc.state = "present.0.key"})
// CHECK-SAME: -> (tensor<1x2x4xf32> {lmc.name = "y"}, tensor<1x2x8x4xf32> {lmc.name = "present.0.key", lmc.state = "past.0.key", lmc.state_update = "in_place"})
func.func @main(%t: tensor<1x2xi64> {lmc.name = "tokens"}, %p: tensor<1xi64> {lmc.name = "position"},
                %past: tensor<1x2x8x4xf32> {lmc.name = "past.0.key"})
    -> (tensor<1x2x4xf32> {lmc.name = "y"}, tensor<1x2x8x4xf32> {lmc.name = "present.0.key"}) {
  %i = lmc_graph.constant {value = dense<3> : tensor<1x2x2x4xi64>} : tensor<1x2x2x4xi64>
  %k = lmc_graph.constant {value = dense<1.0> : tensor<1x2x2x4xf32>} : tensor<1x2x2x4xf32>
  %present = lmc_graph.scatter_elements %past, %i, %k {axis = 2 : i64} : (tensor<1x2x8x4xf32>, tensor<1x2x2x4xi64>, tensor<1x2x2x4xf32>) -> tensor<1x2x8x4xf32>
  %y = lmc_graph.slice %present {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x2x8x4xf32>) -> tensor<1x1x2x4xf32>
  %r = lmc_graph.reshape %y : tensor<1x1x2x4xf32> to tensor<1x2x4xf32>
  return %r, %present : tensor<1x2x4xf32>, tensor<1x2x8x4xf32>
}

// -----

// Hugging Face names pair too. A past that something else also reads
// cannot be updated in place: its present is copied (with a warning). The
// tokens input is found by name (input_ids); there is no position input.
// CHECK-LABEL: module attributes {lmc.kv_cache = {max_context = 4 : i64, position_input = "", tokens_input = "input_ids", tokens_per_step = 1 : i64}}
// CHECK: lmc.name = "present.0.value", lmc.state = "past_key_values.0.value", lmc.state_update = "copy"
// expected-warning @+1 {{--kv-cache: output 'present.0.value' is not a ScatterElements of input 'past_key_values.0.value' that is its only reader, so it cannot be updated in place: the whole cache (64 bytes) is copied into the state every step}}
func.func @main(%ids: tensor<1x1xi64> {lmc.name = "input_ids"},
                %past: tensor<1x1x4x4xf32> {lmc.name = "past_key_values.0.value"})
    -> (tensor<1x1x4x4xf32> {lmc.name = "y"}, tensor<1x1x4x4xf32> {lmc.name = "present.0.value"}) {
  %e = lmc_graph.exp %past : tensor<1x1x4x4xf32>
  %n = lmc_graph.neg %past : tensor<1x1x4x4xf32>
  return %e, %n : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}

// -----

// expected-error @+1 {{--kv-cache: no input is named past.<name> or past_key_values.<layer>.<key|value> (the model's inputs: 'tokens')}}
func.func @main(%t: tensor<1x1xi64> {lmc.name = "tokens"}) -> (tensor<1x1xi64> {lmc.name = "y"}) {
  return %t : tensor<1x1xi64>
}

// -----

// expected-error @+1 {{--kv-cache: input 'past.0.key' has no output 'present.0.key' to pair with}}
func.func @main(%t: tensor<1x1xi64> {lmc.name = "tokens"}, %p: tensor<1x1x4x4xf32> {lmc.name = "past.0.key"})
    -> (tensor<1x1x4x4xf32> {lmc.name = "y"}) {
  return %p : tensor<1x1x4x4xf32>
}

// -----

// expected-error @+1 {{--kv-cache: output 'present.1.key' has no input 'past.1.key' (or 'past_key_values.1.key') to pair with}}
func.func @main(%t: tensor<1x1xi64> {lmc.name = "tokens"}, %p: tensor<1x1x4x4xf32> {lmc.name = "past.0.key"})
    -> (tensor<1x1x4x4xf32> {lmc.name = "present.0.key"}, tensor<1x1x4x4xf32> {lmc.name = "present.1.key"}) {
  return %p, %p : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}

// -----

// A cache grown by Concat (present one position longer) is not a KV cache
// lmc can keep in place.
// expected-error @+1 {{--kv-cache: input 'past.0.key' is tensor<1x1x4x4xf32> but output 'present.0.key' is tensor<1x1x5x4xf32>: a KV cache has one shape, updated in place at the position (ScatterElements), not grown (Concat); see docs/kv-cache.md}}
func.func @main(%t: tensor<1x1xi64> {lmc.name = "tokens"}, %p: tensor<1x1x4x4xf32> {lmc.name = "past.0.key"},
                %k: tensor<1x1x1x4xf32> {lmc.name = "k"})
    -> (tensor<1x1x5x4xf32> {lmc.name = "present.0.key"}) {
  %c = lmc_graph.concat %p, %k {axis = 2 : i64} : (tensor<1x1x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x1x5x4xf32>
  return %c : tensor<1x1x5x4xf32>
}

// -----

// expected-error @+1 {{--kv-cache: input 'past.1.key' has 8 positions (dim 2) but 'past.0.key' has 4: every cache must have the same length}}
func.func @main(%t: tensor<1x1xi64> {lmc.name = "tokens"}, %a: tensor<1x1x4x4xf32> {lmc.name = "past.0.key"},
                %b: tensor<1x1x8x4xf32> {lmc.name = "past.1.key"})
    -> (tensor<1x1x4x4xf32> {lmc.name = "present.0.key"}, tensor<1x1x8x4xf32> {lmc.name = "present.1.key"}) {
  return %a, %b : tensor<1x1x4x4xf32>, tensor<1x1x8x4xf32>
}

// -----

// expected-error @+1 {{--kv-cache: no tokens input (an integer [1, S] input named 'tokens' or 'input_ids'): a decode step consumes S tokens}}
func.func @main(%x: tensor<1x1x4xf32> {lmc.name = "embeddings"}, %a: tensor<1x1x4x4xf32> {lmc.name = "past.0.key"})
    -> (tensor<1x1x4x4xf32> {lmc.name = "present.0.key"}) {
  return %a : tensor<1x1x4x4xf32>
}

// -----

// expected-error @+1 {{--kv-cache: input 'tokens' holds 8 tokens per step but the cache has 4 positions; a step must fit in the cache}}
func.func @main(%t: tensor<1x8xi64> {lmc.name = "tokens"}, %a: tensor<1x1x4x4xf32> {lmc.name = "past.0.key"})
    -> (tensor<1x1x4x4xf32> {lmc.name = "present.0.key"}) {
  return %a : tensor<1x1x4x4xf32>
}
