// Executes a verified .bin on the CPU: owns the working memory spaces and
// IO buffers, binds inputs, runs the instructions in file order.
#ifndef LMC_RUNTIME_SESSION_H
#define LMC_RUNTIME_SESSION_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/format/Reader.h"
#include "runtime/kernels/Kernels.h"

namespace lmc::runtime {

class ThreadPool;

// Zero-initialized bytes that report allocation failure instead of
// throwing or aborting (sizes come from the file).
class Buffer {
public:
  Buffer() = default;
  ~Buffer();
  Buffer(Buffer &&other) noexcept;
  Buffer &operator=(Buffer &&other) noexcept;
  absl::Status allocate(uint64_t size, const std::string &what);
  // Clears the buffer, or only `written` once set: the byte ranges
  // anything writes, the rest staying zero from allocate().
  void zero();
  void setWritten(std::vector<std::pair<uint64_t, uint64_t>> ranges) {
    written_ = std::move(ranges);
    limited_ = true;
  }
  uint8_t *data() const { return data_; }
  uint64_t size() const { return size_; }

private:
  uint8_t *data_ = nullptr;
  uint64_t size_ = 0;
  std::vector<std::pair<uint64_t, uint64_t>> written_;  // [begin, end), sorted, disjoint
  bool limited_ = false;
};

class Session {
public:
  // Allocates the working spaces of `file` (F8); state starts zeroed and
  // persists across runs.
  // Fails first, allocating nothing, when the working memory exceeds
  // `memoryLimit` bytes (0: the memory this machine has available).
  static absl::StatusOr<std::unique_ptr<Session>> create(std::shared_ptr<const format::BinFile> file,
                                                         uint64_t memoryLimit = 0);

  const format::BinFile &file() const { return *file_; }
  size_t numInputs() const { return inputs_.size(); }
  size_t numOutputs() const { return outputs_.size(); }
  const format::TensorInfo &inputInfo(size_t i) const { return file_->io().inputs(int(i)); }
  const format::TensorInfo &outputInfo(size_t i) const { return file_->io().outputs(int(i)); }
  std::optional<size_t> findInput(const std::string &name) const;
  std::optional<size_t> findOutput(const std::string &name) const;

  // Copies `bytes` bytes of input `index`; the size must equal the
  // tensor's byte size. A binding lasts until rebound.
  absl::Status bindInput(size_t index, const void *data, size_t bytes);
  bool isBound(size_t index) const { return bound_[index]; }

  // Runs every instruction once; fails if an input is unbound or a kernel
  // reports an error (naming the instruction and its ONNX node).
  absl::Status run();

  // Output bytes of the last successful run (zeros before one).
  const uint8_t *outputData(size_t index) const { return outputs_[index].data(); }
  uint64_t outputBytes(size_t index) const { return outputs_[index].size(); }
  uint64_t inputBytes(size_t index) const { return inputs_[index].size(); }

  // Zeroes the persistent state space (a new sequence for a KV cache).
  // The state also starts zeroed when the session is created.
  void resetState() { state_.zero(); }
  // The size of the State space (the KV caches, Metadata.state).
  uint64_t stateBytes() const { return state_.size(); }
  // Copies `other`'s state into this session's, e.g. from a prefill .bin
  // (S tokens per step) to the decode .bin of the same model (1 per step).
  // The two files must lay their state out alike: the same state_bytes and
  // the same Metadata.state entries (names, dtypes, shapes, offsets).
  absl::Status copyStateFrom(const Session &other);
  // The bytes of State tensor `i` (Metadata.state(i)), which F18 keeps
  // inside the State space: to save a cache or to load one.
  size_t numStateTensors() const { return size_t(file_->metadata().state_size()); }
  uint8_t *stateTensorData(size_t i) { return state_.data() + file_->metadata().state(int(i)).offset(); }
  uint64_t stateTensorBytes(size_t i) const;

  // Threads that run() may use; n <= 0 means one per hardware thread (the
  // default). Results do not depend on it beyond f32 rounding (FORMAT.md).
  void setNumThreads(int n);
  int numThreads() const { return numThreads_; }
  // Fast paths off (reference kernels only) or without CPU-specific SIMD,
  // for comparisons and benchmarks.
  void setReferenceOnly(bool on) { options_.referenceOnly = on; }
  // Times every instruction of every run from now on (a little overhead
  // per instruction): instructionNanos()[i] sums instruction i's time.
  void setProfiling(bool on) {
    profiling_ = on;
    instructionNanos_.assign(on ? file_->instructions().size() : 0, 0);
  }
  const std::vector<uint64_t> &instructionNanos() const { return instructionNanos_; }
  void setPortableOnly(bool on) { options_.portableOnly = on; }
  // A KV-cache decoder whose file lists attention cuts (F18) runs each
  // step over the cache positions filled so far, p + S (on, the default),
  // or over every position (off), as the stream is written.
  void setCutKvAttention(bool on) { cutKv_ = on; }

  ~Session();

private:
  Session();
  // The positions filled after this step (the last position written + 1),
  // or an error when the step does not fit the cache.
  absl::StatusOr<int64_t> checkPosition() const;

  std::shared_ptr<const format::BinFile> file_;
  Buffer sram_, dram_, state_;
  std::vector<Buffer> inputs_;   // the bound bytes
  std::vector<Buffer> working_;  // the inputs as the instructions see them
  std::vector<Buffer> outputs_;
  std::vector<bool> bound_;
  // A KV-cache decoder's position input (Metadata.kv_cache), checked by
  // run() so that a step past the cache fails with a clear message.
  std::optional<size_t> positionInput_;
  bool cutKv_ = true;
  // F18's cuts as (instruction, operand, axis), in instruction order.
  struct Cut {
    uint32_t instruction, operand, axis;
  };
  std::vector<Cut> cuts_;
  int numThreads_ = 1;
  bool profiling_ = false;
  std::vector<uint64_t> instructionNanos_;
  std::unique_ptr<ThreadPool> pool_;  // created by run() when numThreads_ > 1
  kernels::ExecOptions options_;
};

// Reads `path` and creates a session for it.
absl::StatusOr<std::unique_ptr<Session>> openSession(const std::string &path,
                                                     uint64_t memoryLimit = 0);

}  // namespace lmc::runtime

#endif  // LMC_RUNTIME_SESSION_H
