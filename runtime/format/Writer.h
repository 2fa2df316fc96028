// Builds a .bin in memory and writes it atomically. Deterministic: the bytes
// depend only on the calls made, in their order.
#ifndef LMC_FORMAT_WRITER_H
#define LMC_FORMAT_WRITER_H

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/format/Format.h"
#include "absl/status/status.h"
#include "runtime/format/metadata.pb.h"

namespace lmc::format {

class Writer {
public:
  Writer();

  Metadata &metadata() { return metadata_; }
  IoSignature &io() { return io_; }

  // Appends a location; returns its index. Index 0 is the unnamed location,
  // present from the start.
  uint32_t addLocation(const std::string &nodeName, const std::string &opType);

  // Appends constant bytes, 64-byte aligned; returns their offset in the
  // constants section.
  uint64_t addConstant(const void *data, size_t size);

  // Appends one instruction. `operands` are outputs first, then inputs.
  void addInstruction(Opcode opcode, Unit unit, uint64_t cycle, uint32_t location,
                      const std::vector<Region> &operands, const std::vector<int64_t> &imms);

  size_t instructionCount() const { return instructionCount_; }

  // Serializes the whole file (sets metadata.instruction_count).
  std::vector<uint8_t> finish(const std::string &compilerVersion);

  // finish(), then writes to `path + ".tmp"` and renames it to `path`, so a
  // failure never leaves a partial file at `path`.
  absl::Status writeFile(const std::string &path, const std::string &compilerVersion);

private:
  Metadata metadata_;
  IoSignature io_;
  LocationTable locations_;
  std::vector<uint8_t> constants_;
  std::vector<uint8_t> instructions_;
  size_t instructionCount_ = 0;
};

// Helpers to build a contiguous region of `shape` at `offset` in `space`.
Region makeRegion(Space space, DType dtype, const std::vector<int64_t> &shape, uint64_t offset,
                  uint32_t buffer = 0);

}  // namespace lmc::format

#endif  // LMC_FORMAT_WRITER_H
