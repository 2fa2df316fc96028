// matmul_q's AVX2 routines (FastQuant.h), for CPUs without AVX-512 VNNI.
// Two ymm hold a panel's 16 columns. vpmaddubsw saturates its int16 pair
// sums, and 255 x 127 x 2 does not fit, so int8 weights are used signed
// (|w| <= 128 times the activation with w's sign: pairs <= 32512); int4's
// unsigned q + 8 is small enough to multiply directly. Ternary uses masked
// additions only. Like SimdAvx2.cpp, every function carries its target
// attribute and runs only when simdLevel reports AVX2.
#include "runtime/kernels/FastQuant.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>

#include <cstring>

#define LMC_AVX2 __attribute__((target("avx2,fma")))
#define LMC_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) inline

namespace lmc::kernels {
namespace {

using format::QuantScheme;

constexpr int64_t kNr = format::kQuantPanel;
// Ternary sums of at most this many activations (|q| <= 127) fit in int16.
constexpr int64_t kTernaryRun = 256;

// ------------------------------------------------- activation quantization

// Lanes [0, n) set, n in [0, 8].
LMC_AVX2_INLINE __m256i tailMask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// nearbyint(clamp(x * inv, -127, 127)) as 8 int8s in the low half, NaN
// giving 0 (the conversion rounds in the current mode, as nearbyint).
LMC_AVX2_INLINE __m128i quantize8(__m256 x, __m256 inv) {
  __m256 v = _mm256_mul_ps(x, inv);
  v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
  const __m256i i = _mm256_cvtps_epi32(v);
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
  return _mm_packs_epi16(words, words);
}

// quantizeActivationRow's f32 operations, 8 lanes at a time (vmaxps
// returns its second operand when the first is NaN, as std::max keeps amax).
LMC_AVX2 float quantizeRow(const float *x, int64_t K, int8_t *q) {
  const __m256 abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 vmax = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 <= K; k += 8)
    vmax = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + k), abs), vmax);
  const __m256i tail = tailMask(K - k);
  if (k < K)
    vmax = _mm256_max_ps(_mm256_and_ps(_mm256_maskload_ps(x + k, tail), abs), vmax);
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  const float amax = _mm_cvtss_f32(m);
  if (amax == 0.0f) {
    std::memset(q, 0, size_t(K));
    return 0.0f;
  }
  const __m256 inv = _mm256_set1_ps(127.0f / amax);
  for (k = 0; k + 8 <= K; k += 8)
    _mm_storel_epi64(reinterpret_cast<__m128i *>(q + k), quantize8(_mm256_loadu_ps(x + k), inv));
  if (k < K) {
    int8_t last[16];
    _mm_storeu_si128(reinterpret_cast<__m128i *>(last),
                     quantize8(_mm256_maskload_ps(x + k, tail), inv));
    std::memcpy(q + k, last, size_t(K - k));
  }
  return amax / 127.0f;
}

// ------------------------------------------------------ group dot products

LMC_AVX2_INLINE __m256i broadcast4(const int8_t *q) {
  int32_t v;
  std::memcpy(&v, q, 4);
  return _mm256_set1_epi32(v);
}

// acc[i][2j + h] += rows [k0, k1) of columns 8h..8h+7 of panel j times
// activation row i (exact: no int16 saturation, see the file comment).
template <int MR, int NP>
LMC_AVX2_INLINE void dotInt8(const uint8_t *b, int64_t panelBytes, const int8_t *const *q,
                             int64_t k0, int64_t k1, __m256i (&acc)[MR][2 * NP]) {
  const __m256i bias = _mm256_set1_epi8(int8_t(0x80)), ones = _mm256_set1_epi16(1);
  for (int64_t k = k0; k < k1; k += 4) {
    __m256i w[2 * NP], mag[2 * NP];
    for (int v = 0; v < 2 * NP; ++v) {
      w[v] = _mm256_xor_si256(
          _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b + v / 2 * panelBytes +
                                                                k * kNr + v % 2 * 32)),
          bias);
      mag[v] = _mm256_abs_epi8(w[v]);
    }
    for (int i = 0; i < MR; ++i) {
      const __m256i x = broadcast4(q[i] + k);
      for (int v = 0; v < 2 * NP; ++v) {
        const __m256i pairs = _mm256_maddubs_epi16(mag[v], _mm256_sign_epi8(x, w[v]));
        acc[i][v] = _mm256_add_epi32(acc[i][v], _mm256_madd_epi16(pairs, ones));
      }
    }
  }
}

