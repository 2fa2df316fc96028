// libFuzzer target: the ONNX importer, the cpu pipeline and the emitted .bin (see FuzzHarness.h).
#include "tests/fuzz/FuzzHarness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lmc::fuzz::runOnnx(data, size);
  return 0;
}
