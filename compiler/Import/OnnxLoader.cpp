// The onnx-library side of import; every exception stops here.
#include "compiler/Import/OnnxLoader.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "compiler/Import/SupportedOps.h"
#include "passes/Memory/KvCacheNames.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "onnx/checker.h"
#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

namespace lmc::import {

absl::Status parseInputShape(const std::string &text, LoadOptions &options) {
  size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    return absl::InvalidArgumentError(
        absl::StrCat("--input-shape '", text, "' must look like NAME=1x128"));
  std::vector<int64_t> dims;
  for (absl::string_view part : absl::StrSplit(text.substr(eq + 1), 'x')) {
    int64_t d;
    if (!absl::SimpleAtoi(part, &d) || d < 0)
      return absl::InvalidArgumentError(absl::StrCat(
          "--input-shape '", text, "': '", part, "' is not a non-negative dimension"));
    dims.push_back(d);
  }
  options.inputShapes[text.substr(0, eq)] = dims;
  return absl::OkStatus();
}

int64_t defaultOpset(const onnx::ModelProto &model) {
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      return o.version();
  return 0;
}

namespace {

std::string dirName(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Moves external tensor data into raw_data so that everything downstream
// sees ordinary tensors.
absl::Status loadExternalData(const std::string &path, onnx::TensorProto &tensor) {
  if (tensor.data_location() != onnx::TensorProto::EXTERNAL)
    return absl::OkStatus();
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : tensor.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset" && !absl::SimpleAtoi(kv.value(), &offset))
      offset = -1;
    else if (kv.key() == "length" && !absl::SimpleAtoi(kv.value(), &length))
      length = -2;
  }
  if (location.empty() || location[0] == '/' || location.find("..") != std::string::npos ||
      offset < 0 || length < -1)
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": initializer '", tensor.name(),
        "' has invalid external data (location '", location, "'): re-export the model"));
  std::string file = dirName(path) + "/" + location;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return absl::NotFoundError(absl::StrCat(path, ": initializer '", tensor.name(),
                                            "' keeps its data in '", file,
                                            "', which cannot be read: put it next to the model, "
                                            "or compile with --no-weights to study the model "
                                            "without its weights"));
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (length < 0)
    length = size - offset;
  if (offset + length > size)
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": initializer '", tensor.name(), "' reads bytes [", offset, ", ", offset + length,
        ") of '", file, "', which has ", size, " bytes"));
  std::string data(length, '\0');
  in.seekg(offset);
  in.read(data.data(), length);
  tensor.set_raw_data(std::move(data));
  tensor.clear_external_data();
  tensor.set_data_location(onnx::TensorProto::DEFAULT);
  return absl::OkStatus();
}

absl::Status loadAllExternalData(const std::string &path, onnx::GraphProto &graph) {
  for (auto &t : *graph.mutable_initializer())
    if (absl::Status s = loadExternalData(path, t); !s.ok())
      return s;
  for (auto &node : *graph.mutable_node())
    for (auto &attr : *node.mutable_attribute()) {
      if (attr.has_t())
        if (absl::Status s = loadExternalData(path, *attr.mutable_t()); !s.ok())
          return s;
      if (attr.has_g())
        if (absl::Status s = loadAllExternalData(path, *attr.mutable_g()); !s.ok())
          return s;
    }
  return absl::OkStatus();
}

std::string shapeText(const onnx::TensorShapeProto &shape) {
  std::vector<std::string> dims;
  for (const auto &d : shape.dim())
    dims.push_back(d.has_dim_value() ? std::to_string(d.dim_value())
                   : d.has_dim_param() ? d.dim_param()
                                       : "?");
  return "[" + absl::StrJoin(dims, ", ") + "]";
}

