// Fuzz harness of the target .textproto parser and validator (no MLIR).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/format/TargetLoader.h"
#include "tests/fuzz/FuzzHarness.h"

namespace lmc::fuzz {

std::string runTarget(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  auto target = format::parseTarget(text, "fuzz.textproto");
  if (!target.ok()) {
    std::string msg(target.status().message());
    if (msg.rfind("fuzz.textproto", 0) != 0) {
      std::fprintf(stderr, "lmc fuzz: target error does not name the source: %s\n", msg.c_str());
      std::abort();
    }
    return "rejected: " + msg;
  }
  // A target that parses must validate again from its own text form.
  if (!format::validateTarget(*target, "fuzz.textproto").ok()) {
    std::fprintf(stderr, "lmc fuzz: parseTarget accepted a target that validateTarget rejects\n");
    std::abort();
  }
  return "accepted: target '" + target->name() + "'";
}

}  // namespace lmc::fuzz
