// AVX-512 versions of the SimdOps routines (Fast.h): 16-lane vectors, mask
// registers for the tails and a 12 x 32 SGEMM tile over two packed panels.
// As in SimdAvx2.cpp, each function carries its own target attribute, so
// this file builds with the baseline flags (no AVX-512 copy of an inline
// function from a shared header can reach other files) and nothing here
// runs unless the CPU reports AVX-512 F/BW/VL/DQ and FMA and the OS saves
// the zmm and mask registers.
#include "runtime/kernels/Fast.h"

#if defined(__x86_64__) && defined(__GNUC__)

// GCC 12's AVX-512 conversion and reduction intrinsics start from
// _mm512_undefined_*() and trip -Wuninitialized when inlined (GCC PR
// 105593, fixed in 13): silence it for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <cpuid.h>
#include <immintrin.h>

#include <cmath>

#define LMC_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define LMC_AVX512_INLINE                                                                         \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma"), always_inline)) inline

namespace lmc::kernels {
namespace {

// ---------------------------------------------------------------- helpers

// Lanes [0, n) set, n in [0, 16] (or [0, 8] for the 8-lane masks).
LMC_AVX512_INLINE __mmask16 tailMask(int64_t n) {
  return static_cast<__mmask16>((1u << static_cast<unsigned>(n)) - 1);
}
LMC_AVX512_INLINE __mmask8 tailMask8(int64_t n) {
  return static_cast<__mmask8>((1u << static_cast<unsigned>(n)) - 1);
}

// ------------------------------------------------------------------ SGEMM

// The register tile: kMr rows of A by Panels panels of B (16 columns, one
// zmm each): for two panels, 24 accumulators, two B vectors and one A
// broadcast per row and k. Two panels per tile halve the broadcasts (load
// slots) per FMA against one; 12 rows keep the tile within the 32 zmm
// registers and divide MC = 132 (8 rows measured the same, 14 slower).
constexpr int kMr = 12;

template <int Panels>
LMC_AVX512_INLINE void gemmTile(int64_t kc, const float *ap, const float *bp, float *c,
                                int64_t ldc, bool accumulate) {
  __m512 acc[kMr][Panels];
  for (int i = 0; i < kMr; ++i)
    for (int p = 0; p < Panels; ++p)
      acc[i][p] = _mm512_setzero_ps();
  const int64_t stride = kc * kGemmNr;  // floats per panel
  for (int64_t k = 0; k < kc; ++k, ap += kMr, bp += kGemmNr) {
    __m512 b[Panels];
    for (int p = 0; p < Panels; ++p)
      b[p] = _mm512_loadu_ps(bp + p * stride);
    for (int i = 0; i < kMr; ++i) {
      const __m512 a = _mm512_set1_ps(ap[i]);
      for (int p = 0; p < Panels; ++p)
        acc[i][p] = _mm512_fmadd_ps(a, b[p], acc[i][p]);
    }
  }
  for (int i = 0; i < kMr; ++i)
    for (int p = 0; p < Panels; ++p) {
      float *row = c + i * ldc + p * kGemmNr;
      _mm512_storeu_ps(row, accumulate ? _mm512_add_ps(_mm512_loadu_ps(row), acc[i][p])
                                       : acc[i][p]);
    }
}

LMC_AVX512 void gemmMicro(int64_t kc, int64_t panels, const float *ap, const float *bp, float *c,
                          int64_t ldc, bool accumulate) {
  if (panels == 2)
    gemmTile<2>(kc, ap, bp, c, ldc, accumulate);
  else
    gemmTile<1>(kc, ap, bp, c, ldc, accumulate);
}

// ------------------------------------------------------------------- GEMV

// G consecutive panels of one K block (G FMA chains, one zmm per panel
// row): y[q*16 + j] (+)= sum_k x[k] * b[q*stride + k*16 + j].
template <int G>
LMC_AVX512_INLINE void gemvGroup(int64_t kc, const float *x, const float *b, int64_t stride,
                                 float *y, bool accumulate) {
  __m512 acc[G];
  for (int q = 0; q < G; ++q)
    acc[q] = accumulate ? _mm512_loadu_ps(y + q * kGemmNr) : _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k, b += kGemmNr) {
    const __m512 xv = _mm512_set1_ps(x[k]);
    for (int q = 0; q < G; ++q)
      acc[q] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(b + q * stride), acc[q]);
  }
  for (int q = 0; q < G; ++q)
    _mm512_storeu_ps(y + q * kGemmNr, acc[q]);
}

