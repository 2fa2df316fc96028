// matmul_q's AVX-512 routines (FastQuant.h): VNNI dot products for int8 and
// int4, masked 16-bit additions for ternary. One zmm holds a panel's 16
// columns; the layout puts 4 rows of a column in each 32-bit lane, which is
// what vpdpbusd multiplies with 4 broadcast activations. Like
// SimdAvx2.cpp, every function carries its target attribute and runs only
// when simdLevel reports AVX-512 (F, BW, VL, VNNI).
#include "runtime/kernels/FastQuant.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <cstring>
#include <vector>

// GCC 12's AVX-512 intrinsics start results from a self-initialized
// _mm512_undefined_*(), which -W(maybe-)uninitialized reports at every use
// (GCC bug 105593); nothing here reads an undefined value.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#define LMC_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma")))
#define LMC_AVX512_INLINE                                                                         \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma"), always_inline)) inline

namespace lmc::kernels {
namespace {

using format::QuantScheme;

constexpr int64_t kNr = format::kQuantPanel;
// Ternary sums of at most this many activations (|q| <= 127) fit in int16.
constexpr int64_t kTernaryRun = 256;

// ------------------------------------------------- activation quantization

// quantizeActivationRow's f32 operations, 16 lanes at a time: max |x|
// (vmaxps returns its second operand when the first is NaN, as std::max
// keeps amax), one multiply by 127 / amax, NaN to 0, clamp, and the
// conversion in the current rounding mode, which is nearbyint's.
LMC_AVX512 float quantizeRow(const float *x, int64_t K, int8_t *q) {
  __m512 vmax = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16)
    vmax = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + k)), vmax);
  const __mmask16 tail = __mmask16((1u << (K - k)) - 1);
  if (k < K)
    vmax = _mm512_max_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps(tail, x + k)), vmax);
  const float amax = _mm512_reduce_max_ps(vmax);
  if (amax == 0.0f) {
    std::memset(q, 0, size_t(K));
    return 0.0f;
  }
  const __m512 inv = _mm512_set1_ps(127.0f / amax);
  const __m512 lo = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
  for (k = 0; k + 16 <= K; k += 16) {
    __m512 v = _mm512_mul_ps(_mm512_loadu_ps(x + k), inv);
    v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);
    v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
    const __m128i bytes = _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(v));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(q + k), bytes);
  }
  if (k < K) {
    __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, x + k), inv);
    v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);
    v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
    _mm512_mask_cvtepi32_storeu_epi8(q + k, tail, _mm512_cvtps_epi32(v));
  }
  return amax / 127.0f;
}

// ------------------------------------------------------ group dot products

// 4 activations of a row, broadcast to every 32-bit lane.
LMC_AVX512_INLINE __m512i broadcast4(const int8_t *q) {
  int32_t v;
  std::memcpy(&v, q, 4);
  return _mm512_set1_epi32(v);
}

// acc[i][j] += rows [k0, k1) of panel j times activation row i; the caller
// starts acc at -128 * sum(q) (the weights are q + 128, unsigned).
template <int MR, int NP>
LMC_AVX512_INLINE void dotInt8(const uint8_t *b, int64_t panelBytes, const int8_t *const *q,
                               int64_t k0, int64_t k1, __m512i (&acc)[MR][NP]) {
  for (int64_t k = k0; k < k1; k += 4) {
    __m512i w[NP];
    for (int j = 0; j < NP; ++j)
      w[j] = _mm512_loadu_si512(b + j * panelBytes + k * kNr);
    for (int i = 0; i < MR; ++i) {
      const __m512i x = broadcast4(q[i] + k);
      for (int j = 0; j < NP; ++j)
        acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], w[j], x);
    }
  }
}

// int4: each 64 bytes hold rows k..k+3 in the low nibbles and k+4..k+7 in
// the high ones (weights q + 8; acc starts at -8 * sum(q)).
template <int MR, int NP>
LMC_AVX512_INLINE void dotInt4(const uint8_t *b, int64_t panelBytes, const int8_t *const *q,
                               int64_t k0, int64_t k1, __m512i (&acc)[MR][NP]) {
  const __m512i nibble = _mm512_set1_epi8(15);
  for (int64_t k = k0; k < k1; k += 8) {
    __m512i lo[NP], hi[NP];
    for (int j = 0; j < NP; ++j) {
      const __m512i v = _mm512_loadu_si512(b + j * panelBytes + k * kNr / 2);
      lo[j] = _mm512_and_si512(v, nibble);
      hi[j] = _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble);
    }
    for (int i = 0; i < MR; ++i) {
      const __m512i xlo = broadcast4(q[i] + k), xhi = broadcast4(q[i] + k + 4);
      for (int j = 0; j < NP; ++j)
        acc[i][j] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(acc[i][j], lo[j], xlo), hi[j], xhi);
    }
  }
}

