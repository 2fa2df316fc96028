// Picks the next token from a row of logits: greedy (argmax) or sampled
// with temperature, top-k and top-p. Sampling draws from std::mt19937_64,
// whose sequence the C++ standard fixes, through this file's own
// arithmetic (no std::*_distribution, whose results differ between
// standard libraries), so a seed gives the same tokens on every platform
// for the same logits.
#ifndef LMC_RUNTIME_GENERATE_SAMPLER_H
#define LMC_RUNTIME_GENERATE_SAMPLER_H

#include <cstdint>
#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace lmc::generate {

struct SamplingOptions {
  double temperature = 0;  // 0: greedy; otherwise logits are divided by it
  int64_t topK = 0;        // keep the K most likely tokens; 0: all
  double topP = 1;         // keep the fewest most likely tokens whose probability reaches P
  uint64_t seed = 0;
};

class Sampler {
public:
  explicit Sampler(const SamplingOptions &options);

  // An index into `logits`. Ties go to the lower index. Fails when a logit
  // is NaN or none is finite.
  absl::StatusOr<int64_t> sample(absl::Span<const float> logits);

  // A double in [0, 1) from the top 53 bits of the next generator output.
  double uniform() { return double(rng_() >> 11) * 0x1.0p-53; }

private:
  SamplingOptions options_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int64_t>> candidates_;
  std::vector<double> weights_;
};

}  // namespace lmc::generate

#endif  // LMC_RUNTIME_GENERATE_SAMPLER_H
