// Internal helpers of the kernels: strided iteration and dtype dispatch.
#ifndef LMC_KERNELS_TENSOR_H
#define LMC_KERNELS_TENSOR_H

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "runtime/kernels/Half.h"
#include "runtime/kernels/Kernels.h"

namespace lmc::kernels {

// Calls f(index, base, len, inner) once per row along the last axis of
// `shape`, where `index` is the row's full index (last entry 0), base[j]
// the element offset of the row's first element in tensor j and inner[j]
// tensor j's stride along the last axis. Nothing is called for an empty
// shape; a rank-0 shape is one row of length 1.
template <size_t N, typename F>
void forEachRow(int rank, const int64_t *shape, const std::array<const int64_t *, N> &strides,
                F &&f) {
  int64_t index[format::kMaxRank] = {0};
  int64_t base[N] = {0};
  int64_t inner[N] = {0};
  for (int k = 0; k < rank; ++k)
    if (shape[k] == 0)
      return;
  if (rank == 0) {
    f(static_cast<const int64_t *>(index), static_cast<const int64_t *>(base), int64_t(1),
      static_cast<const int64_t *>(inner));
    return;
  }
  for (size_t j = 0; j < N; ++j)
    inner[j] = strides[j][rank - 1];
  int64_t len = shape[rank - 1];
  while (true) {
    f(static_cast<const int64_t *>(index), static_cast<const int64_t *>(base), len,
      static_cast<const int64_t *>(inner));
    int d = rank - 2;
    for (; d >= 0; --d) {
      ++index[d];
      for (size_t j = 0; j < N; ++j)
        base[j] += strides[j][d];
      if (index[d] < shape[d])
        break;
      for (size_t j = 0; j < N; ++j)
        base[j] -= strides[j][d] * shape[d];
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}

// Element offset of `index` in `t`.
inline int64_t offsetOf(const TensorRef &t, const int64_t *index) {
  int64_t off = 0;
  for (int k = 0; k < t.rank; ++k)
    off += index[k] * t.strides[k];
  return off;
}

template <typename T> T *typed(const TensorRef &t) { return reinterpret_cast<T *>(t.data); }

// The full index of element i of a row that forEachRow reports at `index`.
inline void rowIndex(int rank, const int64_t *index, int64_t i, int64_t *out) {
  for (int k = 0; k < rank; ++k)
    out[k] = index[k];
  if (rank > 0)
    out[rank - 1] = i;
}

// Checks every index (of type I) in `idx` against [-n, n) with n =
// limit(its coordinate along idx's last axis), so that a kernel can reject
// bad indices before it writes anything. The error names the first bad one:
// "<what> index 9 at [1, 0] of the indices is outside [-4, 4)<detail>".
template <typename I, typename Limit>
absl::Status checkIndices(const TensorRef &idx, const char *what, Limit limit,
                          const std::string &detail = "") {
  const I *p = typed<I>(idx);
  absl::Status bad = absl::OkStatus();
  forEachRow<1>(idx.rank, idx.shape, {idx.strides},
                [&](const int64_t *index, const int64_t *base, int64_t len, const int64_t *inner) {
                  for (int64_t i = 0; i < len && bad.ok(); ++i) {
                    int64_t v = static_cast<int64_t>(p[base[0] + i * inner[0]]);
                    int64_t n = limit(i);
                    if (v >= -n && v < n)
                      continue;
                    int64_t at[format::kMaxRank];
                    rowIndex(idx.rank, index, i, at);
                    std::string where;
                    for (int k = 0; k < idx.rank; ++k)
                      absl::StrAppend(&where, k ? ", " : "", at[k]);
                    bad = absl::OutOfRangeError(absl::StrCat(what, " index ", v, " at [", where,
                                                             "] of the indices is outside [", -n,
                                                             ", ", n, ")", detail));
                  }
                });
  return bad;
}

inline absl::Status unsupported(const char *what, format::DType t) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, " does not support dtype ", format::dtypeName(t)));
}

// Calls f(T{}) with T the storage type of a float dtype (f16, bf16, f32,
// f64; see Half.h for the first two).
template <typename F> absl::Status dispatchFloat(format::DType t, const char *what, F &&f) {
  switch (t) {
  case format::DType::F32: return f(float{});
  case format::DType::F64: return f(double{});
  case format::DType::F16: return f(Half{});
  case format::DType::BF16: return f(BFloat16{});
  default: return unsupported(what, t);
  }
}

