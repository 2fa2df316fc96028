// lmc-schedule: the MLIR adapter of the scheduling library. Lowers lmc_tile
// tiles to lmc_isa instructions on their units, builds a Problem from the
// instructions, list-schedules it and writes the cycles.
#include <algorithm>
#include <map>

#include "dialects/Isa/Isa.h"
#include "dialects/Tile/Tile.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"
#include "passes/Scheduling/Problem.h"
#include "passes/Scheduling/Schedule.h"
#include "passes/TargetInfo.h"
#include "runtime/format/LinkTopology.h"
#include "runtime/format/TargetLoader.h"

namespace lmc {
#define GEN_PASS_DEF_SCHEDULEINSTRUCTIONS
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace lisa = lmc::isa;
namespace fmt = lmc::format;

namespace {

// The bytes [begin, end) of its buffer a region can touch.
std::pair<int64_t, int64_t> byteSpan(lisa::RegionAttr r) {
  Type t = r.getElementType();
  int64_t width = t.isInteger(1) ? 1 : (t.getIntOrFloatBitWidth() + 7) / 8;
  int64_t lo = r.getOffset(), hi = r.getOffset();
  for (auto [d, s] : llvm::zip(r.getShape(), r.getStrides())) {
    if (d == 0)
      return {0, 0};
    (s < 0 ? lo : hi) += (d - 1) * s;
  }
  return {lo * width, (hi + 1) * width};
}

// Exact for the common case of two tiles of one row-major layout that
// differ in where their rows start (matmul column tiles): same rank, shape
// of the outer dims and strides, unit innermost stride, outer strides
// multiples of the row stride, each row segment inside one row. Such tiles
// overlap only if their column ranges do. Otherwise: whether the byte
// spans intersect (conservative).
bool mayOverlap(lisa::RegionAttr a, lisa::RegionAttr b) {
  auto [aBegin, aEnd] = byteSpan(a);
  auto [bBegin, bEnd] = byteSpan(b);
  if (aBegin == aEnd || bBegin == bEnd || aEnd <= bBegin || bEnd <= aBegin)
    return false;
  size_t rank = a.getShape().size();
  if (rank < 2 || b.getShape().size() != rank || a.getStrides() != b.getStrides() ||
      a.getElementType() != b.getElementType() || a.getStrides().back() != 1 ||
      a.getShape().drop_back() != b.getShape().drop_back())
    return true;
  int64_t row = a.getStrides()[rank - 2];
  if (row <= 0)
    return true;
  for (int64_t s : a.getStrides().drop_back())
    if (s < 0 || s % row)
      return true;
  int64_t aCol = a.getOffset() % row, bCol = b.getOffset() % row;
  int64_t aCount = a.getShape().back(), bCount = b.getShape().back();
  if (a.getOffset() - aCol != b.getOffset() - bCol || aCol + aCount > row || bCol + bCount > row)
    return true;
  return aCol < bCol + bCount && bCol < aCol + aCount;
}

struct Access {
  int op;
  lisa::RegionAttr region;
  bool write;
};

// Each tile becomes the instruction it stands for, on its unit kind.
void lowerTiles(func::FuncOp func) {
  SmallVector<lmc::tile::TileOpInterface> tiles;
  func.walk([&](lmc::tile::TileOpInterface t) { tiles.push_back(t); });
  OpBuilder b(func.getContext());
  for (lmc::tile::TileOpInterface t : tiles) {
    b.setInsertionPoint(t);
    auto inst = b.create<lisa::InstOp>(
        t->getLoc(), b.getStringAttr(t.getOpcodeName()), t.getTileBuffers(), t.getTileRegions(),
        b.getDenseI64ArrayAttr(t.getImmValues()), b.getStringAttr(t.getUnitName()),
        b.getI64IntegerAttr(0));
    if (Attribute chip = t->getAttr("lmc.chip"))
      inst->setAttr("lmc.chip", chip);
    t->erase();
  }
}

}  // namespace

LogicalResult lmc::scheduleInstructions(func::FuncOp func, const fmt::Target &target) {
  lmc::sched::Problem problem;
  // Each chip has its own instances of every unit kind (lmc.chip, from
  // lmc-partition-chips; one chip without it).
  int64_t chips = 1;
  if (auto a = func->getParentOfType<ModuleOp>()->getAttrOfType<IntegerAttr>("lmc.chips"))
    chips = std::max<int64_t>(a.getInt(), 1);
  std::map<std::pair<int64_t, fmt::UnitKind>, int> kinds;
  for (int64_t chip = 0; chip < chips; ++chip)
    for (const fmt::UnitSpec &u : target.units())
      kinds[{chip, u.kind()}] = problem.addUnitKind(
          (chips > 1 ? "chip" + std::to_string(chip) + "." : std::string()) +
              lmc::unitNameOf(u.kind()),
          u.count());

  lowerTiles(func);
  SmallVector<lisa::InstOp> insts;
  func.walk([&](lisa::InstOp inst) { insts.push_back(inst); });
  llvm::DenseMap<Value, std::vector<Access>> accesses;
  std::map<std::pair<int64_t, uint32_t>, int> links;  // (chip, next chip) -> link bundle kind
  for (auto [index, inst] : llvm::enumerate(insts)) {
    fmt::InstructionCost cost = lmc::costOf(target, inst);
    const int64_t chip = lmc::chipOf(inst);
    if (chip < 0 || chip >= chips)
      return inst.emitOpError("is on chip ") << chip << " but the module has " << chips
                                             << " (lmc.chips)";
    auto kind = kinds.find({chip, cost.unit});
    if (kind == kinds.end())
      return inst.emitOpError("issues on unit '")
             << inst.getUnit() << "', which target '" << target.name() << "' does not have";
    int op = problem.addOperation(kind->second, std::max<int64_t>(cost.cycles, 1));
    // A chip-to-chip copy also holds the first link bundle of its route
    // while it streams (one transfer at a time; the simulator also queues
    // the later hops).
    if (cost.unit == fmt::C2C && fmt::hasLinkTopology(target)) {
      const int64_t to = lmc::chipOf(inst.getBuffers()[0].getDefiningOp());
      absl::StatusOr<std::vector<fmt::LinkHop>> route =
          fmt::linkRoute(target, uint32_t(chip), uint32_t(to), uint32_t(chips));
      if (!route.ok())
        return inst.emitOpError(std::string(route.status().message()));
      const int64_t headway = int64_t(route->size()) * target.links().latency_cycles();
      if (!route->empty() && int64_t(cost.cycles) > headway) {
        auto [link, fresh] = links.try_emplace({chip, (*route)[0].to}, 0);
        if (fresh)
          link->second = problem.addUnitKind("chip" + std::to_string(chip) + ".link.chip" +
                                                 std::to_string((*route)[0].to),
                                             1);
        problem.addHold(op, link->second, int64_t(cost.cycles) - headway);
      }
    }
    // Dependences through memory: any overlap where one side writes.
    for (auto [k, pair] : llvm::enumerate(llvm::zip(inst.getBuffers(), inst.getRegions()))) {
      auto [buffer, attr] = pair;
      if (llvm::isa_and_nonnull<lisa::ConstOp, lisa::WeightOp>(buffer.getDefiningOp()))
        continue;  // read-only
      bool write = k < 1;  // outputs first
      auto region = cast<lisa::RegionAttr>(attr);
      std::vector<Access> &list = accesses[buffer];
      for (const Access &a : list)
        if (a.op != op && (a.write || write) && mayOverlap(a.region, region))
          problem.addDependence(a.op, op, problem.operations()[a.op].duration);
      list.push_back({op, region, write});
    }
  }
  if (absl::Status s = problem.check(); !s.ok())
    return func.emitError("scheduling problem is malformed: ") << std::string(s.message());
  lmc::sched::Schedule schedule = lmc::sched::listSchedule(problem);
  if (absl::Status s = lmc::sched::verify(problem, schedule); !s.ok())
    return func.emitError("the list schedule does not verify: ") << std::string(s.message());

  OpBuilder b(func.getContext());
  for (auto [index, inst] : llvm::enumerate(insts)) {
    inst.setCycleAttr(b.getI64IntegerAttr(schedule.start[index]));
    inst->setAttr("lmc.duration", b.getI64IntegerAttr(problem.operations()[index].duration));
  }
  // Buffers first, then instructions in issue order (stable), so that the
  // sequential order of the .bin is the schedule's.
  Block &body = func.getBody().front();
  SmallVector<Operation *> buffers;
  for (Operation &op : body.without_terminator())
    if (!llvm::isa<lisa::InstOp>(op))
      buffers.push_back(&op);
  for (Operation *op : llvm::reverse(buffers))
    op->moveBefore(&body, body.begin());
  std::vector<size_t> order(insts.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return schedule.start[x] < schedule.start[y];
  });
  Operation *terminator = body.getTerminator();
  for (size_t i : order)
    insts[i]->moveBefore(terminator);
  func->getParentOfType<ModuleOp>()->setAttr("lmc.schedule_cycles",
                                             b.getI64IntegerAttr(schedule.length));
  return success();
}

namespace {

struct ScheduleInstructionsPass
    : lmc::impl::ScheduleInstructionsBase<ScheduleInstructionsPass> {
  using ScheduleInstructionsBase::ScheduleInstructionsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<fmt::Target> target = lmc::resolveModuleTarget(module, targetName);
    if (failed(target))
      return signalPassFailure();
    if (target->granularity() != fmt::Target::TILE)
      return;
    for (auto func : module.getOps<func::FuncOp>())
      if (failed(lmc::scheduleInstructions(func, *target)))
        return signalPassFailure();
  }
};

}  // namespace
