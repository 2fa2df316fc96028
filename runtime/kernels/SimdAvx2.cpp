// AVX2+FMA versions of the SimdOps routines (Fast.h). Each function carries
// its own target attribute, so this file builds with the baseline flags and
// nothing here runs unless the CPU reports AVX2 and FMA; lambdas and
// templates from other headers are avoided inside them for the same reason.
#include "runtime/kernels/Fast.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>

#include <cmath>
#include <cstring>

#define LMC_AVX2 __attribute__((target("avx2,fma")))
#define LMC_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) inline

namespace lmc::kernels {
namespace {

// ---------------------------------------------------------------- helpers

// Lanes [0, n) set, n in [0, 8].
LMC_AVX2_INLINE __m256i tailMask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

LMC_AVX2_INLINE float horizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

LMC_AVX2_INLINE double horizontalSum(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

// ------------------------------------------------------------------ SGEMM

// The 6x16 register tile: 12 accumulators, two B vectors, one broadcast A.
LMC_AVX2_INLINE void gemmTile(int64_t kc, const float *ap, const float *bp, float *c, int64_t ldc,
                              bool accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
    __m256 a = _mm256_broadcast_ss(ap + 0);
    c00 = _mm256_fmadd_ps(a, b0, c00);
    c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(ap + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10);
    c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(ap + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20);
    c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(ap + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30);
    c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(ap + 4);
    c40 = _mm256_fmadd_ps(a, b0, c40);
    c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(ap + 5);
    c50 = _mm256_fmadd_ps(a, b0, c50);
    c51 = _mm256_fmadd_ps(a, b1, c51);
    ap += kGemmMr;
    bp += kGemmNr;
  }
#define LMC_STORE_ROW(i, lo, hi)                                                                  \
  do {                                                                                            \
    float *row = c + (i) * ldc;                                                                   \
    if (accumulate) {                                                                             \
      lo = _mm256_add_ps(_mm256_loadu_ps(row), lo);                                               \
      hi = _mm256_add_ps(_mm256_loadu_ps(row + 8), hi);                                           \
    }                                                                                             \
    _mm256_storeu_ps(row, lo);                                                                    \
    _mm256_storeu_ps(row + 8, hi);                                                                \
  } while (0)
  LMC_STORE_ROW(0, c00, c01);
  LMC_STORE_ROW(1, c10, c11);
  LMC_STORE_ROW(2, c20, c21);
  LMC_STORE_ROW(3, c30, c31);
  LMC_STORE_ROW(4, c40, c41);
  LMC_STORE_ROW(5, c50, c51);
#undef LMC_STORE_ROW
}

// One panel per tile (gemmPanels = 1).
LMC_AVX2 void gemmMicro(int64_t kc, int64_t panels, const float *ap, const float *bp, float *c,
                        int64_t ldc, bool accumulate) {
  for (int64_t p = 0; p < panels; ++p)
    gemmTile(kc, ap, bp + p * kc * kGemmNr, c + p * kGemmNr, ldc, accumulate);
}

// y = x @ B over packed panels (matmul_packed, M = 1): four panels at a
// time in 8 accumulators (independent FMA chains), then one at a time.
// With `accumulate` the chains continue from y, so that K blocks add up to
// one FMA chain per column over k in order: gemvRows' arithmetic, whichever
// group a column falls in.
LMC_AVX2 void gemvPanels(int64_t kc, int64_t panels, const float *x, const float *bp, float *y,
                         bool accumulate) {
  const int64_t stride = kc * kGemmNr;  // floats per panel
  const __m256 zero = _mm256_setzero_ps();
  int64_t p = 0;
  for (; p + 4 <= panels; p += 4) {
    __m256 acc[8];
    float *out = y + p * kGemmNr;
    for (int v = 0; v < 8; ++v)
      acc[v] = accumulate ? _mm256_loadu_ps(out + 8 * v) : zero;
    const float *b = bp + p * stride;
    for (int64_t k = 0; k < kc; ++k, b += kGemmNr) {
      const __m256 xv = _mm256_broadcast_ss(x + k);
      for (int q = 0; q < 4; ++q) {
        acc[2 * q] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(b + q * stride), acc[2 * q]);
        acc[2 * q + 1] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(b + q * stride + 8), acc[2 * q + 1]);
      }
    }
    for (int v = 0; v < 8; ++v)
      _mm256_storeu_ps(out + 8 * v, acc[v]);
  }
  for (; p < panels; ++p) {
    float *out = y + p * kGemmNr;
    __m256 lo = accumulate ? _mm256_loadu_ps(out) : zero;
    __m256 hi = accumulate ? _mm256_loadu_ps(out + 8) : zero;
    const float *b = bp + p * stride;
    for (int64_t k = 0; k < kc; ++k, b += kGemmNr) {
      const __m256 xv = _mm256_broadcast_ss(x + k);
      lo = _mm256_fmadd_ps(xv, _mm256_loadu_ps(b), lo);
      hi = _mm256_fmadd_ps(xv, _mm256_loadu_ps(b + 8), hi);
    }
    _mm256_storeu_ps(out, lo);
    _mm256_storeu_ps(out + 8, hi);
  }
}