// Ternary, additions only: a row's 32-bit mask word (16 plus bits, 16
// minus bits) selects the 16-bit lanes of one vector whose low half sums
// the activations of the +1 weights of each column and whose high half
// those of the -1 weights. Every kTernaryRun rows the halves' difference
// moves to the int32 sums.
template <int MR, int NP>
LMC_AVX512_INLINE void dotTernary(const uint8_t *b, int64_t panelBytes, const int8_t *const *q,
                                  int64_t k0, int64_t k1, __m512i (&acc)[MR][NP]) {
  for (int64_t run = k0; run < k1; run += kTernaryRun) {
    const int64_t end = run + kTernaryRun < k1 ? run + kTernaryRun : k1;
    __m512i sums[MR][NP];
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NP; ++j)
        sums[i][j] = _mm512_setzero_si512();
    for (int64_t k = run; k < end; ++k) {
      __mmask32 mask[NP];
      for (int j = 0; j < NP; ++j) {
        uint32_t bits;
        std::memcpy(&bits, b + j * panelBytes + k * 4, 4);
        mask[j] = _cvtu32_mask32(bits);
      }
      for (int i = 0; i < MR; ++i) {
        int32_t pair;
        std::memcpy(&pair, q[i] + 4 * k, 4);
        const __m512i x = _mm512_set1_epi32(pair);
        for (int j = 0; j < NP; ++j)
          // (x, sums) rather than (sums, x): GCC 12 then merges into the
          // accumulator in place instead of copying it twice per row.
          sums[i][j] = _mm512_mask_add_epi16(sums[i][j], mask[j], x, sums[i][j]);
      }
    }
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NP; ++j) {
        const __m512i plus = _mm512_cvtepi16_epi32(_mm512_castsi512_si256(sums[i][j]));
        const __m512i minus = _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(sums[i][j], 1));
        acc[i][j] = _mm512_add_epi32(acc[i][j], _mm512_sub_epi32(plus, minus));
      }
  }
}

