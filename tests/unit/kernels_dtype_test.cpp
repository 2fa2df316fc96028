// Kernel tests of every integer dtype and of f16/bf16 for the arithmetic,
// comparison, unary and reduction opcodes, against naive loops.
#include <cmath>
#include <limits>
#include <type_traits>

#include "runtime/kernels/Half.h"
#include "tests/unit/KernelTestUtil.h"

namespace lmc::testing {
namespace {

using format::Opcode;

template <typename T> DType dtypeOf();
template <> DType dtypeOf<int8_t>() { return DType::I8; }
template <> DType dtypeOf<uint8_t>() { return DType::U8; }
template <> DType dtypeOf<int16_t>() { return DType::I16; }
template <> DType dtypeOf<uint16_t>() { return DType::U16; }
template <> DType dtypeOf<int32_t>() { return DType::I32; }
template <> DType dtypeOf<uint32_t>() { return DType::U32; }
template <> DType dtypeOf<int64_t>() { return DType::I64; }
template <> DType dtypeOf<uint64_t>() { return DType::U64; }

// Values that exercise wraparound: the extremes, 0, +-1, and random bits.
template <typename T> std::vector<T> interestingValues(size_t n, uint32_t seed) {
  std::vector<T> v = {std::numeric_limits<T>::min(),
                      std::numeric_limits<T>::max(),
                      T(0),
                      T(1),
                      T(-1),
                      T(2),
                      T(std::numeric_limits<T>::max() / 2 + 1),
                      T(7)};
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  while (v.size() < n) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    // Mostly small values, sometimes full-width ones.
    uint64_t bits = (x >> 40) % 3 == 0 ? x : (x >> 33) % 200;
    v.push_back(static_cast<T>(bits));
  }
  v.resize(n);
  return v;
}

// The reference wraps by computing modulo 2^64 and keeping the low bits,
// a different route from the kernels' unsigned arithmetic in T's width.
template <typename T> T naive(Opcode op, T x, T y) {
  uint64_t ux = static_cast<uint64_t>(
      static_cast<std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>(x));
  uint64_t uy = static_cast<uint64_t>(
      static_cast<std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>(y));
  switch (op) {
  case Opcode::Add:
    return static_cast<T>(ux + uy);
  case Opcode::Sub:
    return static_cast<T>(ux - uy);
  case Opcode::Mul:
    return static_cast<T>(ux * uy);
  case Opcode::Div:
    if constexpr (std::is_signed_v<T>) {
      if (y == -1)
        return static_cast<T>(0 - ux);
      return static_cast<T>(int64_t(x) / int64_t(y));
    } else {
      return static_cast<T>(ux / uy);
    }
  case Opcode::Max:
    return std::max(x, y);
  case Opcode::Min:
    return std::min(x, y);
  default:
    return 0;
  }
}

template <typename T> class IntegerKernels : public ::testing::Test {};
using IntegerTypes =
    ::testing::Types<int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t, uint64_t>;
TYPED_TEST_SUITE(IntegerKernels, IntegerTypes);

TYPED_TEST(IntegerKernels, BinaryArithmeticWrapsAndBroadcasts) {
  using T = TypeParam;
  const DType dt = dtypeOf<T>();
  const int R = 5, C = 13;
  std::vector<T> a = interestingValues<T>(R * C, 1), b = interestingValues<T>(R * C, 2);
  // b broadcast along rows: [R, C] with stride 0 over R, reading b[0:C].
  for (T &y : b)
    if (y == 0)
      y = 3;
  for (Opcode op : {Opcode::Add, Opcode::Sub, Opcode::Mul, Opcode::Div, Opcode::Max, Opcode::Min}) {
    std::vector<T> o(R * C);
    runOk(op, {view(o, dt, {R, C}), view(a, dt, {R, C}), view(b, dt, {R, C}, {0, 1})});
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < C; ++j)
        ASSERT_EQ(o[i * C + j], naive(op, a[i * C + j], b[j]))
            << format::opcodeInfo(op).mnemonic << " " << +a[i * C + j] << ", " << +b[j];
  }
}

TYPED_TEST(IntegerKernels, ComparisonsAndDivisionByZero) {
  using T = TypeParam;
  const DType dt = dtypeOf<T>();
  std::vector<T> a = interestingValues<T>(40, 3), b = interestingValues<T>(40, 4);
  b[5] = a[5];
  std::vector<uint8_t> o(40);
  for (Opcode op : {Opcode::Equal, Opcode::Less, Opcode::Greater}) {
    runOk(op, {view(o, DType::Bool, {40}), view(a, dt, {40}), view(b, dt, {40})});
    for (int i = 0; i < 40; ++i) {
      bool want = op == Opcode::Equal  ? a[i] == b[i]
                  : op == Opcode::Less ? a[i] < b[i]
                                       : a[i] > b[i];
      ASSERT_EQ(o[i], want) << format::opcodeInfo(op).mnemonic << " at " << i;
    }
  }
  std::vector<T> z = {T(1), T(0)}, q(2);
  absl::Status s = run(Opcode::Div, {view(q, dt, {2}), view(z, dt, {2}), view(z, dt, {2})});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("division by zero"), std::string::npos) << s;
}

