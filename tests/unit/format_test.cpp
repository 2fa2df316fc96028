// Tests of the .bin writer and reader: round trip, determinism, atomic
// writes, and one negative test per rule F1-F18 of FORMAT.md.
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>

#include "gtest/gtest.h"
#include "runtime/format/Checksum.h"
#include "runtime/format/OpcodeRules.h"
#include "runtime/format/Reader.h"
#include "runtime/format/Writer.h"
#include "tests/unit/TestModels.h"

namespace lmc::format {
namespace {

using lmc::testing::buildTinyModel;
using lmc::testing::tinyModelBytes;

FileHeader &headerOf(std::vector<uint8_t> &b) { return *reinterpret_cast<FileHeader *>(b.data()); }

SectionEntry &sectionOf(std::vector<uint8_t> &b, SectionKind kind) {
  auto *table = reinterpret_cast<SectionEntry *>(b.data() + sizeof(FileHeader));
  for (uint32_t i = 0; i < headerOf(b).sectionCount; ++i)
    if (table[i].kind == uint32_t(kind))
      return table[i];
  ADD_FAILURE() << "no section " << uint32_t(kind);
  return table[0];
}

void fixChecksum(std::vector<uint8_t> &b) {
  headerOf(b).checksum = checksum(b.data(), b.size(), offsetof(FileHeader, checksum));
}

// Replaces a protobuf section's content in place (it must fit before the
// next 64-byte boundary used by the writer) and re-checksums.
void replaceSection(std::vector<uint8_t> &b, SectionKind kind, const std::string &content) {
  SectionEntry &s = sectionOf(b, kind);
  uint64_t room = (s.size + 63) / 64 * 64;
  ASSERT_LE(content.size(), room) << "test content does not fit";
  std::memset(b.data() + s.offset, 0, room);
  std::memcpy(b.data() + s.offset, content.data(), content.size());
  s.size = content.size();
  fixChecksum(b);
}

absl::Status verifyBytes(const std::vector<uint8_t> &b) {
  return BinFile::fromBytes("t.bin", b.data(), b.size()).status();
}

// The error names `rule` in the documented form, on one line.
void expectRule(const std::vector<uint8_t> &b, const std::string &rule,
                const std::string &detail = "") {
  absl::Status s = verifyBytes(b);
  ASSERT_FALSE(s.ok()) << "expected " << rule;
  std::string msg(s.message());
  EXPECT_EQ(msg.rfind("t.bin: invalid .bin (" + rule + ": ", 0), 0u) << msg;
  EXPECT_NE(msg.find("): recompile the model with this version of lmc"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  if (!detail.empty()) {
    EXPECT_NE(msg.find(detail), std::string::npos) << msg;
  }
}

// The tiny model plus one extra instruction made by `extra`.
std::vector<uint8_t> withInstruction(const std::function<void(Writer &)> &extra) {
  Writer w;
  buildTinyModel(w);
  extra(w);
  return w.finish("test");
}

Region dram(DType t, const std::vector<int64_t> &shape, uint64_t offset = 0) {
  return makeRegion(Space::Dram, t, shape, offset);
}

TEST(WriterReader, RoundTrip) {
  std::vector<uint8_t> b = tinyModelBytes();
  EXPECT_EQ(b.size() % 64, 0u);
  auto file = BinFile::fromBytes("t.bin", b.data(), b.size());
  ASSERT_TRUE(file.ok()) << file.status();
  const BinFile &f = **file;
  EXPECT_EQ(std::string(f.header().compilerVersion), "test");
  EXPECT_EQ(f.metadata().source(), "tiny.onnx");
  EXPECT_EQ(f.metadata().instruction_count(), 3u);
  EXPECT_EQ(f.metadata().dram_bytes(), 64u);
  ASSERT_EQ(f.io().inputs_size(), 1);
  EXPECT_EQ(f.io().inputs(0).name(), "x");
  ASSERT_EQ(f.instructions().size(), 3u);
  EXPECT_EQ(f.instructions()[0].opcode(), Opcode::MatMul);
  EXPECT_EQ(f.instructions()[1].operands[2].strides[0], 0);
  EXPECT_EQ(f.instructions()[2].opcode(), Opcode::Relu);
  EXPECT_EQ(f.describeLocation(f.instructions()[0].header->location), "node 'mm' (MatMul)");
  EXPECT_EQ(f.describeLocation(0), "a compiler-made instruction");
  // Constants are 64-aligned within the section (F5).
  EXPECT_EQ(f.instructions()[1].operands[2].offset % 64, 0u);
  const float *w = reinterpret_cast<const float *>(f.constants());
  EXPECT_EQ(w[5], 6.0f);
}

TEST(WriterReader, OpenFromDiskMatchesBytes) {
  std::string dir = lmc::testing::makeTempDir();
  std::string path = dir + "/m.bin";
  Writer w;
  buildTinyModel(w);
  ASSERT_TRUE(w.writeFile(path, "test").ok());
  auto file = BinFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->instructions().size(), 3u);
  EXPECT_EQ(access((path + ".tmp").c_str(), F_OK), -1) << "temporary file left behind";
  auto missing = BinFile::open(dir + "/nope.bin");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.bin: cannot open"), std::string::npos);
}

TEST(Writer, StreamedFileEqualsTheImageAndViewsEqualCopies) {
  // writeFile streams with a running checksum; finish() builds the image:
  // the bytes must be the same, with constants added by view or by copy.
  std::string dir = lmc::testing::makeTempDir();
  std::vector<float> big(1000);
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = 0.5f * static_cast<float>(i);
  Writer copied, viewed;
  buildTinyModel(copied);
  buildTinyModel(viewed);
  copied.addConstant(big.data(), big.size() * sizeof(float));
  viewed.addConstantView(big.data(), big.size() * sizeof(float));
  std::vector<uint8_t> image = copied.finish("test");
  ASSERT_TRUE(viewed.writeFile(dir + "/v.bin", "test").ok());
  std::ifstream in(dir + "/v.bin", std::ios::binary);
  std::vector<uint8_t> streamed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(streamed, image);
  EXPECT_TRUE(BinFile::open(dir + "/v.bin").ok());

  // A filled constant (an odd size, so the fill's scratch is padded) gives
  // the same bytes as the copy, in the image and in the streamed file.
  Writer filled, odd;
  buildTinyModel(filled);
  buildTinyModel(odd);
  filled.addConstantFill(big.size() * sizeof(float), [&](uint8_t *out) {
    for (size_t i = 0; i < big.size(); ++i) {
      const float v = 0.5f * static_cast<float>(i);
      std::memcpy(out + i * sizeof(float), &v, sizeof(v));
    }
  });
  EXPECT_EQ(filled.finish("test"), image);
  const uint8_t bytes[5] = {1, 2, 3, 4, 5};
  odd.addConstant(bytes, 5);
  filled = Writer();
  buildTinyModel(filled);
  filled.addConstantFill(5, [&](uint8_t *out) { std::memcpy(out, bytes, 5); });
  ASSERT_TRUE(filled.writeFile(dir + "/f.bin", "test").ok());
  std::ifstream fin(dir + "/f.bin", std::ios::binary);
  EXPECT_EQ(std::vector<uint8_t>((std::istreambuf_iterator<char>(fin)),
                                 std::istreambuf_iterator<char>()),
            odd.finish("test"));
}

TEST(Checksum, PiecesGiveTheSameHash) {
  std::vector<uint8_t> data(1000);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<uint8_t>(i * 7 + 3);
  uint64_t whole = checksum(data.data(), data.size(), 24);
  for (size_t piece : {1u, 3u, 7u, 8u, 13u, 64u, 999u}) {
    ChecksumBuilder b(24);
    for (size_t at = 0; at < data.size(); at += piece)
      b.update(data.data() + at, std::min(piece, data.size() - at));
    EXPECT_EQ(b.finish(), whole) << "pieces of " << piece;
  }
  // The skipped field does not count; the bytes next to it do.
  std::vector<uint8_t> other = data;
  other[26] ^= 1;
  EXPECT_EQ(checksum(other.data(), other.size(), 24), whole);
  other[32] ^= 1;
  EXPECT_NE(checksum(other.data(), other.size(), 24), whole);
}

TEST(Writer, Deterministic) {
  std::vector<uint8_t> a = tinyModelBytes(), b = tinyModelBytes();
  EXPECT_EQ(a, b);
  std::string dir = lmc::testing::makeTempDir();
  Writer w1, w2;
  buildTinyModel(w1);
  buildTinyModel(w2);
  ASSERT_TRUE(w1.writeFile(dir + "/a.bin", "v").ok());
  ASSERT_TRUE(w2.writeFile(dir + "/b.bin", "v").ok());
  std::ifstream fa(dir + "/a.bin", std::ios::binary), fb(dir + "/b.bin", std::ios::binary);
  std::vector<char> ca((std::istreambuf_iterator<char>(fa)), {});
  std::vector<char> cb((std::istreambuf_iterator<char>(fb)), {});
  EXPECT_FALSE(ca.empty());
  EXPECT_EQ(ca, cb);
  // A different model gives different bytes (the comparison can fail).
  Writer w3;
  buildTinyModel(w3);
  w3.addLocation("extra", "Identity");
  EXPECT_NE(w3.finish("v"), w1.finish("v"));
}

TEST(Writer, AtomicWriteLeavesNothingOnFailure) {
  std::string dir = lmc::testing::makeTempDir();
  std::string path = dir + "/missing-dir/m.bin";
  Writer w;
  buildTinyModel(w);
  absl::Status s = w.writeFile(path, "test");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing-dir/m.bin"), std::string::npos) << s;
  EXPECT_EQ(access(path.c_str(), F_OK), -1);
  EXPECT_EQ(access((path + ".tmp").c_str(), F_OK), -1);
  // Renaming onto a directory fails after the temporary was written: it is removed.
  std::string asDir = dir + "/taken";
  ASSERT_EQ(mkdir(asDir.c_str(), 0777), 0);
  ASSERT_EQ(mkdir((asDir + "/sub").c_str(), 0777), 0);
  EXPECT_FALSE(w.writeFile(asDir, "test").ok());
  EXPECT_EQ(access((asDir + ".tmp").c_str(), F_OK), -1);
}

TEST(Checksum, EveryWordMatters) {
  std::vector<uint8_t> b(256, 0);
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = uint8_t(i * 7);
  uint64_t base = checksum(b.data(), b.size(), 24);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i >= 24 && i < 32)
      continue;
    b[i] ^= 1;
    EXPECT_NE(checksum(b.data(), b.size(), 24), base) << "byte " << i;
    b[i] ^= 1;
  }
  // The skipped field does not matter.
  b[26] ^= 0xFF;
  EXPECT_EQ(checksum(b.data(), b.size(), 24), base);
}

TEST(ReaderRules, F1Header) {
  std::vector<uint8_t> b = tinyModelBytes();
  std::vector<uint8_t> shortFile(b.begin(), b.begin() + 100);
  expectRule(shortFile, "F1", "shorter than the 128-byte header");
  std::vector<uint8_t> magic = b;
  magic[0] = 'X';
  expectRule(magic, "F1", "bad magic");
  std::vector<uint8_t> version = b;
  headerOf(version).formatVersion = kFormatVersion + 1;
  fixChecksum(version);
  expectRule(version, "F1",
             absl::StrCat("format version ", kFormatVersion + 1, ", this reader reads versions 1 to ",
                          kFormatVersion));
  headerOf(version).formatVersion = 0;
  fixChecksum(version);
  expectRule(version, "F1", "format version 0");
  std::vector<uint8_t> headerSize = b;
  headerOf(headerSize).headerSize = 64;
  fixChecksum(headerSize);
  expectRule(headerSize, "F1", "header size");
  std::vector<uint8_t> name = b;
  std::memset(headerOf(name).compilerVersion, 'v', 32);
  fixChecksum(name);
  expectRule(name, "F1", "NUL-terminated");
}

TEST(ReaderRules, F2Size) {
  std::vector<uint8_t> b = tinyModelBytes();
  std::vector<uint8_t> truncated(b.begin(), b.end() - 64);
  expectRule(truncated, "F2", "truncated");
  std::vector<uint8_t> odd = b;
  odd.resize(b.size() + 8);
  headerOf(odd).fileSize = odd.size();
  fixChecksum(odd);
  expectRule(odd, "F2", "not a multiple of 64");
}

TEST(ReaderRules, F3SectionTable) {
  std::vector<uint8_t> b = tinyModelBytes();
  std::vector<uint8_t> where = b;
  headerOf(where).sectionTableOffset = 256;
  fixChecksum(where);
  expectRule(where, "F3", "section table at byte 256");
  std::vector<uint8_t> many = b;
  headerOf(many).sectionCount = 17;
  fixChecksum(many);
  expectRule(many, "F3", "17 sections");
}

TEST(ReaderRules, F4Checksum) {
  std::vector<uint8_t> b = tinyModelBytes();
  // Flip one bit in the constants.
  b[sectionOf(b, SectionKind::Constants).offset + 5] ^= 0x10;
  expectRule(b, "F4", "corrupted");
}

TEST(ReaderRules, F5Sections) {
  std::vector<uint8_t> b = tinyModelBytes();
  std::vector<uint8_t> overlap = b;
  sectionOf(overlap, SectionKind::Io).offset = sectionOf(overlap, SectionKind::Metadata).offset;
  fixChecksum(overlap);
  expectRule(overlap, "F5", "overlaps");
  std::vector<uint8_t> unaligned = b;
  sectionOf(unaligned, SectionKind::Io).offset += 8;
  fixChecksum(unaligned);
  expectRule(unaligned, "F5", "64-aligned");
  std::vector<uint8_t> outside = b;
  sectionOf(outside, SectionKind::Constants).size = b.size();
  fixChecksum(outside);
  expectRule(outside, "F5", "within the file");
  std::vector<uint8_t> twice = b;
  sectionOf(twice, SectionKind::Locations).kind = uint32_t(SectionKind::Io);
  fixChecksum(twice);
  expectRule(twice, "F5", "repeats kind 2");
}

TEST(ReaderRules, F6Reserved) {
  std::vector<uint8_t> b = tinyModelBytes();
  std::vector<uint8_t> header = b;
  headerOf(header).reserved[3] = 1;
  fixChecksum(header);
  expectRule(header, "F6", "reserved header field");
  std::vector<uint8_t> section = b;
  sectionOf(section, SectionKind::Io).reserved = 7;
  fixChecksum(section);
  expectRule(section, "F6", "reserved field of section 1");
}

TEST(ReaderRules, F7UnknownKind) {
  std::vector<uint8_t> b = tinyModelBytes();
  sectionOf(b, SectionKind::Locations).kind = 9;
  fixChecksum(b);
  expectRule(b, "F7", "unknown kind 9");
}

TEST(ReaderRules, F8Metadata) {
  std::vector<uint8_t> b = tinyModelBytes();
  auto file = BinFile::fromBytes("t.bin", b.data(), b.size());
  ASSERT_TRUE(file.ok());
  Metadata m = (*file)->metadata();
  m.set_instruction_count(4);
  std::vector<uint8_t> count = b;
  replaceSection(count, SectionKind::Metadata, m.SerializeAsString());
  expectRule(count, "F8", "metadata says 4 instructions");
  std::vector<uint8_t> garbage = b;
  replaceSection(garbage, SectionKind::Metadata, std::string(8, '\xff'));
  expectRule(garbage, "F8", "not a valid lmc.format.Metadata");
}

TEST(ReaderRules, F9IoSignature) {
  std::vector<uint8_t> b = tinyModelBytes();
  auto file = BinFile::fromBytes("t.bin", b.data(), b.size());
  ASSERT_TRUE(file.ok());
  IoSignature io = (*file)->io();
  IoSignature dup = io;
  dup.mutable_outputs(0)->set_name("x");
  std::vector<uint8_t> d = b;
  replaceSection(d, SectionKind::Io, dup.SerializeAsString());
  expectRule(d, "F9", "output 0 'x' repeats a name");
  IoSignature dtype = io;
  dtype.mutable_inputs(0)->set_dtype(99);
  std::vector<uint8_t> t = b;
  replaceSection(t, SectionKind::Io, dtype.SerializeAsString());
  expectRule(t, "F9", "invalid dtype 99");
  IoSignature neg = io;
  neg.mutable_inputs(0)->set_shape(1, -3);
  std::vector<uint8_t> n = b;
  replaceSection(n, SectionKind::Io, neg.SerializeAsString());
  expectRule(n, "F9", "negative dim -3");
  IoSignature empty = io;
  empty.mutable_inputs(0)->clear_name();
  std::vector<uint8_t> e = b;
  replaceSection(e, SectionKind::Io, empty.SerializeAsString());
  expectRule(e, "F9", "empty name");
}

TEST(ReaderRules, F18StateTensors) {
  // A state space of 256 bytes holding two f32 [1, 2, 4, 4] caches.
  Metadata m;
  m.set_state_bytes(256);
  for (int k = 0; k < 2; ++k) {
    StateTensor *t = m.add_state();
    t->set_name(k ? "past.0.value" : "past.0.key");
    t->set_output(k ? "present.0.value" : "present.0.key");
    t->set_dtype(uint32_t(DType::F32));
    for (int64_t d : {1, 2, 4, 4})
      t->add_shape(d);
    t->set_offset(128 * k);
  }
  m.mutable_kv_cache()->set_max_context(4);
  m.mutable_kv_cache()->set_tokens_per_step(1);
  // The tiny model with `meta`'s state fields.
  auto withMetadata = [&](const Metadata &meta) {
    Writer w;
    buildTinyModel(w);
    w.metadata().MergeFrom(meta);
    return w.finish("test");
  };
  std::vector<uint8_t> good = withMetadata(m);
  ASSERT_TRUE(verifyBytes(good).ok()) << verifyBytes(good);
  Metadata overlap = m;
  overlap.mutable_state(1)->set_offset(64);
  expectRule(withMetadata(overlap), "F18", "state tensors overlap at byte 64");
  Metadata outside = m;
  outside.mutable_state(1)->set_offset(192);
  expectRule(withMetadata(outside), "F18",
             "state tensor 1 'past.0.value' at offset 192 does not lie within the state space "
             "(256 bytes)");
  Metadata twice = m;
  twice.mutable_state(1)->set_name("past.0.key");
  expectRule(withMetadata(twice), "F18", "repeats a name");
  Metadata steps = m;
  steps.mutable_kv_cache()->set_tokens_per_step(5);
  expectRule(withMetadata(steps), "F18", "expected 1 <= tokens_per_step <= max_context");
  Metadata position = m;
  position.mutable_kv_cache()->set_position_input("nope");
  expectRule(withMetadata(position), "F18", "kv_cache names input 'nope'");
}

TEST(ReaderRules, F18KvCuts) {
  // The cache model: instruction 2 sums the 4-slot cache [4, 1].
  auto withCut = [](uint32_t instruction, uint32_t operand, uint32_t axis) {
    Writer w;
    lmc::testing::buildCacheModel(w);
    KvCut *c = w.metadata().mutable_kv_cache()->add_cut();
    c->set_instruction(instruction);
    c->set_operand(operand);
    c->set_axis(axis);
    return w.finish("test");
  };
  std::vector<uint8_t> good = withCut(2, 1, 0);
  ASSERT_TRUE(verifyBytes(good).ok()) << verifyBytes(good);
  expectRule(withCut(3, 1, 0), "F18", "kv_cache cut 0 (instruction 3, operand 1, axis 0) names "
                                      "an instruction past the last, 2");
  expectRule(withCut(2, 2, 0), "F18", "the instruction has 2 operands");
  expectRule(withCut(2, 1, 1), "F18", "does not span the cache's 4 positions");
  expectRule(withCut(2, 1, 6), "F18", "does not span the cache's 4 positions");
  // The sum's output [1, 1] does not span the positions.
  expectRule(withCut(2, 0, 0), "F18", "does not span the cache's 4 positions");
}

TEST(ReaderRules, F10RecordSize) {
  std::vector<uint8_t> b = tinyModelBytes();
  auto *ih = reinterpret_cast<InstructionHeader *>(
      b.data() + sectionOf(b, SectionKind::Instructions).offset);
  ih->size += 8;
  fixChecksum(b);
  expectRule(b, "F10", "instruction 0 at byte");
  // A record running past the end of the section.
  std::vector<uint8_t> cut = tinyModelBytes();
  sectionOf(cut, SectionKind::Instructions).size -= 8;
  fixChecksum(cut);
  expectRule(cut, "F10", "past the end of the section");
}

// Version 6: an instruction's chip is below Metadata.chips (F11), which
// needs version 6; the chips' SRAM ranges are ascending and in the space (F19).
TEST(ReaderRules, F11ChipAndF19ChipMemory) {
  Region r = dram(DType::F32, {2, 2});
  auto onChip = [&](uint32_t chips, uint16_t chip) {
    return withInstruction([&](Writer &w) {
      w.metadata().set_chips(chips);
      w.addInstruction(Opcode::Relu, Unit::Cpu, 0, 0, {r, r}, {}, chip);
    });
  };
  std::vector<uint8_t> two = onChip(2, 1);
  ASSERT_TRUE(verifyBytes(two).ok()) << verifyBytes(two);
  EXPECT_EQ(headerOf(two).formatVersion, 6u);
  absl::StatusOr<std::unique_ptr<BinFile>> file = BinFile::fromBytes("t.bin", two.data(), two.size());
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->instructions().back().header->chip, 1u);
  // Files on chip 0 keep the version their opcodes need.
  std::vector<uint8_t> one = onChip(0, 0);
  EXPECT_LT(headerOf(one).formatVersion, 6u);
  expectRule(onChip(2, 2), "F11", "instruction 3 'relu' at byte");
  expectRule(onChip(2, 2), "F11", "runs on chip 2 but the file has 2 chips");
  expectRule(onChip(0, 1), "F11", "runs on chip 1 but the file has 1 chip");
  headerOf(two).formatVersion = 5;
  fixChecksum(two);
  expectRule(two, "F11", "needs format version 6 but the file has version 5");
  auto withMemory = [&](std::vector<std::pair<uint64_t, uint64_t>> ranges) {
    return withInstruction([&](Writer &w) {
      w.metadata().set_chips(uint32_t(ranges.size()));
      w.metadata().set_sram_bytes(1024);
      for (auto [offset, bytes] : ranges) {
        ChipMemory *m = w.metadata().add_chip_memory();
        m->set_sram_offset(offset);
        m->set_sram_bytes(bytes);
      }
    });
  };
  std::vector<uint8_t> good = withMemory({{0, 512}, {512, 512}});
  EXPECT_TRUE(verifyBytes(good).ok()) << verifyBytes(good);
  expectRule(withMemory({{0, 600}, {512, 512}}), "F19", "chip 1's SRAM [512, +512) overlaps");
  expectRule(withMemory({{0, 512}, {768, 512}}), "F19", "lies outside the sram space (1024 bytes)");
  std::vector<uint8_t> count = withInstruction([&](Writer &w) {
    w.metadata().set_chips(3);
    w.metadata().add_chip_memory();
  });
  expectRule(count, "F19", "chip_memory has 1 entries for 3 chips");
}

