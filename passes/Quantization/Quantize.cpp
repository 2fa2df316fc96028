// lmc-quantize: matmuls with constant f32 weights -> lmc_graph.qmatmul with
// int8 / int4 / ternary weights and f32 scales (format::quantizeWeights).
#include "passes/Quantization/Quantize.h"

#include <map>
#include <tuple>

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "passes/Passes.h"
#include "llvm/Support/GlobPattern.h"

namespace lmc {
#define GEN_PASS_DEF_QUANTIZE
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace g = lmc::graph;
namespace fmt = lmc::format;

namespace lmc {

static std::string nodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  return "";
}

std::vector<QuantCandidate> findQuantCandidates(ModuleOp module) {
  std::vector<QuantCandidate> found;
  module.walk([&](g::MatMulOp m) {
    auto b = m.getRhs().getType();
    if (!m.getLhs().getType().getElementType().isF32() || !b.getElementType().isF32() ||
        b.getRank() != 2 || b.getNumElements() == 0)
      return;
    Operation *def = m.getRhs().getDefiningOp();
    bool transposed = false;
    if (auto t = dyn_cast_or_null<g::TransposeOp>(def)) {
      def = t.getInput().getDefiningOp();
      transposed = true;
    }
    bool constant = false;
    if (auto c = dyn_cast_or_null<g::ConstantOp>(def))
      constant = isa<DenseElementsAttr>(c.getValue());
    if (!constant && !isa_and_nonnull<g::WeightOp>(def))
      return;
    found.push_back({m, def, transposed, b.getDimSize(0), b.getDimSize(1), nodeName(m.getLoc())});
  });
  return found;
}

bool parseQuantScheme(llvm::StringRef text, std::optional<fmt::QuantScheme> &scheme) {
  if (text == "none")
    scheme.reset();
  else if (text == "int8")
    scheme = fmt::QuantScheme::Int8;
  else if (text == "int4")
    scheme = fmt::QuantScheme::Int4;
  else if (text == "ternary")
    scheme = fmt::QuantScheme::Ternary;
  else
    return false;
  return true;
}

std::string checkQuantConfig(const QuantConfig &config) {
  if (config.group != 0 && (config.group < 8 || config.group % 8 != 0))
    return "the int4 group size " + std::to_string(config.group) +
           " is not a multiple of 8 (use 32, 64 or 128)";
  for (const std::string &o : config.overrides) {
    auto [glob, scheme] = llvm::StringRef(o).rsplit('=');
    std::optional<fmt::QuantScheme> parsed;
    if (scheme.empty() || glob.empty() || !parseQuantScheme(scheme, parsed))
      return "the override '" + o +
             "' is not NODE-GLOB=SCHEME with SCHEME one of none, int8, int4, ternary";
    if (auto pattern = llvm::GlobPattern::create(glob); !pattern)
      return "the override '" + o + "' has a bad glob: " + llvm::toString(pattern.takeError());
  }
  return "";
}

std::optional<fmt::QuantScheme> schemeFor(const QuantConfig &config, llvm::StringRef node) {
  std::optional<fmt::QuantScheme> scheme = config.scheme;
  for (const std::string &o : config.overrides) {
    auto [glob, text] = llvm::StringRef(o).rsplit('=');
    auto pattern = llvm::GlobPattern::create(glob);
    if (!pattern) {
      llvm::consumeError(pattern.takeError());
      continue;
    }
    if (pattern->match(node))
      parseQuantScheme(text, scheme);
  }
  return scheme;
}

int64_t groupFor(const QuantConfig &config, fmt::QuantScheme scheme, int64_t k) {
  if (scheme != fmt::QuantScheme::Int4)
    return k;  // int8: per output channel; ternary: per tensor
  int64_t group = config.group ? config.group : 32;
  return std::min(group, k);
}

}  // namespace lmc

