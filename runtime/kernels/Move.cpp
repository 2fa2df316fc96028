// Data movement kernels: copy, concat, gather, trilu, scatter, window. They move
// elements by size, so they work for every dtype.
#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {
namespace {

using format::Opcode;

template <typename T> void copyTyped(const TensorRef &o, const TensorRef &a) {
  T *po = typed<T>(o);
  const T *pa = typed<T>(a);
  forEachRow<2>(o.rank, o.shape, {o.strides, a.strides},
                [&](const int64_t *, const int64_t *base, int64_t len, const int64_t *inner) {
                  T *to = po + base[0];
                  const T *from = pa + base[1];
                  for (int64_t i = 0; i < len; ++i)
                    to[i * inner[0]] = from[i * inner[1]];
                });
}

absl::Status copy(const TensorRef &o, const TensorRef &a) {
  return dispatchBySize(o.dtype, [&](auto tag) {
    copyTyped<decltype(tag)>(o, a);
    return absl::OkStatus();
  });
}

absl::Status concat(const TensorRef *ops, unsigned n, int64_t axis) {
  const TensorRef &o = ops[0];
  int64_t at = 0;
  for (unsigned i = 1; i < n; ++i) {
    // The part of `o` that input i fills is itself a strided view.
    TensorRef part = o;
    part.data = o.data + static_cast<int64_t>(o.elemSize()) * at * o.strides[axis];
    part.shape[axis] = ops[i].shape[axis];
    if (absl::Status s = copy(part, ops[i]); !s.ok())
      return s;
    at += ops[i].shape[axis];
  }
  return absl::OkStatus();
}

template <typename T, typename I>
absl::Status gatherTyped(const TensorRef &o, const TensorRef &a, const TensorRef &b, int axis) {
  const int64_t n = a.shape[axis];
  const I *pb = typed<I>(b);
  if (absl::Status bad = checkIndices<I>(b, "gather", [n](int64_t) { return n; },
                                         absl::StrCat(" for axis ", axis, " of size ", n));
      !bad.ok())
    return bad;
  // o's axes are a[:axis] + b[:] + a[axis+1:].
  const int rb = b.rank;
  T *po = typed<T>(o);
  const T *pa = typed<T>(a);
  forEachRow<1>(o.rank, o.shape, {o.strides},
                [&](const int64_t *index, const int64_t *base, int64_t len, const int64_t *inner) {
                  int64_t idx[format::kMaxRank] = {0};
                  for (int k = 0; k < o.rank; ++k)
                    idx[k] = index[k];
                  for (int64_t i = 0; i < len; ++i) {
                    if (o.rank > 0)
                      idx[o.rank - 1] = i;
                    int64_t aOff = 0, bOff = 0;
                    for (int k = 0; k < axis; ++k)
                      aOff += idx[k] * a.strides[k];
                    for (int k = 0; k < rb; ++k)
                      bOff += idx[axis + k] * b.strides[k];
                    for (int k = axis + 1; k < a.rank; ++k)
                      aOff += idx[k - 1 + rb] * a.strides[k];
                    int64_t v = static_cast<int64_t>(pb[bOff]);
                    if (v < 0)
                      v += n;
                    po[base[0] + i * inner[0]] = pa[aOff + v * a.strides[axis]];
                  }
                });
  return absl::OkStatus();
}

absl::Status gather(const TensorRef &o, const TensorRef &a, const TensorRef &b, int64_t axis) {
  return dispatchBySize(o.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (b.dtype == format::DType::I32)
      return gatherTyped<T, int32_t>(o, a, b, static_cast<int>(axis));
    if (b.dtype == format::DType::I64)
      return gatherTyped<T, int64_t>(o, a, b, static_cast<int>(axis));
    return unsupported("gather indices", b.dtype);
  });
}

