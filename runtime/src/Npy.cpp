// .npy parsing and writing (see Npy.h). The header is a Python dict literal;
// this parser accepts what numpy writes (any key order, optional spaces,
// trailing commas) and nothing more exotic.
#include "runtime/src/Npy.h"

#include <cerrno>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/format/OutputFile.h"

namespace lmc::runtime {
namespace {

using format::DType;

constexpr char kNpyMagic[] = "\x93NUMPY";

struct DescrEntry {
  const char *descr;
  DType dtype;
};
// Accepted descrs; '=' (native) is little-endian on every host lmc supports,
// and one-byte types may carry any byte-order mark.
const DescrEntry kDescrs[] = {
    {"<f4", DType::F32},  {"<f8", DType::F64},  {"<f2", DType::F16},  {"<i8", DType::I64},
    {"<i4", DType::I32},  {"<i2", DType::I16},  {"|i1", DType::I8},   {"|u1", DType::U8},
    {"|b1", DType::Bool}, {"<u2", DType::U16},  {"<u4", DType::U32},  {"<u8", DType::U64},
    {"=f4", DType::F32},  {"=f8", DType::F64},  {"=f2", DType::F16},  {"=i8", DType::I64},
    {"=i4", DType::I32},  {"=i2", DType::I16},  {"=u2", DType::U16},  {"=u4", DType::U32},
    {"=u8", DType::U64},  {"<i1", DType::I8},   {"<u1", DType::U8},   {"<b1", DType::Bool},
    {"=i1", DType::I8},   {"=u1", DType::U8},   {"=b1", DType::Bool},
};

class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : s_(text) {}

  absl::Status parse(std::string &descr, bool &fortran, std::vector<int64_t> &shape) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    skip();
    if (!eat('{'))
      return error("expected '{'");
    while (true) {
      skip();
      if (eat('}'))
        break;
      std::string key;
      if (!readString(key))
        return error("expected a quoted key");
      skip();
      if (!eat(':'))
        return error("expected ':'");
      skip();
      if (key == "descr") {
        if (!readString(descr))
          return error("descr is not a string (structured dtypes are not supported)");
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (s_.compare(pos_, 4, "True") == 0) {
          fortran = true;
          pos_ += 4;
        } else if (s_.compare(pos_, 5, "False") == 0) {
          fortran = false;
          pos_ += 5;
        } else {
          return error("fortran_order is not True or False");
        }
        haveOrder = true;
      } else if (key == "shape") {
        if (absl::Status st = readShape(shape); !st.ok())
          return st;
        haveShape = true;
      } else {
        return error(absl::StrCat("unknown key '", key, "'"));
      }
      skip();
      if (eat(','))
        continue;
      skip();
      if (eat('}'))
        break;
      return error("expected ',' or '}'");
    }
    if (!haveDescr || !haveOrder || !haveShape)
      return error("missing descr, fortran_order or shape");
    return absl::OkStatus();
  }

private:
  absl::Status error(const std::string &what) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed .npy header at character ", pos_, ": ", what));
  }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool readString(std::string &out) {
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"'))
      return false;
    char quote = s_[pos_++];
    size_t end = s_.find(quote, pos_);
    if (end == std::string::npos)
      return false;
    out = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return true;
  }
  absl::Status readShape(std::vector<int64_t> &shape) {
    shape.clear();
    if (!eat('('))
      return error("shape is not a tuple");
    while (true) {
      skip();
      if (eat(')'))
        return absl::OkStatus();
      if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_])))
        return error("shape holds something other than non-negative integers");
      int64_t v = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, int64_t(s_[pos_] - '0'), &v))
          return error("a dim overflows 64 bits");
        ++pos_;
      }
      // numpy writes 3L-style longs only from Python 2; accept the suffix.
      eat('L');
      shape.push_back(v);
      skip();
      if (eat(','))
        continue;
      skip();
      if (eat(')'))
        return absl::OkStatus();
      return error("expected ',' or ')' in shape");
    }
  }

  const std::string &s_;
  size_t pos_ = 0;
};

uint64_t readLe(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

}  // namespace

const char *npyDescr(DType dtype) {
  switch (dtype) {
  case DType::F32: return "<f4";
  case DType::F64: return "<f8";
  case DType::F16: return "<f2";
  case DType::I64: return "<i8";
  case DType::I32: return "<i4";
  case DType::I16: return "<i2";
  case DType::I8: return "|i1";
  case DType::U8: return "|u1";
  case DType::Bool: return "|b1";
  case DType::U16: return "<u2";
  case DType::U32: return "<u4";
  case DType::U64: return "<u8";
  case DType::BF16: return nullptr;  // numpy has no bfloat16
  }
  return nullptr;
}

