// The cost model: per-instruction cycles from the target's unit rates.
#include "runtime/format/CostModel.h"

#include <algorithm>
#include <cmath>

#include "runtime/format/LinkTopology.h"
#include "runtime/format/SramGroups.h"
#include "runtime/format/TargetLoader.h"

namespace lmc::format {
namespace {

uint64_t elements(const Region &r) {
  uint64_t n = 1;
  for (unsigned d = 0; d < r.rank; ++d)
    n *= static_cast<uint64_t>(r.shape[d]);
  return n;
}

uint64_t ceilDiv(double a, double b) { return ceilCycles(a / b); }

}  // namespace

uint64_t ceilCycles(double cycles) {
  if (!(cycles > 0))
    return 0;
  const double up = std::ceil(cycles);
  return up >= double(kMaxCycles) ? kMaxCycles : static_cast<uint64_t>(up);
}

bool stateInDram(const Target &target) {
  return target.granularity() == Target::TILE && target.dram().bytes() > 0;
}

bool regionInDram(const Target &target, const Region &r) {
  Space space = static_cast<Space>(r.space);
  return space == Space::Dram || (space == Space::State && stateInDram(target)) ||
         (space == Space::Const && !target.weights_in_sram() &&
          target.granularity() == Target::TILE);
}

UnitKind unitKindFor(const Target &target, Opcode opcode, const Region *ops, unsigned n) {
  if (target.granularity() != Target::TILE)
    return CPU;
  switch (opcodeInfo(opcode).family) {
  case OpFamily::Matrix:
    return MXM;
  case OpFamily::Move:
    if (opcode == Opcode::Copy && n == 2 && regionInDram(target, ops[0]) != regionInDram(target, ops[1]))
      return DMA;
    return SXM;
  default:
    return VXM;
  }
}

DType computeDType(Opcode opcode, const Region *ops, unsigned n) {
  if (opcode == Opcode::MatMulQ)
    return DType::I8;
  // An i32 matmul multiplies 8-bit ONNX integers (MatMulInteger,
  // QLinearMatMul) that lmc widens so that zero points subtract exactly; a
  // chip runs such products on its 8-bit MACs with zero-point corrections.
  if (opcode == Opcode::MatMul && n > 1 && static_cast<DType>(ops[1].dtype) == DType::I32)
    return DType::I8;
  return static_cast<DType>(ops[n > 1 ? 1 : 0].dtype);
}

unsigned vectorOpsPerElement(Opcode opcode) {
  switch (opcode) {
  case Opcode::Exp:
  case Opcode::Log:
  case Opcode::Tanh:
  case Opcode::Erf:
  case Opcode::Sigmoid:
  case Opcode::Pow:
  case Opcode::Math:  // the transcendentals (floor, ceil, sign cost as much)
    return 8;
  case Opcode::TopK:
    return 16;  // a sort of the lane
  case Opcode::Mod:
  case Opcode::Div:
  case Opcode::Reciprocal:
  case Opcode::Sqrt:
    return 4;
  case Opcode::Softmax:
    return 12;  // max, subtract, exp, sum, scale
  case Opcode::Gelu:
    return 12;  // cube, polynomial, tanh or erf, scale
  case Opcode::LayerNorm:
    return 8;   // mean, variance, normalize, scale, shift
  default:
    return 1;
  }
}

InstructionCost instructionCost(const Target &target, Opcode opcode, const Region *ops,
                                unsigned n, UnitKind unit, const ChipTransfer *transfer) {
  InstructionCost cost;
  cost.unit = unit;
  for (unsigned i = 0; i < n; ++i)
    (regionInDram(target, ops[i]) ? cost.dramBytes : cost.sramBytes) +=
        touchedBytes(opcode, ops, n, i);
  const UnitSpec *spec = findUnit(target, unit);
  if (!spec || target.granularity() != Target::TILE) {
    cost.cycles = 1;
    return cost;
  }
  // A transfer over the link network: its route's cycles (no DRAM).
  if (unit == C2C && transfer && transfer->from != transfer->to && hasLinkTopology(target) && n > 0) {
    absl::StatusOr<std::vector<LinkHop>> route =
        linkRoute(target, transfer->from, transfer->to, transfer->chips);
    if (route.ok() && cost.dramBytes == 0) {
      cost.latency = uint64_t(route->size()) * target.links().latency_cycles();
      cost.cycles = linkTransferCycles(target, regionBytes(ops[0]), *route);
      return cost;
    }
  }
  DType dtype = computeDType(opcode, ops, n);
  double rate = std::max(unitRate(*spec, dtype), 1e-9);
  uint64_t work = 0;
  switch (unit) {
  case MXM: {
    // A weight-stationary plane: each pass installs a <= tile_rows x
    // tile_cols weight block and streams every row of the activations.
    const Region &o = ops[0], &a = ops[1];
    uint64_t k = static_cast<uint64_t>(a.shape[a.rank - 1]);
    uint64_t cols = static_cast<uint64_t>(o.shape[o.rank - 1]);
    uint64_t rows = elements(o) / std::max<uint64_t>(cols, 1);
    uint64_t passes = ceilDiv(double(k), spec->tile_rows()) * ceilDiv(double(cols), spec->tile_cols());
    double perRow = double(spec->tile_rows()) * spec->tile_cols() / rate;
    cost.macs = rows * k * cols;
    work = passes * ceilDiv(double(rows) * perRow, 1.0) + (passes - 1) * spec->latency_cycles();
    break;
  }
  case VXM: {
    const Region &in = ops[n > 1 ? 1 : 0];
    uint64_t count = std::max(elements(ops[0]), elements(in));
    cost.vectorOps = count * vectorOpsPerElement(opcode);
    work = ceilDiv(double(cost.vectorOps), rate);
    break;
  }
  default:  // SXM, DMA, C2C: bytes moved (a scatter's: its updates; a window's: every window it writes)
    work = ceilDiv(
        double(regionBytes(ops[opcode == Opcode::Scatter || opcode == Opcode::ScatterND ? 2 : 0])), rate);
    break;
  }
  // Operands spilled to (or weights streamed from) DRAM by a non-DMA unit
  // are limited by the DRAM bandwidth.
  if (unit != DMA && cost.dramBytes && target.dram().bytes_per_cycle() > 0)
    work = std::max(work, ceilDiv(double(cost.dramBytes), target.dram().bytes_per_cycle()));
  // SRAM operands are limited by the bandwidth of the slice groups they
  // are striped over (SramGroups.h).
  cost.sramCycles = sramGroupCycles(target, sramGroups(target), opcode, ops, n);
  cost.sramAdded = cost.sramCycles - std::min(cost.sramCycles, work);
  work = std::max(work, cost.sramCycles);
  cost.latency = spec->latency_cycles();
  if (unit != DMA && cost.dramBytes)
    cost.latency += target.dram().latency_cycles();
  cost.cycles = work + cost.latency;
  return cost;
}

}  // namespace lmc::format