// y = x @ B over packed panels (matmul_packed, M = 1), eight panels (eight
// independent FMA chains, eight sequential streams of B) at a time. As in
// the AVX2 version, every column is one FMA chain over k in order that
// `accumulate` continues across K blocks: gemvRows' arithmetic.
LMC_AVX512 void gemvPanels(int64_t kc, int64_t panels, const float *x, const float *bp, float *y,
                           bool accumulate) {
  const int64_t stride = kc * kGemmNr;
  int64_t p = 0;
  for (; p + 8 <= panels; p += 8)
    gemvGroup<8>(kc, x, bp + p * stride, stride, y + p * kGemmNr, accumulate);
  if (p + 4 <= panels) {
    gemvGroup<4>(kc, x, bp + p * stride, stride, y + p * kGemmNr, accumulate);
    p += 4;
  }
  for (; p < panels; ++p)
    gemvGroup<1>(kc, x, bp + p * stride, stride, y + p * kGemmNr, accumulate);
}

// G vectors of 16 columns of contiguous rows of B, the last under `last`.
template <int G>
LMC_AVX512_INLINE void gemvRowsBlock(int64_t K, const float *x, const float *col, int64_t ldb,
                                     float *y, __mmask16 last) {
  __m512 acc[G];
  for (int v = 0; v < G; ++v)
    acc[v] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; ++k, col += ldb) {
    const __m512 xv = _mm512_set1_ps(x[k]);
    for (int v = 0; v + 1 < G; ++v)
      acc[v] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(col + 16 * v), acc[v]);
    acc[G - 1] =
        _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(last, col + 16 * (G - 1)), acc[G - 1]);
  }
  for (int v = 0; v + 1 < G; ++v)
    _mm512_storeu_ps(y + 16 * v, acc[v]);
  _mm512_mask_storeu_ps(y + 16 * (G - 1), last, acc[G - 1]);
}

// y = x @ B for contiguous rows of B: 128 columns (8 chains) at a time, the
// rest in one narrower block. Every column is the same FMA chain over k.
LMC_AVX512 void gemvRows(int64_t K, int64_t n, const float *x, const float *b, int64_t ldb,
                         float *y) {
  for (int64_t j = 0; j < n; j += 128) {
    const int64_t rest = n - j;
    const int vectors = rest >= 128 ? 8 : static_cast<int>((rest + 15) / 16);
    const int64_t lastLanes = rest - 16 * (vectors - 1);
    const __mmask16 last = tailMask(lastLanes > 16 ? 16 : lastLanes);
    const float *col = b + j;
    switch (vectors) {
    case 8: gemvRowsBlock<8>(K, x, col, ldb, y + j, last); break;
    case 7: gemvRowsBlock<7>(K, x, col, ldb, y + j, last); break;
    case 6: gemvRowsBlock<6>(K, x, col, ldb, y + j, last); break;
    case 5: gemvRowsBlock<5>(K, x, col, ldb, y + j, last); break;
    case 4: gemvRowsBlock<4>(K, x, col, ldb, y + j, last); break;
    case 3: gemvRowsBlock<3>(K, x, col, ldb, y + j, last); break;
    case 2: gemvRowsBlock<2>(K, x, col, ldb, y + j, last); break;
    default: gemvRowsBlock<1>(K, x, col, ldb, y + j, last); break;
    }
  }
}

