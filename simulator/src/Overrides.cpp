// What-if overrides: "key=value" assignments to Target fields, by protobuf
// reflection so that every field of target.proto is reachable.
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "runtime/format/TargetLoader.h"
#include "simulator/Simulator.h"

namespace lmc::sim {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string fieldList(const google::protobuf::Descriptor *d) {
  std::vector<std::string> names;
  for (int i = 0; i < d->field_count(); ++i)
    names.push_back(d->field(i)->name());
  return absl::StrJoin(names, ", ");
}

absl::Status setScalar(Message &m, const FieldDescriptor *f, const std::string &value,
                       const std::string &key) {
  const Reflection *r = m.GetReflection();
  auto bad = [&](const char *what) {
    return absl::InvalidArgumentError(
        absl::StrCat("--set ", key, "=", value, ": the value must be ", what));
  };
  switch (f->cpp_type()) {
  case FieldDescriptor::CPPTYPE_DOUBLE: {
    double v;
    if (!absl::SimpleAtod(value, &v) || !(v >= 0))
      return bad("a number >= 0");
    r->SetDouble(&m, f, v);
    return absl::OkStatus();
  }
  case FieldDescriptor::CPPTYPE_UINT32: {
    uint32_t v;
    if (!absl::SimpleAtoi(value, &v))
      return bad("an integer >= 0");
    r->SetUInt32(&m, f, v);
    return absl::OkStatus();
  }
  case FieldDescriptor::CPPTYPE_UINT64: {
    uint64_t v;
    double d;
    if (!absl::SimpleAtoi(value, &v)) {
      // Allow 16e6 style figures for byte counts.
      if (!absl::SimpleAtod(value, &d) || !(d >= 0) || d > 1.8e19 || d != static_cast<double>(static_cast<uint64_t>(d)))
        return bad("an integer >= 0");
      v = static_cast<uint64_t>(d);
    }
    r->SetUInt64(&m, f, v);
    return absl::OkStatus();
  }
  case FieldDescriptor::CPPTYPE_BOOL: {
    bool v;
    if (!absl::SimpleAtob(value, &v))
      return bad("true or false");
    r->SetBool(&m, f, v);
    return absl::OkStatus();
  }
  case FieldDescriptor::CPPTYPE_STRING:
    r->SetString(&m, f, value);
    return absl::OkStatus();
  case FieldDescriptor::CPPTYPE_ENUM: {
    const auto *e = f->enum_type()->FindValueByName(value);
    if (!e) {
      std::vector<std::string> names;
      for (int i = 0; i < f->enum_type()->value_count(); ++i)
        names.push_back(f->enum_type()->value(i)->name());
      return bad(absl::StrCat("one of ", absl::StrJoin(names, ", ")).c_str());
    }
    r->SetEnum(&m, f, e);
    return absl::OkStatus();
  }
  default:
    return absl::InvalidArgumentError(
        absl::StrCat("--set ", key, ": field '", f->name(), "' cannot be set"));
  }
}

}  // namespace

absl::Status applyOverride(format::Target &target, const std::string &assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == assignment.size())
    return absl::InvalidArgumentError(
        absl::StrCat("--set takes KEY=VALUE (e.g. dram.bytes_per_cycle=68), got '", assignment,
                     "'"));
  std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  std::string path = key;
  if (path == "sram_bytes")
    path = "sram.bytes";
  else if (path == "dram_bytes")
    path = "dram.bytes";
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  Message *m = &target;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto *d = m->GetDescriptor();
    const FieldDescriptor *f = d->FindFieldByName(parts[i]);
    if (!f)
      return absl::InvalidArgumentError(absl::StrCat("--set ", key, ": '", parts[i],
                                                     "' is not a field of ", d->name(),
                                                     " (fields: ", fieldList(d), ")"));
    const Reflection *r = m->GetReflection();
    bool last = i + 1 == parts.size();
    if (f->is_repeated()) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || last)
        return absl::InvalidArgumentError(absl::StrCat(
            "--set ", key, ": '", parts[i], "' is a list; select an element, e.g. ",
            f->name() == "units" ? "units.MXM.count" : absl::StrCat(f->name(), ".f16")));
      const std::string &sel = parts[++i];
      bool isUnit = f->message_type()->name() == "UnitSpec";
      std::vector<std::string> have;
      Message *found = nullptr;
      for (int k = 0; k < r->FieldSize(*m, f); ++k) {
        Message *e = r->MutableRepeatedMessage(m, f, k);
        std::string name;
        if (isUnit)
          name = format::UnitKind_Name(static_cast<const format::UnitSpec *>(e)->kind());
        else if (e->GetDescriptor()->name() == "Rate")
          name = static_cast<const format::Rate *>(e)->dtype();
        have.push_back(name);
        if (name == sel)
          found = e;
      }
      if (!found)
        return absl::InvalidArgumentError(
            absl::StrCat("--set ", key, ": the target has no ", f->name(), " '", sel,
                         "' (it has: ", absl::StrJoin(have, ", "), ")"));
      m = found;
      if (i + 1 == parts.size()) {
        // A rate selected by dtype: the value is its per_cycle figure.
        if (m->GetDescriptor()->name() != "Rate")
          return absl::InvalidArgumentError(
              absl::StrCat("--set ", key, ": name a field of ", sel, " (fields: ",
                           fieldList(m->GetDescriptor()), ")"));
        return setScalar(*m, m->GetDescriptor()->FindFieldByName("per_cycle"), value, key);
      }
      continue;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (last)
        return absl::InvalidArgumentError(
            absl::StrCat("--set ", key, ": '", parts[i], "' is a message; name one of its fields (",
                         fieldList(f->message_type()), ")"));
      m = r->MutableMessage(m, f);
      continue;
    }
    if (!last)
      return absl::InvalidArgumentError(
          absl::StrCat("--set ", key, ": '", parts[i], "' has no fields"));
    return setScalar(*m, f, value, key);
  }
  return absl::OkStatus();
}

}  // namespace lmc::sim
