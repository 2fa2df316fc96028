// matmul_q: the quantization rules and packed layout (QuantMatMul.h), the
// reference kernel against a naive product of the dequantized operands, and
// every fast path this CPU runs (AVX-512, AVX2, portable) against the
// reference: odd shapes, batches, strided operands, column tiles, 1 and 2
// threads (bitwise identical), zero rows.
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>

#include "runtime/format/QuantMatMul.h"
#include "runtime/kernels/Fast.h"
#include "runtime/kernels/FastQuant.h"
#include "runtime/src/ThreadPool.h"
#include "tests/unit/KernelTestUtil.h"

namespace lmc::testing {
namespace {

using format::Opcode;
using format::QuantScheme;
using kernels::ExecOptions;
using kernels::SimdLevel;

const QuantScheme kSchemes[] = {QuantScheme::Int8, QuantScheme::Int4, QuantScheme::Ternary};

std::string name(QuantScheme s) { return format::quantSchemeName(int64_t(s)); }

int64_t panelsOf(int64_t N) { return (N + format::kQuantPanel - 1) / format::kQuantPanel; }

// Deterministic q values over the scheme's whole range.
std::vector<int8_t> randomQ(QuantScheme scheme, size_t n, uint32_t seed) {
  const int lo = scheme == QuantScheme::Int8 ? -128 : scheme == QuantScheme::Int4 ? -8 : -1;
  const int hi = scheme == QuantScheme::Int8 ? 127 : scheme == QuantScheme::Int4 ? 7 : 1;
  std::vector<int8_t> q(n);
  uint32_t x = seed * 2654435761u + 7;
  for (int8_t &v : q) {
    x = x * 1664525u + 1013904223u;
    v = int8_t(lo + int((x >> 8) % uint32_t(hi - lo + 1)));
  }
  return q;
}

// ---------------------------------------------------- rules and layout

TEST(QuantLayout, PackUnpackRoundTripAndSpecBytes) {
  for (QuantScheme scheme : kSchemes)
    for (int64_t K : {1, 3, 7, 37, 768})
      for (int64_t N : {1, 15, 17, 50}) {
        SCOPED_TRACE(name(scheme) + " K=" + std::to_string(K) + " N=" + std::to_string(N));
        const std::vector<int8_t> q = randomQ(scheme, size_t(K * N), uint32_t(K * 100 + N));
        const int64_t bytes = format::quantPackedBytes(scheme, K, N);
        const int64_t panelBytes = format::quantPanelBytes(scheme, K);
        const int64_t Kp = format::quantPaddedK(scheme, K);
        ASSERT_EQ(bytes, panelsOf(N) * panelBytes);
        ASSERT_EQ(panelBytes, Kp * 16 * format::quantSchemeBits(scheme) / 8);
        std::vector<uint8_t> packed(size_t(bytes), 0xAB);
        format::packQuantWeights(scheme, q.data(), K, N, packed.data());
        for (int64_t k = 0; k < Kp; ++k)
          for (int64_t n = 0; n < panelsOf(N) * 16; ++n) {
            const int expected = k < K && n < N ? q[k * N + n] : 0;  // padding holds 0
            ASSERT_EQ(int(format::unpackQuantWeight(scheme, packed.data(), K, k, n)), expected)
                << "k=" << k << " n=" << n;
            // The bytes FORMAT.md ("Quantized B") names.
            const uint8_t *panel = packed.data() + n / 16 * panelBytes;
            const int64_t c = n % 16;
            switch (scheme) {
            case QuantScheme::Int8:
              ASSERT_EQ(panel[k / 4 * 64 + c * 4 + k % 4], expected + 128);
              break;
            case QuantScheme::Int4:
              ASSERT_EQ(panel[k / 8 * 64 + c * 4 + k % 4] >> (k % 8 < 4 ? 0 : 4) & 15,
                        expected + 8);
              break;
            case QuantScheme::Ternary: {
              const uint8_t *row = panel + k * 4;
              const unsigned plus = row[0] | unsigned(row[1]) << 8;
              const unsigned minus = row[2] | unsigned(row[3]) << 8;
              ASSERT_EQ(int(plus >> c & 1), int(expected > 0));
              ASSERT_EQ(int(minus >> c & 1), int(expected < 0));
              break;
            }
            }
          }
      }
}

// Each group's scale comes from exactly its rows: q * s is within s / 2 of
// w, |q| stays in range, and the group's largest |w| maps to the largest q.
TEST(QuantLayout, WeightGroupsFollowG) {
  struct Case {
    int64_t K, G;
  };
  for (QuantScheme scheme : {QuantScheme::Int8, QuantScheme::Int4})
    for (Case cs : {Case{768, 8}, Case{768, 32}, Case{768, 64}, Case{768, 128}, Case{768, 768},
                    Case{37, 8}, Case{37, 32}, Case{37, 37}, Case{200, 64}, Case{200, 128},
                    Case{1, 1}, Case{7, 7}}) {
      const int64_t K = cs.K, G = cs.G, N = 17;
      SCOPED_TRACE(name(scheme) + " K=" + std::to_string(K) + " G=" + std::to_string(G));
      std::vector<float> w = randomFloats(size_t(K * N), 1.0f, uint32_t(K + G));
      // Groups of wildly different magnitudes, and one all-zero group.
      for (int64_t k = 0; k < K; ++k)
        for (int64_t n = 0; n < N; ++n)
          w[k * N + n] *= k / G == 1 ? 0.0f : std::ldexp(1.0f, int(k / G % 5) * 3);
      const int64_t groups = format::quantGroups(K, G);
      std::vector<int8_t> q(size_t(K * N));
      std::vector<float> scales(size_t(groups * N));
      format::quantizeWeights(scheme, w.data(), N, 1, K, N, G, q.data(), scales.data());
      const int levels = scheme == QuantScheme::Int8 ? 127 : 7;
      for (int64_t g = 0; g < groups; ++g)
        for (int64_t n = 0; n < N; ++n) {
          const float s = scales[g * N + n];
          float amax = 0;
          int qmax = 0;
          for (int64_t k = g * G; k < std::min(K, (g + 1) * G); ++k) {
            amax = std::max(amax, std::fabs(w[k * N + n]));
            qmax = std::max(qmax, std::abs(int(q[k * N + n])));
            ASSERT_LE(std::abs(int(q[k * N + n])), levels);
            ASSERT_LE(std::fabs(q[k * N + n] * s - w[k * N + n]), s * 0.5f * (1 + 1e-5f) + 1e-30f)
                << "k=" << k << " n=" << n;
          }
          ASSERT_EQ(s, amax / float(levels)) << "g=" << g << " n=" << n;
          ASSERT_EQ(qmax, amax == 0.0f ? 0 : levels) << "g=" << g << " n=" << n;
        }
    }
}

TEST(QuantLayout, TernaryIsAbsmeanPerTensor) {
  const int64_t K = 37, N = 50, G = 8;
  std::vector<float> w = randomFloats(size_t(K * N), 1.0f, 3);
  std::vector<int8_t> q(size_t(K * N));
  std::vector<float> scales(size_t(format::quantGroups(K, G) * N));
  format::quantizeWeights(QuantScheme::Ternary, w.data(), N, 1, K, N, G, q.data(), scales.data());
  double mean = 0;
  for (float v : w)
    mean += std::fabs(double(v));
  mean /= double(K * N);
  for (float s : scales)
    ASSERT_EQ(s, float(mean));
  for (size_t i = 0; i < q.size(); ++i)
    ASSERT_EQ(int(q[i]), int(std::clamp(std::nearbyint(w[i] / float(mean)), -1.0f, 1.0f)));
}

// ------------------------------------------------------ the operands

// A quantized K x N matrix made from random f32 weights by quantizeWeights.
struct Weights {
  QuantScheme scheme;
  int64_t K, N, G, groups;
  std::vector<int8_t> q;       // [K, N]
  std::vector<float> scales;   // [groups, scaleRow]
  int64_t scaleRow;
  std::vector<uint8_t> packed;
};

Weights makeWeights(QuantScheme scheme, int64_t K, int64_t N, int64_t G, int64_t scaleRow,
                    uint32_t seed) {
  Weights w{scheme, K, N, G, format::quantGroups(K, G), {}, {}, scaleRow, {}};
  std::vector<float> f = randomFloats(size_t(K * N), 0.5f, seed);
  // A few columns of very different magnitude and one of zeros.
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n)
      f[k * N + n] *= n % 7 == 3 ? 0.0f : n % 5 == 1 ? 1000.0f : 1.0f;
  w.q.resize(size_t(K * N));
  std::vector<float> dense(size_t(w.groups * N));
  format::quantizeWeights(scheme, f.data(), N, 1, K, N, G, w.q.data(), dense.data());
  w.scales.assign(size_t(w.groups * scaleRow), std::numeric_limits<float>::quiet_NaN());
  for (int64_t g = 0; g < w.groups; ++g)
    for (int64_t n = 0; n < N; ++n)
      w.scales[g * scaleRow + n] = dense[g * N + n];
  w.packed.resize(size_t(format::quantPackedBytes(scheme, K, N)));
  format::packQuantWeights(scheme, w.q.data(), K, N, w.packed.data());
  return w;
}

// The activations [batch..., M, K] at a[i * rowStride + k * colStride] per
// matrix, matrices batchStride apart.
struct Activations {
  std::vector<int64_t> batch;
  int64_t M, K, rowStride, colStride;
  std::vector<float> data;

