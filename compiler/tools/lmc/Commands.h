// Entry points of the `lmc` subcommands. Each returns the process exit code:
// 0 success, 1 error (one line on stderr, "lmc <cmd>: error: ..."), 2 usage.
#ifndef LMC_TOOLS_COMMANDS_H
#define LMC_TOOLS_COMMANDS_H

namespace lmc::cli {

// argv[0] is the subcommand name; options follow.
int compileMain(int argc, char **argv);
int runMain(int argc, char **argv);
int inspectMain(int argc, char **argv);
int benchMain(int argc, char **argv);
int simulateMain(int argc, char **argv);
int generateMain(int argc, char **argv);

}  // namespace lmc::cli

#endif  // LMC_TOOLS_COMMANDS_H
