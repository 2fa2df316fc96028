// Builds lmc_graph IR from a loaded ONNX model: tensors, graph inputs and
// outputs, and one handler per operator (folding shape subgraphs as it goes).
#include "compiler/Import/OnnxImporter.h"

#include <cmath>
#include <cstring>
#include <map>

#include "compiler/Import/Importer.h"
#include "compiler/Import/OnnxLoader.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"

namespace lmc::import {

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Type Importer::elementType(int32_t t) {
  switch (t) {
  case onnx::TensorProto::FLOAT: return b.getF32Type();
  case onnx::TensorProto::DOUBLE: return b.getF64Type();
  case onnx::TensorProto::FLOAT16: return b.getF16Type();
  case onnx::TensorProto::BFLOAT16: return b.getBF16Type();
  case onnx::TensorProto::INT8: return b.getIntegerType(8);
  case onnx::TensorProto::INT16: return b.getIntegerType(16);
  case onnx::TensorProto::INT32: return b.getIntegerType(32);
  case onnx::TensorProto::INT64: return b.getIntegerType(64);
  case onnx::TensorProto::UINT8: return b.getIntegerType(8, false);
  case onnx::TensorProto::UINT16: return b.getIntegerType(16, false);
  case onnx::TensorProto::UINT32: return b.getIntegerType(32, false);
  case onnx::TensorProto::UINT64: return b.getIntegerType(64, false);
  case onnx::TensorProto::BOOL: return b.getI1Type();
  default: return Type();
  }
}

FailureOr<DenseElementsAttr> Importer::tensorAttr(const onnx::TensorProto &t) {
  Type elem = elementType(t.data_type());
  auto fail = [&](const std::string &why) {
    emitError(loc) << path << ": tensor '" << t.name() << "': " << why;
    return failure();
  };
  if (!elem)
    return fail("element type " + std::to_string(t.data_type()) +
                " (string, complex or 8-bit float) is not supported");
  SmallVector<int64_t> shape(t.dims().begin(), t.dims().end());
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return fail("negative dimension");
    if (__builtin_mul_overflow(n, d, &n) || n > (int64_t(1) << 40))
      return fail("has more elements than lmc can hold (over 2^40)");
  }
  auto type = tensor(shape, elem);
  size_t width = elem.isInteger(1) ? 1 : elem.getIntOrFloatBitWidth() / 8;
  std::vector<char> raw;
  if (t.has_raw_data()) {
    if (t.raw_data().size() != n * width)
      return fail("raw data holds " + std::to_string(t.raw_data().size()) + " bytes, " +
                  std::to_string(n * width) + " expected");
    raw.assign(t.raw_data().begin(), t.raw_data().end());
  } else {
    raw.resize(n * width);
    auto fill = [&](const auto &field) -> LogicalResult {
      if (field.size() != n)
        return failure();
      for (int64_t k = 0; k < n; ++k) {
        auto v = field.Get(k);
        switch (width) {
        case 1: { int8_t x = static_cast<int8_t>(v); std::memcpy(&raw[k], &x, 1); break; }
        case 2: { int16_t x = static_cast<int16_t>(v); std::memcpy(&raw[2 * k], &x, 2); break; }
        case 4: {
          if (elem.isF32()) { float x = static_cast<float>(v); std::memcpy(&raw[4 * k], &x, 4); }
          else { int32_t x = static_cast<int32_t>(v); std::memcpy(&raw[4 * k], &x, 4); }
          break;
        }
        case 8: {
          if (elem.isF64()) { double x = static_cast<double>(v); std::memcpy(&raw[8 * k], &x, 8); }
          else { int64_t x = static_cast<int64_t>(v); std::memcpy(&raw[8 * k], &x, 8); }
          break;
        }
        }
      }
      return success();
    };
    LogicalResult ok = success();
    switch (t.data_type()) {
    case onnx::TensorProto::FLOAT: ok = fill(t.float_data()); break;
    case onnx::TensorProto::DOUBLE: ok = fill(t.double_data()); break;
    case onnx::TensorProto::INT64: ok = fill(t.int64_data()); break;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64: ok = fill(t.uint64_data()); break;
    default: ok = fill(t.int32_data()); break;
    }
    if (failed(ok))
      return fail("holds the wrong number of elements for its shape " + shapeText(shape));
  }
  if (elem.isInteger(1)) {
    SmallVector<bool> bits(raw.begin(), raw.end());
    for (size_t k = 0; k < bits.size(); ++k)
      bits[k] = raw[k] != 0;
    return DenseElementsAttr::get(type, ArrayRef<bool>(bits));
  }
  bool splat = false;
  if (!DenseElementsAttr::isValidRawBuffer(type, raw, splat))
    return fail("data does not match its type");
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}

FailureOr<Value> Importer::value(const std::string &name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  auto init = initializers.find(name);
  if (init == initializers.end()) {
    emitError(loc) << path << ": value '" << name << "' is used but never defined";
    return failure();
  }
  // Initializers are defined at the function entry, named by themselves.
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(b.getInsertionBlock());
  const onnx::TensorProto &t = *init->second;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    // Left unread by --no-weights: the type without the values.
    Type elem = elementType(t.data_type());
    SmallVector<int64_t> shape(t.dims().begin(), t.dims().end());
    if (!elem || llvm::any_of(shape, [](int64_t d) { return d < 0; })) {
      emitError(loc) << path << ": initializer '" << name << "' has an unsupported type";
      return failure();
    }
    Value v = b.create<g::WeightOp>(NameLoc::get(b.getStringAttr(name)), tensor(shape, elem),
                                    b.getStringAttr(name));
    values[name] = v;
    return v;
  }
  FailureOr<DenseElementsAttr> attr = tensorAttr(t);
  if (failed(attr))
    return failure();
  // The attribute holds its own copy: free the protobuf's (clear() would
  // keep the string's capacity).
  std::string().swap(*init->second->mutable_raw_data());
  init->second->clear_float_data();
  init->second->clear_int64_data();
  init->second->clear_int32_data();
  init->second->clear_double_data();
  init->second->clear_uint64_data();
  Value v = b.create<g::ConstantOp>(NameLoc::get(b.getStringAttr(name)), attr->getType(), *attr);
  values[name] = v;
  return v;
}

std::optional<g::HostTensor> Importer::constant(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return g::HostTensor::fromAttr(attr);
}

std::optional<std::vector<int64_t>> Importer::constInts(Value v) {
  auto t = constant(v);
  if (!t || t->isFloat)
    return std::nullopt;
  return t->i;
}

Value Importer::constI64(ArrayRef<int64_t> v, ArrayRef<int64_t> shape) {
  auto type = tensor(shape, b.getIntegerType(64));
  return b.create<g::ConstantOp>(loc, type, DenseElementsAttr::get(type, v));
}

