// The fast kernel paths (SIMD, blocked SGEMM, threads) against the
// reference kernels on random data of odd sizes and layouts: f32 results
// within 1e-5 (relative) for every SIMD level the CPU has, and bitwise
// identical for 1, 2 and 3 threads at a given level.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>

#include "runtime/format/PackedMatMul.h"
#include "runtime/kernels/Fast.h"
#include "runtime/src/ThreadPool.h"
#include "tests/unit/KernelTestUtil.h"

namespace lmc::testing {
namespace {

using format::Opcode;
using kernels::ExecOptions;
using kernels::SimdLevel;

// The configurations compared with the reference: each SIMD level on 1, 2
// and 3 threads (a level's 1-thread run first: the others must match it).
struct Config {
  const char *name;
  SimdLevel level;
  const char *levelName; // what simdLevelName reports for it
  int threads;
};
const Config kAllConfigs[] = {{"avx512/1", SimdLevel::Avx512, "avx512", 1},
                              {"avx512/2", SimdLevel::Avx512, "avx512", 2},
                              {"avx512/3", SimdLevel::Avx512, "avx512", 3},
                              {"avx2/1", SimdLevel::Avx2, "avx2+fma", 1},
                              {"avx2/2", SimdLevel::Avx2, "avx2+fma", 2},
                              {"avx2/3", SimdLevel::Avx2, "avx2+fma", 3},
                              {"portable/1", SimdLevel::Portable, "portable", 1},
                              {"portable/2", SimdLevel::Portable, "portable", 2}};

ExecOptions levelOptions(SimdLevel level) {
  ExecOptions o;
  o.maxSimd = level;
  return o;
}

// The configurations whose level this CPU (and LMC_SIMD) lets run: a level
// that is not available would only repeat a lower one.
const std::vector<Config> &configs() {
  static const std::vector<Config> available = [] {
    std::vector<Config> v;
    for (const Config &c : kAllConfigs)
      // "avx512" is also "avx512+vnni" (VNNI only changes matmul_q's kernels).
      if (std::strncmp(kernels::simdLevelName(levelOptions(c.level)), c.levelName,
                       std::strlen(c.levelName)) == 0)
        v.push_back(c);
    return v;
  }();
  return available;
}

class Runner {
public:
  explicit Runner(const Config &c) : config_(c) {
    if (c.threads > 1)
      pool_ = std::make_unique<runtime::ThreadPool>(c.threads);
    options_ = levelOptions(c.level);
    options_.parallel = pool_.get();
  }
  const ExecOptions &options() const { return options_; }

private:
  Config config_;
  std::unique_ptr<runtime::ThreadPool> pool_;
  ExecOptions options_;
};

absl::Status runWith(const ExecOptions &options, Opcode op, std::vector<TensorRef> ops,
                     std::vector<int64_t> imms = {}) {
  std::vector<format::Region> regions;
  for (const TensorRef &t : ops)
    regions.push_back(regionOf(t));
  EXPECT_EQ(format::checkOperands(op, regions.data(), unsigned(regions.size()), imms.data()), "");
  return kernels::runKernel(op, ops.data(), unsigned(ops.size()), imms.data(), options);
}

ExecOptions referenceOptions() {
  ExecOptions o;
  o.referenceOnly = true;
  return o;
}

// |fast - ref| <= 1e-5 * (|ref| + scale[i]), NaN matching NaN; scale is the
// magnitude the result was computed from (0 where plain relative error is
// meant, sum |a_ik b_kj| for a dot product).
void expectClose(const std::vector<float> &fast, const std::vector<float> &ref,
                 const std::vector<double> &scale, const std::string &what) {
  ASSERT_EQ(fast.size(), ref.size());
  int shown = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (std::isnan(ref[i]) || std::isnan(fast[i])) {
      if (!(std::isnan(ref[i]) && std::isnan(fast[i])) && shown++ < 5)
        ADD_FAILURE() << what << " [" << i << "]: " << fast[i] << " vs reference " << ref[i];
      continue;
    }
    if (fast[i] == ref[i])
      continue;
    double tol = 1e-5 * (std::fabs(double(ref[i])) + (scale.empty() ? 0.0 : scale[i])) + 1e-37;
    if (!(std::fabs(double(fast[i]) - double(ref[i])) <= tol) && shown++ < 5)
      ADD_FAILURE() << what << " [" << i << "]: " << fast[i] << " vs reference " << ref[i]
                    << " (tolerance " << tol << ")";
  }
}

// Bitwise equality (NaN payloads included) between two thread counts.
void expectIdentical(const std::vector<float> &x, const std::vector<float> &y,
                     const std::string &what) {
  ASSERT_EQ(x.size(), y.size());
  EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)), 0) << what;
}

