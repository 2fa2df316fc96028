// `lmc compile --report` weight footprint per precision and
// `--quant-report`: the accuracy of a quantized build against f32.
#ifndef LMC_TOOLS_QUANTREPORT_H
#define LMC_TOOLS_QUANTREPORT_H

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mlir/IR/BuiltinOps.h"
#include "passes/Quantization/Quantize.h"

namespace lmc::cli {

// The constant bytes of the (canonicalized) graph `module` with its
// quantizable matmul weights in f32, int8, int4 and ternary, and with the
// configuration's choices, as text lines.
std::string weightFootprint(mlir::ModuleOp module, const QuantConfig &config);

struct QuantReportRequest {
  // The canonicalized f32 graph, before lmc-quantize (consumed: the report
  // adds outputs to it and compiles it).
  mlir::ModuleOp reference;
  QuantConfig config;
  std::string quantizedBin;              // the quantized .bin just written
  std::vector<std::string> calibration;  // NAME=FILE.npy bindings
  std::string modelPath;                 // for messages
};

// Runs the f32 graph (with every quantized matmul's input as an extra
// output) and the quantized .bin on the calibration inputs; returns the
// per-layer SQNR and cosine of each quantized matmul (its f32 input times
// the f32 weights vs the quantized kernel) and the end-to-end agreement.
absl::StatusOr<std::string> quantReport(const QuantReportRequest &request);

}  // namespace lmc::cli

#endif  // LMC_TOOLS_QUANTREPORT_H