// Applies --input-shape bindings and lists the inputs still dynamic.
absl::Status bindInputShapes(const std::string &path, onnx::ModelProto &model,
                             const LoadOptions &options) {
  std::set<std::string> initializers;
  for (const auto &t : model.graph().initializer())
    initializers.insert(t.name());
  std::set<std::string> used;
  std::vector<std::string> dynamic;
  for (auto &input : *model.mutable_graph()->mutable_input()) {
    if (initializers.count(input.name()))
      continue;
    if (!input.type().has_tensor_type())
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": input '", input.name(), "' is not a tensor; lmc supports tensor inputs only"));
    auto *tensorType = input.mutable_type()->mutable_tensor_type();
    auto it = options.inputShapes.find(input.name());
    if (it != options.inputShapes.end()) {
      used.insert(input.name());
      auto *shape = tensorType->mutable_shape();
      if (tensorType->has_shape() && shape->dim_size() != static_cast<int>(it->second.size()))
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": --input-shape gives '", input.name(), "' rank ", it->second.size(),
            " but the model declares ", shapeText(*shape)));
      for (int d = 0; d < shape->dim_size(); ++d) {
        const auto &dim = shape->dim(d);
        if (dim.has_dim_value() && dim.dim_value() != it->second[d])
          return absl::InvalidArgumentError(absl::StrCat(
              path, ": --input-shape gives '", input.name(), "' dimension ", d, " = ",
              it->second[d], " but the model fixes it to ", dim.dim_value()));
      }
      shape->clear_dim();
      for (int64_t d : it->second)
        shape->add_dim()->set_dim_value(d);
      continue;
    }
    if (options.maxContext > 0 && kv::pastKey(input.name())) {
      auto *shape = tensorType->mutable_shape();
      if (!tensorType->has_shape() || shape->dim_size() < 2)
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": --max-context: KV-cache input '", input.name(), "' has shape ",
            tensorType->has_shape() ? shapeText(*shape) : "(unknown rank)",
            "; expected [..., positions, head_dim]"));
      auto *dim = shape->mutable_dim(shape->dim_size() - 2);
      if (dim->has_dim_value() && dim->dim_value() != options.maxContext)
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": --max-context ", options.maxContext, " but KV-cache input '",
            input.name(), "' ", shapeText(*shape), " fixes the cache length to ",
            dim->dim_value()));
      dim->set_dim_value(options.maxContext);
    }
    bool isStatic = tensorType->has_shape();
    for (const auto &d : tensorType->shape().dim())
      isStatic &= d.has_dim_value();
    if (!isStatic)
      dynamic.push_back(absl::StrCat(input.name(), " ",
                                     tensorType->has_shape() ? shapeText(tensorType->shape())
                                                             : "(unknown rank)"));
  }
  for (const auto &[name, dims] : options.inputShapes)
    if (!used.count(name))
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": --input-shape names '", name, "', which is not a model input"));
  if (!dynamic.empty())
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": inputs with dynamic dimensions: ", absl::StrJoin(dynamic, "; "),
        "; bind each with --input-shape NAME=DIMS (e.g. --input-shape ",
        dynamic.front().substr(0, dynamic.front().find(' ')), "=1x16)"));
  return absl::OkStatus();
}

// What the checker sees of a model whose external tensors are left unread:
// each such initializer becomes a graph input of the same type, so that the
// checks that do not touch the data still run.
onnx::ModelProto withoutExternalData(const onnx::ModelProto &model) {
  onnx::ModelProto copy = model;
  auto *graph = copy.mutable_graph();
  std::set<std::string> inputs;
  for (const auto &in : graph->input())
    inputs.insert(in.name());
  google::protobuf::RepeatedPtrField<onnx::TensorProto> kept;
  for (auto &t : *graph->mutable_initializer()) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) {
      *kept.Add() = std::move(t);
      continue;
    }
    if (inputs.count(t.name()))
      continue;
    auto *input = graph->add_input();
    input->set_name(t.name());
    auto *type = input->mutable_type()->mutable_tensor_type();
    type->set_elem_type(t.data_type());
    for (int64_t d : t.dims())
      type->mutable_shape()->add_dim()->set_dim_value(d);
  }
  graph->mutable_initializer()->Swap(&kept);
  return copy;
}

