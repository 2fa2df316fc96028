// lmc-decompose-quant-ops: quantize, dequantize, dynamic_quantize and
// matmul_integer -> casts, elementwise ops, reductions and an i32 matmul,
// which compute exactly what the ONNX operators define (and fold where their
// operands are constants).
#include "dialects/Graph/Graph.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"

namespace lmc {
#define GEN_PASS_DEF_DECOMPOSEQUANTOPS
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace g = lmc::graph;

namespace {

class Decomposer {
public:
  Decomposer(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  // (Each op is made in a statement of its own: the order of the IR must
  // not depend on the compiler's order of evaluating arguments.)
  Value quantize(g::QuantizeOp op) {
    int64_t rank = op.getInput().getType().getRank();
    Value scale = alongAxis(op.getScale(), op.getAxis(), rank);
    Value zp = alongAxis(op.getZeroPoint(), op.getAxis(), rank);
    return quantize(op.getInput(), scale, zp, op.getType().getElementType());
  }

  // f32(input - zero_point) * scale, the difference in i32.
  Value dequantize(g::DequantizeOp op) {
    int64_t rank = op.getInput().getType().getRank();
    Type i32 = b.getIntegerType(32);
    Value x = castTo(op.getInput(), i32);
    Value zp = castTo(alongAxis(op.getZeroPoint(), op.getAxis(), rank), i32);
    Value diff = castTo(binary<g::SubOp>(x, zp), b.getF32Type());
    return binary<g::MulOp>(diff, alongAxis(op.getScale(), op.getAxis(), rank));
  }

  // ONNX DynamicQuantizeLinear, as its function body computes it.
  SmallVector<Value> dynamicQuantize(g::DynamicQuantizeOp op) {
    Value x = op.getInput();
    SmallVector<int64_t> all;
    for (int64_t d = 0; d < op.getInput().getType().getRank(); ++d)
      all.push_back(d);
    auto scalarType = tensor({}, b.getF32Type());
    auto axes = b.getDenseI64ArrayAttr(all);
    Value zero = scalar(0.0f);
    Value lo = b.createOrFold<g::ReduceMinOp>(loc, scalarType, x, axes, b.getBoolAttr(false));
    lo = binary<g::MinOp>(lo, zero);
    Value hi = b.createOrFold<g::ReduceMaxOp>(loc, scalarType, x, axes, b.getBoolAttr(false));
    hi = binary<g::MaxOp>(hi, zero);
    Value range = binary<g::SubOp>(hi, lo);
    Value scale = binary<g::DivOp>(range, scalar(255.0f));
    // qmin - lo / scale with qmin = 0; the cast saturates to [0, 255].
    Value zpFloat = binary<g::DivOp>(lo, scale);
    zpFloat = b.createOrFold<g::NegOp>(loc, scalarType, zpFloat);
    zpFloat = b.createOrFold<g::RoundOp>(loc, scalarType, zpFloat);
    Type u8 = op.getZeroPoint().getType().getElementType();
    Value zp = castTo(zpFloat, u8);
    return {quantize(x, scale, zp, u8), scale, zp};
  }

  // (lhs - lhs_zero_point) @ (rhs - rhs_zero_point) in i32.
  Value matmulInteger(g::MatMulIntegerOp op) {
    Type i32 = b.getIntegerType(32);
    Value a = castTo(op.getLhs(), i32);
    Value za = castTo(op.getLhsZeroPoint(), i32);
    Value lhs = binary<g::SubOp>(a, za);
    Value bv = castTo(op.getRhs(), i32);
    Value zb = castTo(op.getRhsZeroPoint(), i32);
    Value rhs = binary<g::SubOp>(bv, zb);
    return b.createOrFold<g::MatMulOp>(loc, op.getType(), lhs, rhs);
  }

private:
  static RankedTensorType typeOf(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }
  RankedTensorType tensor(ArrayRef<int64_t> shape, Type elem) {
    return RankedTensorType::get(shape, elem);
  }
  Value castTo(Value v, Type elem) {
    return b.createOrFold<g::CastOp>(loc, tensor(typeOf(v).getShape(), elem), v);
  }
  Value scalar(float v) {
    auto type = tensor({}, b.getF32Type());
    return b.create<g::ConstantOp>(loc, type, DenseElementsAttr::get(type, v));
  }
  // lhs op rhs broadcast (the shapes are compatible by construction).
  template <typename OpTy> Value binary(Value lhs, Value rhs) {
    SmallVector<int64_t> shape;
    bool ok = g::broadcastShapes(typeOf(lhs).getShape(), typeOf(rhs).getShape(), shape);
    assert(ok && "operands of a decomposition broadcast");
    (void)ok;
    return b.createOrFold<OpTy>(loc, tensor(shape, typeOf(lhs).getElementType()), lhs, rhs);
  }
  // A scalar stays; a 1-D per-axis parameter [C] becomes [C, 1, ..., 1],
  // which broadcasts along `axis` of a rank-`rank` tensor.
  Value alongAxis(Value param, int64_t axis, int64_t rank) {
    auto type = typeOf(param);
    if (type.getRank() == 0 || axis == rank - 1)
      return param;
    SmallVector<int64_t> shape(rank - axis, 1);
    shape[0] = type.getDimSize(0);
    return b.createOrFold<g::ReshapeOp>(loc, tensor(shape, type.getElementType()), param);
  }
  // saturate(round(x / scale) + zp) with zp of the result's element type.
  Value quantize(Value x, Value scale, Value zp, Type elem) {
    Value q = binary<g::DivOp>(x, scale);
    q = b.createOrFold<g::RoundOp>(loc, q.getType(), q);
    Value zpFloat = castTo(zp, b.getF32Type());
    q = binary<g::AddOp>(q, zpFloat);
    return castTo(q, elem);
  }

  OpBuilder &b;
  Location loc;
};

struct DecomposeQuantOpsPass : lmc::impl::DecomposeQuantOpsBase<DecomposeQuantOpsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<g::QuantizeOp, g::DequantizeOp, g::DynamicQuantizeOp, g::MatMulIntegerOp>(op))
        ops.push_back(op);
    });
    OpBuilder b(&getContext());
    for (Operation *op : ops) {
      b.setInsertionPoint(op);
      Decomposer d(b, op->getLoc());
      SmallVector<Value> results;
      if (auto q = dyn_cast<g::QuantizeOp>(op))
        results.push_back(d.quantize(q));
      else if (auto dq = dyn_cast<g::DequantizeOp>(op))
        results.push_back(d.dequantize(dq));
      else if (auto dyn = dyn_cast<g::DynamicQuantizeOp>(op))
        results = d.dynamicQuantize(dyn);
      else
        results.push_back(d.matmulInteger(cast<g::MatMulIntegerOp>(op)));
      op->replaceAllUsesWith(results);
      op->erase();
    }
  }
};

}  // namespace
