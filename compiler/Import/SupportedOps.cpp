// The list of importable ONNX operators; OnnxImporter.cpp (and the family
// files it dispatches to) handles each one.
#include "compiler/Import/SupportedOps.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lmc::import {

const std::vector<std::string> &supportedOps() {
  // One operator per line, sorted (binary_search).
  static const std::vector<std::string> ops = {
      "Abs",
      "Add",
      "And",
      "AveragePool",
      "BatchNormalization",
      "Cast",
      "Clip",
      "Concat",
      "Constant",
      "ConstantOfShape",
      "Conv",
      "ConvTranspose",
      "DepthToSpace",
      "DequantizeLinear",
      "Div",
      "Dropout",
      "DynamicQuantizeLinear",
      "Equal",
      "Erf",
      "Exp",
      "Expand",
      "Flatten",
      "Gather",
      "Gemm",
      "GlobalAveragePool",
      "GlobalMaxPool",
      "Greater",
      "Identity",
      "InstanceNormalization",
      "LRN",
      "LayerNormalization",
      "Less",
      "Log",
      "MatMul",
      "MatMulInteger",
      "Max",
      "MaxPool",
      "Min",
      "Mul",
      "Neg",
      "Not",
      "Or",
      "Pad",
      "Pow",
      "QLinearMatMul",
      "QuantizeLinear",
      "Range",
      "Reciprocal",
      "ReduceMax",
      "ReduceMean",
      "ReduceMin",
      "ReduceSum",
      "Relu",
      "Reshape",
      "Resize",
      "Round",
      "ScatterElements",
      "Shape",
      "Sigmoid",
      "Slice",
      "Softmax",
      "SpaceToDepth",
      "Split",
      "Sqrt",
      "Squeeze",
      "Sub",
      "Tanh",
      "Tile",
      "Transpose",
      "Trilu",
      "Unsqueeze",
      "Upsample",
      "Where",
  };
  return ops;
}

bool isSupportedOp(const std::string &domain, const std::string &opType) {
  if (!domain.empty() && domain != "ai.onnx")
    return false;
  const auto &ops = supportedOps();
  return std::binary_search(ops.begin(), ops.end(), opType);
}

absl::Status checkSupportedOps(const std::string &path, const onnx::ModelProto &model) {
  std::map<std::string, int64_t> opsets;
  for (const auto &o : model.opset_import())
    opsets[o.domain() == "ai.onnx" ? "" : o.domain()] = o.version();
  std::vector<std::string> unsupported;
  for (int i = 0; i < model.graph().node_size(); ++i) {
    const auto &node = model.graph().node(i);
    if (isSupportedOp(node.domain(), node.op_type()))
      continue;
    std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
    std::string name = node.name().empty() ? absl::StrCat("#", i) : absl::StrCat("'", node.name(), "'");
    unsupported.push_back(absl::StrCat(domain.empty() ? "" : domain + ".", node.op_type(),
                                       " (opset ", opsets[domain], ", node ", name, ")"));
  }
  if (unsupported.empty())
    return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat(
      path, ": ", unsupported.size(), " node(s) use operators lmc does not support: ",
      absl::StrJoin(unsupported, ", "),
      "; 'lmc compile --help' lists the supported operators"));
}

}  // namespace lmc::import
