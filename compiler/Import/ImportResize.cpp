// ONNX image-shaping operators: Resize and Upsample (separable, one gather
// of constant indices per resized axis, weighted by constant coefficients),
// Pad (slices, concatenations and gathers), DepthToSpace, SpaceToDepth and
// Tile (reshapes, transposes and broadcasts).
#include <algorithm>
#include <array>
#include <cmath>

#include "compiler/Import/Importer.h"

namespace lmc::import {

namespace {

// One resized axis: for every output index, `taps` input indices and their
// weights (row-major [out, taps]), plus a constant added where the output
// lies outside a tf_crop_and_resize box.
struct AxisTaps {
  int64_t taps = 1;
  std::vector<int64_t> index;
  std::vector<double> weight;
  std::vector<double> outside;  // empty: none
};

struct ResizeMode {
  std::string mode, transform, nearest;
  double cubicA = -0.75, extrapolation = 0.0;
  bool excludeOutside = false;
};

// Where output index `x` falls in the input (ONNX Resize's
// coordinate_transformation_mode); `inside` is false past a crop box.
// `out` is the resized length before flooring (in * scale when scales are
// given), as ONNX's definition uses it.
double sourceCoordinate(const ResizeMode &m, double x, int64_t in, double out, double scale,
                        double roiStart, double roiEnd, bool &inside) {
  inside = true;
  const std::string &t = m.transform;
  if (t == "asymmetric")
    return x / scale;
  if (t == "pytorch_half_pixel")
    return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (t == "tf_half_pixel_for_nn")
    return (x + 0.5) / scale;
  if (t == "align_corners")
    return out == 1 ? 0.0 : x * double(in - 1) / (out - 1);
  if (t == "tf_crop_and_resize") {
    double v = out > 1 ? roiStart * double(in - 1) +
                             x * (roiEnd - roiStart) * double(in - 1) / (out - 1)
                       : 0.5 * (roiStart + roiEnd) * double(in - 1);
    inside = v >= 0 && v <= double(in - 1);
    return v;
  }
  return (x + 0.5) / scale - 0.5;  // half_pixel
}

int64_t nearestIndex(const std::string &mode, double v) {
  if (mode == "floor")
    return int64_t(std::floor(v));
  if (mode == "ceil")
    return int64_t(std::ceil(v));
  if (mode == "round_prefer_ceil")
    return int64_t(std::floor(v + 0.5));
  // round_prefer_floor: halves go down.
  double f = std::floor(v);
  return int64_t(v - f > 0.5 ? f + 1 : f);
}

std::array<double, 4> cubicCoefficients(double r, double a) {
  auto far = [&](double t) { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a; };
  auto near = [&](double t) { return ((a + 2) * t - (a + 3)) * t * t + 1; };
  return {far(r + 1), near(r), near(1 - r), far(2 - r)};
}

AxisTaps axisTaps(const ResizeMode &m, int64_t in, int64_t out, double length, double scale,
                  double roiStart, double roiEnd) {
  AxisTaps a;
  a.taps = m.mode == "nearest" ? 1 : m.mode == "linear" ? 2 : 4;
  auto clampIndex = [&](int64_t i) { return std::clamp<int64_t>(i, 0, in - 1); };
  bool anyOutside = false;
  std::vector<double> outside(size_t(out), 0.0);
  for (int64_t x = 0; x < out; ++x) {
    bool inside;
    double v = sourceCoordinate(m, double(x), in, length, scale, roiStart, roiEnd, inside);
    std::vector<int64_t> idx;
    std::vector<double> w;
    if (m.mode == "nearest") {
      idx = {clampIndex(nearestIndex(m.nearest, v))};
      w = {1.0};
    } else if (m.mode == "linear") {
      double f = std::floor(v), r = v - f;
      idx = {clampIndex(int64_t(f)), clampIndex(int64_t(f) + 1)};
      w = {1 - r, r};
    } else {
      double f = std::floor(v);
      std::array<double, 4> c = cubicCoefficients(v - f, m.cubicA);
      double total = 0;
      for (int j = 0; j < 4; ++j) {
        int64_t i = int64_t(f) - 1 + j;
        if (m.excludeOutside && (i < 0 || i >= in))
          c[j] = 0;
        total += c[j];
        idx.push_back(clampIndex(i));
      }
      for (int j = 0; j < 4; ++j)
        w.push_back(m.excludeOutside && total != 0 ? c[j] / total : c[j]);
    }
    if (!inside) {
      std::fill(w.begin(), w.end(), 0.0);
      outside[size_t(x)] = m.extrapolation;
      anyOutside = true;
    }
    a.index.insert(a.index.end(), idx.begin(), idx.end());
    a.weight.insert(a.weight.end(), w.begin(), w.end());
  }
  if (anyOutside)
    a.outside = std::move(outside);
  return a;
}

}  // namespace

FailureOr<std::vector<int64_t>> Importer::axesOrAll(const std::optional<std::vector<int64_t>> &given,
                                                    int64_t rank) {
  std::vector<int64_t> axes;
  if (!given) {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
    return axes;
  }
  for (int64_t v : *given) {
    FailureOr<int64_t> axis = normalizeAxis(v, rank);
    if (failed(axis))
      return failure();
    axes.push_back(*axis);
  }
  return axes;
}

// Resize (opsets 10 to 18 inputs: X, roi, scales, sizes; opset 10: X,
// scales) and Upsample (opset 7: scales attribute; 9: scales input).
LogicalResult Importer::importResize(bool upsample) {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  auto xt = typeOf(*x);
  Type elem = xt.getElementType();
  if (!isa<FloatType>(elem))
    return error() << "element type " << elem << " is not supported (float only)";
  const int64_t rank = xt.getRank();
  ResizeMode m;
  auto str = [&](const char *name, const char *fallback) {
    const auto *a = attr(name);
    return a ? a->s() : std::string(fallback);
  };
  m.mode = str("mode", "nearest");
  if (upsample) {
    // Upsample is Resize with asymmetric coordinates, nearest rounding down.
    m.transform = "asymmetric";
    m.nearest = "floor";
    if (m.mode == "bilinear" || m.mode == "trilinear")
      m.mode = "linear";
  } else {
    m.transform = str("coordinate_transformation_mode", opset < 11 ? "asymmetric" : "half_pixel");
    m.nearest = str("nearest_mode", opset < 11 ? "floor" : "round_prefer_floor");
    m.cubicA = attrFloat("cubic_coeff_a", -0.75f);
    m.excludeOutside = attrInt("exclude_outside", 0) != 0;
    m.extrapolation = attrFloat("extrapolation_value", 0.0f);
  }
  if (m.mode != "nearest" && m.mode != "linear" && m.mode != "cubic")
    return error() << "mode '" << m.mode << "' is not one of nearest, linear, cubic";
  static const char *transforms[] = {"half_pixel", "pytorch_half_pixel", "align_corners",
                                     "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  if (!llvm::is_contained(transforms, m.transform))
    return error() << "coordinate_transformation_mode '" << m.transform << "' is not supported";
  static const char *nearestModes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  if (!llvm::is_contained(nearestModes, m.nearest))
    return error() << "nearest_mode '" << m.nearest << "' is not supported";
  if (attr("keep_aspect_ratio_policy") && str("keep_aspect_ratio_policy", "stretch") != "stretch")
    return error() << "keep_aspect_ratio_policy other than 'stretch' is not supported";

  // The axes resized (opset 18's axes; all by default).
  FailureOr<std::vector<int64_t>> axesOr = axesOrAll(attrInts("axes"), rank);
  if (failed(axesOr))
    return failure();
  const std::vector<int64_t> axes = *axesOr;
  auto floats = [&](unsigned i, const char *what) -> FailureOr<std::vector<double>> {
    FailureOr<Value> v = input(i);
    if (failed(v))
      return failure();
    auto t = constant(*v);
    if (!t) {
      error() << what << " must be a constant";
      return failure();
    }
    std::vector<double> out;
    for (int64_t k = 0; k < t->size(); ++k)
      out.push_back(t->getF(k));
    return out;
  };
  std::vector<double> scales;
  std::vector<int64_t> sizes;
  std::vector<double> roi;
  if (upsample && opset < 9) {
    auto s = attr("scales");
    if (!s)
      return error() << "the scales attribute is missing";
    scales.assign(s->floats().begin(), s->floats().end());
  } else if (upsample || opset < 11) {
    FailureOr<std::vector<double>> s = floats(1, "scales");
    if (failed(s))
      return failure();
    scales = *s;
  } else {
    if (hasInput(3)) {
      FailureOr<Value> v = input(3);
      auto s = succeeded(v) ? constInts(*v) : std::nullopt;
      if (!s)
        return error() << "sizes must be a constant";
      sizes = *s;
    }
    if (sizes.empty() && hasInput(2)) {
      FailureOr<std::vector<double>> s = floats(2, "scales");
      if (failed(s))
        return failure();
      scales = *s;
    }
    if (m.transform == "tf_crop_and_resize" && hasInput(1)) {
      FailureOr<std::vector<double>> r = floats(1, "roi");
      if (failed(r))
        return failure();
      roi = *r;
    }
  }
  const size_t count = axes.size();
  if (!sizes.empty() ? sizes.size() != count : scales.size() != count)
    return error() << (sizes.empty() ? "scales" : "sizes") << " must have " << count
                   << " entries (one per resized axis)";
  if (m.transform == "tf_crop_and_resize" && roi.size() != 2 * count)
    return error() << "tf_crop_and_resize needs a constant roi of " << 2 * count << " entries";

  Value y = *x;
  for (size_t i = 0; i < count; ++i) {
    int64_t axis = axes[i], in = xt.getDimSize(axis);
    int64_t out;
    double scale;
    if (!sizes.empty()) {
      out = sizes[i];
      scale = in ? double(out) / double(in) : 1.0;
    } else {
      scale = scales[i];
      if (!(scale > 0) || !std::isfinite(scale))
        return error() << "scale " << scale << " of axis " << axis << " must be > 0";
      out = int64_t(std::floor(double(in) * scale));
    }
    if (out < 0 || out > (int64_t(1) << 40))
      return error() << "output size " << out << " of axis " << axis << " is out of range";
    double roiStart = roi.empty() ? 0.0 : roi[i], roiEnd = roi.empty() ? 1.0 : roi[i + count];
    bool identity = out == in && scale == 1.0 && m.transform != "tf_crop_and_resize" &&
                    m.transform != "tf_half_pixel_for_nn";
    if (identity)
      continue;
    if (in == 0)
      return error() << "axis " << axis << " is empty and cannot be resized to " << out;
    double length = sizes.empty() ? double(in) * scale : double(out);
    AxisTaps taps = axisTaps(m, in, out, length, scale, roiStart, roiEnd);
    SmallVector<int64_t> shape(typeOf(y).getShape());
    Value g = gatherAxis(y, axis, taps.index);
    shape[axis] = out;
    if (taps.taps > 1 || !taps.outside.empty() || m.mode != "nearest") {
      // [.., out * taps, ..] -> [.., out, taps, ..] times the weights, summed over taps.
      SmallVector<int64_t> split(shape);
      split.insert(split.begin() + axis + 1, taps.taps);
      g = reshape(g, split);
      SmallVector<int64_t> wshape(split.size() - axis, 1);
      wshape[0] = out;
      wshape[1] = taps.taps;
      g = create<g::MulOp>(tensor(split, elem), g, constFloats(taps.weight, wshape, elem));
      g = create<g::ReduceSumOp>(tensor(shape, elem), g, b.getDenseI64ArrayAttr({axis + 1}),
                                 b.getBoolAttr(false));
      if (!taps.outside.empty()) {
        SmallVector<int64_t> oshape(shape.size() - axis, 1);
        oshape[0] = out;
        g = create<g::AddOp>(tensor(shape, elem), g, constFloats(taps.outside, oshape, elem));
      }
    }
    y = g;
  }
  return setOutput(0, y);
}

// Pad: constant (slices and concatenations with a broadcast fill), edge and
// reflect (a gather of constant indices per padded axis).
LogicalResult Importer::importPad() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  auto xt = typeOf(*x);
  const int64_t rank = xt.getRank();
  Type elem = xt.getElementType();
  std::string mode = attr("mode") ? attr("mode")->s() : "constant";
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return error() << "mode '" << mode << "' is not one of constant, reflect, edge";
  std::vector<int64_t> pads;
  double value = 0.0;
  if (opset < 11) {
    auto p = attrInts(opset < 2 ? "paddings" : "pads");
    if (!p)
      return error() << "the pads attribute is missing";
    pads = *p;
    value = attrFloat("value", 0.0f);
  } else {
    FailureOr<Value> p = input(1);
    auto v = succeeded(p) ? constInts(*p) : std::nullopt;
    if (!v)
      return error() << "pads must be a constant";
    pads = *v;
    if (hasInput(2)) {
      FailureOr<Value> c = input(2);
      auto t = succeeded(c) ? constant(*c) : std::nullopt;
      if (!t || t->size() != 1)
        return error() << "constant_value must be a constant scalar";
      value = t->getF(0);
    }
  }
  std::optional<std::vector<int64_t>> given;
  if (hasInput(3)) {
    FailureOr<Value> a = input(3);
    given = succeeded(a) ? constInts(*a) : std::nullopt;
    if (!given)
      return error() << "axes must be a constant";
  }
  FailureOr<std::vector<int64_t>> axesOr = axesOrAll(given, rank);
  if (failed(axesOr))
    return failure();
  const std::vector<int64_t> axes = *axesOr;
  const size_t count = axes.size();
  if (pads.size() != 2 * count)
    return error() << "pads has " << pads.size() << " entries; expected " << 2 * count
                   << " (begin and end of each axis)";
  Value y = *x;
  for (size_t i = 0; i < count; ++i) {
    int64_t axis = axes[i], before = pads[i], after = pads[i + count];
    int64_t dim = typeOf(y).getDimSize(axis);
    if (before + dim < 0 || after + dim < 0 || before + after + dim < 0 ||
        std::max(before, after) > (int64_t(1) << 40))
      return error() << "pads " << before << ", " << after << " of axis " << axis
                     << " do not fit its size " << dim;
    if (before == 0 && after == 0)
      continue;
    SmallVector<int64_t> shape(typeOf(y).getShape());
    if (mode != "constant" || before < 0 || after < 0) {
      // Crops (negative pads) and edge/reflect pads: the source index of
      // every output position.
      if (mode == "reflect" && dim < 2 && (before > 0 || after > 0))
        return error() << "reflect padding needs at least 2 elements along axis " << axis;
      std::vector<int64_t> idx;
      int64_t lo = mode == "constant" ? std::max<int64_t>(before, 0) : before;
      int64_t hi = mode == "constant" ? std::max<int64_t>(after, 0) : after;
      for (int64_t o = -before; o < dim + after; ++o) {
        if (mode == "constant" && (o < 0 || o >= dim))
          continue;
        int64_t s = o;
        if (mode == "edge")
          s = std::clamp<int64_t>(o, 0, dim - 1);
        else if (mode == "reflect") {
          int64_t period = 2 * (dim - 1);
          s = ((o % period) + period) % period;
          if (s >= dim)
            s = period - s;
        }
        idx.push_back(s);
      }
      y = gatherAxis(y, axis, idx);
      if (mode != "constant")
        continue;
      before = lo;
      after = hi;
      if (before == 0 && after == 0)
        continue;
      shape.assign(typeOf(y).getShape().begin(), typeOf(y).getShape().end());
    }
    SmallVector<Value> parts;
    auto fill = [&](int64_t n) {
      SmallVector<int64_t> s(shape);
      s[axis] = n;
      return create<g::ExpandOp>(tensor(s, elem), constScalar(elem, value));
    };
    if (before > 0)
      parts.push_back(fill(before));
    parts.push_back(y);
    if (after > 0)
      parts.push_back(fill(after));
    shape[axis] += before + after;
    y = create<g::ConcatOp>(tensor(shape, elem), parts, b.getI64IntegerAttr(axis));
  }
  return setOutput(0, y);
}

// DepthToSpace (DCR, CRD) and SpaceToDepth: a 6-D reshape, a transpose, a
// reshape back.
LogicalResult Importer::importDepthToSpace(bool toSpace) {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  auto xt = typeOf(*x);
  if (xt.getRank() != 4)
    return error() << "the input has shape " << shapeText(xt.getShape())
                   << "; expected [N, C, H, W]";
  int64_t bs = attrInt("blocksize", 0);
  int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), h = xt.getDimSize(2), w = xt.getDimSize(3);
  Type elem = xt.getElementType();
  if (bs < 1)
    return error() << "blocksize " << bs << " must be >= 1";
  if (toSpace) {
    std::string mode = attr("mode") ? attr("mode")->s() : "DCR";
    if (mode != "DCR" && mode != "CRD")
      return error() << "mode '" << mode << "' is not DCR or CRD";
    if (c % (bs * bs))
      return error() << "channels " << c << " are not a multiple of blocksize^2 " << bs * bs;
    int64_t co = c / (bs * bs);
    bool dcr = mode == "DCR";
    SmallVector<int64_t> split = dcr ? SmallVector<int64_t>{n, bs, bs, co, h, w}
                                     : SmallVector<int64_t>{n, co, bs, bs, h, w};
    SmallVector<int64_t> perm = dcr ? SmallVector<int64_t>{0, 3, 4, 1, 5, 2}
                                    : SmallVector<int64_t>{0, 1, 4, 2, 5, 3};
    SmallVector<int64_t> permuted;
    for (int64_t p : perm)
      permuted.push_back(split[p]);
    Value t = create<g::TransposeOp>(tensor(permuted, elem), reshape(*x, split),
                                     b.getDenseI64ArrayAttr(perm));
    return setOutput(0, reshape(t, {n, co, h * bs, w * bs}));
  }
  if (h % bs || w % bs)
    return error() << "height " << h << " and width " << w << " must be multiples of blocksize "
                   << bs;
  SmallVector<int64_t> split{n, c, h / bs, bs, w / bs, bs}, perm{0, 3, 5, 1, 2, 4}, permuted;
  for (int64_t p : perm)
    permuted.push_back(split[p]);
  Value t = create<g::TransposeOp>(tensor(permuted, elem), reshape(*x, split),
                                   b.getDenseI64ArrayAttr(perm));
  return setOutput(0, reshape(t, {n, c * bs * bs, h / bs, w / bs}));
}