TYPED_TEST(IntegerKernels, UnaryOps) {
  using T = TypeParam;
  const DType dt = dtypeOf<T>();
  std::vector<T> a = interestingValues<T>(30, 5), o(30);
  runOk(Opcode::Abs, {view(o, dt, {30}), view(a, dt, {30})});
  for (int i = 0; i < 30; ++i) {
    T want = a[i];
    if constexpr (std::is_signed_v<T>)
      want = a[i] < 0 ? static_cast<T>(0 - static_cast<uint64_t>(int64_t(a[i]))) : a[i];
    ASSERT_EQ(o[i], want) << +a[i];
  }
  if constexpr (std::is_signed_v<T>) {
    runOk(Opcode::Neg, {view(o, dt, {30}), view(a, dt, {30})});
    for (int i = 0; i < 30; ++i)
      ASSERT_EQ(o[i], static_cast<T>(0 - static_cast<uint64_t>(int64_t(a[i])))) << +a[i];
    runOk(Opcode::Relu, {view(o, dt, {30}), view(a, dt, {30})});
    for (int i = 0; i < 30; ++i)
      ASSERT_EQ(o[i], a[i] > 0 ? a[i] : T(0));
  } else {
    // ONNX defines neither on unsigned types, and the format rejects them.
    format::Region r[2] = {regionOf(view(o, dt, {30})), regionOf(view(a, dt, {30}))};
    EXPECT_NE(format::checkOperands(Opcode::Neg, r, 2, nullptr), "");
    EXPECT_NE(format::checkOperands(Opcode::Relu, r, 2, nullptr), "");
  }
}

TYPED_TEST(IntegerKernels, ReductionsWrap) {
  using T = TypeParam;
  const DType dt = dtypeOf<T>();
  const int R = 4, C = 9;
  std::vector<T> a = interestingValues<T>(R * C, 6);
  for (Opcode op : {Opcode::ReduceSum, Opcode::ReduceMax, Opcode::ReduceMin}) {
    std::vector<T> o(R);
    runOk(op, {view(o, dt, {R, 1}), view(a, dt, {R, C})});
    for (int i = 0; i < R; ++i) {
      T want = a[i * C];
      uint64_t sum = 0;
      for (int j = 0; j < C; ++j) {
        T x = a[i * C + j];
        sum += static_cast<uint64_t>(x);
        if (j)
          want = op == Opcode::ReduceMax ? std::max(want, x) : std::min(want, x);
      }
      if (op == Opcode::ReduceSum)
        want = static_cast<T>(sum);
      ASSERT_EQ(o[i], want) << format::opcodeInfo(op).mnemonic << " row " << i;
    }
  }
}

TYPED_TEST(IntegerKernels, PowIsExactByRepeatedSquaring) {
  using T = TypeParam;
  const DType dt = dtypeOf<T>();
  std::vector<T> a = interestingValues<T>(24, 7), o(24);
  std::vector<T> e(24);
  for (int i = 0; i < 24; ++i)
    e[i] = static_cast<T>(i % 9);
  runOk(Opcode::Pow, {view(o, dt, {24}), view(a, dt, {24}), view(e, dt, {24})});
  for (int i = 0; i < 24; ++i) {
    uint64_t want = 1; // the power modulo 2^64 by repeated multiplication
    for (int k = 0; k < i % 9; ++k)
      want *= static_cast<uint64_t>(a[i]);
    ASSERT_EQ(o[i], static_cast<T>(want)) << +a[i] << "^" << i % 9;
  }
}

