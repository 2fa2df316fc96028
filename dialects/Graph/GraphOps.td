// Operations of the lmc_graph dialect.
#ifndef LMC_GRAPH_OPS_TD
#define LMC_GRAPH_OPS_TD

include "dialects/Graph/GraphDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, !listconcat(traits, [Pure])>;

def Graph_ConstantOp : Graph_Op<"constant", [ConstantLike]> {
  let summary = "a constant tensor";
  let description = [{
    A tensor known at compile time: an ONNX initializer, a Constant node or
    a folded subgraph. The attribute's type equals the result type.

    ```mlir
    %c = lmc_graph.constant {value = dense<[1, 16]> : tensor<2xi64>} : tensor<2xi64>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Graph_WeightOp : Graph_Op<"weight"> {
  let summary = "a weight whose values are absent";
  let description = [{
    An ONNX initializer kept as external data that `--no-weights` leaves
    unread: its type is known, its values are not. Nothing folds through it;
    the `.bin` reserves its bytes without storing them.

    ```mlir
    %w = lmc_graph.weight {name = "model.layers.0.mlp.up_proj.weight"} : tensor<4096x11008xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Graph_BinaryOp<string mnemonic, string what> : Graph_Op<mnemonic> {
  let summary = "elementwise " # what # " with numpy broadcasting";
  let description = [{
    Applies the operation to the operands broadcast to the result shape
    (ONNX multidirectional broadcasting). Arithmetic results keep the
    operands' element type; comparisons produce i1.

    ```mlir
    %z = lmc_graph.}] # mnemonic # [{ %x, %y : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$lhs, AnyStaticShapeTensor:$rhs);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_AddOp : Graph_BinaryOp<"add", "addition">;
def Graph_SubOp : Graph_BinaryOp<"sub", "subtraction">;
def Graph_MulOp : Graph_BinaryOp<"mul", "multiplication">;
def Graph_DivOp : Graph_BinaryOp<"div", "division (integers truncate toward zero)">;
def Graph_PowOp : Graph_BinaryOp<"pow", "power">;
def Graph_MaxOp : Graph_BinaryOp<"max", "maximum">;
def Graph_MinOp : Graph_BinaryOp<"min", "minimum">;
def Graph_EqualOp : Graph_BinaryOp<"equal", "equality comparison">;
def Graph_LessOp : Graph_BinaryOp<"less", "less-than comparison">;
def Graph_GreaterOp : Graph_BinaryOp<"greater", "greater-than comparison">;
def Graph_AndOp : Graph_BinaryOp<"and", "logical and">;
def Graph_OrOp : Graph_BinaryOp<"or", "logical or">;

class Graph_UnaryOp<string mnemonic, string what>
    : Graph_Op<mnemonic, [SameOperandsAndResultType]> {
  let summary = "elementwise " # what;
  let description = [{
    Applies the function to every element; the result has the operand's type.

    ```mlir
    %y = lmc_graph.}] # mnemonic # [{ %x : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasFolder = 1;
}

def Graph_NegOp : Graph_UnaryOp<"neg", "negation">;
def Graph_SqrtOp : Graph_UnaryOp<"sqrt", "square root">;
def Graph_ReciprocalOp : Graph_UnaryOp<"reciprocal", "reciprocal">;
def Graph_ErfOp : Graph_UnaryOp<"erf", "error function">;
def Graph_TanhOp : Graph_UnaryOp<"tanh", "hyperbolic tangent">;
def Graph_SigmoidOp : Graph_UnaryOp<"sigmoid", "logistic sigmoid">;
def Graph_ReluOp : Graph_UnaryOp<"relu", "rectified linear unit">;
def Graph_ExpOp : Graph_UnaryOp<"exp", "exponential">;
def Graph_LogOp : Graph_UnaryOp<"log", "natural logarithm">;
def Graph_AbsOp : Graph_UnaryOp<"abs", "absolute value">;
def Graph_NotOp : Graph_UnaryOp<"not", "logical negation">;
def Graph_RoundOp : Graph_UnaryOp<"round", "rounding to the nearest integer, halves to even">;

def Graph_MathOp : Graph_Op<"math", [SameOperandsAndResultType]> {
  let summary = "an elementwise function named by an attribute";
  let description = [{
    `fn` is one of `floor ceil sin cos tan asin acos atan sinh cosh asinh
    acosh atanh sign` (runtime/format/MathFn.h, the `math` opcode's
    functions): floats, and `sign` (-1, 0 or 1) also on integers. One op
    for the functions that no exact composition of other ops gives.

    ```mlir
    %y = lmc_graph.math %x {fn = "sin"} : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, StrAttr:$fn);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_ModOp : Graph_Op<"mod"> {
  let summary = "elementwise remainder with numpy broadcasting";
  let description = [{
    ONNX Mod: with `fmod` the remainder has the sign of `lhs` (C's
    `fmod`, truncated division), otherwise that of `rhs` (floored
    division, Python's `%`). Numeric operands of one element type; an
    integer remainder by zero is a run-time error.

    ```mlir
    %z = lmc_graph.mod %x, %y {fmod = false} : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$lhs, AnyStaticShapeTensor:$rhs, BoolAttr:$fmod);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_BitShiftOp : Graph_Op<"bitshift"> {
  let summary = "elementwise bit shift of unsigned integers with numpy broadcasting";
  let description = [{
    `lhs << rhs` (`left`) or `lhs >> rhs`; a shift by the bit width or
    more gives 0.

    ```mlir
    %z = lmc_graph.bitshift %x, %y {left = true} : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xui8>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$lhs, AnyStaticShapeTensor:$rhs, BoolAttr:$left);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_CastOp : Graph_Op<"cast"> {
  let summary = "elementwise conversion of the element type";
  let description = [{
    Converts each element to the result's element type with ONNX Cast
    semantics (float to integer truncates toward zero; to i1 is `x != 0`).

    ```mlir
    %y = lmc_graph.cast %x : tensor<4xf32> to tensor<4xi64>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_WhereOp : Graph_Op<"where"> {
  let summary = "elementwise select with broadcasting";
  let description = [{
    `result = condition ? lhs : rhs`, all three broadcast to the result shape.

    ```mlir
    %y = lmc_graph.where %m, %a, %b : (tensor<16x16xi1>, tensor<1x4x16x16xf32>, tensor<f32>) -> tensor<1x4x16x16xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$condition, AnyStaticShapeTensor:$lhs,
                       AnyStaticShapeTensor:$rhs);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$condition `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Matrix and normalizations
//===----------------------------------------------------------------------===//

def Graph_MatMulOp : Graph_Op<"matmul"> {
  let summary = "batched matrix product with broadcast batch dimensions";
  let description = [{
    numpy `matmul` on operands of rank >= 2 (the importer reshapes 1-D ONNX
    operands): `[..., M, K] x [..., K, N] -> [..., M, N]`, batch dimensions
    broadcast. f32, or i32 with exact products and sums modulo 2^32 (what
    `matmul_integer` decomposes into).

    ```mlir
    %y = lmc_graph.matmul %x, %w : (tensor<1x16x64xf32>, tensor<64x256xf32>) -> tensor<1x16x256xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$lhs, AnyStaticShapeTensor:$rhs);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_QMatMulOp : Graph_Op<"qmatmul"> {
  let summary = "matrix product with a quantized constant right-hand side";
  let description = [{
    `[..., M, K] x B -> [..., M, N]` where B is a K x N matrix of small
    integers `weights` with f32 `scales` of shape `[ceil(K / group), N]`:
    `B[k][n] = weights[k][n] * scales[k / group][n]`. The element type of
    `weights` names the scheme: `i8` (int8, per output channel when
    `group` is K), `i4` (int4, group-wise along K) or `i2` (ternary, values
    -1, 0, +1, one absmean scale repeated). Each row of the left-hand side
    is quantized to int8 on the fly (dynamic, per token), so the products
    are integer; FORMAT.md's `matmul_q` gives the exact arithmetic.
    `lmc-quantize` makes it from a `matmul` with constant weights;
    `weights` and `scales` are constants (or absent weights).

    ```mlir
    %y = lmc_graph.qmatmul %x, %w, %s {group = 32 : i64}
        : (tensor<1x16x64xf32>, tensor<64x256xi4>, tensor<2x256xf32>) -> tensor<1x16x256xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$lhs, AnyStaticShapeTensor:$weights,
                       AnyStaticShapeTensor:$scales, I64Attr:$group);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$lhs `,` $weights `,` $scales attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_SoftmaxOp : Graph_Op<"softmax", [SameOperandsAndResultType]> {
  let summary = "softmax along one axis";
  let description = [{
    `exp(x - max) / sum(exp(x - max))` along `axis` (non-negative).

    ```mlir
    %p = lmc_graph.softmax %s {axis = 3 : i64} : tensor<1x4x16x16xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, I64Attr:$axis);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Graph_GeluOp : Graph_Op<"gelu", [SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `0.5 * x * (1 + erf(x / sqrt(2)))`, or with `tanh_approximation`
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))` (GPT-2's
    "gelu_new"). `lmc-fuse` makes it from the decomposed forms exporters
    write.

    ```mlir
    %y = lmc_graph.gelu %x {tanh_approximation = true} : tensor<1x16x256xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, BoolAttr:$tanh_approximation);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Graph_LayerNormOp : Graph_Op<"layer_norm"> {
  let summary = "layer normalization over the trailing axes";
  let description = [{
    Normalizes over axes `[axis, rank)` to zero mean and unit variance
    (with `epsilon` added to the variance), then multiplies by `scale` and
    adds the optional `bias`. `scale` and `bias` have the normalized shape
    `input.shape[axis:]`.

    ```mlir
    %y = lmc_graph.layer_norm %x, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f64}
        : (tensor<1x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, AnyStaticShapeTensor:$scale,
                       Optional<AnyStaticShapeTensor>:$bias, I64Attr:$axis, F64Attr:$epsilon);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Graph_ReduceOp<string mnemonic, string what> : Graph_Op<mnemonic> {
  let summary = "reduction by " # what # " over a set of axes";
  let description = [{
    Reduces `axes` (sorted, unique, non-negative; empty means all axes).
    With `keepdims` the reduced axes stay as size 1, otherwise they are
    removed.

    ```mlir
    %m = lmc_graph.}] # mnemonic # [{ %x {axes = array<i64: 2>, keepdims = true} : (tensor<1x16x64xf32>) -> tensor<1x16x1xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, DenseI64ArrayAttr:$axes, BoolAttr:$keepdims);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_ReduceSumOp : Graph_ReduceOp<"reduce_sum", "sum">;
def Graph_ReduceMeanOp : Graph_ReduceOp<"reduce_mean", "mean">;
def Graph_ReduceMaxOp : Graph_ReduceOp<"reduce_max", "maximum">;
def Graph_ReduceMinOp : Graph_ReduceOp<"reduce_min", "minimum">;
def Graph_ReduceProdOp : Graph_ReduceOp<"reduce_prod", "product">;

class Graph_ArgOp<string mnemonic, string what> : Graph_Op<mnemonic> {
  let summary = "i64 index of the " # what # " along an axis";
  let description = [{
    The result has the input's shape with size 1 on `axis` and holds the
    index of the }] # what # [{ of each lane: the first of equal values, or
    the last with `select_last_index`. A NaN counts as the extreme (numpy).

    ```mlir
    %i = lmc_graph.}] # mnemonic # [{ %x {axis = 1 : i64, select_last_index = false} : (tensor<2x5xf32>) -> tensor<2x1xi64>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, I64Attr:$axis, BoolAttr:$select_last_index);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_ArgMaxOp : Graph_ArgOp<"argmax", "maximum">;
def Graph_ArgMinOp : Graph_ArgOp<"argmin", "minimum">;

def Graph_CumSumOp : Graph_Op<"cumsum", [SameOperandsAndResultType]> {
  let summary = "prefix sums along an axis";
  let description = [{
    ONNX CumSum: `result[.., j, ..]` is the sum of the input's elements
    up to `j` along `axis` (from the end with `reverse`; without element
    `j` itself with `exclusive`).

    ```mlir
    %y = lmc_graph.cumsum %x {axis = 0 : i64, exclusive = false, reverse = false} : tensor<5xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, I64Attr:$axis, BoolAttr:$exclusive,
                       BoolAttr:$reverse);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Graph_TopKOp : Graph_Op<"topk"> {
  let summary = "i64 indices of the k largest or smallest elements along an axis";
  let description = [{
    The result has the input's shape with `k` (its own size) on `axis`:
    the indices of the `k` largest (`largest`) or smallest elements of
    each lane, sorted by value, equal values by lower index. ONNX TopK's
    values are a `gather_elements` of the input at these indices.

    ```mlir
    %i = lmc_graph.topk %x {axis = 1 : i64, largest = true} : (tensor<3x4xf32>) -> tensor<3x2xi64>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, I64Attr:$axis, BoolAttr:$largest);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Graph_GatherOp : Graph_Op<"gather"> {
  let summary = "gather slices along an axis by integer indices";
  let description = [{
    ONNX Gather: `result.shape = data.shape[:axis] + indices.shape +
    data.shape[axis+1:]`; negative indices count from the end.

    ```mlir
    %e = lmc_graph.gather %table, %ids {axis = 0 : i64} : (tensor<256x64xf32>, tensor<1x16xi64>) -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$data, AnyStaticShapeTensor:$indices, I64Attr:$axis);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$data `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_ScatterElementsOp : Graph_Op<"scatter_elements"> {
  let summary = "write updates into a copy of data at indices along an axis";
  let description = [{
    ONNX ScatterElements without reduction: the result is `data` with
    `result[i with i[axis] replaced by indices[i]] = updates[i]` for every
    index `i` of `indices` (row-major order, so of duplicate targets the
    later one wins). `indices` and `updates` have one shape, of `data`'s
    rank and at most `data`'s dims off `axis`; negative indices count from
    the end. A KV-cache decoder writes its new keys and values into the
    cache with it (docs/kv-cache.md); `lmc compile --kv-cache` turns that
    into an in-place update of the State tensor.

    ```mlir
    %present = lmc_graph.scatter_elements %past, %positions, %k {axis = 2 : i64}
        : (tensor<1x4x16x16xf32>, tensor<1x4x1x16xi64>, tensor<1x4x1x16xf32>) -> tensor<1x4x16x16xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$data, AnyStaticShapeTensor:$indices,
                       AnyStaticShapeTensor:$updates, I64Attr:$axis);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_GatherElementsOp : Graph_Op<"gather_elements"> {
  let summary = "gather single elements along an axis (ONNX GatherElements)";
  let description = [{
    `result[i] = data[i with i[axis] replaced by indices[i]]`; the result
    has the shape of `indices`, which has `data`'s rank and at most its
    dims off `axis`. Negative indices count from the end.

    ```mlir
    %y = lmc_graph.gather_elements %x, %i {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2x2xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$data, AnyStaticShapeTensor:$indices, I64Attr:$axis);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$data `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_GatherNDOp : Graph_Op<"gather_nd"> {
  let summary = "gather slices by index tuples (ONNX GatherND)";
  let description = [{
    `indices` is `[batch..., rest..., m]` whose first `batch_dims` dims
    are `data`'s; each tuple of its last axis picks the slice
    `data[batch, t0, ..., t(m-1), ...]`. The result is
    `indices.shape[:-1] + data.shape[batch_dims + m:]`.

    ```mlir
    %y = lmc_graph.gather_nd %x, %i {batch_dims = 0 : i64} : (tensor<2x2xf32>, tensor<2x1xi64>) -> tensor<2x2xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$data, AnyStaticShapeTensor:$indices,
                       I64Attr:$batch_dims);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$data `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_ScatterNDOp : Graph_Op<"scatter_nd"> {
  let summary = "write (or combine) slices at index tuples into a copy of data (ONNX ScatterND)";
  let description = [{
    `indices` is `[rest..., m]`, `updates` `[rest..., data.shape[m:]...]`:
    the result is `data` with each slice `result[indices[r]]` replaced by
    `updates[r]` (`reduction` "none"), or combined with it by "add",
    "mul", "max" or "min", in row-major order of `rest`.

    ```mlir
    %y = lmc_graph.scatter_nd %x, %i, %u {reduction = "add"}
        : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$data, AnyStaticShapeTensor:$indices,
                       AnyStaticShapeTensor:$updates, StrAttr:$reduction);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_ReshapeOp : Graph_Op<"reshape"> {
  let summary = "reinterpret a tensor with another static shape";
  let description = [{
    Row-major reinterpretation; the element count is unchanged. ONNX
    Reshape, Squeeze, Unsqueeze and Flatten import as this operation.

    ```mlir
    %y = lmc_graph.reshape %x : tensor<1x16x64xf32> to tensor<1x16x4x16xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_TransposeOp : Graph_Op<"transpose"> {
  let summary = "permute the axes of a tensor";
  let description = [{
    `result.shape[i] = input.shape[perm[i]]`.

    ```mlir
    %y = lmc_graph.transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x16x4x16xf32>) -> tensor<1x4x16x16xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_ConcatOp : Graph_Op<"concat"> {
  let summary = "concatenate tensors along an axis";
  let description = [{
    All operands share the rank, the element type and every dimension but
    `axis`.

    ```mlir
    %y = lmc_graph.concat %a, %b {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
    ```
  }];
  let arguments = (ins Variadic<AnyStaticShapeTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_SliceOp : Graph_Op<"slice"> {
  let summary = "a strided slice with one start and step per axis";
  let description = [{
    `result[i0, ...] = input[starts[0] + i0 * steps[0], ...]`: the result
    shape gives the count per axis, `starts` and `steps` (non-zero) have
    one entry per axis and are already clamped and normalized by the
    importer. ONNX Slice and Split import as this operation.

    ```mlir
    %q = lmc_graph.slice %qkv {starts = array<i64: 0, 0, 64>, steps = array<i64: 1, 1, 1>} : (tensor<1x16x192xf32>) -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$steps);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_ExpandOp : Graph_Op<"expand"> {
  let summary = "broadcast a tensor to a larger shape";
  let description = [{
    numpy broadcasting of the operand to the result shape.

    ```mlir
    %y = lmc_graph.expand %x : tensor<1x16xi64> to tensor<4x16xi64>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_WindowOp : Graph_Op<"window"> {
  let summary = "the sliding windows of a convolution or pooling (im2col)";
  let description = [{
    `input` is `[N, C, D...]` with 1 to 3 spatial axes; the result is
    `[N, C, K, P]`: for every kernel offset `j` (`K` of them, row-major over
    `kernel_shape`) and output position `q` (`P`, row-major over
    `output_shape`), the input element at `x_i = q_i * strides_i + j_i *
    dilations_i - pads_i` of the input dilated by `input_dilations` (the
    input's element `y` sits at `y * input_dilations_i`, the positions
    between hold `pad_value`), or `pad_value` outside it. Every attribute
    has one entry per spatial axis. Conv and ConvTranspose import as a
    window and a `matmul`, MaxPool and AveragePool as a window and a
    reduction over `K`.

    ```mlir
    %w = lmc_graph.window %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>,
        dilations = array<i64: 1, 1>, pads = array<i64: 1, 1>, input_dilations = array<i64: 1, 1>,
        output_shape = array<i64: 8, 8>, pad_value = 0.0 : f64}
        : (tensor<1x4x8x8xf32>) -> tensor<1x4x9x64xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$input_dilations,
                       DenseI64ArrayAttr:$output_shape, F64Attr:$pad_value);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_TriluOp : Graph_Op<"trilu", [SameOperandsAndResultType]> {
  let summary = "keep the upper or lower triangle of the last two axes";
  let description = [{
    Keeps `x[..., i, j]` where `j - i >= k` (`upper`) or `j - i <= k`
    (lower); other elements become zero.

    ```mlir
    %m = lmc_graph.trilu %ones {k = 0 : i64, upper = false} : tensor<16x16xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, I64Attr:$k, BoolAttr:$upper);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Quantization (ONNX QuantizeLinear & co.): made by the importer, folded into
// qmatmul by lmc-fold-quantized-weights where the weights allow it, the rest
// rewritten into elementwise ops by lmc-decompose-quant-ops.
//===----------------------------------------------------------------------===//

def Graph_QuantizeOp : Graph_Op<"quantize"> {
  let summary = "linear quantization to 8-bit integers (ONNX QuantizeLinear)";
  let description = [{
    `result = saturate(round(input / scale) + zero_point)`: the division in
    f32, `round` half to even, the sum saturated to the range of the
    result's element type (`i8` or `ui8`, that of `zero_point`). `scale`
    (f32) and `zero_point` have one shape: a scalar (per tensor) or a 1-D
    tensor of `input.shape[axis]` entries (per axis).

    ```mlir
    %q = lmc_graph.quantize %x, %s, %zp {axis = 1 : i64}
        : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xi8>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, AnyStaticShapeTensor:$scale,
                       AnyStaticShapeTensor:$zero_point, I64Attr:$axis);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input `,` $scale `,` $zero_point attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_DequantizeOp : Graph_Op<"dequantize"> {
  let summary = "linear dequantization of integers to f32 (ONNX DequantizeLinear)";
  let description = [{
    `result = f32(input - zero_point) * scale`: the difference exact in i32,
    converted to f32 (rounding to nearest even), then multiplied in f32.
    `input` and `zero_point` are `i8`, `ui8` or `i32`; `scale` (f32) and
    `zero_point` are scalars (per tensor) or 1-D tensors of
    `input.shape[axis]` entries (per axis).

    ```mlir
    %w = lmc_graph.dequantize %q, %s, %zp {axis = 1 : i64}
        : (tensor<64x32xi8>, tensor<32xf32>, tensor<32xi8>) -> tensor<64x32xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, AnyStaticShapeTensor:$scale,
                       AnyStaticShapeTensor:$zero_point, I64Attr:$axis);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input `,` $scale `,` $zero_point attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_DynamicQuantizeOp : Graph_Op<"dynamic_quantize"> {
  let summary = "quantization to ui8 with a scale and zero point computed from the data";
  let description = [{
    ONNX DynamicQuantizeLinear: with `lo = min(0, min(input))` and `hi =
    max(0, max(input))` (f32), `scale = (hi - lo) / 255`, `zero_point =
    saturate(round(-lo / scale))` and `result = saturate(round(input /
    scale) + zero_point)`, rounding half to even and saturating to [0, 255].
    An all-zero input gives scale 0 and, as every 0 / 0 does in a cast to
    an integer, zero point 0 and zeros.

    ```mlir
    %y, %s, %zp = lmc_graph.dynamic_quantize %x
        : (tensor<4x8xf32>) -> (tensor<4x8xui8>, tensor<f32>, tensor<ui8>)
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input);
  let results = (outs AnyStaticShapeTensor:$result, AnyStaticShapeTensor:$scale,
                      AnyStaticShapeTensor:$zero_point);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_MatMulIntegerOp : Graph_Op<"matmul_integer"> {
  let summary = "integer matrix product with zero points (ONNX MatMulInteger)";
  let description = [{
    `(lhs - lhs_zero_point) @ (rhs - rhs_zero_point)` on `i8` or `ui8`
    operands, exact in i32 (sums wrap modulo 2^32): numpy `matmul` on
    operands of rank >= 2, batch dimensions broadcast. Each zero point has
    its operand's element type and broadcasts to its operand's shape
    (a scalar, `[M, 1]` per row of `lhs`, `[N]` per column of `rhs`).

    ```mlir
    %y = lmc_graph.matmul_integer %a, %b, %za, %zb
        : (tensor<4x3xui8>, tensor<3x2xi8>, tensor<ui8>, tensor<2xi8>) -> tensor<4x2xi32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$lhs, AnyStaticShapeTensor:$rhs,
                       AnyStaticShapeTensor:$lhs_zero_point, AnyStaticShapeTensor:$rhs_zero_point);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs `,` $lhs_zero_point `,` $rhs_zero_point attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // LMC_GRAPH_OPS_TD
