// Builds a .bin in memory and writes it atomically. Deterministic: the bytes
// depend only on the calls made, in their order.
#ifndef LMC_FORMAT_WRITER_H
#define LMC_FORMAT_WRITER_H

#include <cstdint>
#include <functional>
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
  // constants section. addConstant copies the bytes; addConstantView keeps a
  // pointer, valid until the file is written (large weights are not copied).
  uint64_t addConstant(const void *data, size_t size);
  uint64_t addConstantView(const void *data, size_t size);
  // Reserves `size` bytes that `fill(out)` writes (out 8-byte aligned) when
  // the file is serialized, so a derived constant (a packed weight) never
  // needs to exist in memory beside every other one. fill must be
  // deterministic and stay callable until then.
  using ConstantFill = std::function<void(uint8_t *out)>;
  uint64_t addConstantFill(size_t size, ConstantFill fill);

  // Appends one instruction. `operands` are outputs first, then inputs;
  // `chip` the chip it runs on (multi-chip files, F11).
  void addInstruction(Opcode opcode, Unit unit, uint64_t cycle, uint32_t location,
                      const std::vector<Region> &operands, const std::vector<int64_t> &imms,
                      uint16_t chip = 0);

  size_t instructionCount() const { return instructionCount_; }
  // The version the header will carry: the newest any added opcode needs.
  uint32_t formatVersion() const { return formatVersion_; }
  // Bytes of constants added so far (where the next one would start, before
  // alignment).
  uint64_t constantsSize() const { return constantsSize_; }

  // Serializes the whole file (sets metadata.instruction_count).
  std::vector<uint8_t> finish(const std::string &compilerVersion);

  // Writes the same bytes as finish() to `path + ".tmp"` as they are
  // produced (no whole-file image in memory) and renames it to `path`, so a
  // failure never leaves a partial file at `path`.
  absl::Status writeFile(const std::string &path, const std::string &compilerVersion);

private:
  Metadata metadata_;
  IoSignature io_;
  LocationTable locations_;
  struct Chunk {
    uint64_t offset;
    const uint8_t *data;
    size_t size;
    std::vector<uint8_t> owned;
    ConstantFill fill;  // set: data is null, fill makes the bytes
  };
  std::vector<Chunk> constants_;
  uint64_t constantsSize_ = 0;
  // Serializes the file in order through `sink`; returns the checksum.
  template <typename Sink> uint64_t stream(const std::string &compilerVersion, Sink &&sink);
  std::vector<uint8_t> instructions_;
  size_t instructionCount_ = 0;
  uint32_t formatVersion_ = kMinFormatVersion;
};

// Helpers to build a contiguous region of `shape` at `offset` in `space`.
Region makeRegion(Space space, DType dtype, const std::vector<int64_t> &shape, uint64_t offset,
                  uint32_t buffer = 0);

}  // namespace lmc::format

#endif  // LMC_FORMAT_WRITER_H