// --------------------------------------------------------------- matmul

struct MatMulCase {
  int64_t batch, M, K, N;
  bool transA, transB, transO;
};

void checkMatMul(const MatMulCase &c) {
  const int64_t B = c.batch, M = c.M, K = c.K, N = c.N;
  std::vector<float> a = randomFloats(size_t(B * M * K), 1.0f, 11);
  std::vector<float> b = randomFloats(size_t(K * N), 1.0f, 12); // shared by every batch
  // a is [B, M, K], stored [B, K, M] when transposed; b is [K, N] (stride 0
  // over the batch), stored [N, K] when transposed; o likewise.
  TensorRef av =
      c.transA ? view(a, DType::F32, {B, M, K}, {M * K, 1, M}) : view(a, DType::F32, {B, M, K});
  TensorRef bv = c.transB ? view(b, DType::F32, {B, K, N}, {0, 1, K})
                          : view(b, DType::F32, {B, K, N}, {0, N, 1});
  std::vector<double> scale(size_t(B * M * N));
  for (int64_t t = 0; t < B; ++t)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k)
          s += std::fabs(double(a[t * M * K + i * av.strides[1] + k * av.strides[2]]) *
                         double(b[k * bv.strides[1] + j * bv.strides[2]]));
        scale[size_t((t * M + i) * N + j)] = s;
      }
  // matmul_packed reads the same B packed by the compiler's function.
  std::vector<float> packed(size_t(format::packedElements(K, N)), NAN);
  format::packMatMulB(b.data(), bv.strides[1], bv.strides[2], K, N, packed.data());
  TensorRef pv = view(packed, DType::F32, {int64_t(packed.size())});
  // Outputs are compared in logical [B, M, N] order.
  auto runOne = [&](const ExecOptions &options, Opcode op = Opcode::MatMul) {
    std::vector<float> o(size_t(B * M * N), NAN), logical(o.size());
    TensorRef ov =
        c.transO ? view(o, DType::F32, {B, M, N}, {M * N, 1, M}) : view(o, DType::F32, {B, M, N});
    absl::Status s = runWith(options, op, {ov, av, op == Opcode::MatMul ? bv : pv});
    EXPECT_TRUE(s.ok()) << s;
    for (int64_t t = 0; t < B; ++t)
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j)
          logical[size_t((t * M + i) * N + j)] =
              o[size_t(t * ov.strides[0] + i * ov.strides[1] + j * ov.strides[2])];
    return logical;
  };
  const std::string what =
      absl::StrCat("matmul B", B, " M", M, " K", K, " N", N, c.transA ? " A^T" : "",
                   c.transB ? " B^T" : "", c.transO ? " O^T" : "");
  std::vector<float> ref = runOne(referenceOptions());
  // The reference matmul_packed unpacks on the fly: the reference matmul's
  // arithmetic.
  expectClose(runOne(referenceOptions(), Opcode::MatMulPacked), ref, scale,
              what + " packed reference");
  std::vector<std::vector<float>> plain;
  for (Opcode op : {Opcode::MatMul, Opcode::MatMulPacked}) {
    std::vector<float> first;
    for (size_t i = 0; i < configs().size(); ++i) {
      const Config &config = configs()[i];
      Runner runner(config);
      std::vector<float> fast = runOne(runner.options(), op);
      const std::string name =
          what + (op == Opcode::MatMul ? " " : " packed ") + config.name;
      expectClose(fast, ref, scale, name);
      if (config.threads == 1)
        first = fast;
      else
        expectIdentical(fast, first, name + " vs 1 thread");
      // A GEMV over packed panels is the plain GEMV's FMA chain (rows of B
      // contiguous), so the cpu and the accelerator targets agree bit for bit.
      if (op == Opcode::MatMul)
        plain.push_back(fast);
      else if (M == 1 && !c.transB)
        expectIdentical(fast, plain[i], name + " vs matmul");
    }
  }
}

