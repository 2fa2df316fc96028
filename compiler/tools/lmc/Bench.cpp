// `lmc bench`: times a .bin on this CPU with generated inputs and reports
// the median, min, max and spread of the runs, and tokens/s of a prefill or
// of a decode step.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compiler/tools/lmc/Args.h"
#include "compiler/tools/lmc/Commands.h"
#include "runtime/kernels/Half.h"
#include "runtime/src/Session.h"

namespace lmc::cli {
namespace {

using format::DType;

CommandSpec benchSpec() {
  CommandSpec spec;
  spec.name = "bench";
  spec.usage = "lmc bench model.bin [--runs N] [--warmup N] [--threads N] [--inputs random|zeros] "
               "[--position P] [--full-cache] [--reference] [--profile] [--json]";
  spec.summary =
      "Times a compiled model on this CPU. Every input is bound to generated data of its dtype\n"
      "and shape: deterministic pseudo-random values (floats in [-1, 1], integers such as token\n"
      "ids in [0, 100), bools 0/1) or zeros. After the warm-up runs, runs the model N times and\n"
      "prints the median, min and max time, the spread ((max - min) / median) and the median\n"
      "CPU time of the process per run (all its threads; less sensitive than wall time to other\n"
      "load on the machine). When the first input is an int64 [1, seq] token tensor, also\n"
      "prints the prefill rate, seq tokens per median run. For a KV-cache decoder (compiled with\n"
      "--kv-cache) the position input is bound to P (default 0) and one run is one decode step:\n"
      "prints the decode rate, tokens per step per median run. Its attention covers the cache\n"
      "positions filled after the step, P + S, when the compiler marked it (cpu target), and\n"
      "every position otherwise or with --full-cache; its caches hold generated values.";
  spec.options = {
      {"--runs", "N", "timed runs (default 10)"},
      {"--warmup", "N", "untimed runs first (default 2)"},
      {"--threads", "N", "threads to run on (default: one per hardware thread)"},
      {"--inputs", "random|zeros", "generated input values (default random)"},
      {"--position", "P", "a KV-cache decoder's step position (default 0)"},
      {"--full-cache", "", "a KV-cache decoder's attention covers every cache position"},
      {"--reference", "", "run the reference kernels only, for comparison with the fast paths"},
      {"--profile", "", "time every instruction of the timed runs and print where the time goes: "
                        "the top opcodes and ONNX nodes"},
      {"--json", "", "print one JSON object instead of text"},
  };
  spec.minPositional = 1;
  spec.maxPositional = 1;
  return spec;
}

int error(const std::string &message) { return commandError("bench", message); }

// CPU time of the whole process (every thread) in milliseconds.
double processCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

// Sorts `v` and returns its median (v is not empty).
double medianOf(std::vector<double> &v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Deterministic data of `dtype` for `count` elements: a fixed LCG, so two
// runs of lmc bench (and two machines) time the same inputs.
std::vector<uint8_t> makeInput(DType dtype, uint64_t count, bool zeros, uint32_t seed) {
  const size_t elem = format::dtypeSize(dtype);
  std::vector<uint8_t> bytes(count * elem, 0);
  if (zeros)
    return bytes;
  uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (uint64_t i = 0; i < count; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint32_t bits = static_cast<uint32_t>(x >> 33);
    const float unit = static_cast<float>(bits) / 2147483648.0f * 2.0f - 1.0f; // [-1, 1)
    const int64_t id = bits % 100;
    uint8_t *p = bytes.data() + i * elem;
    auto put = [&](auto v) { std::memcpy(p, &v, sizeof(v)); };
    switch (dtype) {
    case DType::F32:
      put(unit);
      break;
    case DType::F64:
      put(static_cast<double>(unit));
      break;
    case DType::F16:
      put(kernels::floatToHalf(unit));
      break;
    case DType::BF16:
      put(kernels::floatToBfloat16(unit));
      break;
    case DType::Bool:
      put(static_cast<uint8_t>(bits & 1));
      break;
    case DType::I8:
      put(static_cast<int8_t>(id));
      break;
    case DType::U8:
      put(static_cast<uint8_t>(id));
      break;
    case DType::I16:
      put(static_cast<int16_t>(id));
      break;
    case DType::U16:
      put(static_cast<uint16_t>(id));
      break;
    case DType::I32:
      put(static_cast<int32_t>(id));
      break;
    case DType::U32:
      put(static_cast<uint32_t>(id));
      break;
    case DType::I64:
      put(static_cast<int64_t>(id));
      break;
    case DType::U64:
      put(static_cast<uint64_t>(id));
      break;
    }
  }
  return bytes;
}

bool parseCount(const Args &args, const char *name, int fallback, int minimum, int &out) {
  out = fallback;
  return !args.has(name) || (absl::SimpleAtoi(args.get(name), &out) && out >= minimum);
}

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// Where a profiled run's time goes: per opcode and per ONNX node, ms per
// run and instruction counts, largest first.
struct ProfileEntry {
  std::string name;
  double ms = 0;
  int64_t instructions = 0;
};
struct Profile {
  double totalMs = 0;
  std::vector<ProfileEntry> opcodes, nodes;
};

Profile summarize(const runtime::Session &s, int runs) {
  const auto &insts = s.file().instructions();
  const std::vector<uint64_t> &nanos = s.instructionNanos();
  std::map<std::string, ProfileEntry> byOpcode;
  std::map<uint32_t, ProfileEntry> byNode;
  Profile p;
  for (size_t i = 0; i < insts.size() && i < nanos.size(); ++i) {
    const double ms = double(nanos[i]) / 1e6 / runs;
    p.totalMs += ms;
    ProfileEntry &op = byOpcode[format::opcodeInfo(insts[i].opcode()).mnemonic];
    op.ms += ms;
    ++op.instructions;
    const uint32_t loc = insts[i].header->location;
    ProfileEntry &node = byNode[loc];
    if (node.name.empty())
      node.name = s.file().describeLocation(loc);
    node.ms += ms;
    ++node.instructions;
  }
  for (auto &[name, e] : byOpcode) {
    e.name = name;
    p.opcodes.push_back(e);
  }
  for (auto &[loc, e] : byNode)
    p.nodes.push_back(e);
  auto byTime = [](const ProfileEntry &a, const ProfileEntry &b) {
    return a.ms != b.ms ? a.ms > b.ms : a.name < b.name;
  };
  std::sort(p.opcodes.begin(), p.opcodes.end(), byTime);
  std::sort(p.nodes.begin(), p.nodes.end(), byTime);
  return p;
}

void printTop(const char *what, const std::vector<ProfileEntry> &entries, double totalMs) {
  std::cout << absl::StrFormat("  top by %s:\n", what);
  for (size_t i = 0; i < entries.size() && i < 10; ++i)
    std::cout << absl::StrFormat("    %9.3f ms %5.1f%%  %4d instr  %s\n", entries[i].ms,
                                 totalMs > 0 ? 100 * entries[i].ms / totalMs : 0.0,
                                 entries[i].instructions, entries[i].name);
}

std::string profileJson(const std::vector<ProfileEntry> &entries) {
  std::string json = "[";
  for (size_t i = 0; i < entries.size(); ++i)
    absl::StrAppend(&json, i ? ", " : "", "{\"name\": ", jsonString(entries[i].name),
                    absl::StrFormat(", \"ms\": %.4f", entries[i].ms), ", \"instructions\": ",
                    entries[i].instructions, "}");
  return json + "]";
}

} // namespace

int benchMain(int argc, char **argv) {
  CommandSpec spec = benchSpec();
  Args args;
  if (std::optional<int> done = Args::parseCommand(spec, argc, argv, args))
    return *done;
  int runs = 0, warmup = 0, threads = 0;
  if (!parseCount(args, "--runs", 10, 1, runs))
    return usageError(
        absl::StrCat("lmc bench: --runs takes a positive integer, got '", args.get("--runs"), "'"));
  if (!parseCount(args, "--warmup", 2, 0, warmup))
    return usageError(absl::StrCat("lmc bench: --warmup takes an integer >= 0, got '",
                                   args.get("--warmup"), "'"));
  if (!parseCount(args, "--threads", 0, 1, threads))
    return usageError(absl::StrCat("lmc bench: --threads takes a positive integer, got '",
                                   args.get("--threads"), "'"));
  const std::string inputs = args.get("--inputs", "random");
  if (inputs != "random" && inputs != "zeros")
    return usageError(
        absl::StrCat("lmc bench: --inputs takes random or zeros, got '", inputs, "'"));
  const std::string modelPath = args.positional()[0];

  absl::StatusOr<std::unique_ptr<runtime::Session>> session = runtime::openSession(modelPath);
  if (!session.ok())
    return error(std::string(session.status().message()));
  runtime::Session &s = **session;
  s.setNumThreads(threads);
  const bool reference = args.has("--reference");
  s.setReferenceOnly(reference);

  const format::Metadata &meta = s.file().metadata();
  const bool decode = meta.has_kv_cache();
  int64_t stepPosition = 0;
  if (args.has("--position") &&
      (!decode || !absl::SimpleAtoi(args.get("--position"), &stepPosition) || stepPosition < 0))
    return usageError(absl::StrCat("lmc bench: --position takes an integer >= 0 and a KV-cache "
                                   "decoder (compiled with --kv-cache), got '",
                                   args.get("--position"), "'"));
  if (args.has("--full-cache") && !decode)
    return usageError("lmc bench: --full-cache applies to a KV-cache decoder (--kv-cache)");
  s.setCutKvAttention(!args.has("--full-cache"));
  for (size_t i = 0; i < s.numInputs(); ++i) {
    const DType dtype = static_cast<DType>(s.inputInfo(i).dtype());
    const uint64_t count = s.inputBytes(i) / format::dtypeSize(dtype);
    const bool position = decode && s.inputInfo(i).name() == meta.kv_cache().position_input();
    std::vector<uint8_t> data = makeInput(dtype, count, inputs == "zeros" || position, uint32_t(i));
    // The step's position: P, or P, P + 1, ... with one per token.
    if (position)
      for (uint64_t k = 0; k < count; ++k) {
        const int64_t p = stepPosition + int64_t(k);
        if (dtype == DType::I64)
          std::memcpy(data.data() + 8 * k, &p, 8);
        else if (dtype == DType::I32) {
          const int32_t q = int32_t(p);
          std::memcpy(data.data() + 4 * k, &q, 4);
        }
      }
    if (absl::Status st = s.bindInput(i, data.data(), data.size()); !st.ok())
      return error(std::string(st.message()));
  }
  // A decoder's caches hold generated values, as after a long sequence:
  // a zeroed cache would be read from the kernel's shared zero page.
  for (size_t i = 0; i < s.numStateTensors(); ++i) {
    const DType dtype = static_cast<DType>(meta.state(int(i)).dtype());
    const uint64_t bytes = s.stateTensorBytes(i);
    std::vector<uint8_t> data = makeInput(dtype, bytes / format::dtypeSize(dtype),
                                          inputs == "zeros", uint32_t(1000 + i));
    std::memcpy(s.stateTensorData(i), data.data(), std::min<uint64_t>(bytes, data.size()));
  }

  using Clock = std::chrono::steady_clock;
  std::vector<double> ms, cpuMs;
  const bool profile = args.has("--profile");
  for (int r = 0; r < warmup + runs; ++r) {
    if (profile && r == warmup)
      s.setProfiling(true);
    const double cpuStart = processCpuMs();
    const Clock::time_point start = Clock::now();
    if (absl::Status st = s.run(); !st.ok())
      return error(std::string(st.message()));
    const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (r >= warmup) {
      ms.push_back(elapsed);
      cpuMs.push_back(processCpuMs() - cpuStart);
    }
  }
  const double median = medianOf(ms);
  const double cpuMedian = medianOf(cpuMs);
  const double lo = ms.front(), hi = ms.back();
  const double spread = median > 0 ? (hi - lo) / median : 0;

  // A prefill: the first input is int64 [1, seq] token ids; a decode step:
  // the decoder's tokens per step.
  int64_t tokens = 0;
  if (decode) {
    tokens = static_cast<int64_t>(meta.kv_cache().tokens_per_step());
  } else if (s.numInputs() > 0) {
    const format::TensorInfo &first = s.inputInfo(0);
    if (static_cast<DType>(first.dtype()) == DType::I64 && first.shape_size() == 2 &&
        first.shape(0) == 1)
      tokens = first.shape(1);
  }
  const double tokensPerSecond = tokens > 0 && median > 0 ? tokens / (median / 1000.0) : 0;
  const char *kernels = reference ? "reference" : kernels::simdLevelName();
  // The positions a step's attention covers (FORMAT.md F18).
  const int64_t cachePositions = decode ? int64_t(meta.kv_cache().max_context()) : 0;
  const int64_t attended = decode && meta.kv_cache().cut_size() > 0 && !args.has("--full-cache")
                               ? std::min(cachePositions, stepPosition + tokens)
                               : cachePositions;

  const Profile prof = profile ? summarize(s, runs) : Profile();
  if (args.has("--json")) {
    std::string json =
        absl::StrCat("{\"model\": ", jsonString(modelPath), ", \"runs\": ", runs,
                     ", \"warmup\": ", warmup, ", \"threads\": ", s.numThreads(),
                     ", \"kernels\": \"", kernels, "\", \"inputs\": \"", inputs, "\"",
                     absl::StrFormat(", \"median_ms\": %.4f, \"min_ms\": %.4f, \"max_ms\": %.4f, "
                                     "\"spread\": %.4f, \"cpu_median_ms\": %.4f",
                                     median, lo, hi, spread, cpuMedian));
    if (tokens > 0)
      absl::StrAppend(&json, ", \"mode\": \"", decode ? "decode" : "prefill", "\", \"tokens\": ",
                      tokens, absl::StrFormat(", \"tokens_per_second\": %.2f", tokensPerSecond));
    if (decode)
      absl::StrAppend(&json, ", \"position\": ", stepPosition, ", \"attended_positions\": ",
                      attended, ", \"cache_positions\": ", meta.kv_cache().max_context());
    if (profile)
      absl::StrAppend(&json, ", \"profile\": {\"opcodes\": ", profileJson(prof.opcodes),
                      ", \"nodes\": ", profileJson(prof.nodes), "}");
    std::cout << json << "}\n";
    return 0;
  }
  std::cout << absl::StrFormat("%s: %d runs after %d warm-up, %d thread%s, %s kernels\n", modelPath,
                               runs, warmup, s.numThreads(), s.numThreads() == 1 ? "" : "s",
                               kernels);
  std::cout << absl::StrFormat(
      "  median %.3f ms  min %.3f ms  max %.3f ms  spread %.1f%%  cpu %.3f ms per run\n", median,
      lo, hi, spread * 100, cpuMedian);
  if (decode)
    std::cout << absl::StrFormat("  decode: %d token%s per step (one run) at position %d, %.1f "
                                 "tokens/s, attending over %d of the KV cache's %d positions\n",
                                 tokens, tokens == 1 ? "" : "s", stepPosition, tokensPerSecond,
                                 attended, meta.kv_cache().max_context());
  else if (tokens > 0)
    std::cout << absl::StrFormat("  prefill: %d tokens per run, %.1f tokens/s\n", tokens,
                                 tokensPerSecond);
  if (profile) {
    std::cout << absl::StrFormat("profile: %.3f ms per run in instructions (the rest: binding, "
                                 "clearing working memory)\n",
                                 prof.totalMs);
    printTop("opcode", prof.opcodes, prof.totalMs);
    printTop("ONNX node", prof.nodes, prof.totalMs);
  }
  return 0;
}

} // namespace lmc::cli
