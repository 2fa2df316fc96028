// Autoregressive generation over a compiled model. The model side is a
// Decoder ("feed tokens at positions, get the logits after the last one"),
// so a model without state (WindowDecoder: re-run the whole [1, S] window)
// and a KV-cache model (prefill, then one token per step) drive the same
// loop, generate().
#ifndef LMC_RUNTIME_GENERATE_GENERATE_H
#define LMC_RUNTIME_GENERATE_GENERATE_H

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "runtime/format/Format.h"
#include "runtime/generate/Sampler.h"

namespace lmc::runtime {
class Session;
}

namespace lmc::generate {

class Decoder {
public:
  virtual ~Decoder() = default;
  // Positions the model holds: every token fed lies in [0, contextLength()).
  virtual int64_t contextLength() const = 0;
  // Logits per position (the model's vocabulary; may be padded beyond the
  // tokenizer's).
  virtual int64_t vocabSize() const = 0;
  // Feeds `tokens` (at least one) at positions [position, position + n),
  // forgetting whatever was fed at or after `position` before; `position`
  // is at most the number of tokens held. Returns the logits predicting
  // the token at position + n, valid until the next call.
  virtual absl::StatusOr<absl::Span<const float>> feed(absl::Span<const int64_t> tokens,
                                                       int64_t position) = 0;
};

// A model without state whose one input is token ids [1, S] (int64 or
// int32) and whose one output is f32 logits [1, S, V]: each feed runs the
// whole window with the tokens held at positions [0, t) and token 0 after
// them (causal attention keeps positions >= t out of the logits at t - 1),
// and returns logits row t - 1.
class WindowDecoder : public Decoder {
public:
  // Checks the session's interface; `modelName` (the .bin path) starts
  // error messages.
  static absl::StatusOr<std::unique_ptr<WindowDecoder>> create(runtime::Session &session,
                                                               const std::string &modelName);

  int64_t contextLength() const override { return seq_; }
  int64_t vocabSize() const override { return vocab_; }
  absl::StatusOr<absl::Span<const float>> feed(absl::Span<const int64_t> tokens,
                                               int64_t position) override;

private:
  WindowDecoder(runtime::Session &session, std::string modelName)
      : session_(session), modelName_(std::move(modelName)) {}

  runtime::Session &session_;
  std::string modelName_;
  format::DType inputType_ = format::DType::I64;
  int64_t seq_ = 0, vocab_ = 0;
  std::vector<int64_t> tokens_;  // positions [0, t)
  std::vector<uint8_t> input_;
  std::vector<float> logits_;
};

// A KV-cache decoder (compiled with --kv-cache; Metadata.kv_cache): each
// feed runs the model one step of S tokens at a time at their positions,
// the cache (the session's state) keeping positions [0, N). Feeding at a
// position below the tokens held overwrites the cache from there on; the
// model's mask hides slots past each query's position, so nothing needs
// resetting. A last partial step is padded with token 0 (its slots are
// overwritten by the next feed); near the end of the cache a step starts
// early, refeeding held tokens.
//
// With a prefill model (the same model compiled with --kv-cache for more
// tokens per step, e.g. S = 32 for S = 1), a feed of several tokens (a
// prompt) runs in the prefill model's steps and single tokens in the
// decode model's; the cache moves between the two sessions
// (Session::copyStateFrom) when the other one is to run next.
class KvDecoder : public Decoder {
public:
  // `prefill` (may be null) must be a KV-cache decoder with the same cache,
  // vocabulary and inputs as `session`; the names start error messages.
  static absl::StatusOr<std::unique_ptr<KvDecoder>> create(runtime::Session &session,
                                                           const std::string &modelName,
                                                           runtime::Session *prefill = nullptr,
                                                           const std::string &prefillName = "");

  int64_t contextLength() const override { return decode_.context; }
  int64_t vocabSize() const override { return decode_.vocab; }
  absl::StatusOr<absl::Span<const float>> feed(absl::Span<const int64_t> tokens,
                                               int64_t position) override;

private:
  // One KV-cache .bin and its interface.
  struct Stepper {
    runtime::Session *session = nullptr;
    std::string name;
    size_t tokensInput = 0, positionInput = 0;
    int64_t step = 1, positionCount = 1, vocab = 0, context = 0;
  };
  static absl::StatusOr<Stepper> stepper(runtime::Session &session, const std::string &name);
  // Runs `stepper` over history_[position, end); returns the output row of
  // the token at end - 1.
  absl::StatusOr<const float *> run(const Stepper &stepper, int64_t position, int64_t end);

  KvDecoder() = default;

  Stepper decode_, prefill_;  // decode_'s cache length and vocabulary are the decoder's
  bool hasPrefill_ = false;
  const Stepper *active_ = nullptr;  // whose session holds the cache
  int64_t held_ = 0;              // tokens in the cache: positions [0, held_)
  std::vector<int64_t> history_;  // those tokens, to refeed a step that starts early
  std::vector<float> logits_;
};

// The decoder a .bin calls for: KvDecoder for a KV-cache decoder, else
// WindowDecoder. A prefill session is for KV-cache decoders only.
absl::StatusOr<std::unique_ptr<Decoder>> createDecoder(runtime::Session &session,
                                                       const std::string &modelName,
                                                       runtime::Session *prefill = nullptr,
                                                       const std::string &prefillName = "");

struct GenerateOptions {
  int64_t maxNewTokens = 64;
  SamplingOptions sampling;
  // Sample only ids below this (the tokenizer's vocabulary when the model's
  // logits are padded); 0: every logit.
  int64_t sampleBelow = 0;
  // Generation ends when this token is picked (it is not passed to onToken).
  int64_t stopToken = -1;
};

enum class StopReason {
  MaxTokens,    // maxNewTokens generated
  StopToken,    // the stop token was picked
  ContextFull,  // every position of the model holds a token
};

struct GenerateResult {
  std::vector<int64_t> tokens;  // generated, without the stop token
  StopReason stop = StopReason::MaxTokens;
  double firstTokenSeconds = 0;  // the prompt's feed and the first pick
  double totalSeconds = 0;
};

// Feeds the prompt (one or more tokens, fewer than the context length),
// then picks and feeds one token at a time, calling onToken with each as
// soon as it is picked (an error from it ends generation). The sequence
// never exceeds decoder.contextLength() tokens.
absl::StatusOr<GenerateResult> generate(Decoder &decoder, absl::Span<const int64_t> prompt,
                                        const GenerateOptions &options,
                                        const std::function<absl::Status(int64_t)> &onToken);

}  // namespace lmc::generate

#endif  // LMC_RUNTIME_GENERATE_GENERATE_H