// One dot product of length K: two accumulators over 32 floats per step,
// a masked tail into the first, then one horizontal sum.
LMC_AVX512_INLINE float dot(int64_t K, const float *x, const float *b) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + k), _mm512_loadu_ps(b + k), a0);
    a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + k + 16), _mm512_loadu_ps(b + k + 16), a1);
  }
  for (; k < K; k += 16) {
    const __mmask16 m = tailMask(K - k < 16 ? K - k : 16);
    a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + k), _mm512_maskz_loadu_ps(m, b + k), a0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

// y[j] = dot(x, column j): four columns per pass share the loads of x, each
// with the exact arithmetic of dot().
LMC_AVX512 void gemvCols(int64_t K, int64_t n, const float *x, const float *b, int64_t ldb,
                         float *y) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *col[4] = {b + j * ldb, b + (j + 1) * ldb, b + (j + 2) * ldb, b + (j + 3) * ldb};
    __m512 p[4], q[4];
    for (int c = 0; c < 4; ++c)
      p[c] = q[c] = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + 32 <= K; k += 32) {
      const __m512 x0 = _mm512_loadu_ps(x + k), x1 = _mm512_loadu_ps(x + k + 16);
      for (int c = 0; c < 4; ++c) {
        p[c] = _mm512_fmadd_ps(x0, _mm512_loadu_ps(col[c] + k), p[c]);
        q[c] = _mm512_fmadd_ps(x1, _mm512_loadu_ps(col[c] + k + 16), q[c]);
      }
    }
    for (; k < K; k += 16) {
      const __mmask16 m = tailMask(K - k < 16 ? K - k : 16);
      const __m512 x0 = _mm512_maskz_loadu_ps(m, x + k);
      for (int c = 0; c < 4; ++c)
        p[c] = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, col[c] + k), p[c]);
    }
    for (int c = 0; c < 4; ++c)
      y[j + c] = _mm512_reduce_add_ps(_mm512_add_ps(p[c], q[c]));
  }
  for (; j < n; ++j)
    y[j] = dot(K, x, b + j * ldb);
}

// ------------------------------------------------------------ elementwise

// max/min with the reference's semantics (see SimdAvx2.cpp): MAXPS(y, x)
// returns x on ties and unordered lanes; NaN lanes are then set.
LMC_AVX512_INLINE __m512 binaryOp(BinaryFn fn, __m512 x, __m512 y) {
  switch (fn) {
  case BinaryFn::Add: return _mm512_add_ps(x, y);
  case BinaryFn::Sub: return _mm512_sub_ps(x, y);
  case BinaryFn::Mul: return _mm512_mul_ps(x, y);
  case BinaryFn::Div: return _mm512_div_ps(x, y);
  case BinaryFn::Square: return _mm512_mul_ps(x, x);
  case BinaryFn::Cube: return _mm512_mul_ps(_mm512_mul_ps(x, x), x);
  case BinaryFn::Max:
  case BinaryFn::Min: {
    const __m512 r = fn == BinaryFn::Max ? _mm512_max_ps(y, x) : _mm512_min_ps(y, x);
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, y, _CMP_UNORD_Q), r, _mm512_set1_ps(NAN));
  }
  }
  return x;
}