TEST(FastMatMul, OddSizesAndLayouts) {
  for (int64_t M : {1, 2, 7, 13})
    for (int64_t K : {1, 17, 300})
      for (int64_t N : {1, 5, 33, 70})
        for (bool transB : {false, true})
          checkMatMul({1, M, K, N, false, transB, false});
}

TEST(FastMatMul, TransposedAAndOutputAndBatches) {
  checkMatMul({3, 9, 31, 21, true, false, false});
  checkMatMul({2, 1, 40, 19, true, true, true});
  checkMatMul({4, 14, 16, 16, false, true, true});
  checkMatMul({5, 1, 64, 130, false, false, false});
}

TEST(FastMatMul, EverySizeCombination) {
  // Sizes around every level's register tile (6 or 12 rows, 16 or 32
  // columns), KC = 256 and MC = 132: each of M, K and N from the list, B
  // transposed for half of them.
  const int64_t sizes[] = {1, 3, 17, 33, 100, 257, 300};
  int64_t count = 0;
  for (int64_t M : sizes)
    for (int64_t K : sizes)
      for (int64_t N : sizes)
        checkMatMul({1, M, K, N, false, count++ % 2 == 1, false});
}

TEST(FastMatMul, OddSizesWithBatchesAndStrides) {
  checkMatMul({3, 100, 33, 257, false, false, false});
  checkMatMul({2, 17, 300, 100, true, true, true});
  checkMatMul({2, 1, 257, 300, true, false, true});
  checkMatMul({4, 3, 100, 33, false, true, false});
  checkMatMul({2, 257, 17, 3, true, false, false});
}

TEST(FastMatMul, BeyondOneCacheBlock) {
  // M > MC, K > KC, N > NC: every blocking loop runs more than once.
  checkMatMul({1, 130, 520, 2100, false, false, false});
  checkMatMul({1, 128, 300, 300, false, true, false});
  checkMatMul({1, 1, 700, 2300, false, true, false});
}

TEST(FastMatMul, EmptyKGivesZeros) {
  std::vector<float> e;
  for (const Config &config : configs()) {
    Runner runner(config);
    std::vector<float> o(6, 3.0f);
    ASSERT_TRUE(runWith(runner.options(), Opcode::MatMul,
                        {view(o, DType::F32, {2, 3}), view(e, DType::F32, {2, 0}),
                         view(e, DType::F32, {0, 3})})
                    .ok());
    EXPECT_EQ(o, std::vector<float>(6, 0.0f)) << config.name;
  }
  for (const ExecOptions &options : {ExecOptions{}, referenceOptions()}) {
    std::vector<float> p(6, 3.0f);
    ASSERT_TRUE(runWith(options, Opcode::MatMulPacked,
                        {view(p, DType::F32, {2, 3}), view(e, DType::F32, {2, 0}),
                         view(e, DType::F32, {0})})
                    .ok());
    EXPECT_EQ(p, std::vector<float>(6, 0.0f));
  }
}

