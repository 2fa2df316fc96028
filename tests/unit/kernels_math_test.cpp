// Kernel tests for matmul, unary, binary, comparison and logic opcodes.
#include <cmath>
#include <limits>

#include "tests/unit/KernelTestUtil.h"

namespace lmc::testing {
namespace {

using format::Opcode;

// Naive double-precision matmul over explicit strides, as the reference.
double naiveDot(const std::vector<float> &a, int64_t aBase, int64_t sak,
                const std::vector<float> &b, int64_t bBase, int64_t sbk, int64_t K) {
  double acc = 0;
  for (int64_t k = 0; k < K; ++k)
    acc += double(a[aBase + k * sak]) * double(b[bBase + k * sbk]);
  return acc;
}

TEST(MatMulKernel, BatchedOddSizes) {
  const int B = 2, M = 3, K = 7, N = 5;
  std::vector<float> a = randomFloats(B * M * K, 2, 1), b = randomFloats(B * K * N, 2, 2);
  std::vector<float> o(B * M * N);
  runOk(Opcode::MatMul, {view(o, DType::F32, {B, M, N}), view(a, DType::F32, {B, M, K}),
                         view(b, DType::F32, {B, K, N})});
  for (int t = 0; t < B; ++t)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j)
        EXPECT_NEAR(o[(t * M + i) * N + j],
                    naiveDot(a, (t * M + i) * K, 1, b, t * K * N + j, N, K), 1e-4);
}

TEST(MatMulKernel, TransposedBAndBroadcastBatch) {
  const int B = 3, M = 2, K = 4, N = 3;
  std::vector<float> a = randomFloats(B * M * K, 1, 3);
  std::vector<float> bt = randomFloats(N * K, 1, 4);  // stored [N,K], shared by all batches
  std::vector<float> o(B * M * N);
  runOk(Opcode::MatMul, {view(o, DType::F32, {B, M, N}), view(a, DType::F32, {B, M, K}),
                         view(bt, DType::F32, {B, K, N}, {0, 1, K})});
  for (int t = 0; t < B; ++t)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j)
        EXPECT_NEAR(o[(t * M + i) * N + j], naiveDot(a, (t * M + i) * K, 1, bt, j * K, 1, K),
                    1e-5);
}

TEST(MatMulKernel, HandComputedAndEmptyK) {
  std::vector<float> a = {1, 2, 3, 4}, b = {5, 6, 7, 8}, o(4);
  runOk(Opcode::MatMul,
        {view(o, DType::F32, {2, 2}), view(a, DType::F32, {2, 2}), view(b, DType::F32, {2, 2})});
  EXPECT_EQ(o, (std::vector<float>{19, 22, 43, 50}));
  std::vector<float> e, o2(6, 3.0f);
  runOk(Opcode::MatMul,
        {view(o2, DType::F32, {2, 3}), view(e, DType::F32, {2, 0}), view(e, DType::F32, {0, 3})});
  EXPECT_EQ(o2, std::vector<float>(6, 0.0f));
}

TEST(MatMulKernel, StridedOutput) {
  std::vector<float> a = {1, 2}, b = {3, 4}, o(4, 0);
  // o is [2,2] transposed: o[i][j] at j*2+i.  a is [2,1], b is [1,2].
  runOk(Opcode::MatMul, {view(o, DType::F32, {2, 2}, {1, 2}), view(a, DType::F32, {2, 1}),
                         view(b, DType::F32, {1, 2})});
  EXPECT_EQ(o, (std::vector<float>{3, 6, 4, 8}));
}

// i32: exact products and sums modulo 2^32, checked against int64 sums
// reduced afterwards; a broadcast (zero-stride) A and a transposed B.
TEST(MatMulKernel, Int32WrapsExactly) {
  const int B = 2, M = 3, K = 5, N = 4;
  std::vector<int32_t> a(M * K), bt(N * K), o(B * M * N);
  for (int i = 0; i < M * K; ++i)
    a[i] = (i * 7919) % 511 - 255;
  for (int i = 0; i < N * K; ++i)
    bt[i] = (i * 104729) % 255 - 127;
  a[0] = std::numeric_limits<int32_t>::max();  // row 0 overflows: must wrap
  bt[0] = 3;
  runOk(Opcode::MatMul, {view(o, DType::I32, {B, M, N}), view(a, DType::I32, {B, M, K}, {0, K, 1}),
                         view(bt, DType::I32, {B, K, N}, {0, 1, K})});
  for (int t = 0; t < B; ++t)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        int64_t sum = 0;
        for (int k = 0; k < K; ++k)
          sum += int64_t(a[i * K + k]) * bt[j * K + k];
        EXPECT_EQ(o[(t * M + i) * N + j], int32_t(uint32_t(uint64_t(sum))));
      }
}

