// Serializes a planned lmc_isa module into the .bin format.
#include "compiler/Target/EmitBin.h"

#include <cstring>
#include <map>

#include "dialects/Isa/Isa.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "passes/Memory/WeightGroups.h"
#include "runtime/format/OpcodeRules.h"
#include "runtime/format/PackedMatMul.h"
#include "runtime/format/Writer.h"

using namespace mlir;
namespace fmt = lmc::format;
namespace lisa = lmc::isa;

namespace lmc::target {
namespace {

std::optional<fmt::DType> dtypeOf(Type t) {
  if (t.isF32()) return fmt::DType::F32;
  if (t.isF16()) return fmt::DType::F16;
  if (t.isBF16()) return fmt::DType::BF16;
  if (t.isF64()) return fmt::DType::F64;
  if (t.isInteger(1)) return fmt::DType::Bool;
  auto it = dyn_cast<IntegerType>(t);
  if (!it)
    return std::nullopt;
  bool u = it.isUnsigned();
  switch (it.getWidth()) {
  case 8: return u ? fmt::DType::U8 : fmt::DType::I8;
  case 16: return u ? fmt::DType::U16 : fmt::DType::I16;
  case 32: return u ? fmt::DType::U32 : fmt::DType::I32;
  case 64: return u ? fmt::DType::U64 : fmt::DType::I64;
  default: return std::nullopt;
  }
}

std::optional<fmt::Unit> unitOf(StringRef name) {
  for (uint8_t k = 0; k < fmt::kNumUnits; ++k)
    if (name == fmt::unitName(static_cast<fmt::Unit>(k)))
      return static_cast<fmt::Unit>(k);
  return std::nullopt;
}

// The bytes of a constant as stored in the .bin: little-endian, i1 as bytes.
std::vector<char> constantBytes(ElementsAttr value) {
  auto dense = cast<DenseElementsAttr>(value);
  auto type = cast<ShapedType>(dense.getType());
  int64_t n = type.getNumElements();
  Type elem = type.getElementType();
  if (elem.isInteger(1)) {
    std::vector<char> out;
    out.reserve(n);
    for (bool v : dense.getValues<bool>())
      out.push_back(v ? 1 : 0);
    return out;
  }
  size_t width = elem.getIntOrFloatBitWidth() / 8;
  ArrayRef<char> raw = dense.getRawData();
  if (!dense.isSplat())
    return std::vector<char>(raw.begin(), raw.end());
  std::vector<char> out(n * width);
  for (int64_t k = 0; k < n; ++k)
    std::memcpy(out.data() + k * width, raw.data(), width);
  return out;
}

// (node name, op type) of an op's location, as the importer builds them.
std::pair<std::string, std::string> nodeOf(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    std::string op;
    if (auto child = dyn_cast<NameLoc>(name.getChildLoc()))
      op = child.getName().str();
    return {name.getName().str(), op};
  }
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations()) {
      auto r = nodeOf(inner);
      if (!r.first.empty())
        return r;
    }
  return {"", ""};
}

