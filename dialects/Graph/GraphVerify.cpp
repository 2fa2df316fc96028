// Verifiers of lmc_graph operations: the shape and type rules of each op.
#include "dialects/Graph/Graph.h"

#include "runtime/format/MathFn.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace lmc::graph;

namespace lmc::graph {
bool broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b, SmallVectorImpl<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}
}  // namespace lmc::graph

static RankedTensorType tensorType(Value v) { return cast<RankedTensorType>(v.getType()); }

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Checks that `result` is the broadcast of `operands` with element type `elem`.
static LogicalResult verifyBroadcast(Operation *op, ValueRange operands, Type elem) {
  SmallVector<int64_t> shape;
  for (Value v : operands) {
    SmallVector<int64_t> next;
    if (!broadcastShapes(shape, tensorType(v).getShape(), next))
      return op->emitOpError("operand shapes ")
             << shapeString(shape) << " and " << shapeString(tensorType(v).getShape())
             << " are not broadcast-compatible";
    shape = next;
  }
  auto result = tensorType(op->getResult(0));
  if (result.getShape() != ArrayRef<int64_t>(shape))
    return op->emitOpError("result shape ")
           << shapeString(result.getShape()) << " is not the broadcast shape "
           << shapeString(shape);
  if (result.getElementType() != elem)
    return op->emitOpError("result element type must be ") << elem;
  return success();
}

static LogicalResult verifyBinary(Operation *op, bool comparison, bool logical) {
  Type lhs = tensorType(op->getOperand(0)).getElementType();
  Type rhs = tensorType(op->getOperand(1)).getElementType();
  if (lhs != rhs)
    return op->emitOpError("operand element types differ: ") << lhs << " vs " << rhs;
  if (logical && !lhs.isInteger(1))
    return op->emitOpError("operands must be i1");
  Type i1 = IntegerType::get(op->getContext(), 1);
  return verifyBroadcast(op, op->getOperands(), comparison ? i1 : lhs);
}

#define LMC_BINARY_VERIFIER(Op, comparison, logical) \
  LogicalResult Op::verify() { return verifyBinary(*this, comparison, logical); }
LMC_BINARY_VERIFIER(AddOp, false, false)
LMC_BINARY_VERIFIER(SubOp, false, false)
LMC_BINARY_VERIFIER(MulOp, false, false)
LMC_BINARY_VERIFIER(DivOp, false, false)
LMC_BINARY_VERIFIER(PowOp, false, false)
LMC_BINARY_VERIFIER(MaxOp, false, false)
LMC_BINARY_VERIFIER(MinOp, false, false)
LMC_BINARY_VERIFIER(EqualOp, true, false)
LMC_BINARY_VERIFIER(LessOp, true, false)
LMC_BINARY_VERIFIER(GreaterOp, true, false)
LMC_BINARY_VERIFIER(AndOp, false, true)
LMC_BINARY_VERIFIER(OrOp, false, true)
#undef LMC_BINARY_VERIFIER

LogicalResult ConstantOp::verify() {
  if (getValue().getType() != getType())
    return emitOpError("value type ") << getValue().getType() << " differs from result type "
                                      << getType();
  return success();
}

LogicalResult CastOp::verify() {
  if (getInput().getType().getShape() != getType().getShape())
    return emitOpError("input and result shapes differ");
  return success();
}

LogicalResult WhereOp::verify() {
  if (!getCondition().getType().getElementType().isInteger(1))
    return emitOpError("condition must be i1");
  Type lhs = getLhs().getType().getElementType();
  if (lhs != getRhs().getType().getElementType())
    return emitOpError("value operands have different element types");
  return verifyBroadcast(*this, getOperands(), lhs);
}

