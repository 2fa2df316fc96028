// The ONNX importer's state and helpers, shared by the files that import
// one family of operators each (OnnxImporter.cpp holds the core and the
// tensor/shape operators). Internal to compiler/Import.
#pragma once

#include <map>
#include <cassert>
#include <optional>
#include <type_traits>
#include <string>
#include <vector>

#include "dialects/Graph/ConstEval.h"
#include "dialects/Graph/Graph.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "onnx/onnx_pb.h"

namespace lmc::import {

using namespace mlir;
namespace g = lmc::graph;

// "[2, 3]" for diagnostics.
std::string shapeText(ArrayRef<int64_t> shape);
// Tensors beyond 2^40 elements are not something lmc can lay out (and their
// byte sizes would overflow on the way); a negative dimension counts too.
bool tooManyElements(ArrayRef<int64_t> shape);

class Importer {
public:
  Importer(MLIRContext &ctx, onnx::ModelProto &model, const std::string &path)
      : ctx(ctx), model(model), path(path), b(&ctx) {}
  OwningOpRef<ModuleOp> run();

private:
  // --- types and tensors ---
  Type elementType(int32_t onnxType);
  FailureOr<DenseElementsAttr> tensorAttr(const onnx::TensorProto &t);
  FailureOr<Value> value(const std::string &name);
  // The constant behind `v`, if the importer or a fold made it one.
  std::optional<g::HostTensor> constant(Value v);
  std::optional<std::vector<int64_t>> constInts(Value v);
  Value constI64(ArrayRef<int64_t> values, ArrayRef<int64_t> shape);
  Value constScalar(Type elem, double v);

  // --- nodes ---
  LogicalResult importNode(const onnx::NodeProto &node, int index);
  LogicalResult importOp(const onnx::NodeProto &node);
  InFlightDiagnostic error() {
    return emitError(loc) << "node '" << nodeName << "' (" << node->op_type() << ", opset "
                          << opset << "): ";
  }
  const onnx::AttributeProto *attr(const std::string &name) const;
  int64_t attrInt(const std::string &name, int64_t fallback) const;
  float attrFloat(const std::string &name, float fallback) const;
  std::optional<std::vector<int64_t>> attrInts(const std::string &name) const;
  unsigned numInputs() const;
  FailureOr<Value> input(unsigned i);
  bool hasInput(unsigned i) const { return i < numInputs() && !node->input(i).empty(); }
  LogicalResult setOutput(unsigned i, Value v);
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