// y = x @ B for contiguous rows of B: 64 columns at a time in 8
// accumulators, then 8 and a masked remainder. Every column is the same
// FMA chain over k in order, whichever block it falls in.
LMC_AVX2 void gemvRows(int64_t K, int64_t n, const float *x, const float *b, int64_t ldb,
                       float *y) {
  int64_t j = 0;
  for (; j + 64 <= n; j += 64) {
    __m256 acc[8];
    for (int v = 0; v < 8; ++v)
      acc[v] = _mm256_setzero_ps();
    const float *col = b + j;
    for (int64_t k = 0; k < K; ++k, col += ldb) {
      const __m256 xv = _mm256_broadcast_ss(x + k);
      for (int v = 0; v < 8; ++v)
        acc[v] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(col + 8 * v), acc[v]);
    }
    for (int v = 0; v < 8; ++v)
      _mm256_storeu_ps(y + j + 8 * v, acc[v]);
  }
  for (; j < n; j += 8) {
    const __m256i mask = tailMask(n - j);
    __m256 acc = _mm256_setzero_ps();
    const float *col = b + j;
    for (int64_t k = 0; k < K; ++k, col += ldb)
      acc = _mm256_fmadd_ps(_mm256_broadcast_ss(x + k), _mm256_maskload_ps(col, mask), acc);
    _mm256_maskstore_ps(y + j, mask, acc);
  }
}

// One dot product of length K with two accumulators and a masked tail.
LMC_AVX2_INLINE float dot(int64_t K, const float *x, const float *b) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + k), _mm256_loadu_ps(b + k), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + k + 8), _mm256_loadu_ps(b + k + 8), a1);
  }
  for (; k < K; k += 8) {
    const __m256i mask = tailMask(K - k);
    a0 = _mm256_fmadd_ps(_mm256_maskload_ps(x + k, mask), _mm256_maskload_ps(b + k, mask), a0);
  }
  return horizontalSum(_mm256_add_ps(a0, a1));
}