LogicalResult MatMulOp::verify() {
  ArrayRef<int64_t> a = getLhs().getType().getShape(), b = getRhs().getType().getShape();
  if (a.size() < 2 || b.size() < 2)
    return emitOpError("operands must have rank >= 2");
  if (a.back() != b[b.size() - 2])
    return emitOpError("contraction dimensions differ: ")
           << a.back() << " vs " << b[b.size() - 2];
  Type elem = getLhs().getType().getElementType();
  if (elem != getRhs().getType().getElementType())
    return emitOpError("operand element types differ");
  SmallVector<int64_t> batch;
  if (!broadcastShapes(a.drop_back(2), b.drop_back(2), batch))
    return emitOpError("batch dimensions are not broadcast-compatible");
  batch.push_back(a[a.size() - 2]);
  batch.push_back(b.back());
  if (getType().getShape() != ArrayRef<int64_t>(batch) || getType().getElementType() != elem)
    return emitOpError("result type must be ") << RankedTensorType::get(batch, elem);
  return success();
}

LogicalResult QMatMulOp::verify() {
  ArrayRef<int64_t> a = getLhs().getType().getShape(), w = getWeights().getType().getShape();
  if (a.size() < 2 || !getLhs().getType().getElementType().isF32())
    return emitOpError("lhs must be f32 of rank >= 2");
  Type elem = getWeights().getType().getElementType();
  if (w.size() != 2 || !(elem.isSignlessInteger(8) || elem.isSignlessInteger(4) ||
                         elem.isSignlessInteger(2)))
    return emitOpError("weights must be a K x N matrix of i8, i4 or i2");
  if (a.back() != w[0])
    return emitOpError("contraction dimensions differ: ") << a.back() << " vs " << w[0];
  int64_t k = w[0], n = w[1], group = getGroup();
  if (group < 1 || group > k || (group != k && group % 8 != 0))
    return emitOpError("group ") << group << " must be K (" << k
                                 << ") or a multiple of 8 in [8, K]";
  SmallVector<int64_t> scales{(k + group - 1) / group, n};
  if (getScales().getType() != RankedTensorType::get(scales, Float32Type::get(getContext())))
    return emitOpError("scales must be ") << RankedTensorType::get(scales, Float32Type::get(getContext()));
  SmallVector<int64_t> result(a.drop_back());
  result.push_back(n);
  if (getType() != RankedTensorType::get(result, getLhs().getType().getElementType()))
    return emitOpError("result type must be ") << RankedTensorType::get(result, getLhs().getType().getElementType());
  return success();
}

static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return op->emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxisAttr().getInt(), getType().getRank());
}

LogicalResult GeluOp::verify() {
  if (!isa<FloatType>(getType().getElementType()))
    return emitOpError("needs a float tensor");
  return success();
}

LogicalResult LayerNormOp::verify() {
  int64_t rank = getInput().getType().getRank();
  int64_t axis = getAxisAttr().getInt();
  if (failed(verifyAxis(*this, axis, rank)))
    return failure();
  ArrayRef<int64_t> normalized = getInput().getType().getShape().drop_front(axis);
  for (Value v : {getScale(), getBias()}) {
    if (!v)
      continue;
    if (tensorType(v).getShape() != normalized)
      return emitOpError("scale and bias must have the normalized shape ")
             << shapeString(normalized);
  }
  if (getType() != getInput().getType())
    return emitOpError("result type must equal the input type");
  return success();
}

static LogicalResult verifyReduce(Operation *op, ArrayRef<int64_t> axes, bool keepdims) {
  auto input = tensorType(op->getOperand(0));
  auto result = tensorType(op->getResult(0));
  int64_t rank = input.getRank();
  for (size_t i = 0; i < axes.size(); ++i) {
    if (failed(verifyAxis(op, axes[i], rank)))
      return failure();
    if (i && axes[i] <= axes[i - 1])
      return op->emitOpError("axes must be sorted and unique");
  }
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = axes.empty() || llvm::is_contained(axes, d);
    if (!reduced)
      expected.push_back(input.getDimSize(d));
    else if (keepdims)
      expected.push_back(1);
  }
  if (result.getShape() != ArrayRef<int64_t>(expected) ||
      result.getElementType() != input.getElementType())
    return op->emitOpError("result type must be ")
           << RankedTensorType::get(expected, input.getElementType());
  return success();
}

