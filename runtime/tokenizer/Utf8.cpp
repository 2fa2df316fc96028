// UTF-8 decoding following the well-formed byte sequences of the Unicode
// Standard, Table 3-7 (which rules out overlong forms and surrogates).
#include "runtime/tokenizer/Utf8.h"

namespace lmc::tokenizer {
namespace {

enum class Scan { Complete, Invalid, Incomplete };

struct ScanResult {
  Scan kind;
  // Complete: the sequence's length; Invalid: the length of the maximal
  // subpart to replace (at least 1); Incomplete: the bytes present.
  size_t length;
};

// The sequence starting at text[pos] (pos < text.size()).
ScanResult scan(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[pos + i]); };
  const uint8_t lead = byte(0);
  if (lead < 0x80)
    return {Scan::Complete, 1};
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 3;
    if (lead == 0xE0)
      lo = 0xA0;  // no overlong 3-byte forms
    if (lead == 0xED)
      hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 4;
    if (lead == 0xF0)
      lo = 0x90;  // no overlong 4-byte forms
    if (lead == 0xF4)
      hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {Scan::Invalid, 1};  // a continuation byte, C0, C1 or F5..FF
  }
  for (size_t i = 1; i < need; ++i) {
    if (pos + i >= text.size())
      return {Scan::Incomplete, i};
    const uint8_t b = byte(i);
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
      return {Scan::Invalid, i};
  }
  return {Scan::Complete, need};
}

// Appends the valid text of bytes[0, end) to `out`; returns where an
// unfinished final sequence starts (bytes.size() when there is none).
size_t appendValid(std::string_view bytes, std::string &out) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const ScanResult r = scan(bytes, pos);
    if (r.kind == Scan::Incomplete)
      return pos;
    if (r.kind == Scan::Complete)
      out.append(bytes.substr(pos, r.length));
    else
      out.append(kReplacement);
    pos += r.length;
  }
  return pos;
}

}  // namespace

CodePoint decodeUtf8(std::string_view text, size_t pos) {
  const ScanResult r = scan(text, pos);
  if (r.kind != Scan::Complete)
    return {-1, 1};
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(text[pos + i])); };
  switch (r.length) {
  case 1:
    return {int32_t(byte(0)), 1};
  case 2:
    return {int32_t(((byte(0) & 0x1F) << 6) | (byte(1) & 0x3F)), 2};
  case 3:
    return {int32_t(((byte(0) & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F)), 3};
  default:
    return {int32_t(((byte(0) & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
                    (byte(3) & 0x3F)),
            4};
  }
}

std::string Utf8Stream::push(std::string_view bytes) {
  pending_.append(bytes);
  std::string out;
  const size_t rest = appendValid(pending_, out);
  pending_.erase(0, rest);
  return out;
}

std::string Utf8Stream::finish() {
  std::string out;
  const size_t rest = appendValid(pending_, out);
  if (rest < pending_.size())
    out.append(kReplacement);  // an unfinished sequence is one maximal subpart
  pending_.clear();
  return out;
}

std::string toValidUtf8(std::string_view bytes) {
  Utf8Stream stream;
  std::string out = stream.push(bytes);
  return out + stream.finish();
}

}  // namespace lmc::tokenizer
