// lmc's cycle-approximate simulator: a machine model driven by a .bin's
// instruction stream and its target, schedule verification, functional
// execution with the runtime kernels, and the report. No MLIR/LLVM.
// The model is described in docs/simulator.md.
#ifndef LMC_SIMULATOR_SIMULATOR_H
#define LMC_SIMULATOR_SIMULATOR_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/format/Reader.h"
#include "runtime/format/target.pb.h"

namespace lmc::sim {

// ---------------------------------------------------------------- what-if

// Sets one Target field from "key=value". Keys are proto field paths joined
// by '.': "clock_mhz", "sram.bytes", "dram.bytes_per_cycle",
// "energy.static_watts"; a unit is selected by its kind ("units.MXM.count",
// "units.DMA.latency_cycles"); a rate by its dtype ("units.MXM.rates.f16",
// "energy.pj_per_mac.i8"; "*" for the default rate). "sram_bytes" and
// "dram_bytes" are accepted for "sram.bytes" and "dram.bytes". Errors name
// the key and list what is valid.
absl::Status applyOverride(format::Target &target, const std::string &assignment);

// ---------------------------------------------------------------- results

enum class StallCause : uint8_t { None = 0, UnitBusy = 1, Dependence = 2 };

// Where and when one instruction ran in the simulation.
struct InstructionTiming {
  uint64_t staticCycle = 0;  // the compiler's issue cycle
  uint64_t issue = 0;        // simulated issue cycle
  uint64_t finish = 0;       // simulated completion (issue + duration)
  uint64_t contention = 0;   // cycles added by DRAM bandwidth sharing
  uint64_t linkWait = 0;     // C2C: cycles it waited for busy link bundles
  uint64_t sramContention = 0;  // cycles added by SRAM slice-group sharing
  uint64_t dramBytes = 0;    // bytes it moves to or from DRAM
  uint32_t instance = 0;     // unit instance it ran on (on its chip)
  uint16_t chip = 0;         // the chip it ran on (multi-chip files)
  uint8_t unitKind = 0;      // format::UnitKind
  StallCause stall = StallCause::None;
};

struct Violation {
  enum Kind { DoubleBooked, ReadBeforeWritten, OverwrittenWhileLive };
  Kind kind;
  size_t index;     // the instruction that breaks the rule
  size_t other;     // the instruction it conflicts with
  uint64_t cycle;   // the static cycle of `index`
  std::string message;  // one line, names both instructions, nodes, cycles
};

struct UnitStats {
  std::string name;     // "MXM"
  uint32_t count = 0;   // instances
  uint64_t instructions = 0;
  uint64_t busyCycles = 0;  // summed over instances
  std::vector<uint64_t> instanceBusy;
};

// One chip of a multi-chip file (Metadata.chips > 1).
struct ChipStats {
  uint64_t instructions = 0;
  std::vector<UnitStats> units;  // this chip's instances, as Result::units
  // Working bytes live in the chip's SRAM range (Metadata.chip_memory),
  // against one chip's capacity with its resident weights and KV caches.
  uint64_t sramPeak = 0, sramPeakCycle = 0, sramPlanned = 0, residentBytes = 0;
  uint64_t linkBytesSent = 0;  // C2C transfers it issued
  // Its first issue and last finish: a stream of inputs through the
  // pipeline could start one every max over chips of (lastFinish -
  // firstIssue) cycles (an estimate; one run is simulated).
  uint64_t firstIssue = UINT64_MAX, lastFinish = 0;
};

// One directed link bundle of the chip-to-chip network (the links from
// chip `from` to its neighbour `to`), over the run.
struct LinkStats {
  uint32_t from = 0, to = 0, links = 0;
  uint64_t transfers = 0;   // transfers whose route uses it
  uint64_t bytes = 0;       // bytes it carried
  uint64_t busyCycles = 0;  // cycles it streamed
  uint64_t waitCycles = 0;  // cycles transfers waited for it (it was busy)
};

// One hop of one transfer on a link bundle (for the trace): the bundle
// carries the stream over [start, start + cycles).
struct LinkSlice {
  uint32_t from = 0, to = 0;  // the bundle
  uint32_t instruction = 0;   // the C2C copy
  uint32_t hop = 0, hops = 0; // which hop of its route, of how many
  uint64_t start = 0, cycles = 0, bytes = 0;
};

struct NodeTime {
  uint32_t location = 0;
  std::string name, opType;
  uint64_t instructions = 0;
  uint64_t cycles = 0;  // summed simulated durations of its instructions
};

// The critical path of the simulated run: from the instruction that
// finishes last, back through what each one waited for (the operand's
// producer, or the reader a write had to wait for, or the previous
// instruction on its unit instance, whichever finished last; otherwise its
// own static cycle) to one that waited for nothing before its static cycle.
// Its first issue + the durations on it + its waits for static cycles =
// the total cycles.
struct CriticalPath {
  uint64_t instructions = 0;
  uint64_t startCycle = 0;        // the first instruction's issue
  uint64_t busyCycles = 0;        // durations summed (contention included)
  // Of which contention: DRAM bandwidth sharing and waits for busy link
  // bundles (JSON: critical_path.contention_cycles).
  uint64_t contentionCycles = 0;
  uint64_t sramContentionCycles = 0;  // SRAM slice-group contention (besides those)
  // Cycles the cost model's SRAM slice bound added to the durations on it.
  uint64_t sramBoundCycles = 0;
  // Waits for a static cycle later than the operands and the unit allowed
  // (the compiler's schedule left slack there).
  uint64_t staticWaitCycles = 0;
  uint64_t dependenceLinks = 0, unitLinks = 0;  // what the waits were for
  std::vector<std::pair<std::string, uint64_t>> cyclesByUnit;  // busy cycles by unit kind
  std::vector<NodeTime> topNodes;  // busy cycles on the path by ONNX node (at most 10)
  std::vector<uint32_t> indices;   // the instructions, in file order
};

struct Energy {
  double macPj = 0, vectorPj = 0, sramPj = 0, dramPj = 0, linkPj = 0;
  double staticJ = 0;
  double totalJ = 0;
  double averageWatts = 0;
};

struct Result {
  std::string targetName;
  // False for OPERATOR targets (cpu): no machine model, no timing.
  bool timed = false;
  double clockMhz = 0;
  uint64_t instructions = 0;
  // Of those, the ones whose dependences came from period replay (not in
  // the report: the results do not depend on it).
  uint64_t replayedInstructions = 0;
  // Of those, the ones whose DRAM and SRAM contention was copied from a
  // period before (the bandwidth steps repeated).
  uint64_t copiedInstructions = 0;
  // Of those, the ones written as a whole period repeated, not issued (the
  // unit instances' state repeated too).
  uint64_t repeatedInstructions = 0;
  uint64_t totalCycles = 0;
  uint64_t scheduleCycles = 0;  // the compiler's (Metadata.schedule_cycles)
  double latencySeconds = 0;
  // Prefill: the first input is an int64 [1, seq] token tensor; one run
  // processes the prompt, so latency is the time to the first token.
  // Decode (a --kv-cache decoder, Metadata.kv_cache): one run is one decode
  // step of `seq` tokens (tokens_per_step) against the cache in the State
  // space; tokens/s = seq / latency.
  int64_t seq = 0;
  double tokensPerSecond = 0;
  bool decode = false;
  int64_t maxContext = 0;    // decode: positions of the cache
  uint64_t stateBytes = 0;   // the State space (KV caches)
  bool stateInDram = false;  // where the target keeps it (else SRAM)

