// lmc-bind-kv-cache: pair a decoder's past.* inputs with its present.*
// outputs, each pair one persistent State tensor (docs/kv-cache.md).
#include <map>

#include "dialects/Graph/Graph.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Memory/KvCacheNames.h"
#include "passes/Passes.h"

namespace lmc {
#define GEN_PASS_DEF_BINDKVCACHE
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace g = lmc::graph;

namespace {

std::string typeText(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

bool isIntegerTensor(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  return t && (t.getElementType().isInteger(32) || t.getElementType().isInteger(64));
}

// The present is written in place when it is a scatter of the past and
// nothing else reads the past (so no reader sees the updated rows early).
bool updatesInPlace(Value present, BlockArgument past) {
  auto scatter = present.getDefiningOp<g::ScatterElementsOp>();
  return scatter && scatter.getData() == past && past.hasOneUse();
}

LogicalResult bind(func::FuncOp func) {
  Builder b(func.getContext());
  auto argName = [&](unsigned i) {
    auto s = func.getArgAttrOfType<StringAttr>(i, "lmc.name");
    return s ? s.str() : "input" + std::to_string(i);
  };
  auto resultName = [&](unsigned j) {
    auto s = func.getResultAttrOfType<StringAttr>(j, "lmc.name");
    return s ? s.str() : "output" + std::to_string(j);
  };
  // Ordered by key: deterministic errors and attributes.
  std::map<std::string, unsigned> pasts, presents;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (auto key = lmc::kv::pastKey(argName(i)))
      pasts[*key] = i;
  for (unsigned j = 0; j < func.getNumResults(); ++j)
    if (auto key = lmc::kv::presentKey(resultName(j)))
      presents[*key] = j;
  if (pasts.empty()) {
    std::string names;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      names += (i ? ", '" : "'") + argName(i) + "'";
    return func.emitError("--kv-cache: no input is named past.<name> or "
                          "past_key_values.<layer>.<key|value> (the model's inputs: ")
           << (names.empty() ? "none" : names)
           << "); export the decoder with its cache as inputs past.* and outputs present.* "
              "(docs/kv-cache.md)";
  }
  for (const auto &[key, j] : presents)
    if (!pasts.count(key))
      return func.emitError("--kv-cache: output '")
             << resultName(j) << "' has no input 'past." << key << "' (or 'past_key_values."
             << key << "') to pair with";

  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  struct Copied {
    std::string present, past;
    int64_t bytes;
  };
  std::vector<Copied> copied;  // warned about once the model is accepted
  int64_t maxContext = -1;
  std::string firstState;
  for (const auto &[key, i] : pasts) {
    auto it = presents.find(key);
    if (it == presents.end())
      return func.emitError("--kv-cache: input '")
             << argName(i) << "' has no output 'present." << key
             << "' to pair with: every cache input needs the output that writes it back";
    unsigned j = it->second;
    Type in = func.getArgument(i).getType(), out = func.getResultTypes()[j];
    if (in != out)
      return func.emitError("--kv-cache: input '")
             << argName(i) << "' is " << typeText(in) << " but output '" << resultName(j)
             << "' is " << typeText(out)
             << ": a KV cache has one shape, updated in place at the position "
                "(ScatterElements), not grown (Concat); see docs/kv-cache.md";
    auto type = cast<RankedTensorType>(in);
    if (type.getRank() >= 2) {
      int64_t slots = type.getDimSize(type.getRank() - 2);
      if (maxContext >= 0 && slots != maxContext)
        return func.emitError("--kv-cache: input '")
               << argName(i) << "' has " << slots << " positions (dim " << type.getRank() - 2
               << ") but '" << firstState << "' has " << maxContext
               << ": every cache must have the same length";
      if (maxContext < 0) {
        maxContext = slots;
        firstState = argName(i);
      }
    }
    Value present = ret.getOperand(j);
    unsigned returned = llvm::count(ret.getOperands(), present);
    BlockArgument past = func.getArgument(i);
    bool inPlace = returned == 1 && updatesInPlace(present, past);
    func.setArgAttr(i, "lmc.state", b.getStringAttr(resultName(j)));
    func.setResultAttr(j, "lmc.state", b.getStringAttr(argName(i)));
    func.setResultAttr(j, "lmc.state_update", b.getStringAttr(inPlace ? "in_place" : "copy"));
    if (!inPlace)
      copied.push_back({resultName(j), argName(i),
                        type.getNumElements() *
                            std::max<int64_t>(type.getElementTypeBitWidth() / 8, 1)});
  }
  if (maxContext < 1)
    return func.emitError("--kv-cache: the caches have no positions (they need rank >= 2, "
                          "[..., positions, head_dim], with at least one position)");

  // The tokens and position inputs, for executors (FORMAT.md F18).
  auto find = [&](std::initializer_list<const char *> names) -> int {
    for (const char *name : names)
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (argName(i) == name && isIntegerTensor(func.getArgument(i).getType()))
          return static_cast<int>(i);
    return -1;
  };
  int tokens = find({"tokens", "input_ids"});
  int position = find({"position", "positions", "position_ids", "cache_position"});
  for (unsigned i = 0; tokens < 0 && i < func.getNumArguments(); ++i) {
    auto t = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    if (static_cast<int>(i) != position && !lmc::kv::pastKey(argName(i)) &&
        isIntegerTensor(t) && t.getRank() == 2 && t.getDimSize(0) == 1)
      tokens = static_cast<int>(i);
  }
  if (tokens < 0)
    return func.emitError("--kv-cache: no tokens input (an integer [1, S] input named "
                          "'tokens' or 'input_ids'): a decode step consumes S tokens");
  auto tokensType = cast<RankedTensorType>(func.getArgument(tokens).getType());
  int64_t perStep = tokensType.getDimSize(tokensType.getRank() - 1);
  if (perStep < 1 || perStep > maxContext)
    return func.emitError("--kv-cache: input '")
           << argName(tokens) << "' holds " << perStep << " tokens per step but the cache has "
           << maxContext << " positions; a step must fit in the cache";
  NamedAttribute fields[] = {
      b.getNamedAttr("max_context", b.getI64IntegerAttr(maxContext)),
      b.getNamedAttr("tokens_per_step", b.getI64IntegerAttr(perStep)),
      b.getNamedAttr("tokens_input", b.getStringAttr(argName(tokens))),
      b.getNamedAttr("position_input",
                     b.getStringAttr(position >= 0 ? argName(position) : std::string())),
  };
  func->getParentOfType<ModuleOp>()->setAttr("lmc.kv_cache", b.getDictionaryAttr(fields));
  for (const Copied &c : copied)
    func.emitWarning("--kv-cache: output '")
        << c.present << "' is not a ScatterElements of input '" << c.past
        << "' that is its only reader, so it cannot be updated in place: the whole cache ("
        << c.bytes << " bytes) is copied into the state every step";
  return success();
}

struct BindKvCachePass : lmc::impl::BindKvCacheBase<BindKvCachePass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (failed(bind(func)))
        return signalPassFailure();
  }
};

}  // namespace