// Bytes of the initializers (and tensor attributes): inline data as
// stored, external data by its declared length or what its file holds.
uint64_t weightBytes(const std::string &path, const onnx::GraphProto &graph) {
  uint64_t total = 0;
  auto add = [&](const onnx::TensorProto &t) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) {
      total += t.ByteSizeLong();
      return;
    }
    int64_t length = -1;
    std::string location;
    for (const auto &kv : t.external_data()) {
      if (kv.key() == "length" && !absl::SimpleAtoi(kv.value(), &length))
        length = -1;
      if (kv.key() == "location")
        location = kv.value();
    }
    if (length < 0 && !location.empty()) {
      std::ifstream in(dirName(path) + "/" + location, std::ios::binary | std::ios::ate);
      length = in ? int64_t(in.tellg()) : 0;
    }
    total += uint64_t(std::max<int64_t>(length, 0));
  };
  for (const auto &t : graph.initializer())
    add(t);
  for (const auto &node : graph.node())
    for (const auto &attr : node.attribute()) {
      if (attr.has_t())
        add(attr.t());
      if (attr.has_g())
        total += weightBytes(path, attr.g());
    }
  return total;
}

// onnx 1.12's version converter keeps an opset < 13 Hardmax as it is,
// although opset 13 changed its meaning (one axis instead of the input
// coerced to 2-D at `axis`): spell the old meaning out before converting,
// as the converter itself does for Softmax and LogSoftmax.
void coerceOldHardmax(onnx::GraphProto &graph) {
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (const onnx::NodeProto &n : graph.node()) {
    bool hardmax = n.op_type() == "Hardmax" && (n.domain().empty() || n.domain() == "ai.onnx");
    if (!hardmax || n.input_size() != 1 || n.output_size() != 1) {
      *nodes.Add() = n;
      continue;
    }
    int64_t axis = 1;
    for (const auto &a : n.attribute())
      if (a.name() == "axis")
        axis = a.i();
    const std::string &x = n.input(0), &y = n.output(0);
    auto add = [&](const char *op, std::vector<std::string> ins, const std::string &out) {
      onnx::NodeProto *m = nodes.Add();
      m->set_op_type(op);
      m->set_name(n.name().empty() ? std::string() : n.name() + "/" + op);
      for (const std::string &in : ins)
        m->add_input(in);
      m->add_output(out);
      return m;
    };
    onnx::AttributeProto *flatAxis = add("Flatten", {x}, y + "/lmc_flat")->add_attribute();
    flatAxis->set_name("axis");
    flatAxis->set_type(onnx::AttributeProto::INT);
    flatAxis->set_i(axis);
    add("Hardmax", {y + "/lmc_flat"}, y + "/lmc_hard");  // axis 1: the last of two
    add("Shape", {x}, y + "/lmc_shape");
    add("Reshape", {y + "/lmc_hard", y + "/lmc_shape"}, y);
  }
  graph.mutable_node()->Swap(&nodes);
}

}  // namespace

absl::StatusOr<onnx::ModelProto> loadOnnxModel(const std::string &path,
                                               const LoadOptions &options) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(absl::StrCat(path, ": cannot open the file"));
  // One copy of the file in memory (a stringstream would make two).
  in.seekg(0, std::ios::end);
  std::string bytes(static_cast<size_t>(std::max<std::streamoff>(in.tellg(), 0)), '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in)
    return absl::DataLossError(absl::StrCat(path, ": cannot read the file"));
  return loadOnnxModelFromBytes(bytes, path, options);
}

