// The portable SimdOps routines (plain C++ the compiler vectorizes for the
// baseline ISA), the choice of SIMD level, and parallelFor.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "runtime/kernels/Fast.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

namespace lmc::kernels {
namespace {

// The panel in column strips of kStrip: a 6 x 8 tile of sums is 12 SSE
// registers (or 6 NEON pairs), so the baseline x86-64 build keeps it in
// registers with room for B's strip and A's broadcast; the 6 x 16 tile a
// panel would take spills (3x slower than the reference loop, measured).
constexpr int kStrip = 8;
static_assert(kGemmNr % kStrip == 0);

void gemmMicro(int64_t kc, int64_t panels, const float *ap, const float *bp, float *c,
               int64_t ldc, bool accumulate) {
  for (int64_t p = 0; p < panels; ++p, bp += kc * kGemmNr, c += kGemmNr)
    for (int s = 0; s < kGemmNr; s += kStrip) {
      float acc[kGemmMr][kStrip] = {};
      const float *a = ap, *b = bp + s;
      for (int64_t k = 0; k < kc; ++k, a += kGemmMr, b += kGemmNr)
        for (int i = 0; i < kGemmMr; ++i)
          for (int j = 0; j < kStrip; ++j)
            acc[i][j] += a[i] * b[j];
      for (int i = 0; i < kGemmMr; ++i)
        for (int j = 0; j < kStrip; ++j) {
          float &out = c[i * ldc + s + j];
          out = accumulate ? out + acc[i][j] : acc[i][j];
        }
    }
}

// Four lanes of floats: SSE on x86-64, NEON on AArch64, scalar code
// elsewhere (GCC and Clang vector extensions). The panel GEMV is written
// with it because GCC otherwise vectorizes the loop over k, with a shuffle
// per element (6 GB/s where these loads reach 30).
typedef float Lanes __attribute__((vector_size(16)));
constexpr int kLanes = 4;
inline Lanes loadLanes(const float *p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void gemvPanels(int64_t kc, int64_t panels, const float *x, const float *bp, float *y,
                bool accumulate) {
  // The sums continue from y, as one chain over k per column (gemvRows').
  constexpr int kVectors = kGemmNr / kLanes;
  for (int64_t p = 0; p < panels; ++p, bp += kc * kGemmNr, y += kGemmNr) {
    Lanes acc[kVectors];
    for (int v = 0; v < kVectors; ++v)
      acc[v] = accumulate ? loadLanes(y + v * kLanes) : Lanes{};
    const float *b = bp;
    for (int64_t k = 0; k < kc; ++k, b += kGemmNr) {
      const Lanes xk = Lanes{} + x[k];
      for (int v = 0; v < kVectors; ++v)
        acc[v] += xk * loadLanes(b + v * kLanes);
    }
    std::memcpy(y, acc, sizeof acc);
  }
}

void gemvRows(int64_t K, int64_t n, const float *x, const float *b, int64_t ldb, float *y) {
  std::fill(y, y + n, 0.0f);
  for (int64_t k = 0; k < K; ++k) {
    const float xk = x[k];
    const float *row = b + k * ldb;
    for (int64_t j = 0; j < n; ++j)
      y[j] += xk * row[j];
  }
}

void gemvCols(int64_t K, int64_t n, const float *x, const float *b, int64_t ldb, float *y) {
  for (int64_t j = 0; j < n; ++j) {
    const float *col = b + j * ldb;
    float acc = 0;
    for (int64_t k = 0; k < K; ++k)
      acc += x[k] * col[k];
    y[j] = acc;
  }
}

template <BinaryFn F> float apply(float x, float y) {
  switch (F) {
  case BinaryFn::Add: return x + y;
  case BinaryFn::Sub: return x - y;
  case BinaryFn::Mul: return x * y;
  case BinaryFn::Div: return x / y;
  case BinaryFn::Square: return x * x;
  case BinaryFn::Cube: return x * x * x;
  case BinaryFn::Max:
  case BinaryFn::Min:
    if (std::isnan(x) || std::isnan(y))
      return std::numeric_limits<float>::quiet_NaN();
    return F == BinaryFn::Max ? (x < y ? y : x) : (y < x ? y : x);
  }
  return x;
}

template <BinaryFn F>
void binaryLoop(const float *a, int64_t sa, const float *b, int64_t sb, float *o, int64_t n) {
  if (sa && sb)
    for (int64_t i = 0; i < n; ++i)
      o[i] = apply<F>(a[i], b[i]);
  else if (sa)
    for (int64_t i = 0; i < n; ++i)
      o[i] = apply<F>(a[i], *b);
  else
    for (int64_t i = 0; i < n; ++i)
      o[i] = apply<F>(*a, b[i * sb]);
}

void binary(BinaryFn fn, const float *a, int64_t sa, const float *b, int64_t sb, float *o,
            int64_t n) {
  switch (fn) {
  case BinaryFn::Add: return binaryLoop<BinaryFn::Add>(a, sa, b, sb, o, n);
  case BinaryFn::Sub: return binaryLoop<BinaryFn::Sub>(a, sa, b, sb, o, n);
  case BinaryFn::Mul: return binaryLoop<BinaryFn::Mul>(a, sa, b, sb, o, n);
  case BinaryFn::Div: return binaryLoop<BinaryFn::Div>(a, sa, b, sb, o, n);
  case BinaryFn::Max: return binaryLoop<BinaryFn::Max>(a, sa, b, sb, o, n);
  case BinaryFn::Min: return binaryLoop<BinaryFn::Min>(a, sa, b, sb, o, n);
  case BinaryFn::Square: return binaryLoop<BinaryFn::Square>(a, sa, b, sb, o, n);
  case BinaryFn::Cube: return binaryLoop<BinaryFn::Cube>(a, sa, b, sb, o, n);
  }
}

// Transcendentals and normalizations have no portable fast version: the
// reference kernels (f64 where it matters) run instead.
const SimdOps kPortableOps = {"portable", kGemmMr, 1,       gemmMicro, gemvPanels, gemvRows,
                              gemvCols,   binary,  nullptr, nullptr,   nullptr,    nullptr,
                              nullptr,    nullptr, nullptr};

// The highest level LMC_SIMD=portable|avx2|avx2vnni|avx512 allows, read
// once; unset or another value: no limit.
SimdLevel environmentSimdCap() {
  static const SimdLevel cap = [] {
    const char *v = std::getenv("LMC_SIMD");
    if (v && std::strcmp(v, "portable") == 0)
      return SimdLevel::Portable;
    if (v && std::strcmp(v, "avx2") == 0)
      return SimdLevel::Avx2;
    if (v && std::strcmp(v, "avx2vnni") == 0)
      return SimdLevel::Avx2Vnni;
    return SimdLevel::Avx512;
  }();
  return cap;
}

// The highest level this build and CPU run, decided once per process.
SimdLevel cpuSimdLevel() {
  static const SimdLevel level = avx512SimdOps()   ? SimdLevel::Avx512
                                 : cpuHasAvxVnni() ? SimdLevel::Avx2Vnni
                                 : avx2SimdOps()   ? SimdLevel::Avx2
                                                   : SimdLevel::Portable;
  return level;
}

}  // namespace

const SimdOps &portableSimdOps() { return kPortableOps; }

bool cpuHasAvx512Vnni() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool vnni = avx512SimdOps() && __builtin_cpu_supports("avx512vnni");
  return vnni;
#else
  return false;
#endif
}

bool cpuHasAvxVnni() {
#if defined(__x86_64__) && defined(__GNUC__)
  // CPUID leaf 7 sub-leaf 1, EAX bit 4 (GCC 12 knows "avxvnni" for
  // __builtin_cpu_supports, clang 14 does not).
  static const bool vnni = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    return avx2SimdOps() && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4)) != 0;
  }();
  return vnni;
