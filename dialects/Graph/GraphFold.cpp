// Folders of lmc_graph operations: constant evaluation and trivial identities.
#include <cmath>
#include <cstring>

#include "dialects/Graph/ConstEval.h"
#include "dialects/Graph/Graph.h"
#include "runtime/format/MathFn.h"

using namespace mlir;
using namespace lmc::graph;

namespace {

// A splat input gives a splat result of the new type, whatever the shape op.
Attribute foldSplat(Attribute input, ShapedType resultType) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(input);
  if (!dense || !dense.isSplat())
    return {};
  return DenseElementsAttr::get(resultType, dense.getSplatValue<Attribute>());
}

bool fitsFold(ShapedType type) { return type.getNumElements() <= kMaxFoldElements; }

int64_t wrapToWidth(int64_t v, IntegerType type) {
  unsigned w = type.getWidth();
  if (w >= 64)
    return v;
  if (w == 1)
    return v != 0;
  uint64_t mask = (uint64_t(1) << w) - 1, u = static_cast<uint64_t>(v) & mask;
  if (!type.isUnsigned() && (u >> (w - 1)))
    u |= ~mask;
  return static_cast<int64_t>(u);
}

// Float to integer as the runtime's cast does it (FORMAT.md): truncate
// toward zero, saturate at the type's range; the bits of the result as the
// host tensor holds them (a u64 above 2^63 wraps to a negative int64).
int64_t truncateSaturating(double x, IntegerType type) {
  double t = std::trunc(x);
  unsigned w = type.getWidth();
  if (type.isUnsigned()) {
    if (t <= 0)
      return 0;
    if (t >= std::ldexp(1.0, int(w)))
      return w >= 64 ? -1 : int64_t((uint64_t(1) << w) - 1);
    return static_cast<int64_t>(static_cast<uint64_t>(t));
  }
  double bound = std::ldexp(1.0, int(w) - 1);
  if (t < -bound)
    return w >= 64 ? INT64_MIN : -(int64_t(1) << (w - 1));
  if (t >= bound)
    return w >= 64 ? INT64_MAX : (int64_t(1) << (w - 1)) - 1;
  return static_cast<int64_t>(t);
}

enum class BinKind { Add, Sub, Mul, Div, Pow, Max, Min, Equal, Less, Greater, And, Or };

Attribute foldBinary(Operation *op, Attribute lhsAttr, Attribute rhsAttr, BinKind kind) {
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!lhsAttr || !rhsAttr || !fitsFold(resultType))
    return {};
  auto lhs = HostTensor::fromAttr(lhsAttr), rhs = HostTensor::fromAttr(rhsAttr);
  if (!lhs || !rhs)
    return {};
  std::vector<int64_t> li = broadcastIndices(lhs->type.getShape(), resultType.getShape());
  std::vector<int64_t> ri = broadcastIndices(rhs->type.getShape(), resultType.getShape());
  HostTensor out = HostTensor::zeros(resultType);
  bool isFloat = lhs->isFloat;
  for (size_t k = 0; k < li.size(); ++k) {
    if (isFloat) {
      double a = lhs->f[li[k]], b = rhs->f[ri[k]], r = 0;
      switch (kind) {
      case BinKind::Add: r = a + b; break;
      case BinKind::Sub: r = a - b; break;
      case BinKind::Mul: r = a * b; break;
      case BinKind::Div: r = a / b; break;
      case BinKind::Pow: r = std::pow(a, b); break;
      case BinKind::Max: r = std::max(a, b); break;
      case BinKind::Min: r = std::min(a, b); break;
      case BinKind::Equal: out.i[k] = a == b; continue;
      case BinKind::Less: out.i[k] = a < b; continue;
      case BinKind::Greater: out.i[k] = a > b; continue;
      case BinKind::And:
      case BinKind::Or: return {};
      }
      out.f[k] = r;
    } else {
      int64_t a = lhs->i[li[k]], b = rhs->i[ri[k]], r = 0;
      switch (kind) {
      case BinKind::Add: r = static_cast<int64_t>(uint64_t(a) + uint64_t(b)); break;
      case BinKind::Sub: r = static_cast<int64_t>(uint64_t(a) - uint64_t(b)); break;
      case BinKind::Mul: r = static_cast<int64_t>(uint64_t(a) * uint64_t(b)); break;
      case BinKind::Div:
        if (b == 0 || (a == INT64_MIN && b == -1))
          return {};  // a run-time error, not a fold
        r = a / b;
        break;
      case BinKind::Pow: r = static_cast<int64_t>(std::pow(double(a), double(b))); break;
      case BinKind::Max: r = std::max(a, b); break;
      case BinKind::Min: r = std::min(a, b); break;
      case BinKind::Equal: r = a == b; break;
      case BinKind::Less: r = a < b; break;
      case BinKind::Greater: r = a > b; break;
      case BinKind::And: r = a && b; break;
      case BinKind::Or: r = a || b; break;
      }
      if (auto it = dyn_cast<IntegerType>(resultType.getElementType()))
        r = wrapToWidth(r, it);
      out.i[k] = r;
    }
  }
  return out.toAttr();
}

