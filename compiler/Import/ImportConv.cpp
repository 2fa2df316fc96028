// ONNX convolution, pooling and normalization operators: Conv,
// ConvTranspose, MaxPool, AveragePool, the global pools, BatchNormalization,
// InstanceNormalization and LRN. Convolutions and poolings are a `window`
// (the sliding windows, im2col) followed by a matmul or a reduction, so the
// arithmetic runs in kernels every target already tiles.
#include <cmath>
#include <limits>

#include "compiler/Import/Importer.h"

namespace lmc::import {

Value Importer::constFloats(ArrayRef<double> values, ArrayRef<int64_t> shape, Type elem) {
  g::HostTensor t = g::HostTensor::zeros(tensor(shape, elem));
  t.f.assign(values.begin(), values.end());
  DenseElementsAttr attr = t.toAttr();
  return b.create<g::ConstantOp>(loc, attr.getType(), attr);
}

Value Importer::gatherAxis(Value x, int64_t axis, ArrayRef<int64_t> indices) {
  SmallVector<int64_t> shape(typeOf(x).getShape());
  shape[axis] = static_cast<int64_t>(indices.size());
  return create<g::GatherOp>(tensor(shape, typeOf(x).getElementType()), x,
                             constI64(indices, {static_cast<int64_t>(indices.size())}),
                             b.getI64IntegerAttr(axis));
}

// The per-axis attribute `name` with one entry per spatial axis, or
// `fallback` repeated when absent.
FailureOr<SmallVector<int64_t>> Importer::spatialAttr(const std::string &name, size_t count,
                                                      int64_t fallback, int64_t min) {
  SmallVector<int64_t> v(count, fallback);
  if (auto a = attrInts(name)) {
    if (a->size() != count) {
      error() << name << " has " << a->size() << " entries; expected " << count
              << " (one per spatial axis)";
      return failure();
    }
    v.assign(a->begin(), a->end());
  }
  for (int64_t x : v)
    if (x < min || x > (int64_t(1) << 30)) {
      error() << name << " value " << x << " is outside [" << min << ", 2^30]";
      return failure();
    }
  return v;
}

FailureOr<Importer::WindowGeometry> Importer::windowGeometry(ArrayRef<int64_t> in,
                                                             ArrayRef<int64_t> kernel,
                                                             bool ceilMode) {
  const size_t s = in.size();
  WindowGeometry g;
  g.kernel.assign(kernel.begin(), kernel.end());
  auto strides = spatialAttr("strides", s, 1, 1), dilations = spatialAttr("dilations", s, 1, 1);
  if (failed(strides) || failed(dilations))
    return failure();
  g.strides = *strides;
  g.dilations = *dilations;
  g.inputDilations.assign(s, 1);
  std::string autoPad = "NOTSET";
  if (const auto *a = attr("auto_pad"))
    autoPad = a->s();
  SmallVector<int64_t> pads(2 * s, 0);
  if (autoPad == "NOTSET") {
    if (auto p = attrInts("pads")) {
      if (p->size() != 2 * s) {
        error() << "pads has " << p->size() << " entries; expected " << 2 * s
                << " (begin and end of each spatial axis)";
        return failure();
      }
      pads.assign(p->begin(), p->end());
    }
  } else if (autoPad != "VALID" && autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") {
    error() << "auto_pad '" << autoPad
            << "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID";
    return failure();
  }
  for (size_t i = 0; i < s; ++i) {
    int64_t span = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (in[i] + g.strides[i] - 1) / g.strides[i];
      int64_t total = std::max<int64_t>(0, (out - 1) * g.strides[i] + span - in[i]);
      int64_t small = total / 2;
      pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
      pads[i + s] = total - pads[i];
    }
    if (pads[i] < 0 || pads[i + s] < 0 || pads[i] > (int64_t(1) << 30) ||
        pads[i + s] > (int64_t(1) << 30)) {
      error() << "pads must lie in [0, 2^30]";
      return failure();
    }
    int64_t room = in[i] + pads[i] + pads[i + s] - span;
    if (room < 0) {
      error() << "the window (" << span << " elements along spatial axis " << i
              << ") is larger than the padded input (" << in[i] + pads[i] + pads[i + s] << ")";
      return failure();
    }
    int64_t out = room / g.strides[i] + 1;
    // ceil_mode: a last, partial window, unless it would start in the end
    // padding (PyTorch's and ONNX Runtime's rule).
    if (ceilMode && room % g.strides[i] != 0 && (out * g.strides[i]) < in[i] + pads[i])
      ++out;
    g.padsBegin.push_back(pads[i]);
    g.padsEnd.push_back(pads[i + s]);
    g.out.push_back(out);
  }
  return g;
}

