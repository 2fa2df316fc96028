// Writes small .bin files and runs the C-language checks of c_api_test.c.
#include <fstream>

#include "gtest/gtest.h"
#include "tests/unit/TestModels.h"

extern "C" {
int lmcCApiRunTiny(const char *path, char *err, size_t errSize);
int lmcCApiGatherError(const char *path, char *err, size_t errSize);
int lmcCApiRejectsCorruptFile(const char *path, char *err, size_t errSize);
int lmcCApiKvCache(const char *cachePath, const char *tinyPath, char *err, size_t errSize);
}

namespace {

class CApiTest : public ::testing::Test {
protected:
  void SetUp() override { dir_ = lmc::testing::makeTempDir(); ASSERT_FALSE(dir_.empty()); }
  std::string dir_;
  char err_[1024] = {0};
};

TEST_F(CApiTest, RunTinyModel) {
  lmc::format::Writer w;
  lmc::testing::buildTinyModel(w);
  std::string path = dir_ + "/tiny.bin";
  ASSERT_TRUE(w.writeFile(path, "test").ok());
  EXPECT_EQ(lmcCApiRunTiny(path.c_str(), err_, sizeof(err_)), 0) << err_;
}

TEST_F(CApiTest, GatherErrorNamesNode) {
  lmc::format::Writer w;
  lmc::testing::buildGatherModel(w);
  std::string path = dir_ + "/gather.bin";
  ASSERT_TRUE(w.writeFile(path, "test").ok());
  EXPECT_EQ(lmcCApiGatherError(path.c_str(), err_, sizeof(err_)), 0) << err_;
}

TEST_F(CApiTest, KvCacheStatePersistsAndResets) {
  lmc::format::Writer cache, tiny;
  lmc::testing::buildCacheModel(cache);
  lmc::testing::buildTinyModel(tiny);
  std::string cachePath = dir_ + "/cache.bin", tinyPath = dir_ + "/tiny.bin";
  ASSERT_TRUE(cache.writeFile(cachePath, "test").ok());
  ASSERT_TRUE(tiny.writeFile(tinyPath, "test").ok());
  EXPECT_EQ(lmcCApiKvCache(cachePath.c_str(), tinyPath.c_str(), err_, sizeof(err_)), 0) << err_;
}

TEST_F(CApiTest, CorruptFile) {
  std::vector<uint8_t> bytes = lmc::testing::tinyModelBytes();
  bytes[bytes.size() - 70] ^= 1;
  std::string path = dir_ + "/corrupt.bin";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(bytes.data()),
                                              bytes.size());
  EXPECT_EQ(lmcCApiRejectsCorruptFile(path.c_str(), err_, sizeof(err_)), 0) << err_;
}

}  // namespace
