// Microbenchmarks of the matmul, matmul_q, softmax and layer_norm kernels
// at GPT-2 small shapes: the reference kernels against the fast paths on 1
// and 2 threads, and the SIMD levels (portable, AVX2, AVX-512) side by side.
// Counters: GFLOP/s for matmul (2*M*K*N per run), GB/s of weights read for
// the M = 1 products, GOP/s and GB/s of weights for matmul_q, elements/s
// else. LMC_SIMD=avx2 or portable measures a lower SIMD level.
#include <array>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "runtime/format/PackedMatMul.h"
#include "runtime/format/QuantMatMul.h"
#include "runtime/kernels/Kernels.h"
#include "runtime/src/ThreadPool.h"

namespace {

using lmc::format::DType;
using lmc::format::Opcode;
using lmc::kernels::ExecOptions;
using lmc::kernels::SimdLevel;
using lmc::kernels::TensorRef;

// Arg "mode": 0 reference, 1 fast on 1 thread, 2 fast on 2 threads; arg
// "simd" (where there is one): the SIMD level, 0 portable, 1 AVX2, 2
// AVX-512 (skipped when the CPU lacks it).
struct Mode {
  std::unique_ptr<lmc::runtime::ThreadPool> pool;
  ExecOptions options;
  explicit Mode(int64_t mode, int64_t simd = 2) {
    options.referenceOnly = mode == 0;
    static const SimdLevel levels[] = {SimdLevel::Portable, SimdLevel::Avx2, SimdLevel::Avx512};
    options.maxSimd = levels[simd];
    if (mode >= 2) {
      pool = std::make_unique<lmc::runtime::ThreadPool>(int(mode));
      options.parallel = pool.get();
    }
  }
  // False (and the benchmark skipped) when the level asked for would fall
  // back to a lower one.
  bool available(benchmark::State &state, int64_t simd) const {
    static const char *const names[] = {"portable", "avx2+fma", "avx512"};
    if (options.referenceOnly ||
        std::strncmp(lmc::kernels::simdLevelName(options), names[simd], std::strlen(names[simd])) == 0)
      return true;
    state.SkipWithError("SIMD level not available on this CPU (or capped by LMC_SIMD)");
    return false;
  }
};

std::vector<float> randomFloats(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (float &f : v) {
    x = x * 1664525u + 1013904223u;
    f = static_cast<float>(x >> 8) / 16777216.0f * 2.0f - 1.0f;
  }
  return v;
}

TensorRef ref(std::vector<float> &v, std::vector<int64_t> shape,
              std::vector<int64_t> strides = {}) {
  TensorRef t = lmc::kernels::contiguousRef(v.data(), DType::F32, int(shape.size()), shape.data());
  for (size_t k = 0; k < strides.size(); ++k)
    t.strides[k] = strides[k];
  return t;
}

void run(benchmark::State &state, Opcode op, std::vector<TensorRef> ops, const ExecOptions &options,
         std::vector<int64_t> imms = {}) {
  for (auto _ : state) {
    absl::Status s =
        lmc::kernels::runKernel(op, ops.data(), unsigned(ops.size()), imms.data(), options);
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      break;
    }
    benchmark::ClobberMemory();
  }
}

// Args: M, K, N, transposed B (0/1: B stored [N, K], as a tied LM head), mode.
void BM_MatMul(benchmark::State &state) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  const bool transB = state.range(3) != 0;
  Mode mode(state.range(4));
  std::vector<float> a = randomFloats(size_t(M * K), 1), b = randomFloats(size_t(K * N), 2);
  std::vector<float> o(size_t(M * N));
  TensorRef bv = transB ? ref(b, {K, N}, {1, K}) : ref(b, {K, N});
  run(state, Opcode::MatMul, {ref(o, {M, N}), ref(a, {M, K}), bv}, mode.options);
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * double(M * K * N) * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void matmulArgs(benchmark::internal::Benchmark *b) {
  for (int64_t M : {1, 128})
    for (int64_t N : {768, 2304, 3072, 50257})
      for (int64_t mode : {0, 1, 2}) {
        // The reference LM head at M=128 takes minutes per run: skip it.
        if (mode == 0 && M == 128 && N == 50257)
          continue;
        b->Args({M, 768, N, N == 50257 ? 1 : 0, mode});
      }
  b->ArgNames({"M", "K", "N", "transB", "mode"});
  b->Unit(benchmark::kMillisecond);
  b->UseRealTime();
}
BENCHMARK(BM_MatMul)->Apply(matmulArgs);