// The windows of an [n, c, ...] input must fit what lmc can lay out (2^40
// elements), like every tensor.
LogicalResult Importer::checkWindowSize(const WindowGeometry &g, int64_t n, int64_t c) {
  int64_t count = n * c;
  for (size_t i = 0; i < g.kernel.size(); ++i)
    if (__builtin_mul_overflow(count, g.kernel[i], &count) ||
        __builtin_mul_overflow(count, g.out[i], &count) || count > (int64_t(1) << 40))
      return error() << "the sliding windows would have more elements than lmc can hold (2^40)";
  return success();
}

Value Importer::window(Value x, const WindowGeometry &g, double padValue) {
  auto type = typeOf(x);
  int64_t k = 1, p = 1;
  for (size_t i = 0; i < g.kernel.size(); ++i) {
    k *= g.kernel[i];
    p *= g.out[i];
  }
  auto result =
      tensor({type.getDimSize(0), type.getDimSize(1), k, p}, type.getElementType());
  return create<g::WindowOp>(result, x, b.getDenseI64ArrayAttr(g.kernel),
                             b.getDenseI64ArrayAttr(g.strides), b.getDenseI64ArrayAttr(g.dilations),
                             b.getDenseI64ArrayAttr(g.padsBegin),
                             b.getDenseI64ArrayAttr(g.inputDilations),
                             b.getDenseI64ArrayAttr(g.out), b.getF64FloatAttr(padValue));
}

// [N, C, spatial...] with rank 3 to 5, or an error naming the operand.
LogicalResult Importer::checkImage(Value x, const char *what) {
  auto type = typeOf(x);
  if (type.getRank() < 3 || type.getRank() > 5)
    return error() << what << " has shape " << shapeText(type.getShape())
                   << "; expected [N, C, D1 (, D2 (, D3))] with 1 to 3 spatial axes";
  return success();
}