  int64_t batches() const {
    int64_t b = 1;
    for (int64_t d : batch)
      b *= d;
    return b;
  }
  int64_t matrixElems() const { return (M - 1) * rowStride + (K - 1) * colStride + 1; }
  const float *row(int64_t r) const {
    return data.data() + r / M * matrixElems() + r % M * rowStride;
  }
  TensorRef ref() {
    std::vector<int64_t> shape = batch, strides;
    shape.push_back(M);
    shape.push_back(K);
    int64_t stride = matrixElems();
    for (size_t k = batch.size(); k-- > 0;) {
      strides.insert(strides.begin(), stride);
      stride *= batch[k];
    }
    strides.push_back(rowStride);
    strides.push_back(colStride);
    return view(data, DType::F32, shape, strides);
  }
};

Activations makeActivations(std::vector<int64_t> batch, int64_t M, int64_t K, int64_t rowPad,
                            int64_t colStride, uint32_t seed) {
  Activations a{batch, M, K, (K - 1) * colStride + 1 + rowPad, colStride, {}};
  a.data = randomFloats(size_t(a.batches() * a.matrixElems()), 3.0f, seed);
  return a;
}

// The output [batch..., M, N] with row stride N + rowPad and column stride
// colStride; the gaps hold a sentinel that must survive.
struct Output {
  std::vector<int64_t> batch;
  int64_t M, N, rowStride, colStride;
  std::vector<float> data;