// matmul_packed on the same shapes: B packed once, outside the timing, as
// the compiler does; the fast modes only (the reference unpacks per element).
void BM_MatMulPacked(benchmark::State &state) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  Mode mode(state.range(4));
  std::vector<float> a = randomFloats(size_t(M * K), 1), b = randomFloats(size_t(K * N), 2);
  std::vector<float> o(size_t(M * N)), packed(size_t(lmc::format::packedElements(K, N)));
  lmc::format::packMatMulB(b.data(), N, 1, K, N, packed.data());
  run(state, Opcode::MatMulPacked,
      {ref(o, {M, N}), ref(a, {M, K}), ref(packed, {int64_t(packed.size())})}, mode.options);
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * double(M * K * N) * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void packedArgs(benchmark::internal::Benchmark *b) {
  for (int64_t M : {1, 128})
    for (int64_t N : {768, 2304, 3072, 50257})
      for (int64_t mode : {1, 2})
        b->Args({M, 768, N, 0, mode});
  b->ArgNames({"M", "K", "N", "transB", "mode"});
  b->Unit(benchmark::kMillisecond);
  b->UseRealTime();
}
BENCHMARK(BM_MatMulPacked)->Apply(packedArgs);

// The SIMD levels on one thread at GPT-2 small's projection shapes (K, N):
// attention QKV (768, 2304), attention output (768, 768), MLP up (768,
// 3072) and down (3072, 768). matmul_packed, as the compiler emits them:
// M = 128 is a prefill (the SGEMM), M = 1 a decode step (the GEMV over the
// panels, bound by reading the weights: GB/s counts K x Npad floats).
// Args: M, K, N, simd.
void BM_LevelMatMulPacked(benchmark::State &state) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2), simd = state.range(3);
  Mode mode(1, simd);
  if (!mode.available(state, simd))
    return;
  std::vector<float> a = randomFloats(size_t(M * K), 1), b = randomFloats(size_t(K * N), 2);
  const int64_t elements = lmc::format::packedElements(K, N);
  std::vector<float> o(size_t(M * N)), packed(static_cast<size_t>(elements));
  lmc::format::packMatMulB(b.data(), N, 1, K, N, packed.data());
  run(state, Opcode::MatMulPacked,
      {ref(o, {M, N}), ref(a, {M, K}), ref(packed, {int64_t(packed.size())})}, mode.options);
  const double runs = double(state.iterations());
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * double(M * K * N) * runs / 1e9, benchmark::Counter::kIsRate);
  if (M == 1)
    state.counters["GB/s"] =
        benchmark::Counter(4.0 * double(elements) * runs / 1e9, benchmark::Counter::kIsRate);
}

// matmul with B packed at run time (activations times activations in
// attention: [12, 128, 64] x [12, 64, 128] and [12, 128, 128] x [12, 128, 64]
// are batch 12 of these). Args: M, K, N, simd; batch 12 when M = 128 and K or
// N is 64, else 1.
void BM_LevelMatMul(benchmark::State &state) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2), simd = state.range(3);
  const int64_t B = K == 64 || N == 64 ? 12 : 1;
  Mode mode(1, simd);
  if (!mode.available(state, simd))
    return;
  std::vector<float> a = randomFloats(size_t(B * M * K), 1), b = randomFloats(size_t(B * K * N), 2);
  std::vector<float> o(size_t(B * M * N));
  run(state, Opcode::MatMul, {ref(o, {B, M, N}), ref(a, {B, M, K}), ref(b, {B, K, N})},
      mode.options);
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * double(B * M * K * N) * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

