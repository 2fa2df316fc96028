// Loading an ONNX model with the onnx library: parse, external data,
// checker, version conversion, input-shape binding and shape inference.
// Built with C++ exceptions (the onnx library throws); no MLIR here.
#ifndef LMC_IMPORT_ONNXLOADER_H
#define LMC_IMPORT_ONNXLOADER_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace lmc::import {

inline constexpr int kMinOpset = 13;
inline constexpr int kMaxOpset = 17;

struct LoadOptions {
  // Binds dynamic (or overrides) input dimensions: name -> full shape.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  // Leave tensors stored as external data unread (they may not exist): the
  // .bin can then be inspected and simulated but not run.
  bool noWeights = false;
  // Refuse, before reading any weight, a model whose weights exceed this
  // many bytes (0: no limit); `memoryNote` says why in the error.
  uint64_t maxWeightBytes = 0;
  std::string memoryNote;
  // --max-context: binds the cache length (dim rank-2) of every KV-cache
  // input (past.*, past_key_values.*) not bound by inputShapes; a static
  // length must equal it. 0: unset.
  int64_t maxContext = 0;
};

// Parses "name=1x128" into a binding; error text names what is wrong.
absl::Status parseInputShape(const std::string &text, LoadOptions &options);

// Returns a checked, opset >= 13 model whose graph inputs all have static
// shapes. Errors name the file and say what to do.
absl::StatusOr<onnx::ModelProto> loadOnnxModel(const std::string &path,
                                               const LoadOptions &options);

// The same for a serialized model in memory (the fuzzer's entry point):
// `path` names it in messages, and external data is looked up beside it.
absl::StatusOr<onnx::ModelProto> loadOnnxModelFromBytes(const std::string &bytes,
                                                        const std::string &path,
                                                        const LoadOptions &options);

// What shape inference needs of a model, taken before the importer moves
// the weights out: the graph and the small initializers (shape-like
// tensors); large ones become graph inputs of the same type.
onnx::ModelProto modelForInference(onnx::ModelProto &model);

// Runs the onnx library's shape inference on modelForInference()'s result,
// as a check of the model. Called after lmc's importer accepted the model:
// onnx 1.12's inference functions crash on some attribute values that the
// importer rejects with a clear error (e.g. LayerNormalization axis -642).
absl::Status inferShapes(const std::string &path, onnx::ModelProto &inferenceModel);

// The default-domain opset the model imports (0 if none).
int64_t defaultOpset(const onnx::ModelProto &model);

}  // namespace lmc::import

#endif  // LMC_IMPORT_ONNXLOADER_H
