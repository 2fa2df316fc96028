// libFuzzer target: the target .textproto parser and validator (see FuzzHarness.h).
#include "tests/fuzz/FuzzHarness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lmc::fuzz::runTarget(data, size);
  return 0;
}