  template <typename OpTy, typename... Args>
  Value create(Type type, Args &&...args) {
    return b.createOrFold<OpTy>(loc, type, std::forward<Args>(args)...);
  }
  RankedTensorType tensor(ArrayRef<int64_t> shape, Type elem) {
    return RankedTensorType::get(shape, elem);
  }
  static RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }
  Value reshape(Value v, ArrayRef<int64_t> shape) {
    return create<g::ReshapeOp>(tensor(shape, typeOf(v).getElementType()), v);
  }
  Value transpose(Value v, ArrayRef<int64_t> perm) {
    SmallVector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(typeOf(v).getDimSize(p));
    return create<g::TransposeOp>(tensor(shape, typeOf(v).getElementType()), v,
                                  b.getDenseI64ArrayAttr(perm));
  }
  // `sizes[d]` elements of axis d from `starts[d]`, unit steps.
  Value slice(Value v, ArrayRef<int64_t> starts, ArrayRef<int64_t> sizes) {
    SmallVector<int64_t> steps(starts.size(), 1);
    return create<g::SliceOp>(tensor(sizes, typeOf(v).getElementType()), v,
                              b.getDenseI64ArrayAttr(starts), b.getDenseI64ArrayAttr(steps));
  }
  Value concat(ArrayRef<Value> parts, int64_t axis) {
    if (parts.size() == 1)
      return parts.front();
    SmallVector<int64_t> shape(typeOf(parts.front()).getShape());
    shape[axis] = 0;
    for (Value p : parts)
      shape[axis] += typeOf(p).getDimSize(axis);
    return create<g::ConcatOp>(tensor(shape, typeOf(parts.front()).getElementType()), parts,
                               b.getI64IntegerAttr(axis));
  }
  // An elementwise binary operation on operands already known to broadcast.
  template <typename OpTy>
  Value binary(Value lhs, Value rhs) {
    SmallVector<int64_t> shape;
    [[maybe_unused]] bool ok =
        g::broadcastShapes(typeOf(lhs).getShape(), typeOf(rhs).getShape(), shape);
    assert(ok && "the caller checked that the operands broadcast");
    constexpr bool logical = std::is_same_v<OpTy, g::LessOp> ||
                             std::is_same_v<OpTy, g::GreaterOp> ||
                             std::is_same_v<OpTy, g::EqualOp>;
    Type elem = logical ? Type(b.getI1Type()) : typeOf(lhs).getElementType();
    return create<OpTy>(tensor(shape, elem), lhs, rhs);
  }
  Value select(Value condition, Value lhs, Value rhs) {
    SmallVector<int64_t> s1, shape;
    [[maybe_unused]] bool ok =
        g::broadcastShapes(typeOf(condition).getShape(), typeOf(lhs).getShape(), s1) &&
        g::broadcastShapes(s1, typeOf(rhs).getShape(), shape);
    assert(ok && "the caller checked that the operands broadcast");
    return create<g::WhereOp>(tensor(shape, typeOf(lhs).getElementType()), condition, lhs, rhs);
  }
  FailureOr<Value> broadcastBinary(StringRef op, Value lhs, Value rhs);
  // numpy's matmul shapes: 1-D operands made a row (lhs) or a column (rhs),
  // the contraction checked, batch dims broadcast. `batchMessage`: a batch
  // mismatch gets its own message rather than "cannot multiply".
  struct MatMulShape {
    Value a, b;
    bool vecA, vecB;
    SmallVector<int64_t> shape;  // of the product before dropVectorAxes
    // The product `r` without the axes the 1-D operands added.
    Value dropVectorAxes(Importer &im, Value r) const;
  };
  FailureOr<MatMulShape> matmulShape(Value a, Value bv, bool batchMessage);
  FailureOr<Value> matmul(Value a, Value bv);
  // QuantizeLinear / DequantizeLinear: scale and zero point (a zero of
  // `zeroType` when absent), each a scalar or 1-D along the returned axis.
  struct QuantParams {
    Value scale, zeroPoint;
    int64_t axis = 0;
  };
  FailureOr<QuantParams> quantParams(Value x, Type zeroType);
  // A scale or zero point of MatMulInteger / QLinearMatMul for `operand`
  // (rank >= 2): one element gives a scalar, a 1-D per-row parameter of
  // the left operand [M] becomes [M, 1]; the rest must broadcast.
  FailureOr<Value> matmulParam(Value param, Value operand, bool lhs, StringRef what);
  // MatMulInteger's (a - za) @ (b - zb) in i32, with numpy's 1-D rules.
  // MatMulInteger: (a - za) @ (b - zb) in i32 (a null zero point is 0),
  // numpy's rules for 1-D operands. With scales (QLinearMatMul), the f32
  // product of the dequantized operands, f32(acc) * (sa * sb).
  FailureOr<Value> matmulInteger(Value a, Value bv, Value za, Value zb, Value sa = {},
                                 Value sb = {});
  LogicalResult importQuantOp(const onnx::NodeProto &n);

  // --- recurrent layers: RNN, GRU, LSTM (ImportRecurrent.cpp) ---
  struct Activation {
    std::string name;
    float alpha = 0, beta = 0;
  };
  LogicalResult importRecurrent(const onnx::NodeProto &n);
  LogicalResult importReverseSequence();
  FailureOr<SmallVector<Activation>> recurrentActivations(ArrayRef<StringRef> defaults,
                                                          int64_t directions);
  Value activate(const Activation &f, Value x, std::optional<float> clip);

  // --- Einsum (ImportEinsum.cpp) ---
  LogicalResult importEinsum(const onnx::NodeProto &n);

