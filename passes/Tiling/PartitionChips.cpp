// lmc-partition-chips: cut a TILE target's tiles into pipeline stages, one
// per chip, balancing the bytes each chip keeps resident (weights and KV
// caches), and copy every working buffer a later chip reads over a
// chip-to-chip link.
#include <algorithm>

#include "dialects/Isa/Isa.h"
#include "dialects/Tile/Tile.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"
#include "passes/TargetInfo.h"
#include "runtime/format/LinkTopology.h"
#include "runtime/format/TargetLoader.h"

namespace lmc {
#define GEN_PASS_DEF_PARTITIONCHIPS
#include "passes/Passes.h.inc"
}  // namespace lmc

using namespace mlir;
namespace lisa = lmc::isa;
namespace ltile = lmc::tile;
namespace fmt = lmc::format;

namespace {

constexpr char kChip[] = "lmc.chip";

int64_t typeBytes(Type type) {
  auto shaped = cast<ShapedType>(type);
  Type elem = shaped.getElementType();
  return shaped.getNumElements() * (elem.isInteger(1) ? 1 : (elem.getIntOrFloatBitWidth() + 7) / 8);
}

// A working buffer: an SRAM (or, on a target with DRAM, spillable) alloc
// that one instruction writes and others read; these cross chips by copy.
bool isWorking(Value buffer) {
  auto alloc = buffer.getDefiningOp<lisa::AllocOp>();
  return alloc && alloc.getSpace() != "state";
}

// A persistent buffer (a KV cache): it stays on the one chip that uses it.
bool isState(Value buffer) {
  if (auto alloc = buffer.getDefiningOp<lisa::AllocOp>())
    return alloc.getSpace() == "state";
  return llvm::isa_and_nonnull<lisa::StateOp>(buffer.getDefiningOp());
}

// The bytes a chip keeps resident for `buffer` (weights and KV caches),
// 0 for working buffers and IO.
int64_t residentBytes(Value buffer) {
  Operation *def = buffer.getDefiningOp();
  if (auto c = dyn_cast_or_null<lisa::ConstOp>(def))
    return c.getByteSize();
  if (auto w = dyn_cast_or_null<lisa::WeightOp>(def))
    return typeBytes(w.getType());
  if (auto s = dyn_cast_or_null<lisa::StateOp>(def))
    return typeBytes(s.getType());
  if (auto a = dyn_cast_or_null<lisa::AllocOp>(def); a && a.getSpace() == "state")
    return static_cast<int64_t>(a.getBytes());
  return 0;
}

unsigned numOutputs(StringRef opcode) {
  std::optional<fmt::Opcode> op = fmt::opcodeByMnemonic(opcode.str());
  return op ? fmt::opcodeInfo(*op).numOutputs : 1;
}

struct PartitionChipsPass : lmc::impl::PartitionChipsBase<PartitionChipsPass> {
  using PartitionChipsBase::PartitionChipsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const int64_t chips = this->chips.getValue();
    if (chips < 1) {
      module.emitError("the chip count must be at least 1, not ") << chips;
      return signalPassFailure();
    }
    if (chips == 1)
      return;
    FailureOr<fmt::Target> target = lmc::resolveModuleTarget(module, targetName);
    if (failed(target))
      return signalPassFailure();
    if (target->granularity() != fmt::Target::TILE || !fmt::findUnit(*target, fmt::C2C)) {
      module.emitError("target '")
          << target->name() << "' cannot be partitioned over " << chips
          << " chips: that needs a TILE target with chip-to-chip links (a C2C unit), such as lpu";
      return signalPassFailure();
    }
    // Every pair of chips needs a route over the target's link network.
    for (int64_t a = 0; a < chips && fmt::hasLinkTopology(*target); ++a)
      for (int64_t b = 0; b < chips; ++b)
        if (absl::StatusOr<std::vector<fmt::LinkHop>> route =
                fmt::linkRoute(*target, uint32_t(a), uint32_t(b), uint32_t(chips));
            !route.ok()) {
          module.emitError("--chips ") << chips << ": " << std::string(route.status().message());
          return signalPassFailure();
        }
    for (auto func : module.getOps<func::FuncOp>())
      if (failed(partition(func, *target)))
        return signalPassFailure();
    module->setAttr("lmc.chips", OpBuilder(module).getI64IntegerAttr(chips));
  }

  LogicalResult partition(func::FuncOp func, const fmt::Target &target);
};

