// Simulation speed: Google Benchmark of sim::simulate (timing model plus
// schedule verification, or timing alone; no functional mode; with period
// replay, and without it for comparison: the counter `replayed` is the share
// of instructions whose dependences came from replay, `copied` the share
// whose DRAM and SRAM contention was copied too, `repeated` the share
// written as whole periods) and of
// sim::verifySchedule alone on the .bin files named in LMC_SIM_BENCH_BINS
// (colon-separated); bench/sim_bench.sh builds them. items_per_second is
// simulated instructions per second of host time.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "benchmark/benchmark.h"
#include "runtime/format/Reader.h"
#include "simulator/Simulator.h"

namespace {

void simulateBin(benchmark::State &state, const lmc::format::BinFile *file, bool verify,
                 bool replay) {
  lmc::sim::Options options;
  options.verify = verify;
  options.keepTimeline = false;
  options.keepTimings = false;
  options.replay = replay;
  uint64_t replayed = 0, copied = 0, repeated = 0;
  for (auto _ : state) {
    absl::StatusOr<lmc::sim::Result> r = lmc::sim::simulate(*file, file->metadata().target(), options);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(r->totalCycles);
    replayed = r->replayedInstructions;
    copied = r->copiedInstructions;
    repeated = r->repeatedInstructions;
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(file->instructions().size()));
  const double n = double(std::max<size_t>(file->instructions().size(), 1));
  state.counters["replayed"] = double(replayed) / n;
  state.counters["copied"] = double(copied) / n;
  state.counters["repeated"] = double(repeated) / n;
}

void verifyBin(benchmark::State &state, const lmc::format::BinFile *file) {
  for (auto _ : state) {
    uint64_t total = 0;
    std::vector<lmc::sim::Violation> v = lmc::sim::verifySchedule(*file, 100, &total);
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(file->instructions().size()));
}

}  // namespace

int main(int argc, char **argv) {
  std::vector<std::unique_ptr<lmc::format::BinFile>> files;
  const char *bins = std::getenv("LMC_SIM_BENCH_BINS");
  for (const std::string &path : std::vector<std::string>(absl::StrSplit(bins ? bins : "", ':', absl::SkipEmpty()))) {
    auto f = lmc::format::BinFile::open(path);
    if (!f.ok()) {
      std::fprintf(stderr, "lmc_sim_bench: %s\n", std::string(f.status().message()).c_str());
      return 1;
    }
    files.push_back(std::move(*f));
    const lmc::format::BinFile *file = files.back().get();
    std::string name = path.substr(path.find_last_of('/') + 1);
    benchmark::RegisterBenchmark((name + "/timing+verify").c_str(), simulateBin, file, true, true)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((name + "/timing+verify/no-replay").c_str(), simulateBin, file,
                                 true, false)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((name + "/timing").c_str(), simulateBin, file, false, true)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((name + "/verify").c_str(), verifyBin, file)
        ->Unit(benchmark::kMillisecond);
  }
  if (files.empty())
    std::fprintf(stderr, "lmc_sim_bench: set LMC_SIM_BENCH_BINS=a.bin:b.bin (bench/sim_bench.sh does)\n");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
