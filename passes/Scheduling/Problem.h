// An IR-free static scheduling problem (operations, dependences with
// latencies, unit kinds with instance counts), a list scheduler and a
// checker, in the manner of CIRCT's scheduling library. The MLIR adapter is
// passes/Scheduling/ScheduleInstructions.cpp.
#ifndef LMC_PASSES_SCHEDULING_PROBLEM_H
#define LMC_PASSES_SCHEDULING_PROBLEM_H

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace lmc::sched {

struct Operation {
  int unitKind = 0;       // index into Problem::units
  int64_t duration = 1;   // cycles the operation occupies its unit instance
  // Optionally an instance of a second unit kind it holds from its start
  // for holdCycles (<= duration) cycles: the link bundle a chip-to-chip
  // transfer streams over while its C2C unit waits out the hop latency.
  int holdKind = -1;
  int64_t holdCycles = 0;
};

// `to` may start no earlier than `latency` cycles after `from` starts.
struct Dependence {
  int from = 0;
  int to = 0;
  int64_t latency = 0;
};

struct UnitKind {
  std::string name;
  int count = 1;  // identical instances; each runs one operation at a time
};

class Problem {
public:
  int addUnitKind(const std::string &name, int count);
  int addOperation(int unitKind, int64_t duration);
  void addDependence(int from, int to, int64_t latency);
  // Operation `op` also holds an instance of `unitKind` for its first
  // `cycles` cycles.
  void addHold(int op, int unitKind, int64_t cycles);

  const std::vector<UnitKind> &units() const { return units_; }
  const std::vector<Operation> &operations() const { return operations_; }
  const std::vector<Dependence> &dependences() const { return dependences_; }

  // The problem itself is well formed: indices in range, durations >= 1,
  // latencies >= 0, counts >= 1, holds of 1 to duration cycles on a known
  // unit kind, dependences acyclic and pointing forward in
  // index order (the adapter adds operations in a valid sequential order).
  absl::Status check() const;

private:
  std::vector<UnitKind> units_;
  std::vector<Operation> operations_;
  std::vector<Dependence> dependences_;
};

struct Schedule {
  std::vector<int64_t> start;   // issue cycle per operation
  std::vector<int> instance;    // unit instance per operation
  int64_t length = 0;           // max(start + duration)
  std::vector<int> holdInstance;  // instance of its hold kind (-1: none)
};

// List scheduling. Priority: the longest latency-weighted path from an
// operation to the end of the problem (critical path first); ties go to
// the lower operation index, so results are deterministic. Each operation,
// in priority order among the ready ones, starts at the earliest cycle its
// dependences allow on the instance of its unit kind that frees first
// (lowest instance index on ties), and no earlier than the instance of its
// hold kind that frees first.
Schedule listSchedule(const Problem &problem);

// Every operation has a start >= 0 and an instance < its kind's count;
// every dependence holds; no two operations overlap on one instance (of
// their unit kinds or, for their hold cycles, of their hold kinds); length
// is right. Errors name the operations and cycles involved.
absl::Status verify(const Problem &problem, const Schedule &schedule);

}  // namespace lmc::sched

#endif  // LMC_PASSES_SCHEDULING_PROBLEM_H
