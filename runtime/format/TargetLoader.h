// Target machines: the built-in ones (simulator/targets/*.textproto, compiled
// in) and user files, parsed from protobuf text format and validated.
#ifndef LMC_FORMAT_TARGETLOADER_H
#define LMC_FORMAT_TARGETLOADER_H

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/format/Format.h"
#include "runtime/format/target.pb.h"

namespace lmc::format {

struct BuiltinTarget {
  const char *name;
  const char *text;  // the .textproto contents
};
const std::vector<BuiltinTarget> &builtinTargets();

// Parses and validates target text; `source` names it in errors, which read
// "<source>: field 'units[0].tile_rows' must be > 0 for an MXM unit".
absl::StatusOr<Target> parseTarget(const std::string &text, const std::string &source);

// A built-in name ("cpu", "lpu", "ara2") or the path of a .textproto file.
absl::StatusOr<Target> loadTarget(const std::string &nameOrPath);

// Instances of one unit kind a target may have (units[i].count).
inline constexpr uint32_t kMaxUnitInstances = 1024;

// Checks the rules a usable target meets (see the .cpp for the list).
absl::Status validateTarget(const Target &target, const std::string &source);

// The unit spec of `kind`, or null.
const UnitSpec *findUnit(const Target &target, UnitKind kind);
// The rate of `unit` for `dtype` (exact name, else "*"); 0 when none.
double unitRate(const UnitSpec &unit, DType dtype);
// The bytes of one slice of `memory`: bytes / slices rounded down to the
// alignment; 0 when slices is 0 or a slice would be smaller than that.
uint64_t sliceBytes(const Memory &memory);

}  // namespace lmc::format

#endif  // LMC_FORMAT_TARGETLOADER_H
