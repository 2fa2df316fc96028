// ONNX elementwise functions and activations, comparisons, variadic
// arithmetic, reductions, arg/scan/top-k, indexing (GatherElements,
// GatherND, ScatterND, ScatterElements with a reduction and the old
// Scatter), small tensor makers (EyeLike, OneHot) and the
// training losses: each an lmc_graph op or an exact composition of them.
#include <cctype>
#include <cmath>
#include <limits>
#include <set>

#include "compiler/Import/Importer.h"
#include "runtime/format/MathFn.h"

namespace lmc::import {

namespace {

const std::set<std::string> &mathOps() {
  // clang-format off
  static const std::set<std::string> ops = {
      "Acos", "Acosh", "ArgMax", "ArgMin", "Asin", "Asinh", "Atan", "Atanh", "BitShift", "CastLike",
      "Ceil", "Celu", "Cos", "Cosh", "CumSum", "Elu", "EyeLike", "Floor", "GatherElements",
      "GatherND", "GreaterOrEqual", "HardSigmoid", "HardSwish", "Hardmax", "IsInf", "IsNaN",
      "LeakyRelu", "LessOrEqual", "LogSoftmax", "Mean", "MeanVarianceNormalization", "Mod",
      "NegativeLogLikelihoodLoss", "OneHot", "PRelu", "ReduceL1", "ReduceL2", "ReduceLogSum",
      "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare",
      "Scatter", "ScatterElements", "ScatterND", "Selu", "Shrink", "Sign", "Sin", "Sinh", "Size",
      "SoftmaxCrossEntropyLoss", "Softplus", "Softsign", "Sum", "Tan", "ThresholdedRelu", "TopK",
      "Xor"};
  // clang-format on
  return ops;
}

std::string lower(const std::string &s) {
  std::string r = s;
  for (char &c : r)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

} // namespace

bool Importer::isMathOp(const onnx::NodeProto &n) { return mathOps().count(n.op_type()) != 0; }

LogicalResult Importer::importMathOp(const onnx::NodeProto &n) {
  const std::string &op = n.op_type();
  FailureOr<Value> in = input(0);
  if (failed(in))
    return failure();
  Value x = *in;
  if (op.rfind("Reduce", 0) == 0)
    return importReduce(n, x);
  if (op == "ArgMax" || op == "ArgMin" || op == "CumSum" || op == "TopK" || op == "Hardmax" ||
      op == "LogSoftmax")
    return importAxisOp(n, x);
  if (op == "GatherElements" || op == "GatherND" || op == "ScatterND" || op == "Scatter" ||
      op == "ScatterElements" || op == "OneHot" || op == "EyeLike")
    return importIndexing(n, x);
  if (op == "NegativeLogLikelihoodLoss" || op == "SoftmaxCrossEntropyLoss")
    return importLoss(n, x);
  if (op == "Sum" || op == "Mean" || op == "GreaterOrEqual" || op == "LessOrEqual" || op == "Xor" ||
      op == "Mod" || op == "BitShift" || op == "PRelu")
    return importVariadic(n);

  auto t = typeOf(x);
  Type elem = t.getElementType();
  auto boolType = tensor(t.getShape(), b.getI1Type());

  if (op == "CastLike") {
    FailureOr<Value> like = input(1);
    if (failed(like))
      return failure();
    return setOutput(0, create<g::CastOp>(tensor(t.getShape(), typeOf(*like).getElementType()), x));
  }
  if (op == "Size")
    return setOutput(0, constI64({t.getNumElements()}, {}));

  if (op == "IsNaN" || op == "IsInf") {
    if (!isa<FloatType>(elem))
      return error() << "element type " << elem << " is not supported (float only)";
    if (op == "IsNaN")
      return setOutput(0, create<g::NotOp>(boolType, create<g::EqualOp>(boolType, x, x)));
    bool pos = attrInt("detect_positive", 1) != 0, neg = attrInt("detect_negative", 1) != 0;
    double inf = std::numeric_limits<double>::infinity();
    Value r;
    if (pos && neg)
      r = create<g::EqualOp>(boolType, create<g::AbsOp>(t, x), constScalar(elem, inf));
    else if (pos || neg)
      r = create<g::EqualOp>(boolType, x, constScalar(elem, pos ? inf : -inf));
    else
      r = b.create<g::ConstantOp>(loc, boolType, DenseElementsAttr::get(boolType, false));
    return setOutput(0, r);
  }

  if (int64_t fn = format::mathFnFromName(lower(op)); fn >= 0) {
    bool ints = format::mathFnTakesIntegers(static_cast<format::MathFn>(fn));
    if (!isa<FloatType>(elem) && !(ints && isa<IntegerType>(elem) && !elem.isInteger(1)))
      return error() << "element type " << elem << " is not supported";
    return setOutput(0, create<g::MathOp>(t, x, b.getStringAttr(format::mathFnName(fn))));
  }

  if (op == "MeanVarianceNormalization") {
    if (!isa<FloatType>(elem))
      return error() << "element type " << elem << " is not supported (float only)";
    if (t.getRank() == 0)
      return error() << "input must have rank >= 1";
    std::vector<int64_t> axes = attrInts("axes").value_or(std::vector<int64_t>{0, 2, 3});
    SmallVector<int64_t> norm;
    for (int64_t a : axes) {
      FailureOr<int64_t> axis = normalizeAxis(a, t.getRank());
      if (failed(axis))
        return failure();
      if (!llvm::is_contained(norm, *axis))
        norm.push_back(*axis);
    }
    llvm::sort(norm);
    // ONNX's definition: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9).
    Value m = reduceKeep("mean", x, norm);
    auto keptType = typeOf(m);
    Value var = create<g::SubOp>(keptType, reduceKeep("mean", create<g::MulOp>(t, x, x), norm),
                                 create<g::MulOp>(keptType, m, m));
    Value denom =
        create<g::AddOp>(keptType, create<g::SqrtOp>(keptType, var), constScalar(elem, 1e-9));
    return setOutput(0, create<g::DivOp>(t, create<g::SubOp>(t, x, m), denom));
  }

  // Activations: float only.
  if (!isa<FloatType>(elem) && op != "Shrink")
    return error() << "element type " << elem << " is not supported (float only)";
  if (elem.isInteger(1))
    return error() << "element type " << elem << " is not supported";
  auto k = [&](double v) { return constScalar(elem, v); };
  auto add = [&](Value a, Value c) { return create<g::AddOp>(t, a, c); };
  auto sub = [&](Value a, Value c) { return create<g::SubOp>(t, a, c); };
  auto mul = [&](Value a, Value c) { return create<g::MulOp>(t, a, c); };
  auto select = [&](Value c, Value a, Value e) { return create<g::WhereOp>(t, c, a, e); };
  auto greater = [&](Value a, Value c) { return create<g::GreaterOp>(boolType, a, c); };
  auto less = [&](Value a, Value c) { return create<g::LessOp>(boolType, a, c); };
  auto maxOf = [&](Value a, Value c) { return create<g::MaxOp>(t, a, c); };
  auto minOf = [&](Value a, Value c) { return create<g::MinOp>(t, a, c); };
  auto expm1 = [&](Value v) { return sub(create<g::ExpOp>(t, v), k(1)); };
  // alpha * x + beta clamped to [0, 1].
  auto hardSigmoid = [&](double alpha, double beta) {
    return maxOf(k(0), minOf(k(1), add(mul(x, k(alpha)), k(beta))));
  };
  Value r;
  if (op == "Elu") {
    r = select(greater(x, k(0)), x, mul(expm1(x), k(attrFloat("alpha", 1.0f))));
  } else if (op == "Selu") {
    double alpha = attrFloat("alpha", 1.67326319217681884765625f);
    double gamma = attrFloat("gamma", 1.05070102214813232421875f);
    r = mul(select(greater(x, k(0)), x, mul(expm1(x), k(alpha))), k(gamma));
  } else if (op == "Celu") {
    double alpha = attrFloat("alpha", 1.0f);
    r = add(maxOf(k(0), x), minOf(k(0), mul(expm1(create<g::DivOp>(t, x, k(alpha))), k(alpha))));
  } else if (op == "LeakyRelu") {
    r = select(less(x, k(0)), mul(x, k(attrFloat("alpha", 0.01f))), x);
  } else if (op == "ThresholdedRelu") {
    r = select(greater(x, k(attrFloat("alpha", 1.0f))), x, k(0));
  } else if (op == "HardSigmoid") {
    r = hardSigmoid(attrFloat("alpha", 0.2f), attrFloat("beta", 0.5f));
  } else if (op == "HardSwish") {
    r = mul(x, hardSigmoid(1.0 / 6.0, 0.5));
  } else if (op == "Softsign") {
    r = create<g::DivOp>(t, x, add(create<g::AbsOp>(t, x), k(1)));
  } else if (op == "Softplus") {
    // log(1 + exp(x)) without overflow: max(x, 0) + log(1 + exp(-|x|)).
    Value tail = create<g::ExpOp>(t, create<g::NegOp>(t, create<g::AbsOp>(t, x)));
    r = add(maxOf(x, k(0)), create<g::LogOp>(t, add(tail, k(1))));
  } else if (op == "Shrink") {
    double bias = attrFloat("bias", 0.0f), lambd = attrFloat("lambd", 0.5f);
    r = select(less(x, k(-lambd)), add(x, k(bias)),
               select(greater(x, k(lambd)), sub(x, k(bias)), k(0)));
  } else {
    return error() << "has no importer (lmc's operator list and importer disagree)";
  }
  return setOutput(0, r);
}

LogicalResult Importer::importVariadic(const onnx::NodeProto &n) {
  const std::string &op = n.op_type();
  SmallVector<Value> ins;
  for (unsigned i = 0; i < numInputs(); ++i) {
    FailureOr<Value> v = input(i);
    if (failed(v))
      return failure();
    ins.push_back(*v);
  }
  if (ins.empty())
    return error() << "needs at least one input";
  Type elem = typeOf(ins[0]).getElementType();
  if (op == "Sum" || op == "Mean") {
    Value acc = ins[0];
    for (Value v : ArrayRef<Value>(ins).drop_front()) {
      FailureOr<Value> next = broadcastBinary("add", acc, v);
      if (failed(next))
        return failure();
      acc = *next;
    }
    if (op == "Mean") {
      if (!isa<FloatType>(elem))
        return error() << "element type " << elem << " is not supported (float only)";
      acc = create<g::DivOp>(acc.getType(), acc, constScalar(elem, double(ins.size())));
    }
    return setOutput(0, acc);
  }
  if (ins.size() != 2)
    return error() << "needs two inputs";
  SmallVector<int64_t> shape;
  if (!g::broadcastShapes(typeOf(ins[0]).getShape(), typeOf(ins[1]).getShape(), shape))
    return error() << "operand shapes " << shapeText(typeOf(ins[0]).getShape()) << " and "
                   << shapeText(typeOf(ins[1]).getShape()) << " do not broadcast";
  if (typeOf(ins[1]).getElementType() != elem)
    return error() << "operand element types differ";
  auto type = tensor(shape, elem), boolType = tensor(shape, b.getI1Type());
  if (op == "GreaterOrEqual" || op == "LessOrEqual") {
    // Exact, NaN included: (a > b) or (a == b).
    FailureOr<Value> strict =
        broadcastBinary(op == "GreaterOrEqual" ? "greater" : "less", ins[0], ins[1]);
    FailureOr<Value> equal = broadcastBinary("equal", ins[0], ins[1]);
    if (failed(strict) || failed(equal))
      return failure();
    return setOutput(0, create<g::OrOp>(boolType, *strict, *equal));
  }
  if (op == "Xor") {
    if (!elem.isInteger(1))
      return error() << "operands must be bool";
    return setOutput(0, create<g::NotOp>(boolType, create<g::EqualOp>(boolType, ins[0], ins[1])));
  }
  if (op == "PRelu") {
    // The slope broadcasts to x's shape (unidirectionally).
    if (ArrayRef<int64_t>(shape) != typeOf(ins[0]).getShape())
      return error() << "slope " << shapeText(typeOf(ins[1]).getShape())
                     << " does not broadcast to x " << shapeText(typeOf(ins[0]).getShape());
    if (!isa<FloatType>(elem))
      return error() << "element type " << elem << " is not supported (float only)";
    Value scaled = create<g::MulOp>(type, ins[0], ins[1]);
    Value negative = create<g::LessOp>(boolType, ins[0], constScalar(elem, 0));
    return setOutput(0, create<g::WhereOp>(type, negative, scaled, ins[0]));
  }
  if (op == "Mod") {
    if (elem.isInteger(1))
      return error() << "element type " << elem << " is not supported";
    bool fmod = attrInt("fmod", 0) != 0;
    if (isa<FloatType>(elem) && !fmod)
      return error() << "fmod must be 1 for floating-point operands (ONNX Mod)";
    return setOutput(0, create<g::ModOp>(type, ins[0], ins[1], b.getBoolAttr(fmod)));
  }
  // BitShift
  if (!elem.isUnsignedInteger())
    return error() << "element type " << elem << " is not supported (unsigned integers only)";
  const auto *dir = attr("direction");
  if (!dir || (dir->s() != "LEFT" && dir->s() != "RIGHT"))
    return error() << "direction must be \"LEFT\" or \"RIGHT\"";
  return setOutput(0,
                   create<g::BitShiftOp>(type, ins[0], ins[1], b.getBoolAttr(dir->s() == "LEFT")));
}

Value Importer::reduceKeep(StringRef kind, Value x, ArrayRef<int64_t> axes) {
  auto t = typeOf(x);
  SmallVector<int64_t> kept(t.getShape());
  for (int64_t a : axes)
    kept[a] = 1;
  if (axes.empty())
    kept.assign(t.getRank(), 1);
  auto type = tensor(kept, t.getElementType());
  auto axesAttr = b.getDenseI64ArrayAttr(axes);
  auto keep = b.getBoolAttr(true);
  if (kind == "sum")
    return create<g::ReduceSumOp>(type, x, axesAttr, keep);
  if (kind == "mean")
    return create<g::ReduceMeanOp>(type, x, axesAttr, keep);
  if (kind == "max")
    return create<g::ReduceMaxOp>(type, x, axesAttr, keep);
  if (kind == "min")
    return create<g::ReduceMinOp>(type, x, axesAttr, keep);
  return create<g::ReduceProdOp>(type, x, axesAttr, keep);
}

LogicalResult Importer::importReduce(const onnx::NodeProto &n, Value x) {
  const std::string &op = n.op_type();
  auto type = typeOf(x);
  Type elem = type.getElementType();
  std::vector<int64_t> axes;
  if (hasInput(1)) { // opset 13 (ReduceSum) or 18: the axes are an input
    FailureOr<Value> a = input(1);
    auto values = succeeded(a) ? constInts(*a) : std::nullopt;
    if (!values)
      return error() << "axes must be a constant";
    axes = *values;
  } else if (auto a = attrInts("axes")) {
    axes = *a;
  }
  if (axes.empty() && attrInt("noop_with_empty_axes", 0))
    return setOutput(0, x);
  bool floatOnly =
      op == "ReduceMean" || op == "ReduceL2" || op == "ReduceLogSum" || op == "ReduceLogSumExp";
  if (elem.isInteger(1) || (floatOnly && !isa<FloatType>(elem)))
    return error() << "element type " << elem << " is not supported";
  SmallVector<int64_t> normalized;
  for (int64_t a : axes) {
    FailureOr<int64_t> axis = normalizeAxis(a, type.getRank());
    if (failed(axis))
      return failure();
    normalized.push_back(*axis);
  }
  if (normalized.empty())
    for (int64_t d = 0; d < type.getRank(); ++d)
      normalized.push_back(d);
  llvm::sort(normalized);
  normalized.erase(std::unique(normalized.begin(), normalized.end()), normalized.end());
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(normalized, d))
      shape.push_back(type.getDimSize(d));
  bool keep = attrInt("keepdims", 1) != 0;
  auto square = [&](Value v) { return create<g::MulOp>(v.getType(), v, v); };
  Value r;
  if (op == "ReduceSum")
    r = reduceKeep("sum", x, normalized);
  else if (op == "ReduceMean")
    r = reduceKeep("mean", x, normalized);
  else if (op == "ReduceMax")
    r = reduceKeep("max", x, normalized);
  else if (op == "ReduceMin")
    r = reduceKeep("min", x, normalized);
  else if (op == "ReduceProd")
    r = reduceKeep("prod", x, normalized);
  else if (op == "ReduceL1")
    r = reduceKeep("sum", create<g::AbsOp>(type, x), normalized);
  else if (op == "ReduceSumSquare")
    r = reduceKeep("sum", square(x), normalized);
  else if (op == "ReduceL2") {
    r = reduceKeep("sum", square(x), normalized);
    r = create<g::SqrtOp>(r.getType(), r);
  } else if (op == "ReduceLogSum") {
    r = reduceKeep("sum", x, normalized);
    r = create<g::LogOp>(r.getType(), r);
  } else if (op == "ReduceLogSumExp") {
    // log(sum(exp(x - m))) + m with m the max, or 0 where it is infinite
    // (a lane of -inf gives -inf, one holding +inf gives +inf, as unshifted).
    Value m = reduceKeep("max", x, normalized);
    auto mt = typeOf(m);
    Value inf = create<g::EqualOp>(tensor(mt.getShape(), b.getI1Type()), create<g::AbsOp>(mt, m),
                                   constScalar(elem, std::numeric_limits<double>::infinity()));
    m = create<g::WhereOp>(mt, inf, constScalar(elem, 0), m);
    Value e = create<g::ExpOp>(type, create<g::SubOp>(type, x, m));
    Value s = reduceKeep("sum", e, normalized);
    r = create<g::AddOp>(mt, create<g::LogOp>(mt, s), m);
  } else {
    return error() << "has no importer (lmc's operator list and importer disagree)";
  }
  if (!keep)
    r = reshape(r, shape);
  return setOutput(0, r);
}

Value Importer::logSoftmax(Value x, int64_t axis) {
  // (x - m) - log(sum(exp(x - m))), m the max along the axis.
  auto t = typeOf(x);
  Value shifted = create<g::SubOp>(t, x, reduceKeep("max", x, {axis}));
  Value s = reduceKeep("sum", create<g::ExpOp>(t, shifted), {axis});
  return create<g::SubOp>(t, shifted, create<g::LogOp>(s.getType(), s));
}

LogicalResult Importer::importAxisOp(const onnx::NodeProto &n, Value x) {
  const std::string &op = n.op_type();
  auto type = typeOf(x);
  Type elem = type.getElementType();
  if (elem.isInteger(1))
    return error() << "element type " << elem << " is not supported";
  auto i64 = b.getIntegerType(64);

  if (op == "LogSoftmax" || op == "Hardmax") {
    if (!isa<FloatType>(elem))
      return error() << "element type " << elem << " is not supported (float only)";
    // (The loader converts older models to opset 13, keeping their 2-D
    // coercion: OnnxLoader.cpp.)
    if (type.getRank() == 0)
      return error() << "input must have rank >= 1";
    FailureOr<int64_t> axis = normalizeAxis(attrInt("axis", -1), type.getRank());
    if (failed(axis))
      return failure();
    if (type.getDimSize(*axis) == 0)
      return setOutput(0, x);
    if (op == "LogSoftmax")
      return setOutput(0, logSoftmax(x, *axis));
    // 1 where the index is the first argmax, else 0.
    SmallVector<int64_t> keptShape(type.getShape());
    keptShape[*axis] = 1;
    Value arg = create<g::ArgMaxOp>(tensor(keptShape, i64), x, b.getI64IntegerAttr(*axis),
                                    b.getBoolAttr(false));
    Value hit = create<g::EqualOp>(tensor(type.getShape(), b.getI1Type()),
                                   iota(type.getDimSize(*axis), *axis, type.getRank()), arg);
    return setOutput(0, create<g::CastOp>(type, hit));
  }

  if (op == "CumSum") {
    FailureOr<Value> a = input(1);
    auto axisValue = succeeded(a) ? constInts(*a) : std::nullopt;
    if (!axisValue || axisValue->size() != 1)
      return error() << "axis must be a constant scalar";
    FailureOr<int64_t> axis = normalizeAxis(axisValue->front(), type.getRank());
    if (failed(axis))
      return failure();
    if (type.getRank() == 0)
      return error() << "input must have rank >= 1";
    return setOutput(0, create<g::CumSumOp>(type, x, b.getI64IntegerAttr(*axis),
                                            b.getBoolAttr(attrInt("exclusive", 0) != 0),
                                            b.getBoolAttr(attrInt("reverse", 0) != 0)));
  }

  if (type.getRank() == 0)
    return error() << "input must have rank >= 1";
  FailureOr<int64_t> axis = normalizeAxis(attrInt("axis", op == "TopK" ? -1 : 0), type.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(type.getShape());
  if (op == "TopK") {
    FailureOr<Value> kv = input(1);
    auto kValue = succeeded(kv) ? constInts(*kv) : std::nullopt;
    if (!kValue || kValue->size() != 1)
      return error() << "K must be a constant holding one value";
    int64_t k = kValue->front();
    if (k < 0 || k > type.getDimSize(*axis))
      return error() << "K = " << k << " is outside [0, " << type.getDimSize(*axis)
                     << "], the size of axis " << *axis;
    shape[*axis] = k;
    Value idx = create<g::TopKOp>(tensor(shape, i64), x, b.getI64IntegerAttr(*axis),
                                  b.getBoolAttr(attrInt("largest", 1) != 0));
    Value values =
        create<g::GatherElementsOp>(tensor(shape, elem), x, idx, b.getI64IntegerAttr(*axis));
    if (failed(setOutput(0, values)))
      return failure();
    return setOutput(1, idx);
  }
  // ArgMax, ArgMin
  if (type.getDimSize(*axis) == 0)
    return error() << "axis " << *axis << " is empty, so it has no arg max/min";
  shape[*axis] = 1;
  auto rt = tensor(shape, i64);
  auto axisAttr = b.getI64IntegerAttr(*axis);
  auto last = b.getBoolAttr(attrInt("select_last_index", 0) != 0);
  Value r = op == "ArgMax" ? create<g::ArgMaxOp>(rt, x, axisAttr, last)
                           : create<g::ArgMinOp>(rt, x, axisAttr, last);
  if (!attrInt("keepdims", 1)) {
    shape.erase(shape.begin() + *axis);
    r = reshape(r, shape);
  }
  return setOutput(0, r);
}

Value Importer::iota(int64_t n, int64_t axis, int64_t rank) {
  std::vector<int64_t> values(n);
  for (int64_t j = 0; j < n; ++j)
    values[j] = j;
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = n;
  return constI64(values, shape);
}

Value Importer::coordinates(Value indices, int64_t axis) {
  // [..., r]: the index of each element of `indices`, with `indices`
  // itself on `axis`.
  auto it = typeOf(indices);
  int64_t rank = it.getRank();
  SmallVector<int64_t> one(it.getShape());
  one.push_back(1);
  auto i64 = b.getIntegerType(64);
  SmallVector<Value> parts;
  for (int64_t d = 0; d < rank; ++d) {
    if (d == axis) {
      parts.push_back(reshape(create<g::CastOp>(tensor(it.getShape(), i64), indices), one));
      continue;
    }
    parts.push_back(create<g::ExpandOp>(tensor(one, i64), iota(it.getDimSize(d), d, rank + 1)));
  }
  SmallVector<int64_t> shape(it.getShape());
  shape.push_back(rank);
  return create<g::ConcatOp>(tensor(shape, i64), parts, b.getI64IntegerAttr(rank));
}

LogicalResult Importer::importIndexing(const onnx::NodeProto &n, Value data) {
  const std::string &op = n.op_type();
  auto dt = typeOf(data);
  auto isIndex = [](Type t) { return t.isInteger(32) || t.isInteger(64); };

  if (op == "EyeLike") {
    if (dt.getRank() != 2)
      return error() << "input must be 2-D, not " << shapeText(dt.getShape());
    Type elem = dt.getElementType();
    if (const auto *d = attr("dtype")) {
      elem = elementType(static_cast<int32_t>(d->i()));
      if (!elem)
        return error() << "dtype " << d->i() << " is not supported";
    }
    g::HostTensor eye = g::HostTensor::zeros(tensor(dt.getShape(), elem));
    int64_t k = attrInt("k", 0), rows = dt.getDimSize(0), cols = dt.getDimSize(1);
    for (int64_t i = 0; i < rows; ++i)
      if (i + k >= 0 && i + k < cols) {
        if (eye.isFloat)
          eye.f[i * cols + i + k] = 1;
        else
          eye.i[i * cols + i + k] = 1;
      }
    DenseElementsAttr a = eye.toAttr();
    return setOutput(0, b.create<g::ConstantOp>(loc, a.getType(), a));
  }

  if (op == "OneHot") {
    FailureOr<Value> depthV = input(1), valuesV = input(2);
    if (failed(depthV) || failed(valuesV))
      return failure();
    auto depth = constant(*depthV);
    if (!depth || depth->size() != 1)
      return error() << "depth must be a constant scalar";
    int64_t d = static_cast<int64_t>(depth->getF(0));
    if (d < 1)
      return error() << "depth " << d << " must be positive";
    auto vt = typeOf(*valuesV);
    if (vt.getNumElements() != 2)
      return error() << "values must hold [off_value, on_value]";
    if (dt.getElementType().isInteger(1))
      return error() << "indices must be numbers";
    int64_t rank = dt.getRank() + 1;
    FailureOr<int64_t> axis = normalizeAxis(attrInt("axis", -1), rank);
    if (failed(axis))
      return failure();
    auto i64 = b.getIntegerType(64);
    // Negative indices count from the end; out of range gives all off.
    SmallVector<int64_t> idxShape(dt.getShape());
    idxShape.insert(idxShape.begin() + *axis, 1);
    auto it = tensor(idxShape, i64);
    Value idx = reshape(create<g::CastOp>(tensor(dt.getShape(), i64), data), idxShape);
    Value negative = create<g::LessOp>(tensor(idxShape, b.getI1Type()), idx, constScalar(i64, 0));
    idx = create<g::WhereOp>(it, negative, create<g::AddOp>(it, idx, constScalar(i64, d)), idx);
    SmallVector<int64_t> shape(idxShape);
    shape[*axis] = d;
    Value hit = create<g::EqualOp>(tensor(shape, b.getI1Type()), idx, iota(d, *axis, rank));
    Type ve = vt.getElementType();
    Value flat = reshape(*valuesV, {2});
    auto pick = [&](int64_t j) {
      return create<g::ReshapeOp>(tensor({}, ve), create<g::SliceOp>(tensor({1}, ve), flat,
                                                                     b.getDenseI64ArrayAttr({j}),
                                                                     b.getDenseI64ArrayAttr({1})));
    };
    return setOutput(0, create<g::WhereOp>(tensor(shape, ve), hit, pick(1), pick(0)));
  }

  FailureOr<Value> idxV = input(1);
  if (failed(idxV))
    return failure();
  Value idx = *idxV;
  auto it = typeOf(idx);
  if (!isIndex(it.getElementType()))
    return error() << "indices must be int32 or int64";

  // GatherElements, ScatterElements: indices of data's rank (>= 1), within
  // data off the axis.
  auto elementsAxis = [&]() -> FailureOr<int64_t> {
    if (dt.getRank() == 0 || it.getRank() != dt.getRank()) {
      error() << "indices " << shapeText(it.getShape()) << " must have data's rank " << dt.getRank()
              << " (>= 1)";
      return failure();
    }
    FailureOr<int64_t> axis = normalizeAxis(attrInt("axis", 0), dt.getRank());
    for (int64_t d = 0; succeeded(axis) && d < dt.getRank(); ++d)
      if (d != *axis && it.getDimSize(d) > dt.getDimSize(d)) {
        error() << "indices " << shapeText(it.getShape()) << " exceed data "
                << shapeText(dt.getShape()) << " in dimension " << d;
        return failure();
      }
    return axis;
  };
  if (op == "GatherElements") {
    FailureOr<int64_t> axis = elementsAxis();
    if (failed(axis))
      return failure();
    return setOutput(0, create<g::GatherElementsOp>(tensor(it.getShape(), dt.getElementType()),
                                                    data, idx, b.getI64IntegerAttr(*axis)));
  }

  if (op == "GatherND") {
    int64_t q = it.getRank(), r = dt.getRank(), batch = attrInt("batch_dims", 0);
    if (q < 1 || r < 1 || batch < 0 || batch >= std::min(q, r))
      return error() << "batch_dims " << batch << " must be below the ranks of data (" << r
                     << ") and indices (" << q << ")";
    int64_t m = it.getDimSize(q - 1);
    if (m < 1 || m > r - batch)
      return error() << "index tuples of " << m << " do not fit data " << shapeText(dt.getShape())
                     << " after " << batch << " batch dims";
    if (it.getShape().take_front(batch) != dt.getShape().take_front(batch))
      return error() << "the batch dims of data and indices differ";
    SmallVector<int64_t> shape(it.getShape().drop_back());
    llvm::append_range(shape, dt.getShape().drop_front(batch + m));
    return setOutput(0, create<g::GatherNDOp>(tensor(shape, dt.getElementType()), data, idx,
                                              b.getI64IntegerAttr(batch)));
  }

  // ScatterND, ScatterElements with a reduction.
  FailureOr<Value> updV = input(2);
  if (failed(updV))
    return failure();
  Value upd = *updV;
  auto ut = typeOf(upd);
  if (ut.getElementType() != dt.getElementType())
    return error() << "updates and data differ in element type";
  std::string reduction = "none";
  if (const auto *r = attr("reduction"))
    reduction = r->s();
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" &&
      reduction != "min")
    return error() << "reduction '" << reduction << "' is not none, add, mul, max or min";
  if (reduction != "none" && dt.getElementType().isInteger(1))
    return error() << "a reduction needs numbers, not bool";
  if (op == "ScatterElements" || op == "Scatter") { // Scatter: its opset-9 name
    if (it.getShape() != ut.getShape())
      return error() << "indices " << shapeText(it.getShape()) << " and updates "
                     << shapeText(ut.getShape()) << " must have one shape";
    FailureOr<int64_t> axis = elementsAxis();
    if (failed(axis))
      return failure();
    // With a reduction: a scatter_nd of the full coordinates.
    if (reduction == "none")
      return setOutput(
          0, create<g::ScatterElementsOp>(dt, data, idx, upd, b.getI64IntegerAttr(*axis)));
    idx = coordinates(idx, *axis);
    it = typeOf(idx);
  }
  int64_t q = it.getRank();
  int64_t m = q ? it.getDimSize(q - 1) : 0;
  if (m < 1 || m > dt.getRank())
    return error() << "index tuples of " << m << " do not fit data " << shapeText(dt.getShape());
  SmallVector<int64_t> expected(it.getShape().drop_back());
  llvm::append_range(expected, dt.getShape().drop_front(m));
  if (ut.getShape() != ArrayRef<int64_t>(expected))
    return error() << "updates " << shapeText(ut.getShape()) << " must be " << shapeText(expected);
  return setOutput(0, create<g::ScatterNDOp>(dt, data, idx, upd, b.getStringAttr(reduction)));
}

// NegativeLogLikelihoodLoss of log-probabilities `logp` [N, C, d...] and
// targets [N, d...]: -logp[n, t, d] times the weight of t (0 where t is
// ignore_index), reduced: none, sum, or mean (divided by the summed
// weights when there are any, else by the count).
LogicalResult Importer::importLoss(const onnx::NodeProto &n, Value x) {
  const std::string &op = n.op_type();
  FailureOr<Value> tv = input(1);
  if (failed(tv))
    return failure();
  Value target = *tv;
  auto xt = typeOf(x), tt = typeOf(target);
  Type elem = xt.getElementType();
  if (!isa<FloatType>(elem))
    return error() << "element type " << elem << " is not supported (float only)";
  if (!tt.getElementType().isInteger(32) && !tt.getElementType().isInteger(64))
    return error() << "the target must be int32 or int64";
  int64_t rank = xt.getRank();
  SmallVector<int64_t> expected(xt.getShape());
  if (rank >= 2)
    expected.erase(expected.begin() + 1);
  if (rank < 2 || tt.getShape() != ArrayRef<int64_t>(expected))
    return error() << "input " << shapeText(xt.getShape()) << " must be [N, C, d...] and target "
                   << shapeText(tt.getShape()) << " [N, d...]";
  std::string reduction = "mean";
  if (const auto *r = attr("reduction"))
    reduction = r->s();
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return error() << "reduction '" << reduction << "' is not none, sum or mean";
  Value weight;
  if (hasInput(2)) {
    FailureOr<Value> w = input(2);
    if (failed(w))
      return failure();
    if (typeOf(*w).getShape() != ArrayRef<int64_t>{xt.getDimSize(1)} ||
        typeOf(*w).getElementType() != elem)
      return error() << "weight must be [C] = [" << xt.getDimSize(1) << "] of " << elem;
    weight = *w;
  }
  Value logp = x;
  if (op == "SoftmaxCrossEntropyLoss") {
    logp = logSoftmax(x, 1);
    if (failed(setOutput(1, logp)))
      return failure();
  }
  auto i64 = b.getIntegerType(64);
  auto boolType = tensor(tt.getShape(), b.getI1Type());
  auto lossType = tensor(tt.getShape(), elem);
  target = create<g::CastOp>(tensor(tt.getShape(), i64), target);
  Value valid;
  if (attr("ignore_index")) {
    Value ignored =
        create<g::EqualOp>(boolType, target, constScalar(i64, attrInt("ignore_index", 0)));
    valid = create<g::NotOp>(boolType, ignored);
    // Ignored targets may lie outside [0, C): read class 0 instead.
    target = create<g::WhereOp>(typeOf(target), valid, target, constScalar(i64, 0));
  }
  SmallVector<int64_t> oneClass(xt.getShape());
  oneClass[1] = 1;
  Value picked = create<g::GatherElementsOp>(tensor(oneClass, elem), logp,
                                             reshape(target, oneClass), b.getI64IntegerAttr(1));
  Value loss = create<g::NegOp>(lossType, reshape(picked, tt.getShape()));
  Value zero = constScalar(elem, 0);
  Value gathered; // the per-element weights, when there are any
  if (weight)
    gathered = create<g::GatherOp>(lossType, weight, target, b.getI64IntegerAttr(0));
  if (valid)
    gathered =
        create<g::WhereOp>(lossType, valid, gathered ? gathered : constScalar(elem, 1), zero);
  if (gathered)
    loss = create<g::MulOp>(lossType, loss, gathered);
  if (reduction != "none") {
    SmallVector<int64_t> all;
    for (int64_t d = 0; d < tt.getRank(); ++d)
      all.push_back(d);
    auto scalarType = tensor({}, elem);
    auto sum = [&](Value v) {
      return create<g::ReduceSumOp>(scalarType, v, b.getDenseI64ArrayAttr(all),
                                    b.getBoolAttr(false));
    };
    if (reduction == "sum")
      loss = sum(loss);
    else if (gathered)
      loss = create<g::DivOp>(scalarType, sum(loss), sum(gathered));
    else
      loss = create<g::ReduceMeanOp>(scalarType, loss, b.getDenseI64ArrayAttr(all),
                                     b.getBoolAttr(false));
  }
  return setOutput(0, loss);
}

} // namespace lmc::import