#else
  return false;
#endif
}

SimdLevel simdLevel(const ExecOptions &options) {
  if (options.portableOnly)
    return SimdLevel::Portable;
  const SimdLevel level = std::min({cpuSimdLevel(), environmentSimdCap(), options.maxSimd});
  // An AVX-512 CPU capped to Avx2Vnni may lack AVX-VNNI (Skylake-X does).
  return level == SimdLevel::Avx2Vnni && !cpuHasAvxVnni() ? SimdLevel::Avx2 : level;
}

const SimdOps &simdOps(const ExecOptions &options) {
  if (simdLevel(options) >= SimdLevel::Avx512)
    if (const SimdOps *avx512 = avx512SimdOps())
      return *avx512;
  if (simdLevel(options) >= SimdLevel::Avx2)
    if (const SimdOps *avx2 = avx2SimdOps())
      return *avx2;
  return kPortableOps;
}

const char *simdLevelName(const ExecOptions &options) {
  if (options.referenceOnly)
    return "reference";
  switch (simdLevel(options)) {
  case SimdLevel::Avx512:
    return cpuHasAvx512Vnni() ? "avx512+vnni" : "avx512";
  case SimdLevel::Avx2Vnni:
    return "avx2+vnni";
  case SimdLevel::Avx2:
    return "avx2+fma";
  case SimdLevel::Portable:
    break;
  }
  return "portable";
}

void parallelFor(const ExecOptions &options, int64_t count, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &fn) {
  if (count <= 0)
    return;
  const int threads = options.parallel ? options.parallel->numThreads() : 1;
  grain = std::max<int64_t>(grain, 1);
  // A few chunks per thread balance the load when a core is busy elsewhere.
  const int64_t chunks = std::min<int64_t>((count + grain - 1) / grain, int64_t(threads) * 4);
  if (threads <= 1 || chunks <= 1) {
    fn(0, count);
    return;
  }
  options.parallel->run(chunks, [&](int64_t c) {
    fn(count * c / chunks, count * (c + 1) / chunks);
  });
}

}  // namespace lmc::kernels
