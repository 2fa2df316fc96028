// `lmc compile`: ONNX -> lmc_graph -> lmc_isa -> .bin.
#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "compiler/Import/OnnxImporter.h"
#include "compiler/Import/OnnxLoader.h"
#include "compiler/Import/SupportedOps.h"
#include "compiler/Target/EmitBin.h"
#include "compiler/tools/lmc/Args.h"
#include "compiler/tools/lmc/Commands.h"
#include "compiler/tools/lmc/QuantReport.h"
#include "dialects/Graph/Graph.h"
#include "dialects/Isa/Isa.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"
#include "passes/Quantization/Quantize.h"
#include "passes/TargetInfo.h"
#include "runtime/format/TargetLoader.h"
#include "runtime/src/HostMemory.h"
#include "llvm/Support/raw_ostream.h"

namespace lmc::cli {
namespace {

CommandSpec compileSpec() {
  CommandSpec spec;
  spec.name = "compile";
  spec.usage = "lmc compile model.onnx -o model.bin [options]";
  spec.summary = absl::StrCat(
      "Compiles an ONNX model (opsets ", import::kMinOpset, "-", import::kMaxOpset,
      "; older\nmodels are converted) into a .bin for a target: cpu (one instruction per "
      "operator, for\nlmc's CPU runtime), lpu or ara2 (tiled, placed in SRAM and statically "
      "scheduled; every\ntarget's .bin also runs on the CPU runtime; see docs/targets.md). "
      "Every input needs a\n"
      "static shape: bind dynamic dimensions with --input-shape. On failure nothing is\n"
      "written. Supported operators:\n  ",
      absl::StrJoin(import::supportedOps(), ", "), ".");
  spec.options = {
      {"-o", "FILE", "output .bin (or IR text with --emit graph|tile|isa; default stdout)"},
      {"--target", "NAME|FILE", "machine: cpu (default), lpu, ara2, or a .textproto file"},
      {"--input-shape", "NAME=DIMS", "bind an input's shape, e.g. tokens=1x128", true},
      {"--emit", "WHAT", "bin (default), graph (lmc_graph IR), tile (lmc_tile IR: the tiles of a tile target, before scheduling) or isa (planned lmc_isa IR)"},
      {"--chips", "N|auto",
       "pipeline the model over N chips of a TILE target with chip-to-chip links (lpu): "
       "stages balanced by resident weights, activations sent over the links (default 1, "
       "at most 4096; auto: the fewest chips that hold the model; see docs/targets.md)"},
      {"--report", "", "print the memory plan and the weight footprint per precision"},
      {"--quant", "SCHEME", "weights of constant matmuls: none (default), int8 (per channel), "
                            "int4 (group-wise), ternary (absmean); activations int8 per token"},
      {"--quant-group", "G", "int4 group size along K: 32 (default), 64, 128 (a multiple of 8)"},
      {"--quant-override", "GLOB=SCHEME",
       "scheme for matmuls whose ONNX node name matches GLOB, e.g. '/lm_head*=int8' "
       "(the last match wins)",
       true},
      {"--quant-report", "", "print per-layer SQNR and cosine vs f32 and end-to-end logits "
                             "agreement on calibration inputs"},
      {"--calibration", "NAME=FILE.npy",
       "calibration input for --quant-report (default: seeded random)", true},
      {"--no-weights", "", "leave weights stored as external data unread (they may be absent): "
                           "the .bin can be inspected and simulated, not run"},
      {"--max-memory", "SIZE",
       "refuse, before reading the weights, a model that would need more memory to compile "
       "(e.g. 8G; default: the memory this machine has available)"},
      {"--kv-cache", "",
       "compile a decoder's decode step: each input past.X (or past_key_values.X) and output "
       "present.X become one persistent KV-cache buffer (the .bin's state), updated in place; "
       "see docs/kv-cache.md"},
      {"--max-context", "N",
       "with --kv-cache: bind the cache length (dim -2) of the past.* inputs to N"},
      {"--mlir-print-ir-after-all", "", "print the IR after every pass to stderr"},
  };
  spec.minPositional = 1;
  spec.maxPositional = 1;
  return spec;
}

int fail(const std::string &message) {
  // One line per error, whatever the onnx library put in its text.
  std::string line = absl::StrReplaceAll(message, {{"\n", " "}});
  std::fprintf(stderr, "lmc compile: error: %s\n", line.c_str());
  return 1;
}

std::string describe(mlir::Location loc) {
  if (auto name = mlir::dyn_cast<mlir::NameLoc>(loc)) {
    std::string op;
    if (auto child = mlir::dyn_cast<mlir::NameLoc>(name.getChildLoc()))
      op = child.getName().str();
    return absl::StrCat("node '", name.getName().str(), "'", op.empty() ? "" : " (" + op + ")");
  }
  return "";
}

bool printIr(mlir::ModuleOp module, const std::string &path) {
  mlir::OpPrintingFlags flags;
  flags.elideLargeElementsAttrs(16);
  if (path.empty()) {
    module->print(llvm::outs(), flags);
    return true;
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return false;
  module->print(os, flags);
  return true;
}

}  // namespace

int compileMain(int argc, char **argv) {
  CommandSpec spec = compileSpec();
  Args args;
  if (std::optional<int> done = Args::parseCommand(spec, argc, argv, args))
    return *done;
  const std::string input = args.positional()[0];
  const std::string output = args.get("-o");
  const std::string emit = args.get("--emit", "bin");
  const std::string target = args.get("--target", "cpu");
  if (emit != "bin" && emit != "graph" && emit != "tile" && emit != "isa")
    return fail("--emit must be bin, graph, tile or isa, not '" + emit + "'");
  absl::StatusOr<format::Target> machine = format::loadTarget(target);
  if (!machine.ok())
    return fail(std::string(machine.status().message()));
  PipelineOptions pipeline;
  pipeline.tiled = machine->granularity() == format::Target::TILE;
  pipeline.reportMemory = args.has("--report");
  pipeline.stopAfterTiling = emit == "tile";
  if (emit == "tile" && !pipeline.tiled)
    return fail("--emit tile prints the tiles of a tile target (lpu, ara2 or a TILE target "
                "file); target '" + machine->name() + "' lowers one instruction per operator: "
                "use --emit isa");
  const bool autoChips = args.get("--chips") == "auto";
  if (args.has("--chips")) {
    const std::string text = args.get("--chips");
    if (!autoChips && (!absl::SimpleAtoi(text, &pipeline.chips) || pipeline.chips < 1))
      return fail("--chips must be a positive integer or auto, not '" + text + "'");
    if (!autoChips && pipeline.chips > format::kMaxChips)
      return fail("--chips " + text + " is more than the " + std::to_string(format::kMaxChips) +
                  " chips a .bin may have");
    if ((autoChips || pipeline.chips > 1) &&
        (!pipeline.tiled || !format::findUnit(*machine, format::C2C)))
      return fail("--chips " + text + " needs a TILE target with chip-to-chip links (a C2C "
                  "unit), such as lpu; target '" + machine->name() + "' has " +
                  (pipeline.tiled ? "no C2C unit" : "OPERATOR granularity"));
  }
  pipeline.quantScheme = args.get("--quant", "none");
  pipeline.quantOverrides = args.getAll("--quant-override");
  QuantConfig quant;
  if (!parseQuantScheme(pipeline.quantScheme, quant.scheme))
    return fail("--quant must be none, int8, int4 or ternary, not '" + pipeline.quantScheme + "'");
  if (args.has("--quant-group")) {
    const std::string text = args.get("--quant-group");
    if (!absl::SimpleAtoi(text, &pipeline.quantGroup) || pipeline.quantGroup <= 0)
      return fail("--quant-group must be a positive integer, not '" + text + "'");
  }
  quant.group = pipeline.quantGroup;
  quant.overrides = pipeline.quantOverrides;
  if (std::string bad = checkQuantConfig(quant); !bad.empty())
    return fail(bad);
  const bool tiled = pipeline.tiled;
  if (emit == "bin" && output.empty())
    return fail("missing -o FILE for the .bin");

  import::LoadOptions loadOptions;
  loadOptions.noWeights = args.has("--no-weights");
  std::vector<std::string> recorded;
  for (const std::string &binding : args.getAll("--input-shape")) {
    if (absl::Status s = import::parseInputShape(binding, loadOptions); !s.ok())
      return fail(std::string(s.message()));
    recorded.push_back("--input-shape " + binding);
  }
  if (loadOptions.noWeights)
    recorded.push_back("--no-weights");
  uint64_t maxMemory = 0;
  if (args.has("--max-memory") && !runtime::parseByteSize(args.get("--max-memory"), maxMemory))
    return fail("--max-memory takes a size such as 512M or 8G, not '" + args.get("--max-memory") +
                "'");
  if (std::optional<uint64_t> budget = runtime::memoryBudget(maxMemory)) {
    // Measured peak RSS per weight byte (docs/targets.md): the cpu target
    // holds the weights and their packed copy, TILE targets about 1.75x.
    const int factor = pipeline.tiled ? 2 : 3;
    loadOptions.maxWeightBytes = *budget / factor;
    loadOptions.memoryNote = absl::StrCat(
        "compiling for ", machine->name(), " takes about ", factor, "x that, more than the ",
        runtime::formatBytes(*budget),
        maxMemory ? " that --max-memory allows" : " this machine has available");
  }
  pipeline.kvCache = args.has("--kv-cache");
  if (args.has("--max-context")) {
    const std::string text = args.get("--max-context");
    if (!absl::SimpleAtoi(text, &loadOptions.maxContext) || loadOptions.maxContext <= 0)
      return fail("--max-context must be a positive integer, not '" + text + "'");
    if (!pipeline.kvCache)
      return fail("--max-context sets the KV-cache length; it needs --kv-cache");
  }
  if (pipeline.kvCache)
    recorded.push_back("--kv-cache");
  if (loadOptions.maxContext)
    recorded.push_back("--max-context " + std::to_string(loadOptions.maxContext));
  if (quant.scheme)
    recorded.push_back("--quant " + pipeline.quantScheme);
  if (args.has("--quant-group"))
    recorded.push_back("--quant-group " + std::to_string(pipeline.quantGroup));
  for (const std::string &o : pipeline.quantOverrides)
    recorded.push_back("--quant-override " + o);
  absl::StatusOr<onnx::ModelProto> model = import::loadOnnxModel(input, loadOptions);
  if (!model.ok())
    return fail(std::string(model.status().message()));

  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  context.loadDialect<graph::GraphDialect, isa::IsaDialect, mlir::func::FuncDialect>();
  std::vector<std::string> errors;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    if (d.getSeverity() == mlir::DiagnosticSeverity::Warning) {
      std::string line = absl::StrReplaceAll(d.str(), {{"\n", " "}});
      std::fprintf(stderr, "lmc compile: warning: %s: %s\n", input.c_str(), line.c_str());
      return mlir::success();
    }
    if (d.getSeverity() != mlir::DiagnosticSeverity::Error)
      return mlir::success();
    std::string text = d.str(), where = describe(d.getLocation());
    if (!where.empty() && text.rfind("node '", 0) != 0)
      text = where + ": " + text;
    if (text.rfind(input, 0) != 0)
      text = input + ": " + text;
    errors.push_back(text);
    return mlir::success();
  });
  auto failWithDiagnostics = [&](const std::string &fallback) {
    return fail(errors.empty() ? fallback : errors.front());
  };