// Conv and ConvTranspose: a window of the input (for ConvTranspose over
// the input dilated by the strides, with the kernel flipped) times the
// weights as [G, M/G, C/G * K], a batched matmul per group.
LogicalResult Importer::importConv(bool transposed) {
  FailureOr<Value> x = input(0), w = input(1);
  if (failed(x) || failed(w) || failed(checkImage(*x, "the input X")))
    return failure();
  auto xt = typeOf(*x), wt = typeOf(*w);
  Type elem = xt.getElementType();
  if (!elem.isF32() || wt.getElementType() != elem)
    return error() << "X and W must both be float32 (got " << elem << " and "
                   << wt.getElementType() << ")";
  const int64_t s = xt.getRank() - 2, n = xt.getDimSize(0), c = xt.getDimSize(1);
  if (wt.getRank() != xt.getRank())
    return error() << "W has shape " << shapeText(wt.getShape()) << "; expected rank "
                   << xt.getRank();
  const int64_t groups = attrInt("group", 1);
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  if (auto ks = attrInts("kernel_shape"); ks && ArrayRef<int64_t>(*ks) != ArrayRef<int64_t>(kernel))
    return error() << "kernel_shape " << shapeText(*ks) << " differs from W's spatial shape "
                   << shapeText(kernel);
  // Output channels M; the weights' channel axes are [M, C/G] (Conv) or
  // [C, M/G] (ConvTranspose).
  const int64_t m = transposed ? wt.getDimSize(1) * groups : wt.getDimSize(0);
  const int64_t wIn = transposed ? wt.getDimSize(0) : wt.getDimSize(1) * groups;
  if (groups < 1 || c % groups != 0 || m % groups != 0 || wIn != c)
    return error() << "W has shape " << shapeText(wt.getShape()) << ", which does not fit "
                   << c << " input channels in " << groups << " group(s)";
  if (llvm::any_of(kernel, [](int64_t k) { return k < 1; }))
    return error() << "W has an empty kernel " << shapeText(kernel);

  SmallVector<int64_t> in(xt.getShape().drop_front(2));
  WindowGeometry g;
  if (!transposed) {
    FailureOr<WindowGeometry> geo = windowGeometry(in, kernel, false);
    if (failed(geo))
      return failure();
    g = *geo;
  } else {
    auto strides = spatialAttr("strides", s, 1, 1), dilations = spatialAttr("dilations", s, 1, 1);
    auto outPad = spatialAttr("output_padding", s, 0, 0);
    if (failed(strides) || failed(dilations) || failed(outPad))
      return failure();
    std::string autoPad = attr("auto_pad") ? attr("auto_pad")->s() : "NOTSET";
    if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
        autoPad != "SAME_LOWER")
      return error() << "auto_pad '" << autoPad
                     << "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID";
    SmallVector<int64_t> pads(2 * s, 0);
    auto outputShape = attrInts("output_shape");
    if (outputShape && outputShape->size() == size_t(s + 2))
      outputShape->erase(outputShape->begin(), outputShape->begin() + 2);
    if (outputShape && outputShape->size() != size_t(s))
      return error() << "output_shape has " << outputShape->size() << " entries; expected " << s;
    if (outputShape || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      for (int64_t i = 0; i < s; ++i) {
        int64_t span = (kernel[i] - 1) * (*dilations)[i] + 1;
        int64_t target = outputShape ? (*outputShape)[i] : in[i] * (*strides)[i];
        int64_t total = (*strides)[i] * (in[i] - 1) + (*outPad)[i] + span - target;
        // The extra padding goes to the end for SAME_UPPER (and an explicit
        // output_shape), to the beginning for SAME_LOWER; a negative total
        // (an output_shape past the last input's reach) extends the end.
        pads[i] = autoPad == "SAME_LOWER" ? total - total / 2 : total / 2;
        pads[i + s] = total - pads[i];
      }
    } else if (autoPad == "NOTSET") {
      if (auto p = attrInts("pads")) {
        if (p->size() != size_t(2 * s))
          return error() << "pads has " << p->size() << " entries; expected " << 2 * s
                         << " (begin and end of each spatial axis)";
        pads.assign(p->begin(), p->end());
        if (llvm::any_of(pads, [](int64_t v) { return v < 0 || v > (int64_t(1) << 30); }))
          return error() << "pads must lie in [0, 2^30]";
      }
    }
    g.kernel = kernel;
    g.strides.assign(s, 1);
    g.dilations = *dilations;
    g.inputDilations = *strides;
    for (int64_t i = 0; i < s; ++i) {
      int64_t span = (kernel[i] - 1) * (*dilations)[i] + 1;
      if ((*outPad)[i] >= std::max((*strides)[i], (*dilations)[i]))
        return error() << "output_padding " << (*outPad)[i]
                       << " must be smaller than the stride or the dilation";
      if (std::abs(pads[i]) > (int64_t(1) << 30) || std::abs(pads[i + s]) > (int64_t(1) << 30))
        return error() << "output_shape is out of range";
      int64_t out = (*strides)[i] * (in[i] - 1) + (*outPad)[i] + span - pads[i] - pads[i + s];
      if (out < 1)
        return error() << "the output would be empty along spatial axis " << i;
      // Convolution over the dilated input with the flipped kernel.
      g.padsBegin.push_back(span - 1 - pads[i]);
      g.padsEnd.push_back(0);
      g.out.push_back(out);
    }
  }

  if (failed(checkWindowSize(g, n, c)))
    return failure();
  int64_t k = 1, p = 1;
  for (int64_t i = 0; i < s; ++i) {
    k *= g.kernel[i];
    p *= g.out[i];
  }
  // A 1x1 kernel with unit strides and no padding reads the input as it is.
  bool identity = llvm::all_of(g.kernel, [](int64_t v) { return v == 1; }) &&
                  llvm::all_of(g.strides, [](int64_t v) { return v == 1; }) &&
                  llvm::all_of(g.inputDilations, [](int64_t v) { return v == 1; }) &&
                  llvm::all_of(g.padsBegin, [](int64_t v) { return v == 0; }) &&
                  ArrayRef<int64_t>(g.out) == ArrayRef<int64_t>(in);
  Value cols = identity ? reshape(*x, {n, c, 1, p}) : window(*x, g, 0.0);
  const int64_t cg = c / groups, mg = m / groups;
  cols = reshape(cols, {n, groups, cg * k, p});

  Value weights = *w;
  if (transposed) {
    // [C, M/G, K] -> [G, C/G, M/G, K], the kernel reversed (every spatial
    // axis flipped is the row-major index reversed), -> [G, M/G, C/G, K].
    weights = reshape(weights, {groups, cg, mg, k});
    SmallVector<int64_t> reversed;
    for (int64_t j = k - 1; j >= 0; --j)
      reversed.push_back(j);
    weights = gatherAxis(weights, 3, reversed);
    weights = create<g::TransposeOp>(tensor({groups, mg, cg, k}, elem), weights,
                                     b.getDenseI64ArrayAttr({0, 2, 1, 3}));
  }
  weights = reshape(weights, {groups, mg, cg * k});
  SmallVector<int64_t> shape{n, m};
  shape.append(g.out.begin(), g.out.end());
  Value y;
  if (groups == 1) {
    // [N, P, C*K] (a transposed view of the windows) @ W^T [C*K, M]: the
    // weights are the matmul's B, which the cpu target packs and --quant
    // quantizes, and which tile targets keep stationary. [N, P, M] is
    // [N, spatial..., M], viewed as [N, M, spatial...] by a transpose.
    Value a = create<g::TransposeOp>(tensor({n, p, c * k}, elem), reshape(cols, {n, c * k, p}),
                                     b.getDenseI64ArrayAttr({0, 2, 1}));
    Value wT = create<g::TransposeOp>(tensor({c * k, m}, elem), reshape(weights, {m, c * k}),
                                      b.getDenseI64ArrayAttr({1, 0}));
    y = create<g::MatMulOp>(tensor({n, p, m}, elem), a, wT);
    SmallVector<int64_t> channelsLast{n};
    channelsLast.append(g.out.begin(), g.out.end());
    channelsLast.push_back(m);
    SmallVector<int64_t> perm{0, s + 1};
    for (int64_t i = 1; i <= s; ++i)
      perm.push_back(i);
    y = create<g::TransposeOp>(tensor(shape, elem), reshape(y, channelsLast),
                               b.getDenseI64ArrayAttr(perm));
  } else {
    // Per group, W [M/G, C/G*K] @ windows [C/G*K, P]: [N, G, M/G, P] is
    // [N, M, spatial...] as it is.
    y = reshape(create<g::MatMulOp>(tensor({n, groups, mg, p}, elem), weights, cols), shape);
  }
  if (hasInput(2)) {
    FailureOr<Value> bias = input(2);
    if (failed(bias))
      return failure();
    if (typeOf(*bias).getNumElements() != m || typeOf(*bias).getElementType() != elem)
      return error() << "B has shape " << shapeText(typeOf(*bias).getShape()) << "; expected ["
                     << m << "] float32";
    SmallVector<int64_t> bshape(shape.size() - 1, 1);
    bshape[0] = m;
    y = create<g::AddOp>(y.getType(), y, reshape(*bias, bshape));
  }
  return setOutput(0, y);
}