// int4: rows k..k+3 in the low nibbles, k+4..k+7 in the high ones (weights
// q + 8 <= 15: the four products of a pair of int16 lanes stay under 7620;
// acc starts at -8 * sum(q)).
template <int MR, int NP>
LMC_AVX2_INLINE void dotInt4(const uint8_t *b, int64_t panelBytes, const int8_t *const *q,
                             int64_t k0, int64_t k1, __m256i (&acc)[MR][2 * NP]) {
  const __m256i nibble = _mm256_set1_epi8(15), ones = _mm256_set1_epi16(1);
  for (int64_t k = k0; k < k1; k += 8) {
    __m256i lo[2 * NP], hi[2 * NP];
    for (int v = 0; v < 2 * NP; ++v) {
      const __m256i bytes = _mm256_loadu_si256(
          reinterpret_cast<const __m256i *>(b + v / 2 * panelBytes + k * kNr / 2 + v % 2 * 32));
      lo[v] = _mm256_and_si256(bytes, nibble);
      hi[v] = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble);
    }
    for (int i = 0; i < MR; ++i) {
      const __m256i xlo = broadcast4(q[i] + k), xhi = broadcast4(q[i] + k + 4);
      for (int v = 0; v < 2 * NP; ++v) {
        const __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(lo[v], xlo),
                                               _mm256_maddubs_epi16(hi[v], xhi));
        acc[i][v] = _mm256_add_epi32(acc[i][v], _mm256_madd_epi16(pairs, ones));
      }
    }
  }
}

// Ternary, additions only. A row's 32-bit mask word (16 plus bits, then 16
// minus bits), broadcast, puts the plus word in the even 16-bit lanes and
// the minus word in the odd ones; lanes 2c and 2c + 1 of the vector for
// columns 8h..8h+7 test bit 8h + c, so each lane sums the activations of
// its column's +1 (even) or -1 (odd) weights. Every kTernaryRun rows the
// pairs' differences move to the int32 sums.
template <int MR, int NP>
LMC_AVX2_INLINE void dotTernary(const uint8_t *b, int64_t panelBytes, const int8_t *const *q,
                                int64_t k0, int64_t k1, __m256i (&acc)[MR][2 * NP]) {
  const __m256i bit[2] = {_mm256_setr_epi32(0x00010001, 0x00020002, 0x00040004, 0x00080008,
                                            0x00100010, 0x00200020, 0x00400040, 0x00800080),
                          _mm256_setr_epi32(0x01000100, 0x02000200, 0x04000400, 0x08000800,
                                            0x10001000, 0x20002000, 0x40004000,
                                            int(0x80008000u))};
  for (int64_t run = k0; run < k1; run += kTernaryRun) {
    const int64_t end = run + kTernaryRun < k1 ? run + kTernaryRun : k1;
    __m256i sums[MR][2 * NP];
    for (int i = 0; i < MR; ++i)
      for (int v = 0; v < 2 * NP; ++v)
        sums[i][v] = _mm256_setzero_si256();
    for (int64_t k = run; k < end; ++k) {
      __m256i select[2 * NP];
      for (int j = 0; j < NP; ++j) {
        int32_t bits;
        std::memcpy(&bits, b + j * panelBytes + k * 4, 4);
        const __m256i word = _mm256_set1_epi32(bits);
        for (int h = 0; h < 2; ++h)
          select[2 * j + h] = _mm256_cmpeq_epi16(_mm256_and_si256(word, bit[h]), bit[h]);
      }
      for (int i = 0; i < MR; ++i) {
        const __m256i x = _mm256_set1_epi16(q[i][k]);
        for (int v = 0; v < 2 * NP; ++v)
          sums[i][v] = _mm256_add_epi16(sums[i][v], _mm256_and_si256(select[v], x));
      }
    }
    for (int i = 0; i < MR; ++i)
      for (int v = 0; v < 2 * NP; ++v) {
        const __m256i plus = _mm256_srai_epi32(_mm256_slli_epi32(sums[i][v], 16), 16);
        const __m256i minus = _mm256_srai_epi32(sums[i][v], 16);
        acc[i][v] = _mm256_add_epi32(acc[i][v], _mm256_sub_epi32(plus, minus));
      }
  }
}

