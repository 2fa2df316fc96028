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
  ChecksumBuilder builder(skipOffset);
  builder.update(data, size);
  return builder.finish();
}

ChecksumBuilder::ChecksumBuilder(size_t skipOffset) : skip_(skipOffset) {
  for (uint64_t k = 0; k < 4; ++k)
    lanes_[k] = kSeed + k;
}

void ChecksumBuilder::word(uint64_t w) {
  lanes_[words_ & 3] = step(lanes_[words_ & 3], w);
  ++words_;
}

void ChecksumBuilder::update(const uint8_t *data, size_t size) {
  for (size_t i = 0; i < size;) {
    // Blocks of four whole words, one per lane in lane order, when the next
    // word goes to lane 0 and the block is clear of the skipped field: the
    // four multiply chains are independent, so they overlap in the CPU.
    if (partialSize_ == 0 && (words_ & 3) == 0) {
      uint64_t a = lanes_[0], b = lanes_[1], c = lanes_[2], d = lanes_[3];
      size_t blocks = 0;
      while (size - i >= 32 && (total_ + 32 <= skip_ || total_ >= skip_ + 8)) {
        a = step(a, loadLe(data + i));
        b = step(b, loadLe(data + i + 8));
        c = step(c, loadLe(data + i + 16));
        d = step(d, loadLe(data + i + 24));
        i += 32;
        total_ += 32;
        ++blocks;
      }
      lanes_[0] = a, lanes_[1] = b, lanes_[2] = c, lanes_[3] = d;
      words_ += 4 * blocks;
      if (i == size)
        break;
    }
    // Whole words straight from the input when aligned to the word grid and
    // clear of the skipped field.
    if (partialSize_ == 0 && size - i >= 8 &&
        (total_ + 8 <= skip_ || total_ >= skip_ + 8)) {
      word(loadLe(data + i));
      i += 8;
      total_ += 8;
      continue;
    }
    bool skipped = total_ >= skip_ && total_ < skip_ + 8;
    partial_[partialSize_++] = skipped ? 0 : data[i];
    ++i;
    ++total_;
    if (partialSize_ == 8) {
      word(loadLe(partial_));
      partialSize_ = 0;
    }
  }
}

uint64_t ChecksumBuilder::finish() {
  // A trailing partial word (not produced by the writer) is zero-padded.
  if (partialSize_) {
    std::memset(partial_ + partialSize_, 0, 8 - partialSize_);
    word(loadLe(partial_));
    partialSize_ = 0;
  }
  uint64_t h = total_;
  for (uint64_t lane : lanes_)
    h = step(h, lane);
  return h;
}

}  // namespace lmc::format