enum class UnKind { Neg, Sqrt, Reciprocal, Erf, Tanh, Sigmoid, Relu, Exp, Log, Abs, Not, Round };

Attribute foldUnary(Operation *op, Attribute inAttr, UnKind kind) {
  auto in = HostTensor::fromAttr(inAttr);
  if (!in)
    return {};
  HostTensor out = *in;
  for (int64_t k = 0; k < out.size(); ++k) {
    if (out.isFloat) {
      double x = out.f[k], r = 0;
      switch (kind) {
      case UnKind::Neg: r = -x; break;
      case UnKind::Sqrt: r = std::sqrt(x); break;
      case UnKind::Reciprocal: r = 1.0 / x; break;
      case UnKind::Erf: r = std::erf(x); break;
      case UnKind::Tanh: r = std::tanh(x); break;
      case UnKind::Sigmoid: r = 1.0 / (1.0 + std::exp(-x)); break;
      case UnKind::Relu: r = x > 0 ? x : 0; break;
      case UnKind::Exp: r = std::exp(x); break;
      case UnKind::Log: r = std::log(x); break;
      case UnKind::Abs: r = std::fabs(x); break;
      // Half to even (the default rounding mode), as the runtime's kernel.
      case UnKind::Round: r = std::nearbyint(x); break;
      case UnKind::Not: return {};
      }
      out.f[k] = r;
    } else {
      int64_t x = out.i[k];
      switch (kind) {
      case UnKind::Neg: out.i[k] = static_cast<int64_t>(0 - uint64_t(x)); break;
      case UnKind::Relu: out.i[k] = x > 0 ? x : 0; break;
      case UnKind::Abs: out.i[k] = x < 0 ? static_cast<int64_t>(0 - uint64_t(x)) : x; break;
      case UnKind::Not: out.i[k] = !x; break;
      default: return {};
      }
    }
  }
  return out.toAttr();
}

Attribute foldReduce(Operation *op, Attribute inAttr, ArrayRef<int64_t> axes, int kind) {
  auto in = HostTensor::fromAttr(inAttr);
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!in || in->size() == 0)
    return {};
  ArrayRef<int64_t> shape = in->type.getShape();
  // Output index of each input element: the keepdims shape, reduced axes of size 1.
  SmallVector<int64_t> kept(shape.begin(), shape.end());
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    if (axes.empty() || llvm::is_contained(axes, d))
      kept[d] = 1;
  std::vector<int64_t> keptStrides = rowMajorStrides(kept);
  HostTensor out = HostTensor::zeros(resultType);
  std::vector<bool> seen(out.size(), false);
  int64_t count = in->size() / std::max<int64_t>(out.size(), 1);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < in->size(); ++k) {
    int64_t o = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      o += (kept[d] == 1 ? 0 : idx[d]) * keptStrides[d];
    if (out.isFloat) {
      double x = in->f[k], cur = out.f[o];
      out.f[o] = !seen[o] ? x : kind == 0 || kind == 1 ? cur + x : kind == 2 ? std::max(cur, x) : kind == 3 ? std::min(cur, x) : cur * x;
    } else {
      int64_t xi = in->i[k], cur = out.i[o];
      out.i[o] = !seen[o] ? xi : kind == 0 || kind == 1 ? cur + xi : kind == 2 ? std::max(cur, xi) : kind == 3 ? std::min(cur, xi) : static_cast<int64_t>(uint64_t(cur) * uint64_t(xi));
    }
    seen[o] = true;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  if (kind == 1) {
    for (int64_t o = 0; o < out.size(); ++o) {
      if (out.isFloat)
        out.f[o] /= count;
      else
        out.i[o] /= count;
    }
  }
  return out.toAttr();
}

}  // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