// scatter: o[i with i[axis] replaced by a[i]] = b[i] for every index i of
// a, in row-major order (a later duplicate wins); the rest of o is kept.
template <typename T, typename I>
absl::Status scatterTyped(const TensorRef &o, const TensorRef &a, const TensorRef &b, int axis) {
  const int64_t n = o.shape[axis];
  const I *pa = typed<I>(a);
  if (absl::Status bad = checkIndices<I>(a, "scatter", [n](int64_t) { return n; },
                                         absl::StrCat(" for axis ", axis, " of size ", n));
      !bad.ok())
    return bad;
  T *po = typed<T>(o);
  const T *pb = typed<T>(b);
  forEachRow<2>(a.rank, a.shape, {a.strides, b.strides},
                [&](const int64_t *index, const int64_t *base, int64_t len, const int64_t *inner) {
                  // o's offset of the row start, without the axis component.
                  int64_t rowOff = 0;
                  for (int k = 0; k + 1 < a.rank; ++k)
                    if (k != axis)
                      rowOff += index[k] * o.strides[k];
                  const int last = a.rank - 1;
                  for (int64_t i = 0; i < len; ++i) {
                    int64_t v = static_cast<int64_t>(pa[base[0] + i * inner[0]]);
                    if (v < 0)
                      v += n;
                    int64_t off = rowOff + v * o.strides[axis];
                    if (last != axis)
                      off += i * o.strides[last];
                    po[off] = pb[base[1] + i * inner[1]];
                  }
                });
  return absl::OkStatus();
}

absl::Status scatter(const TensorRef &o, const TensorRef &a, const TensorRef &b, int64_t axis) {
  return dispatchBySize(o.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (a.dtype == format::DType::I32)
      return scatterTyped<T, int32_t>(o, a, b, static_cast<int>(axis));
    if (a.dtype == format::DType::I64)
      return scatterTyped<T, int64_t>(o, a, b, static_cast<int>(axis));
    return unsupported("scatter indices", a.dtype);
  });
}

template <typename T> void triluTyped(const TensorRef &o, const TensorRef &a, int64_t k, bool upper) {
  T *po = typed<T>(o);
  const T *pa = typed<T>(a);
  const int rowAxis = o.rank - 2;
  forEachRow<2>(o.rank, o.shape, {o.strides, a.strides},
                [&](const int64_t *index, const int64_t *base, int64_t len, const int64_t *inner) {
                  int64_t row = index[rowAxis];
                  for (int64_t j = 0; j < len; ++j) {
                    // j - row cannot overflow: both lie in [0, 2^63).
                    int64_t diag = j - row;
                    bool keep = upper ? diag >= k : diag <= k;
                    po[base[0] + j * inner[0]] = keep ? pa[base[1] + j * inner[1]] : T(0);
                  }
                });
}

