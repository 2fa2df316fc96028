// lmc: the command-line driver; dispatches to one subcommand.
#include <cstdio>
#include <cstring>
#include <string>

#include "compiler/tools/lmc/Commands.h"

namespace {

constexpr const char *kUsage = R"(lmc: an ahead-of-time compiler for transformer models (ONNX -> .bin)

usage: lmc <command> [options]

commands:
  compile   compile an ONNX model into a .bin    lmc compile model.onnx -o model.bin
  run       run a .bin on this CPU               lmc run model.bin --input NAME=x.npy
  generate  GPT-2 text generation on this CPU    lmc generate model.bin --prompt "Hello" -n 32
  inspect   show a .bin's header, IO, code      lmc inspect model.bin
  bench     time a .bin on this CPU              lmc bench model.bin --runs 20
  simulate  cycle-approximate simulation         lmc simulate model.bin [--set dram.bytes_per_cycle=68]
            (latency, tokens/s, SRAM, energy, schedule check, trace, what-if)

'lmc <command> --help' describes a command's options.
)";

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("lmc %s\n", LMC_VERSION_STRING);
    return 0;
  }
  std::string command = argv[1];
  if (command == "compile")
    return lmc::cli::compileMain(argc - 1, argv + 1);
  if (command == "run")
    return lmc::cli::runMain(argc - 1, argv + 1);
  if (command == "inspect")
    return lmc::cli::inspectMain(argc - 1, argv + 1);
  if (command == "bench")
    return lmc::cli::benchMain(argc - 1, argv + 1);
  if (command == "simulate")
    return lmc::cli::simulateMain(argc - 1, argv + 1);
  if (command == "generate")
    return lmc::cli::generateMain(argc - 1, argv + 1);
  std::fprintf(stderr, "lmc: unknown command '%s'; see 'lmc --help'\n", command.c_str());
  return 2;
}