// y[j] = dot(x, column j): four columns per pass share the loads of x, each
// with the exact arithmetic of dot().
LMC_AVX2 void gemvCols(int64_t K, int64_t n, const float *x, const float *b, int64_t ldb,
                       float *y) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *b0 = b + j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
    __m256 p0 = _mm256_setzero_ps(), q0 = _mm256_setzero_ps();
    __m256 p1 = _mm256_setzero_ps(), q1 = _mm256_setzero_ps();
    __m256 p2 = _mm256_setzero_ps(), q2 = _mm256_setzero_ps();
    __m256 p3 = _mm256_setzero_ps(), q3 = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
      const __m256 x0 = _mm256_loadu_ps(x + k), x1 = _mm256_loadu_ps(x + k + 8);
      p0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b0 + k), p0);
      q0 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b0 + k + 8), q0);
      p1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b1 + k), p1);
      q1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b1 + k + 8), q1);
      p2 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b2 + k), p2);
      q2 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b2 + k + 8), q2);
      p3 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b3 + k), p3);
      q3 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b3 + k + 8), q3);
    }
    for (; k < K; k += 8) {
      const __m256i mask = tailMask(K - k);
      const __m256 x0 = _mm256_maskload_ps(x + k, mask);
      p0 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(b0 + k, mask), p0);
      p1 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(b1 + k, mask), p1);
      p2 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(b2 + k, mask), p2);
      p3 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(b3 + k, mask), p3);
    }
    y[j] = horizontalSum(_mm256_add_ps(p0, q0));
    y[j + 1] = horizontalSum(_mm256_add_ps(p1, q1));
    y[j + 2] = horizontalSum(_mm256_add_ps(p2, q2));
    y[j + 3] = horizontalSum(_mm256_add_ps(p3, q3));
  }
  for (; j < n; ++j)
    y[j] = dot(K, x, b + j * ldb);
}

// ------------------------------------------------------------ elementwise

// max/min with the reference's semantics: NaN if either is NaN, else
// (x < y ? y : x) for max, which MAXPS(y, x) computes exactly (it returns
// its second operand on ties, including -0 vs +0).
LMC_AVX2_INLINE __m256 binaryOp(BinaryFn fn, __m256 x, __m256 y) {
  switch (fn) {
  case BinaryFn::Add: return _mm256_add_ps(x, y);
  case BinaryFn::Sub: return _mm256_sub_ps(x, y);
  case BinaryFn::Mul: return _mm256_mul_ps(x, y);
  case BinaryFn::Div: return _mm256_div_ps(x, y);
  case BinaryFn::Square: return _mm256_mul_ps(x, x);
  case BinaryFn::Cube: return _mm256_mul_ps(_mm256_mul_ps(x, x), x);
  case BinaryFn::Max:
  case BinaryFn::Min: {
    __m256 r = fn == BinaryFn::Max ? _mm256_max_ps(y, x) : _mm256_min_ps(y, x);
    return _mm256_blendv_ps(r, _mm256_set1_ps(NAN), _mm256_cmp_ps(x, y, _CMP_UNORD_Q));
  }
  }
  return x;
}

// The loop body is specialized per operation and layout by always_inline,
// so `fn` and the strides are constants in each copy.
LMC_AVX2_INLINE void binaryLoop(BinaryFn fn, const float *a, int64_t sa, const float *b,
                                int64_t sb, float *o, int64_t n) {
  const __m256 aBroadcast = _mm256_set1_ps(*a), bBroadcast = _mm256_set1_ps(*b);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 x = sa ? _mm256_loadu_ps(a + i) : aBroadcast;
    __m256 y = sb ? _mm256_loadu_ps(b + i) : bBroadcast;
    _mm256_storeu_ps(o + i, binaryOp(fn, x, y));
  }
  if (i < n) {
    const __m256i mask = tailMask(n - i);
    __m256 x = sa ? _mm256_maskload_ps(a + i, mask) : aBroadcast;
    __m256 y = sb ? _mm256_maskload_ps(b + i, mask) : bBroadcast;
    _mm256_maskstore_ps(o + i, mask, binaryOp(fn, x, y));
  }
}

#define LMC_BINARY_LAYOUTS(FN)                                                                    \
  do {                                                                                            \
    if (sa && sb)                                                                                 \
      binaryLoop(FN, a, 1, b, 1, o, n);                                                           \
    else if (sa)                                                                                  \
      binaryLoop(FN, a, 1, b, 0, o, n);                                                           \
    else if (sb)                                                                                  \
      binaryLoop(FN, a, 0, b, 1, o, n);                                                           \
    else                                                                                          \
      binaryLoop(FN, a, 0, b, 0, o, n);                                                           \
  } while (0)