// Specialized per operation and layout by always_inline, as in SimdAvx2.cpp.
LMC_AVX512_INLINE void binaryLoop(BinaryFn fn, const float *a, int64_t sa, const float *b,
                                  int64_t sb, float *o, int64_t n) {
  const __m512 aBroadcast = _mm512_set1_ps(*a), bBroadcast = _mm512_set1_ps(*b);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 x = sa ? _mm512_loadu_ps(a + i) : aBroadcast;
    const __m512 y = sb ? _mm512_loadu_ps(b + i) : bBroadcast;
    _mm512_storeu_ps(o + i, binaryOp(fn, x, y));
  }
  if (i < n) {
    const __mmask16 m = tailMask(n - i);
    const __m512 x = sa ? _mm512_maskz_loadu_ps(m, a + i) : aBroadcast;
    const __m512 y = sb ? _mm512_maskz_loadu_ps(m, b + i) : bBroadcast;
    _mm512_mask_storeu_ps(o + i, m, binaryOp(fn, x, y));
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

LMC_AVX512 void binary(BinaryFn fn, const float *a, int64_t sa, const float *b, int64_t sb,
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

// The polynomials of SimdAvx2.cpp (Cephes expf, tanhf, erff and the erfc
// fit), 16 lanes at a time.
constexpr float kExpLow = -87.0f, kExpHigh = 88.0f, kExpZero = -104.0f;

LMC_AVX512_INLINE __m512 expCore(__m512 x) {
  x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(kExpHigh)), _mm512_set1_ps(kExpLow));
  __m512 fx = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), _mm512_set1_ps(0.5f));
  fx = _mm512_roundscale_ps(fx, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(0.693359375f), x);
  x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(-2.12194440e-4f), x);
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 y = _mm512_set1_ps(1.9875691500e-4f);
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.3981999507e-3f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(8.3334519073e-3f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(4.1665795894e-2f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.6666665459e-1f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(5.0000001201e-1f));
  y = _mm512_add_ps(_mm512_fmadd_ps(y, z, x), _mm512_set1_ps(1.0f));
  const __m512i n = _mm512_add_epi32(_mm512_cvttps_epi32(fx), _mm512_set1_epi32(127));
  return _mm512_mul_ps(y, _mm512_castsi512_ps(_mm512_slli_epi32(n, 23)));
}

// exp with the lanes outside [kExpLow, kExpHigh] from std::exp, except
// those at or below kExpZero, where exp is below half the smallest
// subnormal and rounds to +0 (softmax's masked scores are -inf or -1e9:
// no call for them).
LMC_AVX512_INLINE __m512 expFull(__m512 x) {
  const __mmask16 in = _mm512_cmp_ps_mask(x, _mm512_set1_ps(kExpLow), _CMP_GE_OQ) &
                       _mm512_cmp_ps_mask(x, _mm512_set1_ps(kExpHigh), _CMP_LE_OQ);
  const __mmask16 zero = _mm512_cmp_ps_mask(x, _mm512_set1_ps(kExpZero), _CMP_LE_OQ);
  __m512 y = _mm512_maskz_mov_ps(static_cast<__mmask16>(~zero), expCore(x));
  if (const unsigned bad = ~static_cast<unsigned>(in | zero) & 0xFFFFu) {
    alignas(64) float xs[16], ys[16];
    _mm512_store_ps(xs, x);
    _mm512_store_ps(ys, y);
    for (int i = 0; i < 16; ++i)
      if (bad & (1u << i))
        ys[i] = std::exp(xs[i]);
    y = _mm512_load_ps(ys);
  }
  return y;
}

LMC_AVX512_INLINE __m512 tanhCore(__m512 x) {
  const __m512 signMask = _mm512_set1_ps(-0.0f);
  const __m512 ax = _mm512_abs_ps(x);
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 p = _mm512_set1_ps(-5.70498872745e-3f);
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(2.06390887954e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-5.37397155531e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.33314422036e-1f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-3.33332819422e-1f));
  const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
  const __m512 clamped = _mm512_min_ps(ax, _mm512_set1_ps(9.0f));
  const __m512 e = expCore(_mm512_add_ps(clamped, clamped));
  __m512 large = _mm512_sub_ps(
      _mm512_set1_ps(1.0f),
      _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
  large = _mm512_or_ps(large, _mm512_and_ps(signMask, x));
  const __m512 y = _mm512_mask_blend_ps(
      _mm512_cmp_ps_mask(ax, _mm512_set1_ps(0.625f), _CMP_LT_OQ), large, small);
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), y, x);  // NaN stays NaN
}

