// ONNX ModelProto -> lmc_graph module (a `main` function on static shapes).
#ifndef LMC_IMPORT_ONNXIMPORTER_H
#define LMC_IMPORT_ONNXIMPORTER_H

#include <string>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "onnx/onnx_pb.h"

namespace lmc::import {

// Builds the module; on failure reports diagnostics (through the context's
// handler) naming the ONNX node, and returns null. `path` names the model in
// messages and locations. The data of each initializer is released from
// `model` once it lives in the IR, so weights are held once, not twice.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxGraph(mlir::MLIRContext &context,
                                                  onnx::ModelProto &model,
                                                  const std::string &path);

}  // namespace lmc::import

#endif  // LMC_IMPORT_ONNXIMPORTER_H