// Version 7: a Const region's buffer names the slice of the weights where
// its bytes start (F12), which needs version 7 (F11).
TEST(ReaderRules, F12WeightGroup) {
  Region out = dram(DType::F32, {2, 2});
  Region weight = makeRegion(Space::Const, DType::F32, {2, 2}, 0);
  weight.buffer = 3;
  std::vector<uint8_t> tagged = withInstruction([&](Writer &w) {
    w.addConstant(std::vector<float>(4, 1.0f).data(), 16);
    w.addInstruction(Opcode::Relu, Unit::Cpu, 0, 0, {out, weight}, {});
  });
  ASSERT_TRUE(verifyBytes(tagged).ok()) << verifyBytes(tagged);
  EXPECT_EQ(headerOf(tagged).formatVersion, 7u);
  headerOf(tagged).formatVersion = 6;
  fixChecksum(tagged);
  expectRule(tagged, "F11", "needs format version 7 but the file has version 6");
}

TEST(ReaderRules, F11Opcode) {
  std::vector<uint8_t> b = tinyModelBytes();
  auto *ih = reinterpret_cast<InstructionHeader *>(
      b.data() + sectionOf(b, SectionKind::Instructions).offset);
  ih->opcode = 999;
  fixChecksum(b);
  expectRule(b, "F11", "has unknown opcode 999");
  Region r = dram(DType::F32, {2, 2});
  expectRule(withInstruction([&](Writer &w) {
               w.addInstruction(Opcode::Add, Unit::Cpu, 0, 0, {r, r}, {});
             }),
             "F11", "instruction 3 'add' at byte");
  expectRule(withInstruction([&](Writer &w) {
               w.addInstruction(Opcode::Softmax, Unit::Cpu, 0, 0, {r, r}, {});
             }),
             "F11", "0 immediates, expected 1");
  expectRule(withInstruction([&](Writer &w) {
               w.addInstruction(Opcode::Relu, static_cast<Unit>(9), 0, 0, {r, r}, {});
             }),
             "F11", "invalid unit 9");
  // An opcode of version 2 in a file that says version 1.
  std::vector<uint8_t> old = withInstruction([&](Writer &w) {
    w.addInstruction(Opcode::MatMulPacked, Unit::Cpu, 0, 0,
                     {dram(DType::F32, {1, 2}), dram(DType::F32, {1, 1}), dram(DType::F32, {16})},
                     {});
  });
  ASSERT_TRUE(verifyBytes(old).ok()) << verifyBytes(old);
  headerOf(old).formatVersion = 1;
  fixChecksum(old);
  expectRule(old, "F11", "instruction 3 'matmul_packed' at byte");
  expectRule(old, "F11", "needs format version 2 but the file has version 1");
  // A matmul on i32 is a version-3 instruction, an f32 one version 1.
  std::vector<uint8_t> i32 = withInstruction([&](Writer &w) {
    w.addInstruction(Opcode::MatMul, Unit::Cpu, 0, 0,
                     {dram(DType::I32, {1, 2}), dram(DType::I32, {1, 1}), dram(DType::I32, {1, 2})},
                     {});
  });
  ASSERT_TRUE(verifyBytes(i32).ok()) << verifyBytes(i32);
  EXPECT_EQ(headerOf(i32).formatVersion, 3u);
  headerOf(i32).formatVersion = 2;
  fixChecksum(i32);
  expectRule(i32, "F11", "'matmul' at byte");
  expectRule(i32, "F11", "needs format version 3 but the file has version 2");
}

