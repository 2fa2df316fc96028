// The code paths the fuzzers exercise, shared by the libFuzzer targets and the replay test.
#ifndef LMC_TESTS_FUZZ_FUZZHARNESS_H
#define LMC_TESTS_FUZZ_FUZZHARNESS_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace lmc::format {
class BinFile;
}

namespace lmc::fuzz {

// Each run* function returns how far the input got ("rejected: <error>",
// "ran", ...), which the replay driver prints.

// Working memory (spaces + IO) above which a verified .bin is not run: a
// 64-byte file may legally ask for gigabytes, which is not a bug.
inline constexpr uint64_t kMaxRunBytes = 64ull << 20;

// Verifies `data` as a .bin, with its checksum (F4) fixed up first so that
// mutations reach the later rules; when it verifies, runs it once on zeroed
// inputs. Aborts only on a broken contract (an error that is not a
// "<name>: invalid .bin (F...)" message); memory errors are the sanitizers'.
std::string runBin(const uint8_t *data, size_t size);

// Instructions and chips above which a verified .bin is not simulated (its
// per-chip unit tables may legally take gigabytes).
inline constexpr size_t kMaxSimulatedInstructions = 20000;
inline constexpr uint32_t kMaxSimulatedChips = 64;

// Creates a session for a verified file and runs it on zeroed inputs,
// unless it needs more than kMaxRunBytes; then simulates it
// (simulateVerifiedBin). Returns true if it ran.
bool runVerifiedBin(std::shared_ptr<const format::BinFile> file);

// `lmc simulate`'s path on a verified file and its embedded target:
// simulate (timing, verification, functional), the text, JSON and trace
// reports, and a stream of two inputs; errors are expected, crashes are
// bugs.
void simulateVerifiedBin(const format::BinFile &file);

// Loads `data` as an ONNX model (loadOnnxModelFromBytes), imports it to
// lmc_graph, runs the cpu pipeline as `lmc compile` does, emits the .bin to
// a temporary file, reads it back and runs it. With LMC_FUZZ_STRICT=1 in the
// environment, a .bin that the compiler emits and the reader rejects aborts.
// The target is the built-in cpu one, as in `lmc compile` by default.
std::string runOnnx(const uint8_t *data, size_t size);

// Parses and validates `data` as a target .textproto (format::parseTarget).
// Aborts if an error does not name the source.
std::string runTarget(const uint8_t *data, size_t size);

}  // namespace lmc::fuzz

#endif  // LMC_TESTS_FUZZ_FUZZHARNESS_H
