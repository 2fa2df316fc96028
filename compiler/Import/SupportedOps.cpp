// The list of importable ONNX operators; OnnxImporter.cpp (and the family
// files it dispatches to) handles each one.
#include "compiler/Import/SupportedOps.h"

#include <algorithm>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lmc::import {

const std::vector<std::string> &supportedOps() {
  // One operator per line, sorted (binary_search).
  static const std::vector<std::string> ops = {
      "Abs",
      "Acos",
      "Acosh",
      "Add",
      "And",
      "ArgMax",
      "ArgMin",
      "Asin",
      "Asinh",
      "Atan",
      "Atanh",
      "AveragePool",
      "BatchNormalization",
      "BitShift",
      "Cast",
      "CastLike",
      "Ceil",
      "Celu",
      "Clip",
      "Concat",
      "Constant",
      "ConstantOfShape",
      "Conv",
      "ConvTranspose",
      "Cos",
      "Cosh",
      "CumSum",
      "DepthToSpace",
      "DequantizeLinear",
      "Div",
      "Dropout",
      "DynamicQuantizeLinear",
      "Einsum",
      "Elu",
      "Equal",
      "Erf",
      "Exp",
      "Expand",
      "EyeLike",
      "Flatten",
      "Floor",
      "GRU",
      "Gather",
      "GatherElements",
      "GatherND",
      "Gemm",
      "GlobalAveragePool",
      "GlobalMaxPool",
      "Greater",
      "GreaterOrEqual",
      "GridSample",
      "HardSigmoid",
      "HardSwish",
      "Hardmax",
      "Identity",
      "If",
      "InstanceNormalization",
      "IsInf",
      "IsNaN",
      "LRN",
      "LSTM",
      "LayerNormalization",
      "LeakyRelu",
      "Less",
      "LessOrEqual",
      "Log",
      "LogSoftmax",
      "Loop",
      "MatMul",
      "MatMulInteger",
      "Max",
      "MaxPool",
      "Mean",
      "MeanVarianceNormalization",
      "Min",
      "Mod",
      "Mul",
      "Neg",
      "NegativeLogLikelihoodLoss",
      "Not",
      "OneHot",
      "Or",
      "PRelu",
      "Pad",
      "Pow",
      "QLinearMatMul",
      "QuantizeLinear",
      "RNN",
      "Range",
      "Reciprocal",
      "ReduceL1",
      "ReduceL2",
      "ReduceLogSum",
      "ReduceLogSumExp",
      "ReduceMax",
      "ReduceMean",
      "ReduceMin",
      "ReduceProd",
      "ReduceSum",
      "ReduceSumSquare",
      "Relu",
      "Reshape",
      "Resize",
      "ReverseSequence",
      "Round",
      "Scan",
      "Scatter",
      "ScatterElements",
      "ScatterND",
      "Selu",
      "Shape",
      "Shrink",
      "Sigmoid",
      "Sign",
      "Sin",
      "Sinh",
      "Size",
      "Slice",
      "Softmax",
      "SoftmaxCrossEntropyLoss",
      "Softplus",
      "Softsign",
      "SpaceToDepth",
      "Split",
      "Sqrt",
      "Squeeze",
      "Sub",
      "Sum",
      "Tan",
      "Tanh",
      "ThresholdedRelu",
      "Tile",
      "TopK",
      "Transpose",
      "Trilu",
      "Unsqueeze",
      "Upsample",
      "Where",
      "Xor",
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
  // Bodies of If, Loop and Scan count too; their nodes are named after the graph's.
  std::function<void(const onnx::GraphProto &, const std::string &)> scan =
      [&](const onnx::GraphProto &graph, const std::string &scope) {
        for (int i = 0; i < graph.node_size(); ++i) {
          const auto &node = graph.node(i);
          for (const auto &a : node.attribute())
            if (a.has_g())
              scan(a.g(), absl::StrCat(scope, graph.name(), "/"));
          if (isSupportedOp(node.domain(), node.op_type()))
            continue;
          std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
          std::string name = node.name().empty() ? absl::StrCat("#", i) : absl::StrCat("'", node.name(), "'");
          if (!scope.empty())
            name = absl::StrCat(name, " in ", scope, graph.name());
          unsupported.push_back(absl::StrCat(domain.empty() ? "" : domain + ".", node.op_type(),
                                             " (opset ", opsets[domain], ", node ", name, ")"));
        }
      };
  scan(model.graph(), "");
  if (unsupported.empty())
    return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat(
      path, ": ", unsupported.size(), " node(s) use operators lmc does not support: ",
      absl::StrJoin(unsupported, ", "),
      "; 'lmc compile --help' lists the supported operators"));
}

}  // namespace lmc::import