LMC_AVX2 void binary(BinaryFn fn, const float *a, int64_t sa, const float *b, int64_t sb,
                     float *o, int64_t n) {
  switch (fn) {
  case BinaryFn::Add: LMC_BINARY_LAYOUTS(BinaryFn::Add); break;
  case BinaryFn::Sub: LMC_BINARY_LAYOUTS(BinaryFn::Sub); break;
  case BinaryFn::Mul: LMC_BINARY_LAYOUTS(BinaryFn::Mul); break;
  case BinaryFn::Div: LMC_BINARY_LAYOUTS(BinaryFn::Div); break;
  case BinaryFn::Max: LMC_BINARY_LAYOUTS(BinaryFn::Max); break;
  case BinaryFn::Min: LMC_BINARY_LAYOUTS(BinaryFn::Min); break;
  case BinaryFn::Square: LMC_BINARY_LAYOUTS(BinaryFn::Square); break;
  case BinaryFn::Cube: LMC_BINARY_LAYOUTS(BinaryFn::Cube); break;
  }
}
#undef LMC_BINARY_LAYOUTS

// ------------------------------------------------------ transcendentals

// exp(x) for x in [kExpLow, kExpHigh] (Cephes expf: x = n ln2 + r with a
// two-part ln2, a degree-5 polynomial, 2^n through the exponent bits);
// about 1 ulp. Other lanes (overflow, results near or below the smallest
// normal, NaN) are recomputed with std::exp by the callers.
constexpr float kExpLow = -87.0f, kExpHigh = 88.0f;

LMC_AVX2_INLINE __m256 expCore(__m256 x) {
  x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(kExpHigh)), _mm256_set1_ps(kExpLow));
  __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
  fx = _mm256_floor_ps(fx);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_add_ps(_mm256_fmadd_ps(y, z, x), _mm256_set1_ps(1.0f));
  __m256i n = _mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127));
  return _mm256_mul_ps(y, _mm256_castsi256_ps(_mm256_slli_epi32(n, 23)));
}

// At or below kExpZero, exp(x) is below half the smallest subnormal and
// rounds to +0, as std::exp gives: softmax's masked scores (-inf, -1e9)
// need no call.
constexpr float kExpZero = -104.0f;

// exp with the lanes outside [kExpLow, kExpHigh] (NaN included) and above
// kExpZero from std::exp.
LMC_AVX2_INLINE __m256 expFull(__m256 x) {
  const __m256 in = _mm256_and_ps(_mm256_cmp_ps(x, _mm256_set1_ps(kExpLow), _CMP_GE_OQ),
                                  _mm256_cmp_ps(x, _mm256_set1_ps(kExpHigh), _CMP_LE_OQ));
  const __m256 zero = _mm256_cmp_ps(x, _mm256_set1_ps(kExpZero), _CMP_LE_OQ);
  __m256 y = _mm256_andnot_ps(zero, expCore(x));
  if (int bad = ~_mm256_movemask_ps(_mm256_or_ps(in, zero)) & 0xFF) {
    alignas(32) float xs[8], ys[8];
    _mm256_store_ps(xs, x);
    _mm256_store_ps(ys, y);
    for (int i = 0; i < 8; ++i)
      if (bad & (1 << i))
        ys[i] = std::exp(xs[i]);
    y = _mm256_load_ps(ys);
  }
  return y;
}

