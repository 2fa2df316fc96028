// `lmc simulate`: the cycle-approximate simulator (simulator/) on a .bin:
// report, schedule verification, functional outputs, trace and what-if.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "compiler/tools/lmc/Args.h"
#include "compiler/tools/lmc/Commands.h"
#include "runtime/format/OutputFile.h"
#include "runtime/format/TargetLoader.h"
#include "runtime/src/Npy.h"
#include "simulator/Simulator.h"

namespace lmc::cli {
namespace {

using format::DType;

// Functional mode's default: on when the inputs and working memory are at
// most these sizes (and the weights are present).
constexpr uint64_t kAutoInputBytes = 64ull << 20;
constexpr uint64_t kAutoWorkingBytes = 1ull << 30;

CommandSpec simulateSpec() {
  CommandSpec spec;
  spec.name = "simulate";
  spec.usage = "lmc simulate model.bin [--set KEY=VALUE ...] [--sweep KEY=V1,V2,...] [--json] "
               "[--trace FILE.json] [--strict] [--functional|--no-functional] "
               "[--input NAME=FILE.npy ...] [--output-dir DIR] [--stream K] [--no-replay]";
  spec.summary =
      "Simulates a .bin on the machine it was compiled for (the target embedded in it, with\n"
      "--set overrides): every instruction issues at the latest of its static cycle, its\n"
      "operands being ready and a free instance of its unit; durations come from the\n"
      "compiler's cost model plus DRAM and SRAM slice-group bandwidth sharing and waits for\n"
      "busy chip-to-chip links. Reports latency, tokens/s of a [1, seq] token prefill (or,\n"
      "for a --kv-cache decoder, of one decode step: tokens per step / step latency), unit\n"
      "busy %, stalls, SRAM peak and timeline, SRAM slice groups (slice-bound instructions,\n"
      "busiest groups), DRAM bytes, link bytes and busiest links, energy, the roofline\n"
      "class, the top ONNX nodes by time and the critical path (what each instruction on it\n"
      "waited for, its time by unit and by node), and verifies the compiler's schedule (unit\n"
      "double-booked, operand read before written, bytes overwritten while live).\n"
      "Functional mode executes the instructions with the runtime kernels in simulated order\n"
      "(on by default when the weights are present and the model is small; inputs are\n"
      "--input files or deterministic random data; a decoder's position 0, its cache\n"
      "zeroed). cpu binaries have no machine model: only the functional result. --set keys\n"
      "are Target fields (docs/simulator.md): clock_mhz, sram.bytes, sram.stripe_slices,\n"
      "dram.bytes_per_cycle, units.MXM.count, units.MXM.rates.f16, energy.*.";
  spec.options = {
      {"--set", "KEY=VALUE", "override a target field for this run", true},
      {"--sweep", "KEY=V1,V2,...",
       "simulate once per value of KEY and print a table (latency, tokens/s, energy)"},
      {"--json", "", "print one JSON object instead of text"},
      {"--trace", "FILE", "write a Chrome trace-event JSON file (Perfetto, chrome://tracing)"},
      {"--strict", "", "exit with an error if the compiler's schedule has a violation"},
      {"--functional", "", "execute the instructions (needs the weights)"},
      {"--no-functional", "", "timing only"},
      {"--input", "NAME=FILE.npy", "bind an input for functional mode", true},
      {"--inputs", "NAME=FILE.npy", "same as --input", true},
      {"--output-dir", "DIR", "write each output of functional mode to DIR/<name>.npy"},
      {"--stream", "K",
       "also simulate K (2 to 1000) inputs entering back to back: the measured interval "
       "between inputs and the throughput (a multi-chip pipeline's)"},
      {"--no-replay", "",
       "track every instruction's bytes instead of replaying repeated periods (the same "
       "results, slower; docs/simulator.md, \"Period replay\")"},
  };
  spec.minPositional = 1;
  spec.maxPositional = 1;
  return spec;
}

int error(const std::string &message) { return commandError("simulate", message); }

absl::Status writeText(const std::string &path, const std::string &text) {
  const std::string tmp = format::stagingPath(path);
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f || !f.write(text.data(), std::streamsize(text.size())) || !f.flush()) {
      format::discardOutput(tmp, path);
      return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
    }
  }
  if (!format::commitOutput(tmp, path)) {
    format::discardOutput(tmp, path);
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

std::string describeType(DType dtype, const std::vector<int64_t> &shape) {
  return absl::StrCat(format::dtypeName(dtype), " [", absl::StrJoin(shape, ", "), "]");
}

}  // namespace

int simulateMain(int argc, char **argv) {
  CommandSpec spec = simulateSpec();
  Args args;
  if (std::optional<int> done = Args::parseCommand(spec, argc, argv, args))
    return *done;
  if (args.has("--functional") && args.has("--no-functional"))
    return usageError("lmc simulate: --functional and --no-functional exclude each other");
  std::vector<std::pair<std::string, std::string>> bindings;
  std::vector<std::string> inputArgs = args.getAll("--input");
  for (const std::string &s : args.getAll("--inputs"))
    inputArgs.push_back(s);
  for (const std::string &binding : inputArgs) {
    size_t eq = binding.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == binding.size())
      return usageError(
          absl::StrCat("lmc simulate: --input takes NAME=FILE.npy, got '", binding, "'"));
    bindings.emplace_back(binding.substr(0, eq), binding.substr(eq + 1));
  }
  std::string sweepKey;
  std::vector<std::string> sweepValues;
  if (args.has("--sweep")) {
    std::string sweep = args.get("--sweep");
    size_t eq = sweep.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == sweep.size())
      return usageError(absl::StrCat(
          "lmc simulate: --sweep takes KEY=V1,V2,... (e.g. dram.bytes_per_cycle=17,34,68), got '",
          sweep, "'"));
    sweepKey = sweep.substr(0, eq);
    sweepValues = absl::StrSplit(sweep.substr(eq + 1), ',', absl::SkipEmpty());
  }

  const std::string path = args.positional()[0];
  absl::StatusOr<std::unique_ptr<format::BinFile>> opened = format::BinFile::open(path);
  if (!opened.ok())
    return error(std::string(opened.status().message()));
  const format::BinFile &file = **opened;
  const format::Metadata &meta = file.metadata();

  format::Target target = meta.target();
  for (const std::string &assignment : args.getAll("--set"))
    if (absl::Status s = sim::applyOverride(target, assignment); !s.ok())
      return error(std::string(s.message()));
  const std::string which = args.has("--set") ? "the target after --set"
                                              : absl::StrCat(path, "'s embedded target");
  if (absl::Status s = format::validateTarget(target, which); !s.ok())
    return error(std::string(s.message()));

  if (!sweepKey.empty()) {
    if (target.granularity() != format::Target::TILE)
      return error(absl::StrCat(path, ": target '", target.name(),
                                "' has no machine model, so there is nothing to sweep"));
    sim::Options options;
    options.verify = false;
    options.keepTimeline = false;
    options.keepTimings = false;
    std::string table, jsonRows;
    table = absl::StrFormat("%-24s %14s %14s %14s %14s %8s\n", sweepKey, "cycles", "latency_us",
                            "tokens/s", "energy_mJ", "bound");
    for (const std::string &v : sweepValues) {
      format::Target t = target;
      if (absl::Status s = sim::applyOverride(t, absl::StrCat(sweepKey, "=", v)); !s.ok())
        return error(std::string(s.message()));
      if (absl::Status s = format::validateTarget(t, absl::StrCat("--sweep ", sweepKey, "=", v));
          !s.ok())
        return error(std::string(s.message()));
      absl::StatusOr<sim::Result> r = sim::simulate(file, t, options);
      if (!r.ok())
        return error(std::string(r.status().message()));
      table += absl::StrFormat("%-24s %14u %14.3f %14.6g %14.6g %8s\n", v, r->totalCycles,
                               r->latencySeconds * 1e6, r->tokensPerSecond, r->energy.totalJ * 1e3,
                               r->bound);
      absl::StrAppend(&jsonRows, jsonRows.empty() ? "" : ", ", "{\"value\": \"", v,
                      "\", \"cycles\": ", r->totalCycles,
                      absl::StrFormat(", \"latency_s\": %.6g, \"tokens_per_s\": %.6g, "
                                      "\"energy_j\": %.6g, \"bound\": \"%s\"}",
                                      r->latencySeconds, r->tokensPerSecond, r->energy.totalJ,
                                      r->bound));
    }
    if (args.has("--json"))
      std::cout << "{\"file\": \"" << path << "\", \"sweep\": \"" << sweepKey << "\", \"rows\": ["
                << jsonRows << "]}\n";
    else
      std::cout << path << " on " << target.name() << ": sweep of " << sweepKey << "\n" << table;
    return 0;
  }

  // Functional mode: explicit, or by default when it is cheap.
  uint64_t inputBytes = 0;
  for (const format::TensorInfo &t : file.io().inputs()) {
    uint64_t b = format::dtypeSize(static_cast<DType>(t.dtype()));
    for (int64_t d : t.shape())
      b *= uint64_t(d);
    inputBytes += b;
  }
  bool functional;
  if (args.has("--functional")) {
    if (meta.weights_absent())
      return error(absl::StrCat(path, ": compiled with --no-weights, so there is nothing to "
                                      "execute; simulate without --functional for timing only"));
    functional = true;
  } else if (args.has("--no-functional")) {
    functional = false;
  } else {
    functional = !meta.weights_absent() && inputBytes <= kAutoInputBytes &&
                 meta.sram_bytes() + meta.dram_bytes() + meta.state_bytes() <= kAutoWorkingBytes;
  }
  if ((args.has("--output-dir") || !bindings.empty()) && !functional)
    return error(absl::StrCat(path, ": --output-dir and --input need functional mode",
                              meta.weights_absent() ? " (this .bin has no weights)"
                                                    : "; add --functional"));

  sim::Options options;
  options.functional = functional;
  options.keepTimeline = true;
  options.keepTimings = args.has("--trace");
  options.replay = !args.has("--no-replay");
  options.inputs.resize(size_t(file.io().inputs_size()));
  std::set<std::string> seen;
  for (const auto &[name, npyPath] : bindings) {
    int index = -1;
    for (int i = 0; i < file.io().inputs_size(); ++i)
      if (file.io().inputs(i).name() == name)
        index = i;
    if (index < 0)
      return error(absl::StrCat(path, " has no input '", name, "'"));
    if (!seen.insert(name).second)
      return error(absl::StrCat("input '", name, "' is bound more than once"));
    absl::StatusOr<runtime::NpyArray> array = runtime::readNpy(npyPath);
    if (!array.ok())
      return error(std::string(array.status().message()));
    const format::TensorInfo &info = file.io().inputs(index);
    DType want = static_cast<DType>(info.dtype());
    std::vector<int64_t> wantShape(info.shape().begin(), info.shape().end());
    if (array->dtype != want || array->shape != wantShape)
      return error(absl::StrCat("input '", name, "' of ", path, " expects ",
                                describeType(want, wantShape), ", ", npyPath, " holds ",
                                describeType(array->dtype, array->shape)));
    options.inputs[size_t(index)] = std::move(array->data);
  }

  absl::StatusOr<sim::Result> result = sim::simulate(file, target, options);
  if (!result.ok())
    return error(std::string(result.status().message()));
  const sim::Result &r = *result;

  if (args.has("--trace"))
    if (absl::Status s = writeText(args.get("--trace"), sim::traceJson(file, r)); !s.ok())
      return error(std::string(s.message()));

  std::string functionalText;
  if (r.functional) {
    std::string outDir = args.get("--output-dir");
    if (!outDir.empty() && ::mkdir(outDir.c_str(), 0777) != 0 && errno != EEXIST)
      return error(absl::StrCat("cannot create output directory ", outDir, ": ",
                                std::strerror(errno)));
    functionalText = "functional  outputs computed with the runtime kernels in simulated order";
    functionalText += bindings.size() == size_t(file.io().inputs_size())
                          ? " from the given inputs\n"
                          : " (unbound inputs: deterministic random data)\n";
    std::set<std::string> written;
    for (int i = 0; i < file.io().outputs_size(); ++i) {
      const format::TensorInfo &info = file.io().outputs(i);
      DType dtype = static_cast<DType>(info.dtype());
      std::vector<int64_t> shape(info.shape().begin(), info.shape().end());
      absl::StrAppend(&functionalText, "  output '", info.name(), "' ", describeType(dtype, shape));
      if (!outDir.empty()) {
        std::string name = outputFileName(info.name());
        while (!written.insert(name).second)
          name += "_";
        std::string out = absl::StrCat(outDir, "/", name, ".npy");
        const std::vector<uint8_t> &bytes = r.outputs[size_t(i)];
        if (absl::Status s = runtime::writeNpy(out, dtype, shape, bytes.data(), bytes.size());
            !s.ok())
          return error(std::string(s.message()));
        absl::StrAppend(&functionalText, " -> ", out);
      }
      functionalText += "\n";
    }
  }

  std::string streamText, streamJson;
  if (args.has("--stream")) {
    int k = 0;
    if (!absl::SimpleAtoi(args.get("--stream"), &k) || k < 2 || k > 1000)
      return usageError(absl::StrCat("lmc simulate: --stream takes a number of inputs from 2 to "
                                     "1000, got '", args.get("--stream"), "'"));
    absl::StatusOr<sim::StreamResult> st = sim::simulateStream(file, target, uint32_t(k));
    if (!st.ok())
      return error(std::string(st.status().message()));
    streamText = absl::StrCat(
        "stream      ", k, " inputs back to back: the last finishes at cycle ", st->finish.back(),
        ", one every ", st->interval, " cycles = ",
        absl::StrFormat("%.3f us", double(st->interval) / target.clock_mhz()),
        " (measured; the estimate above: ", r.chips > 1 ? r.pipelineInterval : r.totalCycles,
        "): ", absl::StrFormat("%.6g inputs/s, %.6g tokens/s", st->inputsPerSecond,
                               st->tokensPerSecond),
        "; ", st->linkWaitCount, " transfers waited ", st->linkWaitCycles,
        " cycles for a link\n");
    streamJson = absl::StrCat(", \"stream\": {\"inputs\": ", k, ", \"finish_cycles\": [",
                              absl::StrJoin(st->finish, ", "), "], \"interval_cycles\": ",
                              st->interval,
                              absl::StrFormat(", \"inputs_per_s\": %.6g, \"tokens_per_s\": %.6g",
                                              st->inputsPerSecond, st->tokensPerSecond),
                              ", \"link_wait_count\": ", st->linkWaitCount,
                              ", \"link_wait_cycles\": ", st->linkWaitCycles, "}");
  }
  if (args.has("--json")) {
    std::string json = sim::jsonReport(file, r);
    const size_t end = json.rfind('}');
    std::cout << json.substr(0, end) << streamJson << json.substr(end);
  } else {
    std::cout << sim::textReport(file, r) << streamText << functionalText;
  }
  if (args.has("--strict") && r.violationCount > 0)
    return error(absl::StrCat(path, ": ", r.violationCount,
                              " schedule violation(s) (--strict); first: ",
                              r.violations.front().message));
  return 0;
}

}  // namespace lmc::cli
