// Available memory and byte sizes (see HostMemory.h).
#include "runtime/src/HostMemory.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_format.h"

namespace lmc::runtime {

std::optional<uint64_t> availableMemoryBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib;
  std::string unit;
  while (in >> key >> kib) {
    std::getline(in, unit);
    if (key == "MemAvailable:")
      return kib * 1024;
  }
  return std::nullopt;
}

std::optional<uint64_t> memoryBudget(uint64_t limit) {
  if (limit)
    return limit;
  return availableMemoryBytes();
}

std::string formatBytes(uint64_t bytes) {
  if (bytes >= 1000000000)
    return absl::StrFormat("%.2f GB", double(bytes) / 1e9);
  if (bytes >= 1000000)
    return absl::StrFormat("%.2f MB", double(bytes) / 1e6);
  return absl::StrFormat("%d bytes", bytes);
}

bool parseByteSize(const std::string &text, uint64_t &bytes) {
  size_t end = 0;
  while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.'))
    ++end;
  if (end == 0)
    return false;
  const std::string number = text.substr(0, end);
  char *stop = nullptr;
  const double value = std::strtod(number.c_str(), &stop);
  if (stop != number.c_str() + number.size())
    return false;
  std::string unit = text.substr(end);
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b'))
    unit.pop_back();
  double scale = 1;
  if (unit == "K" || unit == "k")
    scale = 1e3;
  else if (unit == "M" || unit == "m")
    scale = 1e6;
  else if (unit == "G" || unit == "g")
    scale = 1e9;
  else if (unit == "T" || unit == "t")
    scale = 1e12;
  else if (!unit.empty())
    return false;
  const double total = value * scale;
  if (!(total >= 1) || total > 1.8e19)
    return false;
  bytes = static_cast<uint64_t>(std::llround(total));
  return true;
}

}  // namespace lmc::runtime