TEST(PackedMatMul, LayoutMatchesIndexAndPadsWithZeros) {
  // K = 300 is a full K block and a partial one; N = 37 two full panels and
  // a partial one; B read transposed (stored [N, K]).
  const int64_t K = 300, N = 37;
  ASSERT_EQ(format::packedElements(K, N), K * 48);
  EXPECT_EQ(format::packedElements(-1, 4), -1);
  EXPECT_EQ(format::packedElements(int64_t(1) << 40, int64_t(1) << 40), -1);
  std::vector<float> b = randomFloats(size_t(K * N), 1.0f, 5);
  std::vector<float> packed(size_t(K * 48), NAN);
  format::packMatMulB(b.data(), 1, K, K, N, packed.data());
  std::vector<bool> seen(packed.size());
  for (int64_t k = 0; k < K; ++k)
    for (int64_t j = 0; j < N; ++j) {
      int64_t at = format::packedIndex(k, j, K, N);
      ASSERT_TRUE(at >= 0 && at < int64_t(packed.size()));
      EXPECT_FALSE(seen[size_t(at)]);
      seen[size_t(at)] = true;
      EXPECT_EQ(packed[size_t(at)], b[size_t(j * K + k)]);
    }
  // Row 3 of the second K block, column 33: block at 256 * 48, panel 2 of
  // 44-row panels, lane 1.
  EXPECT_EQ(format::packedIndex(259, 33, K, N), 256 * 48 + 2 * 44 * 16 + 3 * 16 + 1);
  for (size_t i = 0; i < packed.size(); ++i)
    EXPECT_TRUE(seen[i] || packed[i] == 0.0f) << i;
}

// ----------------------------------------------------------- elementwise

// Random values plus the special cases each fast path must get right.
std::vector<float> withSpecials(size_t n, float range, uint32_t seed) {
  std::vector<float> v = randomFloats(n, range, seed);
  const float specials[] = {0.0f,    -0.0f,   INFINITY, -INFINITY, NAN,    1e-30f,
                            -1e-30f, 0.6249f, 0.625f,   -0.63f,    0.999f, 1.0f,
                            -1.001f, 3.99f,   4.5f,     -9.5f,     20.0f,  -87.5f,
                            88.5f,   -100.0f, 100.0f,   -0.00123f, 1e-4f,  -3e-3f,
                            -103.9f, -104.0f, -110.0f,  -1e9f};
  for (size_t i = 0; i < sizeof(specials) / sizeof(float) && i * 7 < n; ++i)
    v[i * 7] = specials[i];
  return v;
}

TEST(FastUnary, ExpTanhErfGeluMatchReference) {
  struct Case {
    Opcode op;
    std::vector<int64_t> imms;  // gelu: 1 tanh form, 0 erf form
  };
  const Case cases[] = {{Opcode::Exp, {}}, {Opcode::Tanh, {}}, {Opcode::Erf, {}},
                        {Opcode::Gelu, {1}}, {Opcode::Gelu, {0}}};
  for (int64_t n : {1, 7, 8, 9, 100, 1001, 70000}) {
    for (const Case &c : cases) {
      const Opcode op = c.op;
      std::vector<float> a = withSpecials(size_t(n), op == Opcode::Exp ? 30.0f : 5.0f, 21);
      auto runOne = [&](const ExecOptions &options) {
        std::vector<float> o(a.size());
        EXPECT_TRUE(
            runWith(options, op, {view(o, DType::F32, {n}), view(a, DType::F32, {n})}, c.imms)
                .ok());
        return o;
      };
      std::vector<float> ref = runOne(referenceOptions()), first;
      const std::string what = absl::StrCat(format::opcodeInfo(op).mnemonic,
                                            c.imms.empty() ? "" : c.imms[0] ? " tanh" : " erf",
                                            " n=", n);
      // gelu is x times a probability: its error scales with |x| (where the
      // probability is ~1e-7 the reference's tanh rounds to -1 exactly and
      // gelu to -0, the polynomial to a few 1e-7 below 1).
      std::vector<double> scale;
      if (op == Opcode::Gelu)
        for (float x : a)
          scale.push_back(std::isfinite(x) ? std::fabs(double(x)) : 0.0);
      for (const Config &config : configs()) {
        Runner runner(config);
        std::vector<float> fast = runOne(runner.options());
        expectClose(fast, ref, scale, what + " " + config.name);
        if (config.threads == 1)
          first = fast;
        else
          expectIdentical(fast, first, what + " " + config.name);
      }
    }
  }
}

