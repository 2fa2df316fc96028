// lmc-fold-quantized-weights: the 8-bit weights of an already-quantized ONNX
// model (a MatMul of DequantizeLinear, ONNX Runtime's DynamicQuantizeLinear
// -> MatMulInteger -> Cast -> Mul) become lmc_graph.qmatmul with i8
// weights; every other dequantize of constants becomes an f32 constant.
#include <cmath>
#include <cstring>
#include <optional>

#include "dialects/Graph/ConstEval.h"
#include "dialects/Graph/Graph.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"
#include "llvm/ADT/SetVector.h"

namespace lmc {
#define GEN_PASS_DEF_FOLDQUANTIZEDWEIGHTS
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace g = lmc::graph;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

DenseElementsAttr denseOf(Operation *op) {
  auto c = dyn_cast_or_null<g::ConstantOp>(op);
  return c ? dyn_cast<DenseElementsAttr>(c.getValue()) : DenseElementsAttr();
}

// Element `i` of an i8, ui8 or i32 tensor's raw data (one element when splat).
int64_t integerAt(DenseElementsAttr dense, int64_t i) {
  const char *raw = dense.getRawData().data();
  if (dense.isSplat())
    i = 0;
  Type elem = dense.getElementType();
  if (elem.isUnsignedInteger(8))
    return uint8_t(raw[i]);
  if (elem.getIntOrFloatBitWidth() == 8)
    return int8_t(raw[i]);
  int32_t v;
  std::memcpy(&v, raw + 4 * i, 4);
  return v;
}

// A constant quantization parameter (scale or zero point) read as one value
// per output channel: `count` values (1: per tensor); nullopt when the
// operand is not a constant.
std::optional<g::HostTensor> constantParam(Value v) {
  return g::HostTensor::fromAttr(denseOf(v.getDefiningOp()));
}

// Whether a parameter of shape `shape` is per tensor (one element) or has
// its `n` values along the last axis and nothing else.
bool perColumn(ArrayRef<int64_t> shape, int64_t n) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  if (count == 1)
    return true;
  return !shape.empty() && shape.back() == n && count == n;
}

class Folder {
public:
  explicit Folder(MLIRContext *ctx) : b(ctx) {}
  void foldDequantizedMatMul(g::MatMulOp m);
  void foldDynamicMatMul(g::MulOp mul);
  void evaluateDequantize(g::DequantizeOp dq);
  // Erases the graph ops that the rewrites left unread (not on the spot:
  // the pass still holds some of them in its work lists).
  void eraseDead();

private:
  // The qmatmul operands for B = (W - zp[n]) * scale[n], W the stored
  // integer matrix behind `stored` (K x N, or N x K when `transposed`),
  // `scale` and `zp` one value or one per output channel n. Null when W
  // is not constant (nor absent), a parameter is not constant, or some W -
  // zp leaves [-128, 127].
  std::optional<std::pair<Value, Value>> qweights(Value stored, bool transposed, Value scale,
                                                  Value zp, Location loc);
  void replace(Operation *root, Value lhs, std::pair<Value, Value> weights);
  void maybeDead(ValueRange values);

  OpBuilder b;
  llvm::SetVector<Operation *> candidates;
};

