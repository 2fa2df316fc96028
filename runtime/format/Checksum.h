// The .bin checksum (FORMAT.md F4).
#ifndef LMC_FORMAT_CHECKSUM_H
#define LMC_FORMAT_CHECKSUM_H

#include <cstddef>
#include <cstdint>

namespace lmc::format {

// Hash of `size` bytes (size a multiple of 8), the 8 bytes at
// `skipOffset` read as zero. Four interleaved lanes of
// h = rotl((h ^ word) * P, 31), combined at the end.
uint64_t checksum(const uint8_t *data, size_t size, size_t skipOffset);

// The same hash fed in pieces of any size, for writing a file without
// holding all of it in memory.
class ChecksumBuilder {
public:
  explicit ChecksumBuilder(size_t skipOffset);
  void update(const uint8_t *data, size_t size);
  uint64_t finish();

private:
  void word(uint64_t w);
  size_t skip_;
  uint64_t lanes_[4];
  uint64_t words_ = 0;   // whole words consumed
  uint64_t total_ = 0;   // bytes consumed
  uint8_t partial_[8] = {0};
  size_t partialSize_ = 0;
};

}  // namespace lmc::format

#endif  // LMC_FORMAT_CHECKSUM_H
