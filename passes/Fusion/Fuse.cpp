// lmc-fuse: the decomposed LayerNorm and GELU that exporters write ->
// lmc_graph.layer_norm and lmc_graph.gelu.
#include <cmath>
#include <optional>

#include "dialects/Graph/Graph.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "passes/Passes.h"

namespace lmc {
#define GEN_PASS_DEF_FUSE
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace g = lmc::graph;

namespace {

// The value of a constant whose elements are all equal (a scalar constant
// broadcast by the op that reads it).
std::optional<double> splat(Value v) {
  auto c = v.getDefiningOp<g::ConstantOp>();
  if (!c)
    return std::nullopt;
  auto dense = dyn_cast<DenseFPElementsAttr>(c.getValue());
  if (!dense || !dense.isSplat())
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

bool near(double a, double b) { return std::fabs(a - b) <= 1e-6 * std::fabs(b); }

// A product: a constant coefficient times non-constant factors, read
// through mul (either operand order) and division by a constant.
struct Product {
  double coefficient = 1;
  SmallVector<Value> factors;
};

void collect(Value v, Product &p) {
  if (std::optional<double> c = splat(v)) {
    p.coefficient *= *c;
    return;
  }
  if (auto m = v.getDefiningOp<g::MulOp>()) {
    collect(m.getLhs(), p);
    collect(m.getRhs(), p);
    return;
  }
  if (auto d = v.getDefiningOp<g::DivOp>()) {
    if (std::optional<double> c = splat(d.getRhs()); c && *c != 0) {
      collect(d.getLhs(), p);
      p.coefficient /= *c;
      return;
    }
  }
  p.factors.push_back(v);
}

Product product(Value v) {
  Product p;
  collect(v, p);
  return p;
}

// Whether v is x^3: pow(x, 3) or a product of x three times.
bool isCube(Value v, Value x) {
  if (auto pw = v.getDefiningOp<g::PowOp>())
    return pw.getLhs() == x && splat(pw.getRhs()) == 3.0;
  Product p = product(v);
  return p.coefficient == 1 && p.factors.size() == 3 &&
         llvm::all_of(p.factors, [&](Value f) { return f == x; });
}

// The other operand of an add with the constant 1, or null.
Value plusOne(Value v) {
  auto add = v.getDefiningOp<g::AddOp>();
  if (!add)
    return {};
  if (splat(add.getLhs()) == 1.0)
    return add.getRhs();
  if (splat(add.getRhs()) == 1.0)
    return add.getLhs();
  return {};
}

// GELU rooted at a mul: 0.5 * x * (1 + erf(x / sqrt(2))) or
// 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))), factors in any
// order and grouping. Returns x and whether it is the tanh form.
std::optional<std::pair<Value, bool>> matchGelu(g::MulOp root) {
  Product p = product(root.getResult());
  if (!near(p.coefficient, 0.5) || p.factors.size() != 2)
    return std::nullopt;
  for (int i = 0; i < 2; ++i) {
    Value x = p.factors[i];
    Value t = plusOne(p.factors[1 - i]);
    if (!t)
      continue;
    if (auto erf = t.getDefiningOp<g::ErfOp>()) {
      Product arg = product(erf.getInput());
      if (arg.factors.size() == 1 && arg.factors[0] == x && near(arg.coefficient, 1 / std::sqrt(2.0)))
        return std::make_pair(x, false);
    }
    if (auto tanh = t.getDefiningOp<g::TanhOp>()) {
      Product arg = product(tanh.getInput());
      if (arg.factors.size() != 1 || !near(arg.coefficient, std::sqrt(2 / M_PI)))
        continue;
      auto inner = arg.factors[0].getDefiningOp<g::AddOp>();
      if (!inner)
        continue;
      for (auto [a, b] : {std::pair(inner.getLhs(), inner.getRhs()),
                          std::pair(inner.getRhs(), inner.getLhs())}) {
        Product cube = product(b);
        if (a == x && cube.factors.size() == 1 && near(cube.coefficient, 0.044715) &&
            isCube(cube.factors[0], x))
          return std::make_pair(x, true);
        // x * x * x * 0.044715 collects as one product of three x.
        if (a == x && cube.factors.size() == 3 && near(cube.coefficient, 0.044715) &&
            llvm::all_of(cube.factors, [&](Value f) { return f == x; }))
          return std::make_pair(x, true);
      }
    }
  }
  return std::nullopt;
}

// The trailing axis the reduce_mean averages over (keepdims), or nothing.
std::optional<int64_t> lastAxisMean(Value v, Value of) {
  auto m = v.getDefiningOp<g::ReduceMeanOp>();
  if (!m || m.getInput() != of || !m.getKeepdims() || m.getAxes().size() != 1)
    return std::nullopt;
  int64_t rank = m.getInput().getType().getRank();
  if (m.getAxes()[0] != rank - 1)
    return std::nullopt;
  return rank - 1;
}

struct LayerNormMatch {
  Value x, scale, bias;
  double epsilon;
};

// A value usable as layer_norm's scale or bias for width w: [w] or
// [1, ..., 1, w].
bool isVectorOf(Value v, int64_t w) {
  auto t = cast<RankedTensorType>(v.getType());
  return t.getRank() >= 1 && t.getShape().back() == w && t.getNumElements() == w;
}

// (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps), then optionally
// * scale and + bias, rooted at `root` (the add, the mul or the div).
std::optional<LayerNormMatch> matchLayerNorm(Operation *root) {
  LayerNormMatch m;
  Value normed = root->getResult(0);
  auto type = cast<RankedTensorType>(normed.getType());
  if (!type.getElementType().isF32() || type.getRank() < 1)
    return std::nullopt;
  int64_t width = type.getShape().back();
  if (auto add = dyn_cast<g::AddOp>(root)) {
    for (auto [a, b] : {std::pair(add.getLhs(), add.getRhs()), std::pair(add.getRhs(), add.getLhs())})
      if (isVectorOf(b, width) && (a.getDefiningOp<g::MulOp>() || a.getDefiningOp<g::DivOp>())) {
        m.bias = b;
        normed = a;
        break;
      }
    if (!m.bias)
      return std::nullopt;
  }
  if (auto mul = normed.getDefiningOp<g::MulOp>()) {
    for (auto [a, b] : {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())})
      if (isVectorOf(b, width) && a.getDefiningOp<g::DivOp>()) {
        m.scale = b;
        normed = a;
        break;
      }
    if (!m.scale)
      return std::nullopt;
  }
  auto div = normed.getDefiningOp<g::DivOp>();
  if (!div)
    return std::nullopt;
  auto centered = div.getLhs().getDefiningOp<g::SubOp>();
  auto sqrt = div.getRhs().getDefiningOp<g::SqrtOp>();
  if (!centered || !sqrt)
    return std::nullopt;
  m.x = centered.getLhs();
  if (m.x.getType() != type || !lastAxisMean(centered.getRhs(), m.x))
    return std::nullopt;
  auto plusEps = sqrt.getInput().getDefiningOp<g::AddOp>();
  if (!plusEps)
    return std::nullopt;
  for (auto [a, b] : {std::pair(plusEps.getLhs(), plusEps.getRhs()),
                      std::pair(plusEps.getRhs(), plusEps.getLhs())}) {
    std::optional<double> eps = splat(b);
    auto var = a.getDefiningOp<g::ReduceMeanOp>();
    if (!eps || *eps < 0 || !var || !lastAxisMean(var.getResult(), var.getInput()))
      continue;
    // The square of the centered value: pow(c, 2) or c * c.
    Value sq = var.getInput();
    bool square = false;
    if (auto pw = sq.getDefiningOp<g::PowOp>())
      square = pw.getLhs() == centered.getResult() && splat(pw.getRhs()) == 2.0;
    if (auto mul = sq.getDefiningOp<g::MulOp>())
      square = mul.getLhs() == centered.getResult() && mul.getRhs() == centered.getResult();
    if (square) {
      m.epsilon = *eps;
      return m;
    }
  }
  return std::nullopt;
}

struct FusePass : lmc::impl::FuseBase<FusePass> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    // Roots are visited last-first so that the outermost match (the add
    // with the bias, not the div inside it) is taken.
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<g::AddOp, g::MulOp, g::DivOp>(op))
        ops.push_back(op);
    });
    llvm::DenseSet<Operation *> erased;
    for (Operation *op : llvm::reverse(ops)) {
      if (erased.count(op) || op->use_empty())
        continue;
      b.setInsertionPoint(op);
      Value result;
      if (auto mul = dyn_cast<g::MulOp>(op))
        if (auto gelu = matchGelu(mul))
          result = b.create<g::GeluOp>(op->getLoc(), gelu->first.getType(), gelu->first,
                                       b.getBoolAttr(gelu->second));
      if (!result)
        if (std::optional<LayerNormMatch> ln = matchLayerNorm(op))
          result = createLayerNorm(b, op->getLoc(), *ln);
      if (!result)
        continue;
      op->getResult(0).replaceAllUsesWith(result);
      eraseDead(op, erased);
    }
  }

  // Erases `op` and the ops that fed only it (graph ops have no side
  // effects), recording them so that the walk skips them.
  static void eraseDead(Operation *op, llvm::DenseSet<Operation *> &erased) {
    SmallVector<Operation *> work{op};
    while (!work.empty()) {
      // An op can be queued twice (it fed two dead ops, or one op twice):
      // look it up before touching it, it may be erased already.
      Operation *dead = work.pop_back_val();
      if (erased.count(dead) || !dead->use_empty() ||
          !llvm::isa<g::GraphDialect>(dead->getDialect()))
        continue;
      erased.insert(dead);
      SmallVector<Operation *> inputs;
      for (Value v : dead->getOperands())
        if (Operation *def = v.getDefiningOp())
          inputs.push_back(def);
      dead->erase();
      for (Operation *def : inputs)
        if (def->use_empty())
          work.push_back(def);
    }
  }

  Value createLayerNorm(OpBuilder &b, Location loc, const LayerNormMatch &m) {
    auto type = cast<RankedTensorType>(m.x.getType());
    int64_t width = type.getShape().back();
    auto vector = RankedTensorType::get({width}, type.getElementType());
    auto asVector = [&](Value v) -> Value {
      if (v.getType() == vector)
        return v;
      return b.create<g::ReshapeOp>(loc, vector, v);
    };
    Value scale = m.scale ? asVector(m.scale)
                          : b.create<g::ConstantOp>(loc, vector,
                                                    DenseElementsAttr::get(vector, b.getF32FloatAttr(1.0f)));
    Value bias = m.bias ? asVector(m.bias) : Value();
    return b.create<g::LayerNormOp>(loc, type, m.x, scale, bias,
                                    b.getI64IntegerAttr(type.getRank() - 1),
                                    b.getF64FloatAttr(m.epsilon));
  }
};

}  // namespace