  static constexpr float kSentinel = -12345.0f;
  int64_t batches() const {
    int64_t b = 1;
    for (int64_t d : batch)
      b *= d;
    return b;
  }
  int64_t matrixElems() const { return (M - 1) * rowStride + (N - 1) * colStride + 1; }
  float at(int64_t r, int64_t n) const {
    return data[size_t(r / M * matrixElems() + r % M * rowStride + n * colStride)];
  }
  TensorRef ref() {
    std::vector<int64_t> shape = batch, strides;
    shape.push_back(M);
    shape.push_back(N);
    int64_t stride = matrixElems();
    for (size_t k = batch.size(); k-- > 0;) {
      strides.insert(strides.begin(), stride);
      stride *= batch[k];
    }
    strides.push_back(rowStride);
    strides.push_back(colStride);
    return view(data, DType::F32, shape, strides);
  }
  // The M x N values of every batch, row-major.
  std::vector<float> values() const {
    std::vector<float> v;
    for (int64_t r = 0; r < batches() * M; ++r)
      for (int64_t n = 0; n < N; ++n)
        v.push_back(at(r, n));
    return v;
  }
};

Output makeOutput(std::vector<int64_t> batch, int64_t M, int64_t N, int64_t rowPad,
                  int64_t colStride) {
  Output o{batch, M, N, (N - 1) * colStride + 1 + rowPad, colStride, {}};
  o.data.assign(size_t(o.batches() * o.matrixElems()), Output::kSentinel);
  return o;
}

absl::Status runQ(const ExecOptions &options, TensorRef o, TensorRef a, Weights &w,
                  const uint8_t *b, int64_t bytes, const float *scales, int64_t N) {
  TensorRef bv = view(w.packed, DType::U8, {bytes});
  bv.data = const_cast<uint8_t *>(b);
  TensorRef cv = view(w.scales, DType::F32, {w.groups, N}, {w.scaleRow, 1});
  cv.data = reinterpret_cast<uint8_t *>(const_cast<float *>(scales));
  std::vector<TensorRef> ops = {o, a, bv, cv};
  std::vector<format::Region> regions;
  for (const TensorRef &t : ops)
    regions.push_back(regionOf(t));
  const std::vector<int64_t> imms = {int64_t(w.scheme), w.G};
  EXPECT_EQ(format::checkOperands(Opcode::MatMulQ, regions.data(), 4, imms.data()), "");
  return kernels::runKernel(Opcode::MatMulQ, ops.data(), 4, imms.data(), options);
}

// o = a @ B for all of w.
void runFull(const ExecOptions &options, Output &o, Activations &a, Weights &w) {
  absl::Status s = runQ(options, o.ref(), a.ref(), w, w.packed.data(), int64_t(w.packed.size()),
                        w.scales.data(), w.N);
  ASSERT_TRUE(s.ok()) << s;
}

ExecOptions referenceOptions() {
  ExecOptions o;
  o.referenceOnly = true;
  return o;
}

// The naive product in f64 of the dequantized operands (activations
// quantized here by the rule FORMAT.md states, weights as q * scale), and
// sum |terms| for the tolerance.
struct Naive {
  std::vector<double> value, magnitude;  // [rows, N]
};

// FORMAT.md's activation rule, written out independently.
float naiveQuantizeRow(const float *x, int64_t stride, int64_t K, int8_t *q) {
  float amax = 0;
  for (int64_t k = 0; k < K; ++k)
    if (std::fabs(x[k * stride]) > amax)
      amax = std::fabs(x[k * stride]);
  for (int64_t k = 0; k < K; ++k) {
    const float v = amax == 0.0f ? 0.0f : x[k * stride] * (127.0f / amax);
    q[k] = std::isnan(v) ? 0 : int8_t(std::fmax(-127.0f, std::fmin(127.0f, std::nearbyint(v))));
  }
  return amax / 127.0f;
}

Naive naiveProduct(const Activations &a, const Weights &w) {
  const int64_t R = a.batches() * a.M;
  Naive out{std::vector<double>(size_t(R * w.N)), std::vector<double>(size_t(R * w.N))};
  std::vector<int8_t> qa(size_t(a.K)), check(size_t(a.K));
  for (int64_t r = 0; r < R; ++r) {
    const float sa = naiveQuantizeRow(a.row(r), a.colStride, a.K, qa.data());
    EXPECT_EQ(format::quantizeActivationRow(a.row(r), a.colStride, a.K, check.data()), sa);
    EXPECT_EQ(check, qa);
    for (int64_t n = 0; n < w.N; ++n) {
      double sum = 0, mag = 0;
      for (int64_t k = 0; k < a.K; ++k) {
        const double term = double(qa[k]) * double(sa) * double(w.q[k * w.N + n]) *
                            double(w.scales[k / w.G * w.scaleRow + n]);
        sum += term;
        mag += std::fabs(term);
      }
      out.value[r * w.N + n] = sum;
      out.magnitude[r * w.N + n] = mag;
    }
  }
  return out;
}

// |got - want| <= 1e-5 * (|want| + magnitude) (the f32 parts may
// reassociate); NaN must match NaN.
void expectClose(const std::vector<float> &got, const std::vector<double> &want,
                 const std::vector<double> &magnitude, const std::string &what) {
  ASSERT_EQ(got.size(), want.size());
  int shown = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const bool ok = std::isnan(want[i])
                        ? std::isnan(got[i])
                        : std::fabs(double(got[i]) - want[i]) <=
                              1e-5 * (std::fabs(want[i]) + magnitude[i]) + 1e-30;
    if (!ok && shown++ < 5)
      ADD_FAILURE() << what << " [" << i << "]: " << got[i] << " vs " << want[i];
  }
}

