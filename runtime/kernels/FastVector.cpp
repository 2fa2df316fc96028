// Fast f32 vector paths: elementwise binary ops, where, and exp/tanh/erf
// over rows with unit (or, for binary inputs, zero) inner stride, softmax along a
// contiguous axis and layer_norm over a contiguous trailing block. Rows are
// split between threads; each element's value is independent of the split.
#include <algorithm>
#include <cmath>
#include <array>

#include "runtime/kernels/Fast.h"

namespace lmc::kernels {
namespace {

using format::DType;
using format::Opcode;

// A shape shared by N tensors with adjacent axes merged where every tensor
// is contiguous across them, and size-1 axes dropped, so that a contiguous
// or broadcast operand becomes one long row.
template <size_t N> struct Collapsed {
  int rank = 0;
  int64_t shape[format::kMaxRank] = {};
  int64_t strides[N][format::kMaxRank] = {};
};

template <size_t N> Collapsed<N> collapse(const std::array<const TensorRef *, N> &ts) {
  const TensorRef &ref = *ts[0];
  Collapsed<N> c;
  for (int k = 0; k < ref.rank; ++k) {
    if (ref.shape[k] == 1)
      continue;
    bool merge = c.rank > 0;
    for (size_t t = 0; t < N && merge; ++t)
      merge = c.strides[t][c.rank - 1] == ts[t]->strides[k] * ref.shape[k];
    if (merge) {
      c.shape[c.rank - 1] *= ref.shape[k];
      for (size_t t = 0; t < N; ++t)
        c.strides[t][c.rank - 1] = ts[t]->strides[k];
      continue;
    }
    c.shape[c.rank] = ref.shape[k];
    for (size_t t = 0; t < N; ++t)
      c.strides[t][c.rank] = ts[t]->strides[k];
    ++c.rank;
  }
  if (c.rank == 0) { // a single element
    c.rank = 1;
    c.shape[0] = 1;
    for (size_t t = 0; t < N; ++t)
      c.strides[t][0] = 1;
  }
  return c;
}

// Element offsets of row `row` (row-major over shape[0, rank)) in each of
// N tensors.
template <size_t N>
void rowBase(int rank, const int64_t *shape, const std::array<const int64_t *, N> &strides,
             int64_t row, int64_t *base) {
  for (size_t t = 0; t < N; ++t)
    base[t] = 0;
  for (int k = rank - 1; k >= 0; --k) {
    const int64_t i = row % shape[k];
    row /= shape[k];
    for (size_t t = 0; t < N; ++t)
      base[t] += i * strides[t][k];
  }
}

// Elements per parallel chunk: below this, waking threads costs more.
constexpr int64_t kGrainElements = 1 << 15;

bool allF32(std::initializer_list<const TensorRef *> ts) {
  for (const TensorRef *t : ts)
    if (t->dtype != DType::F32)
      return false;
  return true;
}

// Runs fn(base, begin, end) over every row of a collapsed shape, rows split
// into segments of at most kGrainElements so that one long row can use
// several threads too.
template <size_t N, typename F>
void forRows(const ExecOptions &options, const Collapsed<N> &c, F &&fn) {
  const int64_t len = c.shape[c.rank - 1];
  int64_t rows = 1;
  for (int k = 0; k + 1 < c.rank; ++k)
    rows *= c.shape[k];
  if (rows == 0 || len == 0)
    return;
  const int64_t segments = (len + kGrainElements - 1) / kGrainElements;
  const int64_t segment = (len + segments - 1) / segments;
  std::array<const int64_t *, N> strides;
  for (size_t t = 0; t < N; ++t)
    strides[t] = c.strides[t];
  const int64_t grain = std::max<int64_t>(1, kGrainElements / std::min(len, kGrainElements));
  parallelFor(options, rows * segments, grain, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      int64_t base[N];
      rowBase<N>(c.rank - 1, c.shape, strides, item / segments, base);
      const int64_t from = (item % segments) * segment;
      fn(base, from, std::min(len, from + segment));
    }
  });
}

} // namespace