#define LMC_BINARY_FOLDER(Op, kind)                                           \
  OpFoldResult Op::fold(FoldAdaptor adaptor) {                                \
    return foldBinary(*this, adaptor.getLhs(), adaptor.getRhs(), BinKind::kind); \
  }
LMC_BINARY_FOLDER(AddOp, Add)
LMC_BINARY_FOLDER(SubOp, Sub)
LMC_BINARY_FOLDER(MulOp, Mul)
LMC_BINARY_FOLDER(DivOp, Div)
LMC_BINARY_FOLDER(PowOp, Pow)
LMC_BINARY_FOLDER(MaxOp, Max)
LMC_BINARY_FOLDER(MinOp, Min)
LMC_BINARY_FOLDER(EqualOp, Equal)
LMC_BINARY_FOLDER(LessOp, Less)
LMC_BINARY_FOLDER(GreaterOp, Greater)
LMC_BINARY_FOLDER(AndOp, And)
LMC_BINARY_FOLDER(OrOp, Or)
#undef LMC_BINARY_FOLDER

#define LMC_UNARY_FOLDER(Op, kind) \
  OpFoldResult Op::fold(FoldAdaptor adaptor) { return foldUnary(*this, adaptor.getInput(), UnKind::kind); }
LMC_UNARY_FOLDER(NegOp, Neg)
LMC_UNARY_FOLDER(SqrtOp, Sqrt)
LMC_UNARY_FOLDER(ReciprocalOp, Reciprocal)
LMC_UNARY_FOLDER(ErfOp, Erf)
LMC_UNARY_FOLDER(TanhOp, Tanh)
LMC_UNARY_FOLDER(SigmoidOp, Sigmoid)
LMC_UNARY_FOLDER(ReluOp, Relu)
LMC_UNARY_FOLDER(ExpOp, Exp)
LMC_UNARY_FOLDER(LogOp, Log)
LMC_UNARY_FOLDER(AbsOp, Abs)
LMC_UNARY_FOLDER(NotOp, Not)
LMC_UNARY_FOLDER(RoundOp, Round)
#undef LMC_UNARY_FOLDER

#define LMC_REDUCE_FOLDER(Op, kind) \
  OpFoldResult Op::fold(FoldAdaptor adaptor) { return foldReduce(*this, adaptor.getInput(), getAxes(), kind); }
LMC_REDUCE_FOLDER(ReduceSumOp, 0)
LMC_REDUCE_FOLDER(ReduceMeanOp, 1)
LMC_REDUCE_FOLDER(ReduceMaxOp, 2)
LMC_REDUCE_FOLDER(ReduceMinOp, 3)
LMC_REDUCE_FOLDER(ReduceProdOp, 4)
#undef LMC_REDUCE_FOLDER