TEST(PowKernel, MixedDtypes) {
  // i32 base, f32 exponent: f64 pow truncated toward zero (ONNX Runtime).
  std::vector<int32_t> a = {2, 3, -2, 10, 2}, o(5);
  std::vector<float> f = {0.5f, 2.0f, 3.0f, -1.0f, 40.0f};
  runOk(Opcode::Pow,
        {view(o, DType::I32, {5}), view(a, DType::I32, {5}), view(f, DType::F32, {5})});
  EXPECT_EQ(o, (std::vector<int32_t>{1, 9, -8, 0, std::numeric_limits<int32_t>::max()}));
  // i64 base, negative i64 exponents: truncated real results.
  std::vector<int64_t> b = {1, -1, -1, 2, 5}, n = {-3, -3, -2, -1, 3}, p(5);
  runOk(Opcode::Pow,
        {view(p, DType::I64, {5}), view(b, DType::I64, {5}), view(n, DType::I64, {5})});
  EXPECT_EQ(p, (std::vector<int64_t>{1, -1, 1, 0, 125}));
  std::vector<int64_t> zero = {0}, neg = {-1}, r(1);
  EXPECT_FALSE(run(Opcode::Pow, {view(r, DType::I64, {1}), view(zero, DType::I64, {1}),
                                 view(neg, DType::I64, {1})})
                   .ok());
  // f32 base, i64 exponent.
  std::vector<float> x = {1.5f, -2.0f}, y(2);
  std::vector<int64_t> k = {2, 3};
  runOk(Opcode::Pow,
        {view(y, DType::F32, {2}), view(x, DType::F32, {2}), view(k, DType::I64, {2})});
  EXPECT_EQ(y, (std::vector<float>{2.25f, -8.0f}));
}

// f16/bf16: naive loops widen with the conversion functions, compute in f32
// and round back; a hand-computed case checks round-to-even on store.
struct HalfCase {
  DType dtype;
  float (*widen)(uint16_t);
  uint16_t (*narrow)(float);
};

class HalfKernels : public ::testing::TestWithParam<HalfCase> {};

std::vector<uint16_t> halfValues(const HalfCase &c, size_t n, uint32_t seed) {
  std::vector<float> f = randomFloats(n, 4.0f, seed);
  std::vector<uint16_t> h(n);
  for (size_t i = 0; i < n; ++i)
    h[i] = c.narrow(f[i]);
  return h;
}

float naiveFloat(Opcode op, float x, float y) {
  switch (op) {
  case Opcode::Add:
    return x + y;
  case Opcode::Sub:
    return x - y;
  case Opcode::Mul:
    return x * y;
  case Opcode::Div:
    return x / y;
  case Opcode::Pow:
    return std::pow(x, y);
  case Opcode::Max:
    return std::max(x, y);
  case Opcode::Min:
    return std::min(x, y);
  default:
    return NAN;
  }
}

TEST_P(HalfKernels, BinaryComputesInF32AndRounds) {
  const HalfCase c = GetParam();
  const int R = 3, C = 11;
  std::vector<uint16_t> a = halfValues(c, R * C, 1), b = halfValues(c, C, 2);
  for (Opcode op : {Opcode::Add, Opcode::Sub, Opcode::Mul, Opcode::Div, Opcode::Pow, Opcode::Max,
                    Opcode::Min}) {
    std::vector<uint16_t> o(R * C);
    runOk(op,
          {view(o, c.dtype, {R, C}), view(a, c.dtype, {R, C}), view(b, c.dtype, {R, C}, {0, 1})});
    for (int i = 0; i < R * C; ++i) {
      float want = naiveFloat(op, c.widen(a[i]), c.widen(b[i % C]));
      uint16_t bits = c.narrow(want);
      if (std::isnan(want))
        ASSERT_TRUE(std::isnan(c.widen(o[i]))) << format::opcodeInfo(op).mnemonic;
      else
        ASSERT_EQ(o[i], bits) << format::opcodeInfo(op).mnemonic << " at " << i;
    }
  }
  std::vector<uint8_t> cmp(C);
  runOk(Opcode::Less, {view(cmp, DType::Bool, {C}), view(a, c.dtype, {C}), view(b, c.dtype, {C})});
  for (int i = 0; i < C; ++i)
    ASSERT_EQ(cmp[i], c.widen(a[i]) < c.widen(b[i]));
}

TEST_P(HalfKernels, RoundsToNearestEvenOnStore) {
  const HalfCase c = GetParam();
  // 1 + ulp/2 is halfway between 1 and 1 + ulp: ties go to the even 1.
  float ulp = c.dtype == DType::F16 ? 0x1p-10f : 0x1p-7f;
  std::vector<uint16_t> a = {c.narrow(1.0f), c.narrow(1.0f + ulp)};
  std::vector<uint16_t> b = {c.narrow(ulp / 2), c.narrow(ulp / 2)}, o(2);
  runOk(Opcode::Add, {view(o, c.dtype, {2}), view(a, c.dtype, {2}), view(b, c.dtype, {2})});
  EXPECT_EQ(c.widen(o[0]), 1.0f);
  EXPECT_EQ(c.widen(o[1]), 1.0f + 2 * ulp);
}

