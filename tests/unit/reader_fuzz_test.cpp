// Mutation tests of the reader: every single-byte change of valid files
// (with the checksum fixed up, so the later rules are reached) is either
// rejected with a named rule or verifies and then runs without touching
// memory out of bounds (meaningful under the sanitizer build).
#include <cstring>

#include "gtest/gtest.h"
#include "runtime/format/Checksum.h"
#include "runtime/format/Reader.h"
#include "runtime/src/Session.h"
#include "tests/unit/TestModels.h"

namespace lmc::format {
namespace {

void mutateEverywhere(const std::vector<uint8_t> &original, size_t &accepted, size_t &rejected) {
  const size_t checksumAt = offsetof(FileHeader, checksum);
  for (size_t i = 0; i < original.size(); ++i) {
    if (i >= checksumAt && i < checksumAt + 8)
      continue;
    for (int variant = 0; variant < 4; ++variant) {
      std::vector<uint8_t> b = original;
      uint8_t v = b[i];
      b[i] = variant == 0 ? 0x00 : variant == 1 ? 0xFF : variant == 2 ? uint8_t(v ^ 1) : uint8_t(v ^ 0x80);
      if (b[i] == v)
        continue;
      uint64_t sum = checksum(b.data(), b.size(), checksumAt);
      std::memcpy(b.data() + checksumAt, &sum, 8);
      auto file = BinFile::fromBytes("t.bin", b.data(), b.size());
      if (!file.ok()) {
        ++rejected;
        std::string msg(file.status().message());
        ASSERT_EQ(msg.rfind("t.bin: invalid .bin (F", 0), 0u) << "byte " << i << ": " << msg;
        continue;
      }
      ++accepted;
      auto session = runtime::Session::create(std::shared_ptr<const BinFile>(std::move(*file)));
      if (!session.ok())
        continue;  // e.g. a mutated space size too large to allocate
      runtime::Session &s = **session;
      for (size_t k = 0; k < s.numInputs(); ++k) {
        std::vector<uint8_t> zeros(s.inputBytes(k), 0);
        ASSERT_TRUE(s.bindInput(k, zeros.data(), zeros.size()).ok());
      }
      (void)s.run();  // may fail (e.g. an index out of range), must not crash
    }
  }
}

TEST(ReaderMutation, TinyModel) {
  size_t accepted = 0, rejected = 0;
  mutateEverywhere(lmc::testing::tinyModelBytes(), accepted, rejected);
  EXPECT_GT(rejected, 100u);
  EXPECT_GT(accepted, 0u);  // e.g. changed constant values still verify
}

TEST(ReaderMutation, GatherModel) {
  Writer w;
  lmc::testing::buildGatherModel(w);
  size_t accepted = 0, rejected = 0;
  mutateEverywhere(w.finish("test"), accepted, rejected);
  EXPECT_GT(rejected, 100u);
}

}  // namespace
}  // namespace lmc::format