// Args of the level benchmarks: each {M, K, N} at every level, best first.
void levelArgs(benchmark::internal::Benchmark *b,
               std::initializer_list<std::array<int64_t, 3>> shapes) {
  for (const auto &shape : shapes)
    for (int64_t simd : {2, 1, 0})
      b->Args({shape[0], shape[1], shape[2], simd});
  b->ArgNames({"M", "K", "N", "simd"});
  b->Unit(benchmark::kMillisecond);
  b->UseRealTime();
}
BENCHMARK(BM_LevelMatMulPacked)->Apply([](benchmark::internal::Benchmark *b) {
  levelArgs(b, {{128, 768, 768},
                {128, 768, 2304},
                {128, 768, 3072},
                {128, 3072, 768},
                {1, 768, 768},
                {1, 768, 2304},
                {1, 768, 3072},
                {1, 3072, 768}});
});
BENCHMARK(BM_LevelMatMul)->Apply([](benchmark::internal::Benchmark *b) {
  levelArgs(b, {{128, 64, 128}, {128, 128, 64}});
});

// {mode, simd} of the vector benchmarks: the reference, the best level on 1
// and 2 threads, the lower levels on 1 thread.
const std::pair<int64_t, int64_t> kVectorModes[] = {{0, 2}, {1, 2}, {2, 2}, {1, 1}, {1, 0}};

void vectorArgs(benchmark::internal::Benchmark *b) {
  for (const auto &[mode, simd] : kVectorModes)
    b->Args({mode, simd});
  b->ArgNames({"mode", "simd"});
  b->UseRealTime();
}

// matmul_q (int8 per column, int4 with G = 32, ternary per tensor) at the
// GPT-2 small projection shapes, B quantized and packed once outside the
// timing. Args: M, K, N, scheme (1 int8, 2 int4, 3 ternary), mode, copies:
// with copies > 1 each run reads the next of that many copies of B, so
// that the weights come from memory, as in a model, not from cache.
// Counters: GOP/s (2*M*K*N per run) and GB/s of B and its scales read.
void BM_MatMulQ(benchmark::State &state) {
  using lmc::format::QuantScheme;
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  const auto scheme = static_cast<QuantScheme>(state.range(3));
  Mode mode(state.range(4));
  const int64_t copies = state.range(5);
  const int64_t G = scheme == QuantScheme::Int4 ? 32 : K;
  const int64_t groups = lmc::format::quantGroups(K, G);
  std::vector<float> a = randomFloats(size_t(M * K), 1), w = randomFloats(size_t(K * N), 2);
  std::vector<float> o(size_t(M * N)), scales(size_t(groups * N));
  std::vector<int8_t> q(size_t(K * N));
  lmc::format::quantizeWeights(scheme, w.data(), N, 1, K, N, G, q.data(), scales.data());
  // Copies 4 KB apart so that they do not share cache sets in lockstep.
  const int64_t bytes = lmc::format::quantPackedBytes(scheme, K, N);
  const int64_t stride = (bytes + 4096 + 4095) / 4096 * 4096;
  std::vector<uint8_t> packed(size_t(stride * copies));
  lmc::format::packQuantWeights(scheme, q.data(), K, N, packed.data());
  for (int64_t c = 1; c < copies; ++c)
    std::memcpy(packed.data() + c * stride, packed.data(), size_t(bytes));
  TensorRef bv = lmc::kernels::contiguousRef(packed.data(), DType::U8, 1, &bytes);
  std::vector<TensorRef> ops = {ref(o, {M, N}), ref(a, {M, K}), bv, ref(scales, {groups, N})};
  const int64_t imms[] = {int64_t(scheme), G};
  int64_t next = 0;
  for (auto _ : state) {
    ops[2].data = packed.data() + next * stride;
    next = (next + 1) % copies;
    absl::Status s = lmc::kernels::runKernel(Opcode::MatMulQ, ops.data(), 4, imms, mode.options);
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      break;
    }
    benchmark::ClobberMemory();
  }
  const double runs = double(state.iterations());
  state.counters["GOP/s"] =
      benchmark::Counter(2.0 * double(M * K * N) * runs / 1e9, benchmark::Counter::kIsRate);
  state.counters["GB/s"] = benchmark::Counter(
      double(bytes + groups * N * 4) * runs / 1e9, benchmark::Counter::kIsRate);
}

// 256 MB of copies for the cold runs: more than this machine's caches.
int64_t coldCopies(int64_t scheme, int64_t K, int64_t N) {
  const int64_t bytes = lmc::format::quantPackedBytes(lmc::format::QuantScheme(scheme), K, N);
  return (int64_t(256) << 20) / bytes + 1;
}