#define LMC_REDUCE_VERIFIER(Op) \
  LogicalResult Op::verify() { return verifyReduce(*this, getAxes(), getKeepdims()); }
LMC_REDUCE_VERIFIER(ReduceSumOp)
LMC_REDUCE_VERIFIER(ReduceMeanOp)
LMC_REDUCE_VERIFIER(ReduceMaxOp)
LMC_REDUCE_VERIFIER(ReduceMinOp)
LMC_REDUCE_VERIFIER(ReduceProdOp)
#undef LMC_REDUCE_VERIFIER

LogicalResult MathOp::verify() {
  int64_t fn = lmc::format::mathFnFromName(getFn());
  if (fn < 0)
    return emitOpError("unknown function '") << getFn() << "'";
  Type elem = getType().getElementType();
  bool ints = lmc::format::mathFnTakesIntegers(static_cast<lmc::format::MathFn>(fn));
  if (!isa<FloatType>(elem) && !(ints && isa<IntegerType>(elem) && !elem.isInteger(1)))
    return emitOpError("'") << getFn() << "' does not take element type " << elem;
  return success();
}

LogicalResult ModOp::verify() {
  if (tensorType(getLhs()).getElementType().isInteger(1))
    return emitOpError("operands must be numbers, not i1");
  return verifyBinary(*this, false, false);
}

LogicalResult BitShiftOp::verify() {
  if (!tensorType(getLhs()).getElementType().isUnsignedInteger())
    return emitOpError("operands must be unsigned integers");
  return verifyBinary(*this, false, false);
}

// The input's shape with `size` on `axis`, of element type `elem`.
static LogicalResult verifyAlongAxis(Operation *op, int64_t axis, int64_t size, Type elem) {
  auto input = tensorType(op->getOperand(0));
  if (failed(verifyAxis(op, axis, input.getRank())))
    return failure();
  SmallVector<int64_t> expected(input.getShape());
  expected[axis] = size;
  auto want = RankedTensorType::get(expected, elem);
  if (tensorType(op->getResult(0)) != want)
    return op->emitOpError("result type must be ") << want;
  return success();
}

static LogicalResult verifyArg(Operation *op, int64_t axis) {
  auto input = tensorType(op->getOperand(0));
  if (input.getElementType().isInteger(1))
    return op->emitOpError("input must be numbers, not i1");
  if (input.getRank() > 0 && axis >= 0 && axis < input.getRank() && input.getDimSize(axis) == 0)
    return op->emitOpError("axis ") << axis << " is empty";
  return verifyAlongAxis(op, axis, 1, IntegerType::get(op->getContext(), 64));
}

LogicalResult ArgMaxOp::verify() { return verifyArg(*this, getAxis()); }
LogicalResult ArgMinOp::verify() { return verifyArg(*this, getAxis()); }

LogicalResult CumSumOp::verify() {
  if (getType().getElementType().isInteger(1))
    return emitOpError("input must be numbers, not i1");
  return verifyAxis(*this, getAxis(), getType().getRank());
}

LogicalResult TopKOp::verify() {
  auto input = getInput().getType();
  if (failed(verifyAxis(*this, getAxis(), input.getRank())))
    return failure();
  int64_t k = getType().getDimSize(getAxis());
  if (k > input.getDimSize(getAxis()))
    return emitOpError("k = ") << k << " exceeds the axis' size " << input.getDimSize(getAxis());
  return verifyAlongAxis(*this, getAxis(), k, IntegerType::get(getContext(), 64));
}

static LogicalResult verifyIndices(Operation *op, RankedTensorType indices) {
  Type idx = indices.getElementType();
  if (!idx.isInteger(32) && !idx.isInteger(64))
    return op->emitOpError("indices must be i32 or i64");
  return success();
}