// MaxPool (with the optional Indices output) and AveragePool.
LogicalResult Importer::importPool(bool isMax) {
  FailureOr<Value> x = input(0);
  if (failed(x) || failed(checkImage(*x, "the input X")))
    return failure();
  auto xt = typeOf(*x);
  Type elem = xt.getElementType();
  bool isFloat = isa<FloatType>(elem);
  if (!(isFloat || (isMax && elem.isIntOrIndex() && !elem.isInteger(1))))
    return error() << "element type " << elem << " is not supported";
  const int64_t s = xt.getRank() - 2, n = xt.getDimSize(0), c = xt.getDimSize(1);
  auto kernel = attrInts("kernel_shape");
  if (!kernel || kernel->size() != size_t(s))
    return error() << "kernel_shape must have one entry per spatial axis (" << s << ")";
  for (int64_t v : *kernel)
    if (v < 1 || v > (int64_t(1) << 30))
      return error() << "kernel_shape value " << v << " is outside [1, 2^30]";
  SmallVector<int64_t> in(xt.getShape().drop_front(2));
  FailureOr<WindowGeometry> g = windowGeometry(in, *kernel, attrInt("ceil_mode", 0) != 0);
  if (failed(g) || failed(checkWindowSize(*g, n, c)))
    return failure();
  int64_t k = 1, p = 1;
  for (int64_t i = 0; i < s; ++i) {
    k *= g->kernel[i];
    p *= g->out[i];
  }
  SmallVector<int64_t> outShape{n, c};
  outShape.append(g->out.begin(), g->out.end());
  const double lowest = -std::numeric_limits<double>::infinity();
  Value win = window(*x, *g, isMax ? lowest : 0.0);
  auto reduced = tensor({n, c, 1, p}, elem);
  auto axis2 = b.getDenseI64ArrayAttr({2});
  if (isMax) {
    Value y = create<g::ReduceMaxOp>(reduced, win, axis2, b.getBoolAttr(true));
    if (failed(setOutput(0, reshape(y, outShape))))
      return failure();
    if (node->output_size() < 2 || node->output(1).empty())
      return success();
    // Indices: the flat index of each input element (row-major, or with
    // storage_order 1 column-major over the spatial axes), windowed like
    // the data; the smallest index among the window's maxima.
    int64_t storage = attrInt("storage_order", 0);
    if (storage != 0 && storage != 1)
      return error() << "storage_order " << storage << " is not 0 or 1";
    int64_t spatialCount = xt.getNumElements() / std::max<int64_t>(n * c, 1);
    std::vector<int64_t> flat(size_t(xt.getNumElements()));
    for (int64_t e = 0; e < xt.getNumElements(); ++e) {
      int64_t plane = e / std::max<int64_t>(spatialCount, 1), rest = e % std::max<int64_t>(spatialCount, 1);
      int64_t index = rest;
      if (storage == 1) {
        // Reverse the spatial multi-index's significance.
        SmallVector<int64_t> idx(s);
        for (int64_t i = s - 1; i >= 0; --i) {
          idx[i] = rest % in[i];
          rest /= in[i];
        }
        index = 0;
        for (int64_t i = s - 1; i >= 0; --i)
          index = index * in[i] + idx[i];
      }
      flat[size_t(e)] = plane * spatialCount + index;
    }
    auto i64 = b.getIntegerType(64);
    auto idxType = tensor(xt.getShape(), i64);
    Value ids = b.create<g::ConstantOp>(loc, idxType, DenseElementsAttr::get(idxType, ArrayRef<int64_t>(flat)));
    Value idWin = window(ids, *g, 0.0);
    auto winType = typeOf(win);
    Value isMaxMask = create<g::EqualOp>(tensor(winType.getShape(), b.getI1Type()), win, y);
    Value none = constI64({std::numeric_limits<int64_t>::max()}, {});
    Value cand = create<g::WhereOp>(typeOf(idWin), isMaxMask, idWin, none);
    Value idx = create<g::ReduceMinOp>(tensor({n, c, 1, p}, i64), cand, axis2, b.getBoolAttr(true));
    return setOutput(1, reshape(idx, outShape));
  }
  // AveragePool: the window sums divided by each window's count, which
  // counts the padding (count_include_pad) but never positions past it
  // (ceil_mode's partial windows), or only the input's own elements.
  bool includePad = attrInt("count_include_pad", 0) != 0;
  std::vector<std::vector<double>> counts(static_cast<size_t>(s));
  for (int64_t i = 0; i < s; ++i)
    for (int64_t q = 0; q < g->out[i]; ++q) {
      int64_t cnt = 0;
      for (int64_t j = 0; j < g->kernel[i]; ++j) {
        int64_t xpos = q * g->strides[i] + j * g->dilations[i] - g->padsBegin[i];
        int64_t lo = includePad ? -g->padsBegin[i] : 0;
        int64_t hi = includePad ? in[i] + g->padsEnd[i] : in[i];
        cnt += xpos >= lo && xpos < hi;
      }
      counts[i].push_back(double(std::max<int64_t>(cnt, 1)));
    }
  std::vector<double> divisor(size_t(p), 1.0);
  for (int64_t e = 0; e < p; ++e) {
    int64_t rest = e;
    for (int64_t i = s - 1; i >= 0; --i) {
      divisor[size_t(e)] *= counts[i][size_t(rest % g->out[i])];
      rest /= g->out[i];
    }
  }
  Value sum = create<g::ReduceSumOp>(reduced, win, axis2, b.getBoolAttr(true));
  Value y = create<g::DivOp>(reduced, sum, constFloats(divisor, {p}, elem));
  return setOutput(0, reshape(y, outShape));
}