bool fastBinary(Opcode op, const TensorRef &o, const TensorRef &a, const TensorRef &b,
                const ExecOptions &options) {
  if (!allF32({&o, &a, &b}))
    return false;
  if (o.numElements() == 0)
    return true;
  BinaryFn fn;
  switch (op) {
  case Opcode::Add:
    fn = BinaryFn::Add;
    break;
  case Opcode::Sub:
    fn = BinaryFn::Sub;
    break;
  case Opcode::Mul:
    fn = BinaryFn::Mul;
    break;
  case Opcode::Div:
    fn = BinaryFn::Div;
    break;
  case Opcode::Max:
    fn = BinaryFn::Max;
    break;
  case Opcode::Min:
    fn = BinaryFn::Min;
    break;
  case Opcode::Pow: {
    // x^2 and x^3 by multiplication when the exponent is one broadcast
    // value (GELU's cube, a decomposed layer norm's square): x*x is the
    // correctly rounded square like powf; x*x*x is within 1 ulp.
    for (int k = 0; k < b.rank; ++k)
      if (b.strides[k] != 0 && b.shape[k] != 1)
        return false;
    const float e = *typed<float>(b);
    if (e == 2.0f)
      fn = BinaryFn::Square;
    else if (e == 3.0f)
      fn = BinaryFn::Cube;
    else
      return false;
    break;
  }
  default:
    return false;
  }
  const Collapsed<3> c = collapse<3>({&o, &a, &b});
  const int64_t so = c.strides[0][c.rank - 1], sa = c.strides[1][c.rank - 1],
                sb = c.strides[2][c.rank - 1];
  if (c.shape[c.rank - 1] > 1 && (so != 1 || (sa != 0 && sa != 1) || (sb != 0 && sb != 1)))
    return false;
  const SimdOps &ops = simdOps(options);
  float *po = typed<float>(o);
  const float *pa = typed<float>(a), *pb = typed<float>(b);
  forRows<3>(options, c, [&](const int64_t *base, int64_t from, int64_t to) {
    ops.binary(fn, pa + base[1] + from * sa, sa, pb + base[2] + from * sb, sb, po + base[0] + from,
               to - from);
  });
  return true;
}

namespace {

// o[i] = c[i * C] ? a[i * A] : b[i * B] over one row, each input contiguous
// (1) or broadcast (0). Both values are loaded and blended by a mask, so the
// compiler vectorizes the loop (a conditional load keeps it scalar).
template <int C, int A, int B>
void selectRow(const uint8_t *c, const uint32_t *a, const uint32_t *b, uint32_t *o, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t mask = 0u - uint32_t(c[i * C] != 0);
    o[i] = (a[i * A] & mask) | (b[i * B] & ~mask);
  }
}

using SelectRow = void (*)(const uint8_t *, const uint32_t *, const uint32_t *, uint32_t *,
                           int64_t);
constexpr SelectRow kSelectRows[8] = {selectRow<0, 0, 0>, selectRow<0, 0, 1>, selectRow<0, 1, 0>,
                                      selectRow<0, 1, 1>, selectRow<1, 0, 0>, selectRow<1, 0, 1>,
                                      selectRow<1, 1, 0>, selectRow<1, 1, 1>};

}  // namespace

bool fastWhere(const TensorRef &o, const TensorRef &cond, const TensorRef &a, const TensorRef &b,
               const ExecOptions &options) {
  // 4-byte values moved as bits (f32, i32): a select computes nothing.
  if (cond.dtype != DType::Bool || format::dtypeSize(o.dtype) != 4 || a.dtype != o.dtype ||
      b.dtype != o.dtype)
    return false;
  const Collapsed<4> c = collapse<4>({&o, &cond, &a, &b});
  const int64_t *inner[4] = {c.strides[0], c.strides[1], c.strides[2], c.strides[3]};
  const int last = c.rank - 1;
  if (c.shape[last] > 1) {
    if (inner[0][last] != 1)
      return false;
    for (int t = 1; t < 4; ++t)
      if (inner[t][last] != 0 && inner[t][last] != 1)
        return false;
  }
  const bool unit = c.shape[last] > 1;
  const SelectRow row = kSelectRows[(unit && inner[1][last]) * 4 + (unit && inner[2][last]) * 2 +
                                    (unit && inner[3][last])];
  uint32_t *po = typed<uint32_t>(o);
  const uint8_t *pc = typed<uint8_t>(cond);
  const uint32_t *pa = typed<uint32_t>(a), *pb = typed<uint32_t>(b);
  forRows<4>(options, c, [&](const int64_t *base, int64_t from, int64_t to) {
    row(pc + base[1] + from * inner[1][last], pa + base[2] + from * inner[2][last],
        pb + base[3] + from * inner[3][last], po + base[0] + from, to - from);
  });
  return true;
}

