// Weight footprint per precision and the quantization accuracy report.
#include "compiler/tools/lmc/QuantReport.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compiler/Target/EmitBin.h"
#include "dialects/Graph/Graph.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Pass/PassManager.h"
#include "passes/Passes.h"
#include "passes/TargetInfo.h"
#include "runtime/format/TargetLoader.h"
#include "runtime/kernels/Kernels.h"
#include "runtime/src/Npy.h"
#include "runtime/src/Session.h"

namespace lmc::cli {
namespace {

namespace fmt = lmc::format;
namespace g = lmc::graph;
using fmt::QuantScheme;

constexpr QuantScheme kSchemes[] = {QuantScheme::Int8, QuantScheme::Int4, QuantScheme::Ternary};

int64_t tensorBytes(mlir::Type type) {
  auto t = mlir::cast<mlir::RankedTensorType>(type);
  unsigned bits = t.getElementType().getIntOrFloatBitWidth();
  return t.getNumElements() * int64_t((bits + 7) / 8);
}

// Bytes a K x N matmul weight takes quantized: packed weights and scales.
int64_t quantizedBytes(QuantScheme scheme, int64_t k, int64_t n, int64_t group) {
  return fmt::quantPackedBytes(scheme, k, n) + fmt::quantGroups(k, group) * n * 4;
}

std::string megabytes(int64_t bytes) { return absl::StrFormat("%.2f MB", double(bytes) / 1e6); }

// The bytes of constants other than the weights that only quantizable
// matmuls read (those stay whatever --quant does).
int64_t otherConstantBytes(mlir::ModuleOp module, const std::vector<QuantCandidate> &candidates) {
  std::map<mlir::Operation *, bool> onlyCandidates;
  std::map<mlir::Operation *, int> candidateUses;
  for (const QuantCandidate &c : candidates)
    ++candidateUses[c.source];
  int64_t total = 0;
  module.walk([&](mlir::Operation *op) {
    if (!llvm::isa<g::ConstantOp, g::WeightOp>(op))
      return;
    // Read by candidates only: every use is a candidate matmul or a
    // transpose that only candidates read.
    bool only = candidateUses.count(op) &&
                llvm::all_of(op->getUsers(), [](mlir::Operation *user) {
                  if (llvm::isa<g::MatMulOp>(user))
                    return true;
                  return llvm::isa<g::TransposeOp>(user) &&
                         llvm::all_of(user->getUsers(),
                                      [](mlir::Operation *u) { return llvm::isa<g::MatMulOp>(u); });
                });
    if (!only)
      total += tensorBytes(op->getResult(0).getType());
  });
  return total;
}

}  // namespace

std::string weightFootprint(mlir::ModuleOp module, const QuantConfig &config) {
  std::vector<QuantCandidate> candidates = findQuantCandidates(module);
  const int64_t other = otherConstantBytes(module, candidates);
  // A source read by several candidates (with the same orientation) is one
  // weight.
  std::map<std::pair<mlir::Operation *, bool>, const QuantCandidate *> weights;
  for (const QuantCandidate &c : candidates)
    weights.emplace(std::make_pair(c.source, c.transposed), &c);
  int64_t f32 = other, chosen = other, by[3] = {other, other, other};
  QuantConfig everywhere = config;
  everywhere.overrides.clear();
  for (auto &[key, c] : weights) {
    f32 += c->k * c->n * 4;
    for (int s = 0; s < 3; ++s)
      by[s] += quantizedBytes(kSchemes[s], c->k, c->n, groupFor(everywhere, kSchemes[s], c->k));
    std::optional<QuantScheme> mine = schemeFor(config, c->node);
    chosen += mine ? quantizedBytes(*mine, c->k, c->n, groupFor(config, *mine, c->k))
                   : c->k * c->n * 4;
  }
  return absl::StrCat(
      "weights     ", weights.size(), " quantizable matmul weights, ", megabytes(other),
      " other constants; all constants at\n", "  f32 ", megabytes(f32), ", int8 ",
      megabytes(by[0]), ", int4 (group ", groupFor(everywhere, QuantScheme::Int4, 1 << 30), ") ",
      megabytes(by[1]), ", ternary ", megabytes(by[2]), "; this build ", megabytes(chosen), "\n");
}

namespace {

struct Layer {
  QuantCandidate candidate;
  QuantScheme scheme;
  int64_t group;
  const float *weights;  // the f32 source (null: a splat of `splat`)
  int64_t rowStride, colStride;
  float splat;