LogicalResult GatherElementsOp::verify() {
  auto data = getData().getType(), indices = getIndices().getType();
  int64_t axis = getAxis();
  if (failed(verifyIndices(*this, indices)) || failed(verifyAxis(*this, axis, data.getRank())))
    return failure();
  if (indices.getRank() != data.getRank())
    return emitOpError("indices must have the rank of data (") << data.getRank() << ")";
  for (int64_t d = 0; d < data.getRank(); ++d)
    if (d != axis && indices.getDimSize(d) > data.getDimSize(d))
      return emitOpError("indices dim ") << d << " exceeds data's";
  auto want = RankedTensorType::get(indices.getShape(), data.getElementType());
  if (getType() != want)
    return emitOpError("result type must be ") << want;
  return success();
}

LogicalResult GatherNDOp::verify() {
  auto data = getData().getType(), indices = getIndices().getType();
  if (failed(verifyIndices(*this, indices)))
    return failure();
  int64_t q = indices.getRank(), r = data.getRank(), batch = getBatchDims();
  if (q < 1 || batch < 0 || batch >= std::min(q, r))
    return emitOpError("batch_dims ") << batch << " must be below the ranks of data and indices";
  int64_t m = indices.getDimSize(q - 1);
  if (m < 1 || m > r - batch)
    return emitOpError("index tuples of ") << m << " do not fit data of rank " << r;
  if (indices.getShape().take_front(batch) != data.getShape().take_front(batch))
    return emitOpError("batch dims of data and indices differ");
  SmallVector<int64_t> expected(indices.getShape().drop_back());
  llvm::append_range(expected, data.getShape().drop_front(batch + m));
  auto want = RankedTensorType::get(expected, data.getElementType());
  if (getType() != want)
    return emitOpError("result type must be ") << want;
  return success();
}

LogicalResult ScatterNDOp::verify() {
  auto data = getData().getType(), indices = getIndices().getType();
  if (failed(verifyIndices(*this, indices)))
    return failure();
  StringRef r = getReduction();
  if (r != "none" && r != "add" && r != "mul" && r != "max" && r != "min")
    return emitOpError("reduction '") << r << "' is not none, add, mul, max or min";
  int64_t q = indices.getRank();
  int64_t m = q ? indices.getDimSize(q - 1) : 0;
  if (m < 1 || m > data.getRank())
    return emitOpError("index tuples of ") << m << " do not fit data of rank " << data.getRank();
  SmallVector<int64_t> expected(indices.getShape().drop_back());
  llvm::append_range(expected, data.getShape().drop_front(m));
  auto want = RankedTensorType::get(expected, data.getElementType());
  if (getUpdates().getType() != want)
    return emitOpError("updates type must be ") << want;
  if (getType() != data)
    return emitOpError("result type must be ") << data;
  return success();
}

LogicalResult GatherOp::verify() {
  auto data = getData().getType();
  int64_t axis = getAxisAttr().getInt();
  if (failed(verifyAxis(*this, axis, data.getRank())))
    return failure();
  Type idx = getIndices().getType().getElementType();
  if (!idx.isInteger(32) && !idx.isInteger(64))
    return emitOpError("indices must be i32 or i64");
  SmallVector<int64_t> expected(data.getShape().take_front(axis));
  llvm::append_range(expected, getIndices().getType().getShape());
  llvm::append_range(expected, data.getShape().drop_front(axis + 1));
  if (getType().getShape() != ArrayRef<int64_t>(expected) ||
      getType().getElementType() != data.getElementType())
    return emitOpError("result type must be ")
           << RankedTensorType::get(expected, data.getElementType());
  return success();
}

