// The .bin checksum (FORMAT.md F4): four interleaved multiply-rotate lanes.
#include "runtime/format/Checksum.h"

#include <cstring>

namespace lmc::format {
namespace {

constexpr uint64_t kPrime = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kSeed = 0x243F6A8885A308D3ull;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
// Bijective in both `h` and `word` (kPrime is odd), so changing any one
// word always changes the lane and hence the result.
inline uint64_t step(uint64_t h, uint64_t word) { return rotl((h ^ word) * kPrime, 31); }

inline uint64_t loadLe(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

}  // namespace

uint64_t checksum(const uint8_t *data, size_t size, size_t skipOffset) {
  uint64_t lanes[4] = {kSeed, kSeed + 1, kSeed + 2, kSeed + 3};
  size_t words = size / 8;
  for (size_t w = 0; w < words; ++w) {
    size_t at = w * 8;
    uint64_t word;
    if (at + 8 <= skipOffset || at >= skipOffset + 8) {
      word = loadLe(data + at);
    } else {
      // The word overlaps the skipped field: read those bytes as zero.
      uint8_t tmp[8];
      std::memcpy(tmp, data + at, 8);
      for (size_t i = 0; i < 8; ++i)
        if (at + i >= skipOffset && at + i < skipOffset + 8)
          tmp[i] = 0;
      word = loadLe(tmp);
    }
    lanes[w & 3] = step(lanes[w & 3], word);
  }
  // A trailing partial word (not produced by the writer) is zero-padded.
  if (size % 8) {
    uint8_t tmp[8] = {0};
    std::memcpy(tmp, data + words * 8, size % 8);
    lanes[words & 3] = step(lanes[words & 3], loadLe(tmp));
  }
  uint64_t h = static_cast<uint64_t>(size);
  for (uint64_t lane : lanes)
    h = step(h, lane);
  return h;
}

}  // namespace lmc::format
