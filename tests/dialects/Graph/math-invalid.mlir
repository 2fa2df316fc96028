// RUN: lmc-opt %s -split-input-file -verify-diagnostics
// One case per verifier rule of the ops in math-ops.mlir.

func.func @math_unknown(%x: tensor<4xf32>) {
  // expected-error @+1 {{unknown function 'sine'}}
  %0 = lmc_graph.math %x {fn = "sine"} : tensor<4xf32>
  return
}

// -----

func.func @math_int(%x: tensor<4xi32>) {
  // expected-error @+1 {{'cos' does not take element type 'i32'}}
  %0 = lmc_graph.math %x {fn = "cos"} : tensor<4xi32>
  return
}

// -----

func.func @mod_bool(%x: tensor<4xi1>) {
  // expected-error @+1 {{operands must be numbers, not i1}}
  %0 = lmc_graph.mod %x, %x {fmod = true} : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return
}

// -----

func.func @bitshift_signed(%x: tensor<4xi8>) {
  // expected-error @+1 {{operands must be unsigned integers}}
  %0 = lmc_graph.bitshift %x, %x {left = true} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  return
}

// -----

func.func @argmax_type(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{result type must be 'tensor<2x1xi64>'}}
  %0 = lmc_graph.argmax %x {axis = 1 : i64, select_last_index = false} : (tensor<2x5xf32>) -> tensor<2xi64>
  return
}

// -----

func.func @argmin_empty(%x: tensor<2x0xf32>) {
  // expected-error @+1 {{axis 1 is empty}}
  %0 = lmc_graph.argmin %x {axis = 1 : i64, select_last_index = false} : (tensor<2x0xf32>) -> tensor<2x1xi64>
  return
}

// -----

func.func @argmax_bool(%x: tensor<2x5xi1>) {
  // expected-error @+1 {{input must be numbers, not i1}}
  %0 = lmc_graph.argmax %x {axis = 1 : i64, select_last_index = false} : (tensor<2x5xi1>) -> tensor<2x1xi64>
  return
}

// -----

func.func @cumsum_axis(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = lmc_graph.cumsum %x {axis = 2 : i64, exclusive = false, reverse = false} : tensor<2x5xf32>
  return
}

// -----

func.func @cumsum_bool(%x: tensor<5xi1>) {
  // expected-error @+1 {{input must be numbers, not i1}}
  %0 = lmc_graph.cumsum %x {axis = 0 : i64, exclusive = false, reverse = false} : tensor<5xi1>
  return
}

// -----

func.func @topk_k(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{k = 6 exceeds the axis' size 5}}
  %0 = lmc_graph.topk %x {axis = 1 : i64, largest = true} : (tensor<2x5xf32>) -> tensor<2x6xi64>
  return
}

// -----

func.func @topk_type(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{result type must be 'tensor<2x3xi64>'}}
  %0 = lmc_graph.topk %x {axis = 1 : i64, largest = true} : (tensor<2x5xf32>) -> tensor<2x3xi32>
  return
}

// -----

func.func @gather_elements_indices(%x: tensor<2x5xf32>, %i: tensor<2x3xf32>) {
  // expected-error @+1 {{indices must be i32 or i64}}
  %0 = lmc_graph.gather_elements %x, %i {axis = 1 : i64} : (tensor<2x5xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @gather_elements_rank(%x: tensor<2x5xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{indices must have the rank of data (2)}}
  %0 = lmc_graph.gather_elements %x, %i {axis = 1 : i64} : (tensor<2x5xf32>, tensor<3xi64>) -> tensor<3xf32>
  return
}

// -----

func.func @gather_elements_wide(%x: tensor<2x5xf32>, %i: tensor<3x2xi64>) {
  // expected-error @+1 {{indices dim 0 exceeds data's}}
  %0 = lmc_graph.gather_elements %x, %i {axis = 1 : i64} : (tensor<2x5xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  return
}

// -----

func.func @gather_elements_type(%x: tensor<2x5xf32>, %i: tensor<2x2xi64>) {
  // expected-error @+1 {{result type must be 'tensor<2x2xf32>'}}
  %0 = lmc_graph.gather_elements %x, %i {axis = 1 : i64} : (tensor<2x5xf32>, tensor<2x2xi64>) -> tensor<2x2xf16>
  return
}

// -----

func.func @gather_nd_batch(%x: tensor<2x5xf32>, %i: tensor<2x1xi64>) {
  // expected-error @+1 {{batch_dims 2 must be below the ranks of data and indices}}
  %0 = lmc_graph.gather_nd %x, %i {batch_dims = 2 : i64} : (tensor<2x5xf32>, tensor<2x1xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @gather_nd_tuple(%x: tensor<2x5xf32>, %i: tensor<2x3xi64>) {
  // expected-error @+1 {{index tuples of 3 do not fit data of rank 2}}
  %0 = lmc_graph.gather_nd %x, %i {batch_dims = 0 : i64} : (tensor<2x5xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @gather_nd_batch_dims(%x: tensor<2x5xf32>, %i: tensor<3x1xi64>) {
  // expected-error @+1 {{batch dims of data and indices differ}}
  %0 = lmc_graph.gather_nd %x, %i {batch_dims = 1 : i64} : (tensor<2x5xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  return
}

// -----

func.func @gather_nd_type(%x: tensor<2x5xf32>, %i: tensor<3x1xi64>) {
  // expected-error @+1 {{result type must be 'tensor<3x5xf32>'}}
  %0 = lmc_graph.gather_nd %x, %i {batch_dims = 0 : i64} : (tensor<2x5xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  return
}

// -----

func.func @scatter_nd_indices(%x: tensor<4x3xf32>, %i: tensor<2x1xf32>, %u: tensor<2x3xf32>) {
  // expected-error @+1 {{indices must be i32 or i64}}
  %0 = lmc_graph.scatter_nd %x, %i, %u {reduction = "none"} : (tensor<4x3xf32>, tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @scatter_nd_reduction(%x: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) {
  // expected-error @+1 {{reduction 'sub' is not none, add, mul, max or min}}
  %0 = lmc_graph.scatter_nd %x, %i, %u {reduction = "sub"} : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @scatter_nd_tuple(%x: tensor<4x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2xf32>) {
  // expected-error @+1 {{index tuples of 3 do not fit data of rank 2}}
  %0 = lmc_graph.scatter_nd %x, %i, %u {reduction = "none"} : (tensor<4x3xf32>, tensor<2x3xi64>, tensor<2xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @scatter_nd_updates(%x: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x2xf32>) {
  // expected-error @+1 {{updates type must be 'tensor<2x3xf32>'}}
  %0 = lmc_graph.scatter_nd %x, %i, %u {reduction = "none"} : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x2xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @scatter_nd_result(%x: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) {
  // expected-error @+1 {{result type must be 'tensor<4x3xf32>'}}
  %0 = lmc_graph.scatter_nd %x, %i, %u {reduction = "none"} : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x3xf16>
  return
}
