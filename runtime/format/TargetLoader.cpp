// Parsing and validation of target machine descriptions.
#include "runtime/format/TargetLoader.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "runtime/format/OpcodeRules.h"

namespace lmc::format {
namespace {

// Collects the text parser's complaints (with line and column) instead of
// letting protobuf log them.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
public:
  void AddError(int line, int column, const std::string &message) override {
    if (first.empty())
      first = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int, int, const std::string &) override {}
  std::string first;
};

bool isDtypeName(const std::string &name) {
  if (name == "*")
    return true;
  for (uint8_t t = 1; t <= kMaxDType; ++t)
    if (name == dtypeName(static_cast<DType>(t)))
      return true;
  return false;
}

absl::Status fieldError(const std::string &source, const std::string &field,
                        const std::string &rule) {
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": field '", field, "' ", rule, "; fix the target file"));
}

absl::Status checkRates(const std::string &source, const std::string &prefix,
                        const google::protobuf::RepeatedPtrField<Rate> &rates, bool required) {
  if (required && rates.empty())
    return fieldError(source, prefix, "needs at least one entry");
  for (int i = 0; i < rates.size(); ++i) {
    std::string field = absl::StrCat(prefix, "[", i, "]");
    if (!isDtypeName(rates[i].dtype()))
      return fieldError(source, field + ".dtype",
                        absl::StrCat("is '", rates[i].dtype(), "', not a dtype name or '*'"));
    if (!(rates[i].per_cycle() > 0))
      return fieldError(source, field + ".per_cycle", "must be > 0");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status validateTarget(const Target &t, const std::string &source) {
  if (t.name().empty())
    return fieldError(source, "name", "must not be empty");
  if (t.granularity() == Target::GRANULARITY_UNSPECIFIED)
    return fieldError(source, "granularity", "must be OPERATOR or TILE");
  for (int i = 0; i < t.units_size(); ++i) {
    const UnitSpec &u = t.units(i);
    std::string prefix = absl::StrCat("units[", i, "]");
    if (u.kind() == UNIT_UNSPECIFIED)
      return fieldError(source, prefix + ".kind", "must be DMA, MXM, VXM, SXM, C2C or CPU");
    for (int j = 0; j < i; ++j)
      if (t.units(j).kind() == u.kind())
        return fieldError(source, prefix + ".kind",
                          absl::StrCat("repeats the kind of units[", j, "]"));
    if (u.count() == 0 || u.count() > kMaxUnitInstances)
      return fieldError(source, prefix + ".count",
                        absl::StrCat("must be in 1..", kMaxUnitInstances, ", not ", u.count()));
    if (absl::Status s = checkRates(source, prefix + ".rates", u.rates(), true); !s.ok())
      return s;
    if (u.kind() == MXM && (u.tile_rows() == 0 || u.tile_cols() == 0))
      return fieldError(source, prefix + (u.tile_rows() == 0 ? ".tile_rows" : ".tile_cols"),
                        "must be > 0 for an MXM unit");
  }
  if (t.granularity() == Target::OPERATOR)
    return absl::OkStatus();
  // A tiled, scheduled machine needs a clock, on-chip memory and the units
  // the tiling pass issues to.
  if (!(t.clock_mhz() > 0))
    return fieldError(source, "clock_mhz", "must be > 0 for a TILE target");
  if (t.sram().bytes() == 0)
    return fieldError(source, "sram.bytes", "must be > 0 for a TILE target");
  if (t.sram().alignment_bytes() == 0)
    return fieldError(source, "sram.alignment_bytes", "must be > 0");
  if (!(t.sram().bytes_per_cycle() > 0))
    return fieldError(source, "sram.bytes_per_cycle", "must be > 0");
  if (t.sram().buffers_within_slices() && sliceBytes(t.sram()) == 0)
    return fieldError(source, "sram.slices",
                      "must be >= 1 and leave each slice at least sram.alignment_bytes when "
                      "sram.buffers_within_slices is set");
  if (t.sram().stripe_slices() > std::max<uint32_t>(t.sram().slices(), 1))
    return fieldError(source, "sram.stripe_slices",
                      absl::StrCat("is ", t.sram().stripe_slices(), ", more than sram.slices (",
                                   t.sram().slices(), ")"));
  for (UnitKind kind : {MXM, VXM, SXM})
    if (!findUnit(t, kind))
      return fieldError(source, "units",
                        absl::StrCat("needs a ", UnitKind_Name(kind), " unit for a TILE target"));
  if (t.dram().bytes() > 0) {
    if (!(t.dram().bytes_per_cycle() > 0))
      return fieldError(source, "dram.bytes_per_cycle", "must be > 0 when dram.bytes is set");
    if (t.dram().alignment_bytes() == 0)
      return fieldError(source, "dram.alignment_bytes", "must be > 0 when dram.bytes is set");
    if (!findUnit(t, DMA))
      return fieldError(source, "units", "needs a DMA unit when the target has DRAM");
  }
  if (t.links().links_per_peer() > 0) {
    if (t.links().count() == 0)
      return fieldError(source, "links.count", "must be > 0 when links.links_per_peer is set");
    if (!(t.links().bytes_per_cycle() > 0))
      return fieldError(source, "links.bytes_per_cycle",
                        "must be > 0 when links.links_per_peer is set");
    if (t.chips_per_node() == 0)
      return fieldError(source, "chips_per_node", "must be > 0 when links.links_per_peer is set");
    if (uint64_t(t.links().links_per_peer()) * (t.chips_per_node() - 1) > t.links().count())
      return fieldError(source, "links.links_per_peer",
                        absl::StrCat("is ", t.links().links_per_peer(), ": to each of the ",
                                     t.chips_per_node() - 1, " other chips of a node that needs ",
                                     uint64_t(t.links().links_per_peer()) * (t.chips_per_node() - 1),
                                     " links, more than links.count (", t.links().count(), ")"));
  }
  if (!t.weights_in_sram() && t.dram().bytes() == 0)
    return fieldError(source, "weights_in_sram", "must be true when the target has no DRAM");
  for (auto *rates : {&t.energy().pj_per_mac(), &t.energy().pj_per_op()})
    if (absl::Status s = checkRates(source, rates == &t.energy().pj_per_mac()
                                                ? "energy.pj_per_mac"
                                                : "energy.pj_per_op",
                                    *rates, false);
        !s.ok())
      return s;
  return absl::OkStatus();
}

absl::StatusOr<Target> parseTarget(const std::string &text, const std::string &source) {
  Target target;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &target))
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": not a valid target description (", errors.first,
        "); see runtime/format/target.proto for the fields"));
  if (absl::Status s = validateTarget(target, source); !s.ok())
    return s;
  return target;
}