// Rows [i0, i0 + MR) of the tile times its panels [p0, p0 + NP): per group
// the exact int32 sums, then o = sa * sum_g (c_g * acc_g) in FMA order.
template <QuantScheme S, int MR, int NP>
LMC_AVX2 void micro(const QuantShape &s, const QuantRows &a, const QuantTile &t, int64_t i0,
                    int64_t p0) {
  const int8_t *q[MR];
  for (int i = 0; i < MR; ++i)
    q[i] = a.q + (i0 + i) * a.qStride;
  const uint8_t *b = t.b + p0 * s.panelBytes;
  const int32_t offset = S == QuantScheme::Int4 ? 8 : 0;
  __m256 sum[MR][2 * NP];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < 2 * NP; ++v)
      sum[i][v] = _mm256_setzero_ps();
  for (int64_t g = 0; g < s.groups; ++g) {
    const int64_t k0 = g * s.G, k1 = g + 1 == s.groups ? s.Kp : k0 + s.G;
    __m256i acc[MR][2 * NP];
    for (int i = 0; i < MR; ++i) {
      const __m256i init = _mm256_set1_epi32(-offset * a.sums[(i0 + i) * s.groups + g]);
      for (int v = 0; v < 2 * NP; ++v)
        acc[i][v] = init;
    }
    if (S == QuantScheme::Int8)
      dotInt8<MR, NP>(b, s.panelBytes, q, k0, k1, acc);
    else if (S == QuantScheme::Int4)
      dotInt4<MR, NP>(b, s.panelBytes, q, k0, k1, acc);
    else
      dotTernary<MR, NP>(b, s.panelBytes, q, k0, k1, acc);
    const float *scales = t.scales + g * t.scaleStride + p0 * kNr;
    for (int v = 0; v < 2 * NP; ++v) {
      const __m256 c = _mm256_loadu_ps(scales + v * 8);
      for (int i = 0; i < MR; ++i)
        sum[i][v] = _mm256_fmadd_ps(c, _mm256_cvtepi32_ps(acc[i][v]), sum[i][v]);
    }
  }
  for (int i = 0; i < MR; ++i) {
    const __m256 sa = _mm256_set1_ps(a.scale[i0 + i]);
    for (int v = 0; v < 2 * NP; ++v)
      _mm256_storeu_ps(t.o + (i0 + i) * t.ldo + p0 * kNr + v * 8, _mm256_mul_ps(sa, sum[i][v]));
  }
}

// One row (decode): 2 panels per pass. More rows: a 4-row x 1-panel
// register tile (16 ymm registers leave no room for more) reuses each
// loaded weight vector 4 times.
template <QuantScheme S>
LMC_AVX2 void tileScheme(const QuantShape &s, const QuantRows &a, const QuantTile &t) {
  int64_t p = 0;
  if (t.rows == 1)
    for (; p + 2 <= t.panels; p += 2)
      micro<S, 1, 2>(s, a, t, 0, p);
  for (; p < t.panels; ++p) {
    int64_t i = 0;
    for (; i + 4 <= t.rows; i += 4)
      micro<S, 4, 1>(s, a, t, i, p);
    switch (t.rows - i) {
    case 3: micro<S, 3, 1>(s, a, t, i, p); break;
    case 2: micro<S, 2, 1>(s, a, t, i, p); break;
    case 1: micro<S, 1, 1>(s, a, t, i, p); break;
    default: break;
    }
  }
}

LMC_AVX2 void tile(const QuantShape &s, const QuantRows &a, const QuantTile &t) {
  switch (s.scheme) {
  case QuantScheme::Int8: return tileScheme<QuantScheme::Int8>(s, a, t);
  case QuantScheme::Int4: return tileScheme<QuantScheme::Int4>(s, a, t);
  case QuantScheme::Ternary: return tileScheme<QuantScheme::Ternary>(s, a, t);
  }
}

const QuantOps kAvx2QuantOps = {"avx2+fma", quantizeRow, tile};

}  // namespace

const QuantOps *avx2QuantOps() { return &kAvx2QuantOps; }

}  // namespace lmc::kernels

#else  // not x86-64 with GCC/Clang

namespace lmc::kernels {
const QuantOps *avx2QuantOps() { return nullptr; }
}  // namespace lmc::kernels

#endif
