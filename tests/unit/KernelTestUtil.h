// Helpers for kernel tests: typed buffers with strided views, and a runner
// that checks the F16 operand rules before calling the kernel.
#ifndef LMC_TESTS_UNIT_KERNELTESTUTIL_H
#define LMC_TESTS_UNIT_KERNELTESTUTIL_H

#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/format/OpcodeRules.h"
#include "runtime/kernels/Kernels.h"

namespace lmc::testing {

using format::DType;
using kernels::TensorRef;

// A view of `data` (element type T) starting at element `start`.
template <typename T>
TensorRef view(std::vector<T> &data, DType dtype, std::vector<int64_t> shape,
               std::vector<int64_t> strides = {}, int64_t start = 0) {
  TensorRef t;
  t.data = reinterpret_cast<uint8_t *>(data.data() + start);
  t.dtype = dtype;
  t.rank = static_cast<int>(shape.size());
  int64_t stride = 1;
  for (int k = t.rank - 1; k >= 0; --k) {
    t.shape[k] = shape[k];
    t.strides[k] = strides.empty() ? stride : strides[k];
    stride *= shape[k];
  }
  return t;
}

// The region that describes `t`'s type and shape (for format::checkOperands).
inline format::Region regionOf(const TensorRef &t) {
  format::Region r;
  std::memset(&r, 0, sizeof(r));
  r.space = static_cast<uint8_t>(format::Space::Dram);
  r.dtype = static_cast<uint8_t>(t.dtype);
  r.rank = static_cast<uint8_t>(t.rank);
  for (unsigned k = 0; k < format::kMaxRank; ++k) {
    r.shape[k] = int(k) < t.rank ? t.shape[k] : 1;
    r.strides[k] = int(k) < t.rank ? t.strides[k] : 0;
  }
  return r;
}

// Runs `op` after asserting that its operands satisfy F16.
inline absl::Status run(format::Opcode op, std::vector<TensorRef> ops,
                        std::vector<int64_t> imms = {}) {
  std::vector<format::Region> regions;
  for (const TensorRef &t : ops)
    regions.push_back(regionOf(t));
  std::string why = format::checkOperands(op, regions.data(), unsigned(regions.size()),
                                          imms.data());
  EXPECT_EQ(why, "") << format::opcodeInfo(op).mnemonic;
  return kernels::runKernel(op, ops.data(), unsigned(ops.size()), imms.data());
}

inline void runOk(format::Opcode op, std::vector<TensorRef> ops, std::vector<int64_t> imms = {}) {
  absl::Status s = run(op, std::move(ops), std::move(imms));
  ASSERT_TRUE(s.ok()) << s;
}

// Deterministic pseudo-random values in [-range, range].
inline std::vector<float> randomFloats(size_t n, float range = 2.0f, uint32_t seed = 1) {
  std::vector<float> v(n);
  uint32_t x = seed * 2654435761u + 12345;
  for (float &f : v) {
    x = x * 1664525u + 1013904223u;
    f = (static_cast<float>(x >> 8) / 16777216.0f * 2.0f - 1.0f) * range;
  }
  return v;
}

}  // namespace lmc::testing

#endif  // LMC_TESTS_UNIT_KERNELTESTUTIL_H