LogicalResult Importer::importGlobalPool(bool isMax) {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  auto xt = typeOf(*x);
  if (xt.getRank() < 3)
    return error() << "the input has shape " << shapeText(xt.getShape())
                   << "; expected [N, C, spatial...]";
  if (!isa<FloatType>(xt.getElementType()))
    return error() << "element type " << xt.getElementType() << " is not supported";
  SmallVector<int64_t> axes, shape(xt.getShape());
  for (int64_t d = 2; d < xt.getRank(); ++d) {
    axes.push_back(d);
    shape[d] = 1;
  }
  auto rt = tensor(shape, xt.getElementType());
  auto axesAttr = b.getDenseI64ArrayAttr(axes);
  Value y = isMax ? create<g::ReduceMaxOp>(rt, *x, axesAttr, b.getBoolAttr(true))
                  : create<g::ReduceMeanOp>(rt, *x, axesAttr, b.getBoolAttr(true));
  return setOutput(0, y);
}

// A per-channel vector [C] as [C, 1, ...] for an input of `rank`.
Value Importer::channelVector(Value v, int64_t rank) {
  SmallVector<int64_t> shape(std::max<int64_t>(rank - 1, 1), 1);
  shape[0] = typeOf(v).getNumElements();
  return reshape(v, shape);
}