// tanh: Cephes tanhf. |x| < 0.625: x + x^3 P(x^2); else 1 - 2/(exp(2|x|) + 1)
// with |x| clamped to 9, where tanh rounds to 1 in f32.
LMC_AVX2_INLINE __m256 tanhCore(__m256 x) {
  const __m256 signMask = _mm256_set1_ps(-0.0f);
  const __m256 ax = _mm256_andnot_ps(signMask, x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  const __m256 e = expCore(_mm256_add_ps(_mm256_min_ps(ax, _mm256_set1_ps(9.0f)),
                                         _mm256_min_ps(ax, _mm256_set1_ps(9.0f))));
  __m256 large = _mm256_sub_ps(_mm256_set1_ps(1.0f),
                               _mm256_div_ps(_mm256_set1_ps(2.0f),
                                             _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  large = _mm256_or_ps(large, _mm256_and_ps(signMask, x));
  __m256 y = _mm256_blendv_ps(large, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
  // NaN stays NaN.
  return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

// erf: |x| < 1: x P(x^2) (Cephes erff); 1 <= |x| < 4: 1 - exp(-x^2) R(1/|x|)
// with R a least-squares fit of erfc(x) exp(x^2) (relative error below
// 1e-7 in f32); |x| >= 4 rounds to +-1.
LMC_AVX2_INLINE __m256 erfCore(__m256 x) {
  const __m256 signMask = _mm256_set1_ps(-0.0f);
  const __m256 ax = _mm256_min_ps(_mm256_andnot_ps(signMask, x), _mm256_set1_ps(4.0f));
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(7.853861353153693e-5f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-8.010193625184903e-4f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(5.188327685732524e-3f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-2.685381193529856e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.128358514861418e-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.761262582423300e-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.128379165726710f));
  const __m256 small = _mm256_mul_ps(p, x);
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), ax);
  __m256 r = _mm256_set1_ps(-1.917524638e-02f);
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(1.266958488e-01f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(-3.655177589e-01f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(5.871440317e-01f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(-5.124871296e-01f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(5.319334632e-02f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(5.573523462e-01f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(3.781576443e-04f));
  const __m256 e = expCore(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(ax, ax)));
  __m256 large = _mm256_fnmadd_ps(e, r, _mm256_set1_ps(1.0f));
  large = _mm256_or_ps(large, _mm256_and_ps(signMask, x));
  __m256 y = _mm256_blendv_ps(large, small, _mm256_cmp_ps(ax, _mm256_set1_ps(1.0f), _CMP_LT_OQ));
  return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

#define LMC_UNARY_ARRAY(NAME, CORE)                                                               \
  LMC_AVX2 void NAME(const float *x, float *y, int64_t n) {                                       \
    int64_t i = 0;                                                                                \
    for (; i + 8 <= n; i += 8)                                                                    \
      _mm256_storeu_ps(y + i, CORE(_mm256_loadu_ps(x + i)));                                      \
    if (i < n) {                                                                                  \
      const __m256i mask = tailMask(n - i);                                                       \
      _mm256_maskstore_ps(y + i, mask, CORE(_mm256_maskload_ps(x + i, mask)));                    \
    }                                                                                             \
  }
// gelu in one pass (the reference's formulas; see SimdAvx512.cpp).
LMC_AVX2_INLINE __m256 geluTanhCore(__m256 x) {
  const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
  const __m256 inner = _mm256_mul_ps(_mm256_set1_ps(0.7978845608f),
                                     _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), x3, x));
  const __m256 half = _mm256_mul_ps(_mm256_set1_ps(0.5f), x);
  return _mm256_fmadd_ps(half, tanhCore(inner), half);
}
LMC_AVX2_INLINE __m256 geluErfCore(__m256 x) {
  const __m256 half = _mm256_mul_ps(_mm256_set1_ps(0.5f), x);
  return _mm256_fmadd_ps(half, erfCore(_mm256_mul_ps(x, _mm256_set1_ps(0.7071067812f))), half);
}

LMC_UNARY_ARRAY(expArray, expFull)
LMC_UNARY_ARRAY(tanhArray, tanhCore)
LMC_UNARY_ARRAY(erfArray, erfCore)
LMC_UNARY_ARRAY(geluTanhArray, geluTanhCore)
LMC_UNARY_ARRAY(geluErfArray, geluErfCore)
#undef LMC_UNARY_ARRAY

// ------------------------------------------------------- normalizations

// softmax of one contiguous lane: the max, exp(x - max) in f32, the sum in
// f64, then one multiplication by the reciprocal.
LMC_AVX2 void softmaxRow(const float *x, float *y, int64_t n) {
  const __m256 negInf = _mm256_set1_ps(-INFINITY);
  __m256 mx = negInf;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    mx = _mm256_max_ps(mx, _mm256_loadu_ps(x + i));
  if (i < n) {
    const __m256i mask = tailMask(n - i);
    mx = _mm256_max_ps(mx, _mm256_blendv_ps(negInf, _mm256_maskload_ps(x + i, mask),
                                            _mm256_castsi256_ps(mask)));
  }
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  const __m256 maxv = _mm256_set1_ps(_mm_cvtss_f32(m4));
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 e = expFull(_mm256_sub_ps(_mm256_loadu_ps(x + i), maxv));
    _mm256_storeu_ps(y + i, e);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  if (i < n) {
    const __m256i mask = tailMask(n - i);
    __m256 e = expFull(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), maxv));
    e = _mm256_and_ps(e, _mm256_castsi256_ps(mask));
    _mm256_maskstore_ps(y + i, mask, e);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  const __m256 inv =
      _mm256_set1_ps(static_cast<float>(1.0 / horizontalSum(_mm256_add_pd(s0, s1))));
  for (i = 0; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), inv));
  if (i < n) {
    const __m256i mask = tailMask(n - i);
    _mm256_maskstore_ps(y + i, mask, _mm256_mul_ps(_mm256_maskload_ps(y + i, mask), inv));
  }
}

// layer_norm of one contiguous block, in f64 lanes like the reference (two
// passes: mean, then variance around it), four elements per vector.
LMC_AVX2 void layerNormRow(const float *x, const float *scale, const float *bias, float *y,
                           int64_t n, double epsilon) {
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
  }
  double sum = horizontalSum(_mm256_add_pd(s0, s1));
  for (int64_t t = i; t < n; ++t)
    sum += x[t];
  const double mean = sum / static_cast<double>(n);
  const __m256d meanv = _mm256_set1_pd(mean);
  s0 = _mm256_setzero_pd();
  s1 = _mm256_setzero_pd();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), meanv);
    const __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), meanv);
    s0 = _mm256_fmadd_pd(d0, d0, s0);
    s1 = _mm256_fmadd_pd(d1, d1, s1);
  }
  double var = horizontalSum(_mm256_add_pd(s0, s1));
  for (int64_t t = i; t < n; ++t)
    var += (x[t] - mean) * (x[t] - mean);
  var /= static_cast<double>(n);
  const double inv = 1.0 / std::sqrt(var + epsilon);
  const __m256d invv = _mm256_set1_pd(inv);
  for (i = 0; i + 4 <= n; i += 4) {
    __m256d d = _mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i)), meanv), invv);
    d = _mm256_mul_pd(d, _mm256_cvtps_pd(_mm_loadu_ps(scale + i)));
    if (bias)
      d = _mm256_add_pd(d, _mm256_cvtps_pd(_mm_loadu_ps(bias + i)));
    _mm_storeu_ps(y + i, _mm256_cvtpd_ps(d));
  }
  for (; i < n; ++i) {
    double d = (x[i] - mean) * inv * static_cast<double>(scale[i]);
    if (bias)
      d += static_cast<double>(bias[i]);
    y[i] = static_cast<float>(d);
  }
}

const SimdOps kAvx2Ops = {"avx2+fma",   kGemmMr,  1,          gemmMicro,     gemvPanels,
                          gemvRows,     gemvCols, binary,     expArray,      tanhArray,
                          erfArray,     softmaxRow, layerNormRow, geluTanhArray, geluErfArray};

}  // namespace

const SimdOps *avx2SimdOps() {
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported ? &kAvx2Ops : nullptr;
}

}  // namespace lmc::kernels

#else  // not x86-64 with GCC/Clang: only the portable routines exist.

namespace lmc::kernels {
const SimdOps *avx2SimdOps() { return nullptr; }
}  // namespace lmc::kernels

#endif
