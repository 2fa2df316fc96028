// If, Loop and Scan under static control: a branch whose condition is a
// constant is inlined, loops are unrolled over a trip count known when
// compiling; their bodies import like the main graph, seeing outer names.
#include "compiler/Import/Importer.h"

namespace lmc::import {

namespace {

// The most iterations a Loop or Scan is unrolled to: each one copies the
// body into the program.
constexpr int64_t kMaxUnroll = 4096;
constexpr int64_t kMaxBodies = 65536;

}  // namespace

FailureOr<SmallVector<Value>> Importer::importSubgraph(const onnx::GraphProto &graph,
                                                       ArrayRef<Value> inputs, StringRef what,
                                                       const std::string &tag) {
  // Nested loops multiply: bound the bodies imported in all.
  if (++unrolledBodies > kMaxBodies) {
    error() << "lmc needs static control flow: the model's loops unroll to more than "
            << kMaxBodies << " bodies in all, more than lmc unrolls";
    return failure();
  }
  if (graph.input_size() != static_cast<int>(inputs.size())) {
    error() << what << " takes " << graph.input_size() << " input(s), " << inputs.size()
            << " expected";
    return failure();
  }
  const onnx::NodeProto *outer = node;
  std::string outerName = nodeName;
  Location outerLoc = loc;
  std::string outerScope = scope;
  auto restore = [&] {
    node = outer;
    nodeName = outerName;
    loc = outerLoc;
    scope = outerScope;
  };
  scope = outerName + "[" + tag + "]/";
  // ONNX names are unique across nested graphs, so a body's values can live
  // in the one table (an unrolled loop rebinds them on each iteration).
  for (auto [in, v] : llvm::zip(graph.input(), inputs))
    values[in.name()] = v;
  // The importer owns the model and frees each initializer's data once read.
  for (auto &t : *const_cast<onnx::GraphProto &>(graph).mutable_initializer())
    initializers.try_emplace(t.name(), &t);
  for (int i = 0; i < graph.node_size(); ++i) {
    if (failed(importNode(graph.node(i), i))) {
      restore();
      return failure();
    }
  }
  restore();
  SmallVector<Value> outputs;
  for (const auto &out : graph.output()) {
    FailureOr<Value> v = value(out.name());
    if (failed(v))
      return failure();
    outputs.push_back(*v);
  }
  return outputs;
}

LogicalResult Importer::importControlFlow(const onnx::NodeProto &n) {
  const std::string &op = n.op_type();
  auto graphAttr = [&](const char *name) -> const onnx::GraphProto * {
    const auto *a = attr(name);
    return a && a->has_g() ? &a->g() : nullptr;
  };
  auto staticError = [&]() -> InFlightDiagnostic {
    return error() << "lmc needs static control flow: ";
  };
  auto setOutputs = [&](ArrayRef<Value> vs) -> LogicalResult {
    for (auto [k, v] : llvm::enumerate(vs))
      if (failed(setOutput(k, v)))
        return failure();
    return success();
  };
  // Per-iteration values [d0, ...] stacked along `axis` into [.., count, ..].
  auto stack = [&](ArrayRef<Value> parts, int64_t axis) {
    SmallVector<Value> rows;
    for (Value p : parts) {
      SmallVector<int64_t> shape(typeOf(p).getShape());
      shape.insert(shape.begin() + axis, 1);
      rows.push_back(reshape(p, shape));
    }
    return concat(rows, axis);
  };
  auto sameShapes = [&](ArrayRef<Value> parts, int64_t k) -> LogicalResult {
    for (Value p : parts)
      if (typeOf(p) != typeOf(parts.front()))
        return error() << "scan output " << k << " changes its type between iterations ("
                       << typeOf(parts.front()) << ", then " << typeOf(p) << ")";
    return success();
  };

  if (op == "If") {
    FailureOr<Value> cond = input(0);
    if (failed(cond))
      return failure();
    const onnx::GraphProto *thenG = graphAttr("then_branch"), *elseG = graphAttr("else_branch");
    if (!thenG || !elseG)
      return error() << "then_branch and else_branch are required";
    if (typeOf(*cond).getNumElements() != 1)
      return error() << "the condition must hold one element";
    auto check = [&](const SmallVector<Value> &outs, StringRef branch) -> LogicalResult {
      if (static_cast<int>(outs.size()) != n.output_size())
        return error() << branch << " has " << outs.size() << " output(s), the node "
                       << n.output_size();
      return success();
    };
    if (auto known = constant(*cond)) {
      bool taken = known->isFloat ? known->f[0] != 0 : known->i[0] != 0;
      StringRef branch = taken ? "then_branch" : "else_branch";
      FailureOr<SmallVector<Value>> outs = importSubgraph(taken ? *thenG : *elseG, {}, branch,
                                                              taken ? "then" : "else");
      if (failed(outs) || failed(check(*outs, branch)))
        return failure();
      return setOutputs(*outs);
    }
    // A condition known only at run time: both branches, then a select,
    // which needs outputs of one type.
    FailureOr<SmallVector<Value>> thenOuts = importSubgraph(*thenG, {}, "then_branch", "then");
    if (failed(thenOuts) || failed(check(*thenOuts, "then_branch")))
      return failure();
    FailureOr<SmallVector<Value>> elseOuts = importSubgraph(*elseG, {}, "else_branch", "else");
    if (failed(elseOuts) || failed(check(*elseOuts, "else_branch")))
      return failure();
    Value c = reshape(*cond, {});
    if (!typeOf(c).getElementType().isInteger(1))
      return error() << "the condition must be a bool";
    SmallVector<Value> outs;
    for (auto [k, t, e] : llvm::enumerate(*thenOuts, *elseOuts)) {
      if (t.getType() != e.getType())
        return staticError() << "the condition is not a constant and output " << k
                             << " is " << t.getType() << " in then_branch but " << e.getType()
                             << " in else_branch; export the model with the condition fixed "
                                "(a constant), or with branches of one output shape";
      outs.push_back(select(c, t, e));
    }
    return setOutputs(outs);
  }

  if (op == "Loop") {
    const onnx::GraphProto *body = graphAttr("body");
    if (!body)
      return error() << "the body attribute is missing";
    std::optional<int64_t> trips;
    if (hasInput(0)) {
      FailureOr<Value> m = input(0);
      if (failed(m))
        return failure();
      auto known = constInts(*m);
      if (!known || known->size() != 1)
        return staticError() << "the trip count M is not a constant; export the loop with a "
                                "fixed count, or unrolled";
      trips = known->front();
    }
    bool running = true;
    if (hasInput(1)) {
      FailureOr<Value> c = input(1);
      if (failed(c))
        return failure();
      auto known = constInts(*c);
      if (!known || known->size() != 1)
        return staticError() << "the loop condition is not a constant";
      running = known->front() != 0;
    }
    SmallVector<Value> carried;
    for (unsigned i = 2; i < numInputs(); ++i) {
      FailureOr<Value> v = input(i);
      if (failed(v))
        return failure();
      carried.push_back(*v);
    }
    const int64_t numCarried = carried.size();
    const int64_t numScans = body->output_size() - 1 - numCarried;
    if (numScans < 0 || body->input_size() != 2 + numCarried)
      return error() << "the body has " << body->input_size() << " input(s) and "
                     << body->output_size() << " output(s) for " << numCarried
                     << " loop-carried value(s)";
    if (!trips && running && body->output(0).name() == body->input(1).name())
      return staticError() << "the loop has no trip count and its condition never changes";
    SmallVector<SmallVector<Value>> scans(numScans);
    Type i1 = b.getI1Type();
    for (int64_t i = 0; running && (!trips || i < *trips); ++i) {
      if (i == kMaxUnroll)
        return staticError() << "the loop runs more than " << kMaxUnroll
                             << " iterations, more than lmc unrolls";
      SmallVector<Value> inputs = {constI64({i}, {}),
                                   b.create<g::ConstantOp>(loc, tensor({}, i1),
                                                           DenseElementsAttr::get(tensor({}, i1), true))};
      inputs.append(carried);
      FailureOr<SmallVector<Value>> outs =
          importSubgraph(*body, inputs, "the body", std::to_string(i));
      if (failed(outs))
        return failure();
      auto cond = constInts((*outs)[0]);
      if (!cond || cond->size() != 1)
        return staticError() << "the condition the body computes in iteration " << i
                             << " is not a constant";
      running = cond->front() != 0;
      for (int64_t k = 0; k < numCarried; ++k)
        carried[k] = (*outs)[1 + k];
      for (int64_t k = 0; k < numScans; ++k)
        scans[k].push_back((*outs)[1 + numCarried + k]);
    }
    if (failed(setOutputs(carried)))
      return failure();
    for (int64_t k = 0; k < numScans; ++k) {
      if (scans[k].empty())
        return error() << "the loop runs no iteration, so the shape of scan output " << k
                       << " is unknown";
      if (failed(sameShapes(scans[k], k)) ||
          failed(setOutput(numCarried + k, stack(scans[k], 0))))
        return failure();
    }
    return success();
  }

  assert(op == "Scan" && "importOp dispatches If, Loop and Scan here");
  const onnx::GraphProto *body = graphAttr("body");
  if (!body)
    return error() << "the body attribute is missing";
  const int64_t numScanIn = attrInt("num_scan_inputs", 0);
  const int64_t numStates = static_cast<int64_t>(numInputs()) - numScanIn;
  if (numScanIn < 1 || numStates < 0)
    return error() << "num_scan_inputs " << numScanIn << " does not fit " << numInputs()
                   << " input(s)";
  const int64_t numScanOut = body->output_size() - numStates;
  if (numScanOut < 0 || body->input_size() != int(numInputs()))
    return error() << "the body has " << body->input_size() << " input(s) and "
                   << body->output_size() << " output(s) for " << numStates << " state(s) and "
                   << numScanIn << " scan input(s)";
  auto listAttr = [&](const char *name, int64_t count) {
    std::vector<int64_t> v = attrInts(name).value_or(std::vector<int64_t>());
    v.resize(count, 0);
    return v;
  };
  std::vector<int64_t> inAxes = listAttr("scan_input_axes", numScanIn),
                       inDirs = listAttr("scan_input_directions", numScanIn),
                       outAxes = listAttr("scan_output_axes", numScanOut),
                       outDirs = listAttr("scan_output_directions", numScanOut);
  SmallVector<Value> states, scanIn;
  int64_t steps = -1;
  for (unsigned i = 0; i < numInputs(); ++i) {
    FailureOr<Value> v = input(i);
    if (failed(v))
      return failure();
    if (static_cast<int64_t>(i) < numStates) {
      states.push_back(*v);
      continue;
    }
    int64_t j = i - numStates;
    if (typeOf(*v).getRank() == 0)
      return error() << "scan input " << j << " is a scalar; it needs an axis to scan";
    FailureOr<int64_t> axis = normalizeAxis(inAxes[j], typeOf(*v).getRank());
    if (failed(axis))
      return failure();
    inAxes[j] = *axis;
    int64_t len = typeOf(*v).getDimSize(*axis);
    if (steps >= 0 && len != steps)
      return error() << "scan inputs have " << steps << " and " << len << " steps";
    steps = len;
    scanIn.push_back(*v);
  }
  if (steps == 0)
    return error() << "the scan inputs are empty, so the scan outputs' shapes are unknown";
  if (steps > kMaxUnroll)
    return staticError() << "the scan runs " << steps << " iterations, more than lmc unrolls ("
                         << kMaxUnroll << ")";
  SmallVector<SmallVector<Value>> scans(numScanOut);
  for (int64_t t = 0; t < steps; ++t) {
    SmallVector<Value> inputs(states);
    for (auto [j, v] : llvm::enumerate(scanIn)) {
      auto shape = typeOf(v).getShape();
      SmallVector<int64_t> starts(shape.size(), 0), sizes(shape), inner(shape);
      starts[inAxes[j]] = inDirs[j] ? steps - 1 - t : t;
      sizes[inAxes[j]] = 1;
      inner.erase(inner.begin() + inAxes[j]);
      inputs.push_back(reshape(slice(v, starts, sizes), inner));
    }
    FailureOr<SmallVector<Value>> outs =
        importSubgraph(*body, inputs, "the body", std::to_string(t));
    if (failed(outs))
      return failure();
    for (int64_t k = 0; k < numStates; ++k)
      states[k] = (*outs)[k];
    for (int64_t k = 0; k < numScanOut; ++k)
      scans[k].push_back((*outs)[numStates + k]);
  }
  if (failed(setOutputs(states)))
    return failure();
  for (int64_t k = 0; k < numScanOut; ++k) {
    if (failed(sameShapes(scans[k], k)))
      return failure();
    FailureOr<int64_t> axis = normalizeAxis(outAxes[k], typeOf(scans[k].front()).getRank() + 1);
    if (failed(axis))
      return failure();
    if (outDirs[k])
      std::reverse(scans[k].begin(), scans[k].end());
    if (failed(setOutput(numStates + k, stack(scans[k], *axis))))
      return failure();
  }
  return success();
}

}  // namespace lmc::import