TEST(Writer, StampsTheLowestVersionItsOpcodesNeed) {
  // Version-1 opcodes only: readable by version-1 runtimes.
  std::vector<uint8_t> tiny = tinyModelBytes();
  EXPECT_EQ(headerOf(tiny).formatVersion, 1u);
  std::vector<uint8_t> b = withInstruction([&](Writer &w) {
    EXPECT_EQ(w.formatVersion(), 1u);
    w.addInstruction(Opcode::MatMulPacked, Unit::Cpu, 0, 0,
                     {dram(DType::F32, {1, 2}), dram(DType::F32, {1, 1}), dram(DType::F32, {16})},
                     {});
    EXPECT_EQ(w.formatVersion(), 2u);
  });
  EXPECT_EQ(headerOf(b).formatVersion, 2u);
  EXPECT_TRUE(verifyBytes(b).ok());
  std::vector<uint8_t> r = withInstruction([&](Writer &w) {
    w.addInstruction(Opcode::Round, Unit::Cpu, 0, 0,
                     {dram(DType::F32, {2}), dram(DType::F32, {2})}, {});
    EXPECT_EQ(w.formatVersion(), 3u);
  });
  EXPECT_EQ(headerOf(r).formatVersion, 3u);
  EXPECT_TRUE(verifyBytes(r).ok());
  // scatter needs version 4; a version-3 header refuses it (F11).
  std::vector<uint8_t> s = withInstruction([&](Writer &w) {
    w.addInstruction(Opcode::Scatter, Unit::Cpu, 0, 0,
                     {dram(DType::F32, {4, 2}), dram(DType::I64, {1, 2}, 32),
                      dram(DType::F32, {1, 2}, 48)},
                     {0});
    EXPECT_EQ(w.formatVersion(), 4u);
  });
  EXPECT_EQ(headerOf(s).formatVersion, 4u);
  EXPECT_TRUE(verifyBytes(s).ok()) << verifyBytes(s);
  headerOf(s).formatVersion = 3;
  fixChecksum(s);
  expectRule(s, "F11", "needs format version 4 but the file has version 3");
  // math needs version 5; a version-4 header refuses it (F11), and an
  // unknown function is an F16 error.
  auto mathFile = [&](int64_t fn) {
    return withInstruction([&](Writer &w) {
      w.addInstruction(Opcode::Math, Unit::Cpu, 0, 0, {dram(DType::F32, {2}), dram(DType::F32, {2})},
                       {fn});
    });
  };
  std::vector<uint8_t> m = mathFile(2);
  EXPECT_EQ(headerOf(m).formatVersion, 5u);
  EXPECT_TRUE(verifyBytes(m).ok()) << verifyBytes(m);
  headerOf(m).formatVersion = 4;
  fixChecksum(m);
  expectRule(m, "F11", "needs format version 5 but the file has version 4");
  expectRule(mathFile(99), "F16", "imm0 (the function) is 99");
}

