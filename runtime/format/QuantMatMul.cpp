// Quantization rules and the packed layout of matmul_q's B (FORMAT.md,
// "Quantized B").
#include "runtime/format/QuantMatMul.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace lmc::format {
namespace {

// nearbyint(v) clamped to [-limit, limit]; NaN gives 0 (so a non-finite
// input never reaches an undefined float-to-integer conversion).
int8_t roundClamped(float v, float limit) {
  if (!(v == v))
    return 0;
  return int8_t(std::clamp(std::nearbyint(v), -limit, limit));
}

}  // namespace

const char *quantSchemeName(int64_t scheme) {
  switch (scheme) {
  case int64_t(QuantScheme::Int8):
    return "int8";
  case int64_t(QuantScheme::Int4):
    return "int4";
  case int64_t(QuantScheme::Ternary):
    return "ternary";
  default:
    return "";
  }
}

int quantSchemeBits(QuantScheme scheme) {
  switch (scheme) {
  case QuantScheme::Int8:
    return 8;
  case QuantScheme::Int4:
    return 4;
  case QuantScheme::Ternary:
    return 2;
  }
  return 0;
}

std::string checkQuantParams(int64_t scheme, int64_t K, int64_t N, int64_t G) {
  if (*quantSchemeName(scheme) == '\0')
    return absl::StrCat("quantization scheme ", scheme,
                        " is not one of 1 (int8), 2 (int4), 3 (ternary)");
  if (K < 1 || N < 0)
    return absl::StrCat("K = ", K, ", N = ", N, "; expected K >= 1 and N >= 0");
  if (G < 1 || G > K || (G != K && G % 8 != 0))
    return absl::StrCat("group size ", G, " with K = ", K,
                        "; expected G == K or a multiple of 8 in [8, K]");
  return "";
}

int64_t quantPaddedK(QuantScheme scheme, int64_t K) {
  const int64_t multiple = scheme == QuantScheme::Int4 ? 8 : 4;
  return (K + multiple - 1) / multiple * multiple;
}

int64_t quantPanelBytes(QuantScheme scheme, int64_t K) {
  if (K < 1 || K > (int64_t(1) << 56))
    return -1;
  // 16 columns of Kp rows at 8, 4 or 2 bits per weight.
  return quantPaddedK(scheme, K) * kQuantPanel * quantSchemeBits(scheme) / 8;
}

int64_t quantPackedBytes(QuantScheme scheme, int64_t K, int64_t N) {
  const int64_t panel = quantPanelBytes(scheme, K);
  if (panel < 0 || N < 0)
    return -1;
  const int64_t panels = (N + kQuantPanel - 1) / kQuantPanel;
  if (panels != 0 && panel > INT64_MAX / panels)
    return -1;
  return panels * panel;
}

void quantizeWeights(QuantScheme scheme, const float *w, int64_t rowStride, int64_t colStride,
                     int64_t K, int64_t N, int64_t G, int8_t *q, float *scales) {
  auto at = [&](int64_t k, int64_t n) { return w[k * rowStride + n * colStride]; };
  const int64_t groups = quantGroups(K, G);
  if (scheme == QuantScheme::Ternary) {
    double sum = 0;
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n)
        sum += std::fabs(double(at(k, n)));
    const float s = K * N == 0 ? 0.0f : float(sum / double(K * N));
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n)
        q[k * N + n] =
            s == 0.0f ? 0 : roundClamped(at(k, n) / s, 1.0f);
    std::fill(scales, scales + groups * N, s);
    return;
  }
  const float levels = scheme == QuantScheme::Int8 ? 127.0f : 7.0f;
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t k0 = g * G, k1 = std::min(K, k0 + G);
    for (int64_t n = 0; n < N; ++n) {
      float amax = 0;
      for (int64_t k = k0; k < k1; ++k)
        amax = std::max(amax, std::fabs(at(k, n)));
      const float inv = amax == 0.0f ? 0.0f : levels / amax;
      for (int64_t k = k0; k < k1; ++k)
        q[k * N + n] = roundClamped(at(k, n) * inv, levels);
      scales[g * N + n] = amax / levels;
    }
  }
}

namespace {

// Byte offset of B[k][c] inside its panel (int8 and int4; for int4 the
// nibble is (k % 8) / 4, low first).
int64_t panelByte(QuantScheme scheme, int64_t k, int64_t c) {
  if (scheme == QuantScheme::Int8)
    return (k / 4) * 64 + c * 4 + k % 4;
  return (k / 8) * 64 + c * 4 + k % 4;
}

}  // namespace

void packQuantWeights(QuantScheme scheme, const int8_t *q, int64_t K, int64_t N, uint8_t *dst) {
  const int64_t panelBytes = quantPanelBytes(scheme, K);
  const int64_t panels = (N + kQuantPanel - 1) / kQuantPanel;
  std::memset(dst, 0, size_t(panels * panelBytes));
  for (int64_t p = 0; p < panels; ++p) {
    uint8_t *panel = dst + p * panelBytes;
    const int64_t kp = quantPaddedK(scheme, K);
    for (int64_t k = 0; k < kp; ++k) {
      uint16_t plus = 0, minus = 0;
      for (int64_t c = 0; c < kQuantPanel; ++c) {
        const int64_t n = p * kQuantPanel + c;
        const int v = k < K && n < N ? q[k * N + n] : 0;
        switch (scheme) {
        case QuantScheme::Int8:
          panel[panelByte(scheme, k, c)] = uint8_t(v + 128);
          break;
        case QuantScheme::Int4:
          panel[panelByte(scheme, k, c)] |= uint8_t((v + 8) << ((k % 8) / 4 * 4));
          break;
        case QuantScheme::Ternary:
          plus |= uint16_t(v > 0) << c;
          minus |= uint16_t(v < 0) << c;
          break;
        }
      }
      if (scheme == QuantScheme::Ternary) {
        uint8_t *row = panel + k * 4;
        row[0] = uint8_t(plus), row[1] = uint8_t(plus >> 8);
        row[2] = uint8_t(minus), row[3] = uint8_t(minus >> 8);
      }
    }
  }
}

int8_t unpackQuantWeight(QuantScheme scheme, const uint8_t *packed, int64_t K, int64_t k,
                         int64_t n) {
  const uint8_t *panel = packed + (n / kQuantPanel) * quantPanelBytes(scheme, K);
  const int64_t c = n % kQuantPanel;
  switch (scheme) {
  case QuantScheme::Int8:
    return int8_t(int(panel[panelByte(scheme, k, c)]) - 128);
  case QuantScheme::Int4:
    return int8_t(int((panel[panelByte(scheme, k, c)] >> ((k % 8) / 4 * 4)) & 15) - 8);
  case QuantScheme::Ternary: {
    const uint8_t *row = panel + k * 4;
    const unsigned plus = row[0] | unsigned(row[1]) << 8, minus = row[2] | unsigned(row[3]) << 8;
    return int8_t(int((plus >> c) & 1) - int((minus >> c) & 1));
  }
  }
  return 0;
}

float quantizeActivationRow(const float *x, int64_t stride, int64_t K, int8_t *q) {
  float amax = 0;
  for (int64_t k = 0; k < K; ++k)
    amax = std::max(amax, std::fabs(x[k * stride]));
  if (amax == 0.0f) {
    std::fill(q, q + K, int8_t(0));
    return 0.0f;
  }
  const float inv = 127.0f / amax;
  for (int64_t k = 0; k < K; ++k)
    q[k] = roundClamped(x[k * stride] * inv, 127.0f);
  return amax / 127.0f;
}

}  // namespace lmc::format
