// Replays fuzz inputs (the seed corpus and saved regressions) through the fuzz harnesses
// without libFuzzer: `lmc-fuzz-replay bin|onnx|target FILE_OR_DIR...`. A crash fails the test.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/FuzzHarness.h"

namespace fs = std::filesystem;

int main(int argc, char **argv) {
  const std::string kind = argc > 1 ? argv[1] : "";
  if (argc < 3 || (kind != "bin" && kind != "onnx" && kind != "target")) {
    std::fprintf(stderr, "usage: lmc-fuzz-replay bin|onnx|target FILE_OR_DIR...\n");
    return 2;
  }
  [[maybe_unused]] const bool onnx = kind == "onnx";
#ifndef LMC_FUZZ_HAVE_ONNX
  if (onnx) {
    std::fprintf(stderr, "lmc-fuzz-replay: built without the compiler; no onnx target\n");
    return 2;
  }
#endif
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i) {
    std::error_code ec;
    if (fs::is_directory(argv[i], ec)) {
      for (const auto &entry : fs::directory_iterator(argv[i]))
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.' &&
            entry.path().extension() != ".md")
          files.push_back(entry.path());
    } else if (fs::is_regular_file(argv[i], ec)) {
      files.push_back(argv[i]);
    } else {
      std::fprintf(stderr, "lmc-fuzz-replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path &path : files) {
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::printf("%s (%zu bytes): ", path.c_str(), bytes.size());
    std::fflush(stdout);  // names the input if it crashes
    std::string outcome;
#ifdef LMC_FUZZ_HAVE_ONNX
    if (onnx)
      outcome = lmc::fuzz::runOnnx(bytes.data(), bytes.size());
#endif
    if (kind == "target")
      outcome = lmc::fuzz::runTarget(bytes.data(), bytes.size());
    else if (kind == "bin")
      outcome = lmc::fuzz::runBin(bytes.data(), bytes.size());
    std::printf("%s\n", outcome.c_str());
  }
  std::printf("replayed %zu %s inputs\n", files.size(), argv[1]);
  return files.empty() ? 1 : 0;
}