void expectIdentical(const std::vector<float> &got, const std::vector<float> &want,
                     const std::string &what) {
  ASSERT_EQ(got.size(), want.size());
  int shown = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0 && shown++ < 5)
      ADD_FAILURE() << what << " [" << i << "]: " << got[i] << " vs " << want[i];
}

std::vector<double> toDouble(const std::vector<float> &v) { return {v.begin(), v.end()}; }

// ---------------------------------------------------- the reference kernel

TEST(MatMulQReference, HandComputedInt8) {
  // w = [1, -0.5, 0.25, 0]: amax 1, q = [127, -64 (-63.5 to even), 32, 0].
  // x = [2, 1, -1, 0.5]: amax 2, inv 63.5, q = [127, 64, -64, 32].
  // acc = 127 * 127 - 64 * 64 - 32 * 64 = 9985.
  std::vector<float> wf = {1.0f, -0.5f, 0.25f, 0.0f};
  Weights w{QuantScheme::Int8, 4, 1, 4, 1, std::vector<int8_t>(4), std::vector<float>(1), 1, {}};
  format::quantizeWeights(w.scheme, wf.data(), 1, 1, 4, 1, 4, w.q.data(), w.scales.data());
  EXPECT_EQ(w.q, (std::vector<int8_t>{127, -64, 32, 0}));
  w.packed.resize(size_t(format::quantPackedBytes(w.scheme, 4, 1)));
  format::packQuantWeights(w.scheme, w.q.data(), 4, 1, w.packed.data());
  Activations a{{}, 1, 4, 4, 1, {2.0f, 1.0f, -1.0f, 0.5f}};
  Output o = makeOutput({}, 1, 1, 0, 1);
  runFull(referenceOptions(), o, a, w);
  const float expected = (2.0f / 127.0f) * ((1.0f / 127.0f) * 9985.0f);
  EXPECT_EQ(o.at(0, 0), expected);
}

