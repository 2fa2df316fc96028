// Kernel tests for reductions, softmax and layer_norm.
#include <cmath>
#include <limits>

#include "tests/unit/KernelTestUtil.h"

namespace lmc::testing {
namespace {

using format::Opcode;

TEST(ReduceKernels, MiddleAxisAllOps) {
  const int A = 2, B = 3, C = 4;
  std::vector<float> a = randomFloats(A * B * C, 5, 21);
  for (Opcode op : {Opcode::ReduceSum, Opcode::ReduceMean, Opcode::ReduceMax, Opcode::ReduceMin}) {
    std::vector<float> o(A * C);
    runOk(op, {view(o, DType::F32, {A, 1, C}), view(a, DType::F32, {A, B, C})});
    for (int i = 0; i < A; ++i)
      for (int k = 0; k < C; ++k) {
        double sum = 0, mx = -1e30, mn = 1e30;
        for (int j = 0; j < B; ++j) {
          double v = a[(i * B + j) * C + k];
          sum += v;
          mx = std::max(mx, v);
          mn = std::min(mn, v);
        }
        double want = op == Opcode::ReduceSum    ? sum
                      : op == Opcode::ReduceMean ? sum / B
                      : op == Opcode::ReduceMax  ? mx
                                                 : mn;
        EXPECT_NEAR(o[i * C + k], want, 1e-5) << format::opcodeInfo(op).mnemonic;
      }
  }
}

TEST(ReduceKernels, TwoAxesOfNegativeStrideInput) {
  std::vector<double> a(2 * 3 * 2);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = double(i);
  std::vector<double> o(3);
  // Read a backwards: element [i,j,k] of the view is a[11 - (6i+2j+k)].
  runOk(Opcode::ReduceSum,
        {view(o, DType::F64, {1, 3, 1}), view(a, DType::F64, {2, 3, 2}, {-6, -2, -1}, 11)});
  for (int j = 0; j < 3; ++j) {
    double want = 0;
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 2; ++k)
        want += a[11 - (6 * i + 2 * j + k)];
    EXPECT_EQ(o[j], want);
  }
}

TEST(ReduceKernels, IntegersAndNaN) {
  std::vector<int32_t> a = {1, -2, 3, 4, 5, -6}, o(2);
  runOk(Opcode::ReduceSum, {view(o, DType::I32, {2, 1}), view(a, DType::I32, {2, 3})});
  EXPECT_EQ(o, (std::vector<int32_t>{2, 3}));
  runOk(Opcode::ReduceMin, {view(o, DType::I32, {2, 1}), view(a, DType::I32, {2, 3})});
  EXPECT_EQ(o, (std::vector<int32_t>{-2, -6}));
  std::vector<int64_t> b = {std::numeric_limits<int64_t>::min(), -1}, ob(1);
  runOk(Opcode::ReduceMax, {view(ob, DType::I64, {1}), view(b, DType::I64, {2})});
  EXPECT_EQ(ob[0], -1);
  std::vector<float> f = {1, NAN, 3}, of(1);
  runOk(Opcode::ReduceMax, {view(of, DType::F32, {1}), view(f, DType::F32, {3})});
  EXPECT_TRUE(std::isnan(of[0]));
}

TEST(ReduceKernels, NothingReducedInPlace) {
  std::vector<float> a = {1, 2, 3};
  runOk(Opcode::ReduceSum, {view(a, DType::F32, {3}), view(a, DType::F32, {3})});
  EXPECT_EQ(a, (std::vector<float>{1, 2, 3}));
}

TEST(SoftmaxKernel, LastAndFirstAxis) {
  const int M = 3, N = 5;
  std::vector<float> a = randomFloats(M * N, 4, 31);
  a[0] = 1000.0f;  // would overflow exp without subtracting the max
  for (int axis = 0; axis < 2; ++axis) {
    std::vector<float> o(M * N);
    runOk(Opcode::Softmax, {view(o, DType::F32, {M, N}), view(a, DType::F32, {M, N})}, {axis});
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        int lanes = axis == 1 ? N : M;
        double mx = -INFINITY, sum = 0;
        for (int t = 0; t < lanes; ++t)
          mx = std::max(mx, double(axis == 1 ? a[i * N + t] : a[t * N + j]));
        for (int t = 0; t < lanes; ++t)
          sum += std::exp(double(axis == 1 ? a[i * N + t] : a[t * N + j]) - mx);
        double want = std::exp(double(a[i * N + j]) - mx) / sum;
        EXPECT_NEAR(o[i * N + j], want, 1e-6) << "axis " << axis;
        EXPECT_FALSE(std::isnan(o[i * N + j]));
      }
  }
}

