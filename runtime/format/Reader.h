// Opens a .bin (mmap), verifies every rule of FORMAT.md before returning,
// and gives read-only access to its parts.
#ifndef LMC_FORMAT_READER_H
#define LMC_FORMAT_READER_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/format/Format.h"
#include "absl/status/statusor.h"
#include "runtime/format/metadata.pb.h"

namespace lmc::format {

// A decoded view of one instruction record (pointers into the mapping).
struct InstructionView {
  const InstructionHeader *header;
  const Region *operands;  // header->numOperands entries, outputs first
  const int64_t *imms;     // header->numImms entries
  uint64_t fileOffset;     // byte offset of the record in the file
  Opcode opcode() const { return static_cast<Opcode>(header->opcode); }
};

class BinFile {
public:
  // Maps and verifies `path`. Errors read
  // "<path>: invalid .bin (F13: ...): <what to do>".
  static absl::StatusOr<std::unique_ptr<BinFile>> open(const std::string &path);
  // Verifies an in-memory image (copied); `name` is used in messages.
  static absl::StatusOr<std::unique_ptr<BinFile>> fromBytes(const std::string &name,
                                                            const uint8_t *data, size_t size);
  ~BinFile();
  BinFile(const BinFile &) = delete;
  BinFile &operator=(const BinFile &) = delete;

  const std::string &path() const { return path_; }
  const FileHeader &header() const { return *reinterpret_cast<const FileHeader *>(data_); }
  const std::vector<SectionEntry> &sections() const { return sections_; }
  const Metadata &metadata() const { return metadata_; }
  const IoSignature &io() const { return io_; }
  const LocationTable &locations() const { return locations_; }
  const uint8_t *constants() const { return constants_; }
  uint64_t constantsSize() const { return constantsSize_; }
  const std::vector<InstructionView> &instructions() const { return instructions_; }
  // "node 'h0/attn/MatMul' (MatMul)" for an instruction, for messages.
  std::string describeLocation(uint32_t location) const;

private:
  BinFile() = default;
  absl::Status verify();
  // F18's cut attention entries, once the records are read.
  absl::Status checkKvCuts() const;
  // "<path>: invalid .bin (<rule>: <what>): <advice>".
  absl::Status invalid(const char *rule, const std::string &what) const;

  std::string path_;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::vector<uint8_t> owned_;
  std::vector<SectionEntry> sections_;
  Metadata metadata_;
  IoSignature io_;
  LocationTable locations_;
  const uint8_t *constants_ = nullptr;
  uint64_t constantsSize_ = 0;
  std::vector<InstructionView> instructions_;
};

}  // namespace lmc::format

#endif  // LMC_FORMAT_READER_H
