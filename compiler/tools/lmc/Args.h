// A small parser for one `lmc` subcommand's arguments. Abseil's flags are
// process-global and cannot express per-subcommand options and help, so
// each subcommand declares its options here instead.
#ifndef LMC_TOOLS_ARGS_H
#define LMC_TOOLS_ARGS_H

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace lmc::cli {

struct OptionSpec {
  std::string name;        // "--output-dir"
  std::string valueName;   // "DIR"; empty for a switch
  std::string help;
  bool repeated = false;   // may be given several times
};

struct CommandSpec {
  std::string name;        // "run"
  std::string usage;       // "lmc run model.bin --input NAME=FILE.npy ..."
  std::string summary;     // one paragraph
  std::vector<OptionSpec> options;
  int minPositional = 0;
  int maxPositional = 0;
};

class Args {
public:
  // Parses argv (after the subcommand name). `--help` sets helpRequested().
  static absl::Status parse(const CommandSpec &spec, int argc, char **argv, Args &out);

  // What every subcommand does first: parse argv (argv[0] is the
  // subcommand), print a usage error (exit code 2) or the help (exit code
  // 0). Returns the exit code when the command is done, nullopt otherwise.
  static std::optional<int> parseCommand(const CommandSpec &spec, int argc, char **argv,
                                         Args &out);

  bool helpRequested() const { return help_; }
  bool has(const std::string &name) const { return values_.count(name) != 0; }
  // Last value given for `name`, or `fallback`.
  std::string get(const std::string &name, const std::string &fallback = "") const;
  std::vector<std::string> getAll(const std::string &name) const;
  const std::vector<std::string> &positional() const { return positional_; }

private:
  bool help_ = false;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

std::string formatHelp(const CommandSpec &spec);

// Prints a usage problem on stderr; returns the usage exit code, 2.
int usageError(const std::string &message);
// Prints "lmc <command>: error: <message>" on stderr; returns 1.
int commandError(const std::string &command, const std::string &message);
// A file name for a tensor's name: '/', '\' and NUL become '_'.
std::string outputFileName(const std::string &tensorName);

}  // namespace lmc::cli

#endif  // LMC_TOOLS_ARGS_H
