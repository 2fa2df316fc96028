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

}  // namespace lmc::format

#endif  // LMC_FORMAT_CHECKSUM_H
