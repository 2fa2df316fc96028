// Replays fuzz inputs (the seed corpus and saved regressions) through the fuzz harnesses
// without libFuzzer: `lmc-fuzz-replay bin|onnx|target [--skip LIST] FILE_OR_DIR...`. A crash
// fails the test. LIST names inputs of bugs not fixed yet (`<target>/<file>  # reason` lines).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
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
  std::map<std::string, std::string> skip;  // "<target>/<file>" -> reason
  int first = 2;
  if (argc > 3 && std::strcmp(argv[2], "--skip") == 0) {
    std::ifstream list(argv[3]);
    if (!list) {
      std::fprintf(stderr, "lmc-fuzz-replay: cannot read %s\n", argv[3]);
      return 2;
    }
    for (std::string line; std::getline(list, line);) {
      size_t hash = line.find('#');
      std::string name = line.substr(0, hash);
      name.erase(name.find_last_not_of(" \t") + 1);
      if (!name.empty())
        skip[name] = hash == std::string::npos ? "" : line.substr(hash + 1);
    }
    first = 4;
  }
  std::vector<fs::path> files;
  for (int i = first; i < argc; ++i) {
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
    auto open = skip.find(path.parent_path().filename().string() + "/" + path.filename().string());
    if (open != skip.end()) {
      std::printf("%s: skipped, open bug:%s\n", path.c_str(), open->second.c_str());
      continue;
    }
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