namespace {

class Quantizer {
public:
  explicit Quantizer(MLIRContext *ctx) : b(ctx) {}
  void rewrite(const lmc::QuantCandidate &c, fmt::QuantScheme scheme, int64_t group);

private:
  // The quantized weights and scales of a candidate's source, made once per
  // (source, transposition, scheme, group).
  std::pair<Value, Value> quantized(const lmc::QuantCandidate &c, fmt::QuantScheme scheme,
                                    int64_t group);
  OpBuilder b;
  // Lookups only (never iterated): pointer keys keep the output deterministic.
  std::map<std::tuple<Operation *, bool, int, int64_t>, std::pair<Value, Value>> made;
};

std::pair<Value, Value> Quantizer::quantized(const lmc::QuantCandidate &c,
                                             fmt::QuantScheme scheme, int64_t group) {
  auto key = std::make_tuple(c.source, c.transposed, int(scheme), group);
  if (auto it = made.find(key); it != made.end())
    return it->second;
  b.setInsertionPointAfter(c.source);
  Type elem = b.getIntegerType(unsigned(fmt::quantSchemeBits(scheme)));
  const int64_t groups = fmt::quantGroups(c.k, group);
  auto wType = RankedTensorType::get({c.k, c.n}, elem);
  auto sType = RankedTensorType::get({groups, c.n}, b.getF32Type());
  Location loc = c.source->getLoc();
  std::pair<Value, Value> result;
  if (auto w = dyn_cast<g::WeightOp>(c.source)) {
    // --no-weights: the types (and so the byte counts) are all there is.
    result = {b.create<g::WeightOp>(loc, wType, w.getNameAttr()),
              b.create<g::WeightOp>(loc, sType, b.getStringAttr(w.getName() + ".scales"))};
  } else {
    auto dense = cast<DenseElementsAttr>(cast<g::ConstantOp>(c.source).getValue());
    std::vector<float> splat;
    const float *data;
    int64_t rowStride, colStride;
    if (dense.isSplat()) {
      splat.assign(1, dense.getSplatValue<float>());
      data = splat.data();
      rowStride = colStride = 0;
    } else {
      data = reinterpret_cast<const float *>(dense.getRawData().data());
      // Source rows are the matmul's rows unless B is the source transposed.
      rowStride = c.transposed ? 1 : c.n;
      colStride = c.transposed ? c.k : 1;
    }
    std::vector<int8_t> q(size_t(c.k * c.n));
    std::vector<float> scales(size_t(groups * c.n));
    fmt::quantizeWeights(scheme, data, rowStride, colStride, c.k, c.n, group, q.data(),
                         scales.data());
    auto raw = [](const auto &v) {
      return ArrayRef<char>(reinterpret_cast<const char *>(v.data()),
                            v.size() * sizeof(v.front()));
    };
    result = {b.create<g::ConstantOp>(loc, wType, DenseElementsAttr::getFromRawBuffer(wType, raw(q))),
              b.create<g::ConstantOp>(loc, sType,
                                      DenseElementsAttr::getFromRawBuffer(sType, raw(scales)))};
  }
  made[key] = result;
  return result;
}

void Quantizer::rewrite(const lmc::QuantCandidate &c, fmt::QuantScheme scheme, int64_t group) {
  auto [weights, scales] = quantized(c, scheme, group);
  g::MatMulOp matmul = c.matmul;
  b.setInsertionPoint(matmul);
  auto q = b.create<g::QMatMulOp>(matmul.getLoc(), matmul.getType(), matmul.getLhs(), weights,
                                  scales, b.getI64IntegerAttr(group));
  Value oldRhs = matmul.getRhs();
  matmul.getResult().replaceAllUsesWith(q.getResult());
  matmul.erase();
  // The f32 weights go when nothing else reads them (a tied embedding's
  // gather keeps them).
  if (Operation *t = oldRhs.getDefiningOp(); t && t != c.source && t->use_empty())
    t->erase();
  if (c.source->use_empty())
    c.source->erase();
}

struct QuantizePass : lmc::impl::QuantizeBase<QuantizePass> {
  using QuantizeBase::QuantizeBase;

  void runOnOperation() override {
    lmc::QuantConfig config;
    config.group = group;
    config.overrides.assign(overrides.begin(), overrides.end());
    if (!lmc::parseQuantScheme(scheme, config.scheme)) {
      getOperation().emitError("lmc-quantize: scheme '")
          << scheme << "' is not one of none, int8, int4, ternary";
      return signalPassFailure();
    }
    if (std::string bad = lmc::checkQuantConfig(config); !bad.empty()) {
      getOperation().emitError("lmc-quantize: ") << bad;
      return signalPassFailure();
    }
    Quantizer quantizer(&getContext());
    for (const lmc::QuantCandidate &c : lmc::findQuantCandidates(getOperation()))
      if (std::optional<fmt::QuantScheme> s = lmc::schemeFor(config, c.node))
        quantizer.rewrite(c, *s, lmc::groupFor(config, *s, c.k));
  }
};

}  // namespace