OpFoldResult MathOp::fold(FoldAdaptor adaptor) {
  auto in = HostTensor::fromAttr(adaptor.getInput());
  int64_t fn = lmc::format::mathFnFromName(getFn());
  if (!in || fn < 0)
    return {};
  auto f = static_cast<lmc::format::MathFn>(fn);
  HostTensor out = *in;
  for (int64_t k = 0; k < out.size(); ++k) {
    if (out.isFloat)
      out.f[k] = lmc::format::evalMathFn(f, out.f[k]);
    else
      out.i[k] = lmc::format::evalMathFn(f, out.i[k]);
  }
  return out.toAttr();
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto in = HostTensor::fromAttr(adaptor.getInput());
  if (!in)
    return {};
  HostTensor out = HostTensor::zeros(getType());
  Type elem = getType().getElementType();
  for (int64_t k = 0; k < out.size(); ++k) {
    if (out.isFloat) {
      out.f[k] = in->getF(k);
    } else if (auto it = cast<IntegerType>(elem); it.getWidth() == 1) {
      out.i[k] = in->isFloat ? in->f[k] != 0.0 : in->i[k] != 0;
    } else if (in->isFloat) {
      // NaN gives 0 at run time; left to it.
      if (std::isnan(in->f[k]))
        return {};
      out.i[k] = truncateSaturating(in->f[k], it);
    } else {
      out.i[k] = wrapToWidth(in->i[k], it);
    }
  }
  return out.toAttr();
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  if (!fitsFold(getType()))
    return {};
  auto c = HostTensor::fromAttr(adaptor.getCondition());
  auto a = HostTensor::fromAttr(adaptor.getLhs()), b = HostTensor::fromAttr(adaptor.getRhs());
  if (!c || !a || !b)
    return {};
  ArrayRef<int64_t> shape = getType().getShape();
  std::vector<int64_t> ci = broadcastIndices(c->type.getShape(), shape);
  std::vector<int64_t> ai = broadcastIndices(a->type.getShape(), shape);
  std::vector<int64_t> bi = broadcastIndices(b->type.getShape(), shape);
  HostTensor out = HostTensor::zeros(getType());
  for (size_t k = 0; k < ci.size(); ++k) {
    bool pick = c->i[ci[k]] != 0;
    if (out.isFloat)
      out.f[k] = pick ? a->f[ai[k]] : b->f[bi[k]];
    else
      out.i[k] = pick ? a->i[ai[k]] : b->i[bi[k]];
  }
  return out.toAttr();
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto data = HostTensor::fromAttr(adaptor.getData());
  auto indices = HostTensor::fromAttr(adaptor.getIndices());
  if (!data || !indices || !fitsFold(getType()))
    return {};
  int64_t axis = getAxisAttr().getInt();
  ArrayRef<int64_t> shape = data->type.getShape();
  int64_t outer = 1, inner = 1, n = shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  std::vector<int64_t> picks;
  picks.reserve(getType().getNumElements());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < indices->size(); ++j) {
      int64_t idx = indices->i[j];
      if (idx < 0)
        idx += n;
      if (idx < 0 || idx >= n)
        return {};  // reported at run time with the instruction
      for (int64_t k = 0; k < inner; ++k)
        picks.push_back((o * n + idx) * inner + k);
    }
  return gatherElements(*data, picks, getType()).toAttr();
}

