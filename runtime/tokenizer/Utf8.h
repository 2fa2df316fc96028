// UTF-8 decoding for the tokenizer: a lenient code-point reader (invalid
// bytes stay addressable, one at a time) and a stream that turns token bytes
// into text without ever emitting half a character.
#ifndef LMC_RUNTIME_TOKENIZER_UTF8_H
#define LMC_RUNTIME_TOKENIZER_UTF8_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lmc::tokenizer {

// The code point at text[pos]: its value and byte length. An ill-formed
// sequence (bad lead byte, bad continuation, overlong form, surrogate,
// truncated) yields codePoint -1 and length 1, so every byte of any input
// belongs to exactly one unit.
struct CodePoint {
  int32_t codePoint;
  size_t length;
};
CodePoint decodeUtf8(std::string_view text, size_t pos);

// What the Unicode replacement character U+FFFD is in UTF-8.
inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Turns a byte stream into valid UTF-8 text as bytes arrive. push() returns
// every character completed so far and keeps an unfinished trailing
// sequence for the next call; ill-formed bytes become U+FFFD, one per
// maximal subpart (the Unicode "best practice", which Python's
// errors="replace" also follows), so the output is always valid UTF-8 and,
// for well-formed input, exactly the input.
class Utf8Stream {
public:
  std::string push(std::string_view bytes);
  // The rest: an unfinished sequence becomes one U+FFFD. The stream is
  // empty afterwards and can be reused.
  std::string finish();
  // Bytes held back, waiting for the rest of a character (0..3).
  size_t pending() const { return pending_.size(); }

private:
  std::string pending_;
};

// Valid UTF-8 for `bytes`, ill-formed parts replaced as Utf8Stream does.
std::string toValidUtf8(std::string_view bytes);

}  // namespace lmc::tokenizer

#endif  // LMC_RUNTIME_TOKENIZER_UTF8_H
