// The F16 operand constraints of every opcode (FORMAT.md, "Opcodes").
#include "runtime/format/OpcodeRules.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/format/MathFn.h"
#include "runtime/format/PackedMatMul.h"
#include "runtime/format/QuantMatMul.h"

namespace lmc::format {
namespace {

const char *kNames[] = {"o", "a", "b", "c"};

std::string name(unsigned i) {
  return i < 4 ? kNames[i] : absl::StrCat("input ", i - 1);
}

DType dt(const Region &r) { return static_cast<DType>(r.dtype); }

bool sameShape(const Region &x, const Region &y) {
  if (x.rank != y.rank)
    return false;
  for (unsigned k = 0; k < x.rank; ++k)
    if (x.shape[k] != y.shape[k])
      return false;
  return true;
}

std::string mismatch(const Region *ops, unsigned i, unsigned j, const char *what) {
  return absl::StrCat(name(i), " is ", describeRegionType(ops[i]), " but ", name(j), " is ",
                      describeRegionType(ops[j]), ": ", what);
}

std::string badType(const Region *ops, unsigned i, const char *allowed) {
  return absl::StrCat(name(i), " is ", describeRegionType(ops[i]), "; expected ", allowed);
}

// All operands in [first, n) have the shape of operand `ref`.
std::string checkSameShapes(const Region *ops, unsigned n, unsigned ref) {
  for (unsigned i = 0; i < n; ++i)
    if (i != ref && !sameShape(ops[i], ops[ref]))
      return mismatch(ops, i, ref, "shapes differ");
  return "";
}

std::string checkAxis(int64_t axis, unsigned rank) {
  if (axis < 0 || axis >= static_cast<int64_t>(rank))
    return absl::StrCat("axis ", axis, " is outside [0, ", rank, ")");
  return "";
}

constexpr const char *kFloat = "a float (f16, bf16, f32 or f64)";
constexpr const char *kNumeric = "a number (float or integer, not bool)";
constexpr const char *kSigned = "a float or a signed integer";

std::string checkUnary(Opcode op, const Region *ops) {
  if (!sameShape(ops[0], ops[1]))
    return mismatch(ops, 0, 1, "shapes differ");
  DType t = dt(ops[1]);
  if (op == Opcode::Cast)
    return "";
  if (dt(ops[0]) != t)
    return mismatch(ops, 0, 1, "dtypes differ");
  if (op == Opcode::Not)
    return t == DType::Bool ? "" : badType(ops, 1, "bool");
  if (op == Opcode::Abs)
    return isNumericType(t) ? "" : badType(ops, 1, kNumeric);
  if (op == Opcode::Neg || op == Opcode::Relu)
    return isFloatType(t) || isSignedIntegerType(t) ? "" : badType(ops, 1, kSigned);
  return isFloatType(t) ? "" : badType(ops, 1, kFloat);
}

std::string checkBinary(Opcode op, const Region *ops) {
  if (std::string e = checkSameShapes(ops, 3, 1); !e.empty())
    return e;
  DType t = dt(ops[1]);
  if (op == Opcode::Pow) {
    // ONNX Pow: the exponent may have another numeric dtype than the base.
    if (dt(ops[0]) != t)
      return mismatch(ops, 0, 1, "dtypes differ");
    if (!isNumericType(t))
      return badType(ops, 1, kNumeric);
    return isNumericType(dt(ops[2])) ? "" : badType(ops, 2, kNumeric);
  }
  if (dt(ops[1]) != dt(ops[2]))
    return mismatch(ops, 2, 1, "dtypes differ");
  switch (op) {
  case Opcode::Equal:
  case Opcode::Less:
  case Opcode::Greater:
    if (dt(ops[0]) != DType::Bool)
      return badType(ops, 0, "bool");
    if (op == Opcode::Equal && t == DType::Bool)
      return "";
    return isNumericType(t) ? "" : badType(ops, 1, kNumeric);
  case Opcode::And:
  case Opcode::Or:
    if (t != DType::Bool)
      return badType(ops, 1, "bool");
    return dt(ops[0]) == DType::Bool ? "" : badType(ops, 0, "bool");
  default:
    break;
  }
  if (dt(ops[0]) != t)
    return mismatch(ops, 0, 1, "dtypes differ");
  return isNumericType(t) ? "" : badType(ops, 1, kNumeric);
}

// matmul: f32, or (version 3) i32 for exact integer products.
std::string checkMatMul(const Region *ops) {
  if (dt(ops[1]) != DType::F32 && dt(ops[1]) != DType::I32)
    return badType(ops, 1, "f32 or i32");
  for (unsigned i : {0u, 2u})
    if (ops[i].dtype != ops[1].dtype)
      return mismatch(ops, i, 1, "dtypes differ");
  const Region &o = ops[0], &a = ops[1], &b = ops[2];
  if (a.rank < 2)
    return badType(ops, 1, "rank >= 2");
  if (a.rank != b.rank || a.rank != o.rank)
    return mismatch(ops, 2, 1, "ranks differ from each other or from o");
  unsigned r = a.rank;
  for (unsigned k = 0; k + 2 < r; ++k)
    if (a.shape[k] != b.shape[k] || a.shape[k] != o.shape[k])
      return absl::StrCat("batch dim ", k, " differs: o is ", describeRegionType(o), ", a is ",
                          describeRegionType(a), ", b is ", describeRegionType(b));
  if (a.shape[r - 1] != b.shape[r - 2])
    return mismatch(ops, 2, 1, "K of a and b differ");
  if (o.shape[r - 2] != a.shape[r - 2] || o.shape[r - 1] != b.shape[r - 1])
    return absl::StrCat("o is ", describeRegionType(o), " but a @ b is [..., ", a.shape[r - 2],
                        ", ", b.shape[r - 1], "]");
  return "";
}

// o = a @ B with B one shared matrix (matmul_packed, matmul_q): a is
// [..., M, K] and o [..., M, N], of one rank >= 2 with equal batch dims.
std::string checkRowsAgainstSharedB(const Region *ops) {
  const Region &o = ops[0], &a = ops[1];
  if (a.rank < 2)
    return badType(ops, 1, "rank >= 2");
  if (a.rank != o.rank)
    return mismatch(ops, 0, 1, "ranks differ");
  unsigned r = a.rank;
  for (unsigned k = 0; k + 2 < r; ++k)
    if (a.shape[k] != o.shape[k])
      return mismatch(ops, 0, 1, "batch dims differ");
  if (o.shape[r - 2] != a.shape[r - 2])
    return mismatch(ops, 0, 1, "M differs");
  return "";
}

// matmul_q: a and o f32 as for matmul; b the packed quantized K x N matrix
// as contiguous bytes (FORMAT.md "Quantized B"); c the f32 scales
// [groups, N] with contiguous rows.
std::string checkMatMulQ(const Region *ops, const int64_t *imms) {
  for (unsigned i : {0u, 1u, 3u})
    if (dt(ops[i]) != DType::F32)
      return badType(ops, i, "f32");
  if (dt(ops[2]) != DType::U8)
    return badType(ops, 2, "u8");
  const Region &o = ops[0], &a = ops[1], &b = ops[2], &c = ops[3];
  if (std::string bad = checkRowsAgainstSharedB(ops); !bad.empty())
    return bad;
  const unsigned r = a.rank;
  const int64_t K = a.shape[r - 1], N = o.shape[r - 1];
  std::string bad = checkQuantParams(imms[0], K, N, imms[1]);
  if (!bad.empty())
    return bad;
  const auto scheme = static_cast<QuantScheme>(imms[0]);
  if (b.rank != 1 || (b.shape[0] > 1 && b.strides[0] != 1))
    return absl::StrCat("b is ", describeRegionType(b), " with stride ", b.strides[0],
                        "; expected the packed matrix as a contiguous byte vector (rank 1, "
                        "stride 1)");
  const int64_t expected = quantPackedBytes(scheme, K, N);
  if (expected < 0)
    return absl::StrCat("the packed size of K = ", K, ", N = ", N, " overflows");
  if (b.shape[0] != expected)
    return absl::StrCat("b has ", b.shape[0], " bytes but a packed ", quantSchemeName(imms[0]),
                        " K x N = ", K, " x ", N, " matrix has ", expected);
  const int64_t groups = quantGroups(K, imms[1]);
  if (c.rank != 2 || c.shape[0] != groups || c.shape[1] != N)
    return absl::StrCat("c (the scales) is ", describeRegionType(c), "; expected [", groups, ", ",
                        N, "] (ceil(K / G) groups x N)");
  if (N > 1 && c.strides[1] != 1)
    return absl::StrCat("c (the scales) has column stride ", c.strides[1], "; expected 1");
  return "";
}

// matmul_packed: a and o as for matmul; b is the packed K x N matrix as a
// contiguous f32 vector (FORMAT.md "Packed B"), K from a, N from o.
std::string checkMatMulPacked(const Region *ops) {
  for (unsigned i = 0; i < 3; ++i)
    if (dt(ops[i]) != DType::F32)
      return badType(ops, i, "f32");
  const Region &o = ops[0], &a = ops[1], &b = ops[2];
  if (std::string bad = checkRowsAgainstSharedB(ops); !bad.empty())
    return bad;
  const unsigned r = a.rank;
  if (b.rank != 1 || (b.shape[0] > 1 && b.strides[0] != 1))
    return absl::StrCat("b is ", describeRegionType(b), " with stride ", b.strides[0],
                        "; expected the packed matrix as a contiguous vector (rank 1, stride 1)");
  const int64_t K = a.shape[r - 1], N = o.shape[r - 1];
  const int64_t expected = packedElements(K, N);
  if (expected < 0)
    return absl::StrCat("the packed size of K = ", K, ", N = ", N, " overflows");
  if (b.shape[0] != expected)
    return absl::StrCat("b has ", b.shape[0], " elements but a packed K x N = ", K, " x ", N,
                        " matrix has K * ceil(N / ", kPackedNr, ") * ", kPackedNr, " = ", expected);
  return "";
}

std::string checkConcat(const Region *ops, unsigned n, int64_t axis) {
  const Region &o = ops[0];
  if (std::string e = checkAxis(axis, o.rank); !e.empty())
    return e;
  int64_t sum = 0;
  for (unsigned i = 1; i < n; ++i) {
    if (ops[i].rank != o.rank)
      return mismatch(ops, i, 0, "ranks differ");
    if (ops[i].dtype != o.dtype)
      return mismatch(ops, i, 0, "dtypes differ");
    for (unsigned k = 0; k < o.rank; ++k)
      if (k != axis && ops[i].shape[k] != o.shape[k])
        return mismatch(ops, i, 0, "dims off the concat axis differ");
    if (__builtin_add_overflow(sum, ops[i].shape[axis], &sum))
      return "the inputs' dims along the axis overflow";
  }
  if (sum != o.shape[axis])
    return absl::StrCat("o has ", o.shape[axis], " along axis ", axis, " but the inputs sum to ",
                        sum);
  return "";
}

std::string checkGather(const Region *ops, int64_t axis) {
  const Region &o = ops[0], &a = ops[1], &b = ops[2];
  if (dt(b) != DType::I32 && dt(b) != DType::I64)
    return badType(ops, 2, "i32 or i64 indices");
  if (o.dtype != a.dtype)
    return mismatch(ops, 0, 1, "dtypes differ");
  if (std::string e = checkAxis(axis, a.rank); !e.empty())
    return e;
  if (o.rank != a.rank - 1 + b.rank)
    return absl::StrCat("o has rank ", int(o.rank), "; expected rank(a) - 1 + rank(b) = ",
                        a.rank - 1 + b.rank);
  unsigned k = 0;
  bool ok = true;
  for (unsigned i = 0; i < axis; ++i)
    ok &= o.shape[k++] == a.shape[i];
  for (unsigned i = 0; i < b.rank; ++i)
    ok &= o.shape[k++] == b.shape[i];
  for (unsigned i = axis + 1; i < a.rank; ++i)
    ok &= o.shape[k++] == a.shape[i];
  if (!ok)
    return absl::StrCat("o is ", describeRegionType(o), " but a is ", describeRegionType(a),
                        " and b is ", describeRegionType(b), " gathered on axis ", axis);
  return "";
}

// scatter: o is updated in place at the positions a (indices) gives along
// `axis` with the values b (updates); a and b share a shape, which fits in
// o off the axis (ONNX ScatterElements).
std::string checkScatter(const Region *ops, int64_t axis) {
  const Region &o = ops[0], &a = ops[1], &b = ops[2];
  if (dt(a) != DType::I32 && dt(a) != DType::I64)
    return badType(ops, 1, "i32 or i64 indices");
  if (o.dtype != b.dtype)
    return mismatch(ops, 2, 0, "dtypes differ");
  if (o.rank == 0)
    return badType(ops, 0, "rank >= 1");
  if (std::string e = checkAxis(axis, o.rank); !e.empty())
    return e;
  if (!sameShape(a, b))
    return mismatch(ops, 2, 1, "shapes differ");
  if (a.rank != o.rank)
    return mismatch(ops, 1, 0, "ranks differ");
  for (unsigned k = 0; k < o.rank; ++k)
    if (k != axis && a.shape[k] > o.shape[k])
      return absl::StrCat("a is ", describeRegionType(a), " but o is ", describeRegionType(o),
                          ": dim ", k, " (not the axis) of the indices exceeds o's");
  return "";
}

std::string checkFlag(const int64_t *imms, unsigned i, const char *what) {
  if (imms[i] == 0 || imms[i] == 1)
    return "";
  return absl::StrCat("imm", i, " (", what, ") is ", imms[i], "; expected 0 or 1");
}

bool isIndexType(DType t) { return t == DType::I32 || t == DType::I64; }

// math: as unary; floats, and sign also on integers.
std::string checkMath(const Region *ops, const int64_t *imms) {
  const char *fn = mathFnName(imms[0]);
  if (!fn)
    return absl::StrCat("imm0 (the function) is ", imms[0], "; expected 0 to ", kNumMathFns - 1);
  if (!sameShape(ops[0], ops[1]))
    return mismatch(ops, 0, 1, "shapes differ");
  if (dt(ops[0]) != dt(ops[1]))
    return mismatch(ops, 0, 1, "dtypes differ");
  if (mathFnTakesIntegers(static_cast<MathFn>(imms[0])))
    return isNumericType(dt(ops[1])) ? "" : badType(ops, 1, kNumeric);
  return isFloatType(dt(ops[1])) ? "" : badType(ops, 1, kFloat);
}

// mod (numeric) and bitshift (unsigned): one shape and dtype for all three.
std::string checkModShift(Opcode op, const Region *ops, const int64_t *imms) {
  if (std::string e = checkFlag(imms, 0, op == Opcode::Mod ? "fmod" : "left"); !e.empty())
    return e;
  if (std::string e = checkSameShapes(ops, 3, 1); !e.empty())
    return e;
  for (unsigned i : {0u, 2u})
    if (dt(ops[i]) != dt(ops[1]))
      return mismatch(ops, i, 1, "dtypes differ");
  DType t = dt(ops[1]);
  if (op == Opcode::Mod)
    return isNumericType(t) ? "" : badType(ops, 1, kNumeric);
  return isIntegerType(t) && !isSignedIntegerType(t) ? "" : badType(ops, 1, "an unsigned integer");
}

// argmax, argmin, cumsum, topk: a numeric, imm0 an axis of it; o has a's
// rank and its dims off the axis.
std::string checkAxisOp(Opcode op, const Region *ops, const int64_t *imms) {
  const Region &o = ops[0], &a = ops[1];
  if (!isNumericType(dt(a)))
    return badType(ops, 1, kNumeric);
  if (std::string e = checkAxis(imms[0], a.rank); !e.empty())
    return e;
  if (o.rank != a.rank)
    return mismatch(ops, 0, 1, "ranks differ");
  for (unsigned k = 0; k < a.rank; ++k)
    if (k != imms[0] && o.shape[k] != a.shape[k])
      return mismatch(ops, 0, 1, "dims off the axis differ");
  const int64_t n = a.shape[imms[0]], out = o.shape[imms[0]];
  if (op == Opcode::CumSum) {
    if (dt(o) != dt(a))
      return mismatch(ops, 0, 1, "dtypes differ");
    if (out != n)
      return mismatch(ops, 0, 1, "shapes differ");
    if (std::string e = checkFlag(imms, 1, "exclusive"); !e.empty())
      return e;
    return checkFlag(imms, 2, "reverse");
  }
  if (dt(o) != DType::I64)
    return badType(ops, 0, "i64");
  if (op == Opcode::TopK) {
    if (out > n)
      return absl::StrCat("o takes ", out, " indices along axis ", imms[0], " of a's ", n);
    return checkFlag(imms, 1, "largest");
  }
  if (out != 1)
    return badType(ops, 0, "size 1 along the axis");
  if (n == 0)
    return absl::StrCat("axis ", imms[0], " of a is empty; its arg max/min is undefined");
  return checkFlag(imms, 1, "select last index");
}

// gather_elements (imm axis): a, b (indices) and o of one rank, o shaped
// as b, b within a off the axis.
std::string checkGatherElements(const Region *ops, int64_t axis) {
  const Region &o = ops[0], &a = ops[1], &b = ops[2];
  if (!isIndexType(dt(b)))
    return badType(ops, 2, "i32 or i64 indices");
  if (o.dtype != a.dtype)
    return mismatch(ops, 0, 1, "dtypes differ");
  if (std::string e = checkAxis(axis, a.rank); !e.empty())
    return e;
  if (b.rank != a.rank)
    return mismatch(ops, 2, 1, "ranks differ");
  if (!sameShape(o, b))
    return mismatch(ops, 0, 2, "shapes differ");
  for (unsigned k = 0; k < a.rank; ++k)
    if (k != axis && b.shape[k] > a.shape[k])
      return mismatch(ops, 2, 1, "a dim (not the axis) of the indices exceeds a's");
  return "";
}

// gather_nd (imm batch dims B): b is [batch..., rest..., m] with a's first
// B dims; o is b's dims but the last, then a's from B + m.
std::string checkGatherNd(const Region *ops, int64_t batch) {
  const Region &o = ops[0], &a = ops[1], &b = ops[2];
  if (!isIndexType(dt(b)))
    return badType(ops, 2, "i32 or i64 indices");
  if (o.dtype != a.dtype)
    return mismatch(ops, 0, 1, "dtypes differ");
  if (b.rank < 1)
    return badType(ops, 2, "rank >= 1");
  const int64_t q = b.rank, r = a.rank, m = b.shape[q - 1];
  if (batch < 0 || batch >= std::min(q, r))
    return absl::StrCat("imm0 (batch dims) is ", batch, "; expected [0, ", std::min(q, r), ")");
  if (m < 1 || m > r - batch)
    return absl::StrCat("b's last dim is ", m, "; expected [1, ", r - batch, "]");
  for (int64_t k = 0; k < batch; ++k)
    if (b.shape[k] != a.shape[k])
      return mismatch(ops, 2, 1, "batch dims differ");
  if (o.rank != q - 1 + r - batch - m)
    return absl::StrCat("o has rank ", int(o.rank), "; expected ", q - 1 + r - batch - m);
  for (int64_t k = 0; k < o.rank; ++k)
    if (o.shape[k] != (k < q - 1 ? b.shape[k] : a.shape[k - (q - 1) + batch + m]))
      return absl::StrCat("o is ", describeRegionType(o), " but a is ", describeRegionType(a),
                          " and b is ", describeRegionType(b), " with ", batch, " batch dims");
  return "";
}

// scatter_nd (imm reduction 0..4): o in place, a (indices) [rest..., m],
// b (updates) [rest..., o.shape[m:]...] of o's dtype.
std::string checkScatterNd(const Region *ops, int64_t reduction) {
  const Region &o = ops[0], &a = ops[1], &b = ops[2];
  if (reduction < 0 || reduction > 4)
    return absl::StrCat("imm0 (reduction) is ", reduction, "; expected 0 to 4");
  if (!isIndexType(dt(a)))
    return badType(ops, 1, "i32 or i64 indices");
  if (o.dtype != b.dtype)
    return mismatch(ops, 2, 0, "dtypes differ");
  if (reduction != 0 && !isNumericType(dt(o)))
    return badType(ops, 0, kNumeric);
  if (a.rank < 1)
    return badType(ops, 1, "rank >= 1");
  const int64_t q = a.rank, m = a.shape[q - 1];
  if (m < 1 || m > o.rank)
    return absl::StrCat("a's last dim is ", m, "; expected [1, ", int(o.rank), "]");
  bool ok = b.rank == q - 1 + o.rank - m;
  for (int64_t k = 0; ok && k < b.rank; ++k)
    ok = b.shape[k] == (k < q - 1 ? a.shape[k] : o.shape[k - (q - 1) + m]);
  if (!ok)
    return absl::StrCat("b is ", describeRegionType(b), "; expected a's dims but the last, then o's from ", m);
  return "";
}

std::string checkReduce(Opcode op, const Region *ops) {
  const Region &o = ops[0], &a = ops[1];
  if (o.rank != a.rank)
    return mismatch(ops, 0, 1, "ranks differ");
  if (o.dtype != a.dtype)
    return mismatch(ops, 0, 1, "dtypes differ");
  bool mean = op == Opcode::ReduceMean;
  if (mean ? !isFloatType(dt(a)) : !isNumericType(dt(a)))
    return badType(ops, 1, mean ? kFloat : kNumeric);
  for (unsigned k = 0; k < a.rank; ++k) {
    if (o.shape[k] == a.shape[k])
      continue;
    if (o.shape[k] != 1)
      return mismatch(ops, 0, 1, "o's dims must equal a's or be 1");
    if (a.shape[k] == 0 && (op == Opcode::ReduceMax || op == Opcode::ReduceMin))
      return absl::StrCat("axis ", k, " of a is empty; its max/min is undefined");
  }
  return "";
}

std::string checkNormalize(Opcode op, const Region *ops, unsigned n, const int64_t *imms) {
  const Region &a = ops[1];
  if (std::string e = checkAxis(imms[0], a.rank); !e.empty())
    return e;
  if (!isFloatType(dt(a)))
    return badType(ops, 1, kFloat);
  for (unsigned i = 0; i < n; ++i) {
    if (ops[i].dtype != a.dtype)
      return mismatch(ops, i, 1, "dtypes differ");
    if (!sameShape(ops[i], a))
      return mismatch(ops, i, 1, "shapes differ");
  }
  if (op == Opcode::LayerNorm) {
    double eps;
    std::memcpy(&eps, &imms[1], sizeof(eps));
    if (!std::isfinite(eps) || eps < 0)
      return absl::StrCat("epsilon ", eps, " is not a finite number >= 0");
  }
  return "";
}

// window: [N, C, spatial...] -> [N, C, K, P] with the geometry in the imms.
std::string checkWindow(const Region *ops, const int64_t *imms) {
  const Region &o = ops[0], &a = ops[1];
  if (a.rank < 3 || a.rank > 2 + kWindowAxes)
    return badType(ops, 1, "rank 3 to 5 ([N, C, 1 to 3 spatial axes])");
  if (o.rank != 4)
    return badType(ops, 0, "rank 4 ([N, C, K, P])");
  if (o.dtype != a.dtype)
    return mismatch(ops, 0, 1, "dtypes differ");
  constexpr int64_t kLimit = int64_t(1) << 30;
  const int spatial = a.rank - 2;
  int64_t k = 1, p = 1;
  for (int i = 0; i < kWindowAxes; ++i) {
    WindowAxis w = windowAxis(imms, i);
    std::string where = absl::StrCat("window axis ", i, ": ");
    if (i >= spatial) {
      if (w.kernel != 1 || w.stride != 1 || w.dilation != 1 || w.pad != 0 ||
          w.inputDilation != 1 || w.out != 1)
        return absl::StrCat(where, "an axis past the input's ", spatial,
                            " spatial axes must be 1, 1, 1, 0, 1, 1");
      continue;
    }
    for (int64_t v : {w.kernel, w.stride, w.dilation, w.inputDilation})
      if (v < 1 || v > kLimit)
        return absl::StrCat(where, "kernel, stride, dilation and input dilation must lie in [1, 2^30]");
    if (w.pad < -kLimit || w.pad > kLimit || w.out < 0 || w.out > kLimit)
      return absl::StrCat(where, "pad must lie in [-2^30, 2^30] and out in [0, 2^30]");
    // Products past o's dims cannot match; stop before they could overflow.
    if (w.kernel > o.shape[2] / k || (p > 0 && w.out > o.shape[3] / p))
      return absl::StrCat(name(0), " is ", describeRegionType(o),
                          "; its K or P is smaller than the window's");
    k *= w.kernel;
    p *= w.out;
  }
  if (o.shape[0] != a.shape[0] || o.shape[1] != a.shape[1] || o.shape[2] != k || o.shape[3] != p)
    return absl::StrCat(name(0), " is ", describeRegionType(o), "; expected [", a.shape[0], ", ",
                        a.shape[1], ", ", k, ", ", p, "] for this input and geometry");
  return "";
}

}  // namespace

bool isValidDType(uint8_t t) { return t >= 1 && t <= kMaxDType; }

bool isFloatType(DType t) {
  return t == DType::F16 || t == DType::BF16 || t == DType::F32 || t == DType::F64;
}

bool isSignedIntegerType(DType t) {
  return t == DType::I8 || t == DType::I16 || t == DType::I32 || t == DType::I64;
}

bool isIntegerType(DType t) {
  return isSignedIntegerType(t) || t == DType::U8 || t == DType::U16 || t == DType::U32 ||
         t == DType::U64;
}

bool isNumericType(DType t) { return isFloatType(t) || isIntegerType(t); }

std::string describeRegionType(const Region &r) {
  std::vector<int64_t> dims(r.shape, r.shape + (r.rank <= kMaxRank ? r.rank : kMaxRank));
  return absl::StrCat(dtypeName(static_cast<DType>(r.dtype)), "[", absl::StrJoin(dims, ", "),
                      "]");
}

std::string checkOperands(Opcode opcode, const Region *ops, unsigned n, const int64_t *imms) {
  switch (opcode) {
  case Opcode::Copy:
    if (!sameShape(ops[0], ops[1]))
      return mismatch(ops, 0, 1, "shapes differ");
    return ops[0].dtype == ops[1].dtype ? "" : mismatch(ops, 0, 1, "dtypes differ");
  case Opcode::Concat:
    return checkConcat(ops, n, imms[0]);
  case Opcode::Gather:
    return checkGather(ops, imms[0]);
  case Opcode::Scatter:
    return checkScatter(ops, imms[0]);
  case Opcode::Window:
    return checkWindow(ops, imms);
  case Opcode::Trilu:
    if (ops[1].rank < 2)
      return badType(ops, 1, "rank >= 2");
    if (!sameShape(ops[0], ops[1]))
      return mismatch(ops, 0, 1, "shapes differ");
    if (ops[0].dtype != ops[1].dtype)
      return mismatch(ops, 0, 1, "dtypes differ");
    return imms[1] == 0 || imms[1] == 1 ? "" : absl::StrCat("upper is ", imms[1], "; expected 0 or 1");
  case Opcode::Math:
    return checkMath(ops, imms);
  case Opcode::Mod:
  case Opcode::BitShift:
    return checkModShift(opcode, ops, imms);
  case Opcode::ArgMax:
  case Opcode::ArgMin:
  case Opcode::CumSum:
  case Opcode::TopK:
    return checkAxisOp(opcode, ops, imms);
  case Opcode::GatherElements:
    return checkGatherElements(ops, imms[0]);
  case Opcode::GatherND:
    return checkGatherNd(ops, imms[0]);
  case Opcode::ScatterND:
    return checkScatterNd(ops, imms[0]);
  case Opcode::MatMul:
    return checkMatMul(ops);
  case Opcode::MatMulPacked:
    return checkMatMulPacked(ops);
  case Opcode::MatMulQ:
    return checkMatMulQ(ops, imms);
  case Opcode::Gelu:
    if (imms[0] != 0 && imms[0] != 1)
      return absl::StrCat("imm0 (tanh approximation) is ", imms[0], "; expected 0 or 1");
    return checkUnary(opcode, ops);
  case Opcode::Where:
    if (dt(ops[1]) != DType::Bool)
      return badType(ops, 1, "bool");
    if (ops[2].dtype != ops[0].dtype)
      return mismatch(ops, 2, 0, "dtypes differ");
    if (ops[3].dtype != ops[0].dtype)
      return mismatch(ops, 3, 0, "dtypes differ");
    return checkSameShapes(ops, 4, 0);
  default:
    break;
  }
  switch (opcodeInfo(opcode).family) {
  case OpFamily::Unary:
    return checkUnary(opcode, ops);
  case OpFamily::Binary:
    return checkBinary(opcode, ops);
  case OpFamily::Reduce:
    return checkReduce(opcode, ops);
  case OpFamily::Normalize:
    return checkNormalize(opcode, ops, n, imms);
  default:
    return "";
  }
}

}  // namespace lmc::format