  float weight(int64_t k, int64_t n) const {
    return weights ? weights[k * rowStride + n * colStride] : splat;
  }
};

// Random calibration data for an input with no --calibration file: f32
// normal(0, 1), integers uniform in [0, range), bool 0/1.
std::vector<uint8_t> randomInput(const fmt::TensorInfo &info, int64_t range, std::mt19937_64 &rng) {
  int64_t count = 1;
  for (int64_t d : info.shape())
    count *= d;
  const auto dtype = static_cast<fmt::DType>(info.dtype());
  std::vector<uint8_t> bytes(size_t(count) * fmt::dtypeSize(dtype));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int64_t> uniform(0, std::max<int64_t>(range, 1) - 1);
  for (int64_t i = 0; i < count; ++i) {
    uint8_t *p = bytes.data() + i * fmt::dtypeSize(dtype);
    switch (dtype) {
    case fmt::DType::F32: {
      float v = normal(rng);
      std::memcpy(p, &v, 4);
      break;
    }
    case fmt::DType::I64: {
      int64_t v = uniform(rng);
      std::memcpy(p, &v, 8);
      break;
    }
    case fmt::DType::I32: {
      int32_t v = int32_t(uniform(rng));
      std::memcpy(p, &v, 4);
      break;
    }
    case fmt::DType::Bool:
      *p = uint8_t(uniform(rng) & 1);
      break;
    default:  // other dtypes: zeros
      break;
    }
  }
  return bytes;
}

double cosine(const float *a, const float *b, int64_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < n; ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return aa == 0 || bb == 0 ? (aa == bb ? 1.0 : 0.0) : ab / std::sqrt(aa * bb);
}

// Signal-to-quantization-noise ratio in dB of `test` against `ref`.
double sqnr(const float *ref, const float *test, int64_t n) {
  double signal = 0, noise = 0;
  for (int64_t i = 0; i < n; ++i) {
    signal += double(ref[i]) * ref[i];
    noise += (double(ref[i]) - test[i]) * (double(ref[i]) - test[i]);
  }
  return noise == 0 ? INFINITY : 10 * std::log10(signal / noise);
}

// Perplexity of next-token prediction: logits rows [rows, vocab], row t
// predicting tokens[t + 1].
double perplexity(const float *logits, int64_t rows, int64_t vocab, const int64_t *tokens) {
  double nll = 0;
  int64_t count = 0;
  for (int64_t t = 0; t + 1 < rows; ++t) {
    const float *row = logits + t * vocab;
    int64_t next = tokens[t + 1];
    if (next < 0 || next >= vocab)
      continue;
    double max = row[0], sum = 0;
    for (int64_t v = 1; v < vocab; ++v)
      max = std::max<double>(max, row[v]);
    for (int64_t v = 0; v < vocab; ++v)
      sum += std::exp(double(row[v]) - max);
    nll += std::log(sum) + max - row[next];
    ++count;
  }
  return count ? std::exp(nll / double(count)) : NAN;
}

absl::StatusOr<std::vector<Layer>> layersOf(mlir::ModuleOp module, const QuantConfig &config) {
  std::vector<Layer> layers;
  for (const QuantCandidate &c : findQuantCandidates(module)) {
    std::optional<QuantScheme> scheme = schemeFor(config, c.node);
    if (!scheme)
      continue;
    auto constant = llvm::dyn_cast<g::ConstantOp>(c.source);
    if (!constant)
      return absl::FailedPreconditionError(
          "--quant-report needs the weights; it cannot run with --no-weights");
    Layer layer{c, *scheme, groupFor(config, *scheme, c.k), nullptr, 0, 0, 0.0f};
    auto dense = mlir::cast<mlir::DenseElementsAttr>(constant.getValue());
    if (dense.isSplat()) {
      layer.splat = dense.getSplatValue<float>();
    } else {
      // Attribute storage lives as long as the context.
      layer.weights = reinterpret_cast<const float *>(dense.getRawData().data());
      layer.rowStride = c.transposed ? 1 : c.n;
      layer.colStride = c.transposed ? c.k : 1;
    }
    layers.push_back(layer);
  }
  return layers;
}

// Adds every layer's input as an extra output of `main`, named
// "lmc.quant_report.tap<i>".
void addTaps(mlir::ModuleOp module, const std::vector<Layer> &layers) {
  auto func = *module.getOps<mlir::func::FuncOp>().begin();
  auto ret = llvm::cast<mlir::func::ReturnOp>(func.getBody().front().getTerminator());
  mlir::Builder b(module.getContext());
  for (size_t i = 0; i < layers.size(); ++i) {
    graph::MatMulOp matmul = layers[i].candidate.matmul;
    mlir::Value x = matmul.getLhs();
    unsigned index = func.getNumResults();
    func.insertResult(index, x.getType(),
                      b.getDictionaryAttr(b.getNamedAttr(
                          "lmc.name", b.getStringAttr(absl::StrCat("lmc.quant_report.tap", i)))));
    ret->insertOperands(ret->getNumOperands(), x);
  }
}

// A temporary file name that is removed when this goes out of scope.
class TempFile {
public:
  TempFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lmc-quant-XXXXXX").string();
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    int fd = mkstemp(name.data());
    if (fd >= 0) {
      close(fd);
      path_ = name.data();
    }
  }
  ~TempFile() {
    if (!path_.empty())
      std::remove(path_.c_str());
  }
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

}  // namespace

absl::StatusOr<std::string> quantReport(const QuantReportRequest &request) {
  mlir::ModuleOp module = request.reference;
  absl::StatusOr<std::vector<Layer>> layersOr = layersOf(module, request.config);
  if (!layersOr.ok())
    return layersOr.status();
  const std::vector<Layer> &layers = *layersOr;
  if (layers.empty())
    return std::string("quantization report: no matmul with constant weights is quantized\n");

  // The f32 reference with taps, compiled for the host.
  auto func = *module.getOps<mlir::func::FuncOp>().begin();
  const unsigned numOutputs = func.getNumResults();
  addTaps(module, layers);
  absl::StatusOr<fmt::Target> cpu = fmt::loadTarget("cpu");
  if (!cpu.ok())
    return cpu.status();
  setModuleTarget(module, *cpu);
  mlir::PassManager pm(module.getContext());
  buildLowering(pm, PipelineOptions());  // the reference is a cleaned-up graph
  if (mlir::failed(pm.run(module)))
    return absl::InternalError("--quant-report: compiling the f32 reference failed");
  TempFile temp;
  if (temp.path().empty())
    return absl::InternalError("--quant-report: cannot create a temporary file");
  target::EmitOptions emit;
  emit.target = *cpu;
  emit.compilerVersion = "quant-report";
  if (mlir::failed(target::emitBin(module, temp.path(), emit)))
    return absl::InternalError("--quant-report: writing the f32 reference failed");
  absl::StatusOr<std::unique_ptr<runtime::Session>> ref = runtime::openSession(temp.path());
  if (!ref.ok())
    return ref.status();
  absl::StatusOr<std::unique_ptr<runtime::Session>> quant =
      runtime::openSession(request.quantizedBin);
  if (!quant.ok())
    return quant.status();
  runtime::Session &rs = **ref, &qs = **quant;

  // Calibration inputs: files where given, else seeded random data;
  // integers (token ids) are drawn below the first output's last dim.
  std::map<std::string, std::string> files;
  for (const std::string &binding : request.calibration) {
    size_t eq = binding.find('=');
    if (eq == std::string::npos || eq == 0)
      return absl::InvalidArgumentError("--calibration '" + binding + "' is not NAME=FILE.npy");
    files[binding.substr(0, eq)] = binding.substr(eq + 1);
  }
  int64_t range = 2;
  if (rs.numOutputs() && rs.outputInfo(0).shape_size() >= 2)
    range = rs.outputInfo(0).shape(rs.outputInfo(0).shape_size() - 1);
  std::mt19937_64 rng(0);
  std::string inputsText;
  std::vector<std::vector<uint8_t>> inputs(rs.numInputs());
  for (size_t i = 0; i < rs.numInputs(); ++i) {
    const fmt::TensorInfo &info = rs.inputInfo(i);
    if (auto it = files.find(info.name()); it != files.end()) {
      absl::StatusOr<runtime::NpyArray> array = runtime::readNpy(it->second);
      if (!array.ok())
        return array.status();
      if (array->data.size() != rs.inputBytes(i))
        return absl::InvalidArgumentError(absl::StrCat(
            it->second, ": calibration input '", info.name(), "' has ", array->data.size(),
            " bytes; the model's input has ", rs.inputBytes(i), " (check dtype and shape)"));
      inputs[i] = std::move(array->data);
      files.erase(it);
    } else {
      inputs[i] = randomInput(info, range, rng);
    }
    if (absl::Status s = rs.bindInput(i, inputs[i].data(), inputs[i].size()); !s.ok())
      return s;
    std::optional<size_t> qi = qs.findInput(info.name());
    if (!qi)
      return absl::InternalError("the quantized .bin has no input '" + info.name() + "'");
    if (absl::Status s = qs.bindInput(*qi, inputs[i].data(), inputs[i].size()); !s.ok())
      return s;
  }
  if (!files.empty())
    return absl::InvalidArgumentError("--calibration names '" + files.begin()->first +
                                      "', which is not an input of the model");
  if (absl::Status s = rs.run(); !s.ok())
    return s;
  if (absl::Status s = qs.run(); !s.ok())
    return s;

  std::string text = absl::StrCat(
      "quantization report: ", layers.size(), " quantized matmuls, calibration inputs ",
      request.calibration.empty() ? "random (seed 0)" : "from --calibration", "\n",
      absl::StrFormat("  %-40s %-8s %-13s %9s %9s\n", "layer (ONNX node)", "scheme", "K x N",
                      "SQNR dB", "cosine"));
  for (size_t l = 0; l < layers.size(); ++l) {
    const Layer &layer = layers[l];
    const QuantCandidate &c = layer.candidate;
    const float *x = reinterpret_cast<const float *>(rs.outputData(numOutputs + l));
    const int64_t rows = int64_t(rs.outputBytes(numOutputs + l) / 4) / c.k;
    // The f32 weights, the quantized ones, and both products.
    std::vector<float> w(size_t(c.k * c.n));
    for (int64_t k = 0; k < c.k; ++k)
      for (int64_t n = 0; n < c.n; ++n)
        w[k * c.n + n] = layer.weight(k, n);
    std::vector<int8_t> q(w.size());
    std::vector<float> scales(size_t(fmt::quantGroups(c.k, layer.group) * c.n));
    fmt::quantizeWeights(layer.scheme, w.data(), c.n, 1, c.k, c.n, layer.group, q.data(),
                         scales.data());
    std::vector<uint8_t> packed(size_t(fmt::quantPackedBytes(layer.scheme, c.k, c.n)));
    fmt::packQuantWeights(layer.scheme, q.data(), c.k, c.n, packed.data());
    std::vector<float> yRef(size_t(rows * c.n)), yQ(yRef.size());
    const int64_t xShape[2] = {rows, c.k}, wShape[2] = {c.k, c.n}, yShape[2] = {rows, c.n};
    const int64_t pShape[1] = {int64_t(packed.size())};
    const int64_t sShape[2] = {fmt::quantGroups(c.k, layer.group), c.n};
    using kernels::contiguousRef;
    kernels::TensorRef xr = contiguousRef(const_cast<float *>(x), fmt::DType::F32, 2, xShape);
    kernels::TensorRef mm[3] = {contiguousRef(yRef.data(), fmt::DType::F32, 2, yShape), xr,
                                contiguousRef(w.data(), fmt::DType::F32, 2, wShape)};
    kernels::TensorRef mq[4] = {contiguousRef(yQ.data(), fmt::DType::F32, 2, yShape), xr,
                                contiguousRef(packed.data(), fmt::DType::U8, 1, pShape),
                                contiguousRef(scales.data(), fmt::DType::F32, 2, sShape)};
    const int64_t imms[2] = {int64_t(layer.scheme), layer.group};
    if (absl::Status s = kernels::runKernel(fmt::Opcode::MatMul, mm, 3, nullptr); !s.ok())
      return s;
    if (absl::Status s = kernels::runKernel(fmt::Opcode::MatMulQ, mq, 4, imms); !s.ok())
      return s;
    std::string scheme = fmt::quantSchemeName(int64_t(layer.scheme));
    if (layer.scheme == QuantScheme::Int4)
      absl::StrAppend(&scheme, "/", layer.group);
    absl::StrAppend(&text, absl::StrFormat("  %-40s %-8s %-13s %9.2f %9.5f\n", c.node, scheme,
                                           absl::StrCat(c.k, " x ", c.n),
                                           sqnr(yRef.data(), yQ.data(), int64_t(yRef.size())),
                                           cosine(yRef.data(), yQ.data(), int64_t(yRef.size()))));
  }

  // End to end on the first f32 output.
  for (unsigned o = 0; o < numOutputs; ++o) {
    const fmt::TensorInfo &info = rs.outputInfo(o);
    if (static_cast<fmt::DType>(info.dtype()) != fmt::DType::F32)
      continue;
    std::optional<size_t> qo = qs.findOutput(info.name());
    if (!qo)
      continue;
    const float *a = reinterpret_cast<const float *>(rs.outputData(o));
    const float *b = reinterpret_cast<const float *>(qs.outputData(*qo));
    const int64_t count = int64_t(rs.outputBytes(o) / 4);
    absl::StrAppend(&text, absl::StrFormat("end to end, output '%s': cosine %.6f", info.name(),
                                           cosine(a, b, count)));
    const int64_t vocab = info.shape_size() >= 2 ? info.shape(info.shape_size() - 1) : 0;
    if (vocab >= 2) {
      const int64_t rows = count / vocab;
      int64_t agree = 0;
      for (int64_t r = 0; r < rows; ++r) {
        const float *ra = a + r * vocab, *rb = b + r * vocab;
        agree += std::max_element(ra, ra + vocab) - ra == std::max_element(rb, rb + vocab) - rb;
      }
      absl::StrAppend(&text, absl::StrFormat(", top-1 agreement %.2f%% (%d/%d rows)",
                                             100.0 * double(agree) / double(rows), agree, rows));
      // A decoder: an integer input with one token per logits row.
      for (size_t i = 0; i < rs.numInputs(); ++i) {
        if (static_cast<fmt::DType>(rs.inputInfo(i).dtype()) != fmt::DType::I64 ||
            int64_t(inputs[i].size() / 8) != rows)
          continue;
        const int64_t *tokens = reinterpret_cast<const int64_t *>(inputs[i].data());
        double pa = perplexity(a, rows, vocab, tokens), pb = perplexity(b, rows, vocab, tokens);
        absl::StrAppend(&text,
                        absl::StrFormat(", perplexity on input '%s' %.4g -> %.4g (%+.3f%%)",
                                        rs.inputInfo(i).name(), pa, pb, 100.0 * (pb - pa) / pa));
        break;
      }
    }
    absl::StrAppend(&text, "\n");
    break;
  }
  return text;
}

}  // namespace lmc::cli