Value Importer::constScalar(Type elem, double v) {
  g::HostTensor t = g::HostTensor::zeros(tensor({}, elem));
  if (t.isFloat)
    t.f[0] = v;
  else
    t.i[0] = static_cast<int64_t>(v);
  DenseElementsAttr attr = t.toAttr();
  return b.create<g::ConstantOp>(loc, attr.getType(), attr);
}

const onnx::AttributeProto *Importer::attr(const std::string &name) const {
  for (const auto &a : node->attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t Importer::attrInt(const std::string &name, int64_t fallback) const {
  const auto *a = attr(name);
  return a ? a->i() : fallback;
}

float Importer::attrFloat(const std::string &name, float fallback) const {
  const auto *a = attr(name);
  return a ? a->f() : fallback;
}

std::optional<std::vector<int64_t>> Importer::attrInts(const std::string &name) const {
  const auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

unsigned Importer::numInputs() const { return node->input_size(); }

FailureOr<Value> Importer::input(unsigned i) {
  if (!hasInput(i)) {
    error() << "input " << i << " is missing";
    return failure();
  }
  return value(node->input(i));
}

bool tooManyElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n) || n > (int64_t(1) << 40))
      return true;
  return false;
}

LogicalResult Importer::setOutput(unsigned i, Value v) {
  if (tooManyElements(typeOf(v).getShape()))
    return error() << "output " << i << " would have shape " << shapeText(typeOf(v).getShape())
                   << ", more elements than lmc can hold (2^40)";
  if (static_cast<int>(i) < node->output_size() && !node->output(i).empty())
    values[node->output(i)] = v;
  return success();
}

FailureOr<int64_t> Importer::normalizeAxis(int64_t axis, int64_t rank) {
  // A scalar has no axis: callers index the shape with the result.
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    error() << "axis " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return a;
}

LogicalResult Importer::importNode(const onnx::NodeProto &n, int index) {
  node = &n;
  nodeName = scope + (n.name().empty() ? n.op_type() + "_" + std::to_string(index) : n.name());
  loc = NameLoc::get(b.getStringAttr(nodeName), NameLoc::get(b.getStringAttr(n.op_type())));
  return importOp(n);
}