// window: for each spatial axis, the input index that kernel offset j at
// output position q reads (-1: the pad value), then one pass over o.
template <typename T> void windowTyped(const TensorRef &o, const TensorRef &a, const int64_t *imms) {
  // Slot t of the loops below is spatial axis t - lead: the unused axes
  // (the identity, size 1) come first, so the innermost loop always runs
  // along the input's last axis. K and P keep their row-major order.
  const int spatial = a.rank - 2, lead = format::kWindowAxes - spatial;
  std::array<std::vector<int64_t>, format::kWindowAxes> source;  // [j * out + q]
  std::array<int64_t, format::kWindowAxes> kernel{}, out{}, stride{};
  std::array<format::WindowAxis, format::kWindowAxes> axes{};
  for (int t = 0; t < format::kWindowAxes; ++t) {
    const int i = t - lead;
    format::WindowAxis w = i >= 0 ? format::windowAxis(imms, i) : format::WindowAxis{1, 1, 1, 0, 1, 1};
    axes[t] = w;
    kernel[t] = w.kernel;
    out[t] = w.out;
    stride[t] = i >= 0 ? a.strides[2 + i] : 0;
    const int64_t size = i >= 0 ? a.shape[2 + i] : 1;
    source[t].resize(size_t(w.kernel * w.out));
    for (int64_t j = 0; j < w.kernel; ++j)
      for (int64_t q = 0; q < w.out; ++q) {
        int64_t x = q * w.stride + j * w.dilation - w.pad;
        bool inside = x >= 0 && x % w.inputDilation == 0 && x / w.inputDilation < size;
        source[t][size_t(j * w.out + q)] = inside ? x / w.inputDilation : -1;
      }
  }
  // Along the last axis with unit stride and no input dilation, the q2
  // that read the input form one run [runLo, runHi) per kernel offset.
  const bool unitRun = axes[2].stride == 1 && axes[2].inputDilation == 1;
  std::vector<int64_t> runLo(size_t(kernel[2]), 0), runHi(size_t(kernel[2]), 0);
  for (int64_t j = 0; unitRun && j < kernel[2]; ++j) {
    const int64_t *row = &source[2][size_t(j * out[2])];
    int64_t lo = 0;
    while (lo < out[2] && row[lo] < 0)
      ++lo;
    int64_t hi = lo;
    while (hi < out[2] && row[hi] >= 0)
      ++hi;
    runLo[size_t(j)] = lo;
    runHi[size_t(j)] = hi;
  }
  T pad;
  std::memcpy(&pad, &imms[format::kWindowPadImm], sizeof(T));
  T *po = typed<T>(o);
  const T *pa = typed<T>(a);
  for (int64_t n = 0; n < o.shape[0]; ++n)
    for (int64_t c = 0; c < o.shape[1]; ++c) {
      const T *plane = pa + n * a.strides[0] + c * a.strides[1];
      int64_t k = 0;
      for (int64_t j0 = 0; j0 < kernel[0]; ++j0)
        for (int64_t j1 = 0; j1 < kernel[1]; ++j1)
          for (int64_t j2 = 0; j2 < kernel[2]; ++j2, ++k) {
            T *row = po + n * o.strides[0] + c * o.strides[1] + k * o.strides[2];
            const int64_t *s0 = &source[0][size_t(j0 * out[0])];
            const int64_t *s1 = &source[1][size_t(j1 * out[1])];
            const int64_t *s2 = &source[2][size_t(j2 * out[2])];
            // The innermost output axis runs over q2 with the outer two
            // fixed: a row of pad values or a gather along the last axis.
            const int64_t ostride = o.strides[3];
            for (int64_t q0 = 0; q0 < out[0]; ++q0)
              for (int64_t q1 = 0; q1 < out[1]; ++q1) {
                T *to = row + (q0 * out[1] + q1) * out[2] * ostride;
                if (s0[q0] < 0 || s1[q1] < 0) {
                  for (int64_t q2 = 0; q2 < out[2]; ++q2)
                    to[q2 * ostride] = pad;
                  continue;
                }
                const T *from = plane + s0[q0] * stride[0] + s1[q1] * stride[1];
                if (unitRun && ostride == 1 && stride[2] == 1) {
                  // Unit stride, no input dilation: the valid q2 read
                  // consecutive elements, pads on either side.
                  const int64_t lo = runLo[size_t(j2)], hi = runHi[size_t(j2)];
                  std::fill(to, to + lo, pad);
                  if (hi > lo)
                    std::memcpy(to + lo, from + s2[lo], size_t(hi - lo) * sizeof(T));
                  std::fill(to + std::max(lo, hi), to + out[2], pad);
                  continue;
                }
                for (int64_t q2 = 0; q2 < out[2]; ++q2)
                  to[q2 * ostride] = s2[q2] >= 0 ? from[s2[q2] * stride[2]] : pad;
              }
          }
    }
}

}  // namespace

absl::Status runMove(Opcode op, const TensorRef *ops, unsigned n, const int64_t *imms) {
  switch (op) {
  case Opcode::Copy:
    return copy(ops[0], ops[1]);
  case Opcode::Concat:
    return concat(ops, n, imms[0]);
  case Opcode::Gather:
    return gather(ops[0], ops[1], ops[2], imms[0]);
  case Opcode::Scatter:
    return scatter(ops[0], ops[1], ops[2], imms[0]);
  case Opcode::Window:
    return dispatchBySize(ops[0].dtype, [&](auto tag) {
      windowTyped<decltype(tag)>(ops[0], ops[1], imms);
      return absl::OkStatus();
    });
  case Opcode::Trilu:
    return dispatchBySize(ops[0].dtype, [&](auto tag) {
      triluTyped<decltype(tag)>(ops[0], ops[1], imms[0], imms[1] != 0);
      return absl::OkStatus();
    });
  default:
    return absl::InternalError("not a move opcode");
  }
}

}  // namespace lmc::kernels
