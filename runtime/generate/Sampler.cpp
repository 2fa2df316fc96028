// Greedy and top-k/top-p sampling (see Sampler.h).
#include "runtime/generate/Sampler.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace lmc::generate {

Sampler::Sampler(const SamplingOptions &options) : options_(options), rng_(options.seed) {}

absl::StatusOr<int64_t> Sampler::sample(absl::Span<const float> logits) {
  int64_t best = -1;
  for (size_t i = 0; i < logits.size(); ++i) {
    if (std::isnan(logits[i]))
      return absl::InvalidArgumentError(absl::StrCat("the logit of token ", i, " is NaN"));
    if (std::isfinite(logits[i]) && (best < 0 || logits[i] > logits[size_t(best)]))
      best = int64_t(i);
  }
  if (best < 0)
    return absl::InvalidArgumentError(
        absl::StrCat("none of the ", logits.size(), " logits is finite"));
  if (options_.temperature <= 0)
    return best;

  // Candidates in a total order: most likely first, then the lower index.
  candidates_.clear();
  for (size_t i = 0; i < logits.size(); ++i)
    if (std::isfinite(logits[i]))
      candidates_.emplace_back(logits[i], int64_t(i));
  const auto before = [](const std::pair<float, int64_t> &a, const std::pair<float, int64_t> &b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  if (options_.topK > 0 && size_t(options_.topK) < candidates_.size()) {
    std::nth_element(candidates_.begin(), candidates_.begin() + options_.topK, candidates_.end(),
                     before);
    candidates_.resize(size_t(options_.topK));
  }
  std::sort(candidates_.begin(), candidates_.end(), before);

  // Softmax of logits / T in double, relative to the largest.
  const double top = candidates_.front().first;
  weights_.resize(candidates_.size());
  double total = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    weights_[i] = std::exp((double(candidates_[i].first) - top) / options_.temperature);
    total += weights_[i];
  }
  size_t keep = candidates_.size();
  if (options_.topP < 1) {
    double cumulative = 0;
    for (size_t i = 0; i < candidates_.size(); ++i) {
      cumulative += weights_[i];
      if (cumulative >= options_.topP * total) {
        keep = i + 1;
        break;
      }
    }
    total = cumulative;
  }
  const double target = uniform() * total;
  double cumulative = 0;
  for (size_t i = 0; i < keep; ++i) {
    cumulative += weights_[i];
    if (target < cumulative)
      return candidates_[i].second;
  }
  return candidates_[keep - 1].second;  // rounding left target at the very end
}

}  // namespace lmc::generate