LogicalResult PartitionChipsPass::partition(func::FuncOp func, const fmt::Target &target) {
  const int64_t chips = this->chips.getValue();
  SmallVector<ltile::TileOpInterface> ops;
  func.walk([&](ltile::TileOpInterface t) { ops.push_back(t); });
  const int64_t n = static_cast<int64_t>(ops.size());
  // A cut before op p (1 <= p < n) is legal unless a working buffer is
  // written on both sides of it (its writers stay on one chip, so a copy
  // of it is final) or a KV cache is used on both sides (it never moves).
  llvm::DenseMap<Value, std::pair<int64_t, int64_t>> span;
  // Resident bytes each op brings first: a KV cache whole, a weight as much
  // as its regions read (the column tiles of one weight may go to several
  // chips), at most its size.
  std::vector<int64_t> load(n, 0);
  llvm::DenseSet<std::pair<Value, Attribute>> seen;
  llvm::DenseMap<Value, int64_t> counted;
  for (int64_t i = 0; i < n; ++i) {
    unsigned outs = numOutputs(ops[i].getOpcodeName());
    for (auto [k, pair] :
         llvm::enumerate(llvm::zip(ops[i].getTileBuffers(), ops[i].getTileRegions()))) {
      auto [buffer, region] = pair;
      if ((isWorking(buffer) && k < outs) || isState(buffer)) {
        auto [it, fresh] = span.try_emplace(buffer, i, i);
        it->second.second = i;
      }
      int64_t whole = residentBytes(buffer);
      if (!whole || !seen.insert({buffer, isState(buffer) ? Attribute() : region}).second)
        continue;
      int64_t &sofar = counted[buffer];
      int64_t add = isState(buffer)
                        ? whole
                        : std::min(lmc::regionFootprintBytes(cast<lisa::RegionAttr>(region)),
                                   whole - sofar);
      sofar += add;
      load[i] += add;
    }
  }
  std::vector<int64_t> blocked(n + 1, 0);
  for (auto &[buffer, s] : span) {
    blocked[s.first + 1] += 1;
    blocked[s.second + 1] -= 1;
  }
  // Blocks: runs of ops between legal cuts, with their loads.
  std::vector<int64_t> blockStart{0}, blockLoad{0};
  int64_t open = 0;
  for (int64_t i = 0; i < n; ++i) {
    open += blocked[i];
    if (i > 0 && open == 0) {
      blockStart.push_back(i);
      blockLoad.push_back(0);
    }
    blockLoad.back() += load[i];
  }
  const int64_t blocks = n ? static_cast<int64_t>(blockStart.size()) : 0;
  // On a chip that keeps its weights in SRAM (no DRAM), a block whose
  // weights alone exceed one chip fits no number of chips.
  if (target.weights_in_sram() && target.dram().bytes() == 0) {
    const fmt::Memory &sram = target.sram();
    const int64_t capacity = sram.buffers_within_slices()
                                 ? static_cast<int64_t>(fmt::sliceBytes(sram) * sram.slices())
                                 : static_cast<int64_t>(sram.bytes());
    for (int64_t k = 0; k < blocks; ++k) {
      if (blockLoad[k] <= capacity)
        continue;
      int64_t end = k + 1 < blocks ? blockStart[k + 1] : n, heaviest = blockStart[k];
      for (int64_t i = blockStart[k]; i < end; ++i)
        if (load[i] > load[heaviest])
          heaviest = i;
      return ops[heaviest]->emitError("reads ")
             << blockLoad[k] << " bytes of weights (and KV cache) between two places where the "
             << "model can be cut, more than one chip of target '" << target.name()
             << "' holds (" << capacity << " bytes of SRAM): no number of chips fits it";
    }
  }
  if (blocks < chips)
    return func.emitError("--chips ")
           << chips << " is more than the " << blocks
           << " pipeline stages this model can be cut into; use at most " << blocks << " chips";
  // The smallest bound on a chip's resident bytes that contiguous stages
  // meet (binary search over a greedy fill), then the fill under that bound
  // that makes exactly `chips` stages: a stage also closes early when the
  // blocks left are just enough for the stages left.
  auto stagesFor = [&](int64_t bound) {
    int64_t used = 1, sum = 0;
    for (int64_t k = 0; k < blocks; ++k) {
      if (k > 0 && sum + blockLoad[k] > bound) {
        ++used;
        sum = 0;
      }
      sum += blockLoad[k];
    }
    return used;
  };
  int64_t lo = *std::max_element(blockLoad.begin(), blockLoad.end()), hi = 0;
  for (int64_t l : blockLoad)
    hi += l;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (stagesFor(mid) <= chips)
      hi = mid;
    else
      lo = mid + 1;
  }
  std::vector<int64_t> firstBlock{0};
  for (int64_t k = 0, sum = 0; k < blocks; ++k) {
    int64_t left = chips - static_cast<int64_t>(firstBlock.size());
    if (k > 0 && left > 0 && (blocks - k == left || sum + blockLoad[k] > lo)) {
      firstBlock.push_back(k);
      sum = 0;
    }
    sum += blockLoad[k];
  }
  OpBuilder b(func.getContext());
  std::vector<int64_t> chipOf(n);
  for (int64_t c = 0, i = 0; c < chips; ++c) {
    int64_t end = c + 1 < chips ? blockStart[firstBlock[c + 1]] : n;
    for (; i < end; ++i) {
      chipOf[i] = c;
      ops[i]->setAttr(kChip, b.getI64IntegerAttr(c));
    }
  }
  // Each working buffer and KV cache lives on the chip of its first writer
  // (else of its first user).
  llvm::DenseMap<Value, int64_t> home;
  for (auto [i, op] : llvm::enumerate(ops))
    for (Value buffer : op.getTileBuffers().take_front(numOutputs(op.getOpcodeName())))
      home.try_emplace(buffer, chipOf[i]);
  for (auto [i, op] : llvm::enumerate(ops))
    for (Value buffer : op.getTileBuffers())
      if (isWorking(buffer) || isState(buffer))
        home.try_emplace(buffer, chipOf[i]);
  for (auto &[buffer, c] : home)
    if (isWorking(buffer) || isState(buffer))
      buffer.getDefiningOp()->setAttr(kChip, b.getI64IntegerAttr(c));
  // Reads of another chip's working buffer read a copy on the reader's
  // chip, made by a C2C transfer of the whole buffer before the first such
  // read after each write (the buffer's writers all precede it: legal cuts).
  llvm::DenseMap<std::pair<Value, int64_t>, Value> copies;
  llvm::DenseSet<std::pair<Value, int64_t>> current;
  MLIRContext *ctx = func.getContext();
  for (int64_t i = 0; i < n; ++i) {
    ltile::TileOpInterface op = ops[i];
    const int64_t c = chipOf[i];
    unsigned outs = numOutputs(op.getOpcodeName());
    OperandRange buffers = op.getTileBuffers();
    unsigned base = buffers.getBeginOperandIndex();
    for (unsigned k = outs; k < buffers.size(); ++k) {
      Value buffer = op->getOperand(base + k);
      auto alloc = buffer.getDefiningOp<lisa::AllocOp>();
      if (!isWorking(buffer) || home.lookup(buffer) == c)
        continue;
      Value &copy = copies[{buffer, c}];
      if (!copy) {
        b.setInsertionPointAfter(alloc);
        auto made = b.create<lisa::AllocOp>(alloc.getLoc(), alloc.getType(), alloc.getBytesAttr(),
                                            alloc.getSpaceAttr(), IntegerAttr());
        made->setAttr(kChip, b.getI64IntegerAttr(c));
        copy = made;
      }
      if (current.insert({buffer, c}).second) {
        b.setInsertionPoint(op);
        int64_t bytes = static_cast<int64_t>(alloc.getBytes());
        auto whole = lisa::RegionAttr::get(ctx, b.getIntegerType(8), {bytes}, {1}, 0);
        auto send = b.create<lisa::InstOp>(
            op->getLoc(), b.getStringAttr("copy"), ValueRange{copy, buffer},
            b.getArrayAttr({whole, whole}), b.getDenseI64ArrayAttr({}),
            b.getStringAttr(lmc::unitNameOf(fmt::C2C)), b.getI64IntegerAttr(0));
        send->setAttr(kChip, b.getI64IntegerAttr(home.lookup(buffer)));
      }
      op->setOperand(base + k, copy);
    }
    for (unsigned k = 0; k < outs && k < buffers.size(); ++k) {
      Value buffer = op->getOperand(base + k);
      if (!isWorking(buffer))
        continue;
      assert(home.lookup(buffer) == c && "legal cuts keep a buffer's writers on its chip");
      for (int64_t other = 0; other < chips; ++other)
        current.erase({buffer, other});
    }
  }
  return success();
}

}  // namespace
