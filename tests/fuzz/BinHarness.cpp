// Fuzz harness of the .bin reader, the CPU executor and the simulator (no
// MLIR).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/format/Checksum.h"
#include "runtime/format/Reader.h"
#include "runtime/src/Session.h"
#include "simulator/Simulator.h"
#include "tests/fuzz/FuzzHarness.h"

namespace lmc::fuzz {

namespace {

uint64_t tensorBytes(const format::TensorInfo &t) {
  // The reader (F9) bounds these products.
  uint64_t n = format::dtypeSize(static_cast<format::DType>(t.dtype()));
  for (int64_t d : t.shape())
    n *= static_cast<uint64_t>(d);
  return n;
}

}  // namespace

bool runVerifiedBin(std::shared_ptr<const format::BinFile> file) {
  const format::Metadata &m = file->metadata();
  uint64_t total = 0;
  for (uint64_t part : {m.sram_bytes(), m.dram_bytes(), m.state_bytes()}) {
    if (part > kMaxRunBytes)
      return false;
    total += part;
  }
  for (const auto &t : file->io().inputs())
    total += 2 * tensorBytes(t);
  for (const auto &t : file->io().outputs())
    total += tensorBytes(t);
  if (total > kMaxRunBytes)
    return false;
  auto session = runtime::Session::create(std::move(file));
  if (!session.ok())
    return false;
  runtime::Session &s = **session;
  s.setNumThreads(1);  // deterministic and cheap; threading is not what is fuzzed here
  for (size_t i = 0; i < s.numInputs(); ++i) {
    std::vector<uint8_t> zeros(s.inputBytes(i), 0);
    if (!s.bindInput(i, zeros.data(), zeros.size()).ok()) {
      std::fprintf(stderr, "lmc fuzz: binding %zu zero bytes to input %zu failed\n", zeros.size(), i);
      std::abort();
    }
  }
  (void)s.run();  // may fail (an index out of range, ...); must not crash
  simulateVerifiedBin(s.file());
  return true;
}

void simulateVerifiedBin(const format::BinFile &file) {
  if (file.instructions().size() > kMaxSimulatedInstructions ||
      file.metadata().chips() > kMaxSimulatedChips)
    return;
  sim::Options options;
  options.functional = true;
  absl::StatusOr<sim::Result> r = sim::simulate(file, file.metadata().target(), options);
  if (!r.ok())
    return;
  (void)sim::textReport(file, *r);
  const std::string json = sim::jsonReport(file, *r);
  (void)sim::traceJson(file, *r);
  // Period replay must not change a result: the same report with every
  // instruction tracked (an oracle for the replay's checks and grafts).
  if (r->replayedInstructions > 0) {
    sim::Options full = options;
    full.replay = false;
    absl::StatusOr<sim::Result> f = sim::simulate(file, file.metadata().target(), full);
    if (!f.ok() || sim::jsonReport(file, *f) != json) {
      std::fprintf(stderr, "lmc fuzz: period replay changed the simulation's report\n");
      std::abort();
    }
  }
  (void)sim::simulateStream(file, file.metadata().target(), 2);
}

std::string runBin(const uint8_t *data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  const size_t at = offsetof(format::FileHeader, checksum);
  if (bytes.size() >= sizeof(format::FileHeader) && bytes.size() % 8 == 0) {
    uint64_t sum = format::checksum(bytes.data(), bytes.size(), at);
    std::memcpy(bytes.data() + at, &sum, sizeof sum);
  }
  auto file = format::BinFile::fromBytes("fuzz.bin", bytes.data(), bytes.size());
  if (!file.ok()) {
    std::string msg(file.status().message());
    if (msg.rfind("fuzz.bin: invalid .bin (F", 0) != 0) {
      std::fprintf(stderr, "lmc fuzz: reader error without a rule: %s\n", msg.c_str());
      std::abort();
    }
    return "rejected: " + msg;
  }
  return runVerifiedBin(std::shared_ptr<const format::BinFile>(std::move(*file)))
             ? "verified, ran"
             : "verified, not run (too large or not allocatable)";
}

}  // namespace lmc::fuzz