// Tile: per repeated axis, a new axis of `repeats` broadcast before it, then
// merged into it.
LogicalResult Importer::importTile() {
  FailureOr<Value> x = input(0), r = input(1);
  if (failed(x) || failed(r))
    return failure();
  auto repeats = constInts(*r);
  if (!repeats)
    return error() << "repeats must be a constant";
  auto xt = typeOf(*x);
  if (int64_t(repeats->size()) != xt.getRank())
    return error() << "repeats has " << repeats->size() << " entries; expected " << xt.getRank();
  Value y = *x;
  Type elem = xt.getElementType();
  for (int64_t d = 0; d < xt.getRank(); ++d) {
    int64_t rep = (*repeats)[d];
    if (rep < 0 || rep > (int64_t(1) << 40))
      return error() << "repeat " << rep << " of axis " << d << " is out of range";
    if (rep == 1)
      continue;
    SmallVector<int64_t> shape(typeOf(y).getShape()), one(shape), wide(shape);
    if (rep > 0 && shape[d] > (int64_t(1) << 40) / rep)
      return error() << "repeating axis " << d << " " << rep
                     << " times gives more elements than lmc can hold (2^40)";
    one.insert(one.begin() + d, 1);
    wide.insert(wide.begin() + d, rep);
    Value e = create<g::ExpandOp>(tensor(wide, elem), reshape(y, one));
    shape[d] *= rep;
    y = reshape(e, shape);
  }
  return setOutput(0, y);
}

}  // namespace lmc::import
