// The kernels: the reference kernels, the executable definition of every
// opcode in runtime/format/Opcodes.def (semantics in FORMAT.md, "Opcodes"),
// and fast paths chosen at run time by CPU features and operand layout.
#ifndef LMC_KERNELS_KERNELS_H
#define LMC_KERNELS_KERNELS_H

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "runtime/format/Format.h"

namespace lmc::kernels {

// A strided N-D view of typed memory: element [i0, ..., i(r-1)] lives at
// data + elemSize * sum(ik * strides[k]). Strides may be zero or negative.
struct TensorRef {
  uint8_t *data = nullptr;  // element [0, ..., 0]
  format::DType dtype = format::DType::F32;
  int rank = 0;
  int64_t shape[format::kMaxRank] = {1, 1, 1, 1, 1, 1};
  int64_t strides[format::kMaxRank] = {0, 0, 0, 0, 0, 0};

  int64_t numElements() const;
  size_t elemSize() const { return format::dtypeSize(dtype); }
};

// The view of `region` whose space starts at `spaceBase`.
TensorRef makeTensorRef(const format::Region &region, uint8_t *spaceBase);

// A contiguous row-major view of `data` (for tests and tools).
TensorRef contiguousRef(void *data, format::DType dtype, int rank, const int64_t *shape);

// Where kernels may run work concurrently. runtime::ThreadPool implements
// it; the kernels only see this interface, so they need no threads of their
// own and a caller may bring its own pool.
class ParallelRunner {
public:
  virtual ~ParallelRunner() = default;
  // Threads that run(...) may use, the caller's included (>= 1).
  virtual int numThreads() const = 0;
  // Calls fn(i) once for every i in [0, count), possibly concurrently, and
  // returns when all calls have returned. fn must not throw.
  virtual void run(int64_t count, const std::function<void(int64_t)> &fn) = 0;
};

// The SIMD levels of the fast paths, lowest first. Avx2Vnni is Avx2 plus
// AVX-VNNI (VEX-encoded vpdpbusd), used by matmul_q's int8/int4 kernels
// only. Avx512 needs AVX-512 F/BW/VL/DQ (and the OS's support); matmul_q's
// AVX-512 kernels also need AVX-512 VNNI and use the AVX2 ones without it.
enum class SimdLevel : uint8_t { Portable, Avx2, Avx2Vnni, Avx512 };

// How runKernel may execute. Every choice gives results within 1e-5
// (relative) of the reference kernels for f32 and identical ones for every
// other dtype; for a given SIMD level the results do not depend on the
// number of threads.
struct ExecOptions {
  ParallelRunner *parallel = nullptr;  // null: only the calling thread
  bool referenceOnly = false;          // run the reference kernels only
  bool portableOnly = false;           // fast paths without CPU-specific SIMD
  // The highest SIMD level the fast paths may use (portableOnly means
  // Portable); the CPU and the LMC_SIMD environment variable may lower it.
  SimdLevel maxSimd = SimdLevel::Avx512;
};

// The SIMD level the fast paths use on this CPU with these options:
// "avx512" (with VNNI: "avx512+vnni"), "avx2+vnni", "avx2+fma", "portable"
// or, with referenceOnly, "reference".
// LMC_SIMD=portable|avx2|avx2vnni|avx512 in the environment (read once)
// caps it.
const char *simdLevelName(const ExecOptions &options = {});

// Runs the kernel of `opcode`. operands[0] is the output, inputs follow;
// `imms` holds the opcode's immediates. Shapes and dtypes must satisfy
// FORMAT.md F16 (the .bin reader checks them; format::checkOperands checks
// a hand-built instruction). Data-dependent failures (a gather index out of
// range, integer division by zero) and unsupported dtypes are returned as
// errors; the caller adds the instruction and ONNX node to the message.
absl::Status runKernel(format::Opcode opcode, const TensorRef *operands, unsigned numOperands,
                       const int64_t *imms, const ExecOptions &options = {});

}  // namespace lmc::kernels

#endif  // LMC_KERNELS_KERNELS_H