  std::vector<UnitStats> units;  // every chip's instances (count = per chip x chips)
  uint32_t chips = 1;
  std::vector<ChipStats> chipStats;  // per chip when chips > 1
  uint64_t pipelineInterval = 0;     // the longest chip span (chips > 1)
  uint64_t stalls[3] = {0, 0, 0};      // count by StallCause
  uint64_t stallCycles[3] = {0, 0, 0};  // cycles by StallCause
  uint64_t contentionCount = 0, contentionCycles = 0;
  // The link network (a target with a link topology, chips > 1): every
  // directed bundle a transfer used, the bytes summed over each transfer's
  // hops, and the transfers that waited for a busy bundle and for how long.
  std::vector<LinkStats> links;
  uint64_t linkHopBytes = 0, linkWaitCount = 0, linkWaitCycles = 0;
  std::vector<LinkSlice> linkSlices;  // kept with the timeline (--trace)

  // SRAM slice groups (docs/simulator.md, "SRAM slices"): a group's bytes
  // and bandwidth, the instructions whose duration the busiest group's
  // bandwidth set (the cost model's bound), those that sharing a group
  // with concurrent ones (or among their own operands) stretched, and the
  // busiest groups (at most 5): busy cycles = bytes / group bandwidth.
  struct SramGroupUse {
    std::string name;
    uint64_t busyCycles = 0, instructions = 0;
  };
  uint64_t sramGroupBytes = 0;
  double sramGroupBandwidth = 0;
  uint32_t sramStripeSlices = 0;  // slices per group
  uint64_t sramGroupsUsed = 0;
  uint64_t sramBoundCount = 0;
  uint64_t sramContentionCount = 0, sramContentionCycles = 0;
  std::vector<SramGroupUse> sramHotGroups;
  // What limits the run when the slice groups make half the critical path
  // (its slice-bound cycles and SRAM slice contention): "aggregate" when
  // the target interleaves its slices (one group) or the SRAM bytes at the
  // aggregate bandwidth take half the run too, else "slice group" (one
  // group, a hot spot, at a time); empty otherwise.
  std::string sramLimit;

