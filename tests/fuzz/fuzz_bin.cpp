// libFuzzer target: the .bin reader and the CPU executor (see FuzzHarness.h).
#include "tests/fuzz/FuzzHarness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lmc::fuzz::runBin(data, size);
  return 0;
}
