// How `lmc compile --kv-cache` pairs a model's cache inputs and outputs by
// name; shared by the ONNX loader (--max-context) and lmc-bind-kv-cache.
// Plain C++: no MLIR, no onnx.
#ifndef LMC_PASSES_MEMORY_KVCACHENAMES_H
#define LMC_PASSES_MEMORY_KVCACHENAMES_H

#include <optional>
#include <string>

namespace lmc::kv {

// The pairing key of a cache input: "past.<rest>" (lmc's examples) or
// "past_key_values.<rest>" (Hugging Face exports) give "<rest>".
inline std::optional<std::string> pastKey(const std::string &name) {
  for (const char *prefix : {"past.", "past_key_values."}) {
    std::string p(prefix);
    if (name.size() > p.size() && name.compare(0, p.size(), p) == 0)
      return name.substr(p.size());
  }
  return std::nullopt;
}

// The pairing key of a cache output: "present.<rest>" gives "<rest>".
inline std::optional<std::string> presentKey(const std::string &name) {
  const std::string p = "present.";
  if (name.size() > p.size() && name.compare(0, p.size(), p) == 0)
    return name.substr(p.size());
  return std::nullopt;
}

}  // namespace lmc::kv

#endif  // LMC_PASSES_MEMORY_KVCACHENAMES_H
