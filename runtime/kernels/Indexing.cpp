// Indexed data movement: gather_elements, gather_nd and scatter_nd (in
// place, with an optional reduction). Indices are i32 or i64; negative ones
// count from the end, and one out of range is a run-time error raised
// before anything is written.
#include <string>
#include <type_traits>

#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {
namespace {

using format::Opcode;

template <typename I> int64_t indexAt(const TensorRef &idx, int64_t off, int64_t n) {
  int64_t v = static_cast<int64_t>(typed<I>(idx)[off]);
  return v < 0 ? v + n : v;
}

// The element offset in `t` addressed by the full index `at` of a
// gather_nd output or scatter_nd update: t's first `batch` coordinates,
// then the tuple idx[at[:q-1], :] (m entries), then the rest of `at` for
// t's remaining axes.
template <typename I>
int64_t tupleOffset(const TensorRef &idx, const int64_t *at, const TensorRef &t, int batch) {
  const int q = idx.rank, m = static_cast<int>(idx.shape[q - 1]);
  int64_t idxOff = 0, off = 0;
  for (int k = 0; k < q - 1; ++k)
    idxOff += at[k] * idx.strides[k];
  for (int k = 0; k < batch; ++k)
    off += at[k] * t.strides[k];
  for (int j = 0; j < m; ++j)
    off +=
        indexAt<I>(idx, idxOff + j * idx.strides[q - 1], t.shape[batch + j]) * t.strides[batch + j];
  for (int d = batch + m; d < t.rank; ++d)
    off += at[q - 1 + d - batch - m] * t.strides[d];
  return off;
}

// o[i] = a[i with i[axis] replaced by b[i]]; o and b share a shape.
template <typename T, typename I>
absl::Status gatherElementsTyped(const TensorRef &o, const TensorRef &a, const TensorRef &b,
                                 int axis) {
  const int64_t n = a.shape[axis];
  if (absl::Status s = checkIndices<I>(b, "gather_elements", [n](int64_t) { return n; }); !s.ok())
    return s;
  T *po = typed<T>(o);
  const T *pa = typed<T>(a);
  forEachRow<2>(o.rank, o.shape, {o.strides, b.strides},
                [&](const int64_t *index, const int64_t *base, int64_t len, const int64_t *inner) {
                  int64_t at[format::kMaxRank];
                  for (int64_t i = 0; i < len; ++i) {
                    rowIndex(o.rank, index, i, at);
                    at[axis] = indexAt<I>(b, base[1] + i * inner[1], n);
                    po[base[0] + i * inner[0]] = pa[offsetOf(a, at)];
                  }
                });
  return absl::OkStatus();
}

// ONNX GatherND: b is [batch..., rest..., m]; o[batch, rest, tail] =
// a[batch, b[batch, rest, :], tail].
template <typename T, typename I>
absl::Status gatherNdTyped(const TensorRef &o, const TensorRef &a, const TensorRef &b, int batch) {
  if (absl::Status s =
          checkIndices<I>(b, "gather_nd", [&](int64_t j) { return a.shape[batch + j]; });
      !s.ok())
    return s;
  T *po = typed<T>(o);
  const T *pa = typed<T>(a);
  forEachRow<1>(o.rank, o.shape, {o.strides},
                [&](const int64_t *index, const int64_t *base, int64_t len, const int64_t *inner) {
                  int64_t at[format::kMaxRank] = {};
                  for (int64_t i = 0; i < len; ++i) {
                    rowIndex(o.rank, index, i, at);
                    int64_t aOff = tupleOffset<I>(b, at, a, batch);
                    po[base[0] + i * inner[0]] = pa[aOff];
                  }
                });
  return absl::OkStatus();
}

// scatter_nd's reduction (1 add, 2 mul, 3 max, 4 min) of x by y; integer
// add and mul wrap, computed unsigned and at least as wide as `unsigned`
// (narrower types would promote to int, where they can overflow).
template <typename T> T combine(T x, T y, int64_t reduction) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    using W = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
    if (reduction == 1)
      return static_cast<T>(static_cast<U>(W(U(x)) + W(U(y))));
    if (reduction == 2)
      return static_cast<T>(static_cast<U>(W(U(x)) * W(U(y))));
  } else {
    if (reduction == 1)
      return x + y;
    if (reduction == 2)
      return x * y;
  }
  return reduction == 3 ? (y > x ? y : x) : (y < x ? y : x);
}

// ONNX ScatterND on o in place: a is the indices [rest..., m], b the
// updates [rest..., o.shape[m:]...]; o[a[rest, :], tail] (op)= b[rest, tail]
// in row-major order of b.
template <typename S, typename I>
absl::Status scatterNdTyped(const TensorRef &o, const TensorRef &a, const TensorRef &b,
                            int64_t reduction) {
  if (absl::Status s = checkIndices<I>(a, "scatter_nd", [&](int64_t j) { return o.shape[j]; });
      !s.ok())
    return s;
  S *po = typed<S>(o);
  const S *pb = typed<S>(b);
  forEachRow<1>(b.rank, b.shape, {b.strides},
                [&](const int64_t *index, const int64_t *base, int64_t len, const int64_t *inner) {
                  int64_t at[format::kMaxRank] = {};
                  for (int64_t i = 0; i < len; ++i) {
                    rowIndex(b.rank, index, i, at);
                    int64_t oOff = tupleOffset<I>(a, at, o, 0);
                    const S &update = pb[base[0] + i * inner[0]];
                    if (reduction == 0) {
                      po[oOff] = update;
                      continue;
                    }
                    po[oOff] = store<S>(combine(load(po[oOff]), load(update), reduction));
                  }
                });
  return absl::OkStatus();
}

template <typename F> absl::Status byIndexType(const TensorRef &idx, const char *what, F f) {
  if (idx.dtype == format::DType::I32)
    return f(int32_t{});
  if (idx.dtype == format::DType::I64)
    return f(int64_t{});
  return unsupported(what, idx.dtype);
}

} // namespace

absl::Status runIndexing(Opcode op, const TensorRef &o, const TensorRef &a, const TensorRef &b,
                         int64_t imm) {
  if (op == Opcode::ScatterND) {
    return byIndexType(a, "scatter_nd indices", [&](auto itag) {
      using I = decltype(itag);
      if (imm == 0)
        return dispatchBySize(
            o.dtype, [&](auto tag) { return scatterNdTyped<decltype(tag), I>(o, a, b, 0); });
      return dispatchNumeric(o.dtype, "scatter_nd with a reduction", [&](auto tag) {
        return scatterNdTyped<decltype(tag), I>(o, a, b, imm);
      });
    });
  }
  return dispatchBySize(o.dtype, [&](auto tag) {
    using T = decltype(tag);
    return byIndexType(b, "gather indices", [&](auto itag) {
      using I = decltype(itag);
      return op == Opcode::GatherElements
                 ? gatherElementsTyped<T, I>(o, a, b, static_cast<int>(imm))
                 : gatherNdTyped<T, I>(o, a, b, static_cast<int>(imm));
    });
  });
}

} // namespace lmc::kernels