  // --- If, Loop, Scan: inlined or unrolled (ImportControlFlow.cpp) ---
  LogicalResult importControlFlow(const onnx::NodeProto &n);
  // Imports the nodes of `graph` (a node's attribute) with its inputs bound
  // to `inputs`, returns its outputs; outer-scope names stay visible. Its
  // nodes are named "<node>[<tag>]/<name>" (tag: the branch or iteration).
  FailureOr<SmallVector<Value>> importSubgraph(const onnx::GraphProto &graph,
                                               ArrayRef<Value> inputs, StringRef what,
                                               const std::string &tag);
  // CNN operators (ImportConv.cpp, ImportResize.cpp); importCnnOp returns
  // nothing for an operator of another family.
  std::optional<LogicalResult> importCnnOp(const onnx::NodeProto &n);
  // The sliding-window geometry of a convolution or pooling, per spatial axis.
  struct WindowGeometry {
    SmallVector<int64_t> kernel, strides, dilations, padsBegin, padsEnd, inputDilations, out;
  };
  // strides, dilations, pads / auto_pad of the node for an input of spatial
  // shape `in` (ceil_mode: a last partial window).
  FailureOr<WindowGeometry> windowGeometry(ArrayRef<int64_t> in, ArrayRef<int64_t> kernel,
                                           bool ceilMode);
  LogicalResult checkWindowSize(const WindowGeometry &g, int64_t n, int64_t c);
  FailureOr<SmallVector<int64_t>> spatialAttr(const std::string &name, size_t count,
                                              int64_t fallback, int64_t min);
  // lmc_graph.window of `x` [N, C, spatial...]: [N, C, K, P].
  Value window(Value x, const WindowGeometry &g, double padValue);
  LogicalResult checkImage(Value x, const char *what);
  Value channelVector(Value v, int64_t rank);
  Value constFloats(ArrayRef<double> values, ArrayRef<int64_t> shape, Type elem);
  // `given` axes normalized, or every axis of `rank` when absent.
  FailureOr<std::vector<int64_t>> axesOrAll(const std::optional<std::vector<int64_t>> &given,
                                            int64_t rank);
  // x gathered along `axis` at constant indices.
  Value gatherAxis(Value x, int64_t axis, ArrayRef<int64_t> indices);
  LogicalResult importConv(bool transposed);
  LogicalResult importPool(bool isMax);
  LogicalResult importGlobalPool(bool isMax);
  LogicalResult importBatchNorm();
  LogicalResult importInstanceNorm();
  LogicalResult importLrn();
  LogicalResult importResize(bool upsample);
  LogicalResult importGridSample();  // ImportGridSample.cpp
  LogicalResult importPad();
  LogicalResult importDepthToSpace(bool toSpace);
  LogicalResult importTile();

  // ImportMath.cpp: elementwise functions, activations, reductions,
  // arg/scan/top-k, indexing and losses.
  static bool isMathOp(const onnx::NodeProto &n);
  LogicalResult importMathOp(const onnx::NodeProto &n);
  LogicalResult importVariadic(const onnx::NodeProto &n);
  LogicalResult importReduce(const onnx::NodeProto &n, Value x);
  LogicalResult importAxisOp(const onnx::NodeProto &n, Value x);
  LogicalResult importIndexing(const onnx::NodeProto &n, Value x);
  LogicalResult importLoss(const onnx::NodeProto &n, Value x);
  // A reduction of `kind` (sum, mean, max, min, prod) over sorted `axes`
  // (empty: all), keeping them as size 1.
  Value reduceKeep(StringRef kind, Value x, ArrayRef<int64_t> axes);
  Value logSoftmax(Value x, int64_t axis);
  // The i64 constant 0, 1, ..., n-1 along `axis` of a rank-`rank` shape of 1s.
  Value iota(int64_t n, int64_t axis, int64_t rank);
  // The i64 coordinates [..., rank] of every element of `indices`, with
  // the index itself on `axis` (ScatterElements as scatter_nd).
  Value coordinates(Value indices, int64_t axis);

  FailureOr<Value> layerNormStats(Value x, int64_t axis, double epsilon, bool invStd);
  LogicalResult importSlice(Value data);

  MLIRContext &ctx;
  onnx::ModelProto &model;
  std::string path;
  OpBuilder b;
  Location loc = UnknownLoc::get(&ctx);
  std::map<std::string, Value> values;
  std::map<std::string, onnx::TensorProto *> initializers;
  const onnx::NodeProto *node = nullptr;
  std::string nodeName;
  std::string scope;  // prefix of node names inside If/Loop/Scan bodies
  int64_t unrolledBodies = 0;
  int64_t opset = 0;
};

}  // namespace lmc::import
