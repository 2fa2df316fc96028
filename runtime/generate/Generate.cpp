// The generation loop and the full-window decoder (see Generate.h).
#include "runtime/generate/Generate.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/src/Session.h"

namespace lmc::generate {
namespace {

using format::DType;

std::string describe(const format::TensorInfo &t) {
  return absl::StrCat("'", t.name(), "' ", format::dtypeName(static_cast<DType>(t.dtype())), " [",
                      absl::StrJoin(t.shape(), ", "), "]");
}

}  // namespace

absl::StatusOr<std::unique_ptr<WindowDecoder>> WindowDecoder::create(runtime::Session &session,
                                                                     const std::string &modelName) {
  std::vector<std::string> inputs, outputs;
  for (size_t i = 0; i < session.numInputs(); ++i)
    inputs.push_back(describe(session.inputInfo(i)));
  for (size_t i = 0; i < session.numOutputs(); ++i)
    outputs.push_back(describe(session.outputInfo(i)));
  const auto unsupported = [&](const std::string &problem) {
    return absl::InvalidArgumentError(absl::StrCat(
        modelName, " is not a token-to-logits model: ", problem,
        "; generation needs one input of token ids [1, S] (i64 or i32) and one output of f32 "
        "logits [1, S, V] (this model: inputs ",
        inputs.empty() ? "none" : absl::StrJoin(inputs, ", "), "; outputs ",
        outputs.empty() ? "none" : absl::StrJoin(outputs, ", "), ")"));
  };
  if (session.numInputs() != 1)
    return unsupported(absl::StrCat("it has ", session.numInputs(), " inputs"));
  if (session.numOutputs() != 1)
    return unsupported(absl::StrCat("it has ", session.numOutputs(), " outputs"));
  const format::TensorInfo &in = session.inputInfo(0);
  const format::TensorInfo &out = session.outputInfo(0);
  const DType inType = static_cast<DType>(in.dtype());
  if (inType != DType::I64 && inType != DType::I32)
    return unsupported(absl::StrCat("input '", in.name(), "' is ", format::dtypeName(inType)));
  if (in.shape_size() != 2 || in.shape(0) != 1 || in.shape(1) < 1)
    return unsupported(absl::StrCat("input '", in.name(), "' is not [1, S]"));
  if (static_cast<DType>(out.dtype()) != DType::F32)
    return unsupported(absl::StrCat("output '", out.name(), "' is ",
                                    format::dtypeName(static_cast<DType>(out.dtype()))));
  if (out.shape_size() != 3 || out.shape(0) != 1 || out.shape(1) != in.shape(1) ||
      out.shape(2) < 1)
    return unsupported(absl::StrCat("output '", out.name(), "' is not [1, ", in.shape(1), ", V]"));

  std::unique_ptr<WindowDecoder> d(new WindowDecoder(session, modelName));
  d->inputType_ = inType;
  d->seq_ = in.shape(1);
  d->vocab_ = out.shape(2);
  d->input_.resize(size_t(session.inputBytes(0)));
  d->logits_.resize(size_t(d->vocab_));
  return d;
}

absl::StatusOr<absl::Span<const float>> WindowDecoder::feed(absl::Span<const int64_t> tokens,
                                                            int64_t position) {
  if (tokens.empty() || position < 0 || position > int64_t(tokens_.size()))
    return absl::InvalidArgumentError(absl::StrCat("cannot feed ", tokens.size(),
                                                   " tokens at position ", position, " after ",
                                                   tokens_.size(), " tokens"));
  if (position + int64_t(tokens.size()) > seq_)
    return absl::OutOfRangeError(absl::StrCat(
        modelName_, " holds ", seq_, " tokens (its input is [1, ", seq_, "]); cannot feed ",
        tokens.size(), " at position ", position));
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= vocab_)
      return absl::InvalidArgumentError(absl::StrCat("token id ", tokens[i], " at position ",
                                                     position + int64_t(i), " is outside ",
                                                     modelName_, "'s vocabulary [0, ", vocab_, ")"));
  tokens_.resize(size_t(position));
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());

  // Known tokens, then token 0 up to S.
  std::memset(input_.data(), 0, input_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (inputType_ == DType::I64) {
      std::memcpy(input_.data() + i * 8, &tokens_[i], 8);
    } else {
      const int32_t v = int32_t(tokens_[i]);
      std::memcpy(input_.data() + i * 4, &v, 4);
    }
  }
  if (absl::Status st = session_.bindInput(0, input_.data(), input_.size()); !st.ok())
    return st;
  if (absl::Status st = session_.run(); !st.ok())
    return st;
  const size_t row = (tokens_.size() - 1) * size_t(vocab_);
  std::memcpy(logits_.data(), session_.outputData(0) + row * sizeof(float),
              logits_.size() * sizeof(float));
  return absl::Span<const float>(logits_);
}