void quantArgs(benchmark::internal::Benchmark *b) {
  const int64_t shapes[][2] = {{768, 2304}, {768, 3072}, {3072, 768}};
  for (int64_t M : {1, 128})
    for (const auto &kn : shapes)
      for (int64_t scheme : {1, 2, 3}) {
        for (int64_t mode : {0, 1, 2}) {
          // The reference at M=128 takes seconds per run: skip it.
          if (mode == 0 && M == 128)
            continue;
          b->Args({M, kn[0], kn[1], scheme, mode, 1});
        }
        // B from memory, as in a model (each product's weights read once).
        b->Args({M, kn[0], kn[1], scheme, 1, coldCopies(scheme, kn[0], kn[1])});
      }
  b->ArgNames({"M", "K", "N", "scheme", "mode", "copies"});
  b->Unit(benchmark::kMicrosecond);
  b->UseRealTime();
}
BENCHMARK(BM_MatMulQ)->Apply(quantArgs);

// Attention scores' softmax: [heads, seq, seq] = [12, 128, 128] on the last axis.
void BM_Softmax(benchmark::State &state) {
  Mode mode(state.range(0), state.range(2));
  if (!mode.available(state, state.range(2)))
    return;
  const int64_t H = 12, S = state.range(1);
  std::vector<float> a = randomFloats(size_t(H * S * S), 3), o(a.size());
  run(state, Opcode::Softmax, {ref(o, {H, S, S}), ref(a, {H, S, S})}, mode.options, {2});
  state.SetItemsProcessed(state.iterations() * H * S * S);
}
BENCHMARK(BM_Softmax)
    ->Apply([](benchmark::internal::Benchmark *b) {
      for (const auto &[mode, simd] : kVectorModes)
        b->Args({mode, 128, simd});
    })
    ->ArgNames({"mode", "seq", "simd"})
    ->UseRealTime();

// layer_norm of [128, 768] activations over the last axis, scale and bias.
void BM_LayerNorm(benchmark::State &state) {
  Mode mode(state.range(0), state.range(1));
  if (!mode.available(state, state.range(1)))
    return;
  const int64_t R = 128, C = 768;
  std::vector<float> a = randomFloats(size_t(R * C), 4), o(a.size());
  std::vector<float> scale = randomFloats(size_t(C), 5), bias = randomFloats(size_t(C), 6);
  double eps = 1e-5;
  int64_t bits;
  std::memcpy(&bits, &eps, 8);
  run(state, Opcode::LayerNorm,
      {ref(o, {R, C}), ref(a, {R, C}), ref(scale, {R, C}, {0, 1}), ref(bias, {R, C}, {0, 1})},
      mode.options, {1, bits});
  state.SetItemsProcessed(state.iterations() * R * C);
}
BENCHMARK(BM_LayerNorm)->Apply(vectorArgs);

// GELU's pieces on the MLP activations [128, 3072]: tanh and a bias add.
void BM_Tanh(benchmark::State &state) {
  Mode mode(state.range(0), state.range(1));
  if (!mode.available(state, state.range(1)))
    return;
  const int64_t R = 128, C = 3072;
  std::vector<float> a = randomFloats(size_t(R * C), 7), o(a.size());
  run(state, Opcode::Tanh, {ref(o, {R, C}), ref(a, {R, C})}, mode.options);
  state.SetItemsProcessed(state.iterations() * R * C);
}
BENCHMARK(BM_Tanh)->Apply(vectorArgs);

void BM_AddBias(benchmark::State &state) {
  Mode mode(state.range(0), state.range(1));
  if (!mode.available(state, state.range(1)))
    return;
  const int64_t R = 128, C = 3072;
  std::vector<float> a = randomFloats(size_t(R * C), 8), b = randomFloats(size_t(C), 9),
                     o(a.size());
  run(state, Opcode::Add, {ref(o, {R, C}), ref(a, {R, C}), ref(b, {R, C}, {0, 1})}, mode.options);
  state.SetItemsProcessed(state.iterations() * R * C);
}
BENCHMARK(BM_AddBias)->Apply(vectorArgs);

} // namespace

BENCHMARK_MAIN();
