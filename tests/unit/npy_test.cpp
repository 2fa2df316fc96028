// Tests of the .npy reader and writer: round trips, numpy's exact bytes,
// and malformed files.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "runtime/src/Npy.h"
#include "tests/unit/TestModels.h"

namespace lmc::runtime {
namespace {

using format::DType;

std::vector<uint8_t> bytesOf(const std::string &s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// What numpy 1.24 writes for np.arange(6, dtype='<i4').reshape(2, 3).
std::vector<uint8_t> numpyArange6() {
  std::string header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
  header.append(117 - header.size(), ' ');
  header.push_back('\n');
  std::string file = std::string("\x93NUMPY\x01\x00", 8) + std::string(1, char(118)) +
                     std::string(1, '\0') + header;
  for (int32_t i = 0; i < 6; ++i)
    file.append(reinterpret_cast<const char *>(&i), 4);
  return bytesOf(file);
}

TEST(Npy, MatchesNumpyBytes) {
  std::vector<uint8_t> expected = numpyArange6();
  ASSERT_EQ(expected.size(), 152u);
  int32_t data[6] = {0, 1, 2, 3, 4, 5};
  auto encoded = encodeNpy(DType::I32, {2, 3}, data, sizeof(data));
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(*encoded, expected);
  auto parsed = parseNpy("a.npy", expected.data(), expected.size());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->dtype, DType::I32);
  EXPECT_EQ(parsed->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(parsed->data.data(), data, sizeof(data)), 0);
}

TEST(Npy, RoundTripEveryDtypeThroughDisk) {
  std::string dir = lmc::testing::makeTempDir();
  const DType types[] = {DType::F32, DType::F64, DType::F16, DType::I8,  DType::U8, DType::I16,
                         DType::I32, DType::I64, DType::Bool, DType::U16, DType::U32, DType::U64};
  for (DType t : types) {
    std::vector<int64_t> shape = {3, 1, 2};
    std::vector<uint8_t> data(6 * format::dtypeSize(t));
    for (size_t i = 0; i < data.size(); ++i)
      data[i] = t == DType::Bool ? uint8_t(i % 2) : uint8_t(i * 13 + 1);
    std::string path = dir + "/" + format::dtypeName(t) + ".npy";
    ASSERT_TRUE(writeNpy(path, t, shape, data.data(), data.size()).ok());
    EXPECT_NE(access((path + ".tmp").c_str(), F_OK), 0);
    auto read = readNpy(path);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->dtype, t);
    EXPECT_EQ(read->shape, shape);
    EXPECT_EQ(read->data, data);
  }
}

// An output path that is not a regular file (a pipe here, /dev/null in
// practice) is written in place: renaming a staging file over it would
// replace the pipe or device with a regular file.
TEST(Npy, WritesIntoAPipeInPlace) {
  std::string dir = lmc::testing::makeTempDir();
  const std::string path = dir + "/pipe.npy";
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  // Held open for reading and writing, so that neither side blocks; the
  // bytes (far below a pipe's buffer) wait in the pipe.
  const int fd = open(path.c_str(), O_RDWR | O_NONBLOCK);
  ASSERT_GE(fd, 0);
  const int32_t data[4] = {1, 2, 3, 4};
  absl::Status s = writeNpy(path, DType::I32, {4}, data, sizeof(data));
  char buffer[4096];
  const ssize_t got = read(fd, buffer, sizeof(buffer));
  close(fd);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_GT(got, 0) << "nothing was written into the pipe";
  const std::string received(buffer, size_t(got));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_NE(access((path + ".tmp").c_str(), F_OK), 0);
  auto parsed = parseNpy("pipe", reinterpret_cast<const uint8_t *>(received.data()), received.size());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(std::memcmp(parsed->data.data(), data, sizeof(data)), 0);
}

TEST(Npy, ScalarsOneDimAndVersion2) {
  double v = 3.5;
  auto scalar = encodeNpy(DType::F64, {}, &v, 8);
  ASSERT_TRUE(scalar.ok());
  std::string text(scalar->begin(), scalar->end());
  EXPECT_NE(text.find("'shape': ()"), std::string::npos);
  EXPECT_EQ((scalar->size() - 8) % 64, 0u) << "the data starts 64-aligned";
  uint8_t b[2] = {1, 0};
  auto vec = encodeNpy(DType::Bool, {2}, b, 2);
  ASSERT_TRUE(vec.ok());
  EXPECT_NE(std::string(vec->begin(), vec->end()).find("'shape': (2,)"), std::string::npos);
  // A version 2.0 header (4-byte length), keys in another order, double quotes.
  std::string header = "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}\n";
  std::string file = std::string("\x93NUMPY\x02\x00", 8);
  uint32_t len = header.size();
  file.append(reinterpret_cast<const char *>(&len), 4);
  file += header;
  float f[2] = {1.5f, -2};
  file.append(reinterpret_cast<const char *>(f), 8);
  std::vector<uint8_t> bytes = bytesOf(file);
  auto parsed = parseNpy("v2.npy", bytes.data(), bytes.size());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->dtype, DType::F32);
  EXPECT_EQ(parsed->shape, (std::vector<int64_t>{2}));
}

void expectError(const std::vector<uint8_t> &b, const std::string &detail) {
  auto parsed = parseNpy("bad.npy", b.data(), b.size());
  ASSERT_FALSE(parsed.ok()) << "expected: " << detail;
  EXPECT_NE(parsed.status().message().find("bad.npy: "), std::string::npos);
  EXPECT_NE(parsed.status().message().find(detail), std::string::npos) << parsed.status();
}

std::vector<uint8_t> withHeader(const std::string &dict, size_t dataBytes) {
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  std::string header = dict + "\n";
  uint16_t len = header.size();
  file.append(reinterpret_cast<const char *>(&len), 2);
  file += header;
  file.append(dataBytes, '\0');
  return bytesOf(file);
}

TEST(Npy, MalformedFiles) {
  std::vector<uint8_t> good = numpyArange6();
  expectError(bytesOf("hello world, not numpy"), "not a .npy file");
  std::vector<uint8_t> truncated(good.begin(), good.end() - 4);
  expectError(truncated, "truncated .npy file");
  std::vector<uint8_t> header(good.begin(), good.begin() + 40);
  expectError(header, "truncated .npy file: the header needs");
  std::vector<uint8_t> version = good;
  version[6] = 9;
  expectError(version, "version 9.0 is not supported");
  expectError(withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16),
              "fortran_order arrays are not supported");
  expectError(withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8),
              "unsupported dtype '>f4'");
  expectError(withHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16),
              "unsupported dtype '<c8'");
  expectError(withHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8),
              "structured dtypes");
  expectError(withHeader("{'descr': '<f4', 'shape': (2,), }", 8), "missing");
  expectError(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8),
              "non-negative integers");
  expectError(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12),
              "bytes after the array's data");
  expectError(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': "
                         "(99999999999, 99999999999), }",
                         0),
              "overflows");
  auto missing = readNpy("/nonexistent/x.npy");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/x.npy: cannot open"),
            std::string::npos);
  int32_t x[2] = {0, 0};
  EXPECT_FALSE(encodeNpy(DType::I32, {3}, x, 8).ok()) << "size mismatch must fail";
}

}  // namespace
}  // namespace lmc::runtime