absl::StatusOr<KvDecoder::Stepper> KvDecoder::stepper(runtime::Session &session,
                                                      const std::string &name) {
  const format::Metadata &meta = session.file().metadata();
  const format::KvCache &kv = meta.kv_cache();
  const auto bad = [&](const std::string &problem) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " is a KV-cache decoder, but ", problem,
        "; generation needs an integer tokens input [1, S], a position input and one f32 "
        "logits output [1, S, V] (see docs/kv-cache.md)"));
  };
  std::optional<size_t> tokens = session.findInput(kv.tokens_input());
  std::optional<size_t> position = session.findInput(kv.position_input());
  if (!tokens || !position)
    return bad("its tokens or position input is not named in its metadata");
  if (session.numInputs() != 2 || session.numOutputs() != 1)
    return bad(absl::StrCat("it has ", session.numInputs(), " inputs and ",
                            session.numOutputs(), " outputs"));
  const format::TensorInfo &t = session.inputInfo(*tokens), &p = session.inputInfo(*position);
  const format::TensorInfo &out = session.outputInfo(0);
  const int64_t step = int64_t(kv.tokens_per_step());
  if (static_cast<DType>(t.dtype()) != DType::I64 || t.shape_size() != 2 || t.shape(1) != step)
    return bad(absl::StrCat("its input '", t.name(), "' is not i64 [1, ", step, "]"));
  if (static_cast<DType>(p.dtype()) != DType::I64)
    return bad(absl::StrCat("its position input '", p.name(), "' is not i64"));
  if (static_cast<DType>(out.dtype()) != DType::F32 || out.shape_size() != 3 ||
      out.shape(1) != step)
    return bad(absl::StrCat("its output '", out.name(), "' is not f32 [1, ", step, ", V]"));
  Stepper s;
  s.session = &session;
  s.name = name;
  s.tokensInput = *tokens;
  s.positionInput = *position;
  s.step = step;
  s.positionCount = int64_t(session.inputBytes(*position) / 8);
  s.vocab = out.shape(2);
  s.context = int64_t(kv.max_context());
  return s;
}

absl::StatusOr<std::unique_ptr<KvDecoder>> KvDecoder::create(runtime::Session &session,
                                                             const std::string &modelName,
                                                             runtime::Session *prefill,
                                                             const std::string &prefillName) {
  absl::StatusOr<Stepper> decode = stepper(session, modelName);
  if (!decode.ok())
    return decode.status();
  std::unique_ptr<KvDecoder> d(new KvDecoder());
  d->decode_ = *decode;
  d->logits_.resize(size_t(decode->vocab));
  session.resetState();
  d->active_ = &d->decode_;
  if (!prefill)
    return d;

  const auto mismatch = [&](const std::string &what) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the prefill model ", prefillName, " does not match ", modelName, ": ", what,
        "; compile both from one model with --kv-cache (the same --max-context), the prefill "
        "one with more tokens per step"));
  };
  if (!prefill->file().metadata().has_kv_cache())
    return mismatch("it is not a KV-cache decoder (compiled without --kv-cache)");
  absl::StatusOr<Stepper> pre = stepper(*prefill, prefillName);
  if (!pre.ok())
    return pre.status();
  if (pre->context != decode->context)
    return mismatch(absl::StrCat("its cache holds ", pre->context, " positions, the other's ",
                                 decode->context));
  if (pre->vocab != decode->vocab)
    return mismatch(absl::StrCat("its logits have ", pre->vocab, " entries, the other's ",
                                 decode->vocab));
  prefill->resetState();
  // Both caches are zero here: the copy only checks that the layouts agree.
  if (absl::Status st = prefill->copyStateFrom(session); !st.ok())
    return mismatch(std::string(st.message()));
  d->prefill_ = *pre;
  d->hasPrefill_ = true;
  return d;
}

absl::StatusOr<const float *> KvDecoder::run(const Stepper &stepper, int64_t position,
                                             int64_t end) {
  runtime::Session &session = *stepper.session;
  std::vector<int64_t> ids(static_cast<size_t>(stepper.step));
  std::vector<int64_t> positions(static_cast<size_t>(stepper.positionCount));
  int64_t last = 0;
  for (int64_t next = position; next < end;) {
    // A step writes S slots: near the end of the cache it starts early,
    // rewriting held tokens with the same values.
    const int64_t start = std::min(next, decode_.context - stepper.step);
    const int64_t n = std::min(stepper.step, end - start);
    std::fill(ids.begin(), ids.end(), 0);
    std::copy(history_.begin() + start, history_.begin() + start + n, ids.begin());
    for (int64_t i = 0; i < stepper.positionCount; ++i)
      positions[size_t(i)] = start + i;
    if (absl::Status st = session.bindInput(stepper.tokensInput, ids.data(), ids.size() * 8);
        !st.ok())
      return st;
    if (absl::Status st =
            session.bindInput(stepper.positionInput, positions.data(), positions.size() * 8);
        !st.ok())
      return st;
    if (absl::Status st = session.run(); !st.ok())
      return st;
    last = n - 1;
    next = start + n;
  }
  return reinterpret_cast<const float *>(session.outputData(0)) + last * decode_.vocab;
}