TEST(FastUnary, InPlaceAndStrided) {
  std::vector<float> a = randomFloats(90, 3.0f, 5), ref(45), copy = a;
  // Strided input: the fast path declines and the reference runs.
  ASSERT_TRUE(runWith(referenceOptions(), Opcode::Tanh,
                      {view(ref, DType::F32, {45}), view(a, DType::F32, {45}, {2})})
                  .ok());
  std::vector<float> o(45);
  ASSERT_TRUE(
      runWith({}, Opcode::Tanh, {view(o, DType::F32, {45}), view(a, DType::F32, {45}, {2})}).ok());
  expectClose(o, ref, {}, "strided tanh");
  // In place (o is a's own region).
  ASSERT_TRUE(
      runWith({}, Opcode::Exp, {view(copy, DType::F32, {90}), view(copy, DType::F32, {90})}).ok());
  for (size_t i = 0; i < 90; ++i)
    EXPECT_NEAR(copy[i], std::exp(a[i]), 1e-5 * std::exp(a[i]));
}

struct BinaryLayout {
  const char *name;
  std::vector<int64_t> aStrides, bStrides; // over shape [R, C]; empty = contiguous
};

TEST(FastBinary, EveryOpAndBroadcastLayout) {
  const int64_t R = 37, C = 301;
  std::vector<float> a = withSpecials(size_t(R * C), 4.0f, 31);
  std::vector<float> b = withSpecials(size_t(R * C), 4.0f, 32);
  const BinaryLayout layouts[] = {{"contiguous", {}, {}},           {"row broadcast", {}, {0, 1}},
                                  {"column broadcast", {}, {1, 0}}, {"scalar a", {0, 0}, {}},
                                  {"scalar b", {}, {0, 0}},         {"transposed a", {1, R}, {}}};
  std::vector<float> one = {2.0f}, three = {3.0f};
  for (const BinaryLayout &layout : layouts) {
    for (Opcode op :
         {Opcode::Add, Opcode::Sub, Opcode::Mul, Opcode::Div, Opcode::Max, Opcode::Min}) {
      auto runOne = [&](const ExecOptions &options) {
        std::vector<float> o(size_t(R * C));
        EXPECT_TRUE(
            runWith(options, op,
                    {view(o, DType::F32, {R, C}), view(a, DType::F32, {R, C}, layout.aStrides),
                     view(b, DType::F32, {R, C}, layout.bStrides)})
                .ok());
        return o;
      };
      std::vector<float> ref = runOne(referenceOptions());
      for (const Config &config : configs()) {
        Runner runner(config);
        // IEEE add/sub/mul/div and max/min are exact: identical bits.
        expectIdentical(
            runOne(runner.options()), ref,
            absl::StrCat(format::opcodeInfo(op).mnemonic, " ", layout.name, " ", config.name));
      }
    }
  }
  // pow by a broadcast 2 or 3 multiplies.
  for (std::vector<float> *e : {&one, &three}) {
    auto runOne = [&](const ExecOptions &options) {
      std::vector<float> o(size_t(R * C));
      EXPECT_TRUE(runWith(options, Opcode::Pow,
                          {view(o, DType::F32, {R, C}), view(a, DType::F32, {R, C}),
                           view(*e, DType::F32, {R, C}, {0, 0})})
                      .ok());
      return o;
    };
    std::vector<float> ref = runOne(referenceOptions());
    for (const Config &config : configs()) {
      Runner runner(config);
      expectClose(runOne(runner.options()), ref, {}, absl::StrCat("pow ", (*e)[0], config.name));
    }
  }
}

