// Generation (runtime/generate): the sampler, the loop over a scripted
// Decoder, and the full-window decoder over a small .bin.
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "gtest/gtest.h"
#include "runtime/generate/Generate.h"
#include "runtime/generate/Sampler.h"
#include "runtime/src/Session.h"
#include "tests/unit/TestModels.h"

namespace lmc::generate {
namespace {

SamplingOptions sampling(double temperature, int64_t topK = 0, double topP = 1, uint64_t seed = 0) {
  SamplingOptions o;
  o.temperature = temperature;
  o.topK = topK;
  o.topP = topP;
  o.seed = seed;
  return o;
}

std::vector<int64_t> draws(const SamplingOptions &o, const std::vector<float> &logits, int n) {
  Sampler s(o);
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<int64_t> t = s.sample(logits);
    EXPECT_TRUE(t.ok()) << t.status();
    out.push_back(t.ok() ? *t : -1);
  }
  return out;
}

TEST(SamplerTest, GreedyIsTheFirstLargest) {
  Sampler s(sampling(0));
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(*s.sample(std::vector<float>{1, 3, 2, 3}), 1);
  EXPECT_EQ(*s.sample(std::vector<float>{-inf, -5, -inf}), 1);
  EXPECT_EQ(*s.sample(std::vector<float>{-2}), 0);
}

TEST(SamplerTest, RejectsNaNAndNoFiniteLogit) {
  Sampler s(sampling(1));
  const float inf = std::numeric_limits<float>::infinity();
  absl::StatusOr<int64_t> nan = s.sample(std::vector<float>{0, std::nanf(""), 1});
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().message(), "the logit of token 1 is NaN");
  absl::StatusOr<int64_t> none = s.sample(std::vector<float>{-inf, -inf});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "none of the 2 logits is finite");
}

TEST(SamplerTest, SeededAndReproducible) {
  const std::vector<float> logits = {0.1f, 0.5f, -0.3f, 0.9f, 0.0f, 0.2f, 0.7f, -1.0f};
  const std::vector<int64_t> a = draws(sampling(1, 0, 1, 42), logits, 20);
  EXPECT_EQ(a, draws(sampling(1, 0, 1, 42), logits, 20));
  EXPECT_NE(a, draws(sampling(1, 0, 1, 43), logits, 20));
  // Fixed by std::mt19937_64's sequence (the C++ standard's) and this
  // sampler's arithmetic, and reproduced by a separate Python
  // implementation of both: a change here changes every seeded generation.
  EXPECT_EQ(a, (std::vector<int64_t>{0, 5, 0, 3, 2, 3, 1, 6, 6, 6, 3, 1, 5, 5, 4, 2, 0, 1, 3, 3}));
  Sampler s(sampling(1, 0, 1, 0));
  EXPECT_EQ(s.uniform(), double(std::mt19937_64(0)() >> 11) * 0x1.0p-53);
}

TEST(SamplerTest, FollowsTheSoftmax) {
  // p = 0.5, 0.3, 0.2 at T = 1; at T = 2 the square roots, renormalized.
  const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  for (double t : {1.0, 2.0}) {
    const int n = 40000;
    std::vector<int64_t> got = draws(sampling(t, 0, 1, 7), logits, n);
    double want[3], total = 0;
    for (int i = 0; i < 3; ++i)
      total += want[i] = std::pow(std::exp(double(logits[size_t(i)])), 1 / t);
    for (int i = 0; i < 3; ++i) {
      const double share = double(std::count(got.begin(), got.end(), i)) / n;
      EXPECT_NEAR(share, want[i] / total, 0.01) << "token " << i << " at T=" << t;
    }
  }
}

TEST(SamplerTest, TopKAndTopP) {
  const std::vector<float> logits = {std::log(0.2f), std::log(0.5f), std::log(0.3f)};
  std::map<int64_t, int> seen;
  for (int64_t t : draws(sampling(1, 2, 1, 3), logits, 2000))
    ++seen[t];
  EXPECT_EQ(seen.count(0), 0u) << "top-k 2 keeps tokens 1 and 2";
  EXPECT_GT(seen[1], seen[2]);
  // Top-p 0.6: 0.5 < 0.6 <= 0.5 + 0.3, so tokens 1 and 2 again.
  seen.clear();
  for (int64_t t : draws(sampling(1, 0, 0.6, 3), logits, 2000))
    ++seen[t];
  EXPECT_EQ(seen.count(0), 0u);
  EXPECT_EQ(seen.size(), 2u);
  // Top-k 1 and a tiny top-p are greedy whatever the temperature.
  for (int64_t t : draws(sampling(5, 1, 1, 3), logits, 100))
    EXPECT_EQ(t, 1);
  for (int64_t t : draws(sampling(5, 0, 1e-9, 3), logits, 100))
    EXPECT_EQ(t, 1);
}

