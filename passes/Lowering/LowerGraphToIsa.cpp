// lmc-lower-graph-to-isa: lmc_graph -> lmc_isa at operator granularity.
#include <algorithm>
#include <cstring>

#include "dialects/Graph/Graph.h"
#include "dialects/Isa/Isa.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"
#include "runtime/format/Format.h"
#include "runtime/format/MathFn.h"
#include "runtime/format/QuantMatMul.h"
#include "llvm/ADT/APSInt.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

namespace lmc {
#define GEN_PASS_DEF_LOWERGRAPHTOISA
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
using namespace lmc;
namespace g = lmc::graph;
namespace lisa = lmc::isa;

namespace {

// Where a graph value lives: a strided view of a buffer, in elements.
struct View {
  Value buffer;
  Type elem;
  SmallVector<int64_t> shape, strides;
  int64_t offset = 0;
};

SmallVector<int64_t> rowMajor(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

bool isContiguous(const View &v) {
  int64_t expected = 1;
  for (int64_t d = static_cast<int64_t>(v.shape.size()) - 1; d >= 0; --d) {
    if (v.shape[d] == 1)
      continue;
    if (v.strides[d] != expected)
      return false;
    expected *= v.shape[d];
  }
  return true;
}

bool sameView(const View &a, const View &b) {
  return a.buffer == b.buffer && a.elem == b.elem && a.shape == b.shape &&
         a.strides == b.strides && a.offset == b.offset;
}

int64_t elemBytes(Type t) { return t.isInteger(1) ? 1 : (t.getIntOrFloatBitWidth() + 7) / 8; }

// The view broadcast to `shape` (numpy rules): leading axes added with
// stride 0, size-1 axes stretched with stride 0.
View broadcastTo(const View &v, ArrayRef<int64_t> shape) {
  View r = v;
  size_t lead = shape.size() - v.shape.size();
  r.shape.assign(shape.begin(), shape.end());
  r.strides.assign(shape.size(), 0);
  for (size_t d = lead; d < shape.size(); ++d)
    r.strides[d] = v.shape[d - lead] == shape[d] ? v.strides[d - lead] : 0;
  return r;
}

class Lowering {
public:
  Lowering(func::FuncOp func) : func(func), builder(func.getContext()) {}
  LogicalResult run();

private:
  Value allocFor(Value result, Location loc);
  View contiguous(Value buffer, RankedTensorType type) {
    return View{buffer, type.getElementType(), SmallVector<int64_t>(type.getShape()),
                rowMajor(type.getShape()), 0};
  }
  Attribute region(const View &v) {
    return lisa::RegionAttr::get(builder.getContext(), v.elem, v.shape, v.strides, v.offset);
  }
  void emit(StringRef opcode, ArrayRef<View> operands, ArrayRef<int64_t> imms, Location loc);
  // Output view of a computing op's result, registered for its users.
  View define(Value result, Location loc) {
    View v = contiguous(allocFor(result, loc), cast<RankedTensorType>(result.getType()));
    views[result] = v;
    return v;
  }
  View materialize(const View &v, Location loc);
  // The buffer holding a qmatmul's weights in matmul_q's packed layout.
  Value packedWeights(Value weights);
  LogicalResult lowerOp(Operation *op);

  func::FuncOp func;
  OpBuilder builder;
  llvm::DenseMap<Value, View> views;
  llvm::DenseMap<Value, Value> directOutputs;  // graph value -> io output buffer
  llvm::DenseMap<Value, Value> packed;         // qmatmul weights -> packed buffer
};

format::QuantScheme schemeOf(Type weightsElement) {
  switch (weightsElement.getIntOrFloatBitWidth()) {
  case 8:
    return format::QuantScheme::Int8;
  case 4:
    return format::QuantScheme::Int4;
  default:
    return format::QuantScheme::Ternary;
  }
}

// Whether every use of `v` is as a qmatmul's weights: then only the packed
// form is needed (the i4/i2 element types have no .bin dtype).
bool onlyQuantWeights(Value v) {
  return llvm::all_of(v.getUses(), [](OpOperand &use) {
    return llvm::isa<g::QMatMulOp>(use.getOwner()) && use.getOperandNumber() == 1;
  });
}

Value Lowering::allocFor(Value result, Location loc) {
  if (Value io = directOutputs.lookup(result))
    return io;
  auto type = cast<RankedTensorType>(result.getType());
  int64_t bytes = std::max<int64_t>(type.getNumElements() * elemBytes(type.getElementType()), 1);
  return builder.create<lisa::AllocOp>(loc, lisa::BufferType::get(builder.getContext()),
                                      builder.getI64IntegerAttr(bytes),
                                      builder.getStringAttr("dram"), IntegerAttr());
}

void Lowering::emit(StringRef opcode, ArrayRef<View> operands, ArrayRef<int64_t> imms,
                    Location loc) {
  // An empty output means nothing to compute.
  if (llvm::is_contained(operands.front().shape, 0))
    return;
  SmallVector<Value> buffers;
  SmallVector<Attribute> regions;
  for (const View &v : operands) {
    buffers.push_back(v.buffer);
    regions.push_back(region(v));
  }
  builder.create<lisa::InstOp>(loc, builder.getStringAttr(opcode), buffers,
                              builder.getArrayAttr(regions), builder.getDenseI64ArrayAttr(imms),
                              builder.getStringAttr("cpu"), builder.getI64IntegerAttr(0));
}

View Lowering::materialize(const View &v, Location loc) {
  auto type = RankedTensorType::get(v.shape, v.elem);
  int64_t bytes = std::max<int64_t>(type.getNumElements() * elemBytes(v.elem), 1);
  Value buffer = builder.create<lisa::AllocOp>(loc, lisa::BufferType::get(builder.getContext()),
                                              builder.getI64IntegerAttr(bytes),
                                              builder.getStringAttr("dram"), IntegerAttr());
  View out = contiguous(buffer, type);
  emit("copy", {out, v}, {}, loc);
  return out;
}

Value Lowering::packedWeights(Value weights) {
  if (Value done = packed.lookup(weights))
    return done;
  auto type = cast<RankedTensorType>(weights.getType());
  const int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  const unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  const format::QuantScheme scheme = schemeOf(type.getElementType());
  const int64_t bytes = format::quantPackedBytes(scheme, k, n);
  auto packedType = RankedTensorType::get({bytes}, builder.getIntegerType(8, /*isSigned=*/false));
  auto bufferType = lisa::BufferType::get(builder.getContext());
  Operation *def = weights.getDefiningOp();
  Value result;
  if (auto w = dyn_cast<g::WeightOp>(def)) {
    result = builder.create<lisa::WeightOp>(def->getLoc(), bufferType, w.getNameAttr(),
                                            TypeAttr::get(packedType));
  } else {
    auto dense = cast<DenseElementsAttr>(cast<g::ConstantOp>(def).getValue());
    // One byte per element in the attribute; the value is its low `bits`
    // bits, sign-extended (an i4 attribute parsed from text keeps only those).
    std::vector<int8_t> q(size_t(k * n));
    if (dense.isSplat()) {
      std::fill(q.begin(), q.end(), int8_t(dense.getSplatValue<APInt>().getSExtValue()));
    } else {
      ArrayRef<char> raw = dense.getRawData();
      const unsigned shift = 8 - bits;
      for (size_t i = 0; i < q.size(); ++i)
        q[i] = int8_t(uint8_t(raw[i]) << shift) >> shift;
    }
    std::vector<uint8_t> out(static_cast<size_t>(bytes));
    format::packQuantWeights(scheme, q.data(), k, n, out.data());
    ArrayRef<char> raw(reinterpret_cast<const char *>(out.data()), out.size());
    result = builder.create<lisa::ConstOp>(def->getLoc(), bufferType,
                                           DenseElementsAttr::getFromRawBuffer(packedType, raw));
  }
  packed[weights] = result;
  return result;
}

static int64_t doubleBits(double d) {
  int64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}

// `value` as an element of type `elem`, in the low bytes of an imm (window's
// pad value): floats round to nearest, integers saturate (-inf gives the
// type's minimum, which is what a max pooling pads with).
static int64_t elementBits(Type elem, double value) {
  if (auto f = dyn_cast<FloatType>(elem)) {
    APFloat v(value);
    bool lost;
    v.convert(f.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    return static_cast<int64_t>(v.bitcastToAPInt().getZExtValue());
  }
  unsigned bits = elem.getIntOrFloatBitWidth();
  bool isUnsigned = elem.isUnsignedInteger() || bits == 1;
  APSInt i(bits, isUnsigned);
  bool exact;
  APFloat(value).convertToInteger(i, APFloat::rmTowardZero, &exact);  // saturates
  return static_cast<int64_t>(i.getZExtValue());
}

LogicalResult Lowering::lowerOp(Operation *op) {
  Location loc = op->getLoc();
  auto in = [&](unsigned i) { return views.lookup(op->getOperand(i)); };
  auto resultShape = [&]() { return cast<RankedTensorType>(op->getResult(0).getType()).getShape(); };

  // Views: no instruction, only a new region of the same buffer.
  if (llvm::isa<g::ConstantOp, g::WeightOp>(op) && !op->use_empty() && onlyQuantWeights(op->getResult(0)))
    return success();  // packed where a qmatmul reads it
  if (auto c = dyn_cast<g::ConstantOp>(op)) {
    Value buffer = builder.create<lisa::ConstOp>(loc, lisa::BufferType::get(builder.getContext()),
                                                c.getValue());
    views[c.getResult()] = contiguous(buffer, c.getType());
    return success();
  }
  if (auto w = dyn_cast<g::WeightOp>(op)) {
    Value buffer = builder.create<lisa::WeightOp>(loc, lisa::BufferType::get(builder.getContext()),
                                                  w.getNameAttr(), TypeAttr::get(w.getType()));
    views[w.getResult()] = contiguous(buffer, w.getType());
    return success();
  }
  if (auto r = dyn_cast<g::ReshapeOp>(op)) {
    View v = in(0);
    if (!isContiguous(v))
      v = materialize(v, loc);
    v.shape.assign(r.getType().getShape().begin(), r.getType().getShape().end());
    v.strides = rowMajor(v.shape);
    views[r.getResult()] = v;
    return success();
  }
  if (auto t = dyn_cast<g::TransposeOp>(op)) {
    View v = in(0), r = v;
    for (size_t d = 0; d < t.getPerm().size(); ++d) {
      r.shape[d] = v.shape[t.getPerm()[d]];
      r.strides[d] = v.strides[t.getPerm()[d]];
    }
    views[t.getResult()] = r;
    return success();
  }
  if (auto s = dyn_cast<g::SliceOp>(op)) {
    View v = in(0);
    for (size_t d = 0; d < v.shape.size(); ++d) {
      v.offset += s.getStarts()[d] * v.strides[d];
      v.strides[d] *= s.getSteps()[d];
      v.shape[d] = s.getType().getDimSize(d);
    }
    views[s.getResult()] = v;
    return success();
  }
  if (auto e = dyn_cast<g::ExpandOp>(op)) {
    views[e.getResult()] = broadcastTo(in(0), e.getType().getShape());
    return success();
  }

  // Computing ops: one instruction each.
  StringRef elementwise =
      llvm::TypeSwitch<Operation *, StringRef>(op)
          .Case([](g::AddOp) { return "add"; })
          .Case([](g::SubOp) { return "sub"; })
          .Case([](g::MulOp) { return "mul"; })
          .Case([](g::DivOp) { return "div"; })
          .Case([](g::PowOp) { return "pow"; })
          .Case([](g::MaxOp) { return "max"; })
          .Case([](g::MinOp) { return "min"; })
          .Case([](g::EqualOp) { return "equal"; })
          .Case([](g::LessOp) { return "less"; })
          .Case([](g::GreaterOp) { return "greater"; })
          .Case([](g::AndOp) { return "and"; })
          .Case([](g::OrOp) { return "or"; })
          .Case([](g::WhereOp) { return "where"; })
          .Case([](g::NegOp) { return "neg"; })
          .Case([](g::SqrtOp) { return "sqrt"; })
          .Case([](g::ReciprocalOp) { return "reciprocal"; })
          .Case([](g::ErfOp) { return "erf"; })
          .Case([](g::TanhOp) { return "tanh"; })
          .Case([](g::SigmoidOp) { return "sigmoid"; })
          .Case([](g::ReluOp) { return "relu"; })
          .Case([](g::ExpOp) { return "exp"; })
          .Case([](g::LogOp) { return "log"; })
          .Case([](g::AbsOp) { return "abs"; })
          .Case([](g::NotOp) { return "not"; })
          .Case([](g::RoundOp) { return "round"; })
          .Case([](g::CastOp) { return "cast"; })
          .Default([](Operation *) { return ""; });
  // mod and bitshift: elementwise with a flag.
  SmallVector<int64_t> flags;
  if (auto m = dyn_cast<g::ModOp>(op)) {
    elementwise = "mod";
    flags.push_back(m.getFmod());
  } else if (auto s = dyn_cast<g::BitShiftOp>(op)) {
    elementwise = "bitshift";
    flags.push_back(s.getLeft());
  }
  if (!elementwise.empty()) {
    SmallVector<View> operands;
    for (unsigned i = 0; i < op->getNumOperands(); ++i)
      operands.push_back(broadcastTo(in(i), resultShape()));
    operands.insert(operands.begin(), define(op->getResult(0), loc));
    emit(elementwise, operands, flags, loc);
    return success();
  }
  if (auto m = dyn_cast<g::MathOp>(op)) {
    View x = in(0);
    emit("math", {define(m.getResult(), loc), x}, {format::mathFnFromName(m.getFn())}, loc);
    return success();
  }
  // Along one axis: the result's own shape is the kernel's.
  auto lowerAxis = [&](StringRef opcode, ArrayRef<int64_t> imms) {
    View x = in(0);
    emit(opcode, {define(op->getResult(0), loc), x}, imms, loc);
    return success();
  };
  if (auto a = dyn_cast<g::ArgMaxOp>(op))
    return lowerAxis("argmax", {a.getAxisAttr().getInt(), a.getSelectLastIndex()});
  if (auto a = dyn_cast<g::ArgMinOp>(op))
    return lowerAxis("argmin", {a.getAxisAttr().getInt(), a.getSelectLastIndex()});
  if (auto c = dyn_cast<g::CumSumOp>(op))
    return lowerAxis("cumsum", {c.getAxisAttr().getInt(), c.getExclusive(), c.getReverse()});
  if (auto t = dyn_cast<g::TopKOp>(op))
    return lowerAxis("topk", {t.getAxisAttr().getInt(), t.getLargest()});
  if (auto m = dyn_cast<g::MatMulOp>(op)) {
    ArrayRef<int64_t> shape = m.getType().getShape();
    size_t rank = shape.size();
    auto operandView = [&](const View &v, int64_t rows, int64_t cols) {
      SmallVector<int64_t> target(shape.drop_back(2));
      target.push_back(rows);
      target.push_back(cols);
      return broadcastTo(v, target);
    };
    View a = in(0), b = in(1);
    View out = define(m.getResult(), loc);
    emit("matmul",
         {out, operandView(a, shape[rank - 2], a.shape.back()),
          operandView(b, b.shape[b.shape.size() - 2], shape[rank - 1])},
         {}, loc);
    return success();
  }
  if (auto q = dyn_cast<g::QMatMulOp>(op)) {
    auto wType = q.getWeights().getType();
    format::QuantScheme scheme = schemeOf(wType.getElementType());
    Value b = packedWeights(q.getWeights());
    int64_t bytes = format::quantPackedBytes(scheme, wType.getDimSize(0), wType.getDimSize(1));
    View bView{b, builder.getIntegerType(8, /*isSigned=*/false), {bytes}, {1}, 0};
    View a = in(0), scales = in(2);
    emit("matmul_q", {define(q.getResult(), loc), a, bView, scales},
         {int64_t(scheme), int64_t(q.getGroup())}, loc);
    return success();
  }
  auto lowerReduce = [&](StringRef opcode, ArrayRef<int64_t> axes) {
    View x = in(0);
    View out = define(op->getResult(0), loc);
    // The kernel sees the keepdims shape: size 1 on reduced axes.
    View keep = out;
    keep.shape = x.shape;
    for (size_t d = 0; d < keep.shape.size(); ++d)
      if (axes.empty() || llvm::is_contained(axes, static_cast<int64_t>(d)))
        keep.shape[d] = 1;
    keep.strides = rowMajor(keep.shape);
    emit(opcode, {keep, x}, {}, loc);
    return success();
  };
  if (auto r = dyn_cast<g::ReduceSumOp>(op))
    return lowerReduce("reduce_sum", r.getAxes());
  if (auto r = dyn_cast<g::ReduceMeanOp>(op))
    return lowerReduce("reduce_mean", r.getAxes());
  if (auto r = dyn_cast<g::ReduceMaxOp>(op))
    return lowerReduce("reduce_max", r.getAxes());
  if (auto r = dyn_cast<g::ReduceMinOp>(op))
    return lowerReduce("reduce_min", r.getAxes());
  if (auto r = dyn_cast<g::ReduceProdOp>(op))
    return lowerReduce("reduce_prod", r.getAxes());
  if (auto gelu = dyn_cast<g::GeluOp>(op)) {
    View x = in(0);
    emit("gelu", {define(gelu.getResult(), loc), x}, {gelu.getTanhApproximation() ? 1 : 0}, loc);
    return success();
  }
  if (auto s = dyn_cast<g::SoftmaxOp>(op)) {
    View x = in(0);
    emit("softmax", {define(s.getResult(), loc), x}, {s.getAxisAttr().getInt()}, loc);
    return success();
  }
  if (auto n = dyn_cast<g::LayerNormOp>(op)) {
    View x = in(0);
    SmallVector<View> operands{define(n.getResult(), loc), x,
                               broadcastTo(in(1), x.shape)};
    if (n.getBias())
      operands.push_back(broadcastTo(in(2), x.shape));
    emit("layer_norm", operands,
         {n.getAxisAttr().getInt(), doubleBits(n.getEpsilon().convertToDouble())}, loc);
    return success();
  }
  if (auto gOp = dyn_cast<g::GatherOp>(op)) {
    View data = in(0), indices = in(1);
    emit("gather", {define(gOp.getResult(), loc), data, indices}, {gOp.getAxisAttr().getInt()},
         loc);
    return success();
  }
  if (auto ge = dyn_cast<g::GatherElementsOp>(op)) {
    View data = in(0), indices = in(1);
    emit("gather_elements", {define(ge.getResult(), loc), data, indices}, {ge.getAxisAttr().getInt()}, loc);
    return success();
  }
  if (auto gn = dyn_cast<g::GatherNDOp>(op)) {
    View data = in(0), indices = in(1);
    emit("gather_nd", {define(gn.getResult(), loc), data, indices}, {gn.getBatchDimsAttr().getInt()}, loc);
    return success();
  }
  if (auto sn = dyn_cast<g::ScatterNDOp>(op)) {
    View data = in(0), indices = in(1), updates = in(2);
    View out = define(sn.getResult(), loc);
    if (!sameView(out, data))
      emit("copy", {out, data}, {}, loc);
    int64_t reduction = llvm::StringSwitch<int64_t>(sn.getReduction())
                            .Case("add", 1)
                            .Case("mul", 2)
                            .Case("max", 3)
                            .Case("min", 4)
                            .Default(0);
    emit("scatter_nd", {out, indices, updates}, {reduction}, loc);
    return success();
  }
  if (auto sc = dyn_cast<g::ScatterElementsOp>(op)) {
    // The result starts as a copy of the data (none when it is the data's
    // own buffer: the in-place KV-cache update), then takes the updates.
    View data = in(0), indices = in(1), updates = in(2);
    View out = define(sc.getResult(), loc);
    if (!sameView(out, data))
      emit("copy", {out, data}, {}, loc);
    emit("scatter", {out, indices, updates}, {sc.getAxisAttr().getInt()}, loc);
    return success();
  }
  if (auto c = dyn_cast<g::ConcatOp>(op)) {
    // A concat instruction takes at most maxInputs inputs (Opcodes.def, F11);
    // more (an unrolled recurrence's time steps) are placed by several, each
    // writing its run of the output along the axis.
    const unsigned maxInputs =
        format::kOpcodeInfo[static_cast<unsigned>(format::Opcode::Concat)].maxInputs;
    int64_t axis = c.getAxisAttr().getInt();
    View out = define(c.getResult(), loc);
    int64_t start = 0;
    for (unsigned first = 0, n = op->getNumOperands(); first < n; first += maxInputs) {
      SmallVector<View> operands{out};
      for (unsigned i = first; i < std::min(n, first + maxInputs); ++i)
        operands.push_back(in(i));
      View &part = operands.front();
      part.shape[axis] = 0;
      for (const View &v : ArrayRef<View>(operands).drop_front())
        part.shape[axis] += v.shape[axis];
      part.offset += start * part.strides[axis];
      start += part.shape[axis];
      emit("concat", operands, {axis}, loc);
    }
    return success();
  }
  if (auto w = dyn_cast<g::WindowOp>(op)) {
    // FORMAT.md "window": six imms per spatial axis (unused axes are the
    // identity), then the pad value's bits.
    SmallVector<int64_t> imms;
    for (size_t i = 0; i < size_t(format::kWindowAxes); ++i) {
      if (i < w.getKernelShape().size())
        imms.append({w.getKernelShape()[i], w.getStrides()[i], w.getDilations()[i],
                     w.getPads()[i], w.getInputDilations()[i], w.getOutputShape()[i]});
      else
        imms.append({1, 1, 1, 0, 1, 1});
    }
    imms.push_back(elementBits(w.getType().getElementType(), w.getPadValue().convertToDouble()));
    View x = in(0);
    emit("window", {define(w.getResult(), loc), x}, imms, loc);
    return success();
  }
  if (auto t = dyn_cast<g::TriluOp>(op)) {
    View x = in(0);
    emit("trilu", {define(t.getResult(), loc), x}, {t.getKAttr().getInt(), t.getUpper() ? 1 : 0},
         loc);
    return success();
  }
  return op->emitOpError("has no lowering to lmc_isa for the cpu target");
}

LogicalResult Lowering::run() {
  Block &body = func.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  MLIRContext *ctx = func.getContext();
  builder.setInsertionPointToStart(&body);
  auto bufferType = lisa::BufferType::get(ctx);
  auto nameOf = [&](DictionaryAttr attrs, StringRef fallback) {
    if (attrs)
      if (auto s = attrs.getAs<StringAttr>("lmc.name"))
        return s;
    return builder.getStringAttr(fallback);
  };

  // Inputs, and the State tensors of lmc-bind-kv-cache's pairs: the input
  // and its paired output are one buffer, neither in the IO signature.
  llvm::StringMap<Value> states;  // input name -> state buffer
  int64_t inputIndex = 0;
  for (BlockArgument arg : body.getArguments()) {
    std::string fallback = "input" + std::to_string(arg.getArgNumber());
    DictionaryAttr attrs = func.getArgAttrDict(arg.getArgNumber());
    StringAttr name = nameOf(attrs, fallback);
    Value buffer;
    if (auto output = attrs ? attrs.getAs<StringAttr>("lmc.state") : StringAttr()) {
      buffer = builder.create<lisa::StateOp>(func.getLoc(), bufferType, name, output,
                                             TypeAttr::get(arg.getType()), IntegerAttr());
      states[name.getValue()] = buffer;
    } else {
      buffer = builder.create<lisa::IoOp>(func.getLoc(), bufferType,
                                          builder.getI64IntegerAttr(inputIndex++), name,
                                          TypeAttr::get(arg.getType()), UnitAttr());
    }
    views[arg] = contiguous(buffer, cast<RankedTensorType>(arg.getType()));
  }
  // Outputs: a value computed by an instruction and returned once is
  // written straight into the output buffer (or, for an in-place cache
  // update, into its State tensor).
  SmallVector<Value> outputs;
  llvm::DenseMap<Value, int> returnCount;
  for (Value v : ret.getOperands())
    ++returnCount[v];
  int64_t outputIndex = 0;
  for (auto [j, v] : llvm::enumerate(ret.getOperands())) {
    std::string fallback = "output" + std::to_string(j);
    DictionaryAttr attrs = func.getResultAttrDict(j);
    if (auto past = attrs ? attrs.getAs<StringAttr>("lmc.state") : StringAttr()) {
      Value state = states.lookup(past.getValue());
      if (!state)
        return func.emitError("output '")
               << nameOf(attrs, fallback).getValue() << "' is paired (lmc.state) with '"
               << past.getValue() << "', which is not a state input";
      outputs.push_back(state);
      auto update = attrs.getAs<StringAttr>("lmc.state_update");
      if (update && update.getValue() == "in_place" && returnCount[v] == 1)
        directOutputs[v] = state;
      continue;
    }
    Value io = builder.create<lisa::IoOp>(
        func.getLoc(), bufferType, builder.getI64IntegerAttr(outputIndex++),
        nameOf(attrs, fallback), TypeAttr::get(v.getType()), builder.getUnitAttr());
    outputs.push_back(io);
    Operation *def = v.getDefiningOp();
    bool computed = def && !llvm::isa<g::ConstantOp, g::WeightOp, g::ReshapeOp, g::TransposeOp, g::SliceOp,
                                g::ExpandOp>(def);
    if (computed && returnCount[v] == 1)
      directOutputs[v] = io;
  }

  SmallVector<Operation *> graphOps;
  for (Operation &op : body.without_terminator()) {
    if (!llvm::isa<g::GraphDialect>(op.getDialect()))
      continue;
    graphOps.push_back(&op);
    builder.setInsertionPoint(&op);
    if (failed(lowerOp(&op)))
      return failure();
  }
  builder.setInsertionPoint(ret);
  for (auto [j, v] : llvm::enumerate(ret.getOperands())) {
    if (directOutputs.lookup(v) == outputs[j])
      continue;
    View out = contiguous(outputs[j], cast<RankedTensorType>(v.getType()));
    View from = views.lookup(v);
    if (sameView(out, from))
      continue;  // a cache returned unchanged
    // A copied cache update may read its own State tensor through another
    // view: copy through a temporary then (F: no partial aliasing).
    if (from.buffer == out.buffer)
      from = materialize(from, ret.getLoc());
    emit("copy", {out, from}, {}, ret.getLoc());
  }
  builder.create<func::ReturnOp>(ret.getLoc());
  ret.erase();
  for (Operation *op : llvm::reverse(graphOps))
    op->erase();
  SmallVector<unsigned> args;
  BitVector argsToErase(body.getNumArguments(), true);
  func.eraseArguments(argsToErase);
  BitVector resultsToErase(func.getNumResults(), true);
  func.eraseResults(resultsToErase);
  return success();
}

struct LowerGraphToIsaPass : lmc::impl::LowerGraphToIsaBase<LowerGraphToIsaPass> {
  void runOnOperation() override {
    for (auto func : llvm::make_early_inc_range(getOperation().getOps<func::FuncOp>()))
      if (failed(Lowering(func).run()))
        return signalPassFailure();
  }
};

}  // namespace
