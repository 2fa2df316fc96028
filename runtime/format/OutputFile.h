// Output files that readers never see half written: the bytes go to a
// staging file next to the output, renamed over it once complete. A path
// that exists and is not a regular file (/dev/null, a pipe, a terminal) is
// written in place: renaming over it would replace the device or pipe.
#ifndef LMC_RUNTIME_FORMAT_OUTPUTFILE_H
#define LMC_RUNTIME_FORMAT_OUTPUTFILE_H

#include <string>

namespace lmc::format {

// Where to write the bytes of `path`: `path` + ".tmp", or `path` itself.
std::string stagingPath(const std::string &path);
// Makes the staging file the output; false (errno set) when the rename fails.
bool commitOutput(const std::string &staging, const std::string &path);
// Drops a staging file after a failed write (never `path` itself).
void discardOutput(const std::string &staging, const std::string &path);

}  // namespace lmc::format

#endif  // LMC_RUNTIME_FORMAT_OUTPUTFILE_H
