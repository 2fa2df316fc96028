// RNN, GRU and LSTM: unrolled over the static sequence length into
// matmuls, elementwise gates, slices and concatenations of lmc_graph.
#include <cmath>

#include "compiler/Import/Importer.h"
#include "llvm/ADT/StringExtras.h"

namespace lmc::import {

namespace {

// An activation function of the recurrent operators: its canonical name and
// how many of activation_alpha / activation_beta it takes, with defaults.
struct ActivationKind {
  StringRef name;
  int params;  // 0, 1 (alpha) or 2 (alpha, beta)
  float alpha, beta;
};

constexpr ActivationKind kActivations[] = {
    {"Relu", 0, 0, 0},        {"Tanh", 0, 0, 0},          {"Sigmoid", 0, 0, 0},
    {"Affine", 2, 1, 0},      {"LeakyRelu", 1, 0.01f, 0}, {"ThresholdedRelu", 1, 1, 0},
    {"ScaledTanh", 2, 1, 1},  {"HardSigmoid", 2, 0.2f, 0.5f}, {"Elu", 1, 1, 0},
    {"Softsign", 0, 0, 0},    {"Softplus", 0, 0, 0},
};

constexpr int64_t kMaxSteps = 16384;

}  // namespace

FailureOr<SmallVector<Importer::Activation>>
Importer::recurrentActivations(ArrayRef<StringRef> defaults, int64_t directions) {
  SmallVector<std::string> names;
  if (const auto *a = attr("activations")) {
    for (const auto &s : a->strings())
      names.push_back(s);
    // One list for both directions is what some exporters write.
    if (directions == 2 && names.size() == defaults.size())
      names.append(SmallVector<std::string>(names));
  } else {
    for (int64_t d = 0; d < directions; ++d)
      for (StringRef s : defaults)
        names.push_back(s.str());
  }
  if (names.size() != defaults.size() * directions) {
    error() << "activations lists " << names.size() << " functions; " << node->op_type()
            << " takes " << defaults.size() << " per direction (" << directions
            << " direction(s))";
    return failure();
  }
  std::vector<float> alphas, betas;
  if (const auto *a = attr("activation_alpha"))
    alphas.assign(a->floats().begin(), a->floats().end());
  if (const auto *a = attr("activation_beta"))
    betas.assign(a->floats().begin(), a->floats().end());
  size_t nextAlpha = 0, nextBeta = 0;
  SmallVector<Activation> result;
  for (const std::string &name : names) {
    const ActivationKind *kind = nullptr;
    for (const auto &k : kActivations)
      if (k.name.equals_insensitive(name))
        kind = &k;
    if (!kind) {
      error() << "activation '" << name
              << "' is not supported (Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, "
                 "ScaledTanh, HardSigmoid, Elu, Softsign, Softplus are)";
      return failure();
    }
    // activation_alpha/beta are consumed in order by the functions that take them.
    Activation f{kind->name.str(), kind->alpha, kind->beta};
    if (kind->params >= 1 && nextAlpha < alphas.size())
      f.alpha = alphas[nextAlpha++];
    if (kind->params >= 2 && nextBeta < betas.size())
      f.beta = betas[nextBeta++];
    result.push_back(f);
  }
  return result;
}

Value Importer::activate(const Activation &f, Value x, std::optional<float> clip) {
  Type elem = typeOf(x).getElementType();
  Type type = x.getType();
  auto scalar = [&](double v) { return constScalar(elem, v); };
  if (clip)
    x = binary<g::MaxOp>(binary<g::MinOp>(x, scalar(*clip)), scalar(-*clip));
  StringRef name = f.name;
  if (name == "Relu")
    return create<g::ReluOp>(type, x);
  if (name == "Tanh")
    return create<g::TanhOp>(type, x);
  if (name == "Sigmoid")
    return create<g::SigmoidOp>(type, x);
  if (name == "Affine")
    return binary<g::AddOp>(binary<g::MulOp>(x, scalar(f.alpha)), scalar(f.beta));
  if (name == "LeakyRelu")
    return select(binary<g::LessOp>(x, scalar(0)), binary<g::MulOp>(x, scalar(f.alpha)), x);
  if (name == "ThresholdedRelu")
    return select(binary<g::LessOp>(x, scalar(f.alpha)), scalar(0), x);
  if (name == "ScaledTanh")
    return binary<g::MulOp>(create<g::TanhOp>(type, binary<g::MulOp>(x, scalar(f.beta))),
                            scalar(f.alpha));
  if (name == "HardSigmoid") {
    Value y = binary<g::AddOp>(binary<g::MulOp>(x, scalar(f.alpha)), scalar(f.beta));
    return binary<g::MinOp>(binary<g::MaxOp>(y, scalar(0)), scalar(1));
  }
  if (name == "Elu") {
    Value negative = binary<g::MulOp>(binary<g::SubOp>(create<g::ExpOp>(type, x), scalar(1)),
                                      scalar(f.alpha));
    return select(binary<g::LessOp>(x, scalar(0)), negative, x);
  }
  if (name == "Softsign")
    return binary<g::DivOp>(x, binary<g::AddOp>(create<g::AbsOp>(type, x), scalar(1)));
  assert(name == "Softplus" && "recurrentActivations() accepts these names only");
  // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), without overflow.
  Value tail = create<g::ExpOp>(type, create<g::NegOp>(type, create<g::AbsOp>(type, x)));
  return binary<g::AddOp>(create<g::ReluOp>(type, x),
                          create<g::LogOp>(type, binary<g::AddOp>(tail, scalar(1))));
}

// ReverseSequence: along time_axis, batch entry b's first lens[b] elements
// reversed and the rest kept, as one gather_elements whose index is
// t < lens[b] ? lens[b] - 1 - t : t (computed at run time when the lengths
// are an input).
LogicalResult Importer::importReverseSequence() {
  FailureOr<Value> x = input(0), lens = input(1);
  if (failed(x) || failed(lens))
    return failure();
  RankedTensorType type = typeOf(*x);
  const int64_t rank = type.getRank();
  const int64_t batchAxis = attrInt("batch_axis", 1), timeAxis = attrInt("time_axis", 0);
  if (rank < 2)
    return error() << "input must have rank 2 or more, not " << rank;
  if (!((batchAxis == 0 && timeAxis == 1) || (batchAxis == 1 && timeAxis == 0)))
    return error() << "batch_axis and time_axis must be 0 and 1 in some order, not " << batchAxis
                   << " and " << timeAxis;
  const int64_t batch = type.getDimSize(batchAxis), steps = type.getDimSize(timeAxis);
  RankedTensorType lensType = typeOf(*lens);
  if (lensType.getShape() != ArrayRef<int64_t>{batch} || !lensType.getElementType().isInteger(64))
    return error() << "sequence_lens must be i64 of shape [" << batch << "], not "
                   << shapeText(lensType.getShape());
  SmallVector<int64_t> timeShape(rank, 1), batchShape(rank, 1);
  timeShape[timeAxis] = steps;
  batchShape[batchAxis] = batch;
  std::vector<int64_t> iota(steps);
  for (int64_t t = 0; t < steps; ++t)
    iota[t] = t;
  Value t = constI64(iota, timeShape);
  Value l = reshape(*lens, batchShape);
  Value reversed = binary<g::SubOp>(binary<g::SubOp>(l, constI64({1}, {})), t);
  Value index = select(binary<g::LessOp>(t, l), reversed, t);
  index = create<g::ExpandOp>(tensor(type.getShape(), b.getIntegerType(64)), index);
  return setOutput(0, create<g::GatherElementsOp>(type, *x, index,
                                                  b.getI64IntegerAttr(timeAxis)));
}

LogicalResult Importer::importRecurrent(const onnx::NodeProto &n) {
  const std::string &op = n.op_type();
  const bool isGru = op == "GRU", isLstm = op == "LSTM";
  const int64_t gates = isLstm ? 4 : isGru ? 3 : 1;
  FailureOr<Value> xIn = input(0), wIn = input(1), rIn = input(2);
  if (failed(xIn) || failed(wIn) || failed(rIn))
    return failure();
  auto optional = [&](unsigned i) -> FailureOr<Value> {
    if (!hasInput(i))
      return Value();
    return input(i);
  };
  FailureOr<Value> bIn = optional(3), lensIn = optional(4), h0In = optional(5),
                   c0In = isLstm ? optional(6) : FailureOr<Value>(Value()),
                   pIn = isLstm ? optional(7) : FailureOr<Value>(Value());
  if (failed(bIn) || failed(lensIn) || failed(h0In) || failed(c0In) || failed(pIn))
    return failure();

  std::string direction = attr("direction") ? attr("direction")->s() : "forward";
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return error() << "direction '" << direction
                   << "' is not one of forward, reverse, bidirectional";
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;
  const int64_t layout = attrInt("layout", 0);
  if (layout != 0 && layout != 1)
    return error() << "layout " << layout << " is not 0 or 1";

  auto xt = typeOf(*xIn);
  Type elem = xt.getElementType();
  if (!elem.isF32())
    return error() << "element type " << elem << " is not supported (f32 only)";
  if (xt.getRank() != 3)
    return error() << "X must have rank 3, not " << xt.getRank();
  Value x = layout ? transpose(*xIn, {1, 0, 2}) : *xIn;
  const int64_t steps = typeOf(x).getDimSize(0), batch = typeOf(x).getDimSize(1),
                inputSize = typeOf(x).getDimSize(2);
  auto rs = typeOf(*rIn).getShape();
  if (rs.size() != 3)
    return error() << "R must have rank 3, not " << rs.size();
  const int64_t hidden = attrInt("hidden_size", rs[2]);
  if (hidden <= 0 || hidden != rs[2])
    return error() << "hidden_size " << hidden << " must be positive and R's last dimension ("
                   << rs[2] << ")";
  const int64_t width = gates * hidden;
  auto expectShape = [&](Value v, ArrayRef<int64_t> shape, StringRef what) -> LogicalResult {
    if (!v)
      return success();
    if (typeOf(v).getElementType() != elem && what != "sequence_lens")
      return error() << what << " has element type " << typeOf(v).getElementType()
                     << ", X has " << elem;
    if (typeOf(v).getShape() == shape)
      return success();
    return error() << what << " has shape " << shapeText(typeOf(v).getShape()) << ", expected "
                   << shapeText(shape) << " (hidden_size " << hidden << ", " << dirs
                   << " direction(s), layout " << layout << ")";
  };
  SmallVector<int64_t> stateShape =
      layout ? SmallVector<int64_t>{batch, dirs, hidden} : SmallVector<int64_t>{dirs, batch, hidden};
  if (failed(expectShape(*wIn, {dirs, width, inputSize}, "W")) ||
      failed(expectShape(*rIn, {dirs, width, hidden}, "R")) ||
      failed(expectShape(*bIn, {dirs, 2 * width}, "B")) ||
      failed(expectShape(*lensIn, {batch}, "sequence_lens")) ||
      failed(expectShape(*h0In, stateShape, "initial_h")) ||
      failed(expectShape(*c0In, stateShape, "initial_c")) ||
      failed(expectShape(*pIn, {dirs, 3 * hidden}, "P")))
    return failure();
  if (steps == 0)
    return error() << "the sequence is empty (seq_length 0)";
  // Each step is a copy of the cell in the program.
  if (steps > kMaxSteps)
    return error() << "seq_length " << steps << " is more steps than lmc unrolls (" << kMaxSteps
                   << ")";

  // sequence_lens: all equal to seq_length needs nothing; otherwise each
  // batch entry keeps its state (and writes zeros to Y) past its length.
  Value lens = *lensIn;
  if (lens) {
    Type lt = typeOf(lens).getElementType();
    if (!lt.isInteger(32) && !lt.isInteger(64))
      return error() << "sequence_lens must be int32";
    if (auto known = constInts(lens)) {
      for (int64_t len : *known)
        if (len < 0 || len > steps)
          return error() << "sequence_lens holds " << len << ", outside [0, seq_length "
                         << steps << "]";
      if (llvm::all_of(*known, [&](int64_t len) { return len == steps; }))
        lens = Value();
    }
  }

  std::optional<float> clip;
  if (const auto *c = attr("clip")) {
    if (!(c->f() > 0))
      return error() << "clip " << c->f() << " must be positive";
    clip = c->f();
  }
  const bool linearBeforeReset = isGru && attrInt("linear_before_reset", 0) != 0;
  const bool inputForget = isLstm && attrInt("input_forget", 0) != 0;
  SmallVector<StringRef> defaults;
  if (isLstm)
    defaults = {"Sigmoid", "Tanh", "Tanh"};
  else if (isGru)
    defaults = {"Sigmoid", "Tanh"};
  else
    defaults = {"Tanh"};
  FailureOr<SmallVector<Activation>> acts = recurrentActivations(defaults, dirs);
  if (failed(acts))
    return failure();

  // The states as [dirs, batch, hidden].
  auto initial = [&](Value v) -> Value {
    if (!v)
      return {};
    return layout ? transpose(v, {1, 0, 2}) : v;
  };
  Value h0 = initial(*h0In), c0 = initial(*c0In);
  auto zeros = [&](ArrayRef<int64_t> shape) -> Value {
    auto type = tensor(shape, elem);
    return b.create<g::ConstantOp>(loc, type, DenseElementsAttr::get(type, 0.0f));
  };
  // Row `d` of a [dirs, a, c] (or [dirs, a]) tensor without its first axis.
  auto direction3 = [&](Value v, int64_t d) {
    auto s = typeOf(v).getShape();
    SmallVector<int64_t> starts(s.size(), 0), sizes(s);
    starts[0] = d;
    sizes[0] = 1;
    return reshape(slice(v, starts, sizes), ArrayRef<int64_t>(s).drop_front());
  };
  // Columns [k * hidden, (k + count) * hidden) of a [rows, ...] matrix.
  auto gate = [&](Value m, int64_t k, int64_t count = 1) {
    int64_t rows = typeOf(m).getDimSize(0);
    return slice(m, {0, k * hidden}, {rows, count * hidden});
  };
  // Operands checked above: the products are well-formed f32 matmuls.
  auto mm = [&](Value a, Value bt) { return *matmul(a, bt); };

  const Activation *f = acts->data();
  SmallVector<SmallVector<Value>> hs(dirs);  // per direction, in time order
  SmallVector<Value> hLast, cLast;
  Value xFlat = reshape(x, {steps * batch, inputSize});
  for (int64_t d = 0; d < dirs; ++d) {
    const bool reverse = direction == "reverse" || d == 1;
    const Activation *fd = f + d * defaults.size();
    Value wT = transpose(direction3(*wIn, d), {1, 0});
    Value rT = transpose(direction3(*rIn, d), {1, 0});  // [hidden, width]
    // The input projections of every step in one product: [steps, batch, width].
    Value xw = mm(xFlat, wT);
    Value wb, rb;
    if (*bIn) {
      Value bd = direction3(*bIn, d);
      wb = slice(bd, {0}, {width});
      rb = slice(bd, {width}, {width});
      // GRU adds R's bias inside the reset gate's product; the others fold it.
      xw = binary<g::AddOp>(xw, isGru ? wb : binary<g::AddOp>(wb, rb));
    }
    xw = reshape(xw, {steps, batch, width});
    Value h = h0 ? direction3(h0, d) : zeros({batch, hidden});
    Value c = isLstm ? (c0 ? direction3(c0, d) : zeros({batch, hidden})) : Value();
    Value p = *pIn ? direction3(*pIn, d) : Value();
    Value rzrT, rhT;  // GRU without linear_before_reset: R's update/reset and hidden parts
    if (isGru && !linearBeforeReset) {
      rzrT = gate(rT, 0, 2);
      rhT = gate(rT, 2);
    }
    hs[d].assign(steps, Value());
    for (int64_t k = 0; k < steps; ++k) {
      int64_t t = reverse ? steps - 1 - k : k;
      Value xt = reshape(slice(xw, {t, 0, 0}, {1, batch, width}), {batch, width});
      Value hNew, cNew;
      if (!isGru && !isLstm) {
        hNew = activate(fd[0], binary<g::AddOp>(xt, mm(h, rT)), clip);
      } else if (isGru) {
        // Gates z, r, h; Ht = (1 - z) h~ + z Ht-1 = h~ + z (Ht-1 - h~).
        Value hr = mm(h, linearBeforeReset ? rT : rzrT);
        if (rb)
          hr = binary<g::AddOp>(hr, linearBeforeReset ? rb : slice(rb, {0}, {2 * hidden}));
        Value z = activate(fd[0], binary<g::AddOp>(gate(xt, 0), gate(hr, 0)), clip);
        Value reset = activate(fd[0], binary<g::AddOp>(gate(xt, 1), gate(hr, 1)), clip);
        Value hh;
        if (linearBeforeReset) {
          hh = binary<g::MulOp>(reset, gate(hr, 2));
        } else {
          hh = mm(binary<g::MulOp>(reset, h), rhT);
          if (rb)
            hh = binary<g::AddOp>(hh, slice(rb, {2 * hidden}, {hidden}));
        }
        Value candidate = activate(fd[1], binary<g::AddOp>(gate(xt, 2), hh), clip);
        hNew = binary<g::AddOp>(candidate,
                                binary<g::MulOp>(z, binary<g::SubOp>(h, candidate)));
      } else {
        // Gates i, o, f, c; peepholes P = [Pi, Po, Pf].
        Value all = binary<g::AddOp>(xt, mm(h, rT));
        auto peep = [&](Value pre, int64_t which, Value state) {
          if (!p)
            return pre;
          Value pw = slice(p, {which * hidden}, {hidden});
          return binary<g::AddOp>(pre, binary<g::MulOp>(pw, state));
        };
        Value i = activate(fd[0], peep(gate(all, 0), 0, c), clip);
        Value fg = inputForget ? binary<g::SubOp>(constScalar(elem, 1), i)
                               : activate(fd[0], peep(gate(all, 2), 2, c), clip);
        Value cc = activate(fd[1], gate(all, 3), clip);
        cNew = binary<g::AddOp>(binary<g::MulOp>(fg, c), binary<g::MulOp>(i, cc));
        Value o = activate(fd[0], peep(gate(all, 1), 1, cNew), clip);
        hNew = binary<g::MulOp>(o, activate(fd[2], cNew, std::nullopt));
      }
      Value y = hNew;
      if (lens) {
        Value tv = constScalar(typeOf(lens).getElementType(), t);
        Value live = reshape(binary<g::LessOp>(tv, lens), {batch, 1});
        hNew = select(live, hNew, h);
        if (cNew)
          cNew = select(live, cNew, c);
        y = select(live, y, constScalar(elem, 0));
      }
      hs[d][t] = y;
      h = hNew;
      c = cNew;
    }
    hLast.push_back(reshape(h, {1, batch, hidden}));
    if (isLstm)
      cLast.push_back(reshape(c, {1, batch, hidden}));
  }

  auto wanted = [&](int k) { return n.output_size() > k && !n.output(k).empty(); };
  if (wanted(0)) {
    SmallVector<Value> perStep;
    for (int64_t t = 0; t < steps; ++t) {
      SmallVector<Value> perDir;
      for (int64_t d = 0; d < dirs; ++d)
        perDir.push_back(reshape(hs[d][t], {1, 1, batch, hidden}));
      perStep.push_back(concat(perDir, 1));
    }
    Value y = concat(perStep, 0);  // [steps, dirs, batch, hidden]
    if (failed(setOutput(0, layout ? transpose(y, {2, 0, 1, 3}) : y)))
      return failure();
  }
  auto state = [&](ArrayRef<Value> last) {
    Value s = concat(last, 0);  // [dirs, batch, hidden]
    return layout ? transpose(s, {1, 0, 2}) : s;
  };
  if (wanted(1) && failed(setOutput(1, state(hLast))))
    return failure();
  if (isLstm && wanted(2) && failed(setOutput(2, state(cLast))))
    return failure();
  return success();
}

}  // namespace lmc::import