LogicalResult ScatterElementsOp::verify() {
  auto data = getData().getType();
  auto indices = getIndices().getType();
  int64_t axis = getAxisAttr().getInt();
  if (data.getRank() == 0)
    return emitOpError("data must have rank >= 1");
  if (failed(verifyAxis(*this, axis, data.getRank())))
    return failure();
  Type idx = indices.getElementType();
  if (!idx.isInteger(32) && !idx.isInteger(64))
    return emitOpError("indices must be i32 or i64");
  if (getUpdates().getType().getShape() != indices.getShape())
    return emitOpError("updates shape ")
           << shapeString(getUpdates().getType().getShape()) << " differs from indices shape "
           << shapeString(indices.getShape());
  if (getUpdates().getType().getElementType() != data.getElementType())
    return emitOpError("updates element type must be ") << data.getElementType();
  if (indices.getRank() != data.getRank())
    return emitOpError("indices must have the rank of data (") << data.getRank() << ")";
  for (int64_t d = 0; d < data.getRank(); ++d)
    if (d != axis && indices.getDimSize(d) > data.getDimSize(d))
      return emitOpError("indices dim ")
             << d << " (" << indices.getDimSize(d) << ") exceeds data's ("
             << data.getDimSize(d) << ")";
  if (getType() != data)
    return emitOpError("result type must be ") << data;
  return success();
}

LogicalResult ReshapeOp::verify() {
  if (getInput().getType().getNumElements() != getType().getNumElements())
    return emitOpError("element count changes from ")
           << getInput().getType().getNumElements() << " to " << getType().getNumElements();
  if (getInput().getType().getElementType() != getType().getElementType())
    return emitOpError("element type changes");
  return success();
}

LogicalResult TransposeOp::verify() {
  auto input = getInput().getType();
  ArrayRef<int64_t> perm = getPerm();
  if (static_cast<int64_t>(perm.size()) != input.getRank())
    return emitOpError("perm has ") << perm.size() << " entries for rank " << input.getRank();
  llvm::SmallSet<int64_t, 8> seen;
  SmallVector<int64_t> expected;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || !seen.insert(p).second)
      return emitOpError("perm is not a permutation");
    expected.push_back(input.getDimSize(p));
  }
  if (getType().getShape() != ArrayRef<int64_t>(expected) ||
      getType().getElementType() != input.getElementType())
    return emitOpError("result type must be ")
           << RankedTensorType::get(expected, input.getElementType());
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  auto result = getType();
  int64_t axis = getAxisAttr().getInt();
  if (failed(verifyAxis(*this, axis, result.getRank())))
    return failure();
  int64_t total = 0;
  for (Value v : getInputs()) {
    auto t = tensorType(v);
    if (t.getRank() != result.getRank() || t.getElementType() != result.getElementType())
      return emitOpError("inputs must have the result's rank and element type");
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != axis && t.getDimSize(d) != result.getDimSize(d))
        return emitOpError("input dimension ") << d << " differs from the result's";
    total += t.getDimSize(axis);
  }
  if (total != result.getDimSize(axis))
    return emitOpError("result dimension ") << axis << " must be " << total;
  return success();
}

LogicalResult SliceOp::verify() {
  auto input = getInput().getType();
  ArrayRef<int64_t> starts = getStarts(), steps = getSteps();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(starts.size()) != rank || static_cast<int64_t>(steps.size()) != rank)
    return emitOpError("starts and steps need one entry per axis");
  if (getType().getRank() != rank || getType().getElementType() != input.getElementType())
    return emitOpError("result must have the input's rank and element type");
  for (int64_t d = 0; d < rank; ++d) {
    int64_t count = getType().getDimSize(d);
    if (steps[d] == 0)
      return emitOpError("step of axis ") << d << " is zero";
    if (count == 0)
      continue;
    int64_t last = starts[d] + (count - 1) * steps[d];
    if (starts[d] < 0 || starts[d] >= input.getDimSize(d) || last < 0 ||
        last >= input.getDimSize(d))
      return emitOpError("axis ") << d << " reads outside the input";
  }
  return success();
}