// Calls f(T{}) with T the storage type of a numeric dtype: a float or one
// of the eight integer types (not bool).
template <typename F> absl::Status dispatchNumeric(format::DType t, const char *what, F &&f) {
  switch (t) {
  case format::DType::I8: return f(int8_t{});
  case format::DType::U8: return f(uint8_t{});
  case format::DType::I16: return f(int16_t{});
  case format::DType::U16: return f(uint16_t{});
  case format::DType::I32: return f(int32_t{});
  case format::DType::U32: return f(uint32_t{});
  case format::DType::I64: return f(int64_t{});
  case format::DType::U64: return f(uint64_t{});
  default: return dispatchFloat(t, what, std::forward<F>(f));
  }
}

// Float to integer: truncates toward zero and saturates at D's range, NaN
// giving 0 (C++ leaves out-of-range conversions undefined).
template <typename D, typename S> D truncateToInteger(S s) {
  if (std::isnan(s))
    return D(0);
  S t = std::trunc(s);
  if (t <= static_cast<S>(std::numeric_limits<D>::min()))
    return std::numeric_limits<D>::min();
  // max() of a 32/64-bit type rounds up to 2^31/2^63 as a float: compare >=.
  if (t >= static_cast<S>(std::numeric_limits<D>::max()))
    return std::numeric_limits<D>::max();
  return static_cast<D>(t);
}

// Calls f(T{}) with an unsigned integer type of the element size, for
// kernels that only move bytes.
template <typename F> absl::Status dispatchBySize(format::DType t, F &&f) {
  switch (format::dtypeSize(t)) {
  case 1: return f(uint8_t{});
  case 2: return f(uint16_t{});
  case 4: return f(uint32_t{});
  case 8: return f(uint64_t{});
  default: return unsupported("this kernel", t);
  }
}

// Family entry points (one file each), called by runKernel.
absl::Status runMove(format::Opcode op, const TensorRef *ops, unsigned n, const int64_t *imms);
absl::Status runMatMul(const TensorRef &o, const TensorRef &a, const TensorRef &b);
absl::Status runMatMulPacked(const TensorRef &o, const TensorRef &a, const TensorRef &b);
// gelu (imm: tanh approximation).
absl::Status runGelu(const TensorRef &o, const TensorRef &a, bool tanhForm);
// matmul_q (imms: scheme, G).
absl::Status runMatMulQ(const TensorRef &o, const TensorRef &a, const TensorRef &b,
                        const TensorRef &c, const int64_t *imms);
absl::Status runUnary(format::Opcode op, const TensorRef &o, const TensorRef &a);
// math (imm: the function, format::MathFn).
absl::Status runMath(const TensorRef &o, const TensorRef &a, int64_t fn);
// mod (imm: fmod) and bitshift (imm: left).
absl::Status runModShift(format::Opcode op, const TensorRef &o, const TensorRef &a,
                         const TensorRef &b, int64_t imm);
// argmax, argmin, cumsum, topk (imms as Opcodes.def).
absl::Status runAxis(format::Opcode op, const TensorRef &o, const TensorRef &a,
                     const int64_t *imms);
// gather_elements, gather_nd, scatter_nd (imm as Opcodes.def).
absl::Status runIndexing(format::Opcode op, const TensorRef &o, const TensorRef &a,
                         const TensorRef &b, int64_t imm);
absl::Status runCast(const TensorRef &o, const TensorRef &a);
absl::Status runBinary(format::Opcode op, const TensorRef &o, const TensorRef &a,
                       const TensorRef &b);
absl::Status runWhere(const TensorRef &o, const TensorRef &cond, const TensorRef &a,
                      const TensorRef &b);
absl::Status runReduce(format::Opcode op, const TensorRef &o, const TensorRef &a);
absl::Status runSoftmax(const TensorRef &o, const TensorRef &a, int64_t axis);
absl::Status runLayerNorm(const TensorRef &o, const TensorRef &a, const TensorRef &scale,
                          const TensorRef *bias, int64_t axis, double epsilon);

}  // namespace lmc::kernels

#endif  // LMC_KERNELS_TENSOR_H