LMC_AVX512_INLINE __m512 erfCore(__m512 x) {
  const __m512 signMask = _mm512_set1_ps(-0.0f);
  const __m512 ax = _mm512_min_ps(_mm512_abs_ps(x), _mm512_set1_ps(4.0f));
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 p = _mm512_set1_ps(7.853861353153693e-5f);
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-8.010193625184903e-4f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(5.188327685732524e-3f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-2.685381193529856e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.128358514861418e-1f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-3.761262582423300e-1f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.128379165726710f));
  const __m512 small = _mm512_mul_ps(p, x);
  const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), ax);
  __m512 r = _mm512_set1_ps(-1.917524638e-02f);
  r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(1.266958488e-01f));
  r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(-3.655177589e-01f));
  r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(5.871440317e-01f));
  r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(-5.124871296e-01f));
  r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(5.319334632e-02f));
  r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(5.573523462e-01f));
  r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(3.781576443e-04f));
  const __m512 e = expCore(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(ax, ax)));
  __m512 large = _mm512_fnmadd_ps(e, r, _mm512_set1_ps(1.0f));
  large = _mm512_or_ps(large, _mm512_and_ps(signMask, x));
  const __m512 y = _mm512_mask_blend_ps(
      _mm512_cmp_ps_mask(ax, _mm512_set1_ps(1.0f), _CMP_LT_OQ), large, small);
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), y, x);
}

#define LMC_UNARY_ARRAY(NAME, CORE)                                                               \
  LMC_AVX512 void NAME(const float *x, float *y, int64_t n) {                                     \
    int64_t i = 0;                                                                                \
    for (; i + 16 <= n; i += 16)                                                                  \
      _mm512_storeu_ps(y + i, CORE(_mm512_loadu_ps(x + i)));                                      \
    if (i < n) {                                                                                  \
      const __mmask16 m = tailMask(n - i);                                                        \
      _mm512_mask_storeu_ps(y + i, m, CORE(_mm512_maskz_loadu_ps(m, x + i)));                     \
    }                                                                                             \
  }
// gelu in one pass: 0.5 x (1 + tanh(k (x + 0.044715 x^3))) with k =
// sqrt(2 / pi), or 0.5 x (1 + erf(x / sqrt(2))), the reference's formulas.
LMC_AVX512_INLINE __m512 geluTanhCore(__m512 x) {
  const __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
  const __m512 inner = _mm512_mul_ps(_mm512_set1_ps(0.7978845608f),
                                     _mm512_fmadd_ps(_mm512_set1_ps(0.044715f), x3, x));
  const __m512 half = _mm512_mul_ps(_mm512_set1_ps(0.5f), x);
  return _mm512_fmadd_ps(half, tanhCore(inner), half);
}
LMC_AVX512_INLINE __m512 geluErfCore(__m512 x) {
  const __m512 half = _mm512_mul_ps(_mm512_set1_ps(0.5f), x);
  return _mm512_fmadd_ps(half, erfCore(_mm512_mul_ps(x, _mm512_set1_ps(0.7071067812f))), half);
}

LMC_UNARY_ARRAY(expArray, expFull)
LMC_UNARY_ARRAY(tanhArray, tanhCore)
LMC_UNARY_ARRAY(erfArray, erfCore)
LMC_UNARY_ARRAY(geluTanhArray, geluTanhCore)
LMC_UNARY_ARRAY(geluErfArray, geluErfCore)
#undef LMC_UNARY_ARRAY

// ------------------------------------------------------- normalizations

// The f64 lanes of a vector's low and high eight floats.
LMC_AVX512_INLINE __m512d lowHalf(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
LMC_AVX512_INLINE __m512d highHalf(__m512 v) {
  return _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1));
}

// softmax of one contiguous lane: the max, exp(x - max) in f32, the sum in
// f64, then one multiplication by the reciprocal (as SimdAvx2.cpp).
LMC_AVX512 void softmaxRow(const float *x, float *y, int64_t n) {
  const __m512 negInf = _mm512_set1_ps(-INFINITY);
  __m512 mx = negInf;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    mx = _mm512_max_ps(mx, _mm512_loadu_ps(x + i));
  if (i < n)
    mx = _mm512_max_ps(mx, _mm512_mask_loadu_ps(negInf, tailMask(n - i), x + i));
  const __m512 maxv = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
  for (i = 0; i + 16 <= n; i += 16) {
    const __m512 e = expFull(_mm512_sub_ps(_mm512_loadu_ps(x + i), maxv));
    _mm512_storeu_ps(y + i, e);
    s0 = _mm512_add_pd(s0, lowHalf(e));
    s1 = _mm512_add_pd(s1, highHalf(e));
  }
  if (i < n) {
    const __mmask16 m = tailMask(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    const __m512 e = _mm512_maskz_mov_ps(m, expFull(_mm512_sub_ps(v, maxv)));
    _mm512_mask_storeu_ps(y + i, m, e);
    s0 = _mm512_add_pd(s0, lowHalf(e));
    s1 = _mm512_add_pd(s1, highHalf(e));
  }
  const __m512 inv =
      _mm512_set1_ps(static_cast<float>(1.0 / _mm512_reduce_add_pd(_mm512_add_pd(s0, s1))));
  for (i = 0; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(y + i), inv));
  if (i < n) {
    const __mmask16 m = tailMask(n - i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + i), inv));
  }
}

