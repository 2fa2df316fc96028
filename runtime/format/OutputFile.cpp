// Staged output files (see OutputFile.h).
#include "runtime/format/OutputFile.h"

#include <sys/stat.h>

#include <cstdio>

namespace lmc::format {

std::string stagingPath(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return path;
  return path + ".tmp";
}

bool commitOutput(const std::string &staging, const std::string &path) {
  return staging == path || std::rename(staging.c_str(), path.c_str()) == 0;
}

void discardOutput(const std::string &staging, const std::string &path) {
  if (staging != path)
    std::remove(staging.c_str());
}

}  // namespace lmc::format