struct Shape {
  std::vector<int64_t> batch;
  int64_t M, K, N, G;
};

const Shape kShapes[] = {
    {{}, 1, 1, 1, 1},       {{}, 1, 3, 15, 3},    {{}, 2, 7, 17, 7},
    {{}, 5, 37, 50, 8},     {{}, 7, 37, 17, 32},  {{2, 3}, 2, 40, 33, 16},
    {{}, 1, 768, 50, 768},  {{}, 5, 200, 33, 64}, {{3}, 7, 96, 40, 32},
    {{}, 64, 768, 50, 128}, {{}, 1, 768, 200, 32}, {{}, 64, 8, 1, 8}};

TEST(MatMulQReference, MatchesNaiveDequantizedProduct) {
  for (QuantScheme scheme : kSchemes)
    for (const Shape &sh : kShapes) {
      const std::string what = name(scheme) + " M=" + std::to_string(sh.M) +
                               " K=" + std::to_string(sh.K) + " N=" + std::to_string(sh.N) +
                               " G=" + std::to_string(sh.G);
      Weights w = makeWeights(scheme, sh.K, sh.N, sh.G, sh.N + 3, uint32_t(sh.K * 7 + sh.N));
      Activations a = makeActivations(sh.batch, sh.M, sh.K, 5, 1, uint32_t(sh.M + sh.K));
      Output o = makeOutput(sh.batch, sh.M, sh.N, 0, 1);
      runFull(referenceOptions(), o, a, w);
      const Naive naive = naiveProduct(a, w);
      expectClose(o.values(), naive.value, naive.magnitude, what);
    }
}