// BatchNormalization: y = x * a + (bias - mean * a) with a = scale /
// sqrt(var + epsilon), per channel (folded when constant). In training mode
// (opset 14+) mean and var are the batch's (the variance biased), and the
// optional outputs are the updated running statistics, input * momentum +
// batch * (1 - momentum).
LogicalResult Importer::importBatchNorm() {
  const bool training = attrInt("training_mode", 0) != 0;
  if (opset < 9 && attrInt("spatial", 1) == 0)
    return error() << "spatial 0 (per-element statistics) is not supported";
  SmallVector<Value> v;
  for (unsigned i = 0; i < 5; ++i) {
    FailureOr<Value> in = input(i);
    if (failed(in))
      return failure();
    v.push_back(*in);
  }
  auto xt = typeOf(v[0]);
  Type elem = xt.getElementType();
  if (!isa<FloatType>(elem) || xt.getRank() < 2)
    return error() << "X must be a float tensor [N, C, ...], not " << xt;
  const int64_t c = xt.getDimSize(1);
  for (unsigned i = 1; i < 5; ++i)
    if (typeOf(v[i]).getNumElements() != c || typeOf(v[i]).getElementType() != elem)
      return error() << "scale, B, mean and var must be [" << c << "] of " << elem;
  if (!training)
    for (int k = 1; k < node->output_size(); ++k)
      if (!node->output(k).empty())
        return error() << "output " << k
                       << " (running statistics) exists only in training mode (training_mode 1)";
  auto ct = tensor({c}, elem);
  Value scale = reshape(v[1], {c}), bias = reshape(v[2], {c}), mean = reshape(v[3], {c}),
        var = reshape(v[4], {c});
  if (training) {
    SmallVector<int64_t> axes{0};
    for (int64_t d = 2; d < xt.getRank(); ++d)
      axes.push_back(d);
    auto axesAttr = b.getDenseI64ArrayAttr(axes);
    Value batchMean = create<g::ReduceMeanOp>(ct, v[0], axesAttr, b.getBoolAttr(false));
    Value centered = create<g::SubOp>(xt, v[0], channelVector(batchMean, xt.getRank()));
    Value batchVar = create<g::ReduceMeanOp>(ct, create<g::MulOp>(xt, centered, centered), axesAttr,
                                             b.getBoolAttr(false));
    double momentum = attrFloat("momentum", 0.9f);
    Value keep = constScalar(elem, momentum), take = constScalar(elem, 1.0 - momentum);
    auto running = [&](Value old, Value batch) {
      return create<g::AddOp>(ct, create<g::MulOp>(ct, old, keep),
                              create<g::MulOp>(ct, batch, take));
    };
    if (failed(setOutput(1, running(mean, batchMean))) ||
        failed(setOutput(2, running(var, batchVar))))
      return failure();
    mean = batchMean;
    var = batchVar;
  }
  Value eps = constScalar(elem, attrFloat("epsilon", 1e-5f));
  Value a = create<g::DivOp>(ct, scale, create<g::SqrtOp>(ct, create<g::AddOp>(ct, var, eps)));
  Value shift = create<g::SubOp>(ct, bias, create<g::MulOp>(ct, mean, a));
  Value y = create<g::MulOp>(xt, v[0], channelVector(a, xt.getRank()));
  y = create<g::AddOp>(xt, y, channelVector(shift, xt.getRank()));
  return setOutput(0, y);
}

