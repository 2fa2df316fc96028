// Kernel tests for the format-5 opcodes: math, mod, bitshift, reduce_prod,
// argmax/argmin, cumsum, topk, gather_elements, gather_nd, scatter_nd;
// each against a naive loop or hand-computed values.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "runtime/format/MathFn.h"
#include "tests/unit/KernelTestUtil.h"

namespace lmc::testing {
namespace {

using format::MathFn;
using format::Opcode;

double reference(MathFn fn, double x) {
  switch (fn) {
  case MathFn::Floor:
    return std::floor(x);
  case MathFn::Ceil:
    return -std::floor(-x);
  case MathFn::Sin:
    return std::sin(x);
  case MathFn::Cos:
    return std::sin(x + M_PI / 2);
  case MathFn::Tan:
    return std::sin(x) / std::cos(x);
  case MathFn::Asin:
    return std::atan2(x, std::sqrt(1 - x * x));
  case MathFn::Acos:
    return std::atan2(std::sqrt(1 - x * x), x);
  case MathFn::Atan:
    return std::atan2(x, 1.0);
  case MathFn::Sinh:
    return (std::exp(x) - std::exp(-x)) / 2;
  case MathFn::Cosh:
    return (std::exp(x) + std::exp(-x)) / 2;
  case MathFn::Asinh:
    return std::log(x + std::sqrt(x * x + 1));
  case MathFn::Acosh:
    return std::log(x + std::sqrt(x * x - 1));
  case MathFn::Atanh:
    return 0.5 * std::log((1 + x) / (1 - x));
  case MathFn::Sign:
    return x > 0 ? 1 : x < 0 ? -1 : 0;
  }
  return NAN;
}

TEST(MathKernel, EveryFunctionAgainstAnotherFormula) {
  std::vector<float> a = randomFloats(64, 0.95f, 7);
  a[0] = 0;
  a[1] = -0.5f;
  a[2] = 2.5f;
  for (int64_t fn = 0; fn < format::kNumMathFns; ++fn) {
    auto f = static_cast<MathFn>(fn);
    std::vector<float> x = a;
    if (f == MathFn::Acosh) // domain [1, inf)
      for (float &v : x)
        v = 1.0f + std::fabs(v) * 3;
    std::vector<float> o(x.size());
    runOk(Opcode::Math, {view(o, DType::F32, {8, 8}), view(x, DType::F32, {8, 8})}, {fn});
    for (size_t i = 0; i < x.size(); ++i) {
      double want = reference(f, x[i]);
      if (std::isnan(want)) // outside the domain (asin(2.5))
        EXPECT_TRUE(std::isnan(o[i])) << format::mathFnName(fn) << "(" << x[i] << ")";
      else
        EXPECT_NEAR(o[i], want, 2e-6 * (1 + std::fabs(want)))
            << format::mathFnName(fn) << "(" << x[i] << ")";
    }
  }
}

TEST(MathKernel, SignOnIntegersAndNaN) {
  std::vector<int32_t> a = {-7, 0, 3, std::numeric_limits<int32_t>::min()}, o(4);
  runOk(Opcode::Math, {view(o, DType::I32, {4}), view(a, DType::I32, {4})},
        {int64_t(MathFn::Sign)});
  EXPECT_EQ(o, (std::vector<int32_t>{-1, 0, 1, -1}));
  std::vector<float> f = {NAN, -0.0f, -2}, fo(3);
  runOk(Opcode::Math, {view(fo, DType::F32, {3}), view(f, DType::F32, {3})},
        {int64_t(MathFn::Sign)});
  EXPECT_TRUE(std::isnan(fo[0]));
  EXPECT_EQ(fo[1], 0.0f);
  EXPECT_EQ(fo[2], -1.0f);
  // sin is not defined on integers; an unknown function is an F16 error.
  std::vector<format::Region> r = {regionOf(view(o, DType::I32, {4})),
                                   regionOf(view(a, DType::I32, {4}))};
  int64_t sin = int64_t(MathFn::Sin), bad = format::kNumMathFns;
  EXPECT_NE(format::checkOperands(Opcode::Math, r.data(), 2, &sin), "");
  EXPECT_NE(format::checkOperands(Opcode::Math, r.data(), 2, &bad), "");
}

TEST(ModKernel, IntegerBothSignsBothModes) {
  std::vector<int32_t> a, b;
  for (int x = -9; x <= 9; ++x)
    for (int y : {-4, -3, 3, 4}) {
      a.push_back(x);
      b.push_back(y);
    }
  int n = static_cast<int>(a.size());
  for (int64_t fmod : {0, 1}) {
    std::vector<int32_t> o(n);
    runOk(Opcode::Mod,
          {view(o, DType::I32, {n}), view(a, DType::I32, {n}), view(b, DType::I32, {n})}, {fmod});
    for (int i = 0; i < n; ++i) {
      double q = double(a[i]) / b[i];
      double want = a[i] - b[i] * (fmod ? std::trunc(q) : std::floor(q));
      EXPECT_EQ(o[i], want) << a[i] << " mod " << b[i] << " fmod=" << fmod;
    }
  }
  std::vector<int32_t> zero = {0}, one = {1}, o1(1);
  EXPECT_FALSE(
      run(Opcode::Mod,
          {view(o1, DType::I32, {1}), view(one, DType::I32, {1}), view(zero, DType::I32, {1})}, {0})
          .ok());
}

TEST(ModKernel, FloatFmodWithBroadcast) {
  std::vector<float> a = {5.5f, -5.5f, 7.0f, -0.25f}, b = {2.0f}, o(4);
  runOk(Opcode::Mod,
        {view(o, DType::F32, {4}), view(a, DType::F32, {4}), view(b, DType::F32, {4}, {0})}, {1});
  EXPECT_EQ(o, (std::vector<float>{1.5f, -1.5f, 1.0f, -0.25f}));
  runOk(Opcode::Mod,
        {view(o, DType::F32, {4}), view(a, DType::F32, {4}), view(b, DType::F32, {4}, {0})}, {0});
  EXPECT_EQ(o, (std::vector<float>{1.5f, 0.5f, 1.0f, 1.75f}));
}

TEST(BitShiftKernel, LeftRightAndWideShifts) {
  std::vector<uint8_t> a = {16, 4, 1, 255}, b = {1, 2, 8, 9}, o(4);
  runOk(Opcode::BitShift,
        {view(o, DType::U8, {4}), view(a, DType::U8, {4}), view(b, DType::U8, {4})}, {1});
  EXPECT_EQ(o, (std::vector<uint8_t>{32, 16, 0, 0}));
  runOk(Opcode::BitShift,
        {view(o, DType::U8, {4}), view(a, DType::U8, {4}), view(b, DType::U8, {4})}, {0});
  EXPECT_EQ(o, (std::vector<uint8_t>{8, 1, 0, 0}));
  std::vector<uint32_t> c = {0x80000001u}, s = {31}, o32(1);
  runOk(Opcode::BitShift,
        {view(o32, DType::U32, {1}), view(c, DType::U32, {1}), view(s, DType::U32, {1})}, {1});
  EXPECT_EQ(o32[0], 0x80000000u);
}

TEST(ReduceProdKernel, MiddleAxisAndIntegerWrap) {
  const int A = 2, B = 3, C = 4;
  std::vector<float> a = randomFloats(A * B * C, 2, 5), o(A * C);
  runOk(Opcode::ReduceProd, {view(o, DType::F32, {A, 1, C}), view(a, DType::F32, {A, B, C})});
  for (int i = 0; i < A; ++i)
    for (int k = 0; k < C; ++k) {
      double p = 1;
      for (int j = 0; j < B; ++j)
        p *= a[(i * B + j) * C + k];
      EXPECT_NEAR(o[i * C + k], p, 1e-5);
    }
  std::vector<int8_t> x = {16, 17, -3}, y(1);
  runOk(Opcode::ReduceProd, {view(y, DType::I8, {1}), view(x, DType::I8, {3})});
  EXPECT_EQ(y[0], int8_t(-48)); // -816 = -48 - 3 * 256: wrapped to 8 bits
}

TEST(ArgKernels, TiesFirstOrLastOnATransposedInput) {
  // a is [3, 4] stored transposed ([4, 3] row-major).
  std::vector<float> t = {1, 5, 2, 9, 5, 2, 9, 0, 2, 1, 5, 2};
  auto a = view(t, DType::F32, {3, 4}, {1, 3});
  auto at = [&](int i, int j) { return t[j * 3 + i]; };
  for (Opcode op : {Opcode::ArgMax, Opcode::ArgMin})
    for (int64_t last : {0, 1}) {
      std::vector<int64_t> o(3);
      runOk(op, {view(o, DType::I64, {3, 1}), a}, {1, last});
      for (int i = 0; i < 3; ++i) {
        int64_t want = last ? 3 : 0;
        for (int j = 0; j < 4; ++j) {
          int jj = last ? 3 - j : j;
          bool better =
              op == Opcode::ArgMax ? at(i, jj) > at(i, int(want)) : at(i, jj) < at(i, int(want));
          if (better)
            want = jj;
        }
        EXPECT_EQ(o[i], want) << format::opcodeInfo(op).mnemonic << " last=" << last << " row "
                              << i;
      }
    }
}

TEST(CumSumKernel, AllFourModes) {
  const int R = 3, N = 5;
  std::vector<int64_t> a(R * N);
  for (int i = 0; i < R * N; ++i)
    a[i] = (i * 7) % 11 - 5;
  for (int64_t exclusive : {0, 1})
    for (int64_t reverse : {0, 1}) {
      std::vector<int64_t> o(R * N);
      runOk(Opcode::CumSum, {view(o, DType::I64, {R, N}), view(a, DType::I64, {R, N})},
            {1, exclusive, reverse});
      for (int r = 0; r < R; ++r)
        for (int j = 0; j < N; ++j) {
          int64_t want = 0;
          for (int k = 0; k < N; ++k) {
            bool in = reverse ? (exclusive ? k > j : k >= j) : (exclusive ? k < j : k <= j);
            if (in)
              want += a[r * N + k];
          }
          EXPECT_EQ(o[r * N + j], want) << "exclusive=" << exclusive << " reverse=" << reverse;
        }
    }
}

TEST(TopKKernel, SortedWithTiesByLowerIndex) {
  std::vector<float> a = {3, 1, 3, 7, 1, 7, 0, 2};
  for (int64_t largest : {0, 1}) {
    std::vector<int64_t> o(3);
    runOk(Opcode::TopK, {view(o, DType::I64, {1, 3}), view(a, DType::F32, {1, 8})}, {1, largest});
    // Reference: repeatedly take the best remaining element, lowest index
    // first.
    std::vector<bool> used(8, false);
    for (int j = 0; j < 3; ++j) {
      int best = -1;
      for (int i = 0; i < 8; ++i)
        if (!used[i] && (best < 0 || (largest ? a[i] > a[best] : a[i] < a[best])))
          best = i;
      used[best] = true;
      EXPECT_EQ(o[j], best) << "largest=" << largest << " rank " << j;
    }
  }
}

TEST(GatherElementsKernel, AxisZeroNegativeIndicesAndRange) {
  std::vector<float> a = {1, 2, 3, 4, 5, 6, 7, 8, 9}; // [3, 3]
  std::vector<int32_t> idx = {1, 2, 0, 2, -3, 0};     // [2, 3]
  std::vector<float> o(6);
  runOk(Opcode::GatherElements,
        {view(o, DType::F32, {2, 3}), view(a, DType::F32, {3, 3}), view(idx, DType::I32, {2, 3})},
        {0});
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      int r = idx[i * 3 + j] < 0 ? idx[i * 3 + j] + 3 : idx[i * 3 + j];
      EXPECT_EQ(o[i * 3 + j], a[r * 3 + j]);
    }
  idx[4] = 3;
  absl::Status s =
      run(Opcode::GatherElements,
          {view(o, DType::F32, {2, 3}), view(a, DType::F32, {3, 3}), view(idx, DType::I32, {2, 3})},
          {0});
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
}

TEST(GatherNdKernel, BatchDimsOne) {
  // ONNX's example: data [2, 2, 2], indices [2, 1] with batch_dims 1.
  std::vector<int32_t> a = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int64_t> idx = {1, 0};
  std::vector<int32_t> o(4);
  runOk(
      Opcode::GatherND,
      {view(o, DType::I32, {2, 2}), view(a, DType::I32, {2, 2, 2}), view(idx, DType::I64, {2, 1})},
      {1});
  EXPECT_EQ(o, (std::vector<int32_t>{2, 3, 4, 5}));
  // No batch dims, full tuples: [[0, 1], [1, 0]] picks a[0, 1, :] and a[1, 0,
  // :].
  std::vector<int64_t> tuples = {0, 1, 1, 0};
  runOk(Opcode::GatherND,
        {view(o, DType::I32, {2, 2}), view(a, DType::I32, {2, 2, 2}),
         view(tuples, DType::I64, {2, 2})},
        {0});
  EXPECT_EQ(o, (std::vector<int32_t>{2, 3, 4, 5}));
}

TEST(ScatterNdKernel, ReductionsWithDuplicatesAndRangeCheck) {
  // o [4, 2]; rows 1 and 3 updated, row 1 twice.
  std::vector<int64_t> idx = {1, 3, 1};
  std::vector<float> upd = {1, 2, 3, 4, 5, 6};
  for (int64_t red = 0; red <= 4; ++red) {
    std::vector<float> o = {1, 1, 2, 2, 3, 3, 4, 4};
    std::vector<float> want = o;
    for (int u = 0; u < 3; ++u)
      for (int c = 0; c < 2; ++c) {
        float &w = want[idx[u] * 2 + c];
        float x = upd[u * 2 + c];
        w = red == 0   ? x
            : red == 1 ? w + x
            : red == 2 ? w * x
            : red == 3 ? std::max(w, x)
                       : std::min(w, x);
      }
    runOk(
        Opcode::ScatterND,
        {view(o, DType::F32, {4, 2}), view(idx, DType::I64, {3, 1}), view(upd, DType::F32, {3, 2})},
        {red});
    EXPECT_EQ(o, want) << "reduction " << red;
  }
  std::vector<float> o = {1, 1, 2, 2, 3, 3, 4, 4}, before = o;
  idx[2] = 4;
  absl::Status s = run(
      Opcode::ScatterND,
      {view(o, DType::F32, {4, 2}), view(idx, DType::I64, {3, 1}), view(upd, DType::F32, {3, 2})},
      {1});
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
  EXPECT_EQ(o, before);
  // Integer add and mul wrap: 100 + 100 and 300 * 300 in 8 and 16 bits.
  std::vector<int64_t> one = {0};
  std::vector<int8_t> o8 = {100}, u8 = {100};
  runOk(Opcode::ScatterND,
        {view(o8, DType::I8, {1}), view(one, DType::I64, {1, 1}), view(u8, DType::I8, {1})}, {1});
  EXPECT_EQ(o8[0], int8_t(-56));
  std::vector<uint16_t> o16 = {300}, u16 = {300};
  runOk(Opcode::ScatterND,
        {view(o16, DType::U16, {1}), view(one, DType::I64, {1, 1}), view(u16, DType::U16, {1})}, {2});
  EXPECT_EQ(o16[0], uint16_t(90000 % 65536));
}

} // namespace
} // namespace lmc::testing
