// ONNX GridSample (opset 16, 4-D input): each output point samples X at the
// location its grid entry names, as taps gathered at run time. Per axis the
// location is denormalized (align_corners), split into integer taps and
// weights (nearest: 1 tap, linear: 2, cubic: 4 with Keys' a = -0.75), and
// each tap's index is padded (zeros: out of range reads 0; border: clamped;
// reflection: reflected between the borders); the output is the sum over
// the tap pairs of weight x gather_elements(X, y * W + x).
#include <array>

#include "compiler/Import/Importer.h"

namespace lmc::import {

LogicalResult Importer::importGridSample() {
  FailureOr<Value> xIn = input(0), gridIn = input(1);
  if (failed(xIn) || failed(gridIn))
    return failure();
  RankedTensorType xt = typeOf(*xIn), gt = typeOf(*gridIn);
  Type f32 = b.getF32Type(), i64 = b.getIntegerType(64);
  if (xt.getRank() != 4 || !xt.getElementType().isF32())
    return error() << "X must be an f32 tensor [N, C, H, W]; lmc samples 2-D images only";
  const int64_t N = xt.getDimSize(0), C = xt.getDimSize(1), H = xt.getDimSize(2),
                W = xt.getDimSize(3);
  if (gt.getRank() != 4 || gt.getDimSize(0) != N || gt.getDimSize(3) != 2 ||
      !gt.getElementType().isF32())
    return error() << "grid must be f32 [" << N << ", H_out, W_out, 2], not "
                   << shapeText(gt.getShape());
  const int64_t Ho = gt.getDimSize(1), Wo = gt.getDimSize(2), P = Ho * Wo;
  if (H == 0 || W == 0)
    return error() << "X has an empty spatial axis " << shapeText(xt.getShape());
  const onnx::AttributeProto *modeAttr = attr("mode"), *padAttr = attr("padding_mode");
  const std::string mode = modeAttr ? modeAttr->s() : "bilinear";
  const std::string padding = padAttr ? padAttr->s() : "zeros";
  const bool alignCorners = attrInt("align_corners", 0) != 0;
  if (mode != "bilinear" && mode != "nearest" && mode != "bicubic")
    return error() << "mode must be bilinear, nearest or bicubic, not '" << mode << "'";
  if (padding != "zeros" && padding != "border" && padding != "reflection")
    return error() << "padding_mode must be zeros, border or reflection, not '" << padding << "'";

  auto scalar = [&](double v) { return constScalar(f32, v); };
  auto floorOf = [&](Value v) {
    return create<g::MathOp>(typeOf(v), v, b.getStringAttr("floor"));
  };
  RankedTensorType coordType = tensor({N, 1, P}, f32);
  // The x (component 0) or y (1) location of every output point, [N, 1, P],
  // in input pixels.
  auto location = [&](int64_t component, int64_t length) {
    Value g = reshape(slice(*gridIn, {0, 0, 0, component}, {N, Ho, Wo, 1}), {N, 1, P});
    Value g1 = binary<g::AddOp>(g, scalar(1));
    if (alignCorners)  // [-1, 1] to [0, length - 1]
      return binary<g::MulOp>(binary<g::DivOp>(g1, scalar(2)), scalar(double(length - 1)));
    // [-1, 1] to [-0.5, length - 0.5]
    return binary<g::DivOp>(binary<g::SubOp>(binary<g::MulOp>(g1, scalar(double(length))),
                                             scalar(1)),
                            scalar(2));
  };
  struct Tap {
    Value index;   // integer-valued f32 [N, 1, P]
    Value weight;  // f32 [N, 1, P]
  };
  // The taps of one axis.
  auto taps = [&](Value loc) {
    SmallVector<Tap> out;
    if (mode == "nearest") {
      out.push_back({create<g::RoundOp>(coordType, loc), Value()});
      return out;
    }
    Value base = floorOf(loc);
    Value t = binary<g::SubOp>(loc, base);  // in [0, 1)
    if (mode == "bilinear") {
      out.push_back({base, binary<g::SubOp>(scalar(1), t)});
      out.push_back({binary<g::AddOp>(base, scalar(1)), t});
      return out;
    }
    // Keys' cubic convolution weights of the taps at base - 1 .. base + 2,
    // at distances 1 + t, t, 1 - t, 2 - t.
    const double a = -0.75;
    auto mul = [&](Value x, Value y) { return binary<g::MulOp>(x, y); };
    auto add = [&](Value x, double c) { return binary<g::AddOp>(x, scalar(c)); };
    auto times = [&](Value x, double c) { return binary<g::MulOp>(x, scalar(c)); };
    auto outer = [&](Value d) {  // 1 < d < 2
      return add(mul(add(mul(add(times(d, a), -5 * a), d), 8 * a), d), -4 * a);
    };
    auto inner = [&](Value d) {  // 0 <= d <= 1
      return add(mul(mul(add(times(d, a + 2), -(a + 3)), d), d), 1);
    };
    Value oneMinus = binary<g::SubOp>(scalar(1), t);
    std::array<Value, 4> w = {outer(add(t, 1)), inner(t), inner(oneMinus),
                              outer(binary<g::SubOp>(scalar(2), t))};
    for (int k = 0; k < 4; ++k)
      out.push_back({add(base, double(k - 1)), w[k]});
    return out;
  };
  // A tap's index made readable for `length` pixels, and (zeros padding) the
  // f32 0/1 mask of the taps inside.
  auto pad = [&](Value index, int64_t length) -> std::pair<Value, Value> {
    const double last = double(length - 1);
    auto clamp = [&](Value v) {
      return binary<g::MinOp>(binary<g::MaxOp>(v, scalar(0)), scalar(last));
    };
    if (padding == "border")
      return {clamp(index), Value()};
    if (padding == "zeros") {
      Value inside = binary<g::AndOp>(binary<g::GreaterOp>(index, scalar(-1)),
                                      binary<g::LessOp>(index, scalar(double(length))));
      return {clamp(index), create<g::CastOp>(coordType, inside)};
    }
    // Reflection about [lo, hi] (pixel centres with align_corners, else
    // pixel edges): d past the near border is d - n * range, mirrored when n
    // (the whole ranges crossed) is odd; then truncated toward zero.
    const double lo = alignCorners ? 0 : -0.5, hi = alignCorners ? last : double(length) - 0.5;
    const double range = hi - lo;
    if (range <= 0)
      return {binary<g::MulOp>(index, scalar(0)), Value()};  // one pixel: always it
    auto reflectPast = [&](Value d, double nearBorder, double farBorder, double sign) {
      Value n = floorOf(binary<g::DivOp>(d, scalar(range)));
      Value r = binary<g::SubOp>(d, binary<g::MulOp>(n, scalar(range)));
      Value odd = binary<g::GreaterOp>(
          binary<g::SubOp>(n, binary<g::MulOp>(floorOf(binary<g::MulOp>(n, scalar(0.5))),
                                               scalar(2))),
          scalar(0.5));
      // even: near border moved back inside by r; odd: from the far border.
      return select(odd, binary<g::AddOp>(scalar(farBorder), binary<g::MulOp>(r, scalar(sign))),
                    binary<g::SubOp>(scalar(nearBorder), binary<g::MulOp>(r, scalar(sign))));
    };
    Value below = reflectPast(binary<g::SubOp>(scalar(lo), index), lo, hi, -1);
    Value above = reflectPast(binary<g::SubOp>(index, scalar(hi)), hi, lo, 1);
    Value reflected = select(binary<g::LessOp>(index, scalar(lo)), below,
                             select(binary<g::GreaterOp>(index, scalar(hi)), above, index));
    // Truncation toward zero of a value in [-0.5, length - 0.5], clamped
    // for safety against rounding at the borders.
    Value truncated =
        select(binary<g::LessOp>(reflected, scalar(0)), scalar(0), floorOf(reflected));
    return {clamp(truncated), Value()};
  };

  SmallVector<Tap> xTaps = taps(location(0, W)), yTaps = taps(location(1, H));
  Value image = reshape(*xIn, {N, C, H * W});
  RankedTensorType outType = tensor({N, C, P}, f32);
  RankedTensorType indexType = tensor({N, 1, P}, i64);
  Value sum;
  for (const Tap &ty : yTaps) {
    auto [yIndex, yMask] = pad(ty.index, H);
    for (const Tap &tx : xTaps) {
      auto [xIndex, xMask] = pad(tx.index, W);
      Value flat = binary<g::AddOp>(
          binary<g::MulOp>(create<g::CastOp>(indexType, yIndex), constI64({W}, {})),
          create<g::CastOp>(indexType, xIndex));
      Value value = create<g::GatherElementsOp>(
          outType, image, create<g::ExpandOp>(tensor({N, C, P}, i64), flat),
          b.getI64IntegerAttr(2));
      Value weight;
      for (Value w : {ty.weight, tx.weight, yMask, xMask})
        if (w)
          weight = weight ? binary<g::MulOp>(weight, w) : w;
      if (weight)
        value = binary<g::MulOp>(value, weight);
      sum = sum ? binary<g::AddOp>(sum, value) : value;
    }
  }
  return setOutput(0, reshape(sum, {N, C, Ho, Wo}));
}

}  // namespace lmc::import
