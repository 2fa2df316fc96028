// Maps a .bin and verifies every rule of FORMAT.md (F1-F16) before use.
#include "runtime/format/Reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/stubs/logging.h"
#include "runtime/format/Checksum.h"
#include "runtime/format/OpcodeRules.h"

namespace lmc::format {
namespace {

constexpr char kAdvice[] = "recompile the model with this version of lmc";
constexpr uint32_t kMaxSections = 16;

bool allZero(const void *p, size_t n) {
  const uint8_t *b = static_cast<const uint8_t *>(p);
  return std::all_of(b, b + n, [](uint8_t v) { return v == 0; });
}

// Byte size of a tensor of `shape`, or false on overflow.
bool tensorBytes(const TensorInfo &t, uint64_t &bytes) {
  uint64_t n = dtypeSize(static_cast<DType>(t.dtype()));
  for (int64_t d : t.shape())
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n))
      return false;
  bytes = n;
  return true;
}

}  // namespace

BinFile::~BinFile() {
  if (mapped_ && data_)
    munmap(const_cast<uint8_t *>(data_), size_);
}

absl::StatusOr<std::unique_ptr<BinFile>> BinFile::open(const std::string &path) {
  std::unique_ptr<BinFile> file(new BinFile());
  file->path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return absl::NotFoundError(absl::StrCat(path, ": cannot read: ", std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::NotFoundError(absl::StrCat(path, ": cannot read: not a regular file"));
  }
  file->size_ = static_cast<size_t>(st.st_size);
  if (file->size_ > 0) {
    void *p = mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return absl::InternalError(absl::StrCat(path, ": cannot map: ", std::strerror(err)));
    }
    file->data_ = static_cast<const uint8_t *>(p);
    file->mapped_ = true;
  }
  ::close(fd);
  if (absl::Status s = file->verify(); !s.ok())
    return s;
  return file;
}

absl::StatusOr<std::unique_ptr<BinFile>> BinFile::fromBytes(const std::string &name,
                                                            const uint8_t *data, size_t size) {
  std::unique_ptr<BinFile> file(new BinFile());
  file->path_ = name;
  file->owned_.assign(data, data + size);
  file->data_ = file->owned_.data();
  file->size_ = size;
  if (absl::Status s = file->verify(); !s.ok())
    return s;
  return file;
}

std::string BinFile::describeLocation(uint32_t location) const {
  if (location >= static_cast<uint32_t>(locations_.locations_size()))
    return absl::StrCat("unknown location ", location);
  const Location &loc = locations_.locations(location);
  if (loc.node_name().empty() && loc.op_type().empty())
    return "a compiler-made instruction";
  return absl::StrCat("node '", loc.node_name(), "' (", loc.op_type(), ")");
}

absl::Status BinFile::invalid(const char *rule, const std::string &what) const {
  return absl::InvalidArgumentError(
      absl::StrCat(path_, ": invalid .bin (", rule, ": ", what, "): ", kAdvice));
}