TEST(FastWhere, BroadcastLayoutsAreBitExact) {
  // An attention mask's layout among them: the condition broadcast over a
  // leading axis, one value a full tensor, the other a scalar.
  const int64_t R = 37, C = 301;
  std::vector<float> a = withSpecials(size_t(R * C), 4.0f, 41);
  std::vector<float> b = withSpecials(size_t(R * C), 4.0f, 42);
  std::vector<float> bits = randomFloats(size_t(R * C), 1.0f, 43);
  std::vector<uint8_t> cond(bits.size());
  for (size_t i = 0; i < bits.size(); ++i)
    cond[i] = bits[i] > 0.0f;
  struct Layout {
    const char *name;
    std::vector<int64_t> c, a, b;  // strides over [R, C]; empty = contiguous
  };
  const Layout layouts[] = {{"contiguous", {}, {}, {}},
                            {"mask over rows, scalar b", {0, 1}, {}, {0, 0}},
                            {"column mask, row a", {1, 0}, {0, 1}, {}},
                            {"scalar condition", {0, 0}, {}, {}},
                            {"transposed a (falls back)", {}, {1, R}, {0, 0}}};
  std::vector<int32_t> ia(a.size()), ib(b.size());
  std::memcpy(ia.data(), a.data(), a.size() * 4);
  std::memcpy(ib.data(), b.data(), b.size() * 4);
  for (const Layout &layout : layouts) {
    for (DType dtype : {DType::F32, DType::I32}) {
      auto runOne = [&](const ExecOptions &options) {
        std::vector<float> o(size_t(R * C));
        TensorRef av = dtype == DType::F32 ? view(a, dtype, {R, C}, layout.a)
                                           : view(ia, dtype, {R, C}, layout.a);
        TensorRef bv = dtype == DType::F32 ? view(b, dtype, {R, C}, layout.b)
                                           : view(ib, dtype, {R, C}, layout.b);
        TensorRef ov = view(o, DType::F32, {R, C});
        ov.dtype = dtype;
        EXPECT_TRUE(
            runWith(options, Opcode::Where,
                    {ov, view(cond, DType::Bool, {R, C}, layout.c), av, bv})
                .ok());
        return o;
      };
      std::vector<float> ref = runOne(referenceOptions());
      for (const Config &config : configs()) {
        Runner runner(config);
        expectIdentical(runOne(runner.options()), ref,
                        absl::StrCat("where ", layout.name, " ", format::dtypeName(dtype), " ",
                                     config.name));
      }
    }
  }
}

TEST(FastBinary, MaxMinSignedZerosAndInPlace) {
  std::vector<float> a = {0.0f, -0.0f, 1.0f, NAN, -2.0f, 5.0f, -0.0f, 0.0f, 3.0f};
  std::vector<float> b = {-0.0f, 0.0f, NAN, 1.0f, -3.0f, 5.0f, -0.0f, 0.0f, 4.0f};
  for (Opcode op : {Opcode::Max, Opcode::Min}) {
    std::vector<float> ref(9), fast(9);
    ASSERT_TRUE(
        runWith(referenceOptions(), op,
                {view(ref, DType::F32, {9}), view(a, DType::F32, {9}), view(b, DType::F32, {9})})
            .ok());
    ASSERT_TRUE(
        runWith({}, op,
                {view(fast, DType::F32, {9}), view(a, DType::F32, {9}), view(b, DType::F32, {9})})
            .ok());
    expectIdentical(fast, ref, format::opcodeInfo(op).mnemonic);
  }
  std::vector<float> x = randomFloats(1000, 2.0f, 3), y = randomFloats(1000, 2.0f, 4), want(1000);
  for (size_t i = 0; i < 1000; ++i)
    want[i] = x[i] + y[i];
  ASSERT_TRUE(runWith({}, Opcode::Add,
                      {view(x, DType::F32, {1000}), view(x, DType::F32, {1000}),
                       view(y, DType::F32, {1000})})
                  .ok());
  EXPECT_EQ(x, want);
}