// Rows [i0, i0 + MR) of the tile times its panels [p0, p0 + NP): per group
// the exact int32 sums, then o = sa * sum_g (c_g * acc_g) in FMA order.
template <QuantScheme S, int MR, int NP>
LMC_AVX512 void micro(const QuantShape &s, const QuantRows &a, const QuantTile &t, int64_t i0,
                      int64_t p0) {
  const int8_t *q[MR];
  for (int i = 0; i < MR; ++i)
    q[i] = a.q + (i0 + i) * a.qStride;
  const uint8_t *b = t.b + p0 * s.panelBytes;
  const int32_t offset = S == QuantScheme::Int8 ? 128 : S == QuantScheme::Int4 ? 8 : 0;
  __m512 sum[MR][NP];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NP; ++j)
      sum[i][j] = _mm512_setzero_ps();
  for (int64_t g = 0; g < s.groups; ++g) {
    const int64_t k0 = g * s.G, k1 = g + 1 == s.groups ? s.Kp : k0 + s.G;
    __m512i acc[MR][NP];
    for (int i = 0; i < MR; ++i) {
      const __m512i init = _mm512_set1_epi32(-offset * a.sums[(i0 + i) * s.groups + g]);
      for (int j = 0; j < NP; ++j)
        acc[i][j] = init;
    }
    if (S == QuantScheme::Int8)
      dotInt8<MR, NP>(b, s.panelBytes, q, k0, k1, acc);
    else if (S == QuantScheme::Int4)
      dotInt4<MR, NP>(b, s.panelBytes, q, k0, k1, acc);
    else
      dotTernary<MR, NP>(b, s.panelBytes, q, k0, k1, acc);
    const float *scales = t.scales + g * t.scaleStride + p0 * kNr;
    for (int j = 0; j < NP; ++j) {
      const __m512 c = _mm512_loadu_ps(scales + j * kNr);
      for (int i = 0; i < MR; ++i)
        sum[i][j] = _mm512_fmadd_ps(c, _mm512_cvtepi32_ps(acc[i][j]), sum[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i) {
    const __m512 sa = _mm512_set1_ps(a.scale[i0 + i]);
    for (int j = 0; j < NP; ++j)
      _mm512_storeu_ps(t.o + (i0 + i) * t.ldo + (p0 + j) * kNr, _mm512_mul_ps(sa, sum[i][j]));
  }
}

// micro<S, 6, 2> for int8 and int4, with its 24 accumulators (12 int32
// dot products, 12 f32 sums) in named variables rather than arrays, and
// an empty asm statement that pins the 12 dot products to their registers
// at the end of each pass of the vpdpbusd loop. Without them GCC 12 moves
// every int32 accumulator to another register and back on each pass (24
// moves per 12 dot products: the loop issued 48 instructions where 22 do
// the work, 300 GOP/s on L1-resident panels against 490-550 pinned; this
// machine peaks at 2 vpdpbusd per cycle, about 660 GOP/s). The arithmetic,
// and so every result bit, is micro's. Kept out of line: inlined into the
// tile loop, the accumulators spill. LMC_Q_ROWS applies X to the rows.
#define LMC_Q_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define LMC_Q_PIN()                                                                               \
  __asm__("" : "+v"(acc00), "+v"(acc01), "+v"(acc10), "+v"(acc11), "+v"(acc20), "+v"(acc21),      \
          "+v"(acc30), "+v"(acc31), "+v"(acc40), "+v"(acc41), "+v"(acc50), "+v"(acc51))

template <QuantScheme S>
LMC_AVX512 __attribute__((noinline)) void micro6x2(const QuantShape &s, const QuantRows &a,
                                                   const QuantTile &t, int64_t i0, int64_t p0) {
  static_assert(S == QuantScheme::Int8 || S == QuantScheme::Int4);
  constexpr int32_t offset = S == QuantScheme::Int8 ? 128 : 8;
  const uint8_t *b0 = t.b + p0 * s.panelBytes, *b1 = b0 + s.panelBytes;
  const __m512i nibble = _mm512_set1_epi8(15);
#define LMC_Q_DECLARE(i)                                                                          \
  const int8_t *q##i = a.q + (i0 + i) * a.qStride;                                                \
  __m512 sum##i##0 = _mm512_setzero_ps(), sum##i##1 = sum##i##0;                                  \
  __m512i acc##i##0, acc##i##1;
  LMC_Q_ROWS(LMC_Q_DECLARE)
#undef LMC_Q_DECLARE
  for (int64_t g = 0; g < s.groups; ++g) {
    const int64_t k0 = g * s.G, k1 = g + 1 == s.groups ? s.Kp : k0 + s.G;
    const int32_t *groupSums = a.sums + i0 * s.groups + g;
#define LMC_Q_START(i)                                                                            \
  acc##i##0 = acc##i##1 = _mm512_set1_epi32(-offset * groupSums[i * s.groups]);
    LMC_Q_ROWS(LMC_Q_START)
#undef LMC_Q_START
    if constexpr (S == QuantScheme::Int8) {
      for (int64_t k = k0; k < k1; k += 4) {
        const __m512i w0 = _mm512_loadu_si512(b0 + k * kNr), w1 = _mm512_loadu_si512(b1 + k * kNr);
#define LMC_Q_DOT(i)                                                                              \
  {                                                                                               \
    const __m512i x = broadcast4(q##i + k);                                                       \
    acc##i##0 = _mm512_dpbusd_epi32(acc##i##0, w0, x);                                            \
    acc##i##1 = _mm512_dpbusd_epi32(acc##i##1, w1, x);                                            \
  }
        LMC_Q_ROWS(LMC_Q_DOT)
#undef LMC_Q_DOT
        LMC_Q_PIN();
      }
    } else {
      for (int64_t k = k0; k < k1; k += 8) {
        const __m512i v0 = _mm512_loadu_si512(b0 + k * kNr / 2),
                      v1 = _mm512_loadu_si512(b1 + k * kNr / 2);
        const __m512i lo0 = _mm512_and_si512(v0, nibble), lo1 = _mm512_and_si512(v1, nibble);
        const __m512i hi0 = _mm512_and_si512(_mm512_srli_epi16(v0, 4), nibble),
                      hi1 = _mm512_and_si512(_mm512_srli_epi16(v1, 4), nibble);
#define LMC_Q_DOT(i)                                                                              \
  {                                                                                               \
    const __m512i xlo = broadcast4(q##i + k), xhi = broadcast4(q##i + k + 4);                     \
    acc##i##0 = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(acc##i##0, lo0, xlo), hi0, xhi);          \
    acc##i##1 = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(acc##i##1, lo1, xlo), hi1, xhi);          \
  }
        LMC_Q_ROWS(LMC_Q_DOT)
#undef LMC_Q_DOT
        LMC_Q_PIN();
      }
    }
    const float *scales = t.scales + g * t.scaleStride + p0 * kNr;
    const __m512 c0 = _mm512_loadu_ps(scales), c1 = _mm512_loadu_ps(scales + kNr);
#define LMC_Q_SCALE(i)                                                                            \
  sum##i##0 = _mm512_fmadd_ps(c0, _mm512_cvtepi32_ps(acc##i##0), sum##i##0);                      \
  sum##i##1 = _mm512_fmadd_ps(c1, _mm512_cvtepi32_ps(acc##i##1), sum##i##1);
    LMC_Q_ROWS(LMC_Q_SCALE)
#undef LMC_Q_SCALE
  }
#define LMC_Q_STORE(i)                                                                            \
  {                                                                                               \
    const __m512 sa = _mm512_set1_ps(a.scale[i0 + i]);                                            \
    float *o = t.o + (i0 + i) * t.ldo + p0 * kNr;                                                 \
    _mm512_storeu_ps(o, _mm512_mul_ps(sa, sum##i##0));                                            \
    _mm512_storeu_ps(o + kNr, _mm512_mul_ps(sa, sum##i##1));                                      \
  }
  LMC_Q_ROWS(LMC_Q_STORE)
#undef LMC_Q_STORE
}
#undef LMC_Q_PIN
#undef LMC_Q_ROWS

// Every row of the tile times panels [p0, p0 + NP), 6 rows at a time: the
// NP panels stay in L1 while the rows pass. 6 x 2 tiles keep 12 vpdpbusd
// chains in flight (its latency is about 6 cycles, 2 issue per cycle).
template <QuantScheme S, int NP>
LMC_AVX512 void rowsTimesPanels(const QuantShape &s, const QuantRows &a, const QuantTile &t,
                                int64_t p0) {
  int64_t i = 0;
  if constexpr (NP == 2 && S != QuantScheme::Ternary)
    for (; i + 6 <= t.rows; i += 6)
      micro6x2<S>(s, a, t, i, p0);
  for (; i + 6 <= t.rows; i += 6)
    micro<S, 6, NP>(s, a, t, i, p0);
  switch (t.rows - i) {
  case 5: micro<S, 5, NP>(s, a, t, i, p0); break;
  case 4: micro<S, 4, NP>(s, a, t, i, p0); break;
  case 3: micro<S, 3, NP>(s, a, t, i, p0); break;
  case 2: micro<S, 2, NP>(s, a, t, i, p0); break;
  case 1: micro<S, 1, NP>(s, a, t, i, p0); break;
  default: break;
  }
}

// One row (decode): 4 panels per pass, each streamed once. More rows: a
// 4-row x 2-panel register tile reuses each loaded weight vector 4 times.
template <QuantScheme S>
LMC_AVX512 void tileScheme(const QuantShape &s, const QuantRows &a, const QuantTile &t) {
  int64_t p = 0;
  if (t.rows == 1)
    for (; p + 4 <= t.panels; p += 4)
      micro<S, 1, 4>(s, a, t, 0, p);
  for (; p + 2 <= t.panels; p += 2)
    rowsTimesPanels<S, 2>(s, a, t, p);
  if (p < t.panels)
    rowsTimesPanels<S, 1>(s, a, t, p);
}

// The tile's ternary activations as 32-bit words q | q << 16, for
// dotTernary: a vpbroadcastd from memory is a plain load, where
// broadcasting a 16-bit value takes a shuffle-port uop per row and step.
thread_local std::vector<int32_t> tlsPairs;

LMC_AVX512 void tileTernary(const QuantShape &s, const QuantRows &a, const QuantTile &t) {
  if (tlsPairs.size() < size_t(t.rows * s.Kp))
    tlsPairs.resize(size_t(t.rows * s.Kp));
  int32_t *pairs = tlsPairs.data();
  for (int64_t i = 0; i < t.rows; ++i)
    for (int64_t k = 0; k < s.Kp; ++k) {
      const int32_t v = a.q[i * a.qStride + k];
      pairs[i * s.Kp + k] = int32_t(uint32_t(uint16_t(v)) * 0x10001u);
    }
  const QuantRows paired{reinterpret_cast<const int8_t *>(pairs), 4 * s.Kp, a.sums, a.scale};
  tileScheme<QuantScheme::Ternary>(s, paired, t);
}

LMC_AVX512 void tile(const QuantShape &s, const QuantRows &a, const QuantTile &t) {
  switch (s.scheme) {
  case QuantScheme::Int8: return tileScheme<QuantScheme::Int8>(s, a, t);
  case QuantScheme::Int4: return tileScheme<QuantScheme::Int4>(s, a, t);
  case QuantScheme::Ternary: return tileTernary(s, a, t);
  }
}

const QuantOps kAvx512QuantOps = {"avx512+vnni", quantizeRow, tile};

}  // namespace

const QuantOps *avx512QuantOps() { return &kAvx512QuantOps; }

}  // namespace lmc::kernels

#else  // not x86-64 with GCC/Clang

namespace lmc::kernels {
const QuantOps *avx512QuantOps() { return nullptr; }
}  // namespace lmc::kernels

#endif
