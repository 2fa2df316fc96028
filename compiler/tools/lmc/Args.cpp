// Parsing and help text for `lmc` subcommand arguments.
#include "compiler/tools/lmc/Args.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lmc::cli {

absl::Status Args::parse(const CommandSpec &spec, int argc, char **argv, Args &out) {
  out = Args();
  bool optionsEnded = false;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (!optionsEnded && arg == "--") {
      optionsEnded = true;
      continue;
    }
    if (optionsEnded || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      out.positional_.push_back(arg);
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      out.help_ = true;
      continue;
    }
    std::string name = arg, value;
    bool hasInlineValue = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      hasInlineValue = true;
    }
    const OptionSpec *option = nullptr;
    for (const OptionSpec &o : spec.options)
      if (o.name == name || (name.size() == 2 && o.name == "-" + name.substr(1)))
        option = &o;
    if (!option)
      return absl::InvalidArgumentError(absl::StrCat(
          "lmc ", spec.name, ": unknown option '", name, "'; see 'lmc ", spec.name, " --help'"));
    if (option->valueName.empty()) {
      if (hasInlineValue)
        return absl::InvalidArgumentError(
            absl::StrCat("lmc ", spec.name, ": option ", name, " takes no value"));
      value = "1";
    } else if (!hasInlineValue) {
      if (i + 1 >= argc)
        return absl::InvalidArgumentError(absl::StrCat("lmc ", spec.name, ": option ", name,
                                                       " needs a value (", option->valueName, ")"));
      value = argv[++i];
    }
    std::vector<std::string> &slot = out.values_[option->name];
    if (!slot.empty() && !option->repeated)
      return absl::InvalidArgumentError(
          absl::StrCat("lmc ", spec.name, ": option ", name, " given more than once"));
    slot.push_back(value);
  }
  if (out.help_)
    return absl::OkStatus();
  int n = static_cast<int>(out.positional_.size());
  if (n < spec.minPositional || n > spec.maxPositional)
    return absl::InvalidArgumentError(
        absl::StrCat("lmc ", spec.name, ": wrong number of arguments; usage: ", spec.usage));
  return absl::OkStatus();
}

std::optional<int> Args::parseCommand(const CommandSpec &spec, int argc, char **argv,
                                      Args &out) {
  if (absl::Status s = parse(spec, argc - 1, argv + 1, out); !s.ok())
    return usageError(std::string(s.message()));
  if (out.helpRequested()) {
    std::fputs(formatHelp(spec).c_str(), stdout);
    return 0;
  }
  return std::nullopt;
}

std::string Args::get(const std::string &name, const std::string &fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> Args::getAll(const std::string &name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>() : it->second;
}

std::string formatHelp(const CommandSpec &spec) {
  std::string text = absl::StrCat("usage: ", spec.usage, "\n\n", spec.summary, "\n");
  if (!spec.options.empty())
    absl::StrAppend(&text, "\noptions:\n");
  for (const OptionSpec &o : spec.options) {
    std::string left = o.valueName.empty() ? o.name : absl::StrCat(o.name, " ", o.valueName);
    absl::StrAppendFormat(&text, "  %-28s %s%s\n", left, o.help,
                          o.repeated ? " (repeatable)" : "");
  }
  absl::StrAppendFormat(&text, "  %-28s %s\n", "--help", "show this help");
  return text;
}

int usageError(const std::string &message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 2;
}

int commandError(const std::string &command, const std::string &message) {
  std::fprintf(stderr, "lmc %s: error: %s\n", command.c_str(), message.c_str());
  return 1;
}

std::string outputFileName(const std::string &tensorName) {
  std::string out;
  for (char c : tensorName)
    out.push_back(c == '/' || c == '\\' || c == '\0' ? '_' : c);
  if (out.empty() || out == "." || out == "..")
    out = "_" + out;
  return out;
}

}  // namespace lmc::cli