// ------------------------------------------------------- normalizations

TEST(FastSoftmax, RowsOfOddLengths) {
  for (int64_t n : {1, 7, 8, 9, 100, 1025}) {
    const int64_t R = 13;
    std::vector<float> a = randomFloats(size_t(R * n), 20.0f, uint32_t(n));
    a[0] = -INFINITY; // a masked position
    if (n > 3)
      a[size_t(n + 2)] = -1e30f;
    for (int64_t j = 0; j < n; ++j) // a fully masked row but one element
      a[size_t(2 * n + j)] = j == n / 2 ? 1.0f : -INFINITY;
    auto runOne = [&](const ExecOptions &options) {
      std::vector<float> o(a.size());
      EXPECT_TRUE(runWith(options, Opcode::Softmax,
                          {view(o, DType::F32, {R, n}), view(a, DType::F32, {R, n})}, {1})
                      .ok());
      return o;
    };
    std::vector<float> ref = runOne(referenceOptions()), first;
    for (const Config &config : configs()) {
      Runner runner(config);
      std::vector<float> fast = runOne(runner.options());
      expectClose(fast, ref, {}, absl::StrCat("softmax n=", n, " ", config.name));
      if (config.threads == 1)
        first = fast;
      else
        expectIdentical(fast, first, absl::StrCat("softmax n=", n, " ", config.name));
    }
  }
}

TEST(FastSoftmax, NonLastAxisFallsBack) {
  std::vector<float> a = randomFloats(60, 3.0f, 8), ref(60), fast(60);
  ASSERT_TRUE(runWith(referenceOptions(), Opcode::Softmax,
                      {view(ref, DType::F32, {3, 4, 5}), view(a, DType::F32, {3, 4, 5})}, {1})
                  .ok());
  ASSERT_TRUE(runWith({}, Opcode::Softmax,
                      {view(fast, DType::F32, {3, 4, 5}), view(a, DType::F32, {3, 4, 5})}, {1})
                  .ok());
  expectIdentical(fast, ref, "softmax axis 1");
}

TEST(FastLayerNorm, BlocksWithAndWithoutBias) {
  for (int64_t C : {1, 3, 8, 13, 768}) {
    const int64_t R = 9;
    std::vector<float> a = randomFloats(size_t(R * C), 3.0f, uint32_t(C));
    for (float &x : a)
      x += 100.0f; // a large mean: the variance must not cancel
    std::vector<float> scale = randomFloats(size_t(C), 1.5f, 2),
                       bias = randomFloats(size_t(C), 1.0f, 3);
    for (bool withBias : {true, false}) {
      auto runOne = [&](const ExecOptions &options) {
        std::vector<float> o(a.size());
        std::vector<TensorRef> ops = {view(o, DType::F32, {R, C}), view(a, DType::F32, {R, C}),
                                      view(scale, DType::F32, {R, C}, {0, 1})};
        if (withBias)
          ops.push_back(view(bias, DType::F32, {R, C}, {0, 1}));
        double eps = 1e-5;
        int64_t bits;
        std::memcpy(&bits, &eps, 8);
        EXPECT_TRUE(runWith(options, Opcode::LayerNorm, ops, {1, bits}).ok());
        return o;
      };
      std::vector<float> ref = runOne(referenceOptions()), first;
      // Outputs are O(1): a floor of 1e-5 * 0.1 covers those near 0.
      std::vector<double> floor(ref.size(), 0.1);
      for (const Config &config : configs()) {
        Runner runner(config);
        std::vector<float> fast = runOne(runner.options());
        const std::string what =
            absl::StrCat("layer_norm C=", C, withBias ? " bias " : " ", config.name);
        expectClose(fast, ref, floor, what);
        if (config.threads == 1)
          first = fast;
        else
          expectIdentical(fast, first, what);
      }
    }
  }
}