absl::StatusOr<Target> loadTarget(const std::string &nameOrPath) {
  for (const BuiltinTarget &b : builtinTargets())
    if (nameOrPath == b.name)
      return parseTarget(b.text, std::string(b.name) + ".textproto (built in)");
  std::ifstream in(nameOrPath);
  if (!in) {
    std::vector<std::string> names;
    for (const BuiltinTarget &b : builtinTargets())
      names.push_back(b.name);
    return absl::NotFoundError(absl::StrCat("target '", nameOrPath, "' is neither a built-in (",
                                            absl::StrJoin(names, ", "),
                                            ") nor a readable .textproto file"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return parseTarget(text.str(), nameOrPath);
}

const UnitSpec *findUnit(const Target &target, UnitKind kind) {
  for (const UnitSpec &u : target.units())
    if (u.kind() == kind)
      return &u;
  return nullptr;
}

uint64_t sliceBytes(const Memory &memory) {
  if (memory.slices() == 0)
    return 0;
  uint64_t align = std::max<uint64_t>(memory.alignment_bytes(), 1);
  return memory.bytes() / memory.slices() / align * align;
}

double unitRate(const UnitSpec &unit, DType dtype) {
  double wildcard = 0;
  for (const Rate &r : unit.rates()) {
    if (r.dtype() == dtypeName(dtype))
      return r.per_cycle();
    if (r.dtype() == "*")
      wildcard = r.per_cycle();
  }
  return wildcard;
}

}  // namespace lmc::format