// ------------------------------------------------------ the fast paths

// Each SIMD level this CPU runs, on 1 and 2 threads.
struct Config {
  SimdLevel level;
  int threads;
  std::string name;
};

std::vector<Config> configs() {
  std::vector<Config> out;
  for (SimdLevel level :
       {SimdLevel::Avx512, SimdLevel::Avx2Vnni, SimdLevel::Avx2, SimdLevel::Portable}) {
    ExecOptions options;
    options.maxSimd = level;
    if (kernels::simdLevel(options) != level)
      continue;  // not on this CPU (or capped by LMC_SIMD)
    for (int threads : {1, 2})
      out.push_back({level, threads,
                     std::string(kernels::simdLevelName(options)) + "/" + std::to_string(threads)});
  }
  return out;
}

class Runner {
public:
  explicit Runner(const Config &c) {
    if (c.threads > 1)
      pool_ = std::make_unique<runtime::ThreadPool>(c.threads);
    options_.parallel = pool_.get();
    options_.maxSimd = c.level;
  }
  const ExecOptions &options() const { return options_; }

private:
  std::unique_ptr<runtime::ThreadPool> pool_;
  ExecOptions options_;
};

TEST(MatMulQFast, TheLevelsThisCpuHas) {
  const std::vector<Config> all = configs();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().name, "portable/2");
  // A CPU with AVX-VNNI tests those routines too (this one's AVX-512 does not hide them).
  bool vnni = false;
  for (const Config &c : all)
    vnni = vnni || c.name == "avx2+vnni/1";
  EXPECT_EQ(vnni, kernels::cpuHasAvxVnni() && !std::getenv("LMC_SIMD"));
  for (const Config &c : all)
    EXPECT_STREQ(kernels::quantOps(Runner(c).options()).name,
                 kernels::simdLevelName(Runner(c).options()));
  ExecOptions portable;
  portable.portableOnly = true;
  EXPECT_EQ(kernels::simdLevel(portable), SimdLevel::Portable);
}

// Every level's row quantization gives quantizeActivationRow's q and scale
// bit for bit: ties to even, NaN and infinities, a tiny amax (127 / amax is
// infinite), every tail length.
TEST(MatMulQFast, ActivationQuantizationIsExact) {
  std::vector<std::vector<float>> rows = {
      {127.0f, 0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 3.5f, -126.5f, 125.5f},
      {0.0f, -0.0f, 0.0f},
      {std::numeric_limits<float>::quiet_NaN(), 1.0f, -3.0f},
      {std::numeric_limits<float>::quiet_NaN()},
      {std::numeric_limits<float>::infinity(), 1.0f, 0.0f},
      {-std::numeric_limits<float>::infinity(), 1.0f, 0.0f},
      {1e-39f, -2e-39f, 0.0f, 5e-40f},
      {1e30f, -3e38f, 1.0f}};
  for (int64_t K : {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 768})
    rows.push_back(randomFloats(size_t(K), 4.0f, uint32_t(K)));
  // Values that land exactly halfway between integers: amax 127 gives inv 1.
  std::vector<float> ties;
  for (int i = -127; i <= 127; ++i)
    ties.push_back(float(i) + (i < 0 ? -0.5f : 0.5f) * (i % 3 == 0));
  ties.push_back(127.0f);
  rows.push_back(ties);
  for (const Config &c : configs()) {
    if (c.threads != 1)
      continue;
    const kernels::QuantOps &ops = kernels::quantOps(Runner(c).options());
    for (const std::vector<float> &x : rows) {
      const int64_t K = int64_t(x.size());
      std::vector<int8_t> want(x.size()), got(x.size(), 99);
      const float scale = format::quantizeActivationRow(x.data(), 1, K, want.data());
      const float gotScale = ops.quantizeRow(x.data(), K, got.data());
      EXPECT_EQ(std::memcmp(&gotScale, &scale, sizeof(float)), 0) << c.name << " K=" << K;
      EXPECT_EQ(got, want) << c.name << " K=" << K;
    }
  }
}

