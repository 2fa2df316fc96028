// Dispatch from an opcode to its fast path (when the CPU, dtype and layout
// allow one) or its reference kernel.
#include "runtime/kernels/Kernels.h"

#include <cstring>

#include "runtime/kernels/Fast.h"
#include "runtime/kernels/Tensor.h"

namespace lmc::kernels {

using format::Opcode;

int64_t TensorRef::numElements() const {
  int64_t n = 1;
  for (int k = 0; k < rank; ++k)
    n *= shape[k];
  return n;
}

TensorRef makeTensorRef(const format::Region &region, uint8_t *spaceBase) {
  TensorRef t;
  t.dtype = static_cast<format::DType>(region.dtype);
  t.rank = region.rank;
  bool empty = false;
  for (int k = 0; k < t.rank; ++k) {
    t.shape[k] = region.shape[k];
    t.strides[k] = region.strides[k];
    empty |= t.shape[k] == 0;
  }
  // An empty region touches no byte, so F13 does not bound its offset.
  t.data = empty ? spaceBase : spaceBase + region.offset;
  return t;
}

TensorRef contiguousRef(void *data, format::DType dtype, int rank, const int64_t *shape) {
  TensorRef t;
  t.data = static_cast<uint8_t *>(data);
  t.dtype = dtype;
  t.rank = rank;
  int64_t stride = 1;
  for (int k = rank - 1; k >= 0; --k) {
    t.shape[k] = shape[k];
    t.strides[k] = stride;
    stride *= shape[k];
  }
  return t;
}

namespace {

bool runFast(Opcode opcode, const TensorRef *ops, unsigned n, const int64_t *imms,
             const ExecOptions &options) {
  switch (format::opcodeInfo(opcode).family) {
  case format::OpFamily::Matrix:
    if (opcode == Opcode::MatMulPacked)
      return fastMatMulPacked(ops[0], ops[1], ops[2], options);
    if (opcode == Opcode::MatMulQ)
      return fastMatMulQ(ops[0], ops[1], ops[2], ops[3], imms, options);
    return fastMatMul(ops[0], ops[1], ops[2], options);
  case format::OpFamily::Unary:
    if (opcode == Opcode::Gelu)
      return fastGelu(ops[0], ops[1], imms[0] != 0, options);
    return fastUnary(opcode, ops[0], ops[1], options);
  case format::OpFamily::Binary:
    return fastBinary(opcode, ops[0], ops[1], ops[2], options);
  case format::OpFamily::Select:
    return fastWhere(ops[0], ops[1], ops[2], ops[3], options);
  case format::OpFamily::Normalize:
    if (opcode == Opcode::Softmax)
      return fastSoftmax(ops[0], ops[1], imms[0], options);
    {
      double epsilon;
      std::memcpy(&epsilon, &imms[1], sizeof(epsilon));
      return fastLayerNorm(ops[0], ops[1], ops[2], n > 3 ? &ops[3] : nullptr, imms[0], epsilon,
                           options);
    }
  default:
    return false;
  }
}

}  // namespace

absl::Status runKernel(Opcode opcode, const TensorRef *ops, unsigned n, const int64_t *imms,
                       const ExecOptions &options) {
  const format::OpcodeInfo &info = format::opcodeInfo(opcode);
  if (n < 1u + info.minInputs || n > 1u + info.maxInputs)
    return absl::InvalidArgumentError(
        absl::StrCat(info.mnemonic, " got ", n, " operands"));
  if (!options.referenceOnly && runFast(opcode, ops, n, imms, options))
    return absl::OkStatus();
  switch (info.family) {
  case format::OpFamily::Move:
    if (opcode == Opcode::GatherElements || opcode == Opcode::GatherND ||
        opcode == Opcode::ScatterND)
      return runIndexing(opcode, ops[0], ops[1], ops[2], imms[0]);
    return runMove(opcode, ops, n, imms);
  case format::OpFamily::Matrix:
    if (opcode == Opcode::MatMulPacked)
      return runMatMulPacked(ops[0], ops[1], ops[2]);
    if (opcode == Opcode::MatMulQ)
      return runMatMulQ(ops[0], ops[1], ops[2], ops[3], imms);
    return runMatMul(ops[0], ops[1], ops[2]);
  case format::OpFamily::Unary:
    if (opcode == Opcode::Gelu)
      return runGelu(ops[0], ops[1], imms[0] != 0);
    if (opcode == Opcode::Math)
      return runMath(ops[0], ops[1], imms[0]);
    return opcode == Opcode::Cast ? runCast(ops[0], ops[1]) : runUnary(opcode, ops[0], ops[1]);
  case format::OpFamily::Binary:
    if (opcode == Opcode::Mod || opcode == Opcode::BitShift)
      return runModShift(opcode, ops[0], ops[1], ops[2], imms[0]);
    return runBinary(opcode, ops[0], ops[1], ops[2]);
  case format::OpFamily::Select:
    return runWhere(ops[0], ops[1], ops[2], ops[3]);
  case format::OpFamily::Reduce:
    if (opcode == Opcode::ArgMax || opcode == Opcode::ArgMin || opcode == Opcode::CumSum ||
        opcode == Opcode::TopK)
      return runAxis(opcode, ops[0], ops[1], imms);
    return runReduce(opcode, ops[0], ops[1]);
  case format::OpFamily::Normalize:
    if (opcode == Opcode::Softmax)
      return runSoftmax(ops[0], ops[1], imms[0]);
    {
      double epsilon;
      std::memcpy(&epsilon, &imms[1], sizeof(epsilon));
      return runLayerNorm(ops[0], ops[1], ops[2], n > 3 ? &ops[3] : nullptr, imms[0], epsilon);
    }
  }
  return absl::InternalError(absl::StrCat("no kernel for opcode ", info.mnemonic));
}

}  // namespace lmc::kernels