// InstanceNormalization: layer_norm over the spatial axes, then the
// per-channel scale and bias.
LogicalResult Importer::importInstanceNorm() {
  FailureOr<Value> x = input(0), scale = input(1), bias = input(2);
  if (failed(x) || failed(scale) || failed(bias))
    return failure();
  auto xt = typeOf(*x);
  if (!xt.getElementType().isF32() || xt.getRank() < 3)
    return error() << "the input must be float32 [N, C, spatial...], not " << xt;
  const int64_t c = xt.getDimSize(1);
  for (Value v : {*scale, *bias})
    if (typeOf(v).getNumElements() != c || typeOf(v).getElementType() != xt.getElementType())
      return error() << "scale and B must be [" << c << "] float32";
  auto normType = tensor(xt.getShape().drop_front(2), xt.getElementType());
  std::vector<double> ones(size_t(normType.getNumElements()), 1.0);
  Value unit = constFloats(ones, normType.getShape(), xt.getElementType());
  Value y = create<g::LayerNormOp>(xt, *x, unit, Value(), b.getI64IntegerAttr(2),
                                   b.getF64FloatAttr(attrFloat("epsilon", 1e-5f)));
  y = create<g::MulOp>(xt, y, channelVector(*scale, xt.getRank()));
  return setOutput(0, create<g::AddOp>(xt, y, channelVector(*bias, xt.getRank())));
}