std::optional<std::pair<Value, Value>> Folder::qweights(Value stored, bool transposed,
                                                        Value scale, Value zp, Location loc) {
  auto type = typeOf(stored);
  if (type.getRank() != 2 || type.getNumElements() == 0)
    return std::nullopt;
  const int64_t k = type.getDimSize(transposed ? 1 : 0), n = type.getDimSize(transposed ? 0 : 1);
  std::optional<g::HostTensor> zps = constantParam(zp);
  if (!zps || !perColumn(zps->type.getShape(), n) || !perColumn(typeOf(scale).getShape(), n))
    return std::nullopt;
  auto zpAt = [&](int64_t col) { return zps->i[zps->size() == 1 ? 0 : col]; };
  auto wType = RankedTensorType::get({k, n}, b.getIntegerType(8));
  auto sType = RankedTensorType::get({1, n}, b.getF32Type());
  Operation *def = stored.getDefiningOp();
  std::optional<g::HostTensor> s = constantParam(scale);
  const bool scaleAbsent = isa_and_nonnull<g::WeightOp>(scale.getDefiningOp());
  if (!def || (scaleAbsent ? !isa<g::WeightOp>(def) : !s || !s->isFloat))
    return std::nullopt;
  b.setInsertionPointAfter(def);
  Value weights, scales;
  if (auto absent = dyn_cast<g::WeightOp>(def)) {
    // --no-weights: the values are unknown, so only an i8 matrix with a
    // zero point of 0 is known to need no correction.
    if (!type.getElementType().isSignlessInteger(8))
      return std::nullopt;
    for (int64_t col = 0; col < n; ++col)
      if (zpAt(col) != 0)
        return std::nullopt;
    weights = b.create<g::WeightOp>(loc, wType, absent.getNameAttr());
    if (scaleAbsent)
      scales = b.create<g::WeightOp>(loc, sType, b.getStringAttr(absent.getName() + ".scales"));
  } else {
    DenseElementsAttr w = denseOf(def);
    if (!w)
      return std::nullopt;
    std::vector<int8_t> q(size_t(k * n));
    for (int64_t row = 0; row < k; ++row)
      for (int64_t col = 0; col < n; ++col) {
        int64_t v = integerAt(w, transposed ? col * k + row : row * n + col) - zpAt(col);
        if (v < -128 || v > 127)
          return std::nullopt;
        q[row * n + col] = int8_t(v);
      }
    weights = b.create<g::ConstantOp>(
        loc, wType,
        DenseElementsAttr::getFromRawBuffer(
            wType, ArrayRef<char>(reinterpret_cast<const char *>(q.data()), q.size())));
  }
  if (!scales) {
    g::HostTensor out = g::HostTensor::zeros(sType);
    for (int64_t col = 0; col < n; ++col)
      out.f[col] = s->f[s->size() == 1 ? 0 : col];
    scales = b.create<g::ConstantOp>(loc, sType, out.toAttr());
  }
  return std::make_pair(weights, scales);
}

void Folder::replace(Operation *root, Value lhs, std::pair<Value, Value> weights) {
  b.setInsertionPoint(root);
  int64_t k = typeOf(weights.first).getDimSize(0);
  Value q = b.create<g::QMatMulOp>(root->getLoc(), root->getResult(0).getType(), lhs,
                                   weights.first, weights.second, b.getI64IntegerAttr(k));
  root->getResult(0).replaceAllUsesWith(q);
  maybeDead(root->getResults());
}

void Folder::maybeDead(ValueRange values) {
  for (Value v : values)
    if (Operation *def = v.getDefiningOp(); def && isa<g::GraphDialect>(def->getDialect()))
      candidates.insert(def);
}

void Folder::eraseDead() {
  while (!candidates.empty()) {
    Operation *op = candidates.pop_back_val();
    if (!op->use_empty())
      continue;
    maybeDead(op->getOperands());
    op->erase();
  }
}

// matmul(x, dequantize(W)) or matmul(x, transpose(dequantize(W))) (a Gemm
// with transB), W a constant 2-D integer matrix, the parameters per tensor
// or per output channel.
void Folder::foldDequantizedMatMul(g::MatMulOp m) {
  if (!m.getLhs().getType().getElementType().isF32() || m.getRhs().getType().getRank() != 2)
    return;
  Value rhs = m.getRhs();
  bool transposed = false;
  if (auto t = rhs.getDefiningOp<g::TransposeOp>()) {
    rhs = t.getInput();
    transposed = true;  // the only 2-D permutation that is not folded away
  }
  auto dq = rhs.getDefiningOp<g::DequantizeOp>();
  if (!dq)
    return;
  // Per axis, the axis must be the output channel of B.
  if (dq.getScale().getType().getRank() == 1 && dq.getAxis() != (transposed ? 0 : 1))
    return;
  if (auto w = qweights(dq.getInput(), transposed, dq.getScale(), dq.getZeroPoint(), dq.getLoc()))
    replace(m, m.getLhs(), *w);
}