absl::Status BinFile::verify() {
  // F1: header.
  if (size_ < sizeof(FileHeader))
    return invalid("F1", absl::StrCat("the file is ", size_, " bytes, shorter than the ",
                                      sizeof(FileHeader), "-byte header"));
  FileHeader h;
  std::memcpy(&h, data_, sizeof(h));
  if (std::memcmp(h.magic, kMagic, sizeof(kMagic)) != 0)
    return invalid("F1", "bad magic at byte 0; not an lmc .bin");
  if (h.headerSize != sizeof(FileHeader))
    return invalid("F1", absl::StrCat("header size is ", h.headerSize, ", expected ",
                                      sizeof(FileHeader)));
  if (h.formatVersion < kMinFormatVersion || h.formatVersion > kFormatVersion)
    return invalid("F1", absl::StrCat("format version ", h.formatVersion,
                                      ", this reader reads versions ", kMinFormatVersion, " to ",
                                      kFormatVersion));
  if (std::memchr(h.compilerVersion, 0, sizeof(h.compilerVersion)) == nullptr)
    return invalid("F1", "compiler version at byte 48 is not NUL-terminated");

  // F2: size.
  if (h.fileSize != size_)
    return invalid("F2", absl::StrCat("header says ", h.fileSize, " bytes but the file has ",
                                      size_, " (truncated or extended)"));
  if (size_ % kFileAlign != 0)
    return invalid("F2", absl::StrCat("file size ", size_, " is not a multiple of ", kFileAlign));

  // F3: section table.
  if (h.sectionTableOffset != sizeof(FileHeader))
    return invalid("F3", absl::StrCat("section table at byte ", h.sectionTableOffset,
                                      ", expected ", sizeof(FileHeader)));
  if (h.sectionCount > kMaxSections)
    return invalid("F3", absl::StrCat(h.sectionCount, " sections, at most ", kMaxSections));
  uint64_t tableEnd = sizeof(FileHeader) + uint64_t(sizeof(SectionEntry)) * h.sectionCount;
  if (tableEnd > size_)
    return invalid("F3", absl::StrCat("section table ends at byte ", tableEnd,
                                      " past the end of the file (", size_, " bytes)"));

  // F4: checksum.
  uint64_t sum = checksum(data_, size_, offsetof(FileHeader, checksum));
  if (sum != h.checksum)
    return invalid("F4", absl::StrFormat("checksum is %#018x but the contents hash to %#018x; "
                                         "the file is corrupted",
                                         h.checksum, sum));

  // F6: reserved header fields.
  if (h.reserved0 != 0 || !allZero(h.reserved, sizeof(h.reserved)))
    return invalid("F6", "reserved header field at byte 36 or 80..127 is not zero");

  sections_.resize(h.sectionCount);
  if (h.sectionCount)
    std::memcpy(sections_.data(), data_ + sizeof(FileHeader),
                sizeof(SectionEntry) * h.sectionCount);
  const SectionEntry *byKind[kNumSectionKinds + 1] = {};
  for (uint32_t i = 0; i < h.sectionCount; ++i) {
    const SectionEntry &s = sections_[i];
    uint64_t at = sizeof(FileHeader) + uint64_t(sizeof(SectionEntry)) * i;
    if (s.reserved != 0)
      return invalid("F6", absl::StrCat("reserved field of section ", i, " at byte ", at + 4,
                                        " is not zero"));
    if (s.kind < 1 || s.kind > kNumSectionKinds)
      return invalid("F7", absl::StrCat("section ", i, " at byte ", at, " has unknown kind ",
                                        s.kind));
    const char *name = sectionName(static_cast<SectionKind>(s.kind));
    if (byKind[s.kind])
      return invalid("F5", absl::StrCat("section ", i, " at byte ", at, " repeats kind ",
                                        s.kind, " (", name, ")"));
    byKind[s.kind] = &s;
    uint64_t end;
    if (s.offset % kFileAlign != 0 || s.offset < tableEnd ||
        __builtin_add_overflow(s.offset, s.size, &end) || end > size_)
      return invalid("F5", absl::StrCat("section ", i, " (", name, ") at byte ", at,
                                        " spans [", s.offset, ", ", s.offset, " + ", s.size,
                                        "), not a 64-aligned range after the section table (",
                                        tableEnd, ") within the file (", size_, " bytes)"));
  }
  for (uint32_t k = 1; k <= kNumSectionKinds; ++k)
    if (!byKind[k])
      return invalid("F5", absl::StrCat("no ", sectionName(static_cast<SectionKind>(k)),
                                        " section (kind ", k, ")"));
  {
    std::vector<const SectionEntry *> sorted;
    for (const SectionEntry &s : sections_)
      if (s.size)
        sorted.push_back(&s);
    std::sort(sorted.begin(), sorted.end(),
              [](const SectionEntry *x, const SectionEntry *y) { return x->offset < y->offset; });
    for (size_t i = 1; i < sorted.size(); ++i)
      if (sorted[i]->offset < sorted[i - 1]->offset + sorted[i - 1]->size)
        return invalid(
            "F5", absl::StrCat(sectionName(static_cast<SectionKind>(sorted[i - 1]->kind)),
                               " section [", sorted[i - 1]->offset, ", ",
                               sorted[i - 1]->offset + sorted[i - 1]->size, ") overlaps ",
                               sectionName(static_cast<SectionKind>(sorted[i]->kind)),
                               " section at byte ", sorted[i]->offset));
  }
  auto sectionData = [&](SectionKind k) { return data_ + byKind[uint32_t(k)]->offset; };
  auto sectionSize = [&](SectionKind k) { return byKind[uint32_t(k)]->size; };

  // F8, F9, F15: descriptive sections.
  for (const SectionEntry &s : sections_)
    if (s.kind != uint32_t(SectionKind::Constants) && s.kind != uint32_t(SectionKind::Instructions) &&
        s.size > uint64_t(INT32_MAX))
      return invalid(s.kind == 1 ? "F8" : s.kind == 2 ? "F9" : "F15",
                     absl::StrCat(sectionName(static_cast<SectionKind>(s.kind)),
                                  " section of ", s.size, " bytes is too large for protobuf"));
  // Invalid UTF-8 in a string field fails the parse (reported below as F8,
  // F9 or F15); keep protobuf from also logging it to stderr.
  google::protobuf::LogSilencer silenceProtobuf;
  if (!metadata_.ParseFromArray(sectionData(SectionKind::Metadata),
                                static_cast<int>(sectionSize(SectionKind::Metadata))))
    return invalid("F8", absl::StrCat("metadata section at byte ",
                                      byKind[1]->offset, " is not a valid lmc.format.Metadata"));
  if (!io_.ParseFromArray(sectionData(SectionKind::Io),
                          static_cast<int>(sectionSize(SectionKind::Io))))
    return invalid("F9", absl::StrCat("io section at byte ", byKind[2]->offset,
                                      " is not a valid lmc.format.IoSignature"));
  if (!locations_.ParseFromArray(sectionData(SectionKind::Locations),
                                 static_cast<int>(sectionSize(SectionKind::Locations))))
    return invalid("F15", absl::StrCat("locations section at byte ", byKind[5]->offset,
                                       " is not a valid lmc.format.LocationTable"));
  if (locations_.locations_size() == 0)
    return invalid("F15", "the location table is empty");

  std::vector<const TensorInfo *> ioTensors;
  std::vector<uint64_t> ioBytes;
  {
    std::set<std::string> names;
    for (int pass = 0; pass < 2; ++pass) {
      const auto &list = pass == 0 ? io_.inputs() : io_.outputs();
      const char *what = pass == 0 ? "input" : "output";
      for (int i = 0; i < list.size(); ++i) {
        const TensorInfo &t = list[i];
        std::string who = absl::StrCat(what, " ", i, " '", t.name(), "'");
        if (t.name().empty())
          return invalid("F9", absl::StrCat(what, " ", i, " has an empty name"));
        if (!names.insert(t.name()).second)
          return invalid("F9", absl::StrCat(who, " repeats a name"));
        if (t.dtype() > 255 || !isValidDType(static_cast<uint8_t>(t.dtype())))
          return invalid("F9", absl::StrCat(who, " has invalid dtype ", t.dtype()));
        if (t.shape_size() > static_cast<int>(kMaxRank))
          return invalid("F9", absl::StrCat(who, " has rank ", t.shape_size(), " > ", kMaxRank));
        for (int64_t d : t.shape())
          if (d < 0)
            return invalid("F9", absl::StrCat(who, " has negative dim ", d));
        uint64_t bytes;
        if (!tensorBytes(t, bytes))
          return invalid("F9", absl::StrCat(who, " has a byte size that overflows"));
        ioTensors.push_back(&t);
        ioBytes.push_back(bytes);
      }
    }
  }

  // F18: the named State tensors and the KV-cache description.
  {
    std::set<std::string> names;
    std::vector<std::pair<uint64_t, uint64_t>> spans;  // [offset, end)
    for (int i = 0; i < metadata_.state_size(); ++i) {
      const StateTensor &t = metadata_.state(i);
      std::string who = absl::StrCat("state tensor ", i, " '", t.name(), "'");
      if (t.name().empty())
        return invalid("F18", absl::StrCat("state tensor ", i, " has an empty name"));
      if (!names.insert(t.name()).second)
        return invalid("F18", absl::StrCat(who, " repeats a name"));
      if (t.dtype() > 255 || !isValidDType(static_cast<uint8_t>(t.dtype())))
        return invalid("F18", absl::StrCat(who, " has invalid dtype ", t.dtype()));
      if (t.shape_size() > static_cast<int>(kMaxRank))
        return invalid("F18", absl::StrCat(who, " has rank ", t.shape_size(), " > ", kMaxRank));
      TensorInfo info;
      info.set_dtype(t.dtype());
      for (int64_t d : t.shape()) {
        if (d < 0)
          return invalid("F18", absl::StrCat(who, " has negative dim ", d));
        info.add_shape(d);
      }
      uint64_t bytes, end;
      if (!tensorBytes(info, bytes) || __builtin_add_overflow(t.offset(), bytes, &end) ||
          end > metadata_.state_bytes())
        return invalid("F18", absl::StrCat(who, " at offset ", t.offset(),
                                           " does not lie within the state space (",
                                           metadata_.state_bytes(), " bytes)"));
      if (t.offset() % dtypeSize(static_cast<DType>(t.dtype())) != 0)
        return invalid("F18", absl::StrCat(who, " at offset ", t.offset(),
                                           " is not aligned to its element size"));
      if (bytes)
        spans.push_back({t.offset(), end});
    }
    std::sort(spans.begin(), spans.end());
    for (size_t k = 1; k < spans.size(); ++k)
      if (spans[k].first < spans[k - 1].second)
        return invalid("F18", absl::StrCat("state tensors overlap at byte ", spans[k].first,
                                           " of the state space"));
    if (metadata_.has_kv_cache()) {
      const KvCache &kv = metadata_.kv_cache();
      if (kv.max_context() == 0 || kv.tokens_per_step() == 0 ||
          kv.tokens_per_step() > kv.max_context())
        return invalid("F18", absl::StrCat("kv_cache has max_context ", kv.max_context(),
                                           " and tokens_per_step ", kv.tokens_per_step(),
                                           "; expected 1 <= tokens_per_step <= max_context"));
      auto findInput = [&](const std::string &name) -> const TensorInfo * {
        for (const TensorInfo &t : io_.inputs())
          if (t.name() == name)
            return &t;
        return nullptr;
      };
      for (const std::string *name : {&kv.tokens_input(), &kv.position_input()}) {
        if (name->empty())
          continue;
        const TensorInfo *t = findInput(*name);
        DType dtype = t ? static_cast<DType>(t->dtype()) : DType::F32;
        if (!t || (dtype != DType::I32 && dtype != DType::I64))
          return invalid("F18", absl::StrCat("kv_cache names input '", *name,
                                             "', which is not an i32 or i64 input"));
      }
    }
  }

  // F19: the chips of a multi-chip file and their SRAM ranges.
  const uint32_t chips = std::max<uint32_t>(metadata_.chips(), 1);
  if (chips > kMaxChips)
    return invalid("F19", absl::StrCat("chips is ", chips, ", more than ", kMaxChips));
  if (metadata_.chip_memory_size() != 0 && uint32_t(metadata_.chip_memory_size()) != chips)
    return invalid("F19", absl::StrCat("chip_memory has ", metadata_.chip_memory_size(),
                                       " entries for ", chips, " chips"));
  for (int c = 0, end = metadata_.chip_memory_size(); c < end; ++c) {
    const ChipMemory &m = metadata_.chip_memory(c);
    uint64_t from = c ? metadata_.chip_memory(c - 1).sram_offset() +
                            metadata_.chip_memory(c - 1).sram_bytes()
                      : 0;
    if (m.sram_offset() < from || m.sram_bytes() > metadata_.sram_bytes() ||
        m.sram_offset() > metadata_.sram_bytes() - m.sram_bytes())
      return invalid("F19", absl::StrCat("chip ", c, "'s SRAM [", m.sram_offset(), ", +",
                                         m.sram_bytes(), ") overlaps the previous chip's or "
                                         "lies outside the sram space (",
                                         metadata_.sram_bytes(), " bytes)"));
  }

  constants_ = sectionData(SectionKind::Constants);
  constantsSize_ = sectionSize(SectionKind::Constants);

  // F10: records.
  const uint8_t *code = sectionData(SectionKind::Instructions);
  uint64_t codeSize = sectionSize(SectionKind::Instructions);
  uint64_t codeBase = byKind[uint32_t(SectionKind::Instructions)]->offset;
  instructions_.clear();
  for (uint64_t pos = 0; pos < codeSize;) {
    uint64_t at = codeBase + pos;
    size_t index = instructions_.size();
    if (codeSize - pos < sizeof(InstructionHeader))
      return invalid("F10", absl::StrCat("instruction ", index, " at byte ", at,
                                         " is cut off by the end of the section"));
    const auto *ih = reinterpret_cast<const InstructionHeader *>(code + pos);
    uint64_t expected = recordSize(ih->numOperands, ih->numImms);
    if (ih->size != expected)
      return invalid("F10", absl::StrCat("instruction ", index, " at byte ", at, " has size ",
                                         ih->size, ", expected ", expected, " for ",
                                         int(ih->numOperands), " operands and ", ih->numImms,
                                         " immediates"));
    if (expected > codeSize - pos)
      return invalid("F10", absl::StrCat("instruction ", index, " at byte ", at, " ends at byte ",
                                         at + expected, " past the end of the section (",
                                         codeBase + codeSize, ")"));
    InstructionView view;
    view.header = ih;
    view.operands = reinterpret_cast<const Region *>(code + pos + sizeof(InstructionHeader));
    view.imms = reinterpret_cast<const int64_t *>(code + pos + sizeof(InstructionHeader) +
                                                  sizeof(Region) * ih->numOperands);
    view.fileOffset = at;
    instructions_.push_back(view);
    pos += expected;
  }
  if (instructions_.size() != metadata_.instruction_count())
    return invalid("F8", absl::StrCat("metadata says ", metadata_.instruction_count(),
                                      " instructions, the instruction section holds ",
                                      instructions_.size()));

  // F17: without its weights, a .bin addresses a Const space larger than
  // its constants section (the absent weights follow the real constants).
  uint64_t constSpace = constantsSize_;
  if (metadata_.weights_absent()) {
    if (metadata_.const_space_bytes() < constantsSize_)
      return invalid("F17", absl::StrCat("const_space_bytes ", metadata_.const_space_bytes(),
                                         " is smaller than the constants section (",
                                         constantsSize_, " bytes)"));
    constSpace = metadata_.const_space_bytes();
  } else if (metadata_.const_space_bytes() != 0) {
    return invalid("F17", "const_space_bytes is set but the weights are present");
  }
  const uint64_t spaceBytes[kNumSpaces] = {constSpace, metadata_.sram_bytes(),
                                           metadata_.dram_bytes(), metadata_.state_bytes(), 0};
  for (size_t index = 0; index < instructions_.size(); ++index) {
    const InstructionView &v = instructions_[index];
    const InstructionHeader &ih = *v.header;
    // F11: opcode, counts, unit.
    if (ih.opcode >= static_cast<uint16_t>(Opcode::NumOpcodes))
      return invalid("F11", absl::StrCat("instruction ", index, " at byte ", v.fileOffset,
                                         " has unknown opcode ", ih.opcode));
    const OpcodeInfo &info = opcodeInfo(v.opcode());
    // Descriptions for the messages, built only when a rule fails.
    auto inst = [&] {
      return absl::StrCat("instruction ", index, " '", info.mnemonic, "' at byte ", v.fileOffset);
    };
    const uint32_t needs =
        instructionFormatVersion(v.opcode(), v.operands, ih.numOperands, ih.chip);
    if (needs > header().formatVersion)
      return invalid("F11", absl::StrCat(inst(), " needs format version ", needs,
                                         " but the file has version ", header().formatVersion));
    int inputs = int(ih.numOperands) - info.numOutputs;
    if (inputs < info.minInputs || inputs > info.maxInputs) {
      std::string range = info.minInputs == info.maxInputs
                              ? absl::StrCat(int(info.minInputs))
                              : absl::StrCat(int(info.minInputs), "..", int(info.maxInputs));
      return invalid("F11", absl::StrCat(inst(), " has ", int(ih.numOperands), " operands, expected ",
                                         int(info.numOutputs), " output(s) and ", range,
                                         " input(s)"));
    }
    if (ih.numImms != info.numImms)
      return invalid("F11", absl::StrCat(inst(), " has ", ih.numImms, " immediates, expected ",
                                         int(info.numImms)));
    if (ih.unit >= kNumUnits)
      return invalid("F11", absl::StrCat(inst(), " has invalid unit ", int(ih.unit)));
    if (ih.chip >= chips)
      return invalid("F11", absl::StrCat(inst(), " runs on chip ", ih.chip, " but the file has ",
                                         chips, chips == 1 ? " chip" : " chips"));
    // F14: location.
    if (ih.location >= static_cast<uint32_t>(locations_.locations_size()))
      return invalid("F14", absl::StrCat(inst(), " has location ", ih.location,
                                         " but the table has ", locations_.locations_size(),
                                         " entries"));
    for (unsigned i = 0; i < ih.numOperands; ++i) {
      const Region &r = v.operands[i];
      uint64_t rAt = v.fileOffset + sizeof(InstructionHeader) + sizeof(Region) * i;
      auto opnd = [&] {
        return absl::StrCat("operand ", i, " of instruction ", index, " '", info.mnemonic,
                            "' at byte ", rAt);
      };
      // F12: region fields.
      if (r.space >= kNumSpaces)
        return invalid("F12", absl::StrCat(opnd(), " has invalid space ", int(r.space)));
      if (!isValidDType(r.dtype))
        return invalid("F12", absl::StrCat(opnd(), " has invalid dtype ", int(r.dtype)));
      if (r.rank > kMaxRank)
        return invalid("F12", absl::StrCat(opnd(), " has rank ", int(r.rank), " > ", kMaxRank));
      if (r.reserved0 != 0)
        return invalid("F12", absl::StrCat(opnd(), " has a non-zero reserved field"));
      for (unsigned k = 0; k < kMaxRank; ++k) {
        if (k < r.rank && r.shape[k] < 0)
          return invalid("F12", absl::StrCat(opnd(), " has negative dim ", r.shape[k]));
        if (k >= r.rank && (r.shape[k] != 1 || r.strides[k] != 0))
          return invalid("F12", absl::StrCat(opnd(), " has dim ", k, " beyond its rank ",
                                             int(r.rank), " that is not shape 1 stride 0"));
      }
      Space space = static_cast<Space>(r.space);
      DType dtype = static_cast<DType>(r.dtype);
      // Aligned offsets let kernels access elements as native types.
      if (r.offset % dtypeSize(dtype) != 0)
        return invalid("F12", absl::StrCat(opnd(), " has offset ", r.offset,
                                           ", not a multiple of its element size ",
                                           dtypeSize(dtype)));
      if (i < info.numOutputs && space == Space::Const)
        return invalid("F12", absl::StrCat(opnd(), " is an output in the read-only const space"));
      uint64_t limit = spaceBytes[r.space];
      const TensorInfo *ioTensor = nullptr;
      auto spaceDesc = [&] {
        return ioTensor ? absl::StrCat("io tensor '", ioTensor->name(), "'")
                        : std::string(spaceName(space));
      };
      if (space == Space::Io) {
        if (r.buffer >= ioTensors.size())
          return invalid("F12", absl::StrCat(opnd(), " names io buffer ", r.buffer, " but there are ",
                                             ioTensors.size(), " inputs and outputs"));
        const TensorInfo &t = *ioTensors[r.buffer];
        if (t.dtype() != r.dtype)
          return invalid("F12", absl::StrCat(opnd(), " is ", dtypeName(dtype), " but io tensor '",
                                             t.name(), "' is ",
                                             dtypeName(static_cast<DType>(t.dtype()))));
        limit = ioBytes[r.buffer];
        ioTensor = &t;
      } else if (r.buffer != 0 && space != Space::Const) {
        return invalid("F12", absl::StrCat(opnd(), " in ", spaceDesc(), " has non-zero buffer ",
                                           r.buffer));
      }
      // F13: bounds, with every step overflow-checked.
      bool empty = false;
      for (unsigned k = 0; k < r.rank; ++k)
        empty |= r.shape[k] == 0;
      if (empty)
        continue;
      int64_t lo = 0, hi = 0;
      bool overflow = false;
      for (unsigned k = 0; k < r.rank; ++k) {
        int64_t span;
        overflow |= __builtin_mul_overflow(r.shape[k] - 1, r.strides[k], &span);
        if (span < 0)
          overflow |= __builtin_add_overflow(lo, span, &lo);
        else
          overflow |= __builtin_add_overflow(hi, span, &hi);
      }
      int64_t elem = static_cast<int64_t>(dtypeSize(dtype));
      int64_t offset = 0, loByte = 0, hiByte = 0;
      overflow |= r.offset > static_cast<uint64_t>(INT64_MAX);
      offset = static_cast<int64_t>(r.offset);
      overflow |= __builtin_mul_overflow(lo, elem, &loByte) ||
                  __builtin_add_overflow(loByte, offset, &loByte);
      overflow |= __builtin_add_overflow(hi, 1, &hi) ||
                  __builtin_mul_overflow(hi, elem, &hiByte) ||
                  __builtin_add_overflow(hiByte, offset, &hiByte);
      if (overflow)
        return invalid("F13", absl::StrCat(opnd(), " has an offset, shape and strides whose extent "
                                           "overflows 64-bit arithmetic"));
      if (loByte < 0)
        return invalid("F13", absl::StrCat(opnd(), " reaches byte ", loByte,
                                           " before the start of ", spaceDesc()));
      if (static_cast<uint64_t>(hiByte) > limit)
        return invalid("F13", absl::StrCat(opnd(), " reaches byte ", hiByte, " past the end of ",
                                           spaceDesc(), " (", limit, " bytes)"));
    }
    // F16: per-opcode shapes and dtypes.
    std::string why = checkOperands(v.opcode(), v.operands, ih.numOperands, v.imms);
    if (!why.empty())
      return invalid("F16", absl::StrCat(inst(), ": ", why));
  }
  return checkKvCuts();
}