// layer_norm of one contiguous block in f64 lanes like the reference (two
// passes: mean, then variance around it), eight elements per vector.
LMC_AVX512 void layerNormRow(const float *x, const float *scale, const float *bias, float *y,
                             int64_t n, double epsilon) {
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm256_loadu_ps(x + i)));
    s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8)));
  }
  for (; i < n; i += 8) {
    const __mmask8 m = tailMask8(n - i < 8 ? n - i : 8);
    s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, x + i)));
  }
  const double mean = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1)) / static_cast<double>(n);
  const __m512d meanv = _mm512_set1_pd(mean);
  s0 = _mm512_setzero_pd();
  s1 = _mm512_setzero_pd();
  for (i = 0; i + 16 <= n; i += 16) {
    const __m512d d0 = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)), meanv);
    const __m512d d1 = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8)), meanv);
    s0 = _mm512_fmadd_pd(d0, d0, s0);
    s1 = _mm512_fmadd_pd(d1, d1, s1);
  }
  for (; i < n; i += 8) {
    const __mmask8 m = tailMask8(n - i < 8 ? n - i : 8);
    const __m512d v = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, x + i));
    const __m512d d = _mm512_maskz_sub_pd(m, v, meanv);  // 0 past the end
    s0 = _mm512_fmadd_pd(d, d, s0);
  }
  const double var = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1)) / static_cast<double>(n);
  const __m512d invv = _mm512_set1_pd(1.0 / std::sqrt(var + epsilon));
  for (i = 0; i < n; i += 8) {
    const __mmask8 m = tailMask8(n - i < 8 ? n - i : 8);
    const __m512d v = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, x + i));
    __m512d d = _mm512_mul_pd(_mm512_sub_pd(v, meanv), invv);
    d = _mm512_mul_pd(d, _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, scale + i)));
    if (bias)
      d = _mm512_add_pd(d, _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, bias + i)));
    _mm256_mask_storeu_ps(y + i, m, _mm512_cvtpd_ps(d));
  }
}

const SimdOps kAvx512Ops = {"avx512",     kMr,      2,         gemmMicro, gemvPanels,
                            gemvRows,     gemvCols, binary,    expArray,  tanhArray,
                            erfArray,     softmaxRow, layerNormRow, geluTanhArray,
                            geluErfArray};

// AVX-512 F/BW/VL/DQ and FMA on the CPU, and an OS that saves the SSE, AVX,
// opmask and zmm state (XCR0 bits 1, 2 and 5 to 7) across context switches.
bool avx512Usable() {
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512dq") ||
      !__builtin_cpu_supports("fma"))
    return false;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE))
    return false;
  unsigned xcr0, xcr0High;
  __asm__("xgetbv" : "=a"(xcr0), "=d"(xcr0High) : "c"(0));
  return (xcr0 & 0xE6u) == 0xE6u;
}

}  // namespace

const SimdOps *avx512SimdOps() {
  static const bool supported = avx512Usable();
  return supported ? &kAvx512Ops : nullptr;
}

}  // namespace lmc::kernels

#else  // not x86-64 with GCC/Clang: no AVX-512 routines.

namespace lmc::kernels {
const SimdOps *avx512SimdOps() { return nullptr; }
}  // namespace lmc::kernels

#endif
