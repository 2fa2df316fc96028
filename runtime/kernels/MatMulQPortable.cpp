// matmul_q's portable tile routine (FastQuant.h): plain C++ over one panel
// and up to four rows at a time, the reference kernel's arithmetic (the
// f32 part in the same order), reading B's packed panels in place.
#include <algorithm>
#include <cstring>

#include "runtime/kernels/FastQuant.h"

namespace lmc::kernels {
namespace {

using format::QuantScheme;

constexpr int kMr = 4;
constexpr int kNr = int(format::kQuantPanel);

float quantizeRow(const float *x, int64_t K, int8_t *q) {
  return format::quantizeActivationRow(x, 1, K, q);
}

// acc[i][j] += the dot products of rows [k0, k1) of one panel with the
// MR activation rows q[i]. int8 and int4 weights are stored as q + 128 and
// q + 8 (unsigned); the caller starts acc at -offset * sum(q_a).
template <int MR>
void dotInt8(const uint8_t *panel, const int8_t *const *q, int64_t k0, int64_t k1,
             int32_t (&acc)[MR][kNr]) {
  for (int64_t k = k0; k < k1; k += 4) {
    const uint8_t *block = panel + k * kNr;  // 4 rows x 16 columns, (k / 4) * 64
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < kNr; ++j)
        for (int t = 0; t < 4; ++t)
          acc[i][j] += int32_t(block[j * 4 + t]) * int32_t(q[i][k + t]);
  }
}

template <int MR>
void dotInt4(const uint8_t *panel, const int8_t *const *q, int64_t k0, int64_t k1,
             int32_t (&acc)[MR][kNr]) {
  for (int64_t k = k0; k < k1; k += 8) {
    const uint8_t *block = panel + k * kNr / 2;  // 8 rows x 16 columns, (k / 8) * 64
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < kNr; ++j)
        for (int t = 0; t < 4; ++t) {
          const int32_t byte = block[j * 4 + t];
          acc[i][j] += (byte & 15) * int32_t(q[i][k + t]) + (byte >> 4) * int32_t(q[i][k + 4 + t]);
        }
  }
}

// Ternary: masked additions and subtractions only.
template <int MR>
void dotTernary(const uint8_t *panel, const int8_t *const *q, int64_t k0, int64_t k1,
                int32_t (&acc)[MR][kNr]) {
  for (int64_t k = k0; k < k1; ++k) {
    const uint8_t *row = panel + k * 4;
    const uint32_t plus = row[0] | uint32_t(row[1]) << 8, minus = row[2] | uint32_t(row[3]) << 8;
    for (int i = 0; i < MR; ++i) {
      const int32_t x = q[i][k];
      for (int j = 0; j < kNr; ++j)
        acc[i][j] += (x & -int32_t(plus >> j & 1)) - (x & -int32_t(minus >> j & 1));
    }
  }
}

// Rows [i0, i0 + MR) of the tile times its panel p.
template <QuantScheme S, int MR>
void micro(const QuantShape &s, const QuantRows &a, const QuantTile &t, int64_t i0, int64_t p) {
  const int8_t *q[MR];
  for (int i = 0; i < MR; ++i)
    q[i] = a.q + (i0 + i) * a.qStride;
  const uint8_t *panel = t.b + p * s.panelBytes;
  const int32_t offset = S == QuantScheme::Int8 ? 128 : S == QuantScheme::Int4 ? 8 : 0;
  float sum[MR][kNr] = {};
  for (int64_t g = 0; g < s.groups; ++g) {
    const int64_t k0 = g * s.G, k1 = g + 1 == s.groups ? s.Kp : k0 + s.G;
    int32_t acc[MR][kNr];
    for (int i = 0; i < MR; ++i)
      std::fill(acc[i], acc[i] + kNr, -offset * a.sums[(i0 + i) * s.groups + g]);
    if (S == QuantScheme::Int8)
      dotInt8<MR>(panel, q, k0, k1, acc);
    else if (S == QuantScheme::Int4)
      dotInt4<MR>(panel, q, k0, k1, acc);
    else
      dotTernary<MR>(panel, q, k0, k1, acc);
    const float *scales = t.scales + g * t.scaleStride + p * kNr;
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < kNr; ++j)
        sum[i][j] += scales[j] * float(acc[i][j]);
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < kNr; ++j)
      t.o[(i0 + i) * t.ldo + p * kNr + j] = a.scale[i0 + i] * sum[i][j];
}

template <QuantScheme S>
void tileScheme(const QuantShape &s, const QuantRows &a, const QuantTile &t) {
  for (int64_t p = 0; p < t.panels; ++p) {
    int64_t i = 0;
    for (; i + kMr <= t.rows; i += kMr)
      micro<S, kMr>(s, a, t, i, p);
    switch (t.rows - i) {
    case 3: micro<S, 3>(s, a, t, i, p); break;
    case 2: micro<S, 2>(s, a, t, i, p); break;
    case 1: micro<S, 1>(s, a, t, i, p); break;
    default: break;
    }
  }
}

void tile(const QuantShape &s, const QuantRows &a, const QuantTile &t) {
  switch (s.scheme) {
  case QuantScheme::Int8: return tileScheme<QuantScheme::Int8>(s, a, t);
  case QuantScheme::Int4: return tileScheme<QuantScheme::Int4>(s, a, t);
  case QuantScheme::Ternary: return tileScheme<QuantScheme::Ternary>(s, a, t);
  }
}

const QuantOps kPortableQuantOps = {"portable", quantizeRow, tile};

}  // namespace

const QuantOps &portableQuantOps() { return kPortableQuantOps; }

}  // namespace lmc::kernels