TEST(MatMulKernel, MixedDtypesAreAnF16Error) {
  std::vector<float> f(4);
  std::vector<int32_t> i(4);
  std::vector<int8_t> b(4);
  format::Region mixed[3] = {regionOf(view(f, DType::F32, {2, 2})),
                             regionOf(view(i, DType::I32, {2, 2})),
                             regionOf(view(i, DType::I32, {2, 2}))};
  EXPECT_NE(format::checkOperands(Opcode::MatMul, mixed, 3, nullptr).find("dtypes differ"),
            std::string::npos);
  format::Region bytes[3] = {regionOf(view(b, DType::I8, {2, 2})),
                             regionOf(view(b, DType::I8, {2, 2})),
                             regionOf(view(b, DType::I8, {2, 2}))};
  EXPECT_NE(format::checkOperands(Opcode::MatMul, bytes, 3, nullptr).find("f32 or i32"),
            std::string::npos);
}

// Halves go to the even neighbour; everything else to the nearest integer.
TEST(UnaryKernels, RoundHalfToEven) {
  std::vector<float> a = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4999998f, 0.50000006f,
                          -7.7f, 1e9f, INFINITY, NAN},
                     o(a.size());
  runOk(Opcode::Round, {view(o, DType::F32, {12}), view(a, DType::F32, {12})});
  const float want[] = {0, 2, 2, -0.0f, -2, -2, 2, 1, -8, 1e9f, INFINITY};
  for (int i = 0; i < 11; ++i)
    EXPECT_EQ(o[i], want[i]) << a[i];
  EXPECT_TRUE(std::signbit(o[3]));
  EXPECT_TRUE(std::isnan(o[11]));
  std::vector<double> d = {-3.5, 4.5}, od(2);
  runOk(Opcode::Round, {view(od, DType::F64, {2}), view(d, DType::F64, {2})});
  EXPECT_EQ(od, (std::vector<double>{-4, 4}));
  std::vector<int32_t> ints(2);
  format::Region r[2] = {regionOf(view(ints, DType::I32, {2})), regionOf(view(ints, DType::I32, {2}))};
  EXPECT_NE(format::checkOperands(Opcode::Round, r, 2, nullptr), "");
}

double reference(Opcode op, double x) {
  switch (op) {
  case Opcode::Neg: return -x;
  case Opcode::Sqrt: return std::sqrt(x);
  case Opcode::Reciprocal: return 1 / x;
  case Opcode::Erf: return std::erf(x);
  case Opcode::Tanh: return std::tanh(x);
  case Opcode::Sigmoid: return 1 / (1 + std::exp(-x));
  case Opcode::Relu: return x > 0 ? x : 0;
  case Opcode::Exp: return std::exp(x);
  case Opcode::Log: return std::log(x);
  case Opcode::Abs: return std::fabs(x);
  default: return NAN;
  }
}

TEST(UnaryKernels, FloatOpsOnStridedInput) {
  const Opcode ops[] = {Opcode::Neg, Opcode::Sqrt, Opcode::Reciprocal, Opcode::Erf,
                        Opcode::Tanh, Opcode::Sigmoid, Opcode::Relu, Opcode::Exp,
                        Opcode::Log, Opcode::Abs};
  std::vector<float> a = randomFloats(2 * 5, 3, 7);
  for (Opcode op : ops) {
    std::vector<float> in = a;
    if (op == Opcode::Sqrt || op == Opcode::Log)
      for (float &v : in)
        v = std::fabs(v) + 0.1f;
    std::vector<float> o(10);
    // Read a [5,2] view of `in` transposed.
    runOk(op, {view(o, DType::F32, {5, 2}), view(in, DType::F32, {5, 2}, {1, 5})});
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 2; ++j)
        EXPECT_NEAR(o[i * 2 + j], reference(op, in[j * 5 + i]), 1e-5)
            << format::opcodeInfo(op).mnemonic;
  }
}