OpFoldResult ScatterElementsOp::fold(FoldAdaptor adaptor) {
  auto data = HostTensor::fromAttr(adaptor.getData());
  auto indices = HostTensor::fromAttr(adaptor.getIndices());
  auto updates = HostTensor::fromAttr(adaptor.getUpdates());
  if (!data || !indices || !updates || !fitsFold(getType()))
    return {};
  const int64_t axis = getAxisAttr().getInt();
  ArrayRef<int64_t> dims = getType().getShape();
  ArrayRef<int64_t> idims = indices->type.getShape();
  std::vector<int64_t> strides = rowMajorStrides(dims);
  HostTensor out = *data;
  const int64_t rank = static_cast<int64_t>(dims.size());
  std::vector<int64_t> at(rank, 0);
  for (int64_t e = 0; e < indices->size(); ++e) {
    // `at` is the row-major index of element e of the indices.
    for (int64_t d = rank - 1, rest = e; d >= 0; --d) {
      at[d] = rest % idims[d];
      rest /= idims[d];
    }
    int64_t v = indices->i[e], n = dims[axis];
    if (v < 0)
      v += n;
    if (v < 0 || v >= n)
      return {};  // reported at run time with the instruction
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += (d == axis ? v : at[d]) * strides[d];
    if (out.isFloat)
      out.f[offset] = updates->getF(e);
    else
      out.i[offset] = updates->getI(e);
  }
  return out.toAttr();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    // reshape(reshape(x)) == reshape(x): fold by taking the inner operand.
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  bool identity = true;
  for (size_t d = 0; d < perm.size(); ++d)
    identity &= perm[d] == static_cast<int64_t>(d);
  if (identity)
    return getInput();
  if (Attribute splat = foldSplat(adaptor.getInput(), getType()))
    return splat;
  auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  Type elem = getType().getElementType();
  if (!dense || elem.isInteger(1) || elem.getIntOrFloatBitWidth() % 8)
    return {};
  // Permute raw bytes: weights transposed once here instead of every run.
  size_t width = elem.getIntOrFloatBitWidth() / 8;
  ArrayRef<char> raw = dense.getRawData();
  ArrayRef<int64_t> inShape = getInput().getType().getShape();
  std::vector<int64_t> inStrides = rowMajorStrides(inShape);
  ArrayRef<int64_t> outShape = getType().getShape();
  size_t rank = outShape.size();
  std::vector<int64_t> strides(rank);
  for (size_t d = 0; d < rank; ++d)
    strides[d] = inStrides[perm[d]];
  std::vector<char> out(raw.size());
  std::vector<int64_t> idx(rank, 0);
  int64_t src = 0, n = getType().getNumElements();
  for (int64_t k = 0; k < n; ++k) {
    std::memcpy(out.data() + k * width, raw.data() + src * width, width);
    for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
      src += strides[d];
      if (++idx[d] < outShape[d])
        break;
      src -= strides[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return DenseElementsAttr::getFromRawBuffer(getType(), out);
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1)
    return getInputs().front();
  if (!fitsFold(getType()))
    return {};
  std::vector<HostTensor> parts;
  for (Attribute a : adaptor.getInputs()) {
    auto t = HostTensor::fromAttr(a);
    if (!t)
      return {};
    parts.push_back(std::move(*t));
  }
  int64_t axis = getAxisAttr().getInt();
  ArrayRef<int64_t> shape = getType().getShape();
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  HostTensor out = HostTensor::zeros(getType());
  int64_t k = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const HostTensor &p : parts) {
      int64_t chunk = p.size() / std::max<int64_t>(outer, 1);
      for (int64_t j = 0; j < chunk; ++j, ++k) {
        if (out.isFloat)
          out.f[k] = p.f[o * chunk + j];
        else
          out.i[k] = p.i[o * chunk + j];
      }
    }
  return out.toAttr();
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() &&
      llvm::all_of(getStarts(), [](int64_t s) { return s == 0; }) &&
      llvm::all_of(getSteps(), [](int64_t s) { return s == 1; }))
    return getInput();
  if (Attribute splat = foldSplat(adaptor.getInput(), getType()))
    return splat;
  auto in = HostTensor::fromAttr(adaptor.getInput());
  if (!in)
    return {};
  std::vector<int64_t> inStrides = rowMajorStrides(in->type.getShape());
  ArrayRef<int64_t> shape = getType().getShape();
  ArrayRef<int64_t> starts = getStarts(), steps = getSteps();
  std::vector<int64_t> picks;
  int64_t n = getType().getNumElements();
  picks.reserve(n);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t src = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      src += (starts[d] + idx[d] * steps[d]) * inStrides[d];
    picks.push_back(src);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  return gatherElements(*in, picks, getType()).toAttr();
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (Attribute splat = foldSplat(adaptor.getInput(), getType()))
    return splat;
  auto in = HostTensor::fromAttr(adaptor.getInput());
  if (!in || !fitsFold(getType()))
    return {};
  return gatherElements(*in, broadcastIndices(in->type.getShape(), getType().getShape()),
                        getType())
      .toAttr();
}

OpFoldResult TriluOp::fold(FoldAdaptor adaptor) {
  auto in = HostTensor::fromAttr(adaptor.getInput());
  if (!in)
    return {};
  ArrayRef<int64_t> shape = getType().getShape();
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  int64_t k = getKAttr().getInt();
  bool upper = getUpper();
  HostTensor out = *in;
  for (int64_t e = 0; e < out.size(); ++e) {
    int64_t j = e % cols, i = (e / cols) % rows;
    bool keep = upper ? j - i >= k : j - i <= k;
    if (keep)
      continue;
    if (out.isFloat)
      out.f[e] = 0;
    else
      out.i[e] = 0;
  }
  return out.toAttr();
}
