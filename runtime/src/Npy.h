// Reads and writes NumPy .npy files (format versions 1.0, 2.0 and 3.0;
// little-endian, C order) for `lmc run` and tests.
#ifndef LMC_RUNTIME_NPY_H
#define LMC_RUNTIME_NPY_H

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/format/Format.h"

namespace lmc::runtime {

struct NpyArray {
  format::DType dtype = format::DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;  // row-major, packed, little-endian
};

// Parses an in-memory .npy; `name` prefixes error messages.
absl::StatusOr<NpyArray> parseNpy(const std::string &name, const uint8_t *bytes, size_t size);
absl::StatusOr<NpyArray> readNpy(const std::string &path);

// The .npy image of an array (version 1.0 unless the header needs 2.0).
absl::StatusOr<std::vector<uint8_t>> encodeNpy(format::DType dtype,
                                               const std::vector<int64_t> &shape,
                                               const void *data, size_t bytes);
// Writes atomically (path.tmp, then rename).
absl::Status writeNpy(const std::string &path, format::DType dtype,
                      const std::vector<int64_t> &shape, const void *data, size_t bytes);

// The numpy descr of a dtype ("<f4", "|b1", ...).
const char *npyDescr(format::DType dtype);

}  // namespace lmc::runtime

#endif  // LMC_RUNTIME_NPY_H
