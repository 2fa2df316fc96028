// What lmc-quantize does, for the pass and for the compile driver's reports
// (footprint per precision, accuracy report), which must pick the same
// matmuls the pass rewrites.
#ifndef LMC_PASSES_QUANTIZATION_QUANTIZE_H
#define LMC_PASSES_QUANTIZATION_QUANTIZE_H

#include <optional>
#include <string>
#include <vector>

#include "dialects/Graph/Graph.h"
#include "mlir/IR/BuiltinOps.h"
#include "runtime/format/QuantMatMul.h"

namespace lmc {

// A matmul whose right-hand side is an f32 K x N constant or absent weight
// (possibly through a 2-D transpose): what --quant can rewrite.
struct QuantCandidate {
  graph::MatMulOp matmul;
  mlir::Operation *source;  // the graph.constant or graph.weight
  bool transposed;          // B = source^T
  int64_t k, n;
  std::string node;         // the ONNX node name ("" when unknown)
};
std::vector<QuantCandidate> findQuantCandidates(mlir::ModuleOp module);

// The scheme a candidate gets: `scheme` (nullopt: none) unless an override
// "GLOB=SCHEME" matches its node name (the last match wins).
struct QuantConfig {
  std::optional<format::QuantScheme> scheme;
  int64_t group = 0;  // 0: the scheme's default (int8: K, int4: 32, ternary: K)
  std::vector<std::string> overrides;
};
// Parses "none", "int8", "int4", "ternary"; false for anything else.
bool parseQuantScheme(llvm::StringRef text, std::optional<format::QuantScheme> &scheme);
// The first problem with a configuration (a malformed override, a group
// size that is not a multiple of 8), or "".
std::string checkQuantConfig(const QuantConfig &config);
std::optional<format::QuantScheme> schemeFor(const QuantConfig &config, llvm::StringRef node);
// The group size used for a K-row matrix.
int64_t groupFor(const QuantConfig &config, format::QuantScheme scheme, int64_t k);

}  // namespace lmc

#endif  // LMC_PASSES_QUANTIZATION_QUANTIZE_H