// LRN: y = x / (bias + alpha / size * sum of x^2 over the channels
// [c - floor((size-1)/2), c + ceil((size-1)/2)])^beta; the channel sums are
// a window of x^2 viewed as [N, 1, C, rest].
LogicalResult Importer::importLrn() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  auto xt = typeOf(*x);
  Type elem = xt.getElementType();
  if (!elem.isF32() || xt.getRank() < 3)
    return error() << "the input must be float32 [N, C, spatial...], not " << xt;
  int64_t size = attrInt("size", 0);
  if (size < 1 || size > (int64_t(1) << 30))
    return error() << "size " << size << " must be >= 1";
  const int64_t n = xt.getDimSize(0), c = xt.getDimSize(1);
  const int64_t rest = xt.getNumElements() / std::max<int64_t>(n * c, 1);
  Value sq = reshape(create<g::MulOp>(xt, *x, *x), {n, 1, c, rest});
  WindowGeometry g;
  g.kernel = {size, 1};
  g.strides = {1, 1};
  g.dilations = {1, 1};
  g.padsBegin = {(size - 1) / 2, 0};
  g.padsEnd = {size - 1 - (size - 1) / 2, 0};
  g.inputDilations = {1, 1};
  g.out = {c, rest};
  if (failed(checkWindowSize(g, n, 1)))
    return failure();
  Value win = window(sq, g, 0.0);
  Value sum = create<g::ReduceSumOp>(tensor({n, 1, 1, c * rest}, elem), win,
                                     b.getDenseI64ArrayAttr({2}), b.getBoolAttr(true));
  sum = reshape(sum, xt.getShape());
  double alpha = attrFloat("alpha", 1e-4f), beta = attrFloat("beta", 0.75f),
         bias = attrFloat("bias", 1.0f);
  Value d = create<g::AddOp>(xt, create<g::MulOp>(xt, sum, constScalar(elem, alpha / double(size))),
                             constScalar(elem, bias));
  d = create<g::PowOp>(xt, d, constScalar(elem, beta));
  return setOutput(0, create<g::DivOp>(xt, *x, d));
}

std::optional<LogicalResult> Importer::importCnnOp(const onnx::NodeProto &n) {
  const std::string &op = n.op_type();
  if (op == "Conv" || op == "ConvTranspose")
    return importConv(op == "ConvTranspose");
  if (op == "MaxPool" || op == "AveragePool")
    return importPool(op == "MaxPool");
  if (op == "GlobalMaxPool" || op == "GlobalAveragePool")
    return importGlobalPool(op == "GlobalMaxPool");
  if (op == "BatchNormalization")
    return importBatchNorm();
  if (op == "InstanceNormalization")
    return importInstanceNorm();
  if (op == "LRN")
    return importLrn();
  if (op == "Resize" || op == "Upsample")
    return importResize(op == "Upsample");
  if (op == "Pad")
    return importPad();
  if (op == "DepthToSpace" || op == "SpaceToDepth")
    return importDepthToSpace(op == "DepthToSpace");
  if (op == "Tile")
    return importTile();
  if (op == "GridSample")
    return importGridSample();
  return std::nullopt;
}

}  // namespace lmc::import