// The fast paths against the reference, with strided a, scales whose rows
// are longer than N, a strided output, batches; 2 threads bitwise equal to 1.
TEST(MatMulQFast, MatchesReference) {
  struct Layout {
    int64_t aRowPad, aColStride, scalePad, oRowPad, oColStride;
  };
  const Layout layouts[] = {{0, 1, 0, 0, 1}, {5, 1, 3, 2, 1}, {1, 2, 16, 0, 3}};
  const std::vector<Config> all = configs();
  for (QuantScheme scheme : kSchemes)
    for (const Shape &sh : kShapes)
      for (const Layout &l : layouts) {
        const std::string what = name(scheme) + " M=" + std::to_string(sh.M) +
                                 " K=" + std::to_string(sh.K) + " N=" + std::to_string(sh.N) +
                                 " G=" + std::to_string(sh.G) + " layout " +
                                 std::to_string(&l - layouts);
        Weights w = makeWeights(scheme, sh.K, sh.N, sh.G, sh.N + l.scalePad,
                                uint32_t(sh.K * 3 + sh.N));
        Activations a =
            makeActivations(sh.batch, sh.M, sh.K, l.aRowPad, l.aColStride, uint32_t(sh.M * sh.K));
        // A zero row (the scale is 0, the outputs 0).
        for (int64_t k = 0; k < sh.K; ++k)
          a.data[size_t(k * l.aColStride)] = 0.0f;
        Output ref = makeOutput(sh.batch, sh.M, sh.N, l.oRowPad, l.oColStride);
        runFull(referenceOptions(), ref, a, w);
        const Naive naive = naiveProduct(a, w);
        std::vector<float> oneThread;
        for (const Config &c : all) {
          Output o = makeOutput(sh.batch, sh.M, sh.N, l.oRowPad, l.oColStride);
          runFull(Runner(c).options(), o, a, w);
          expectClose(o.values(), toDouble(ref.values()), naive.magnitude, what + " " + c.name);
          // Nothing outside the output region is written.
          for (size_t i = 0; i < o.data.size(); ++i) {
            if (ref.data[i] == Output::kSentinel) {
              ASSERT_EQ(o.data[i], Output::kSentinel) << what << " " << c.name << " at " << i;
            }
          }
          for (int64_t n = 0; n < sh.N; ++n)
            ASSERT_EQ(o.at(0, n), 0.0f) << what << " " << c.name << " zero row, n=" << n;
          if (c.threads == 1)
            oneThread = o.values();
          else
            expectIdentical(o.values(), oneThread, what + " " + c.name + " vs 1 thread");
        }
      }
}

// A column tile: b from panel p, c from column 16 p, N the tile's width,
// gives exactly the full product's columns [16 p, 16 p + width).
TEST(MatMulQFast, ColumnTileEqualsFullColumns) {
  struct Tile {
    int64_t p, panels;
  };
  std::vector<Config> all = configs();
  all.push_back({SimdLevel::Portable, 1, "reference"});
  for (QuantScheme scheme : kSchemes)
    for (int64_t K : {37, 768})
      for (const Config &c : all) {
        const int64_t N = 50, M = 5, G = K == 37 ? 8 : 64;
        const std::string what = name(scheme) + " K=" + std::to_string(K) + " " + c.name;
        Weights w = makeWeights(scheme, K, N, G, N + 2, uint32_t(K));
        Activations a = makeActivations({}, M, K, 0, 1, 9);
        Runner runner(c);
        ExecOptions options = c.name == "reference" ? referenceOptions() : runner.options();
        Output full = makeOutput({}, M, N, 0, 1);
        runFull(options, full, a, w);
        const int64_t panelBytes = format::quantPanelBytes(scheme, K);
        for (Tile t : {Tile{0, 1}, Tile{1, 1}, Tile{1, 2}, Tile{3, 1}, Tile{2, 2}}) {
          const int64_t n0 = t.p * 16, width = std::min(N, n0 + t.panels * 16) - n0;
          Output o = makeOutput({}, M, width, 0, 1);
          absl::Status s = runQ(options, o.ref(), a.ref(), w, w.packed.data() + t.p * panelBytes,
                                format::quantPackedBytes(scheme, K, width),
                                w.scales.data() + n0, width);
          ASSERT_TRUE(s.ok()) << s;
          for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < width; ++j)
              ASSERT_EQ(o.at(i, j), full.at(i, n0 + j))
                  << what << " tile p=" << t.p << " row " << i << " column " << j;
        }
      }
}

