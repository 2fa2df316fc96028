// How much memory this machine can still give: the budget lmc checks a
// model against before loading or allocating it, so that too big a model
// is a clear error rather than a process killed by the OOM killer.
#ifndef LMC_RUNTIME_HOSTMEMORY_H
#define LMC_RUNTIME_HOSTMEMORY_H

#include <cstdint>
#include <optional>
#include <string>

namespace lmc::runtime {

// MemAvailable from /proc/meminfo (what can be allocated without swapping),
// or nothing where it is unknown.
std::optional<uint64_t> availableMemoryBytes();

// The budget: `limit` when it is not 0 (a --max-memory), else the available
// memory; nothing when neither is known.
std::optional<uint64_t> memoryBudget(uint64_t limit);

// "1.50 GB" (decimal units, as the other reports print).
std::string formatBytes(uint64_t bytes);

// Parses "512M", "8G", "2.5GB", "1000000" (bytes; K, M, G, T decimal, with
// an optional B) into bytes; false if malformed or 0.
bool parseByteSize(const std::string &text, uint64_t &bytes);

}  // namespace lmc::runtime

#endif  // LMC_RUNTIME_HOSTMEMORY_H