TEST(FastKernels, SimdLevelIsReported) {
  ExecOptions portable;
  portable.portableOnly = true;
  EXPECT_STREQ(kernels::simdLevelName(portable), "portable");
  EXPECT_STREQ(kernels::simdLevelName(levelOptions(SimdLevel::Portable)), "portable");
  EXPECT_STREQ(kernels::simdLevelName(referenceOptions()), "reference");
  std::string level = kernels::simdLevelName();
  EXPECT_TRUE(level == "avx512" || level == "avx512+vnni" || level == "avx2+vnni" ||
              level == "avx2+fma" || level == "portable")
      << level;
  // A cap never raises the level: at most AVX2 is AVX2 or portable.
  std::string avx2 = kernels::simdLevelName(levelOptions(SimdLevel::Avx2));
  EXPECT_TRUE(avx2 == "avx2+fma" || avx2 == "portable") << avx2;
  std::string vnni = kernels::simdLevelName(levelOptions(SimdLevel::Avx2Vnni));
  EXPECT_TRUE(vnni == "avx2+vnni" || vnni == "avx2+fma" || vnni == "portable") << vnni;
  // AVX-VNNI is reported only when the CPU has it, and then unless LMC_SIMD caps it.
  EXPECT_TRUE(vnni != "avx2+vnni" || kernels::cpuHasAvxVnni());
  if (!std::getenv("LMC_SIMD") && kernels::cpuHasAvxVnni()) {
    EXPECT_EQ(vnni, "avx2+vnni");
  }
  std::string names;
  for (const Config &config : configs())
    if (config.threads == 1)
      names += std::string(" ") + config.levelName;
  std::printf("SIMD levels tested:%s\n", names.c_str());
}

// LMC_SIMD caps the level (tests/unit/CMakeLists.txt runs these tests again
// with LMC_SIMD=avx2 and =portable).
TEST(FastKernels, EnvironmentCapsTheLevel) {
  const char *env = std::getenv("LMC_SIMD");
  const std::string level = kernels::simdLevelName();
  if (env && std::strcmp(env, "portable") == 0)
    EXPECT_EQ(level, "portable");
  else if (env && std::strcmp(env, "avx2") == 0)
    EXPECT_TRUE(level == "avx2+fma" || level == "portable") << level;
  else if (env && std::strcmp(env, "avx2vnni") == 0)
    EXPECT_TRUE(level == "avx2+vnni" || level == "avx2+fma" || level == "portable") << level;
  else
    EXPECT_EQ(level, kernels::simdLevelName(levelOptions(SimdLevel::Avx512)));
}

// ------------------------------------------------------------ thread pool

TEST(ThreadPool, RunsEveryIndexOnceAndRethrows) {
  runtime::ThreadPool pool(3);
  EXPECT_EQ(pool.numThreads(), 3);
  for (int64_t count : {0, 1, 2, 5, 1000}) {
    std::vector<std::atomic<int>> hits(static_cast<size_t>(count));
    pool.run(count, [&](int64_t i) { hits[size_t(i)].fetch_add(1); });
    for (int64_t i = 0; i < count; ++i)
      ASSERT_EQ(hits[size_t(i)].load(), 1) << i << " of " << count;
  }
  EXPECT_THROW(pool.run(100,
                        [](int64_t i) {
                          if (i == 37)
                            throw std::runtime_error("boom");
                        }),
               std::runtime_error);
  // The pool still works after a failed run.
  std::atomic<int64_t> sum{0};
  pool.run(10, [&](int64_t i) { sum += i; });
  EXPECT_EQ(sum.load(), 45);
}

} // namespace
} // namespace lmc::testing