TEST(SoftmaxKernel, InPlaceStridedF64) {
  std::vector<double> a = {1, 10, 2, 20};  // view [2,2] transposed: lanes {1,2} and {10,20}
  runOk(Opcode::Softmax,
        {view(a, DType::F64, {2, 2}, {1, 2}), view(a, DType::F64, {2, 2}, {1, 2})}, {1});
  EXPECT_NEAR(a[0], 1 / (1 + std::exp(1.0)), 1e-12);
  EXPECT_NEAR(a[2], std::exp(1.0) / (1 + std::exp(1.0)), 1e-12);
  EXPECT_NEAR(a[1] + a[3], 1.0, 1e-12);
}

void layerNormReference(const std::vector<float> &a, const std::vector<float> &scale,
                        const std::vector<float> *bias, int outer, int inner, double eps,
                        std::vector<double> &out) {
  out.resize(a.size());
  for (int i = 0; i < outer; ++i) {
    double mean = 0, var = 0;
    for (int j = 0; j < inner; ++j)
      mean += a[i * inner + j];
    mean /= inner;
    for (int j = 0; j < inner; ++j)
      var += (a[i * inner + j] - mean) * (a[i * inner + j] - mean);
    var /= inner;
    for (int j = 0; j < inner; ++j)
      out[i * inner + j] = (a[i * inner + j] - mean) / std::sqrt(var + eps) * scale[j] +
                           (bias ? (*bias)[j] : 0.0);
  }
}

int64_t bitsOf(double d) {
  int64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

TEST(LayerNormKernel, LastAxisWithBroadcastScaleAndBias) {
  const int B = 2, T = 3, D = 8;
  std::vector<float> a = randomFloats(B * T * D, 3, 41);
  for (float &v : a)
    v += 1000.0f;  // a large mean, where E[x^2]-E[x]^2 would lose precision
  std::vector<float> scale = randomFloats(D, 1, 42), bias = randomFloats(D, 1, 43);
  std::vector<float> o(a.size());
  const double eps = 1e-5;
  runOk(Opcode::LayerNorm,
        {view(o, DType::F32, {B, T, D}), view(a, DType::F32, {B, T, D}),
         view(scale, DType::F32, {B, T, D}, {0, 0, 1}), view(bias, DType::F32, {B, T, D}, {0, 0, 1})},
        {2, bitsOf(eps)});
  std::vector<double> want;
  layerNormReference(a, scale, &bias, B * T, D, eps, want);
  for (size_t i = 0; i < o.size(); ++i)
    EXPECT_NEAR(o[i], want[i], 2e-4) << i;
}

TEST(LayerNormKernel, TwoTrailingAxesNoBiasInPlace) {
  const int B = 2, T = 3, D = 4;
  std::vector<float> a = randomFloats(B * T * D, 2, 51);
  std::vector<float> orig = a;
  std::vector<float> scale = randomFloats(T * D, 1, 52);
  runOk(Opcode::LayerNorm,
        {view(a, DType::F32, {B, T, D}), view(a, DType::F32, {B, T, D}),
         view(scale, DType::F32, {B, T, D}, {0, D, 1})},
        {1, bitsOf(0.0)});
  std::vector<double> want;
  layerNormReference(orig, scale, nullptr, B, T * D, 0.0, want);
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], want[i], 1e-5) << i;
}

}  // namespace
}  // namespace lmc::testing
