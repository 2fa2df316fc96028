// Einsum: diagonals as strided slices, sums as reduce_sum, each pairwise
// contraction as one batched matmul between transposes and reshapes.
#include <algorithm>
#include <map>

#include "compiler/Import/Importer.h"

namespace lmc::import {

namespace {

// A label is a letter's code, or kEllipsis + k for the k-th (right-aligned)
// dimension that the operands' "..." cover.
constexpr int64_t kEllipsis = 1000;

struct Term {
  SmallVector<int64_t> letters;  // kEllipsis marks where "..." stands
  bool ellipsis = false;
};

bool parseTerm(StringRef text, Term &term) {
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (term.ellipsis || !text.substr(i).starts_with("..."))
        return false;
      term.ellipsis = true;
      term.letters.push_back(kEllipsis);
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      term.letters.push_back(c);
    } else {
      return false;
    }
  }
  return true;
}

// A term's labels for an operand of `rank` with "..." expanded to the last
// `count` of the `total` ellipsis labels.
SmallVector<int64_t> expand(const Term &term, int64_t count, int64_t total) {
  SmallVector<int64_t> labels;
  for (int64_t l : term.letters) {
    if (l != kEllipsis) {
      labels.push_back(l);
      continue;
    }
    for (int64_t k = total - count; k < total; ++k)
      labels.push_back(kEllipsis + k);
  }
  return labels;
}

}  // namespace