absl::StatusOr<NpyArray> parseNpy(const std::string &name, const uint8_t *bytes, size_t size) {
  auto bad = [&](const std::string &what) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", what));
  };
  if (size < 10 || std::memcmp(bytes, kNpyMagic, 6) != 0)
    return bad("not a .npy file (no \\x93NUMPY magic)");
  int major = bytes[6];
  size_t lenBytes = major == 1 ? 2 : (major == 2 || major == 3) ? 4 : 0;
  if (!lenBytes)
    return bad(absl::StrCat(".npy format version ", major, ".", int(bytes[7]),
                            " is not supported (1.0, 2.0 and 3.0 are)"));
  if (size < 8 + lenBytes)
    return bad("truncated .npy header");
  uint64_t headerLen = readLe(bytes + 8, static_cast<int>(lenBytes));
  uint64_t dataStart = 8 + lenBytes + headerLen;
  if (dataStart > size)
    return bad(absl::StrCat("truncated .npy file: the header needs ", dataStart,
                            " bytes, the file has ", size));
  std::string header(reinterpret_cast<const char *>(bytes + 8 + lenBytes), headerLen);
  std::string descr;
  bool fortran = false;
  NpyArray array;
  if (absl::Status s = HeaderParser(header).parse(descr, fortran, array.shape); !s.ok())
    return bad(std::string(s.message()));
  if (fortran)
    return bad("fortran_order arrays are not supported; save a C-order array "
               "(numpy.ascontiguousarray)");
  bool known = false;
  for (const DescrEntry &e : kDescrs)
    if (descr == e.descr) {
      array.dtype = e.dtype;
      known = true;
    }
  if (!known)
    return bad(absl::StrCat("unsupported dtype '", descr,
                            "'; supported: little-endian f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1"));
  if (array.shape.size() > format::kMaxRank)
    return bad(absl::StrCat("rank ", array.shape.size(), " exceeds ", format::kMaxRank));
  uint64_t n = format::dtypeSize(array.dtype);
  for (int64_t d : array.shape)
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n))
      return bad("the array's byte size overflows");
  if (size - dataStart < n)
    return bad(absl::StrCat("truncated .npy file: shape (", absl::StrJoin(array.shape, ", "),
                            ") of ", descr, " needs ", n, " data bytes, the file has ",
                            size - dataStart));
  if (size - dataStart > n)
    return bad(absl::StrCat(".npy file has ", size - dataStart - n,
                            " bytes after the array's data"));
  array.data.assign(bytes + dataStart, bytes + dataStart + n);
  return array;
}

absl::StatusOr<NpyArray> readNpy(const std::string &path) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof(chunk), f)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + got);
  bool err = std::ferror(f);
  std::fclose(f);
  if (err)
    return absl::DataLossError(absl::StrCat(path, ": read error"));
  return parseNpy(path, bytes.data(), bytes.size());
}

absl::StatusOr<std::vector<uint8_t>> encodeNpy(DType dtype, const std::vector<int64_t> &shape,
                                               const void *data, size_t bytes) {
  const char *descr = npyDescr(dtype);
  if (!descr)
    return absl::InvalidArgumentError(
        absl::StrCat("dtype ", format::dtypeName(dtype), " has no .npy equivalent"));
  uint64_t n = format::dtypeSize(dtype);
  for (int64_t d : shape)
    n *= static_cast<uint64_t>(d);
  if (n != bytes)
    return absl::InvalidArgumentError(
        absl::StrCat("npy: ", bytes, " data bytes for a shape that needs ", n));
  std::string dims = absl::StrJoin(shape, ", ");
  if (shape.size() == 1)
    dims += ",";
  std::string header =
      absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': (", dims, "), }");
  // Pad with spaces so that the data starts at a multiple of 64, ending
  // with '\n', as numpy does.
  size_t prefix = 10;
  if (prefix + header.size() + 1 > 65535)
    prefix = 12;
  size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header.push_back('\n');
  std::vector<uint8_t> out(kNpyMagic, kNpyMagic + 6);
  out.push_back(prefix == 10 ? 1 : 2);
  out.push_back(0);
  uint64_t len = header.size();
  for (size_t i = 0; i < prefix - 8; ++i)
    out.push_back(static_cast<uint8_t>(len >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  const uint8_t *p = static_cast<const uint8_t *>(data);
  out.insert(out.end(), p, p + bytes);
  return out;
}

absl::Status writeNpy(const std::string &path, DType dtype, const std::vector<int64_t> &shape,
                      const void *data, size_t bytes) {
  absl::StatusOr<std::vector<uint8_t>> image = encodeNpy(dtype, shape, data, bytes);
  if (!image.ok())
    return absl::Status(image.status().code(), absl::StrCat(path, ": ", image.status().message()));
  const std::string tmp = format::stagingPath(path);
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    return absl::UnavailableError(absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
  bool ok = std::fwrite(image->data(), 1, image->size(), f) == image->size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok || !format::commitOutput(tmp, path)) {
    int err = errno;
    format::discardOutput(tmp, path);
    return absl::UnavailableError(absl::StrCat(path, ": cannot write: ", std::strerror(err)));
  }
  return absl::OkStatus();
}

}  // namespace lmc::runtime