OwningOpRef<ModuleOp> Importer::run() {
  const onnx::GraphProto &graph = model.graph();
  opset = defaultOpset(model);
  loc = FileLineColLoc::get(&ctx, path, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  for (auto &t : *model.mutable_graph()->mutable_initializer())
    initializers[t.name()] = &t;

  SmallVector<Type> inputTypes;
  SmallVector<std::string> inputNames;
  for (const auto &in : graph.input()) {
    if (initializers.count(in.name()))
      continue;  // IR version < 4: initializers are listed as inputs too
    const auto &tt = in.type().tensor_type();
    Type elem = elementType(tt.elem_type());
    if (!elem) {
      emitError(loc) << path << ": input '" << in.name() << "' has an unsupported element type";
      return nullptr;
    }
    SmallVector<int64_t> shape;
    for (const auto &d : tt.shape().dim())
      shape.push_back(d.dim_value());
    if (tooManyElements(shape)) {
      emitError(loc) << path << ": input '" << in.name() << "' has shape " << shapeText(shape)
                     << ", more elements than lmc can hold (2^40)";
      return nullptr;
    }
    inputTypes.push_back(tensor(shape, elem));
    inputNames.push_back(in.name());
  }
  b.setInsertionPointToEnd(module->getBody());
  auto func = b.create<func::FuncOp>(loc, "main", b.getFunctionType(inputTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(inputNames)) {
    values[name] = entry->getArgument(i);
    func.setArgAttr(i, "lmc.name", b.getStringAttr(name));
  }
  b.setInsertionPointToEnd(entry);

  for (int i = 0; i < graph.node_size(); ++i)
    if (failed(importNode(graph.node(i), i)))
      return nullptr;

  loc = FileLineColLoc::get(&ctx, path, 0, 0);
  SmallVector<Value> results;
  for (const auto &out : graph.output()) {
    FailureOr<Value> v = value(out.name());
    if (failed(v))
      return nullptr;
    auto type = typeOf(*v);
    const auto &tt = out.type().tensor_type();
    if (tt.elem_type() && elementType(tt.elem_type()) != type.getElementType()) {
      emitError(loc) << path << ": output '" << out.name() << "' is declared with element type "
                     << tt.elem_type() << " but computes " << type.getElementType();
      return nullptr;
    }
    if (tt.has_shape()) {
      bool matches = tt.shape().dim_size() == type.getRank();
      for (int d = 0; matches && d < tt.shape().dim_size(); ++d)
        matches = !tt.shape().dim(d).has_dim_value() ||
                  tt.shape().dim(d).dim_value() == type.getDimSize(d);
      if (!matches) {
        emitError(loc) << path << ": output '" << out.name()
                       << "' is declared with another shape than the computed "
                       << shapeText(type.getShape());
        return nullptr;
      }
    }
    results.push_back(*v);
  }
  b.create<func::ReturnOp>(loc, results);
  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  func.setFunctionType(b.getFunctionType(inputTypes, resultTypes));
  for (auto [j, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(j, "lmc.name", b.getStringAttr(out.name()));
  (*module)->setAttr("lmc.source", b.getStringAttr(path));
  if (!graph.name().empty())
    (*module)->setAttr("lmc.graph_name", b.getStringAttr(graph.name()));
  if (!model.producer_name().empty())
    (*module)->setAttr("lmc.producer",
                    b.getStringAttr(model.producer_name() + " " + model.producer_version()));
  return module;
}

FailureOr<Value> Importer::broadcastBinary(StringRef op, Value lhs, Value rhs) {
  SmallVector<int64_t> shape;
  if (!g::broadcastShapes(typeOf(lhs).getShape(), typeOf(rhs).getShape(), shape)) {
    error() << "operand shapes " << shapeText(typeOf(lhs).getShape()) << " and "
            << shapeText(typeOf(rhs).getShape()) << " do not broadcast";
    return failure();
  }
  Type elem = typeOf(lhs).getElementType();
  if (typeOf(rhs).getElementType() != elem) {
    if (op != "pow") {
      error() << "operand element types differ: " << elem << " and "
              << typeOf(rhs).getElementType();
      return failure();
    }
    // ONNX Pow allows an exponent of another type: convert it to the base's.
    rhs = create<g::CastOp>(tensor(typeOf(rhs).getShape(), elem), rhs);
  }
  Type i1 = b.getI1Type();
  auto arith = tensor(shape, elem), logic = tensor(shape, i1);
  if (op == "add") return create<g::AddOp>(arith, lhs, rhs);
  if (op == "sub") return create<g::SubOp>(arith, lhs, rhs);
  if (op == "mul") return create<g::MulOp>(arith, lhs, rhs);
  if (op == "div") return create<g::DivOp>(arith, lhs, rhs);
  if (op == "pow") return create<g::PowOp>(arith, lhs, rhs);
  if (op == "max") return create<g::MaxOp>(arith, lhs, rhs);
  if (op == "min") return create<g::MinOp>(arith, lhs, rhs);
  if (op == "and") return create<g::AndOp>(logic, lhs, rhs);
  if (op == "or") return create<g::OrOp>(logic, lhs, rhs);
  if (op == "equal") return create<g::EqualOp>(logic, lhs, rhs);
  if (op == "less") return create<g::LessOp>(logic, lhs, rhs);
  return create<g::GreaterOp>(logic, lhs, rhs);
}

FailureOr<Importer::MatMulShape> Importer::matmulShape(Value a, Value bv,
                                                     bool batchMessage) {
  ArrayRef<int64_t> as = typeOf(a).getShape(), bs = typeOf(bv).getShape();
  if (as.empty() || bs.empty()) {
    error() << "operands must have rank >= 1";
    return failure();
  }
  // numpy: a 1-D operand is a row (lhs) or column (rhs) dropped afterwards.
  MatMulShape m{a, bv, as.size() == 1, bs.size() == 1, {}};
  if (m.vecA)
    m.a = reshape(a, {1, as[0]});
  if (m.vecB)
    m.b = reshape(bv, {bs[0], 1});
  as = typeOf(m.a).getShape();
  bs = typeOf(m.b).getShape();
  bool contracts = as.back() == bs[bs.size() - 2];
  bool broadcasts = g::broadcastShapes(as.drop_back(2), bs.drop_back(2), m.shape);
  if (!contracts || (!broadcasts && !batchMessage)) {
    error() << "cannot multiply " << shapeText(as) << " by " << shapeText(bs);
    return failure();
  }
  if (!broadcasts) {
    error() << "batch dimensions of " << shapeText(as) << " and " << shapeText(bs)
            << " do not broadcast";
    return failure();
  }
  m.shape.push_back(as[as.size() - 2]);
  m.shape.push_back(bs.back());
  return m;
}

Value Importer::MatMulShape::dropVectorAxes(Importer &im, Value r) const {
  SmallVector<int64_t> finalShape(shape);
  if (vecB)
    finalShape.pop_back();
  if (vecA)
    finalShape.erase(finalShape.end() - (vecB ? 1 : 2));
  return finalShape.size() == shape.size() ? r : im.reshape(r, finalShape);
}

FailureOr<Value> Importer::matmul(Value a, Value bv) {
  FailureOr<MatMulShape> m = matmulShape(a, bv, /*batchMessage=*/true);
  if (failed(m))
    return failure();
  Type elem = typeOf(a).getElementType();
  if (!elem.isF32()) {
    error() << "matrix products on " << elem << " are not supported (f32 only)";
    return failure();
  }
  return m->dropVectorAxes(*this, create<g::MatMulOp>(tensor(m->shape, elem), m->a, m->b));
}

FailureOr<Value> Importer::layerNormStats(Value x, int64_t axis, double epsilon, bool invStd) {
  auto type = typeOf(x);
  SmallVector<int64_t> axes, kept(type.getShape());
  for (int64_t d = axis; d < type.getRank(); ++d) {
    axes.push_back(d);
    kept[d] = 1;
  }
  auto keptType = tensor(kept, type.getElementType());
  Value mean = create<g::ReduceMeanOp>(keptType, x, b.getDenseI64ArrayAttr(axes), b.getBoolAttr(true));
  if (!invStd)
    return mean;
  Value d = create<g::SubOp>(type, x, mean);
  Value var = create<g::ReduceMeanOp>(keptType, create<g::MulOp>(type, d, d),
                                      b.getDenseI64ArrayAttr(axes), b.getBoolAttr(true));
  Value eps = constScalar(type.getElementType(), epsilon);
  Value stddev = create<g::SqrtOp>(keptType, create<g::AddOp>(keptType, var, eps));
  return create<g::ReciprocalOp>(keptType, stddev);
}

LogicalResult Importer::importSlice(Value data) {
  auto type = typeOf(data);
  int64_t rank = type.getRank();
  auto ints = [&](unsigned i) -> std::optional<std::vector<int64_t>> {
    if (!hasInput(i))
      return std::nullopt;
    FailureOr<Value> v = input(i);
    return succeeded(v) ? constInts(*v) : std::nullopt;
  };
  auto starts = ints(1), ends = ints(2);
  if (!starts || !ends)
    return error() << "starts and ends must be constants";
  std::vector<int64_t> axes, steps(starts->size(), 1);
  if (hasInput(3)) {
    auto a = ints(3);
    if (!a)
      return error() << "axes must be a constant";
    axes = *a;
  } else {
    for (size_t i = 0; i < starts->size(); ++i)
      axes.push_back(i);
  }
  if (hasInput(4)) {
    auto s = ints(4);
    if (!s)
      return error() << "steps must be a constant";
    steps = *s;
  }
  if (ends->size() != starts->size() || axes.size() != starts->size() ||
      steps.size() != starts->size())
    return error() << "starts, ends, axes and steps must have the same length";
  SmallVector<int64_t> st(rank, 0), sp(rank, 1), shape(type.getShape());
  for (size_t i = 0; i < axes.size(); ++i) {
    FailureOr<int64_t> axis = normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    int64_t dim = type.getDimSize(*axis), step = steps[i];
    if (step == 0)
      return error() << "step of axis " << axes[i] << " is zero";
    int64_t start = (*starts)[i], end = (*ends)[i];
    if (start < 0)
      start += dim;
    if (end < 0)
      end += dim;
    int64_t count;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      count = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      count = start > end ? (start - end + (-step) - 1) / (-step) : 0;
    }
    st[*axis] = count ? start : 0;
    sp[*axis] = step;
    shape[*axis] = count;
  }
  return setOutput(0, create<g::SliceOp>(tensor(shape, type.getElementType()), data,
                                         b.getDenseI64ArrayAttr(st), b.getDenseI64ArrayAttr(sp)));
}

static bool isByteInteger(Type t) { return t.isSignlessInteger(8) || t.isUnsignedInteger(8); }

FailureOr<Importer::QuantParams> Importer::quantParams(Value x, Type zeroType) {
  FailureOr<Value> scale = input(1);
  if (failed(scale))
    return failure();
  auto st = typeOf(*scale);
  if (!st.getElementType().isF32()) {
    error() << "the scale must be float32, not " << st.getElementType();
    return failure();
  }
  Value zp;
  if (hasInput(2)) {
    FailureOr<Value> z = input(2);
    if (failed(z))
      return failure();
    if (typeOf(*z).getShape() != st.getShape()) {
      error() << "the zero point has shape " << shapeText(typeOf(*z).getShape())
              << " but the scale " << shapeText(st.getShape());
      return failure();
    }
    zp = *z;
  }
  QuantParams p;
  int64_t rank = typeOf(x).getRank();
  if (st.getRank() > 1) {
    error() << "the scale has shape " << shapeText(st.getShape())
            << ", blocked quantization (opset 21), which lmc does not support: export it "
               "per tensor (a scalar scale) or per channel (1-D)";
    return failure();
  }
  if (st.getNumElements() == 1 && st.getRank() == 1) {
    // One scale along an axis is one scale for the tensor.
    *scale = reshape(*scale, {});
    if (zp)
      zp = reshape(zp, {});
  } else if (st.getRank() == 1) {
    FailureOr<int64_t> axis = normalizeAxis(attrInt("axis", 1), rank);
    if (failed(axis))
      return failure();
    if (typeOf(x).getDimSize(*axis) != st.getDimSize(0)) {
      error() << "there are " << st.getDimSize(0) << " scales for axis " << *axis
              << " of size " << typeOf(x).getDimSize(*axis);
      return failure();
    }
    p.axis = *axis;
  }
  p.scale = *scale;
  if (!zp) {
    auto zt = tensor(typeOf(*scale).getShape(), zeroType);
    zp = b.create<g::ConstantOp>(loc, zt, g::HostTensor::zeros(zt).toAttr());
  }
  p.zeroPoint = zp;
  return p;
}

FailureOr<Value> Importer::matmulParam(Value param, Value operand, bool lhs, StringRef what) {
  auto t = typeOf(param);
  ArrayRef<int64_t> os = typeOf(operand).getShape();
  if (t.getNumElements() == 1)
    return reshape(param, {});
  if (lhs && t.getRank() == 1 && t.getDimSize(0) == os[os.size() - 2])
    return reshape(param, {t.getDimSize(0), 1});
  SmallVector<int64_t> shape;
  ArrayRef<int64_t> ps = t.getShape();
  bool alongK = lhs ? ps.back() != 1 : ps.size() >= 2 && ps[ps.size() - 2] != 1;
  if (!g::broadcastShapes(ps, os, shape) || ArrayRef<int64_t>(shape) != os || alongK) {
    error() << what << " has shape " << shapeText(ps) << ", which is neither per tensor nor per "
            << (lhs ? "row" : "column") << " of an operand of shape " << shapeText(os);
    return failure();
  }
  return param;
}

FailureOr<Value> Importer::matmulInteger(Value a, Value bv, Value za, Value zb, Value sa,
                                         Value sb) {
  Type ea = typeOf(a).getElementType(), eb = typeOf(bv).getElementType();
  if (!isByteInteger(ea) || !isByteInteger(eb)) {
    error() << "the operands must be int8 or uint8, not " << ea << " and " << eb;
    return failure();
  }
  if ((za && typeOf(za).getElementType() != ea) || (zb && typeOf(zb).getElementType() != eb)) {
    error() << "a zero point must have its operand's element type";
    return failure();
  }
  FailureOr<MatMulShape> m = matmulShape(a, bv, /*batchMessage=*/false);
  if (failed(m))
    return failure();
  a = m->a;
  bv = m->b;
  ArrayRef<int64_t> shape = m->shape;
  auto param = [&](Value p, Value operand, bool lhs, Type zero, StringRef what) -> FailureOr<Value> {
    if (!p)
      return constScalar(zero, 0);
    return matmulParam(p, operand, lhs, what);
  };
  FailureOr<Value> zpa = param(za, a, true, ea, "a_zero_point");
  FailureOr<Value> zpb = param(zb, bv, false, eb, "b_zero_point");
  if (failed(zpa) || failed(zpb))
    return failure();
  Value r = create<g::MatMulIntegerOp>(tensor(shape, b.getIntegerType(32)), a, bv, *zpa, *zpb);
  if (sa) {
    FailureOr<Value> ssa = matmulParam(sa, a, true, "a_scale");
    FailureOr<Value> ssb = matmulParam(sb, bv, false, "b_scale");
    if (failed(ssa) || failed(ssb))
      return failure();
    if (!typeOf(*ssa).getElementType().isF32() || !typeOf(*ssb).getElementType().isF32()) {
      error() << "the scales must be float32";
      return failure();
    }
    FailureOr<Value> scale = broadcastBinary("mul", *ssa, *ssb);
    if (failed(scale))
      return failure();
    Value acc = create<g::CastOp>(tensor(shape, b.getF32Type()), r);
    FailureOr<Value> product = broadcastBinary("mul", acc, *scale);
    if (failed(product))
      return failure();
    if (typeOf(*product).getShape() != shape) {
      error() << "the scales do not broadcast to the product's shape " << shapeText(shape);
      return failure();
    }
    r = *product;
  }
  return m->dropVectorAxes(*this, r);
}

LogicalResult Importer::importQuantOp(const onnx::NodeProto &n) {
  const std::string &op = n.op_type();
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  Type elem = typeOf(*x).getElementType();
  auto shape = typeOf(*x).getShape();
  Type u8 = b.getIntegerType(8, /*isSigned=*/false);

  if (op == "QuantizeLinear") {
    if (elem.isSignlessInteger(32))
      *x = create<g::CastOp>(tensor(shape, b.getF32Type()), *x);
    else if (!elem.isF32())
      return error() << "the input must be float32 or int32, not " << elem;
    FailureOr<QuantParams> p = quantParams(*x, u8);
    if (failed(p))
      return failure();
    Type to = typeOf(p->zeroPoint).getElementType();
    if (!isByteInteger(to))
      return error() << "the zero point must be int8 or uint8, not " << to;
    return setOutput(0, create<g::QuantizeOp>(tensor(shape, to), *x, p->scale, p->zeroPoint,
                                              b.getI64IntegerAttr(p->axis)));
  }

  if (op == "DequantizeLinear") {
    if (!isByteInteger(elem) && !elem.isSignlessInteger(32))
      return error() << "the input must be int8, uint8 or int32, not " << elem;
    FailureOr<QuantParams> p = quantParams(*x, elem);
    if (failed(p))
      return failure();
    if (typeOf(p->zeroPoint).getElementType() != elem)
      return error() << "the zero point must have the input's element type " << elem;
    return setOutput(0, create<g::DequantizeOp>(tensor(shape, b.getF32Type()), *x, p->scale,
                                                p->zeroPoint, b.getI64IntegerAttr(p->axis)));
  }

  if (op == "DynamicQuantizeLinear") {
    if (!elem.isF32())
      return error() << "the input must be float32, not " << elem;
    if (typeOf(*x).getNumElements() == 0)
      return error() << "the input is empty, so its range (and the scale) is undefined";
    auto d = b.create<g::DynamicQuantizeOp>(loc, tensor(shape, u8), tensor({}, b.getF32Type()),
                                            tensor({}, u8), *x);
    for (unsigned k = 0; k < 3; ++k)
      if (failed(setOutput(k, d->getResult(k))))
        return failure();
    return success();
  }

  FailureOr<Value> bv = op == "MatMulInteger" ? input(1) : input(3);
  if (failed(bv))
    return failure();
  auto optional = [&](unsigned i) -> FailureOr<Value> {
    if (!hasInput(i))
      return Value();
    return input(i);
  };
  if (op == "MatMulInteger") {
    FailureOr<Value> za = optional(2), zb = optional(3);
    if (failed(za) || failed(zb))
      return failure();
    FailureOr<Value> r = matmulInteger(*x, *bv, *za, *zb);
    return failed(r) ? failure() : setOutput(0, *r);
  }

  // QLinearMatMul: quantize((a - za) sa @ (b - zb) sb, y_scale, y_zero_point),
  // the product exact in i32 and scaled in f32.
  FailureOr<Value> sa = input(1), za = input(2), sb = input(4), zb = input(5), sy = input(6),
                   zy = input(7);
  if (failed(sa) || failed(za) || failed(sb) || failed(zb) || failed(sy) || failed(zy))
    return failure();
  FailureOr<Value> product = matmulInteger(*x, *bv, *za, *zb, *sa, *sb);
  if (failed(product))
    return failure();
  if (typeOf(*sy).getNumElements() != 1 || typeOf(*zy).getNumElements() != 1)
    return error() << "y_scale and y_zero_point must be scalars (per tensor)";
  Type to = typeOf(*zy).getElementType();
  if (!typeOf(*sy).getElementType().isF32() || !isByteInteger(to))
    return error() << "y_scale must be float32 and y_zero_point int8 or uint8";
  auto outShape = typeOf(*product).getShape();
  Value ys = reshape(*sy, {});
  Value yz = reshape(*zy, {});
  return setOutput(0, create<g::QuantizeOp>(tensor(outShape, to), *product, ys, yz,
                                            b.getI64IntegerAttr(0)));
}

LogicalResult Importer::importOp(const onnx::NodeProto &n) {
  const std::string &op = n.op_type();
  auto in0 = [&]() { return input(0); };
  if (isMathOp(n))
    return importMathOp(n);

  static const std::map<std::string, std::string> binaries = {
      {"Add", "add"}, {"Sub", "sub"}, {"Mul", "mul"}, {"Div", "div"}, {"Pow", "pow"},
      {"And", "and"}, {"Or", "or"}, {"Equal", "equal"}, {"Less", "less"},
      {"Greater", "greater"}, {"Max", "max"}, {"Min", "min"}};
  if (auto it = binaries.find(op); it != binaries.end()) {
    // Max and Min are variadic: fold left.
    FailureOr<Value> acc = in0();
    for (unsigned i = 1; succeeded(acc) && i < numInputs(); ++i) {
      FailureOr<Value> rhs = input(i);
      if (failed(rhs))
        return failure();
      acc = broadcastBinary(it->second, *acc, *rhs);
    }
    return failed(acc) ? failure() : setOutput(0, *acc);
  }

  if (op == "RNN" || op == "GRU" || op == "LSTM")
    return importRecurrent(n);
  if (op == "ReverseSequence")
    return importReverseSequence();
  if (op == "Einsum")
    return importEinsum(n);
  if (op == "If" || op == "Loop" || op == "Scan")
    return importControlFlow(n);
  if (std::optional<LogicalResult> r = importCnnOp(n))
    return *r;

  if (op == "QuantizeLinear" || op == "DequantizeLinear" || op == "DynamicQuantizeLinear" ||
      op == "MatMulInteger" || op == "QLinearMatMul")
    return importQuantOp(n);

  if (op == "Clip") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    Value r = *x;
    Type elem = typeOf(r).getElementType();
    if (elem.isInteger(1))
      return error() << "element type " << elem << " is not supported";
    // max(x, min) then min(., max): a min above max gives max, as in ONNX.
    for (unsigned i : {1u, 2u}) {
      if (!hasInput(i))
        continue;
      FailureOr<Value> bound = input(i);
      if (failed(bound))
        return failure();
      if (typeOf(*bound).getNumElements() != 1)
        return error() << (i == 1 ? "min" : "max") << " must be a scalar";
      FailureOr<Value> next = broadcastBinary(i == 1 ? "max" : "min", r, reshape(*bound, {}));
      if (failed(next))
        return failure();
      r = *next;
    }
    return setOutput(0, r);
  }

  if (op == "Identity" || op == "Dropout") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    if (op == "Dropout" && hasInput(2)) {
      // Inference drops nothing; training mode would need random masks.
      FailureOr<Value> training = input(2);
      auto mode = succeeded(training) ? constInts(*training) : std::nullopt;
      if (!mode || mode->size() != 1 || mode->front() != 0)
        return error() << "training_mode must be a constant false (lmc compiles inference)";
    }
    if (op == "Dropout" && n.output_size() > 1 && !n.output(1).empty()) {
      auto maskType = tensor(typeOf(*x).getShape(), b.getI1Type());
      if (failed(setOutput(1, b.create<g::ConstantOp>(loc, maskType,
                                                      DenseElementsAttr::get(maskType, true)))))
        return failure();
    }
    return setOutput(0, *x);
  }

  if (op == "Neg" || op == "Sqrt" || op == "Reciprocal" || op == "Erf" || op == "Tanh" ||
      op == "Sigmoid" || op == "Relu" || op == "Exp" || op == "Log" || op == "Abs" ||
      op == "Not" || op == "Round") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    Type t = x->getType(), elem = typeOf(*x).getElementType();
    bool isFloat = isa<FloatType>(elem);
    bool intOk = op == "Neg" || op == "Relu" || op == "Abs";
    if (op == "Not" ? !elem.isInteger(1) : !(isFloat || (intOk && !elem.isInteger(1))))
      return error() << "element type " << elem << " is not supported";
    Value r;
    if (op == "Neg") r = create<g::NegOp>(t, *x);
    else if (op == "Sqrt") r = create<g::SqrtOp>(t, *x);
    else if (op == "Reciprocal") r = create<g::ReciprocalOp>(t, *x);
    else if (op == "Erf") r = create<g::ErfOp>(t, *x);
    else if (op == "Tanh") r = create<g::TanhOp>(t, *x);
    else if (op == "Sigmoid") r = create<g::SigmoidOp>(t, *x);
    else if (op == "Relu") r = create<g::ReluOp>(t, *x);
    else if (op == "Exp") r = create<g::ExpOp>(t, *x);
    else if (op == "Log") r = create<g::LogOp>(t, *x);
    else if (op == "Abs") r = create<g::AbsOp>(t, *x);
    else if (op == "Round") r = create<g::RoundOp>(t, *x);
    else r = create<g::NotOp>(t, *x);
    return setOutput(0, r);
  }

  if (op == "Cast") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    Type to = elementType(static_cast<int32_t>(attrInt("to", 0)));
    if (!to)
      return error() << "cast to ONNX type " << attrInt("to", 0) << " is not supported";
    return setOutput(0, create<g::CastOp>(tensor(typeOf(*x).getShape(), to), *x));
  }

  if (op == "Where") {
    FailureOr<Value> c = input(0), x = input(1), y = input(2);
    if (failed(c) || failed(x) || failed(y))
      return failure();
    SmallVector<int64_t> s1, shape;
    if (!g::broadcastShapes(typeOf(*c).getShape(), typeOf(*x).getShape(), s1) ||
        !g::broadcastShapes(s1, typeOf(*y).getShape(), shape))
      return error() << "operand shapes do not broadcast";
    if (typeOf(*x).getElementType() != typeOf(*y).getElementType())
      return error() << "value operands have different element types";
    return setOutput(0, create<g::WhereOp>(tensor(shape, typeOf(*x).getElementType()), *c, *x, *y));
  }

  if (op == "MatMul") {
    FailureOr<Value> a = input(0), bv = input(1);
    if (failed(a) || failed(bv))
      return failure();
    FailureOr<Value> r = matmul(*a, *bv);
    return failed(r) ? failure() : setOutput(0, *r);
  }

  if (op == "Gemm") {
    FailureOr<Value> a = input(0), bv = input(1);
    if (failed(a) || failed(bv))
      return failure();
    if (typeOf(*a).getRank() != 2 || typeOf(*bv).getRank() != 2)
      return error() << "A and B must be matrices";
    auto transpose = [&](Value v) {
      auto s = typeOf(v).getShape();
      return create<g::TransposeOp>(tensor({s[1], s[0]}, typeOf(v).getElementType()), v,
                                    b.getDenseI64ArrayAttr({1, 0}));
    };
    Value A = attrInt("transA", 0) ? transpose(*a) : *a;
    Value B = attrInt("transB", 0) ? transpose(*bv) : *bv;
    FailureOr<Value> y = matmul(A, B);
    if (failed(y))
      return failure();
    Type elem = typeOf(*y).getElementType();
    float alpha = attrFloat("alpha", 1.0f), beta = attrFloat("beta", 1.0f);
    Value r = *y;
    if (alpha != 1.0f)
      r = create<g::MulOp>(r.getType(), r, constScalar(elem, alpha));
    if (hasInput(2)) {
      FailureOr<Value> c = input(2);
      if (failed(c))
        return failure();
      Value cv = *c;
      if (beta != 1.0f)
        cv = create<g::MulOp>(cv.getType(), cv, constScalar(elem, beta));
      FailureOr<Value> sum = broadcastBinary("add", r, cv);
      if (failed(sum))
        return failure();
      if (typeOf(*sum).getShape() != typeOf(r).getShape())
        return error() << "C does not broadcast to the product's shape";
      r = *sum;
    }
    return setOutput(0, r);
  }

  if (op == "Softmax") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    if (!typeOf(*x).getElementType().isF32())
      return error() << "softmax is supported on f32 only";
    FailureOr<int64_t> axis = normalizeAxis(attrInt("axis", -1), typeOf(*x).getRank());
    if (failed(axis))
      return failure();
    return setOutput(0, create<g::SoftmaxOp>(x->getType(), *x, b.getI64IntegerAttr(*axis)));
  }

  if (op == "LayerNormalization") {
    FailureOr<Value> x = input(0), scale = input(1);
    if (failed(x) || failed(scale))
      return failure();
    auto type = typeOf(*x);
    if (!type.getElementType().isF32())
      return error() << "layer normalization is supported on f32 only";
    FailureOr<int64_t> axis = normalizeAxis(attrInt("axis", -1), type.getRank());
    if (failed(axis))
      return failure();
    auto normType = tensor(type.getShape().drop_front(*axis), type.getElementType());
    auto toNormShape = [&](Value v) -> FailureOr<Value> {
      SmallVector<int64_t> s;
      if (!g::broadcastShapes(typeOf(v).getShape(), normType.getShape(), s) ||
          ArrayRef<int64_t>(s) != normType.getShape()) {
        error() << "scale/bias shape " << shapeText(typeOf(v).getShape())
                << " does not broadcast to the normalized shape "
                << shapeText(normType.getShape());
        return failure();
      }
      return typeOf(v) == normType ? v : create<g::ExpandOp>(normType, v);
    };
    FailureOr<Value> s = toNormShape(*scale);
    if (failed(s))
      return failure();
    Value bias;
    if (hasInput(2)) {
      FailureOr<Value> bv = input(2);
      FailureOr<Value> bn = succeeded(bv) ? toNormShape(*bv) : FailureOr<Value>(failure());
      if (failed(bn))
        return failure();
      bias = *bn;
    }
    double eps = attrFloat("epsilon", 1e-5f);
    if (failed(setOutput(0, create<g::LayerNormOp>(type, *x, *s, bias, b.getI64IntegerAttr(*axis),
                                                   b.getF64FloatAttr(eps)))))
      return failure();
    for (int k = 1; k <= 2; ++k) {
      if (n.output_size() <= k || n.output(k).empty())
        continue;
      FailureOr<Value> stat = layerNormStats(*x, *axis, eps, k == 2);
      if (failed(stat) || failed(setOutput(k, *stat)))
        return failure();
    }
    return success();
  }

  if (op == "Gather") {
    FailureOr<Value> data = input(0), idx = input(1);
    if (failed(data) || failed(idx))
      return failure();
    auto dt = typeOf(*data);
    if (dt.getRank() == 0)
      return error() << "data must have rank >= 1";
    FailureOr<int64_t> axis = normalizeAxis(attrInt("axis", 0), dt.getRank());
    if (failed(axis))
      return failure();
    Type it = typeOf(*idx).getElementType();
    if (!it.isInteger(32) && !it.isInteger(64))
      return error() << "indices must be int32 or int64";
    SmallVector<int64_t> shape(dt.getShape().take_front(*axis));
    llvm::append_range(shape, typeOf(*idx).getShape());
    llvm::append_range(shape, dt.getShape().drop_front(*axis + 1));
    return setOutput(0, create<g::GatherOp>(tensor(shape, dt.getElementType()), *data, *idx,
                                            b.getI64IntegerAttr(*axis)));
  }

  if (op == "Reshape") {
    FailureOr<Value> x = input(0), s = input(1);
    if (failed(x) || failed(s))
      return failure();
    auto target = constInts(*s);
    if (!target)
      return error() << "the shape input must be a constant (or fold to one)";
    auto type = typeOf(*x);
    bool allowZero = attrInt("allowzero", 0) != 0;
    SmallVector<int64_t> shape;
    int64_t known = 1, inferred = -1;
    for (size_t i = 0; i < target->size(); ++i) {
      int64_t d = (*target)[i];
      if (d == 0 && !allowZero) {
        if (static_cast<int64_t>(i) >= type.getRank())
          return error() << "shape copies dimension " << i << " of a rank-" << type.getRank()
                         << " input";
        d = type.getDimSize(i);
      }
      if (d == -1) {
        if (inferred >= 0)
          return error() << "shape has more than one -1";
        inferred = i;
      } else if (d < 0) {
        return error() << "shape has a negative dimension " << d;
      } else if (__builtin_mul_overflow(known, d, &known)) {
        return error() << "shape " << shapeText(*target) << " has too many elements";
      }
      shape.push_back(d);
    }
    if (inferred >= 0) {
      if (known == 0 || type.getNumElements() % known)
        return error() << "cannot reshape " << shapeText(type.getShape()) << " to "
                       << shapeText(shape);
      shape[inferred] = type.getNumElements() / known;
    }
    int64_t count = 1;
    for (int64_t d : shape)
      if (__builtin_mul_overflow(count, d, &count))
        return error() << "shape " << shapeText(shape) << " has too many elements";
    if (count != type.getNumElements())
      return error() << "cannot reshape " << shapeText(type.getShape()) << " ("
                     << type.getNumElements() << " elements) to " << shapeText(shape);
    return setOutput(0, reshape(*x, shape));
  }

  if (op == "Flatten") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    auto type = typeOf(*x);
    int64_t axis = attrInt("axis", 1);
    if (axis < 0)
      axis += type.getRank();
    if (axis < 0 || axis > type.getRank())
      return error() << "axis is out of range";
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= type.getDimSize(d);
    return setOutput(0, reshape(*x, {outer, outer ? type.getNumElements() / std::max<int64_t>(outer, 1) : 0}));
  }

  if (op == "Squeeze" || op == "Unsqueeze") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    auto type = typeOf(*x);
    std::optional<std::vector<int64_t>> axes = attrInts("axes");
    if (hasInput(1)) {
      FailureOr<Value> a = input(1);
      axes = succeeded(a) ? constInts(*a) : std::nullopt;
      if (!axes)
        return error() << "axes must be a constant";
    }
    SmallVector<int64_t> shape;
    if (op == "Squeeze") {
      SmallVector<int64_t> drop;
      for (int64_t a : axes.value_or(std::vector<int64_t>())) {
        FailureOr<int64_t> axis = normalizeAxis(a, type.getRank());
        if (failed(axis))
          return failure();
        if (type.getDimSize(*axis) != 1)
          return error() << "cannot squeeze axis " << a << " of size " << type.getDimSize(*axis);
        drop.push_back(*axis);
      }
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (axes ? !llvm::is_contained(drop, d) : type.getDimSize(d) != 1)
          shape.push_back(type.getDimSize(d));
    } else {
      if (!axes)
        return error() << "axes are required";
      int64_t rank = type.getRank() + axes->size();
      SmallVector<bool> inserted(rank, false);
      for (int64_t a : *axes) {
        FailureOr<int64_t> axis = normalizeAxis(a, rank);
        if (failed(axis))
          return failure();
        if (inserted[*axis])
          return error() << "axis " << a << " is repeated";
        inserted[*axis] = true;
      }
      int64_t src = 0;
      for (int64_t d = 0; d < rank; ++d)
        shape.push_back(inserted[d] ? 1 : type.getDimSize(src++));
    }
    return setOutput(0, reshape(*x, shape));
  }

  if (op == "Transpose") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    auto type = typeOf(*x);
    std::vector<int64_t> perm;
    if (auto p = attrInts("perm"))
      perm = *p;
    else
      for (int64_t d = type.getRank() - 1; d >= 0; --d)
        perm.push_back(d);
    if (static_cast<int64_t>(perm.size()) != type.getRank())
      return error() << "perm has " << perm.size() << " entries for rank " << type.getRank();
    SmallVector<int64_t> shape;
    SmallVector<bool> seen(type.getRank(), false);
    for (int64_t p : perm) {
      if (p < 0 || p >= type.getRank() || seen[p])
        return error() << "perm is not a permutation";
      seen[p] = true;
      shape.push_back(type.getDimSize(p));
    }
    return setOutput(0, create<g::TransposeOp>(tensor(shape, type.getElementType()), *x,
                                               b.getDenseI64ArrayAttr(perm)));
  }

  if (op == "Concat") {
    SmallVector<Value> inputs;
    for (unsigned i = 0; i < numInputs(); ++i) {
      FailureOr<Value> v = input(i);
      if (failed(v))
        return failure();
      inputs.push_back(*v);
    }
    auto first = typeOf(inputs.front());
    FailureOr<int64_t> axis = normalizeAxis(attrInt("axis", 0), first.getRank());
    if (failed(axis))
      return failure();
    SmallVector<int64_t> shape(first.getShape());
    shape[*axis] = 0;
    for (Value v : inputs) {
      auto t = typeOf(v);
      if (t.getRank() != first.getRank() || t.getElementType() != first.getElementType())
        return error() << "inputs differ in rank or element type";
      for (int64_t d = 0; d < t.getRank(); ++d)
        if (d != *axis && t.getDimSize(d) != first.getDimSize(d))
          return error() << "inputs differ in dimension " << d;
      shape[*axis] += t.getDimSize(*axis);
    }
    return setOutput(0, create<g::ConcatOp>(tensor(shape, first.getElementType()), inputs,
                                            b.getI64IntegerAttr(*axis)));
  }

  if (op == "Split") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    auto type = typeOf(*x);
    FailureOr<int64_t> axis = normalizeAxis(attrInt("axis", 0), type.getRank());
    if (failed(axis))
      return failure();
    int64_t dim = type.getDimSize(*axis), parts = n.output_size();
    std::vector<int64_t> sizes;
    if (hasInput(1)) {
      FailureOr<Value> s = input(1);
      auto v = succeeded(s) ? constInts(*s) : std::nullopt;
      if (!v)
        return error() << "split must be a constant";
      sizes = *v;
    } else if (auto a = attrInts("split")) {
      sizes = *a;
    } else {
      if (dim % parts)
        return error() << "cannot split dimension " << dim << " into " << parts
                       << " equal parts";
      sizes.assign(parts, dim / parts);
    }
    int64_t total = 0;
    for (int64_t s : sizes)
      total += s;
    if (static_cast<int64_t>(sizes.size()) != parts || total != dim)
      return error() << "split sizes do not add up to dimension " << dim << " over " << parts
                     << " outputs";
    int64_t offset = 0;
    for (int64_t k = 0; k < parts; ++k) {
      SmallVector<int64_t> starts(type.getRank(), 0), steps(type.getRank(), 1),
          shape(type.getShape());
      starts[*axis] = sizes[k] ? offset : 0;
      shape[*axis] = sizes[k];
      if (failed(setOutput(k, create<g::SliceOp>(tensor(shape, type.getElementType()), *x,
                                                 b.getDenseI64ArrayAttr(starts),
                                                 b.getDenseI64ArrayAttr(steps)))))
        return failure();
      offset += sizes[k];
    }
    return success();
  }

  if (op == "Slice") {
    FailureOr<Value> x = in0();
    return failed(x) ? failure() : importSlice(*x);
  }

  if (op == "Expand") {
    FailureOr<Value> x = input(0), s = input(1);
    if (failed(x) || failed(s))
      return failure();
    auto target = constInts(*s);
    if (!target)
      return error() << "the shape input must be a constant (or fold to one)";
    SmallVector<int64_t> shape;
    if (!g::broadcastShapes(typeOf(*x).getShape(), *target, shape))
      return error() << "cannot expand " << shapeText(typeOf(*x).getShape()) << " to "
                     << shapeText(*target);
    return setOutput(0, create<g::ExpandOp>(tensor(shape, typeOf(*x).getElementType()), *x));
  }

  if (op == "Trilu") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    int64_t k = 0;
    if (hasInput(1)) {
      FailureOr<Value> kv = input(1);
      auto v = succeeded(kv) ? constInts(*kv) : std::nullopt;
      if (!v || v->size() != 1)
        return error() << "k must be a constant scalar";
      k = v->front();
    }
    if (typeOf(*x).getRank() < 2)
      return error() << "input must have rank >= 2";
    return setOutput(0, create<g::TriluOp>(x->getType(), *x, b.getI64IntegerAttr(k),
                                           b.getBoolAttr(attrInt("upper", 1) != 0)));
  }

  if (op == "Shape") {
    FailureOr<Value> x = in0();
    if (failed(x))
      return failure();
    ArrayRef<int64_t> shape = typeOf(*x).getShape();
    int64_t rank = shape.size();
    int64_t start = attrInt("start", 0), end = attrInt("end", rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, start, rank);
    std::vector<int64_t> dims(shape.begin() + start, shape.begin() + end);
    return setOutput(0, constI64(dims, {static_cast<int64_t>(dims.size())}));
  }

  if (op == "Range") {
    std::optional<g::HostTensor> v[3];
    for (unsigned i = 0; i < 3; ++i) {
      FailureOr<Value> x = input(i);
      if (failed(x))
        return failure();
      v[i] = constant(*x);
      if (!v[i] || v[i]->size() != 1)
        return error() << "start, limit and delta must be constant scalars";
    }
    auto type0 = v[0]->type;
    g::HostTensor out;
    int64_t count;
    if (v[0]->isFloat) {
      double start = v[0]->f[0], limit = v[1]->getF(0), delta = v[2]->getF(0);
      if (delta == 0)
        return error() << "delta is zero";
      count = std::max<int64_t>(static_cast<int64_t>(std::ceil((limit - start) / delta)), 0);
      out = g::HostTensor::zeros(tensor({count}, type0.getElementType()));
      for (int64_t k = 0; k < count; ++k)
        out.f[k] = start + k * delta;
    } else {
      int64_t start = v[0]->i[0], limit = v[1]->getI(0), delta = v[2]->getI(0);
      if (delta == 0)
        return error() << "delta is zero";
      int64_t diff = limit - start;
      count = diff / delta + ((diff % delta != 0) && ((diff > 0) == (delta > 0)) ? 1 : 0);
      count = std::max<int64_t>(count, 0);
      out = g::HostTensor::zeros(tensor({count}, type0.getElementType()));
      for (int64_t k = 0; k < count; ++k)
        out.i[k] = start + k * delta;
    }
    DenseElementsAttr attr = out.toAttr();
    return setOutput(0, b.create<g::ConstantOp>(loc, attr.getType(), attr));
  }

  if (op == "ConstantOfShape") {
    FailureOr<Value> s = in0();
    if (failed(s))
      return failure();
    auto dims = constInts(*s);
    if (!dims)
      return error() << "the shape input must be a constant (or fold to one)";
    DenseElementsAttr fill;
    if (const auto *a = attr("value")) {
      FailureOr<DenseElementsAttr> t = tensorAttr(a->t());
      if (failed(t) || t->getNumElements() != 1)
        return error() << "value must hold one element";
      fill = *t;
    } else {
      fill = DenseElementsAttr::get(tensor({1}, b.getF32Type()), 0.0f);
    }
    auto type = tensor(*dims, fill.getElementType());
    DenseElementsAttr attr = DenseElementsAttr::get(type, fill.getValues<Attribute>()[0]);
    return setOutput(0, b.create<g::ConstantOp>(loc, type, attr));
  }

  if (op == "Constant") {
    DenseElementsAttr attrValue;
    if (const auto *a = attr("value")) {
      FailureOr<DenseElementsAttr> t = tensorAttr(a->t());
      if (failed(t))
        return failure();
      attrValue = *t;
    } else if (const auto *f = attr("value_float")) {
      attrValue = DenseElementsAttr::get(tensor({}, b.getF32Type()), f->f());
    } else if (const auto *fs = attr("value_floats")) {
      std::vector<float> v(fs->floats().begin(), fs->floats().end());
      attrValue = DenseElementsAttr::get(tensor({static_cast<int64_t>(v.size())}, b.getF32Type()),
                                         ArrayRef<float>(v));
    } else if (const auto *i = attr("value_int")) {
      attrValue = DenseElementsAttr::get(tensor({}, b.getIntegerType(64)), i->i());
    } else if (const auto *is = attr("value_ints")) {
      std::vector<int64_t> v(is->ints().begin(), is->ints().end());
      attrValue = DenseElementsAttr::get(
          tensor({static_cast<int64_t>(v.size())}, b.getIntegerType(64)), ArrayRef<int64_t>(v));
    } else {
      return error() << "only tensor, float(s) and int(s) constants are supported";
    }
    return setOutput(0, b.create<g::ConstantOp>(loc, attrValue.getType(), attrValue));
  }

  return error() << "has no importer (lmc's operator list and importer disagree)";
}

OwningOpRef<ModuleOp> importOnnxGraph(MLIRContext &context, onnx::ModelProto &model,
                                      const std::string &path) {
  context.loadDialect<g::GraphDialect, func::FuncDialect>();
  return Importer(context, model, path).run();
}

}  // namespace lmc::import