// gelu in both forms, computed here in double from its definition; the
// fast path (a contiguous 1000-element run, several SIMD blocks) and the
// reference kernel (a transposed view) agree with it.
TEST(UnaryKernels, Gelu) {
  std::vector<float> in = randomFloats(1000, 6, 11);
  for (int64_t tanhForm : {0, 1}) {
    auto gelu = [&](double x) {
      if (tanhForm)
        return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
      return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    };
    std::vector<float> fast(1000), ref(1000);
    runOk(Opcode::Gelu, {view(fast, DType::F32, {1000}), view(in, DType::F32, {1000})}, {tanhForm});
    runOk(Opcode::Gelu, {view(ref, DType::F32, {10, 100}), view(in, DType::F32, {10, 100}, {1, 10})},
          {tanhForm});
    for (int i = 0; i < 1000; ++i) {
      EXPECT_NEAR(fast[i], gelu(in[i]), 2e-6 * std::max(1.0, std::fabs(gelu(in[i])))) << i;
      EXPECT_NEAR(ref[(i % 10) * 100 + i / 10], gelu(in[i]), 2e-6 * std::max(1.0, std::fabs(gelu(in[i]))));
    }
  }
  std::vector<float> o(4), a = {1, 2, 3, 4};
  format::Region r[2] = {regionOf(view(o, DType::F32, {4})), regionOf(view(a, DType::F32, {4}))};
  const int64_t bad = 2;
  EXPECT_NE(format::checkOperands(Opcode::Gelu, r, 2, &bad), "");
}

TEST(UnaryKernels, F64AndInPlace) {
  std::vector<double> a = {0.25, 1.5, -2.0};
  runOk(Opcode::Exp, {view(a, DType::F64, {3}), view(a, DType::F64, {3})});
  EXPECT_DOUBLE_EQ(a[0], std::exp(0.25));
  EXPECT_DOUBLE_EQ(a[2], std::exp(-2.0));
}

TEST(UnaryKernels, SigmoidExtremes) {
  std::vector<float> a = {-1000, 1000, 0}, o(3);
  runOk(Opcode::Sigmoid, {view(o, DType::F32, {3}), view(a, DType::F32, {3})});
  EXPECT_EQ(o[0], 0.0f);
  EXPECT_EQ(o[1], 1.0f);
  EXPECT_EQ(o[2], 0.5f);
}

TEST(UnaryKernels, IntegerNegAbsRelu) {
  std::vector<int32_t> a = {-5, 0, 7, std::numeric_limits<int32_t>::min()}, o(4);
  runOk(Opcode::Neg, {view(o, DType::I32, {4}), view(a, DType::I32, {4})});
  EXPECT_EQ(o, (std::vector<int32_t>{5, 0, -7, std::numeric_limits<int32_t>::min()}));
  runOk(Opcode::Abs, {view(o, DType::I32, {4}), view(a, DType::I32, {4})});
  EXPECT_EQ(o, (std::vector<int32_t>{5, 0, 7, std::numeric_limits<int32_t>::min()}));
  std::vector<int64_t> b = {-3, 4}, ob(2);
  runOk(Opcode::Relu, {view(ob, DType::I64, {2}), view(b, DType::I64, {2})});
  EXPECT_EQ(ob, (std::vector<int64_t>{0, 4}));
}

TEST(UnaryKernels, Not) {
  std::vector<uint8_t> a = {0, 1, 1, 0}, o(4);
  runOk(Opcode::Not, {view(o, DType::Bool, {2, 2}), view(a, DType::Bool, {2, 2})});
  EXPECT_EQ(o, (std::vector<uint8_t>{1, 0, 0, 1}));
}

TEST(BinaryKernels, FloatArithmeticWithBroadcast) {
  const int M = 3, N = 4;
  std::vector<float> a = randomFloats(M * N, 2, 11), b = randomFloats(N, 2, 12);
  for (float &v : b)
    v = std::fabs(v) + 0.5f;  // positive, for div and pow
  std::vector<float> pa = a;
  for (float &v : pa)
    v = std::fabs(v);
  const Opcode ops[] = {Opcode::Add, Opcode::Sub, Opcode::Mul, Opcode::Div,
                        Opcode::Pow, Opcode::Max, Opcode::Min};
  for (Opcode op : ops) {
    std::vector<float> &x = op == Opcode::Pow ? pa : a;
    std::vector<float> o(M * N);
    runOk(op, {view(o, DType::F32, {M, N}), view(x, DType::F32, {M, N}),
               view(b, DType::F32, {M, N}, {0, 1})});
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double p = x[i * N + j], q = b[j], want = 0;
        switch (op) {
        case Opcode::Add: want = p + q; break;
        case Opcode::Sub: want = p - q; break;
        case Opcode::Mul: want = p * q; break;
        case Opcode::Div: want = p / q; break;
        case Opcode::Pow: want = std::pow(p, q); break;
        case Opcode::Max: want = std::max(p, q); break;
        default: want = std::min(p, q); break;
        }
        EXPECT_NEAR(o[i * N + j], want, 1e-5) << format::opcodeInfo(op).mnemonic;
      }
  }
}

TEST(BinaryKernels, MaxPropagatesNaN) {
  std::vector<double> a = {NAN, 1}, b = {0, NAN}, o(2);
  runOk(Opcode::Max, {view(o, DType::F64, {2}), view(a, DType::F64, {2}), view(b, DType::F64, {2})});
  EXPECT_TRUE(std::isnan(o[0]));
  EXPECT_TRUE(std::isnan(o[1]));
}

