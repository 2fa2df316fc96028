// `lmc run`: executes a .bin on the CPU with .npy inputs and prints or
// saves its outputs.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "compiler/tools/lmc/Args.h"
#include "compiler/tools/lmc/Commands.h"
#include "runtime/kernels/Half.h"
#include "runtime/src/HostMemory.h"
#include "runtime/src/Npy.h"
#include "runtime/src/Session.h"

namespace lmc::cli {
namespace {

using format::DType;

constexpr int kShownValues = 8;

CommandSpec runSpec() {
  CommandSpec spec;
  spec.name = "run";
  spec.usage = "lmc run model.bin --input NAME=FILE.npy ... [--steps N] [--output-dir DIR] "
               "[--state-in DIR] [--state-out DIR] [--threads N]";
  spec.summary =
      "Runs a compiled model on this CPU. Every input of the model must be given once as a\n"
      ".npy file of exactly its dtype and shape (see 'lmc inspect model.bin'). For each\n"
      "output, prints its dtype, shape, min/max/mean and first values; with --output-dir,\n"
      "also writes DIR/<output name>.npy. With --steps N, every input file holds N values\n"
      "stacked on a new leading axis, the model runs N times in one session (its state, the\n"
      "KV cache of a --kv-cache decoder, persists from step to step; it starts zeroed) and\n"
      "each output is the N results stacked the same way. --state-out DIR saves each state\n"
      "tensor (KV cache) after the runs as DIR/<name>.npy; --state-in DIR loads them before\n"
      "the first run (e.g. a prompt prefilled by one .bin, continued by the 1-token .bin of\n"
      "the same model).";
  spec.options = {
      {"--input", "NAME=FILE.npy", "bind the model input NAME to the array in FILE.npy", true},
      {"--output-dir", "DIR", "write each output to DIR/<name>.npy ('/' in names becomes '_')"},
      {"--steps", "N",
       "run N times in one session, input k taken from index k of each file's leading axis "
       "(e.g. tokens [N, 1, 1] and position [N, 1] for N decode steps)"},
      {"--state-in", "DIR", "start from the state tensors saved in DIR/<name>.npy (else zeros)"},
      {"--state-out", "DIR", "after the runs, write each state tensor to DIR/<name>.npy"},
      {"--threads", "N",
       "threads to run on (default: one per hardware thread); f32 results agree within "
       "1e-5 for every N, other dtypes exactly"},
      {"--max-memory", "SIZE",
       "fail before allocating if the working memory exceeds SIZE (e.g. 512M, 8G; default: "
       "the memory this machine has available)"},
  };
  spec.minPositional = 1;
  spec.maxPositional = 1;
  return spec;
}

std::string describeType(DType dtype, const std::vector<int64_t> &shape) {
  return absl::StrCat(format::dtypeName(dtype), " [", absl::StrJoin(shape, ", "), "]");
}

std::vector<int64_t> shapeOf(const format::TensorInfo &t) {
  return std::vector<int64_t>(t.shape().begin(), t.shape().end());
}

double elementAsDouble(DType dtype, const uint8_t *p) {
  switch (dtype) {
  case DType::F32: { float v; std::memcpy(&v, p, 4); return v; }
  case DType::F64: { double v; std::memcpy(&v, p, 8); return v; }
  case DType::F16: { uint16_t v; std::memcpy(&v, p, 2); return kernels::halfToFloat(v); }
  case DType::BF16: { uint16_t v; std::memcpy(&v, p, 2); return kernels::bfloat16ToFloat(v); }
  case DType::I8: return static_cast<int8_t>(*p);
  case DType::U8: return *p;
  case DType::Bool: return *p != 0;
  case DType::I16: { int16_t v; std::memcpy(&v, p, 2); return v; }
  case DType::U16: { uint16_t v; std::memcpy(&v, p, 2); return v; }
  case DType::I32: { int32_t v; std::memcpy(&v, p, 4); return v; }
  case DType::U32: { uint32_t v; std::memcpy(&v, p, 4); return v; }
  case DType::I64: { int64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
  case DType::U64: { uint64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
  }
  return 0;
}

std::string formatValue(DType dtype, double v) {
  if (dtype == DType::Bool)
    return v != 0 ? "true" : "false";
  if (dtype == DType::F32 || dtype == DType::F64 || dtype == DType::F16 || dtype == DType::BF16)
    return absl::StrFormat("%.6g", v);
  return absl::StrFormat("%.0f", v);
}

// "logits f32 [1, 4]: min -1 max 2 mean 0.5\n  values: 1, 2, ..."
std::string summarize(const std::string &name, DType dtype, const std::vector<int64_t> &shape,
                      const uint8_t *data, uint64_t bytes) {
  size_t elem = format::dtypeSize(dtype);
  uint64_t count = elem ? bytes / elem : 0;
  std::string text = absl::StrCat("output '", name, "' ", describeType(dtype, shape));
  if (count == 0)
    return absl::StrCat(text, ": empty\n");
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  uint64_t nans = 0;
  std::vector<std::string> first;
  for (uint64_t i = 0; i < count; ++i) {
    double v = elementAsDouble(dtype, data + i * elem);
    if (i < kShownValues)
      first.push_back(formatValue(dtype, v));
    if (std::isnan(v)) {
      ++nans;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  if (nans == count)
    absl::StrAppend(&text, ": all ", count, " values are NaN\n");
  else
    absl::StrAppend(&text, ": min ", formatValue(dtype, lo), " max ", formatValue(dtype, hi),
                    " mean ", absl::StrFormat("%.6g", sum / double(count - nans)),
                    nans ? absl::StrCat(" (", nans, " NaN)") : "", "\n");
  absl::StrAppend(&text, "  values: ", absl::StrJoin(first, ", "),
                  count > kShownValues ? absl::StrCat(", ... (", count, " in all)") : "", "\n");
  return text;
}

int error(const std::string &message) { return commandError("run", message); }

}  // namespace

int runMain(int argc, char **argv) {
  CommandSpec spec = runSpec();
  Args args;
  if (std::optional<int> done = Args::parseCommand(spec, argc, argv, args))
    return *done;
  int threads = 0;  // 0: one per hardware thread
  if (args.has("--threads") &&
      (!absl::SimpleAtoi(args.get("--threads"), &threads) || threads < 1))
    return usageError(absl::StrCat("lmc run: --threads takes a positive integer, got '",
                                   args.get("--threads"), "'"));
  const std::string modelPath = args.positional()[0];
  int64_t steps = 1;
  const bool stepped = args.has("--steps");
  if (stepped && (!absl::SimpleAtoi(args.get("--steps"), &steps) || steps < 1))
    return usageError(absl::StrCat("lmc run: --steps takes a positive integer, got '",
                                   args.get("--steps"), "'"));

  // Parse the bindings before the model is loaded, so usage errors are cheap.
  std::vector<std::pair<std::string, std::string>> bindings;
  for (const std::string &binding : args.getAll("--input")) {
    size_t eq = binding.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == binding.size())
      return usageError(absl::StrCat("lmc run: --input takes NAME=FILE.npy, got '", binding, "'"));
    bindings.emplace_back(binding.substr(0, eq), binding.substr(eq + 1));
  }

  uint64_t maxMemory = 0;
  if (args.has("--max-memory") && !runtime::parseByteSize(args.get("--max-memory"), maxMemory))
    return usageError("lmc run: --max-memory takes a size such as 512M or 8G, got '" +
                      args.get("--max-memory") + "'");
  absl::StatusOr<std::unique_ptr<runtime::Session>> session =
      runtime::openSession(modelPath, maxMemory);
  if (!session.ok())
    return error(std::string(session.status().message()));
  runtime::Session &s = **session;
  s.setNumThreads(threads);

  auto listInputs = [&] {
    std::vector<std::string> parts;
    for (size_t i = 0; i < s.numInputs(); ++i)
      parts.push_back(absl::StrCat("'", s.inputInfo(i).name(), "' ",
                                   describeType(static_cast<DType>(s.inputInfo(i).dtype()),
                                                shapeOf(s.inputInfo(i)))));
    return parts.empty() ? std::string("it has none") : absl::StrJoin(parts, ", ");
  };

  std::set<std::string> seen;
  // With --steps: the stacked bytes of each bound input, bound step by step.
  std::vector<std::pair<size_t, runtime::NpyArray>> stacked;
  for (const auto &[name, file] : bindings) {
    std::optional<size_t> index = s.findInput(name);
    if (!index)
      return error(absl::StrCat(modelPath, " has no input '", name, "'; its inputs: ",
                                listInputs()));
    if (!seen.insert(name).second)
      return error(absl::StrCat("input '", name, "' is bound more than once"));
    absl::StatusOr<runtime::NpyArray> array = runtime::readNpy(file);
    if (!array.ok())
      return error(std::string(array.status().message()));
    const format::TensorInfo &info = s.inputInfo(*index);
    DType want = static_cast<DType>(info.dtype());
    std::vector<int64_t> wantShape = shapeOf(info);
    if (stepped)
      wantShape.insert(wantShape.begin(), steps);
    if (array->dtype != want || array->shape != wantShape)
      return error(absl::StrCat("input '", name, "' of ", modelPath, " expects ",
                                describeType(want, wantShape), ", ", file, " holds ",
                                describeType(array->dtype, array->shape),
                                ": save the array with that dtype and shape (e.g. "
                                "numpy.save(f, x.astype(...).reshape(...)))",
                                stepped ? absl::StrCat("; with --steps ", steps,
                                                       " the leading axis holds the steps")
                                        : ""));
    size_t stepBytes = array->data.size() / static_cast<size_t>(steps);
    if (absl::Status st = s.bindInput(*index, array->data.data(), stepBytes); !st.ok())
      return error(std::string(st.message()));
    stacked.emplace_back(*index, std::move(*array));
  }
  for (size_t i = 0; i < s.numInputs(); ++i)
    if (!s.isBound(i))
      return error(absl::StrCat("input '", s.inputInfo(i).name(), "' of ", modelPath,
                                " is not bound; pass --input ", s.inputInfo(i).name(),
                                "=FILE.npy (inputs: ", listInputs(), ")"));

  // The state tensors by file name ('/' in names becomes '_').
  auto stateFile = [&](const std::string &dir, size_t i) {
    return absl::StrCat(dir, "/", outputFileName(s.file().metadata().state(int(i)).name()), ".npy");
  };
  for (const char *flag : {"--state-in", "--state-out"})
    if (args.has(flag) && s.numStateTensors() == 0)
      return error(absl::StrCat(modelPath, " has no state tensors for ", flag,
                                " (compile a decoder with --kv-cache)"));
  if (args.has("--state-in")) {
    for (size_t i = 0; i < s.numStateTensors(); ++i) {
      const format::StateTensor &t = s.file().metadata().state(int(i));
      std::string path = stateFile(args.get("--state-in"), i);
      absl::StatusOr<runtime::NpyArray> array = runtime::readNpy(path);
      if (!array.ok())
        return error(std::string(array.status().message()));
      std::vector<int64_t> shape(t.shape().begin(), t.shape().end());
      DType dtype = static_cast<DType>(t.dtype());
      if (array->dtype != dtype || array->shape != shape)
        return error(absl::StrCat("state tensor '", t.name(), "' of ", modelPath, " is ",
                                  describeType(dtype, shape), ", ", path, " holds ",
                                  describeType(array->dtype, array->shape),
                                  ": save the state of a .bin compiled from the same model"));
      std::memcpy(s.stateTensorData(i), array->data.data(), array->data.size());
    }
  }
  std::vector<std::vector<uint8_t>> results(s.numOutputs());
  for (int64_t step = 0; step < steps; ++step) {
    for (const auto &[index, array] : stacked) {
      size_t stepBytes = array.data.size() / static_cast<size_t>(steps);
      if (absl::Status st = s.bindInput(index, array.data.data() + step * stepBytes, stepBytes);
          !st.ok())
        return error(std::string(st.message()));
    }
    if (absl::Status st = s.run(); !st.ok())
      return error(stepped ? absl::StrCat("step ", step, ": ", st.message())
                           : std::string(st.message()));
    for (size_t i = 0; i < s.numOutputs(); ++i)
      results[i].insert(results[i].end(), s.outputData(i), s.outputData(i) + s.outputBytes(i));
  }
  if (stepped)
    std::cout << "ran " << steps << " steps in one session"
              << (s.stateBytes() ? absl::StrCat(" (", s.stateBytes(),
                                                " bytes of state carried from step to step)")
                                 : std::string())
              << "\n";

  if (args.has("--state-out")) {
    const std::string dir = args.get("--state-out");
    if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
      return error(absl::StrCat("cannot create state directory ", dir, ": ", std::strerror(errno)));
    for (size_t i = 0; i < s.numStateTensors(); ++i) {
      const format::StateTensor &t = s.file().metadata().state(int(i));
      std::vector<int64_t> shape(t.shape().begin(), t.shape().end());
      if (absl::Status st = runtime::writeNpy(stateFile(dir, i), static_cast<DType>(t.dtype()),
                                              shape, s.stateTensorData(i), s.stateTensorBytes(i));
          !st.ok())
        return error(std::string(st.message()));
    }
    std::cout << "wrote " << s.numStateTensors() << " state tensors to " << dir << "\n";
  }
  std::string outDir = args.get("--output-dir");
  if (!outDir.empty() && ::mkdir(outDir.c_str(), 0777) != 0 && errno != EEXIST)
    return error(absl::StrCat("cannot create output directory ", outDir, ": ",
                              std::strerror(errno)));
  std::set<std::string> written;
  for (size_t i = 0; i < s.numOutputs(); ++i) {
    const format::TensorInfo &info = s.outputInfo(i);
    DType dtype = static_cast<DType>(info.dtype());
    std::vector<int64_t> shape = shapeOf(info);
    if (stepped)
      shape.insert(shape.begin(), steps);
    const uint8_t *data = results[i].data();
    const uint64_t bytes = results[i].size();
    std::cout << summarize(info.name(), dtype, shape, data, bytes);
    if (outDir.empty())
      continue;
    std::string fileName = outputFileName(info.name());
    // Two names may sanitize alike ("a/b" and "a_b"): keep both files.
    while (!written.insert(fileName).second)
      fileName += "_";
    std::string path = absl::StrCat(outDir, "/", fileName, ".npy");
    if (absl::Status st = runtime::writeNpy(path, dtype, shape, data, bytes);
        !st.ok())
      return error(std::string(st.message()));
    std::cout << "  wrote " << path << "\n";
  }
  return 0;
}

}  // namespace lmc::cli