  onnx::ModelProto forInference = import::modelForInference(*model);
  mlir::OwningOpRef<mlir::ModuleOp> module = import::importOnnxGraph(context, *model, input);
  if (!module || mlir::failed(mlir::verify(*module)))
    return failWithDiagnostics(input + ": import failed");
  if (absl::Status s = import::inferShapes(input, forInference); !s.ok())
    return fail(std::string(s.message()));
  setModuleTarget(*module, *machine);

  mlir::PassManager pm(&context);
  if (args.has("--mlir-print-ir-after-all"))
    pm.enableIRPrinting(/*shouldPrintBeforePass=*/nullptr,
                        /*shouldPrintAfterPass=*/[](mlir::Pass *, mlir::Operation *) { return true; },
                        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
                        /*printAfterOnlyOnFailure=*/false, llvm::errs(),
                        mlir::OpPrintingFlags().elideLargeElementsAttrs(16));
  // The graph cleanup first on its own: the graph --emit graph prints, and
  // the one the reports below read (folded weights, as lmc-quantize sees
  // them, an ONNX model's own quantized weights already in qmatmul).
  buildGraphCleanup(pm);
  if (mlir::failed(pm.run(*module)))
    return failWithDiagnostics(input + ": compilation failed");
  const bool quantReport = args.has("--quant-report");
  if (quantReport && emit != "bin")
    return fail("--quant-report needs a .bin output (--emit bin)");
  if (quantReport && loadOptions.noWeights)
    return fail("--quant-report needs the weights; it cannot run with --no-weights");
  if (quantReport && pipeline.kvCache)
    return fail("--quant-report measures a whole-sequence run; use it on the model without "
                "--kv-cache (the same weights quantize the same way)");
  std::string footprint;
  if (args.has("--report"))
    footprint = weightFootprint(*module, quant);
  mlir::OwningOpRef<mlir::ModuleOp> reference;
  if (quantReport)
    reference = module->clone();
  auto lower = [&](mlir::ModuleOp m) {
    mlir::PassManager rest(&context);
    if (args.has("--mlir-print-ir-after-all"))
      rest.enableIRPrinting(
          /*shouldPrintBeforePass=*/nullptr,
          /*shouldPrintAfterPass=*/[](mlir::Pass *, mlir::Operation *) { return true; },
          /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
          /*printAfterOnlyOnFailure=*/false, llvm::errs(),
          mlir::OpPrintingFlags().elideLargeElementsAttrs(16));
    buildLowering(rest, pipeline);  // the cleanup ran above
    return rest.run(m);
  };
  if (emit != "graph" && !autoChips && mlir::failed(lower(*module)))
    return failWithDiagnostics(input + ": compilation failed");
  // --chips auto: from one chip, as many as the plan that did not fit asks
  // for (lmc-plan-buffers' lmc.chips_needed), until one fits.
  while (emit != "graph" && autoChips) {
    mlir::OwningOpRef<mlir::ModuleOp> attempt = module->clone();
    errors.clear();
    if (mlir::succeeded(lower(*attempt))) {
      module = std::move(attempt);
      break;
    }
    auto needed = (*attempt)->getAttrOfType<mlir::IntegerAttr>("lmc.chips_needed");
    if (!needed || needed.getInt() <= pipeline.chips)
      return fail("--chips auto, at " + std::to_string(pipeline.chips) + " chips: " +
                  (errors.empty() ? input + ": compilation failed" : errors.front()));
    if (needed.getInt() > format::kMaxChips)
      return fail("--chips auto: " + input + " needs " + std::to_string(needed.getInt()) +
                  " chips, more than the " + std::to_string(format::kMaxChips) +
                  " a .bin may have; quantize it (--quant) or use a target with more SRAM");
    pipeline.chips = needed.getInt();
  }
  if (pipeline.chips > 1)
    recorded.push_back("--chips " + std::to_string(pipeline.chips));
  if (emit != "bin")
    return printIr(*module, output) ? 0 : fail("cannot write " + output);