  // SRAM occupancy: bytes from a write's issue to its last read's finish.
  uint64_t sramPeak = 0, sramPeakCycle = 0, sramCapacity = 0, sramPlanned = 0;
  std::vector<std::pair<uint64_t, uint64_t>> sramTimeline;  // (cycle, bytes) steps

  uint64_t dramBytes = 0, sramBytes = 0, linkBytes = 0, vectorOps = 0;
  std::map<std::string, uint64_t> macsByDtype;
  Energy energy;

  // Roofline: compute = max over MXM/VXM of busy / instances; memory =
  // max(dram bytes / dram bandwidth, sram bytes / sram bandwidth).
  std::string bound;  // "compute", "memory", "latency"
  uint64_t computeCycles = 0, memoryCycles = 0;

  std::vector<NodeTime> topNodes;  // by cycles, largest first (at most 10)
  CriticalPath critical;
  std::vector<InstructionTiming> timings;  // per instruction, file order
  std::vector<Violation> violations;
  uint64_t violationCount = 0;  // may exceed violations.size() (capped list)

  bool functional = false;
  std::vector<std::vector<uint8_t>> outputs;  // IO outputs after the run
};

struct Options {
  // Execute the instructions with the runtime kernels in simulated order.
  bool functional = false;
  // Bytes of each input (IO index order); empty: deterministic random data
  // (a KV-cache decoder's position input: 0). The State space starts zeroed.
  std::vector<std::vector<uint8_t>> inputs;
  // Check the compiler's static schedule (with the embedded target).
  bool verify = true;
  // Keep the SRAM occupancy timeline (the reports' SRAM over time).
  bool keepTimeline = true;
  // Keep each instruction's timing, the critical path's instructions and
  // the link slices (what a trace draws; functional mode keeps the
  // timings it orders by in any case).
  bool keepTimings = true;
  size_t maxViolations = 100;
  // Period replay (docs/simulator.md): once the stream repeats with the
  // same memory histories, reuse a simulated period's dependence results
  // instead of tracking its bytes again. The results are the same either
  // way; false tracks every instruction.
  bool replay = true;
};

// Simulates `file` on `target` (the embedded one, possibly overridden).
// Errors are one line naming the file and, where there is one, the
// instruction and its ONNX node.
absl::StatusOr<Result> simulate(const format::BinFile &file, const format::Target &target,
                                const Options &options);

// Checks the static schedule: no unit instance double-booked, no operand
// read before its producer finished, no bytes overwritten while an earlier
// reader or writer still uses them. Uses the file's embedded target.
std::vector<Violation> verifySchedule(const format::BinFile &file, size_t maxViolations,
                                      uint64_t *total = nullptr);

// Deterministic pseudo-random bytes for a tensor (floats in [-1, 1),
// integers such as token ids in [0, 100), bools 0/1): the same as `lmc bench`.
std::vector<uint8_t> randomTensor(format::DType dtype, uint64_t count, uint32_t seed);

// ---------------------------------------------------------------- streams

// K inputs entering the file's instruction stream back to back (a
// multi-chip pipeline: chip 0 starts input k+1 as soon as its units and
// buffers allow): the stream is the file's instructions K times over, on the
// same buffers, timed as one run (no schedule check, no execution).
struct StreamResult {
  uint32_t inputs = 0;
  std::vector<uint64_t> finish;  // the cycle each input's last instruction finishes
  // Measured: (finish[K-1] - finish[0]) / (K - 1), and from it inputs and
  // tokens (seq per input) per second.
  uint64_t interval = 0;
  double inputsPerSecond = 0, tokensPerSecond = 0;
  uint64_t linkWaitCount = 0, linkWaitCycles = 0;  // over the whole stream
};

// `inputs` >= 2. Errors name the file.
absl::StatusOr<StreamResult> simulateStream(const format::BinFile &file,
                                            const format::Target &target, uint32_t inputs);

// ---------------------------------------------------------------- report

std::string textReport(const format::BinFile &file, const Result &result);
std::string jsonReport(const format::BinFile &file, const Result &result);
// Chrome trace-event JSON (Perfetto, chrome://tracing).
std::string traceJson(const format::BinFile &file, const Result &result);

}  // namespace lmc::sim

#endif  // LMC_SIMULATOR_SIMULATOR_H