// Protobuf string fields must hold UTF-8, and ONNX names need not: invalid
// bytes become '?', so that the .bin stays readable.
std::string utf8(const std::string &text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len && i + len <= text.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    // Reject overlong forms, surrogates and code points past U+10FFFF.
    if (ok && len > 1) {
      uint32_t cp = c & (0x7F >> len);
      for (size_t k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      static const uint32_t minimum[5] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= minimum[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(text, i, len);
      i += len;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

struct BufferInfo {
  fmt::Space space;
  uint64_t base;    // byte offset of the buffer in its space
  uint32_t buffer;  // IO index
};

}  // namespace

LogicalResult emitBin(ModuleOp module, const std::string &path, const EmitOptions &options,
                      EmitSummary *summary) {
  auto funcs = module.getOps<func::FuncOp>();
  if (std::distance(funcs.begin(), funcs.end()) != 1)
    return module.emitError("expected exactly one function to emit");
  func::FuncOp func = *funcs.begin();

  fmt::Writer writer;
  fmt::Metadata &meta = writer.metadata();
  meta.set_compiler_version(options.compilerVersion);
  if (auto s = module->getAttrOfType<StringAttr>("lmc.source")) {
    std::string source = s.str();
    meta.set_source(utf8(source.substr(source.rfind('/') + 1)));
  }
  if (auto s = module->getAttrOfType<StringAttr>("lmc.graph_name"))
    meta.set_graph_name(utf8(s.str()));
  if (auto s = module->getAttrOfType<StringAttr>("lmc.producer"))
    meta.set_producer(utf8(s.str()));
  *meta.mutable_target() = options.target;
  for (const std::string &o : options.options)
    meta.add_options(utf8(o));
  auto spaceBytes = [&](StringRef name) -> uint64_t {
    auto a = module->getAttrOfType<IntegerAttr>(("lmc." + name + "_bytes").str());
    return a ? a.getInt() : 0;
  };
  meta.set_sram_bytes(spaceBytes("sram"));
  meta.set_dram_bytes(spaceBytes("dram"));
  meta.set_state_bytes(spaceBytes("state"));
  if (auto a = module->getAttrOfType<IntegerAttr>("lmc.schedule_cycles"))
    meta.set_schedule_cycles(a.getInt());
  // Multi-chip (lmc-partition-chips, lmc-plan-buffers): F19.
  if (auto a = module->getAttrOfType<IntegerAttr>("lmc.chips"); a && a.getInt() > 1) {
    meta.set_chips(static_cast<uint32_t>(a.getInt()));
    if (auto memory = module->getAttrOfType<DenseI64ArrayAttr>("lmc.chip_memory"))
      for (int64_t i = 0; i + 2 < int64_t(memory.size()); i += 3) {
        fmt::ChipMemory *m = meta.add_chip_memory();
        m->set_sram_offset(memory[i]);
        m->set_sram_bytes(memory[i + 1]);
        m->set_resident_bytes(memory[i + 2]);
      }
  }

  // IO signature, in index order.
  std::map<int64_t, lisa::IoOp> inputs, outputs;
  func.walk([&](lisa::IoOp io) {
    (io.getOutput() ? outputs : inputs)[static_cast<int64_t>(io.getIndex())] = io;
  });
  auto addTensor = [&](fmt::TensorInfo *info, lisa::IoOp io) -> LogicalResult {
    auto type = cast<RankedTensorType>(io.getType());
    auto dtype = dtypeOf(type.getElementType());
    if (!dtype)
      return io.emitOpError("element type ") << type.getElementType() << " has no .bin dtype";
    info->set_name(utf8(io.getName().str()));
    info->set_dtype(static_cast<uint32_t>(*dtype));
    for (int64_t d : type.getShape())
      info->add_shape(d);
    return success();
  };
  for (auto &[index, io] : inputs)
    if (failed(addTensor(writer.io().add_inputs(), io)))
      return failure();
  for (auto &[index, io] : outputs)
    if (failed(addTensor(writer.io().add_outputs(), io)))
      return failure();

  llvm::DenseMap<Value, BufferInfo> buffers;
  std::map<std::pair<std::string, std::string>, uint32_t> locationIndex;
  // Keyed by value and packing: a tied weight may be stored both ways.
  llvm::DenseMap<std::pair<Attribute, Attribute>, uint64_t> constantOffsets;
  uint64_t constantTotal = 0;
  // Real constants first; absent weights (F17) get the offsets after them.
  func.walk([&](lisa::ConstOp c) {
    auto [it, inserted] =
        constantOffsets.try_emplace({c.getValue(), c.getPackBAttr()}, 0);
    if (inserted) {
      auto dense = cast<DenseElementsAttr>(c.getValue());
      if (std::optional<ArrayRef<int64_t>> pack = c.getPackB()) {
        // matmul_packed's B, packed as the file is written (the verifier
        // checked the view against the value).
        const float *src = reinterpret_cast<const float *>(dense.getRawData().data());
        int64_t offset = (*pack)[0], k = (*pack)[1], n = (*pack)[2], rs = (*pack)[3],
                cs = (*pack)[4];
        if (dense.isSplat())
          offset = rs = cs = 0;  // one stored element stands for all
        const int64_t bytes = c.getByteSize();
        constantTotal += bytes;
        it->second = writer.addConstantFill(bytes, [=](uint8_t *out) {
          fmt::packMatMulB(src + offset, rs, cs, k, n, reinterpret_cast<float *>(out));
        });
      } else if (!dense.isSplat() && !dense.getElementType().isInteger(1)) {
        // The attribute's storage outlives the write: no copy of the weights.
        ArrayRef<char> raw = dense.getRawData();
        constantTotal += raw.size();
        it->second = writer.addConstantView(raw.data(), raw.size());
      } else {
        std::vector<char> bytes = constantBytes(c.getValue());
        constantTotal += bytes.size();
        it->second = writer.addConstant(bytes.data(), bytes.size());
      }
    }
    buffers[c.getBuffer()] = {fmt::Space::Const, it->second, 0};
  });
  uint64_t constSpace = writer.constantsSize(), absentBytes = 0;
  func.walk([&](lisa::WeightOp w) {
    constSpace = (constSpace + fmt::kConstantAlign - 1) / fmt::kConstantAlign * fmt::kConstantAlign;
    auto type = cast<ShapedType>(w.getType());
    uint64_t bytes = type.getNumElements() * fmt::dtypeSize(*dtypeOf(type.getElementType()));
    buffers[w.getBuffer()] = {fmt::Space::Const, constSpace, 0};
    constSpace += bytes;
    absentBytes += bytes;
  });
  if (absentBytes) {
    meta.set_weights_absent(true);
    meta.set_const_space_bytes(constSpace);
  }
  // The State tensors (F18), in program order, and the KV-cache description.
  WalkResult stateWalk = func.walk([&](lisa::StateOp st) -> WalkResult {
    if (!st.getOffset())
      return st.emitOpError("has no offset: run lmc-plan-buffers before emission");
    auto type = cast<RankedTensorType>(st.getType());
    auto dtype = dtypeOf(type.getElementType());
    if (!dtype)
      return st.emitOpError("element type ") << type.getElementType() << " has no .bin dtype";
    fmt::StateTensor *t = meta.add_state();
    t->set_name(utf8(st.getName().str()));
    t->set_output(utf8(st.getOutput().str()));
    t->set_dtype(static_cast<uint32_t>(*dtype));
    for (int64_t d : type.getShape())
      t->add_shape(d);
    t->set_offset(static_cast<uint64_t>(*st.getOffset()));
    buffers[st.getBuffer()] = {fmt::Space::State, static_cast<uint64_t>(*st.getOffset()), 0};
    return WalkResult::advance();
  });
  if (stateWalk.wasInterrupted())
    return failure();
  if (auto kv = module->getAttrOfType<DictionaryAttr>("lmc.kv_cache")) {
    fmt::KvCache *k = meta.mutable_kv_cache();
    if (auto a = kv.getAs<IntegerAttr>("max_context"))
      k->set_max_context(a.getInt());
    if (auto a = kv.getAs<IntegerAttr>("tokens_per_step"))
      k->set_tokens_per_step(a.getInt());
    if (auto a = kv.getAs<StringAttr>("tokens_input"))
      k->set_tokens_input(utf8(a.str()));
    if (auto a = kv.getAs<StringAttr>("position_input"))
      k->set_position_input(utf8(a.str()));
  }
  WalkResult walk = func.walk([&](Operation *op) -> WalkResult {
    if (auto io = dyn_cast<lisa::IoOp>(op)) {
      uint32_t index = static_cast<uint32_t>(io.getIndex()) +
                       (io.getOutput() ? static_cast<uint32_t>(inputs.size()) : 0);
      buffers[io.getBuffer()] = {fmt::Space::Io, 0, index};
      return WalkResult::advance();
    }

    if (auto a = dyn_cast<lisa::AllocOp>(op)) {
      if (!a.getOffset())
        return a.emitOpError("has no offset: run lmc-plan-buffers before emission");
      fmt::Space space = a.getSpace() == "sram"   ? fmt::Space::Sram
                         : a.getSpace() == "state" ? fmt::Space::State
                                                   : fmt::Space::Dram;
      buffers[a.getBuffer()] = {space, static_cast<uint64_t>(*a.getOffset()), 0};
      return WalkResult::advance();
    }
    auto inst = dyn_cast<lisa::InstOp>(op);
    if (!inst)
      return WalkResult::advance();
    auto opcode = fmt::opcodeByMnemonic(inst.getOpcode());
    auto unit = unitOf(inst.getUnit());
    if (!opcode || !unit)
      return inst.emitOpError("unknown opcode or unit");
    std::vector<fmt::Region> regions;
    // lmc-plan-buffers' stripe groups of the weights read (F12).
    auto weightGroups = inst->getAttrOfType<DenseI64ArrayAttr>(lmc::kWeightGroupsAttr);
    for (auto [buffer, attr] : llvm::zip(inst.getBuffers(), inst.getRegions())) {
      auto region = cast<lisa::RegionAttr>(attr);
      auto it = buffers.find(buffer);
      auto dtype = dtypeOf(region.getElementType());
      if (it == buffers.end() || !dtype)
        return inst.emitOpError("operand buffer or element type cannot be emitted");
      fmt::Region r{};
      r.space = static_cast<uint8_t>(it->second.space);
      r.dtype = static_cast<uint8_t>(*dtype);
      r.rank = static_cast<uint8_t>(region.getShape().size());
      r.buffer = it->second.buffer;
      if (r.space == uint8_t(fmt::Space::Const) && weightGroups &&
          regions.size() < weightGroups.size())
        r.buffer = static_cast<uint32_t>(weightGroups[regions.size()]);
      r.offset = it->second.base + region.getOffset() * fmt::dtypeSize(*dtype);
      for (unsigned d = 0; d < fmt::kMaxRank; ++d) {
        bool used = d < r.rank;
        r.shape[d] = used ? region.getShape()[d] : 1;
        r.strides[d] = used ? region.getStrides()[d] : 0;
      }
      regions.push_back(r);
    }
    // The runtime's own operand rules (FORMAT.md F16): what the reader would
    // reject is a compile error here, not a broken .bin.
    std::vector<int64_t> imms(inst.getImms().begin(), inst.getImms().end());
    std::string reason = fmt::checkOperands(*opcode, regions.data(),
                                            static_cast<unsigned>(regions.size()), imms.data());
    if (!reason.empty())
      return emitError(inst.getLoc()) << "'" << inst.getOpcode()
                                      << "' cannot run on this runtime: " << reason << " (F16)";
    auto node = nodeOf(inst.getLoc());
    uint32_t location = 0;
    if (!node.first.empty()) {
      auto [it, inserted] = locationIndex.try_emplace(node, 0);
      if (inserted)
        it->second = writer.addLocation(utf8(node.first), utf8(node.second));
      location = it->second;
    }
    if (auto cuts = inst->getAttrOfType<DenseI64ArrayAttr>("lmc.kv_cut")) {
      if (!meta.has_kv_cache() || cuts.size() % 2 != 0)
        return inst.emitOpError("has lmc.kv_cut without a KV cache or not in pairs");
      for (int64_t k = 0; k + 1 < cuts.size(); k += 2) {
        if (cuts[k] < 0 || cuts[k] >= int64_t(regions.size()) || cuts[k + 1] < 0 ||
            cuts[k + 1] >= regions[size_t(cuts[k])].rank)
          return inst.emitOpError("has an lmc.kv_cut operand or axis out of range");
        fmt::KvCut *cut = meta.mutable_kv_cache()->add_cut();
        cut->set_instruction(static_cast<uint32_t>(writer.instructionCount()));
        cut->set_operand(static_cast<uint32_t>(cuts[k]));
        cut->set_axis(static_cast<uint32_t>(cuts[k + 1]));
      }
    }
    auto chip = inst->getAttrOfType<IntegerAttr>("lmc.chip");  // lmc-partition-chips
    writer.addInstruction(*opcode, *unit, static_cast<uint64_t>(inst.getCycle()), location,
                          regions, imms, static_cast<uint16_t>(chip ? chip.getInt() : 0));
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  meta.set_weight_bytes(constantTotal + absentBytes);
  if (absl::Status s = writer.writeFile(path, options.compilerVersion); !s.ok())
    return module.emitError(std::string(s.message()));
  if (summary) {
    summary->instructions = writer.instructionCount();
    summary->constantBytes = constantTotal;
    summary->workingBytes = meta.sram_bytes() + meta.dram_bytes() + meta.state_bytes();
    summary->scheduleCycles = meta.schedule_cycles();
    summary->absentBytes = absentBytes;
    summary->stateTensors = static_cast<size_t>(meta.state_size());
    summary->stateBytes = meta.state_bytes();
  }
  return success();
}

}  // namespace lmc::target
