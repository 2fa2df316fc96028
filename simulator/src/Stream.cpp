// A stream of inputs through a .bin (simulateStream): the instructions
// repeated once per input in a file of their own, simulated for timing.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "runtime/format/TargetLoader.h"
#include "runtime/format/Writer.h"
#include "simulator/Simulator.h"

namespace lmc::sim {

absl::StatusOr<StreamResult> simulateStream(const format::BinFile &file,
                                            const format::Target &target, uint32_t inputs) {
  if (inputs < 2)
    return absl::InvalidArgumentError(
        absl::StrCat(file.path(), ": a stream needs at least 2 inputs, not ", inputs));
  if (absl::Status s = format::validateTarget(target, file.path() + "'s target"); !s.ok())
    return s;
  if (target.granularity() != format::Target::TILE || !(target.clock_mhz() > 0))
    return absl::FailedPreconditionError(
        absl::StrCat(file.path(), ": target '", target.name(),
                     "' has no machine model (not a TILE target), so a stream has no timing"));
  // The repeated file: the same metadata, IO and locations, no constant
  // bytes (timing does not read them: the weights are marked absent, F17).
  format::Writer w;
  w.metadata() = file.metadata();
  w.io() = file.io();
  uint64_t constants = 0;
  for (const format::SectionEntry &e : file.sections())
    if (e.kind == uint32_t(format::SectionKind::Constants))
      constants = e.size;
  w.metadata().set_weights_absent(true);
  w.metadata().set_const_space_bytes(std::max(file.metadata().const_space_bytes(), constants));
  for (int i = 1; i < file.locations().locations_size(); ++i)
    w.addLocation(file.locations().locations(i).node_name(), file.locations().locations(i).op_type());
  const auto &insts = file.instructions();
  const size_t n = insts.size();
  std::vector<format::Region> operands;
  std::vector<int64_t> imms;
  for (uint32_t k = 0; k < inputs; ++k)
    for (const format::InstructionView &inst : insts) {
      operands.assign(inst.operands, inst.operands + inst.header->numOperands);
      imms.assign(inst.imms, inst.imms + inst.header->numImms);
      w.addInstruction(inst.opcode(), static_cast<format::Unit>(inst.header->unit),
                       inst.header->cycle, inst.header->location, operands, imms,
                       inst.header->chip);
    }
  std::vector<uint8_t> bytes = w.finish("lmc simulate --stream");
  absl::StatusOr<std::unique_ptr<format::BinFile>> stream = format::BinFile::fromBytes(
      absl::StrCat(file.path(), " x ", inputs, " inputs"), bytes.data(), bytes.size());
  if (!stream.ok())
    return stream.status();
  Options options;
  options.verify = false;
  options.keepTimeline = false;
  options.keepTimings = true;  // each input's finish
  absl::StatusOr<Result> run = simulate(**stream, target, options);
  if (!run.ok())
    return run.status();
  StreamResult s;
  s.inputs = inputs;
  s.finish.assign(inputs, 0);
  for (size_t i = 0; i < run->timings.size(); ++i)
    s.finish[i / std::max<size_t>(n, 1)] =
        std::max(s.finish[i / std::max<size_t>(n, 1)], run->timings[i].finish);
  s.interval = (s.finish.back() - s.finish.front()) / (inputs - 1);
  if (s.interval > 0 && run->clockMhz > 0) {
    s.inputsPerSecond = run->clockMhz * 1e6 / double(s.interval);
    s.tokensPerSecond = double(std::max<int64_t>(run->seq, 0)) * s.inputsPerSecond;
  }
  s.linkWaitCount = run->linkWaitCount;
  s.linkWaitCycles = run->linkWaitCycles;
  return s;
}

}  // namespace lmc::sim
