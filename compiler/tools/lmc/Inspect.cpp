// `lmc inspect`: prints a .bin's header, sections, metadata, IO signature
// and a disassembly with the ONNX node of every instruction.
#include <cstring>
#include <iostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "compiler/tools/lmc/Args.h"
#include "compiler/tools/lmc/Commands.h"
#include "runtime/format/MathFn.h"
#include "runtime/format/QuantMatMul.h"
#include "runtime/format/Reader.h"

namespace lmc::cli {
namespace {

using format::DType;
using format::Opcode;
using format::Region;
using format::Space;

CommandSpec inspectSpec() {
  CommandSpec spec;
  spec.name = "inspect";
  spec.usage = "lmc inspect model.bin";
  spec.summary =
      "Verifies a compiled model and prints its header, section table, metadata (source,\n"
      "target, memory space sizes), input/output signature, state tensors (the KV caches of\n"
      "a --kv-cache decoder, with how a decode step is driven) and a disassembly: one line\n"
      "per instruction with its unit, issue cycle, operands, immediates and ONNX node.";
  spec.minPositional = 1;
  spec.maxPositional = 1;
  return spec;
}

std::string dims(const int64_t *shape, int rank) {
  return absl::StrCat("[", absl::StrJoin(shape, shape + rank, ","), "]");
}

bool isContiguous(const Region &r) {
  int64_t stride = 1;
  for (int k = r.rank - 1; k >= 0; --k) {
    if (r.shape[k] != 1 && r.strides[k] != stride)
      return false;
    stride *= r.shape[k];
  }
  return true;
}

std::string ioName(const format::BinFile &f, uint32_t buffer) {
  size_t inputs = f.io().inputs_size();
  if (buffer < inputs)
    return absl::StrCat("io.in", buffer, " '", f.io().inputs(int(buffer)).name(), "'");
  return absl::StrCat("io.out", buffer - inputs, " '",
                      f.io().outputs(int(buffer - inputs)).name(), "'");
}

// The state tensor whose bytes hold `offset` (F18: they do not overlap).
const format::StateTensor *stateAt(const format::BinFile &f, uint64_t offset) {
  for (const format::StateTensor &t : f.metadata().state()) {
    uint64_t bytes = format::dtypeSize(static_cast<DType>(t.dtype()));
    for (int64_t d : t.shape())
      bytes *= static_cast<uint64_t>(d);
    if (offset >= t.offset() && offset < t.offset() + bytes)
      return &t;
  }
  return nullptr;
}

// "dram[4096] f32[1,16,64] strides[1024,64,1]", "io.in0 'tokens' i64[1,16]",
// "state[0] 'past.0.key' f32[1,4,16,16]", "const[1280] slice 12 f32[1,768,320] strides[0,2304,1]".
std::string formatOperand(const format::BinFile &f, const Region &r) {
  std::string text;
  if (static_cast<Space>(r.space) == Space::State) {
    text = absl::StrCat("state[", r.offset, "]");
    if (const format::StateTensor *t = stateAt(f, r.offset))
      absl::StrAppend(&text, " '", t->name(), "'");
  } else if (static_cast<Space>(r.space) == Space::Io) {
    text = ioName(f, r.buffer);
    if (r.offset)
      absl::StrAppend(&text, "[", r.offset, "]");
  } else {
    text = absl::StrCat(format::spaceName(static_cast<Space>(r.space)), "[", r.offset, "]");
    if (static_cast<Space>(r.space) == Space::Const && r.buffer)
      absl::StrAppend(&text, " slice ", r.buffer - 1);  // where the compiler put it (F12)
  }
  absl::StrAppend(&text, " ", format::dtypeName(static_cast<DType>(r.dtype)),
                  dims(r.shape, r.rank));
  if (!isContiguous(r))
    absl::StrAppend(&text, " strides", dims(r.strides, r.rank));
  return text;
}

std::string formatImms(Opcode op, const int64_t *imms) {
  switch (op) {
  case Opcode::Concat:
  case Opcode::Gather:
  case Opcode::Scatter:
  case Opcode::GatherElements:
  case Opcode::Softmax:
    return absl::StrCat("axis=", imms[0]);
  case Opcode::Trilu:
    return absl::StrCat("k=", imms[0], " ", imms[1] ? "upper" : "lower");
  case Opcode::LayerNorm: {
    double eps;
    std::memcpy(&eps, &imms[1], sizeof(eps));
    return absl::StrFormat("axis=%d epsilon=%g", imms[0], eps);
  }
  case Opcode::MatMulQ:
    return absl::StrCat(format::quantSchemeName(imms[0]), " group=", imms[1]);
  case Opcode::Window: {
    // kernel/stride/dilation/pad/input dilation/out per axis, then the pad bits.
    std::vector<std::string> axes;
    for (int i = 0; i < format::kWindowAxes; ++i) {
      format::WindowAxis w = format::windowAxis(imms, i);
      axes.push_back(absl::StrCat(w.kernel, "/", w.stride, "/", w.dilation, "/", w.pad, "/",
                                  w.inputDilation, "/", w.out));
    }
    return absl::StrFormat("k/s/d/pad/idil/out=%s pad=%#x", absl::StrJoin(axes, ","),
                           imms[format::kWindowPadImm]);
  }
  case Opcode::Math:
    return absl::StrCat("fn=", format::mathFnName(imms[0]) ? format::mathFnName(imms[0]) : "?");
  case Opcode::Mod:
    return imms[0] ? "fmod" : "floored";
  case Opcode::BitShift:
    return imms[0] ? "left" : "right";
  case Opcode::ArgMax:
  case Opcode::ArgMin:
    return absl::StrCat("axis=", imms[0], imms[1] ? " last" : "");
  case Opcode::CumSum:
    return absl::StrCat("axis=", imms[0], imms[1] ? " exclusive" : "", imms[2] ? " reverse" : "");
  case Opcode::TopK:
    return absl::StrCat("axis=", imms[0], imms[1] ? " largest" : " smallest");
  case Opcode::GatherND:
    return absl::StrCat("batch_dims=", imms[0]);
  case Opcode::ScatterND: {
    static const char *kReductions[] = {"none", "add", "mul", "max", "min"};
    return absl::StrCat("reduction=", imms[0] >= 0 && imms[0] <= 4 ? kReductions[imms[0]] : "?");
  }
  default: {
    std::vector<int64_t> values(imms, imms + format::opcodeInfo(op).numImms);
    return values.empty() ? "" : absl::StrCat("imms=", absl::StrJoin(values, ","));
  }
  }
}

std::string formatTensor(const format::TensorInfo &t) {
  std::vector<int64_t> shape(t.shape().begin(), t.shape().end());
  return absl::StrCat(format::dtypeName(static_cast<DType>(t.dtype())), dims(shape.data(),
                                                                              int(shape.size())));
}

void print(const format::BinFile &f, std::ostream &os) {
  const format::FileHeader &h = f.header();
  const format::Metadata &m = f.metadata();
  os << f.path() << ": lmc .bin format " << h.formatVersion << ", compiled by lmc "
     << h.compilerVersion << "\n";
  os << absl::StrFormat("  file size %d bytes, checksum %#018x\n", h.fileSize, h.checksum);
  os << "sections:\n";
  for (const format::SectionEntry &s : f.sections())
    os << absl::StrFormat("  %-13s offset %-10d size %d\n",
                          format::sectionName(static_cast<format::SectionKind>(s.kind)), s.offset,
                          s.size);
  os << "metadata:\n";
  os << "  source        " << (m.source().empty() ? "(unknown)" : m.source()) << "\n";
  if (!m.graph_name().empty() || !m.producer().empty())
    os << "  graph         " << m.graph_name()
       << (m.producer().empty() ? "" : absl::StrCat(" (produced by ", m.producer(), ")")) << "\n";
  const format::Target &t = m.target();
  os << "  target        " << (t.name().empty() ? "(unnamed)" : t.name());
  if (t.granularity() != format::Target::GRANULARITY_UNSPECIFIED)
    os << ", " << format::Target::Granularity_Name(t.granularity()) << " granularity";
  if (t.clock_mhz() > 0)
    os << ", " << t.clock_mhz() << " MHz";
  os << "\n";
  if (m.schedule_cycles() > 0) {
    os << "  schedule      " << m.schedule_cycles() << " cycles";
    if (t.clock_mhz() > 0)
      os << absl::StrFormat(" = %.3f us", m.schedule_cycles() / t.clock_mhz());
    os << "\n";
  }
  os << "  sram          " << m.sram_bytes() << " bytes\n";
  os << "  dram          " << m.dram_bytes() << " bytes\n";
  os << "  state         " << m.state_bytes() << " bytes\n";
  os << "  constants     " << f.constantsSize() << " bytes\n";
  if (m.chips() > 1) {
    os << "  chips         " << m.chips() << " (pipeline stages; per chip: sram offset, working "
       << "bytes, resident weights and KV cache bytes)\n";
    for (int c = 0; c < m.chip_memory_size(); ++c)
      os << "    chip " << c << "      sram[" << m.chip_memory(c).sram_offset() << "] "
         << m.chip_memory(c).sram_bytes() << " bytes, resident " << m.chip_memory(c).resident_bytes()
         << " bytes\n";
  }
  if (m.options_size())
    os << "  options       " << absl::StrJoin(m.options(), " ") << "\n";
  os << "inputs:\n";
  for (int i = 0; i < f.io().inputs_size(); ++i)
    os << "  io.in" << i << " '" << f.io().inputs(i).name() << "' "
       << formatTensor(f.io().inputs(i)) << "\n";
  os << "outputs:\n";
  for (int i = 0; i < f.io().outputs_size(); ++i)
    os << "  io.out" << i << " '" << f.io().outputs(i).name() << "' "
       << formatTensor(f.io().outputs(i)) << "\n";
  if (m.state_size()) {
    os << "state (persists across runs; starts zeroed; reset to start a new sequence):\n";
    for (const format::StateTensor &st : m.state()) {
      std::vector<int64_t> shape(st.shape().begin(), st.shape().end());
      os << "  state[" << st.offset() << "] '" << st.name() << "' -> '" << st.output() << "' "
         << format::dtypeName(static_cast<DType>(st.dtype()))
         << dims(shape.data(), int(shape.size())) << "\n";
    }
  }
  if (m.has_kv_cache()) {
    const format::KvCache &kv = m.kv_cache();
    os << "kv cache: a decode step per run: " << kv.tokens_per_step() << " token(s) of input '"
       << (kv.tokens_input().empty() ? "?" : kv.tokens_input()) << "' at ";
    if (kv.position_input().empty())
      os << "positions the model computes";
    else
      os << "the position in input '" << kv.position_input() << "'";
    os << "; " << kv.max_context() << " positions\n";
    if (kv.cut_size() > 0) {
      std::set<uint32_t> cut;
      for (const format::KvCut &c : kv.cut())
        cut.insert(c.instruction());
      os << "  attention cut to the positions filled: " << kv.cut_size() << " operand(s) of "
         << cut.size() << " instruction(s) (a step at position p covers p + S of them)\n";
    }
  }
  os << "instructions (" << f.instructions().size() << "):\n";
  size_t index = 0;
  for (const format::InstructionView &inst : f.instructions()) {
    std::vector<std::string> operands;
    for (unsigned k = 0; k < inst.header->numOperands; ++k)
      operands.push_back(formatOperand(f, inst.operands[k]));
    std::string imms = formatImms(inst.opcode(), inst.imms);
    // A multi-chip file names the chip with the unit: "c1.mxm".
    std::string unit = format::unitName(static_cast<format::Unit>(inst.header->unit));
    if (m.chips() > 1)
      unit = absl::StrCat("c", inst.header->chip, ".", unit);
    os << absl::StrFormat("  %5d  %-4s %8d  %-11s %s%s  ; %s\n", index++, unit,
                          inst.header->cycle, format::opcodeInfo(inst.opcode()).mnemonic,
                          absl::StrJoin(operands, ", "), imms.empty() ? "" : ", " + imms,
                          f.describeLocation(inst.header->location));
  }
}

}  // namespace

int inspectMain(int argc, char **argv) {
  CommandSpec spec = inspectSpec();
  Args args;
  if (std::optional<int> done = Args::parseCommand(spec, argc, argv, args))
    return *done;
  absl::StatusOr<std::unique_ptr<format::BinFile>> file =
      format::BinFile::open(args.positional()[0]);
  if (!file.ok()) {
    std::cerr << "lmc inspect: error: " << file.status().message() << "\n";
    return 1;
  }
  print(**file, std::cout);
  return 0;
}

}  // namespace lmc::cli