  target::EmitOptions emitOptions;
  emitOptions.target = *machine;
  emitOptions.compilerVersion = LMC_VERSION_STRING;
  emitOptions.options = recorded;
  target::EmitSummary summary;
  if (mlir::failed(target::emitBin(*module, output, emitOptions, &summary)))
    return failWithDiagnostics("cannot write " + output);
  std::fputs(footprint.c_str(), stdout);
  std::printf("%s -> %s: %zu instructions, %.2f MB constants, %.2f MB working memory (target %s)\n",
              input.c_str(), output.c_str(), summary.instructions, summary.constantBytes / 1e6,
              summary.workingBytes / 1e6, machine->name().c_str());
  if (summary.absentBytes)
    std::printf("weights absent (--no-weights): %.2f MB reserved, not stored; the .bin can be "
                "inspected and simulated, not run\n",
                summary.absentBytes / 1e6);
  if (summary.stateTensors)
    std::printf("kv cache: %zu state tensors, %.2f MB, persistent across runs (reset to start "
                "a new sequence)\n",
                summary.stateTensors, summary.stateBytes / 1e6);
  if (tiled)
    std::printf("schedule: %llu cycles = %.2f us at %g MHz\n",
                static_cast<unsigned long long>(summary.scheduleCycles),
                summary.scheduleCycles / machine->clock_mhz(), machine->clock_mhz());
  if (pipeline.chips > 1 || autoChips)
    std::printf("chips: %lld (pipeline stages%s; docs/targets.md)\n",
                static_cast<long long>(pipeline.chips),
                autoChips ? ", the fewest that hold the model: --chips auto" : "");
  if (quantReport) {
    QuantReportRequest request{*reference, quant, output, args.getAll("--calibration"), input};
    absl::StatusOr<std::string> text = cli::quantReport(request);
    if (!text.ok())
      return fail(std::string(text.status().message()));
    std::fputs(text->c_str(), stdout);
  }
  return 0;
}

}  // namespace lmc::cli