TEST(ReaderRules, F12Region) {
  Region ok = dram(DType::F32, {2, 2});
  auto expectBad = [&](Region bad, const std::string &detail, bool asOutput = false) {
    expectRule(withInstruction([&](Writer &w) {
                 if (asOutput)
                   w.addInstruction(Opcode::Relu, Unit::Cpu, 0, 0, {bad, ok}, {});
                 else
                   w.addInstruction(Opcode::Relu, Unit::Cpu, 0, 0, {ok, bad}, {});
               }),
               "F12", detail);
  };
  Region space = ok;
  space.space = 7;
  expectBad(space, "operand 1 of instruction 3 'relu' at byte");
  Region dtype = ok;
  dtype.dtype = 0;
  expectBad(dtype, "invalid dtype 0");
  Region rank = ok;
  rank.rank = 7;
  expectBad(rank, "rank 7");
  Region beyond = ok;
  beyond.shape[3] = 2;
  expectBad(beyond, "beyond its rank");
  Region io = makeRegion(Space::Io, DType::F32, {2, 2}, 0, 5);
  expectBad(io, "io buffer 5");
  Region ioType = makeRegion(Space::Io, DType::I32, {2, 2}, 0, 1);
  expectBad(ioType, "but io tensor 'y' is f32");
  Region buffer = ok;
  buffer.buffer = 1;
  expectBad(buffer, "non-zero buffer");
  Region misaligned = dram(DType::F32, {2, 2}, 2);
  expectBad(misaligned, "not a multiple of its element size");
  Region constOut = makeRegion(Space::Const, DType::F32, {2, 2}, 0);
  expectBad(constOut, "output in the read-only const space", /*asOutput=*/true);
}