absl::StatusOr<onnx::ModelProto> loadOnnxModelFromBytes(const std::string &bytes,
                                                        const std::string &path,
                                                        const LoadOptions &options) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a valid ONNX model (the protobuf does not parse; truncated or not ONNX?)"));
  if (!model.has_graph())
    return absl::InvalidArgumentError(absl::StrCat(path, ": the ONNX model has no graph"));
  if (absl::Status s = checkSupportedOps(path, model); !s.ok())
    return s;
  if (options.maxWeightBytes && !options.noWeights) {
    const uint64_t weights = weightBytes(path, model.graph());
    if (weights > options.maxWeightBytes)
      return absl::ResourceExhaustedError(absl::StrCat(
          path, ": its weights take ", weights, " bytes; ", options.memoryNote,
          ". Compile with --no-weights to inspect and simulate it, or on a machine with more "
          "memory"));
  }
  try {
    if (options.noWeights)
      onnx::checker::check_model(withoutExternalData(model));
    else if (absl::Status s = loadAllExternalData(path, *model.mutable_graph()); !s.ok())
      return s;
    else
      onnx::checker::check_model(model);
    int64_t opset = defaultOpset(model);
    if (opset > kMaxOpset)
      return absl::UnimplementedError(absl::StrCat(
          path, ": opset ", opset, " is newer than lmc supports (", kMinOpset, "-", kMaxOpset,
          "); export with opset ", kMaxOpset));
    if (opset < 1)
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": the model imports no default-domain (ai.onnx) opset; re-export it with opset ",
          kMaxOpset));
    for (int i = 0; opset < 9 && i < model.graph().node_size(); ++i)
      if (const auto &node = model.graph().node(i);
          node.op_type() == "Scan" && (node.domain().empty() || node.domain() == "ai.onnx"))
        return absl::UnimplementedError(absl::StrCat(
            path, ": node ", node.name().empty() ? absl::StrCat("#", i) : "'" + node.name() + "'",
            " is a Scan of opset ", opset,
            " (with a batch axis and sequence_lens), which lmc does not convert; export with "
            "opset 9 or later"));
    // onnx 1.12's checker lets an output no one defines through, and its
    // version converter then dereferences the missing producer.
    std::set<std::string> defined;
    for (const auto &in : model.graph().input())
      defined.insert(in.name());
    for (const auto &init : model.graph().initializer())
      defined.insert(init.name());
    for (const auto &node : model.graph().node())
      defined.insert(node.output().begin(), node.output().end());
    for (const auto &out : model.graph().output())
      if (!defined.count(out.name()))
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": graph output '", out.name(),
            "' is not an input, an initializer or any node's output; fix the exporter's graph"));
    if (absl::Status s = bindInputShapes(path, model, options); !s.ok())
      return s;
    if (opset < kMinOpset) {
      if (opset < 13)
        coerceOldHardmax(*model.mutable_graph());
      // Some adapters read shapes (Softmax 12 -> 13 needs its input's rank):
      // infer them first, ignoring what inference cannot tell.
      onnx::ShapeInferenceOptions inference(/*check_type=*/false, /*strict_mode=*/0,
                                            /*data_prop=*/false);
      onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), inference);
      model = onnx::version_conversion::ConvertVersion(model, kMinOpset);
      onnx::checker::check_model(options.noWeights ? withoutExternalData(model) : model);
    }
  } catch (const onnx::checker::ValidationError &e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the ONNX checker rejects the model: ", e.what()));
  } catch (const onnx::InferenceError &e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ONNX shape inference fails: ", e.what()));
  } catch (const std::exception &e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the onnx library rejects the model: ", e.what()));
  }
  return model;
}

onnx::ModelProto modelForInference(onnx::ModelProto &model) {
  constexpr size_t kSmall = 64 * 1024;  // shape-like tensors are far smaller
  auto *graph = model.mutable_graph();
  google::protobuf::RepeatedPtrField<onnx::TensorProto> initializers;
  initializers.Swap(graph->mutable_initializer());
  onnx::ModelProto copy = model;  // everything but the initializers
  initializers.Swap(graph->mutable_initializer());
  std::set<std::string> inputs;
  for (const auto &in : copy.graph().input())
    inputs.insert(in.name());
  for (const auto &t : graph->initializer()) {
    bool small = t.data_location() != onnx::TensorProto::EXTERNAL &&
                 static_cast<size_t>(t.ByteSizeLong()) <= kSmall;
    if (small) {
      *copy.mutable_graph()->add_initializer() = t;
      continue;
    }
    if (inputs.count(t.name()))
      continue;
    auto *input = copy.mutable_graph()->add_input();
    input->set_name(t.name());
    auto *type = input->mutable_type()->mutable_tensor_type();
    type->set_elem_type(t.data_type());
    for (int64_t d : t.dims())
      type->mutable_shape()->add_dim()->set_dim_value(d);
  }
  return copy;
}

absl::Status inferShapes(const std::string &path, onnx::ModelProto &copy) {
  // Data propagation is off: the importer folds shape subgraphs itself.
  try {
    onnx::ShapeInferenceOptions inference(/*check_type=*/false, /*strict_mode=*/0,
                                          /*data_prop=*/false);
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), inference);
  } catch (const onnx::InferenceError &e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ONNX shape inference fails: ", e.what()));
  } catch (const std::exception &e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the onnx library rejects the model: ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace lmc::import