LogicalResult ExpandOp::verify() {
  SmallVector<int64_t> shape;
  ArrayRef<int64_t> in = getInput().getType().getShape(), out = getType().getShape();
  if (!broadcastShapes(in, out, shape) || ArrayRef<int64_t>(shape) != out)
    return emitOpError("cannot broadcast ") << shapeString(in) << " to " << shapeString(out);
  if (getInput().getType().getElementType() != getType().getElementType())
    return emitOpError("element type changes");
  return success();
}

LogicalResult TriluOp::verify() {
  if (getType().getRank() < 2)
    return emitOpError("needs rank >= 2");
  return success();
}

LogicalResult WindowOp::verify() {
  auto in = tensorType(getInput());
  int64_t spatial = in.getRank() - 2;
  if (spatial < 1 || spatial > 3)
    return emitOpError("needs an input of rank 3 to 5 ([N, C, 1 to 3 spatial axes])");
  if (getType().getElementType() != in.getElementType())
    return emitOpError("result element type differs from the input's");
  int64_t k = 1, p = 1;
  for (ArrayRef<int64_t> a : {getKernelShape(), getStrides(), getDilations(), getPads(),
                              getInputDilations(), getOutputShape()})
    if (static_cast<int64_t>(a.size()) != spatial)
      return emitOpError("needs one kernel_shape, strides, dilations, pads, input_dilations and "
                         "output_shape entry per spatial axis (")
             << spatial << ")";
  constexpr int64_t kLimit = int64_t(1) << 30;
  for (int64_t i = 0; i < spatial; ++i) {
    for (int64_t v : {getKernelShape()[i], getStrides()[i], getDilations()[i],
                      getInputDilations()[i]})
      if (v < 1 || v > kLimit)
        return emitOpError("kernel_shape, strides, dilations and input_dilations must lie in "
                           "[1, 2^30]");
    if (std::abs(getPads()[i]) > kLimit || getOutputShape()[i] < 0 ||
        getOutputShape()[i] > kLimit)
      return emitOpError("pads must lie in [-2^30, 2^30] and output_shape in [0, 2^30]");
    std::optional<int64_t> nk = llvm::checkedMul(k, getKernelShape()[i]);
    std::optional<int64_t> np = llvm::checkedMul(p, getOutputShape()[i]);
    if (!nk || !np)
      return emitOpError("the window has more than 2^63 elements");
    k = *nk;
    p = *np;
  }
  SmallVector<int64_t> expected{in.getDimSize(0), in.getDimSize(1), k, p};
  if (getType().getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape ") << shapeString(getType().getShape()) << " should be "
                                        << shapeString(expected);
  return success();
}

// An 8-bit integer element type as the importer makes them: i8 (signless)
// or ui8.
static bool isByteInteger(Type t) {
  return t.isSignlessInteger(8) || t.isUnsignedInteger(8);
}

// The quantization parameters of quantize/dequantize: f32 `scale` and
// `zeroPoint` of one shape, a scalar or 1-D along `axis` of `input`.
static LogicalResult verifyQuantParams(Operation *op, Value input, Value scale, Value zeroPoint,
                                       int64_t axis) {
  auto in = tensorType(input), s = tensorType(scale), z = tensorType(zeroPoint);
  if (!s.getElementType().isF32())
    return op->emitOpError("scale must be f32");
  if (s.getShape() != z.getShape())
    return op->emitOpError("scale and zero point shapes differ: ")
           << shapeString(s.getShape()) << " vs " << shapeString(z.getShape());
  if (s.getRank() > 1)
    return op->emitOpError("scale must be a scalar or 1-D (per axis)");
  if (s.getRank() == 1) {
    if (failed(verifyAxis(op, axis, in.getRank())))
      return failure();
    if (s.getDimSize(0) != in.getDimSize(axis))
      return op->emitOpError("has ") << s.getDimSize(0) << " scales for axis " << axis
                                     << " of size " << in.getDimSize(axis);
  }
  return success();
}

LogicalResult QuantizeOp::verify() {
  if (!getInput().getType().getElementType().isF32())
    return emitOpError("input must be f32");
  Type elem = getType().getElementType();
  if (!isByteInteger(elem))
    return emitOpError("result must be i8 or ui8");
  if (getZeroPoint().getType().getElementType() != elem)
    return emitOpError("zero point must have the result's element type");
  if (getType().getShape() != getInput().getType().getShape())
    return emitOpError("result shape must equal the input shape");
  return verifyQuantParams(*this, getInput(), getScale(), getZeroPoint(), getAxis());
}

LogicalResult DequantizeOp::verify() {
  Type elem = getInput().getType().getElementType();
  if (!isByteInteger(elem) && !elem.isSignlessInteger(32))
    return emitOpError("input must be i8, ui8 or i32");
  if (getZeroPoint().getType().getElementType() != elem)
    return emitOpError("zero point must have the input's element type");
  if (getType() != RankedTensorType::get(getInput().getType().getShape(),
                                         Float32Type::get(getContext())))
    return emitOpError("result must be f32 of the input's shape");
  return verifyQuantParams(*this, getInput(), getScale(), getZeroPoint(), getAxis());
}

LogicalResult DynamicQuantizeOp::verify() {
  auto in = getInput().getType();
  if (!in.getElementType().isF32())
    return emitOpError("input must be f32");
  if (in.getNumElements() == 0)
    return emitOpError("input must not be empty (its range is undefined)");
  auto u8 = IntegerType::get(getContext(), 8, IntegerType::Unsigned);
  if (getResult().getType() != RankedTensorType::get(in.getShape(), u8))
    return emitOpError("result must be ui8 of the input's shape");
  if (getScale().getType() != RankedTensorType::get({}, Float32Type::get(getContext())) ||
      getZeroPoint().getType() != RankedTensorType::get({}, u8))
    return emitOpError("scale and zero point must be scalars: tensor<f32> and tensor<ui8>");
  return success();
}

LogicalResult MatMulIntegerOp::verify() {
  auto lhs = getLhs().getType(), rhs = getRhs().getType();
  ArrayRef<int64_t> a = lhs.getShape(), b = rhs.getShape();
  if (!isByteInteger(lhs.getElementType()) || !isByteInteger(rhs.getElementType()))
    return emitOpError("operands must be i8 or ui8");
  if (a.size() < 2 || b.size() < 2)
    return emitOpError("operands must have rank >= 2");
  if (a.back() != b[b.size() - 2])
    return emitOpError("contraction dimensions differ: ")
           << a.back() << " vs " << b[b.size() - 2];
  for (auto [zp, operand] : {std::pair<Value, Value>(getLhsZeroPoint(), getLhs()),
                             std::pair<Value, Value>(getRhsZeroPoint(), getRhs())}) {
    auto z = tensorType(zp), t = tensorType(operand);
    SmallVector<int64_t> shape;
    if (z.getElementType() != t.getElementType())
      return emitOpError("a zero point must have its operand's element type");
    if (!broadcastShapes(z.getShape(), t.getShape(), shape) ||
        ArrayRef<int64_t>(shape) != t.getShape())
      return emitOpError("zero point shape ")
             << shapeString(z.getShape()) << " does not broadcast to its operand's shape "
             << shapeString(t.getShape());
  }
  SmallVector<int64_t> batch;
  if (!broadcastShapes(a.drop_back(2), b.drop_back(2), batch))
    return emitOpError("batch dimensions are not broadcast-compatible");
  batch.push_back(a[a.size() - 2]);
  batch.push_back(b.back());
  auto expected = RankedTensorType::get(batch, IntegerType::get(getContext(), 32));
  if (getType() != expected)
    return emitOpError("result type must be ") << expected;
  return success();
}