// A Decoder that records what it is fed and returns logits peaking at
// (last token + 1) % vocab.
class ScriptedDecoder : public Decoder {
public:
  ScriptedDecoder(int64_t context, int64_t vocab) : context_(context), logits_(size_t(vocab)) {}
  int64_t contextLength() const override { return context_; }
  int64_t vocabSize() const override { return int64_t(logits_.size()); }
  absl::StatusOr<absl::Span<const float>> feed(absl::Span<const int64_t> tokens,
                                               int64_t position) override {
    calls.emplace_back(position, std::vector<int64_t>(tokens.begin(), tokens.end()));
    std::fill(logits_.begin(), logits_.end(), 0.0f);
    logits_[size_t((tokens.back() + 1) % vocabSize())] = 1;
    return absl::Span<const float>(logits_);
  }
  std::vector<std::pair<int64_t, std::vector<int64_t>>> calls;

private:
  int64_t context_;
  std::vector<float> logits_;
};

GenerateOptions greedy(int64_t n) {
  GenerateOptions o;
  o.maxNewTokens = n;
  return o;
}

TEST(GenerateTest, FeedsThePromptThenOneTokenPerStep) {
  ScriptedDecoder d(16, 10);
  std::vector<int64_t> streamed;
  absl::StatusOr<GenerateResult> r = generate(d, std::vector<int64_t>{5, 6}, greedy(3),
                                              [&](int64_t t) {
                                                streamed.push_back(t);
                                                return absl::OkStatus();
                                              });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->tokens, (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(streamed, r->tokens);
  EXPECT_EQ(r->stop, StopReason::MaxTokens);
  using Call = std::pair<int64_t, std::vector<int64_t>>;
  // The last token is never fed: nothing would read its logits.
  EXPECT_EQ(d.calls, (std::vector<Call>{{0, {5, 6}}, {2, {7}}, {3, {8}}}));
}

TEST(GenerateTest, StopsWhenTheContextIsFull) {
  ScriptedDecoder d(5, 10);
  absl::StatusOr<GenerateResult> r =
      generate(d, std::vector<int64_t>{1, 2}, greedy(100), [](int64_t) { return absl::OkStatus(); });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->tokens, (std::vector<int64_t>{3, 4, 5}));  // 5 tokens in all
  EXPECT_EQ(r->stop, StopReason::ContextFull);
  EXPECT_EQ(d.calls.back().first, 3);

  absl::StatusOr<GenerateResult> full = generate(d, std::vector<int64_t>{1, 2, 3, 4, 5}, greedy(1),
                                                 [](int64_t) { return absl::OkStatus(); });
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().message(),
            "the prompt is 5 tokens, and the model holds 5: no room to generate");
  EXPECT_FALSE(generate(d, {}, greedy(1), [](int64_t) { return absl::OkStatus(); }).ok());
}