absl::Status BinFile::checkKvCuts() const {
  // F18, cut attention: each cut names an operand that spans the cache's
  // positions along its axis, and the instruction keeps F16 with its cut
  // operands at the smallest cut, one position.
  const KvCache &kv = metadata_.kv_cache();
  std::vector<const KvCut *> cuts;
  for (int k = 0; k < kv.cut_size(); ++k) {
    const KvCut &c = kv.cut(k);
    const std::string which = absl::StrCat("kv_cache cut ", k, " (instruction ", c.instruction(),
                                           ", operand ", c.operand(), ", axis ", c.axis(), ")");
    if (c.instruction() >= instructions_.size())
      return invalid("F18", absl::StrCat(which, " names an instruction past the last, ",
                                         instructions_.size() - 1));
    const InstructionView &v = instructions_[c.instruction()];
    if (c.operand() >= v.header->numOperands)
      return invalid("F18", absl::StrCat(which, ": the instruction has ", v.header->numOperands,
                                         " operands"));
    const Region &r = v.operands[c.operand()];
    if (c.axis() >= r.rank || uint64_t(r.shape[c.axis()]) != kv.max_context())
      return invalid("F18", absl::StrCat(which, " does not span the cache's ", kv.max_context(),
                                         " positions"));
    cuts.push_back(&c);
  }
  // Each cut instruction once, in instruction order, with all its cuts.
  std::stable_sort(cuts.begin(), cuts.end(), [](const KvCut *a, const KvCut *b) {
    return a->instruction() < b->instruction();
  });
  for (size_t first = 0, last; first < cuts.size(); first = last) {
    const uint32_t i = cuts[first]->instruction();
    const InstructionView &v = instructions_[i];
    std::vector<Region> cut(v.operands, v.operands + v.header->numOperands);
    for (last = first; last < cuts.size() && cuts[last]->instruction() == i; ++last)
      cut[cuts[last]->operand()].shape[cuts[last]->axis()] = 1;
    std::string why = checkOperands(v.opcode(), cut.data(), unsigned(cut.size()), v.imms);
    if (!why.empty())
      return invalid("F18", absl::StrCat("instruction ", i, " '", opcodeInfo(v.opcode()).mnemonic,
                                         "' breaks F16 with its kv_cache cuts at one position: ",
                                         why));
  }
  return absl::OkStatus();
}

}  // namespace lmc::format