TEST(ReaderRules, F13Bounds) {
  Region ok = dram(DType::F32, {2, 2});
  auto expectBad = [&](Region bad, const std::string &detail) {
    expectRule(withInstruction([&](Writer &w) {
                 w.addInstruction(Opcode::Relu, Unit::Cpu, 0, 0, {ok, bad}, {});
               }),
               "F13", detail);
  };
  // dram is 64 bytes: a 4x4 f32 region at 16 ends at byte 80.
  expectBad(dram(DType::F32, {4, 4}, 16), "reaches byte 80 past the end of dram (64 bytes)");
  Region reversed = dram(DType::F32, {2, 2}, 0);
  reversed.strides[1] = -1;
  expectBad(reversed, "reaches byte -4 before the start of dram");
  Region huge = dram(DType::F32, {2, 2});
  huge.strides[0] = INT64_MAX / 2;
  expectBad(huge, "overflows");
  expectBad(makeRegion(Space::Io, DType::F32, {2, 3}, 0, 1),
            "past the end of io tensor 'y' (16 bytes)");
  expectBad(makeRegion(Space::Const, DType::F32, {2, 2}, 4096), "past the end of const");
  // Regions with a zero dim touch nothing and pass.
  Region empty = dram(DType::F32, {0, 2}, 1 << 20);
  EXPECT_TRUE(verifyBytes(withInstruction([&](Writer &w) {
                w.addInstruction(Opcode::Relu, Unit::Cpu, 0, 0, {empty, empty}, {});
              })).ok());
  // Negative strides that stay in bounds are fine.
  Region back = dram(DType::F32, {2, 2}, 12);
  back.strides[0] = -2;
  back.strides[1] = -1;
  EXPECT_TRUE(verifyBytes(withInstruction([&](Writer &w) {
                w.addInstruction(Opcode::Relu, Unit::Cpu, 0, 0, {ok, back}, {});
              })).ok());
}