TEST_P(HalfKernels, UnaryReduceAndNormalize) {
  const HalfCase c = GetParam();
  const int R = 3, C = 10;
  std::vector<uint16_t> a = halfValues(c, R * C, 3), o(R * C);
  for (Opcode op : {Opcode::Neg, Opcode::Abs, Opcode::Relu, Opcode::Exp, Opcode::Tanh, Opcode::Erf,
                    Opcode::Sigmoid}) {
    runOk(op, {view(o, c.dtype, {R, C}), view(a, c.dtype, {R, C})});
    for (int i = 0; i < R * C; ++i) {
      float x = c.widen(a[i]);
      float want = op == Opcode::Neg    ? -x
                   : op == Opcode::Abs  ? std::fabs(x)
                   : op == Opcode::Relu ? std::max(x, 0.0f)
                   : op == Opcode::Exp  ? std::exp(x)
                   : op == Opcode::Tanh ? std::tanh(x)
                   : op == Opcode::Erf  ? std::erf(x)
                   : x >= 0             ? 1.0f / (1.0f + std::exp(-x))
                                        : std::exp(x) / (1.0f + std::exp(x));
      ASSERT_EQ(o[i], c.narrow(want)) << format::opcodeInfo(op).mnemonic << "(" << x << ")";
    }
  }
  std::vector<uint16_t> r(R);
  for (Opcode op : {Opcode::ReduceSum, Opcode::ReduceMean, Opcode::ReduceMax, Opcode::ReduceMin}) {
    runOk(op, {view(r, c.dtype, {R, 1}), view(a, c.dtype, {R, C})});
    for (int i = 0; i < R; ++i) {
      double sum = 0, mx = -INFINITY, mn = INFINITY;
      for (int j = 0; j < C; ++j) {
        double x = c.widen(a[i * C + j]);
        sum += x;
        mx = std::max(mx, x);
        mn = std::min(mn, x);
      }
      double want = op == Opcode::ReduceSum    ? sum
                    : op == Opcode::ReduceMean ? sum / C
                    : op == Opcode::ReduceMax  ? mx
                                               : mn;
      ASSERT_EQ(r[i], c.narrow(float(want))) << format::opcodeInfo(op).mnemonic;
    }
  }
  runOk(Opcode::Softmax, {view(o, c.dtype, {R, C}), view(a, c.dtype, {R, C})}, {1});
  for (int i = 0; i < R; ++i) {
    double mx = -INFINITY, sum = 0;
    for (int j = 0; j < C; ++j)
      mx = std::max(mx, double(c.widen(a[i * C + j])));
    for (int j = 0; j < C; ++j)
      sum += std::exp(double(c.widen(a[i * C + j])) - mx);
    for (int j = 0; j < C; ++j)
      ASSERT_EQ(o[i * C + j], c.narrow(float(std::exp(double(c.widen(a[i * C + j])) - mx) / sum)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    F16AndBF16, HalfKernels,
    ::testing::Values(HalfCase{DType::F16, kernels::halfToFloat, kernels::floatToHalf},
                      HalfCase{DType::BF16, kernels::bfloat16ToFloat, kernels::floatToBfloat16}),
    [](const ::testing::TestParamInfo<HalfCase> &info) {
      return info.param.dtype == DType::F16 ? "F16" : "BF16";
    });

TEST(DTypeRules, MatMulIsF32OrI32AndPowExponentMayDiffer) {
  std::vector<uint16_t> h(4);
  format::Region mm[3] = {regionOf(view(h, DType::F16, {2, 2})),
                          regionOf(view(h, DType::F16, {2, 2})),
                          regionOf(view(h, DType::F16, {2, 2}))};
  EXPECT_NE(format::checkOperands(Opcode::MatMul, mm, 3, nullptr), "");
  std::vector<int32_t> i(2);
  std::vector<float> f(2);
  format::Region add[3] = {regionOf(view(i, DType::I32, {2})), regionOf(view(i, DType::I32, {2})),
                           regionOf(view(f, DType::F32, {2}))};
  EXPECT_NE(format::checkOperands(Opcode::Add, add, 3, nullptr), "");
  EXPECT_EQ(format::checkOperands(Opcode::Pow, add, 3, nullptr), "");
  std::vector<uint8_t> bools(2);
  format::Region bad[3] = {regionOf(view(bools, DType::Bool, {2})),
                           regionOf(view(bools, DType::Bool, {2})),
                           regionOf(view(bools, DType::Bool, {2}))};
  EXPECT_NE(format::checkOperands(Opcode::Add, bad, 3, nullptr), "");
  EXPECT_NE(format::checkOperands(Opcode::ReduceSum, bad, 2, nullptr), "");
}

} // namespace
} // namespace lmc::testing