// ONNX Runtime's dynamic quantization of a MatMul:
//   y, ys, yzp = dynamic_quantize(x)
//   mul(cast<f32>(matmul_integer(y, W, yzp, wzp)), mul(ys, ws))
// with W constant: lmc quantizes x itself (symmetric per row), so the
// result is qmatmul(x, W - wzp, ws).
void Folder::foldDynamicMatMul(g::MulOp mul) {
  for (unsigned i = 0; i < 2; ++i) {
    auto c = mul->getOperand(i).getDefiningOp<g::CastOp>();
    auto scale = mul->getOperand(1 - i).getDefiningOp<g::MulOp>();
    if (!c || !scale || !c.getType().getElementType().isF32())
      continue;
    auto mi = c.getInput().getDefiningOp<g::MatMulIntegerOp>();
    if (!mi || mul.getType().getShape() != mi.getType().getShape() ||
        mi.getRhs().getType().getRank() != 2)
      continue;
    auto dq = mi.getLhs().getDefiningOp<g::DynamicQuantizeOp>();
    if (!dq || mi.getLhs() != dq.getResult() || mi.getLhsZeroPoint() != dq.getZeroPoint())
      continue;
    Value ws;
    if (scale.getLhs() == dq.getScale())
      ws = scale.getRhs();
    else if (scale.getRhs() == dq.getScale())
      ws = scale.getLhs();
    if (!ws)
      continue;
    if (auto w = qweights(mi.getRhs(), false, ws, mi.getRhsZeroPoint(), mi.getLoc()))
      return replace(mul, dq.getInput(), *w);
  }
}

// dequantize of constants -> an f32 constant, computed as the decomposition
// computes it (f32(x - zp) * scale), with no limit on the size.
void Folder::evaluateDequantize(g::DequantizeOp dq) {
  DenseElementsAttr x = denseOf(dq.getInput().getDefiningOp());
  std::optional<g::HostTensor> scale = constantParam(dq.getScale());
  std::optional<g::HostTensor> zp = constantParam(dq.getZeroPoint());
  if (!x || !scale || !zp)
    return;
  ArrayRef<int64_t> shape = dq.getType().getShape();
  int64_t inner = 1, channels = scale->size();
  if (dq.getScale().getType().getRank() == 1)
    for (size_t d = dq.getAxis() + 1; d < shape.size(); ++d)
      inner *= shape[d];
  std::vector<float> out(size_t(dq.getType().getNumElements()));
  for (size_t e = 0; e < out.size(); ++e) {
    int64_t c = channels == 1 ? 0 : (int64_t(e) / inner) % channels;
    int32_t diff = int32_t(uint32_t(integerAt(x, e)) - uint32_t(zp->i[c]));
    out[e] = float(diff) * float(scale->f[c]);
  }
  b.setInsertionPoint(dq);
  Value c = b.create<g::ConstantOp>(
      dq.getLoc(), dq.getType(),
      DenseElementsAttr::getFromRawBuffer(
          dq.getType(),
          ArrayRef<char>(reinterpret_cast<const char *>(out.data()), out.size() * sizeof(float))));
  dq.getResult().replaceAllUsesWith(c);
  maybeDead(dq->getResults());
}

struct FoldQuantizedWeightsPass
    : lmc::impl::FoldQuantizedWeightsBase<FoldQuantizedWeightsPass> {
  void runOnOperation() override {
    Folder folder(&getContext());
    SmallVector<g::MatMulOp> matmuls;
    SmallVector<g::MulOp> muls;
    getOperation().walk([&](Operation *op) {
      if (auto m = dyn_cast<g::MatMulOp>(op))
        matmuls.push_back(m);
      else if (auto mul = dyn_cast<g::MulOp>(op))
        muls.push_back(mul);
    });
    for (g::MatMulOp m : matmuls)
      folder.foldDequantizedMatMul(m);
    for (g::MulOp mul : muls)
      folder.foldDynamicMatMul(mul);
    folder.eraseDead();
    SmallVector<g::DequantizeOp> rest;
    getOperation().walk([&](g::DequantizeOp dq) { rest.push_back(dq); });
    for (g::DequantizeOp dq : rest)
      folder.evaluateDequantize(dq);
    folder.eraseDead();
  }
};

}  // namespace