namespace {

// Runs rows(x, y, n) over contiguous runs of f32 a -> o (both unit inner
// stride), split between threads; false when the layout does not fit.
template <typename Rows>
bool contiguousUnary(const TensorRef &o, const TensorRef &a, const ExecOptions &options,
                     const Rows &rows) {
  if (!allF32({&o, &a}))
    return false;
  const Collapsed<2> c = collapse<2>({&o, &a});
  if (c.shape[c.rank - 1] > 1 && (c.strides[0][c.rank - 1] != 1 || c.strides[1][c.rank - 1] != 1))
    return false;
  float *po = typed<float>(o);
  const float *pa = typed<float>(a);
  forRows<2>(options, c, [&](const int64_t *base, int64_t from, int64_t to) {
    rows(pa + base[1] + from, po + base[0] + from, to - from);
  });
  return true;
}

}  // namespace

bool fastGelu(const TensorRef &o, const TensorRef &a, bool tanhForm, const ExecOptions &options) {
  const SimdOps &ops = simdOps(options);
  void (*fn)(const float *, float *, int64_t) = tanhForm ? ops.geluTanh : ops.geluErf;
  return fn && contiguousUnary(o, a, options, fn);
}

bool fastUnary(Opcode op, const TensorRef &o, const TensorRef &a, const ExecOptions &options) {
  const SimdOps &ops = simdOps(options);
  void (*fn)(const float *, float *, int64_t) = nullptr;
  switch (op) {
  case Opcode::Exp:
    fn = ops.exp;
    break;
  case Opcode::Tanh:
    fn = ops.tanh;
    break;
  case Opcode::Erf:
    fn = ops.erf;
    break;
  default:
    break;
  }
  return fn && contiguousUnary(o, a, options, fn);
}

bool fastSoftmax(const TensorRef &o, const TensorRef &a, int64_t axis, const ExecOptions &options) {
  const SimdOps &ops = simdOps(options);
  if (!allF32({&o, &a}) || !ops.softmaxRow)
    return false;
  const int64_t n = a.shape[axis];
  if (n > 1 && (a.strides[axis] != 1 || o.strides[axis] != 1))
    return false;
  // Lanes: every index of the other axes.
  int64_t outer[format::kMaxRank];
  int64_t lanes = 1;
  for (int k = 0; k < a.rank; ++k) {
    outer[k] = k == axis ? 1 : a.shape[k];
    lanes *= outer[k];
  }
  if (lanes == 0 || n == 0)
    return true;
  float *po = typed<float>(o);
  const float *pa = typed<float>(a);
  const std::array<const int64_t *, 2> strides = {o.strides, a.strides};
  parallelFor(options, lanes, std::max<int64_t>(1, kGrainElements / n),
              [&](int64_t begin, int64_t end) {
                for (int64_t lane = begin; lane < end; ++lane) {
                  int64_t base[2];
                  rowBase<2>(a.rank, outer, strides, lane, base);
                  ops.softmaxRow(pa + base[1], po + base[0], n);
                }
              });
  return true;
}

bool fastLayerNorm(const TensorRef &o, const TensorRef &a, const TensorRef &scale,
                   const TensorRef *bias, int64_t axis, double epsilon,
                   const ExecOptions &options) {
  const SimdOps &ops = simdOps(options);
  if (!allF32({&o, &a, &scale}) || (bias && bias->dtype != DType::F32) || !ops.layerNormRow)
    return false;
  // The normalized block [axis, rank) must be row-major contiguous in every
  // operand (scale and bias are usually broadcast over the leading axes).
  int64_t inner = 1;
  for (int k = a.rank - 1; k >= axis; --k) {
    if (a.shape[k] != 1)
      for (const TensorRef *t : {&o, &a, &scale, bias})
        if (t && t->strides[k] != inner)
          return false;
    inner *= a.shape[k];
  }
  int64_t outer[format::kMaxRank];
  int64_t rows = 1;
  for (int k = 0; k < a.rank; ++k) {
    outer[k] = k < axis ? a.shape[k] : 1;
    rows *= outer[k];
  }
  if (rows == 0 || inner == 0)
    return true;
  static const int64_t kZero[format::kMaxRank] = {};
  const std::array<const int64_t *, 4> strides = {o.strides, a.strides, scale.strides,
                                                  bias ? bias->strides : kZero};
  float *po = typed<float>(o);
  const float *pa = typed<float>(a), *ps = typed<float>(scale);
  const float *pc = bias ? typed<float>(*bias) : nullptr;
  parallelFor(options, rows, std::max<int64_t>(1, kGrainElements / inner),
              [&](int64_t begin, int64_t end) {
                for (int64_t row = begin; row < end; ++row) {
                  int64_t base[4];
                  rowBase<4>(a.rank, outer, strides, row, base);
                  ops.layerNormRow(pa + base[1], ps + base[2], pc ? pc + base[3] : nullptr,
                                   po + base[0], inner, epsilon);
                }
              });
  return true;
}

} // namespace lmc::kernels
