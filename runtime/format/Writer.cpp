// Builds a .bin image (FORMAT.md) and writes it atomically.
#include "runtime/format/Writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "runtime/format/Checksum.h"

namespace lmc::format {
namespace {

uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// Deterministic serialization: no maps today, but this keeps it so if a
// map field is ever added.
std::string serialize(const google::protobuf::MessageLite &message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

template <typename T> void appendPod(std::vector<uint8_t> &out, const T &value) {
  const uint8_t *p = reinterpret_cast<const uint8_t *>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

}  // namespace

Writer::Writer() { locations_.add_locations(); }

uint32_t Writer::addLocation(const std::string &nodeName, const std::string &opType) {
  Location *loc = locations_.add_locations();
  loc->set_node_name(nodeName);
  loc->set_op_type(opType);
  return static_cast<uint32_t>(locations_.locations_size() - 1);
}

uint64_t Writer::addConstant(const void *data, size_t size) {
  uint64_t offset = alignUp(constants_.size(), kConstantAlign);
  constants_.resize(offset, 0);
  const uint8_t *p = static_cast<const uint8_t *>(data);
  constants_.insert(constants_.end(), p, p + size);
  return offset;
}

void Writer::addInstruction(Opcode opcode, Unit unit, uint64_t cycle, uint32_t location,
                            const std::vector<Region> &operands,
                            const std::vector<int64_t> &imms) {
  InstructionHeader header;
  std::memset(&header, 0, sizeof(header));
  header.opcode = static_cast<uint16_t>(opcode);
  header.unit = static_cast<uint8_t>(unit);
  header.numOperands = static_cast<uint8_t>(operands.size());
  header.numImms = static_cast<uint16_t>(imms.size());
  header.location = location;
  header.size = static_cast<uint32_t>(recordSize(operands.size(), imms.size()));
  header.cycle = cycle;
  appendPod(instructions_, header);
  for (const Region &r : operands)
    appendPod(instructions_, r);
  for (int64_t imm : imms)
    appendPod(instructions_, imm);
  ++instructionCount_;
}

std::vector<uint8_t> Writer::finish(const std::string &compilerVersion) {
  metadata_.set_instruction_count(static_cast<uint32_t>(instructionCount_));
  if (metadata_.compiler_version().empty())
    metadata_.set_compiler_version(compilerVersion);
  std::string metadataBytes = serialize(metadata_);
  std::string ioBytes = serialize(io_);
  std::string locationBytes = serialize(locations_);

  struct Part {
    SectionKind kind;
    const uint8_t *data;
    size_t size;
  };
  const Part parts[kNumSectionKinds] = {
      {SectionKind::Metadata, reinterpret_cast<const uint8_t *>(metadataBytes.data()),
       metadataBytes.size()},
      {SectionKind::Io, reinterpret_cast<const uint8_t *>(ioBytes.data()), ioBytes.size()},
      {SectionKind::Constants, constants_.data(), constants_.size()},
      {SectionKind::Instructions, instructions_.data(), instructions_.size()},
      {SectionKind::Locations, reinterpret_cast<const uint8_t *>(locationBytes.data()),
       locationBytes.size()},
  };

  uint64_t tableOffset = sizeof(FileHeader);
  uint64_t cursor = alignUp(tableOffset + kNumSectionKinds * sizeof(SectionEntry), kFileAlign);
  std::vector<SectionEntry> table;
  for (const Part &part : parts) {
    SectionEntry entry;
    std::memset(&entry, 0, sizeof(entry));
    entry.kind = static_cast<uint32_t>(part.kind);
    entry.offset = cursor;
    entry.size = part.size;
    table.push_back(entry);
    cursor = alignUp(cursor + part.size, kFileAlign);
  }
  uint64_t fileSize = cursor;

  std::vector<uint8_t> out(fileSize, 0);
  FileHeader header;
  std::memset(&header, 0, sizeof(header));
  std::memcpy(header.magic, kMagic, sizeof(kMagic));
  header.formatVersion = kFormatVersion;
  header.headerSize = sizeof(FileHeader);
  header.fileSize = fileSize;
  header.sectionCount = kNumSectionKinds;
  header.sectionTableOffset = tableOffset;
  // Keep room for the NUL terminator required by F1.
  std::strncpy(header.compilerVersion, compilerVersion.c_str(), sizeof(header.compilerVersion) - 1);
  std::memcpy(out.data(), &header, sizeof(header));
  std::memcpy(out.data() + tableOffset, table.data(), table.size() * sizeof(SectionEntry));
  for (size_t i = 0; i < kNumSectionKinds; ++i)
    if (parts[i].size)
      std::memcpy(out.data() + table[i].offset, parts[i].data, parts[i].size);

  uint64_t sum = checksum(out.data(), out.size(), offsetof(FileHeader, checksum));
  std::memcpy(out.data() + offsetof(FileHeader, checksum), &sum, sizeof(sum));
  return out;
}

absl::Status Writer::writeFile(const std::string &path, const std::string &compilerVersion) {
  std::vector<uint8_t> bytes = finish(compilerVersion);
  std::string tmp = path + ".tmp";
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot create ", tmp, ": ", std::strerror(errno)));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  int writeErrno = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot write ", tmp, ": ", std::strerror(writeErrno)));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int renameErrno = errno;
    std::remove(tmp.c_str());
    return absl::UnavailableError(absl::StrCat(path, ": cannot rename ", tmp, " to ", path, ": ",
                                               std::strerror(renameErrno)));
  }
  return absl::OkStatus();
}

Region makeRegion(Space space, DType dtype, const std::vector<int64_t> &shape, uint64_t offset,
                  uint32_t buffer) {
  Region r;
  std::memset(&r, 0, sizeof(r));
  r.space = static_cast<uint8_t>(space);
  r.dtype = static_cast<uint8_t>(dtype);
  r.rank = static_cast<uint8_t>(shape.size());
  r.buffer = buffer;
  r.offset = offset;
  int64_t stride = 1;
  for (size_t k = 0; k < kMaxRank; ++k) {
    r.shape[k] = 1;
    r.strides[k] = 0;
  }
  for (size_t k = shape.size(); k-- > 0;) {
    if (k >= kMaxRank)
      continue;  // F12 rejects rank > 6; the reader reports it
    r.shape[k] = shape[k];
    r.strides[k] = stride;
    stride *= std::max<int64_t>(shape[k], 1);
  }
  return r;
}

}  // namespace lmc::format