TEST(ReaderRules, F14Location) {
  Region r = dram(DType::F32, {2, 2});
  expectRule(withInstruction([&](Writer &w) {
               w.addInstruction(Opcode::Relu, Unit::Cpu, 0, 99, {r, r}, {});
             }),
             "F14", "location 99 but the table has 4 entries");
}

TEST(ReaderRules, F15Locations) {
  std::vector<uint8_t> b = tinyModelBytes();
  std::vector<uint8_t> empty = b;
  replaceSection(empty, SectionKind::Locations, LocationTable().SerializeAsString());
  expectRule(empty, "F15", "the location table is empty");
  std::vector<uint8_t> garbage = b;
  replaceSection(garbage, SectionKind::Locations, std::string(4, '\xff'));
  expectRule(garbage, "F15", "not a valid lmc.format.LocationTable");
}

TEST(ReaderRules, F16OperandShapes) {
  auto expectBad = [&](Opcode op, std::vector<Region> ops, std::vector<int64_t> imms,
                       const std::string &detail) {
    expectRule(withInstruction([&](Writer &w) { w.addInstruction(op, Unit::Cpu, 0, 0, ops, imms); }),
               "F16", detail);
  };
  // matmul [2,3] @ [2,2]: K differs.
  expectBad(Opcode::MatMul,
            {dram(DType::F32, {2, 2}), dram(DType::F32, {2, 3}), dram(DType::F32, {2, 2})}, {},
            "instruction 3 'matmul' at byte");
  expectBad(Opcode::MatMul,
            {dram(DType::F32, {2, 2}), dram(DType::F32, {2, 3}), dram(DType::F32, {2, 2})}, {},
            "K of a and b differ");
  expectBad(Opcode::MatMul,
            {dram(DType::I64, {1, 1}), dram(DType::I64, {1, 1}), dram(DType::I64, {1, 1})}, {},
            "expected f32 or i32");
  expectBad(Opcode::MatMul,
            {dram(DType::F32, {1, 1}), dram(DType::I32, {1, 1}), dram(DType::I32, {1, 1})}, {},
            "dtypes differ");
  // matmul_packed: K = 1, N = 2 packs into one 16-column panel of one row.
  expectBad(Opcode::MatMulPacked,
            {dram(DType::F32, {1, 2}), dram(DType::F32, {1, 1}), dram(DType::F32, {12})}, {},
            "b has 12 elements but a packed K x N = 1 x 2 matrix has K * ceil(N / 16) * 16 = 16");
  expectBad(Opcode::MatMulPacked,
            {dram(DType::F32, {1, 2}), dram(DType::F32, {1, 1}), dram(DType::F32, {1, 2})}, {},
            "expected the packed matrix as a contiguous vector");
  expectBad(Opcode::MatMulPacked,
            {dram(DType::F32, {2, 2}), dram(DType::F32, {1, 1}), dram(DType::F32, {16})}, {},
            "M differs");
  expectBad(Opcode::Add,
            {dram(DType::F32, {2}), dram(DType::F32, {2}), dram(DType::I32, {2}, 32)}, {},
            "dtypes differ");
  expectBad(Opcode::Add,
            {dram(DType::F32, {2}), dram(DType::F32, {2}), dram(DType::F32, {3}, 32)}, {},
            "shapes differ");
  expectBad(Opcode::Less,
            {dram(DType::F32, {2}), dram(DType::F32, {2}), dram(DType::F32, {2}, 32)}, {},
            "expected bool");
  expectBad(Opcode::Gather,
            {dram(DType::F32, {2}), dram(DType::F32, {2}), dram(DType::F32, {2}, 32)}, {0},
            "i32 or i64 indices");
  expectBad(Opcode::Concat,
            {dram(DType::F32, {5}), dram(DType::F32, {2}), dram(DType::F32, {2}, 32)}, {0},
            "inputs sum to 4");
  expectBad(Opcode::Softmax, {dram(DType::F32, {2, 2}), dram(DType::F32, {2, 2})}, {2},
            "axis 2 is outside [0, 2)");
  expectBad(Opcode::ReduceMax, {dram(DType::F32, {1}), dram(DType::F32, {0})}, {},
            "axis 0 of a is empty");
  expectBad(Opcode::Trilu, {dram(DType::F32, {2}), dram(DType::F32, {2})}, {0, 1},
            "rank >= 2");
  expectBad(Opcode::Sqrt, {dram(DType::I32, {2}), dram(DType::I32, {2})}, {}, "f32 or f64");
  // scatter: o [2, 8, 4] updated along axis 1 by [2, 3, 4] indices and
  // updates (broadcast regions, to fit the tiny model's 64 bytes of dram).
  auto one = [](DType t, const std::vector<int64_t> &shape, uint64_t offset) {
    Region r = dram(t, shape, offset);
    for (unsigned k = 0; k < r.rank; ++k)
      r.strides[k] = 0;
    return r;
  };
  Region so = dram(DType::F32, {2, 2, 4});
  expectBad(Opcode::Scatter,
            {so, one(DType::F32, {2, 1, 4}, 32), one(DType::F32, {2, 1, 4}, 40)}, {1},
            "i32 or i64 indices");
  expectBad(Opcode::Scatter,
            {so, one(DType::I64, {2, 1, 4}, 32), one(DType::F32, {2, 1, 3}, 40)}, {1},
            "shapes differ");
  expectBad(Opcode::Scatter,
            {so, one(DType::I64, {2, 1, 5}, 32), one(DType::F32, {2, 1, 5}, 40)}, {1},
            "dim 2 (not the axis) of the indices exceeds o's");
  expectBad(Opcode::Scatter,
            {so, one(DType::I64, {2, 1, 4}, 32), one(DType::I32, {2, 1, 4}, 40)}, {1},
            "dtypes differ");
  expectBad(Opcode::Scatter,
            {so, one(DType::I64, {2, 1, 4}, 32), one(DType::F32, {2, 1, 4}, 40)}, {3},
            "axis 3 is outside [0, 3)");
  double nan = std::nan("");
  int64_t bits;
  std::memcpy(&bits, &nan, 8);
  expectBad(Opcode::LayerNorm,
            {dram(DType::F32, {2}), dram(DType::F32, {2}), dram(DType::F32, {2}, 32)}, {0, bits},
            "epsilon");
}