absl::StatusOr<absl::Span<const float>> KvDecoder::feed(absl::Span<const int64_t> tokens,
                                                        int64_t position) {
  if (tokens.empty() || position < 0 || position > held_)
    return absl::InvalidArgumentError(absl::StrCat("cannot feed ", tokens.size(),
                                                   " tokens at position ", position, " after ",
                                                   held_, " tokens"));
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= decode_.vocab)
      return absl::InvalidArgumentError(absl::StrCat("token id ", tokens[i], " at position ",
                                                     position + int64_t(i), " is outside ",
                                                     decode_.name, "'s vocabulary [0, ",
                                                     decode_.vocab, ")"));
  // Several tokens go to the prefill model when there is one (its steps
  // hold more tokens), one token to the decode model.
  const Stepper &use = hasPrefill_ && tokens.size() > 1 ? prefill_ : decode_;
  const int64_t end = position + int64_t(tokens.size());
  if (end > decode_.context || use.step > decode_.context)
    return absl::OutOfRangeError(absl::StrCat(use.name, "'s KV cache holds ", decode_.context,
                                              " positions; cannot feed ", tokens.size(),
                                              " tokens at position ", position));
  history_.resize(size_t(position));
  history_.insert(history_.end(), tokens.begin(), tokens.end());
  // The cache moves to the session that runs next when it holds tokens
  // this feed keeps (positions before `position`).
  if (active_ != &use) {
    if (position > 0)
      if (absl::Status st = use.session->copyStateFrom(*active_->session); !st.ok())
        return st;
    active_ = &use;
  }
  absl::StatusOr<const float *> row = run(use, position, end);
  if (!row.ok())
    return row.status();
  held_ = end;
  std::memcpy(logits_.data(), *row, logits_.size() * sizeof(float));
  return absl::Span<const float>(logits_);
}

absl::StatusOr<std::unique_ptr<Decoder>> createDecoder(runtime::Session &session,
                                                       const std::string &modelName,
                                                       runtime::Session *prefill,
                                                       const std::string &prefillName) {
  if (session.file().metadata().has_kv_cache()) {
    absl::StatusOr<std::unique_ptr<KvDecoder>> kv =
        KvDecoder::create(session, modelName, prefill, prefillName);
    if (!kv.ok())
      return kv.status();
    return std::unique_ptr<Decoder>(std::move(*kv));
  }
  if (prefill)
    return absl::InvalidArgumentError(absl::StrCat(
        "a prefill model is for KV-cache decoders, and ", modelName,
        " was compiled without --kv-cache (it reruns its whole window for every token)"));
  absl::StatusOr<std::unique_ptr<WindowDecoder>> window = WindowDecoder::create(session, modelName);
  if (!window.ok())
    return window.status();
  return std::unique_ptr<Decoder>(std::move(*window));
}

absl::StatusOr<GenerateResult> generate(Decoder &decoder, absl::Span<const int64_t> prompt,
                                        const GenerateOptions &options,
                                        const std::function<absl::Status(int64_t)> &onToken) {
  using Clock = std::chrono::steady_clock;
  const int64_t context = decoder.contextLength();
  if (prompt.empty())
    return absl::InvalidArgumentError("the prompt has no tokens");
  if (int64_t(prompt.size()) >= context)
    return absl::OutOfRangeError(
        absl::StrCat("the prompt is ", prompt.size(), " tokens, and the model holds ", context,
                     ": no room to generate"));
  GenerateResult result;
  Sampler sampler(options.sampling);
  const Clock::time_point start = Clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };

  absl::StatusOr<absl::Span<const float>> logits = decoder.feed(prompt, 0);
  int64_t length = int64_t(prompt.size());
  while (logits.ok()) {
    if (int64_t(result.tokens.size()) >= options.maxNewTokens)
      break;
    if (length >= context) {
      result.stop = StopReason::ContextFull;
      break;
    }
    absl::Span<const float> row = *logits;
    if (options.sampleBelow > 0 && int64_t(row.size()) > options.sampleBelow)
      row = row.subspan(0, size_t(options.sampleBelow));
    absl::StatusOr<int64_t> token = sampler.sample(row);
    if (!token.ok())
      return absl::InvalidArgumentError(absl::StrCat("at position ", length, ": ",
                                                     token.status().message()));
    if (result.tokens.empty())
      result.firstTokenSeconds = seconds();
    if (*token == options.stopToken) {
      result.stop = StopReason::StopToken;
      break;
    }
    result.tokens.push_back(*token);
    if (absl::Status st = onToken(*token); !st.ok())
      return st;
    ++length;
    if (int64_t(result.tokens.size()) < options.maxNewTokens && length < context)
      logits = decoder.feed(absl::MakeConstSpan(&*token, 1), length - 1);
  }
  if (!logits.ok())
    return logits.status();
  result.totalSeconds = seconds();
  return result;
}

}  // namespace lmc::generate
