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
#include "runtime/format/OutputFile.h"

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

uint64_t Writer::addConstantView(const void *data, size_t size) {
  uint64_t offset = alignUp(constantsSize_, kConstantAlign);
  constants_.push_back({offset, static_cast<const uint8_t *>(data), size, {}, {}});
  constantsSize_ = offset + size;
  return offset;
}

uint64_t Writer::addConstant(const void *data, size_t size) {
  const uint8_t *p = static_cast<const uint8_t *>(data);
  uint64_t offset = addConstantView(nullptr, size);
  Chunk &chunk = constants_.back();
  chunk.owned.assign(p, p + size);
  chunk.data = chunk.owned.data();
  return offset;
}

uint64_t Writer::addConstantFill(size_t size, ConstantFill fill) {
  uint64_t offset = addConstantView(nullptr, size);
  constants_.back().fill = std::move(fill);
  return offset;
}

void Writer::addInstruction(Opcode opcode, Unit unit, uint64_t cycle, uint32_t location,
                            const std::vector<Region> &operands,
                            const std::vector<int64_t> &imms, uint16_t chip) {
  InstructionHeader header;
  std::memset(&header, 0, sizeof(header));
  header.opcode = static_cast<uint16_t>(opcode);
  header.unit = static_cast<uint8_t>(unit);
  header.numOperands = static_cast<uint8_t>(operands.size());
  header.numImms = static_cast<uint16_t>(imms.size());
  header.location = location;
  header.size = static_cast<uint32_t>(recordSize(operands.size(), imms.size()));
  header.cycle = cycle;
  header.chip = chip;
  appendPod(instructions_, header);
  for (const Region &r : operands)
    appendPod(instructions_, r);
  for (int64_t imm : imms)
    appendPod(instructions_, imm);
  ++instructionCount_;
  // The lowest version with every instruction used, so that files which
  // need nothing new stay readable by older runtimes (F1, F11).
  formatVersion_ = std::max(
      formatVersion_,
      instructionFormatVersion(opcode, operands.data(), static_cast<unsigned>(operands.size()),
                               chip));
}

template <typename Sink>
uint64_t Writer::stream(const std::string &compilerVersion, Sink &&sink) {
  metadata_.set_instruction_count(static_cast<uint32_t>(instructionCount_));
  if (metadata_.compiler_version().empty())
    metadata_.set_compiler_version(compilerVersion);
  std::string metadataBytes = serialize(metadata_);
  std::string ioBytes = serialize(io_);
  std::string locationBytes = serialize(locations_);
  const uint64_t sizes[kNumSectionKinds] = {metadataBytes.size(), ioBytes.size(), constantsSize_,
                                            instructions_.size(), locationBytes.size()};
  const SectionKind kinds[kNumSectionKinds] = {SectionKind::Metadata, SectionKind::Io,
                                               SectionKind::Constants, SectionKind::Instructions,
                                               SectionKind::Locations};

  uint64_t tableOffset = sizeof(FileHeader);
  uint64_t cursor = alignUp(tableOffset + kNumSectionKinds * sizeof(SectionEntry), kFileAlign);
  std::vector<SectionEntry> table;
  for (size_t i = 0; i < kNumSectionKinds; ++i) {
    SectionEntry entry;
    std::memset(&entry, 0, sizeof(entry));
    entry.kind = static_cast<uint32_t>(kinds[i]);
    entry.offset = cursor;
    entry.size = sizes[i];
    table.push_back(entry);
    cursor = alignUp(cursor + sizes[i], kFileAlign);
  }
  uint64_t fileSize = cursor;

  FileHeader header;
  std::memset(&header, 0, sizeof(header));
  std::memcpy(header.magic, kMagic, sizeof(kMagic));
  header.formatVersion = formatVersion_;
  header.headerSize = sizeof(FileHeader);
  header.fileSize = fileSize;
  header.sectionCount = kNumSectionKinds;
  header.sectionTableOffset = tableOffset;
  // Keep room for the NUL terminator required by F1.
  std::strncpy(header.compilerVersion, compilerVersion.c_str(), sizeof(header.compilerVersion) - 1);

  ChecksumBuilder sum(offsetof(FileHeader, checksum));
  uint64_t written = 0;
  static const uint8_t zeros[kFileAlign] = {0};
  auto put = [&](const void *data, size_t size) {
    if (!size)
      return;  // an empty part may have no storage at all
    sum.update(static_cast<const uint8_t *>(data), size);
    sink(static_cast<const uint8_t *>(data), size);
    written += size;
  };
  auto padTo = [&](uint64_t offset) {
    while (written < offset)
      put(zeros, std::min<uint64_t>(offset - written, sizeof(zeros)));
  };
  put(&header, sizeof(header));
  put(table.data(), table.size() * sizeof(SectionEntry));
  padTo(table[0].offset);
  put(metadataBytes.data(), metadataBytes.size());
  padTo(table[1].offset);
  put(ioBytes.data(), ioBytes.size());
  padTo(table[2].offset);
  std::vector<uint64_t> scratch;  // the filled chunks, one at a time
  for (const Chunk &chunk : constants_) {
    padTo(table[2].offset + chunk.offset);
    if (!chunk.size)
      continue;
    if (chunk.fill) {
      scratch.assign((chunk.size + 7) / 8, 0);
      chunk.fill(reinterpret_cast<uint8_t *>(scratch.data()));
      put(scratch.data(), chunk.size);
    } else {
      put(chunk.data, chunk.size);
    }
  }
  padTo(table[3].offset);
  put(instructions_.data(), instructions_.size());
  padTo(table[4].offset);
  put(locationBytes.data(), locationBytes.size());
  padTo(fileSize);
  return sum.finish();
}

std::vector<uint8_t> Writer::finish(const std::string &compilerVersion) {
  std::vector<uint8_t> out;
  uint64_t sum = stream(compilerVersion, [&](const uint8_t *data, size_t size) {
    out.insert(out.end(), data, data + size);
  });
  std::memcpy(out.data() + offsetof(FileHeader, checksum), &sum, sizeof(sum));
  return out;
}

absl::Status Writer::writeFile(const std::string &path, const std::string &compilerVersion) {
  const std::string tmp = stagingPath(path);
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot create ", tmp, ": ", std::strerror(errno)));
  bool ok = true;
  int writeErrno = 0;
  uint64_t sum = stream(compilerVersion, [&](const uint8_t *data, size_t size) {
    if (ok && std::fwrite(data, 1, size, f) != size) {
      ok = false;
      writeErrno = errno;
    }
  });
  if (ok && (std::fseek(f, offsetof(FileHeader, checksum), SEEK_SET) != 0 ||
             std::fwrite(&sum, 1, sizeof(sum), f) != sizeof(sum))) {
    ok = false;
    writeErrno = errno;
  }
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    discardOutput(tmp, path);
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot write ", tmp, ": ", std::strerror(writeErrno)));
  }
  if (!commitOutput(tmp, path)) {
    int renameErrno = errno;
    discardOutput(tmp, path);
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