// The largest sums: every weight at the end of its scheme's range (int8's
// -128 too, which the format allows), every activation +-127, long groups:
// no int16 intermediate may saturate or wrap.
TEST(MatMulQFast, ExtremeValuesStayExact) {
  const std::vector<Config> all = configs();
  for (QuantScheme scheme : kSchemes)
    for (int64_t K : {768, 1000})
      for (int64_t G : {K, int64_t(8)})
        for (int sign : {1, -1}) {
          const int64_t M = 3, N = 33;
          const int lo = scheme == QuantScheme::Int8 ? -128 : scheme == QuantScheme::Int4 ? -8 : -1;
          const int hi = -lo - (scheme == QuantScheme::Ternary ? 0 : 1);
          Weights w = makeWeights(scheme, K, N, G, N, 1);
          for (int64_t k = 0; k < K; ++k)
            for (int64_t n = 0; n < N; ++n)
              w.q[k * N + n] = int8_t(n % 2 ? hi : lo);
          format::packQuantWeights(scheme, w.q.data(), K, N, w.packed.data());
          std::fill(w.scales.begin(), w.scales.end(), 1.0f);
          Activations a = makeActivations({}, M, K, 0, 1, 2);
          for (int64_t r = 0; r < M; ++r)
            for (int64_t k = 0; k < K; ++k)
              a.data[size_t(r * K + k)] = float(sign) * (r == 1 && k % 2 ? -1.0f : 1.0f);
          Output ref = makeOutput({}, M, N, 0, 1);
          runFull(referenceOptions(), ref, a, w);
          const Naive naive = naiveProduct(a, w);
          expectClose(ref.values(), naive.value, naive.magnitude, "reference");
          for (const Config &c : all) {
            Output o = makeOutput({}, M, N, 0, 1);
            runFull(Runner(c).options(), o, a, w);
            expectClose(o.values(), toDouble(ref.values()), naive.magnitude,
                        name(scheme) + " K=" + std::to_string(K) + " G=" + std::to_string(G) +
                            " " + c.name);
          }
        }
}

// All-zero activations (and zero weights): zeros, never NaN, on every path.
TEST(MatMulQFast, ZeroActivationsGiveZeros) {
  std::vector<Config> all = configs();
  all.push_back({SimdLevel::Portable, 1, "reference"});
  for (QuantScheme scheme : kSchemes)
    for (const Config &c : all) {
      const int64_t M = 3, K = 40, N = 20, G = 8;
      Weights w = makeWeights(scheme, K, N, G, N, 5);
      Activations a = makeActivations({}, M, K, 0, 1, 5);
      std::fill(a.data.begin(), a.data.end(), 0.0f);
      a.data[1] = -0.0f;
      Runner runner(c);
      ExecOptions options = c.name == "reference" ? referenceOptions() : runner.options();
      Output o = makeOutput({}, M, N, 0, 1);
      runFull(options, o, a, w);
      for (float v : o.values())
        ASSERT_EQ(v, 0.0f) << name(scheme) << " " << c.name;
      // Zero weights with nonzero activations.
      std::fill(w.q.begin(), w.q.end(), int8_t(0));
      format::packQuantWeights(scheme, w.q.data(), K, N, w.packed.data());
      Activations b = makeActivations({}, M, K, 0, 1, 6);
      runFull(options, o, b, w);
      for (float v : o.values())
        ASSERT_EQ(v, 0.0f) << name(scheme) << " " << c.name << " zero weights";
    }
}

}  // namespace
}  // namespace lmc::testing