TEST(BinaryKernels, IntegerSemantics) {
  std::vector<int32_t> a = {-7, 7, std::numeric_limits<int32_t>::max(),
                            std::numeric_limits<int32_t>::min()};
  std::vector<int32_t> b = {2, -2, 1, -1}, o(4);
  runOk(Opcode::Div, {view(o, DType::I32, {4}), view(a, DType::I32, {4}), view(b, DType::I32, {4})});
  EXPECT_EQ(o, (std::vector<int32_t>{-3, -3, std::numeric_limits<int32_t>::max(),
                                     std::numeric_limits<int32_t>::min()}));
  runOk(Opcode::Add, {view(o, DType::I32, {4}), view(a, DType::I32, {4}), view(b, DType::I32, {4})});
  EXPECT_EQ(o[2], std::numeric_limits<int32_t>::min()) << "add wraps";
  std::vector<int64_t> x = {6, -4, 9}, y = {3, 5, -2}, z(3);
  runOk(Opcode::Mul, {view(z, DType::I64, {3}), view(x, DType::I64, {3}), view(y, DType::I64, {3})});
  EXPECT_EQ(z, (std::vector<int64_t>{18, -20, -18}));
  runOk(Opcode::Sub, {view(z, DType::I64, {3}), view(x, DType::I64, {3}), view(y, DType::I64, {3})});
  EXPECT_EQ(z, (std::vector<int64_t>{3, -9, 11}));
  runOk(Opcode::Min, {view(z, DType::I64, {3}), view(x, DType::I64, {3}), view(y, DType::I64, {3})});
  EXPECT_EQ(z, (std::vector<int64_t>{3, -4, -2}));
}

TEST(BinaryKernels, IntegerDivisionByZeroIsAnError) {
  std::vector<int64_t> a = {1, 2}, b = {1, 0}, o(2);
  absl::Status s = run(Opcode::Div, {view(o, DType::I64, {2}), view(a, DType::I64, {2}),
                                     view(b, DType::I64, {2})});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("division by zero"), std::string::npos);
}

TEST(BinaryKernels, InPlaceAdd) {
  std::vector<float> a = {1, 2, 3}, b = {10, 20, 30};
  runOk(Opcode::Add, {view(a, DType::F32, {3}), view(a, DType::F32, {3}), view(b, DType::F32, {3})});
  EXPECT_EQ(a, (std::vector<float>{11, 22, 33}));
}

TEST(CompareKernels, FloatIntAndBool) {
  std::vector<float> a = {1, 2, 3}, b = {2, 2, 2};
  std::vector<uint8_t> o(3);
  runOk(Opcode::Equal, {view(o, DType::Bool, {3}), view(a, DType::F32, {3}), view(b, DType::F32, {3})});
  EXPECT_EQ(o, (std::vector<uint8_t>{0, 1, 0}));
  runOk(Opcode::Less, {view(o, DType::Bool, {3}), view(a, DType::F32, {3}), view(b, DType::F32, {3})});
  EXPECT_EQ(o, (std::vector<uint8_t>{1, 0, 0}));
  std::vector<int64_t> x = {-1, 5, 7}, y = {4};
  runOk(Opcode::Greater,
        {view(o, DType::Bool, {3}), view(x, DType::I64, {3}), view(y, DType::I64, {3}, {0})});
  EXPECT_EQ(o, (std::vector<uint8_t>{0, 1, 1}));
  std::vector<uint8_t> p = {0, 1, 1}, q = {0, 0, 1};
  runOk(Opcode::Equal, {view(o, DType::Bool, {3}), view(p, DType::Bool, {3}), view(q, DType::Bool, {3})});
  EXPECT_EQ(o, (std::vector<uint8_t>{1, 0, 1}));
}

TEST(LogicKernels, AndOr) {
  std::vector<uint8_t> a = {0, 0, 1, 1}, b = {0, 1, 0, 1}, o(4);
  runOk(Opcode::And, {view(o, DType::Bool, {2, 2}), view(a, DType::Bool, {2, 2}), view(b, DType::Bool, {2, 2})});
  EXPECT_EQ(o, (std::vector<uint8_t>{0, 0, 0, 1}));
  runOk(Opcode::Or, {view(o, DType::Bool, {2, 2}), view(a, DType::Bool, {2, 2}), view(b, DType::Bool, {2, 2})});
  EXPECT_EQ(o, (std::vector<uint8_t>{0, 1, 1, 1}));
}

}  // namespace
}  // namespace lmc::testing
