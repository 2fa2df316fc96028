// Fuzz harness of the ONNX importer and the cpu pipeline, as `lmc compile` runs them.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compiler/Import/OnnxImporter.h"
#include "compiler/Import/OnnxLoader.h"
#include "compiler/Target/EmitBin.h"
#include "dialects/Graph/Graph.h"
#include "dialects/Isa/Isa.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "passes/Passes.h"
#include "passes/TargetInfo.h"
#include "runtime/format/Reader.h"
#include "runtime/format/TargetLoader.h"
#include "tests/fuzz/FuzzHarness.h"

#include <unistd.h>

namespace lmc::fuzz {

namespace {

// A directory that does not exist: external data never resolves to a real file.
constexpr const char *kModelPath = "/nonexistent-lmc-fuzz/model.onnx";

std::string tempBinPath() {
  const char *dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/lmc-fuzz-" + std::to_string(getpid()) + ".bin";
}

}  // namespace

std::string runOnnx(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  import::LoadOptions options;
  auto model = import::loadOnnxModelFromBytes(bytes, kModelPath, options);
  if (!model.ok()) {
    std::string msg(model.status().message());
    if (msg.rfind(kModelPath, 0) != 0) {
      std::fprintf(stderr, "lmc fuzz: loader error does not name the file: %s\n", msg.c_str());
      std::abort();
    }
    return "rejected by the loader: " + msg;
  }

  static const format::Target cpu = *format::loadTarget("cpu");
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  context.loadDialect<graph::GraphDialect, isa::IsaDialect, mlir::func::FuncDialect>();
  std::string firstError;
  mlir::ScopedDiagnosticHandler quiet(&context, [&](mlir::Diagnostic &d) {
    if (d.getSeverity() == mlir::DiagnosticSeverity::Error && firstError.empty())
      firstError = d.str();
    return mlir::success();
  });
  onnx::ModelProto forInference = import::modelForInference(*model);
  mlir::OwningOpRef<mlir::ModuleOp> module = import::importOnnxGraph(context, *model, kModelPath);
  if (!module || mlir::failed(mlir::verify(*module)))
    return "rejected by the importer: " + firstError;
  if (absl::Status s = import::inferShapes(kModelPath, forInference); !s.ok())
    return "rejected by onnx shape inference: " + std::string(s.message());
  setModuleTarget(*module, cpu);
  mlir::PassManager pm(&context);
  buildPipeline(pm, lmc::PipelineOptions());
  if (mlir::failed(pm.run(*module)))
    return "rejected by the pipeline: " + firstError;

  const std::string path = tempBinPath();
  target::EmitOptions emitOptions;
  emitOptions.target = cpu;
  emitOptions.compilerVersion = "fuzz";
  if (mlir::failed(target::emitBin(*module, path, emitOptions)))
    return "rejected by the emitter: " + firstError;
  auto file = format::BinFile::open(path);
  std::remove(path.c_str());
  if (!file.ok()) {
    const char *strict = std::getenv("LMC_FUZZ_STRICT");
    if (strict && std::string(strict) == "1") {
      std::fprintf(stderr, "lmc fuzz: the reader rejects the compiler's output: %s\n",
                   std::string(file.status().message()).c_str());
      std::abort();
    }
    return "compiled; the reader rejects the .bin: " + std::string(file.status().message());
  }
  return runVerifiedBin(std::shared_ptr<const format::BinFile>(std::move(*file)))
             ? "compiled, verified, ran"
             : "compiled, verified, not run (too large)";
}

}  // namespace lmc::fuzz