TEST(GenerateTest, StopTokenSampleBelowAndCallbackErrors) {
  ScriptedDecoder d(32, 10);
  GenerateOptions o = greedy(100);
  o.stopToken = 4;
  absl::StatusOr<GenerateResult> r =
      generate(d, std::vector<int64_t>{1}, o, [](int64_t) { return absl::OkStatus(); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tokens, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(r->stop, StopReason::StopToken);

  // Logits beyond sampleBelow (a padded vocabulary) are never picked: after
  // token 7 the peak is at 8, so the best of [0, 8) is the first zero, 0.
  o = greedy(3);
  o.sampleBelow = 8;
  r = generate(d, std::vector<int64_t>{6}, o, [](int64_t) { return absl::OkStatus(); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tokens, (std::vector<int64_t>{7, 0, 1}));

  r = generate(d, std::vector<int64_t>{1}, greedy(5), [](int64_t t) {
    return t == 3 ? absl::CancelledError("stop at 3") : absl::OkStatus();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "stop at 3");
}

// ---------------------------------------------------------------- WindowDecoder

std::unique_ptr<runtime::Session> openModel(void (*build)(format::Writer &)) {
  format::Writer w;
  build(w);
  const std::string path = lmc::testing::makeTempDir() + "/model.bin";
  EXPECT_TRUE(w.writeFile(path, "test").ok());
  absl::StatusOr<std::unique_ptr<runtime::Session>> s = runtime::openSession(path);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(*s) : nullptr;
}

void counting(format::Writer &w) { lmc::testing::buildCountingModel(w, 6, 8); }

TEST(WindowDecoderTest, RunsTheWindowAndReadsTheLastRow) {
  std::unique_ptr<runtime::Session> s = openModel(counting);
  ASSERT_NE(s, nullptr);
  absl::StatusOr<std::unique_ptr<WindowDecoder>> d = WindowDecoder::create(*s, "counting.bin");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->contextLength(), 6);
  EXPECT_EQ((*d)->vocabSize(), 8);
  // Row t - 1 of the window, not a padding row (those peak at 1).
  absl::StatusOr<GenerateResult> r = generate(**d, std::vector<int64_t>{2, 4}, greedy(10),
                                              [](int64_t) { return absl::OkStatus(); });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->tokens, (std::vector<int64_t>{5, 6, 7, 0}));
  EXPECT_EQ(r->stop, StopReason::ContextFull);

  // Feeding again at an earlier position forgets what came after it.
  absl::StatusOr<absl::Span<const float>> logits = (*d)->feed(std::vector<int64_t>{3}, 1);
  ASSERT_TRUE(logits.ok());
  EXPECT_EQ((*logits)[4], 1.0f);
  EXPECT_EQ((*logits)[3], -1.0f);
  EXPECT_FALSE((*d)->feed(std::vector<int64_t>{3}, 3).ok()) << "a gap";
  absl::StatusOr<absl::Span<const float>> bad = (*d)->feed(std::vector<int64_t>{8}, 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "token id 8 at position 2 is outside counting.bin's vocabulary [0, 8)");
  absl::StatusOr<absl::Span<const float>> over = (*d)->feed(std::vector<int64_t>(6, 1), 1);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(),
            "counting.bin holds 6 tokens (its input is [1, 6]); cannot feed 6 at position 1");
}

TEST(WindowDecoderTest, RejectsOtherInterfaces) {
  std::unique_ptr<runtime::Session> tiny = openModel(lmc::testing::buildTinyModel);
  ASSERT_NE(tiny, nullptr);
  absl::StatusOr<std::unique_ptr<WindowDecoder>> d = WindowDecoder::create(*tiny, "tiny.bin");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "tiny.bin is not a token-to-logits model: input 'x' is f32; generation needs one input "
            "of token ids [1, S] (i64 or i32) and one output of f32 logits [1, S, V] (this model: "
            "inputs 'x' f32 [2, 3]; outputs 'y' f32 [2, 2])");
  std::unique_ptr<runtime::Session> gather = openModel(lmc::testing::buildGatherModel);
  ASSERT_NE(gather, nullptr);
  d = WindowDecoder::create(*gather, "gather.bin");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("input 'ids' is not [1, S]"), std::string::npos)
      << d.status();
}

// ---------------------------------------------------------------- KV cuts

// The cache model (a step writes its token at its position of a 4-slot
// cache; y sums the cache) with its sum cut to the filled positions.
void cutCache(format::Writer &w) {
  lmc::testing::buildCacheModel(w);
  format::KvCut *c = w.metadata().mutable_kv_cache()->add_cut();
  c->set_instruction(2);
  c->set_operand(1);
  c->set_axis(0);
}

TEST(KvCutTest, AStepReadsThePositionsFilledSoFar) {
  std::unique_ptr<runtime::Session> s = openModel(cutCache);
  ASSERT_NE(s, nullptr);
  auto step = [&](int64_t token, int64_t position) {
    EXPECT_TRUE(s->bindInput(0, &token, 8).ok());
    EXPECT_TRUE(s->bindInput(1, &position, 8).ok());
    absl::Status st = s->run();
    EXPECT_TRUE(st.ok()) << st;
    float y;
    std::memcpy(&y, s->outputData(0), 4);
    return y;
  };
  EXPECT_EQ(step(5, 3), 5.0f);  // the cache [0, 0, 0, 5], all 4 read
  EXPECT_EQ(step(2, 0), 2.0f);  // [2, 0, 0, 5]: position 0 reads 1 slot
  EXPECT_EQ(step(1, 1), 3.0f);  // [2, 1, 0, 5]: 2 slots
  s->setCutKvAttention(false);  // the stream as written: every slot
  EXPECT_EQ(step(1, 1), 8.0f);
}

}  // namespace
}  // namespace lmc::generate
