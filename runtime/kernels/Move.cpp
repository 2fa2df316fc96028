// Data movement kernels: copy, concat, gather, trilu, scatter. They move
// elements by size, so they work for every dtype.
#include <array>

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