LogicalResult Importer::importEinsum(const onnx::NodeProto &n) {
  const auto *eqAttr = attr("equation");
  if (!eqAttr)
    return error() << "the equation attribute is missing";
  std::string eq;
  for (char c : eqAttr->s())
    if (!std::isspace(static_cast<unsigned char>(c)))
      eq += c;
  StringRef lhs = eq, rhs;
  size_t arrow = eq.find("->");
  bool explicitOut = arrow != std::string::npos;
  if (explicitOut) {
    lhs = StringRef(eq).take_front(arrow);
    rhs = StringRef(eq).drop_front(arrow + 2);
  }
  SmallVector<StringRef> termText;
  lhs.split(termText, ',');
  if (termText.size() != numInputs())
    return error() << "equation '" << eqAttr->s() << "' names " << termText.size()
                   << " operand(s) but the node has " << numInputs() << " input(s)";

  struct Operand {
    Value v;
    SmallVector<int64_t> labels;
  };
  SmallVector<Operand> ops;
  SmallVector<Term> terms;
  int64_t ellipsisRank = 0;
  for (unsigned i = 0; i < numInputs(); ++i) {
    FailureOr<Value> v = input(i);
    if (failed(v))
      return failure();
    Term term;
    if (!parseTerm(termText[i], term))
      return error() << "equation '" << eqAttr->s() << "': term '" << termText[i]
                     << "' is not letters with at most one '...'";
    int64_t rank = typeOf(*v).getRank(), named = term.letters.size() - term.ellipsis;
    if (term.ellipsis ? named > rank : named != rank)
      return error() << "equation '" << eqAttr->s() << "': term '" << termText[i] << "' has "
                     << named << " letter(s) for input " << i << " of rank " << rank;
    if (term.ellipsis)
      ellipsisRank = std::max(ellipsisRank, rank - named);
    terms.push_back(term);
    ops.push_back({*v, {}});
  }
  Type elem = typeOf(ops.front().v).getElementType();
  std::map<int64_t, int64_t> sizes;
  std::map<int64_t, int> uses;
  for (auto [op, term] : llvm::zip(ops, terms)) {
    if (typeOf(op.v).getElementType() != elem)
      return error() << "the inputs differ in element type";
    int64_t rank = typeOf(op.v).getRank();
    op.labels = expand(term, rank - (int64_t(term.letters.size()) - term.ellipsis), ellipsisRank);
    for (auto [label, size] : llvm::zip(op.labels, typeOf(op.v).getShape())) {
      ++uses[label];
      auto [it, fresh] = sizes.try_emplace(label, size);
      if (fresh || it->second == size)
        continue;
      // Dimensions under "..." broadcast; letters must agree.
      if (label >= kEllipsis && (it->second == 1 || size == 1)) {
        it->second = std::max(it->second, size);
        continue;
      }
      return error() << "equation '" << eqAttr->s() << "': "
                     << (label >= kEllipsis ? std::string("a dimension under '...'")
                                            : "label '" + std::string(1, char(label)) + "'")
                     << " has sizes " << it->second << " and " << size;
    }
  }

  SmallVector<int64_t> out;
  if (explicitOut) {
    Term term;
    if (!parseTerm(rhs, term))
      return error() << "equation '" << eqAttr->s() << "': the output '" << rhs
                     << "' is not letters with at most one '...'";
    out = expand(term, ellipsisRank, ellipsisRank);
  } else {
    // numpy's implicit output: "..." then the letters used once, sorted.
    for (int64_t k = 0; k < ellipsisRank; ++k)
      out.push_back(kEllipsis + k);
    for (auto [label, count] : uses)
      if (label < kEllipsis && count == 1)
        out.push_back(label);
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (!sizes.count(out[i]))
      return error() << "equation '" << eqAttr->s() << "': output label '" << char(out[i])
                     << "' is in no input";
    if (llvm::is_contained(ArrayRef<int64_t>(out).take_front(i), out[i]))
      return error() << "equation '" << eqAttr->s() << "': output label '" << char(out[i])
                     << "' is repeated";
  }

  auto permuted = [&](Operand &op, ArrayRef<int64_t> order) {
    SmallVector<int64_t> perm;
    for (int64_t l : order)
      perm.push_back(llvm::find(op.labels, l) - op.labels.begin());
    bool identity = llvm::equal(perm, llvm::seq<int64_t>(0, perm.size()));
    op.v = identity ? op.v : transpose(op.v, perm);
    op.labels.assign(order.begin(), order.end());
  };
  // Sums the labels of `op` that `keep` does not hold.
  auto reduce = [&](Operand &op, auto keep) {
    SmallVector<int64_t> axes, shape, labels;
    for (auto [d, l] : llvm::enumerate(op.labels)) {
      if (keep(l)) {
        shape.push_back(typeOf(op.v).getDimSize(d));
        labels.push_back(l);
      } else {
        axes.push_back(d);
      }
    }
    if (axes.empty())
      return;
    op.v = create<g::ReduceSumOp>(tensor(shape, elem), op.v, b.getDenseI64ArrayAttr(axes),
                                  b.getBoolAttr(false));
    op.labels = labels;
  };
  // Broadcasts a dimension of size 1 under "..." to the label's size.
  auto broadcast = [&](Operand &op) {
    SmallVector<int64_t> shape;
    for (int64_t l : op.labels)
      shape.push_back(sizes[l]);
    if (ArrayRef<int64_t>(shape) != typeOf(op.v).getShape())
      op.v = create<g::ExpandOp>(tensor(shape, elem), op.v);
  };

  // Repeated labels within an operand: the diagonal, a strided slice of the
  // two axes flattened into one.
  for (Operand &op : ops) {
    for (size_t p = 0; p < op.labels.size(); ++p) {
      int64_t label = op.labels[p];
      auto second = llvm::find(ArrayRef<int64_t>(op.labels).drop_front(p + 1), label);
      if (second == op.labels.end())
        continue;
      int64_t q = second - op.labels.begin(), size = typeOf(op.v).getDimSize(p);
      if (typeOf(op.v).getDimSize(q) != size)
        return error() << "equation '" << eqAttr->s() << "': a repeated label spans sizes "
                       << size << " and " << typeOf(op.v).getDimSize(q);
      SmallVector<int64_t> others, perm;
      for (size_t d = 0; d < op.labels.size(); ++d) {
        if (d == p || static_cast<int64_t>(d) == q)
          continue;
        others.push_back(op.labels[d]);
        perm.push_back(d);
      }
      perm.push_back(p);
      perm.push_back(q);
      Value t = transpose(op.v, perm);
      SmallVector<int64_t> flat(typeOf(t).getShape().drop_back(2));
      flat.push_back(size * size);
      Value f = reshape(t, flat);
      SmallVector<int64_t> starts(flat.size(), 0), steps(flat.size(), 1), shape(flat);
      steps.back() = size + 1;
      shape.back() = size;
      op.v = create<g::SliceOp>(tensor(shape, elem), f, b.getDenseI64ArrayAttr(starts),
                                b.getDenseI64ArrayAttr(steps));
      others.push_back(label);
      op.labels = others;
      p = static_cast<size_t>(-1);  // start over: the order changed
    }
  }

  auto inOutput = [&](int64_t l) { return llvm::is_contained(out, l); };
  Operand acc = ops.front();
  for (size_t j = 1; j < ops.size(); ++j) {
    // Labels still needed after this step: the output's and the later operands'.
    auto later = [&](int64_t l) {
      if (inOutput(l))
        return true;
      for (size_t k = j + 1; k < ops.size(); ++k)
        if (llvm::is_contained(ops[k].labels, l))
          return true;
      return false;
    };
    Operand &rhsOp = ops[j];
    auto inA = [&](int64_t l) { return llvm::is_contained(acc.labels, l); };
    auto inB = [&](int64_t l) { return llvm::is_contained(rhsOp.labels, l); };
    reduce(acc, [&](int64_t l) { return inB(l) || later(l); });
    reduce(rhsOp, [&](int64_t l) { return inA(l) || later(l); });
    SmallVector<int64_t> batch, aOnly, bOnly, contracted;
    for (int64_t l : acc.labels)
      (inB(l) ? (later(l) ? batch : contracted) : aOnly).push_back(l);
    for (int64_t l : rhsOp.labels)
      if (!inA(l))
        bOnly.push_back(l);
    // Label products saturate at 2^62: the checks below reject them.
    auto product = [&](ArrayRef<int64_t> labels) {
      int64_t p = 1;
      for (int64_t l : labels)
        if (__builtin_mul_overflow(p, sizes[l], &p) || p > (int64_t(1) << 62))
          return int64_t(1) << 62;
      return p;
    };
    int64_t pb = product(batch), pm = product(aOnly), pk = product(contracted),
            pn = product(bOnly);
    if (tooManyElements({pb, pm, pk}) || tooManyElements({pb, pk, pn}) ||
        tooManyElements({pb, pm, pn, elem.isF32() ? 1 : pk}))
      return error() << "equation '" << eqAttr->s()
                     << "': an intermediate product has more elements than lmc can hold (2^40)";
    broadcast(acc);
    broadcast(rhsOp);
    SmallVector<int64_t> aOrder(batch), bOrder(batch);
    aOrder.append(aOnly);
    aOrder.append(contracted);
    bOrder.append(contracted);
    bOrder.append(bOnly);
    permuted(acc, aOrder);
    permuted(rhsOp, bOrder);
    Value mm;
    if (elem.isF32()) {
      mm = *matmul(reshape(acc.v, {pb, pm, pk}), reshape(rhsOp.v, {pb, pk, pn}));
    } else {
      // No matmul on other types: the products broadcast, then summed over k.
      Value prod = binary<g::MulOp>(reshape(acc.v, {pb, pm, pk, 1}), reshape(rhsOp.v, {pb, 1, pk, pn}));
      mm = create<g::ReduceSumOp>(tensor({pb, pm, pn}, elem), prod, b.getDenseI64ArrayAttr({2}),
                                  b.getBoolAttr(false));
    }
    SmallVector<int64_t> labels(batch), shape;
    labels.append(aOnly);
    labels.append(bOnly);
    for (int64_t l : labels)
      shape.push_back(sizes[l]);
    acc = {reshape(mm, shape), labels};
  }
  reduce(acc, inOutput);
  broadcast(acc);
  permuted(acc, out);
  return setOutput(0, acc.v);
}

}  // namespace lmc::import