TEST(OpcodeRules, AcceptsValidInstructions) {
  Region o = dram(DType::F32, {2, 4, 5}), a = dram(DType::F32, {2, 4, 3}),
         b = dram(DType::F32, {2, 3, 5});
  Region ops[3] = {o, a, b};
  EXPECT_EQ(checkOperands(Opcode::MatMul, ops, 3, nullptr), "");
  // [2, 4, 3] @ packed [3 x 5] (3 * 16 elements) -> [2, 4, 5].
  Region packed[3] = {o, a, dram(DType::F32, {48})};
  EXPECT_EQ(checkOperands(Opcode::MatMulPacked, packed, 3, nullptr), "");
  Region g[3] = {dram(DType::F32, {2, 3, 7}), dram(DType::F32, {2, 10, 7}),
                 dram(DType::I64, {3})};
  int64_t axis = 1;
  EXPECT_EQ(checkOperands(Opcode::Gather, g, 3, &axis), "");
  Region r[2] = {dram(DType::F32, {2, 1, 5}), dram(DType::F32, {2, 4, 5})};
  EXPECT_EQ(checkOperands(Opcode::ReduceMean, r, 2, nullptr), "");
  EXPECT_EQ(describeRegionType(o), "f32[2, 4, 5]");
}

}  // namespace
}  // namespace lmc::format
