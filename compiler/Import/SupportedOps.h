// The ONNX operators lmc imports (default domain, opsets 13-17), and the
// check that lists every unsupported node of a model at once.
#ifndef LMC_IMPORT_SUPPORTEDOPS_H
#define LMC_IMPORT_SUPPORTEDOPS_H

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"

namespace lmc::import {

bool isSupportedOp(const std::string &domain, const std::string &opType);
const std::vector<std::string> &supportedOps();

// OK, or one error listing each unsupported (op type, opset, node name).
absl::Status checkSupportedOps(const std::string &path, const onnx::ModelProto &model);

}  // namespace lmc::import

#endif  // LMC_IMPORT_SUPPORTEDOPS_H
