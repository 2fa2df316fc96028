// The CPU executor: memory spaces, input binding and the instruction loop.
#include "runtime/src/Session.h"

#include <chrono>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/kernels/Kernels.h"
#include "runtime/src/HostMemory.h"
#include "runtime/src/ThreadPool.h"

namespace lmc::runtime {

using format::Space;

Buffer::~Buffer() { std::free(data_); }

Buffer::Buffer(Buffer &&other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Buffer &Buffer::operator=(Buffer &&other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

absl::Status Buffer::allocate(uint64_t size, const std::string &what) {
  std::free(data_);
  data_ = nullptr;
  size_ = 0;
  // calloc(0) may return null; keep a valid pointer for empty spaces.
  void *p = size <= SIZE_MAX ? std::calloc(size ? size : 1, 1) : nullptr;
  if (!p)
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", size, " bytes for ", what));
  data_ = static_cast<uint8_t *>(p);
  size_ = size;
  return absl::OkStatus();
}

void Buffer::zero() {
  if (!limited_) {
    if (size_)
      std::memset(data_, 0, size_);
    return;
  }
  for (auto [begin, end] : written_)
    std::memset(data_ + begin, 0, end - begin);
}

namespace {

// The byte ranges of space `space` the instructions' outputs may write
// (their spans, F13, merged): the rest of a working space stays zero, so a
// run clears only these (a SRAM plan spread over stripe groups leaves
// gaps of megabytes, docs/targets.md).
std::vector<std::pair<uint64_t, uint64_t>> writtenRanges(const format::BinFile &f, Space space) {
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (const format::InstructionView &inst : f.instructions()) {
    const unsigned outputs = format::opcodeInfo(inst.opcode()).numOutputs;
    for (unsigned k = 0; k < outputs && k < inst.header->numOperands; ++k) {
      const format::Region &r = inst.operands[k];
      if (static_cast<Space>(r.space) != space)
        continue;
      // The reader checked the span lies within the space (F13).
      uint64_t lo = 0, hi = 0;
      if (format::regionByteSpan(r, lo, hi))
        spans.push_back({lo, hi});
    }
  }
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<uint64_t, uint64_t>> merged;
  for (auto [begin, end] : spans) {
    if (!merged.empty() && begin <= merged.back().second)
      merged.back().second = std::max(merged.back().second, end);
    else
      merged.push_back({begin, end});
  }
  return merged;
}

uint64_t tensorBytes(const format::TensorInfo &t) {
  // F9 guarantees this does not overflow.
  uint64_t n = format::dtypeSize(static_cast<format::DType>(t.dtype()));
  for (int64_t d : t.shape())
    n *= static_cast<uint64_t>(d);
  return n;
}

}  // namespace

Session::Session() : numThreads_(ThreadPool::hardwareThreads()) {}

Session::~Session() = default;

void Session::setNumThreads(int n) {
  n = n <= 0 ? ThreadPool::hardwareThreads() : n;
  if (n != numThreads_)
    pool_.reset();
  numThreads_ = n;
}

absl::StatusOr<std::unique_ptr<Session>> Session::create(
    std::shared_ptr<const format::BinFile> file, uint64_t memoryLimit) {
  std::unique_ptr<Session> s(new Session());
  s->file_ = std::move(file);
  const format::BinFile &f = *s->file_;
  const format::Metadata &m = f.metadata();
  auto fail = [&](const absl::Status &status) {
    return absl::Status(status.code(), absl::StrCat(f.path(), ": ", status.message()));
  };
  if (m.weights_absent())  // FORMAT.md F17
    return absl::FailedPreconditionError(absl::StrCat(
        f.path(), ": compiled with --no-weights, so it holds no weights to run with; inspect or "
                  "simulate it, or compile the model with its weights to run it"));
  // The constants are mapped from the file; everything else is allocated.
  uint64_t io = 0;
  for (const format::TensorInfo &t : f.io().inputs())
    io += 2 * tensorBytes(t);  // the bound copy and the working copy
  for (const format::TensorInfo &t : f.io().outputs())
    io += tensorBytes(t);
  const uint64_t needed = m.sram_bytes() + m.dram_bytes() + m.state_bytes() + io;
  if (std::optional<uint64_t> budget = memoryBudget(memoryLimit); budget && needed > *budget)
    return absl::ResourceExhaustedError(absl::StrCat(
        f.path(), ": running it needs ", formatBytes(needed), " of working memory (sram ",
        formatBytes(m.sram_bytes()), ", dram ", formatBytes(m.dram_bytes()), ", state ",
        formatBytes(m.state_bytes()), ", inputs and outputs ", formatBytes(io), "), more than the ",
        formatBytes(*budget), memoryLimit ? " that --max-memory allows" : " this machine has available",
        "; use a machine with more memory"));
  if (absl::Status st = s->sram_.allocate(m.sram_bytes(), "sram"); !st.ok())
    return fail(st);
  if (absl::Status st = s->dram_.allocate(m.dram_bytes(), "dram"); !st.ok())
    return fail(st);
  if (absl::Status st = s->state_.allocate(m.state_bytes(), "state"); !st.ok())
    return fail(st);
  s->sram_.setWritten(writtenRanges(f, Space::Sram));
  s->dram_.setWritten(writtenRanges(f, Space::Dram));
  for (const format::TensorInfo &t : f.io().inputs()) {
    s->inputs_.emplace_back();
    s->working_.emplace_back();
    std::string what = absl::StrCat("input '", t.name(), "'");
    if (absl::Status st = s->inputs_.back().allocate(tensorBytes(t), what); !st.ok())
      return fail(st);
    if (absl::Status st = s->working_.back().allocate(tensorBytes(t), what); !st.ok())
      return fail(st);
  }
  for (const format::TensorInfo &t : f.io().outputs()) {
    s->outputs_.emplace_back();
    std::string what = absl::StrCat("output '", t.name(), "'");
    if (absl::Status st = s->outputs_.back().allocate(tensorBytes(t), what); !st.ok())
      return fail(st);
  }
  s->bound_.assign(s->inputs_.size(), false);
  if (m.has_kv_cache() && !m.kv_cache().position_input().empty())
    s->positionInput_ = s->findInput(m.kv_cache().position_input());
  for (const format::KvCut &c : m.kv_cache().cut())
    s->cuts_.push_back({c.instruction(), c.operand(), c.axis()});
  std::stable_sort(s->cuts_.begin(), s->cuts_.end(),
                   [](const Cut &a, const Cut &b) { return a.instruction < b.instruction; });
  return s;
}

std::optional<size_t> Session::findInput(const std::string &name) const {
  for (size_t i = 0; i < numInputs(); ++i)
    if (inputInfo(i).name() == name)
      return i;
  return std::nullopt;
}

std::optional<size_t> Session::findOutput(const std::string &name) const {
  for (size_t i = 0; i < numOutputs(); ++i)
    if (outputInfo(i).name() == name)
      return i;
  return std::nullopt;
}

absl::Status Session::bindInput(size_t index, const void *data, size_t bytes) {
  if (index >= numInputs())
    return absl::InvalidArgumentError(absl::StrCat(file_->path(), ": no input ", index, "; it has ",
                                                   numInputs(), " inputs"));
  const format::TensorInfo &t = inputInfo(index);
  if (bytes != inputs_[index].size())
    return absl::InvalidArgumentError(
        absl::StrCat(file_->path(), ": input '", t.name(), "' takes ", inputs_[index].size(),
                     " bytes, got ", bytes));
  if (bytes && !data)
    return absl::InvalidArgumentError(
        absl::StrCat(file_->path(), ": input '", t.name(), "': data is null"));
  if (bytes)
    std::memcpy(inputs_[index].data(), data, bytes);
  bound_[index] = true;
  return absl::OkStatus();
}

uint64_t Session::stateTensorBytes(size_t i) const {
  const format::StateTensor &t = file_->metadata().state(int(i));
  uint64_t n = format::dtypeSize(static_cast<format::DType>(t.dtype()));
  for (int64_t d : t.shape())
    n *= static_cast<uint64_t>(d);  // F18: no overflow
  return n;
}

absl::Status Session::copyStateFrom(const Session &other) {
  const format::Metadata &to = file_->metadata(), &from = other.file().metadata();
  auto fail = [&](const std::string &why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot copy the state of ", other.file().path(), " into ", file_->path(), ": ", why,
        "; both must be compiled from one model with --kv-cache"));
  };
  if (to.state_bytes() != from.state_bytes())
    return fail(absl::StrCat("the source's state holds ", from.state_bytes(),
                             " bytes, the destination's ", to.state_bytes()));
  if (to.state_size() != from.state_size())
    return fail(absl::StrCat("the source has ", from.state_size(),
                             " state tensors, the destination ", to.state_size()));
  for (int i = 0; i < to.state_size(); ++i) {
    const format::StateTensor &a = from.state(i), &b = to.state(i);
    if (a.name() != b.name() || a.dtype() != b.dtype() || a.offset() != b.offset() ||
        !std::equal(a.shape().begin(), a.shape().end(), b.shape().begin(), b.shape().end()))
      return fail(absl::StrCat("state tensor ", i, " is '", a.name(), "' in one and '", b.name(),
                               "' in the other, or differs in type or place"));
  }
  if (state_.size())
    std::memcpy(state_.data(), other.state_.data(), state_.size());
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Session::checkPosition() const {
  // FORMAT.md F18: one start position p writes slots [p, p + S); one
  // position per token writes each of them.
  const format::KvCache &kv = file_->metadata().kv_cache();
  const Buffer &in = inputs_[*positionInput_];
  const bool wide = inputInfo(*positionInput_).dtype() == uint32_t(format::DType::I64);
  const size_t elem = wide ? 8 : 4, count = in.size() / elem;
  const int64_t slots = int64_t(kv.max_context());
  const int64_t span = count == 1 ? int64_t(kv.tokens_per_step()) : 1;
  int64_t filled = 0;
  for (size_t i = 0; i < count; ++i) {
    int64_t p;
    if (wide) {
      std::memcpy(&p, in.data() + 8 * i, 8);
    } else {
      int32_t q;
      std::memcpy(&q, in.data() + 4 * i, 4);
      p = q;
    }
    if (p < 0 || p > slots - span)
      return absl::OutOfRangeError(absl::StrCat(
          file_->path(), ": position ", p, " of input '", kv.position_input(), "' with ",
          kv.tokens_per_step(), " token(s) per step does not fit the KV cache of ", slots,
          " positions (0 <= position <= ", slots - span,
          "); start a new sequence (reset the state) or use a model with a longer cache"));
    filled = std::max(filled, p + span);
  }
  return filled;
}

absl::Status Session::run() {
  const format::BinFile &f = *file_;
  for (size_t i = 0; i < numInputs(); ++i)
    if (!bound_[i])
      return absl::FailedPreconditionError(
          absl::StrCat(f.path(), ": input '", inputInfo(i).name(), "' is not bound"));
  // With cuts, instructions run over the positions filled (F18).
  int64_t filled = 0;
  if (positionInput_) {
    absl::StatusOr<int64_t> f = checkPosition();
    if (!f.ok())
      return f.status();
    filled = *f;
  }
  const bool cut = cutKv_ && positionInput_ && !cuts_.empty();
  size_t nextCut = 0;
  sram_.zero();
  dram_.zero();
  // Instructions may write an input buffer; copying keeps the binding intact
  // for the next run.
  for (size_t i = 0; i < numInputs(); ++i)
    if (inputs_[i].size())
      std::memcpy(working_[i].data(), inputs_[i].data(), inputs_[i].size());
  for (Buffer &o : outputs_)
    o.zero();
  if (numThreads_ > 1 && !pool_)
    pool_ = std::make_unique<ThreadPool>(numThreads_);
  options_.parallel = pool_.get();

  uint8_t *bases[format::kNumSpaces] = {const_cast<uint8_t *>(f.constants()), sram_.data(),
                                        dram_.data(), state_.data(), nullptr};
  kernels::TensorRef refs[256];
  const auto &instructions = f.instructions();
  for (size_t index = 0; index < instructions.size(); ++index) {
    const format::InstructionView &inst = instructions[index];
    unsigned n = inst.header->numOperands;
    for (unsigned k = 0; k < n; ++k) {
      const format::Region &r = inst.operands[k];
      uint8_t *base = bases[r.space];
      if (static_cast<Space>(r.space) == Space::Io)
        base = r.buffer < numInputs() ? working_[r.buffer].data()
                                      : outputs_[r.buffer - numInputs()].data();
      refs[k] = kernels::makeTensorRef(r, base);
    }
    for (; cut && nextCut < cuts_.size() && cuts_[nextCut].instruction == index; ++nextCut)
      refs[cuts_[nextCut].operand].shape[cuts_[nextCut].axis] = filled;
    const auto start = profiling_ ? std::chrono::steady_clock::now()
                                  : std::chrono::steady_clock::time_point();
    absl::Status s = kernels::runKernel(inst.opcode(), refs, n, inst.imms, options_);
    if (profiling_)
      instructionNanos_[index] += uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                               std::chrono::steady_clock::now() - start)
                                               .count());
    if (!s.ok())
      return absl::Status(
          s.code(), absl::StrCat(f.path(), ": instruction ", index, " '",
                                 format::opcodeInfo(inst.opcode()).mnemonic, "' at byte ",
                                 inst.fileOffset, " from ",
                                 f.describeLocation(inst.header->location), ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Session>> openSession(const std::string &path,
                                                     uint64_t memoryLimit) {
  absl::StatusOr<std::unique_ptr<format::BinFile>> file = format::BinFile::open(path);
  if (!file.ok())
    return file.status();
  return Session::create(std::shared_ptr<const format::BinFile>(std::move(*file)), memoryLimit);
}

}  // namespace lmc::runtime
