// The scheduling problem, the list scheduler and the schedule checker.
#include "passes/Scheduling/Problem.h"

#include <algorithm>
#include <queue>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace lmc::sched {

int Problem::addUnitKind(const std::string &name, int count) {
  units_.push_back({name, count});
  return static_cast<int>(units_.size()) - 1;
}

int Problem::addOperation(int unitKind, int64_t duration) {
  operations_.push_back({unitKind, duration});
  return static_cast<int>(operations_.size()) - 1;
}

void Problem::addHold(int op, int unitKind, int64_t cycles) {
  operations_[op].holdKind = unitKind;
  operations_[op].holdCycles = cycles;
}

void Problem::addDependence(int from, int to, int64_t latency) {
  dependences_.push_back({from, to, latency});
}

absl::Status Problem::check() const {
  int n = static_cast<int>(operations_.size());
  for (size_t u = 0; u < units_.size(); ++u)
    if (units_[u].count < 1)
      return absl::InvalidArgumentError(absl::StrCat("unit kind ", units_[u].name, " has no instance"));
  for (int i = 0; i < n; ++i) {
    const Operation &op = operations_[i];
    if (op.unitKind < 0 || op.unitKind >= static_cast<int>(units_.size()))
      return absl::InvalidArgumentError(absl::StrCat("operation ", i, " has an unknown unit kind"));
    if (op.duration < 1)
      return absl::InvalidArgumentError(absl::StrCat("operation ", i, " has duration ", op.duration));
    if (op.holdKind >= static_cast<int>(units_.size()) ||
        (op.holdKind >= 0 && (op.holdCycles < 1 || op.holdCycles > op.duration)))
      return absl::InvalidArgumentError(absl::StrCat("operation ", i, " holds unit kind ",
                                                     op.holdKind, " for ", op.holdCycles,
                                                     " of its ", op.duration, " cycles"));
  }
  for (const Dependence &d : dependences_) {
    if (d.from < 0 || d.to < 0 || d.from >= n || d.to >= n)
      return absl::InvalidArgumentError("a dependence names an unknown operation");
    if (d.from >= d.to)
      return absl::InvalidArgumentError(absl::StrCat(
          "dependence ", d.from, " -> ", d.to, " does not point forward in operation order"));
    if (d.latency < 0)
      return absl::InvalidArgumentError(absl::StrCat("dependence ", d.from, " -> ", d.to,
                                                     " has negative latency"));
  }
  return absl::OkStatus();
}

Schedule listSchedule(const Problem &problem) {
  const auto &ops = problem.operations();
  int n = static_cast<int>(ops.size());
  std::vector<std::vector<const Dependence *>> succs(n), preds(n);
  for (const Dependence &d : problem.dependences()) {
    succs[d.from].push_back(&d);
    preds[d.to].push_back(&d);
  }
  // Longest path to a sink; dependences point forward, so one reverse pass.
  std::vector<int64_t> priority(n, 0);
  for (int i = n - 1; i >= 0; --i) {
    priority[i] = ops[i].duration;
    for (const Dependence *d : succs[i])
      priority[i] = std::max(priority[i], d->latency + priority[d->to]);
  }
  Schedule s;
  s.start.assign(n, -1);
  s.instance.assign(n, -1);
  s.holdInstance.assign(n, -1);
  std::vector<int64_t> earliest(n, 0);
  std::vector<int> waiting(n);
  auto lower = [&](int a, int b) {  // true when a has lower priority than b
    return priority[a] != priority[b] ? priority[a] < priority[b] : a > b;
  };
  std::priority_queue<int, std::vector<int>, decltype(lower)> ready(lower);
  for (int i = 0; i < n; ++i) {
    waiting[i] = static_cast<int>(preds[i].size());
    if (!waiting[i])
      ready.push(i);
  }
  std::vector<std::vector<int64_t>> freeAt(problem.units().size());
  for (size_t u = 0; u < freeAt.size(); ++u)
    freeAt[u].assign(problem.units()[u].count, 0);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    std::vector<int64_t> &free = freeAt[ops[i].unitKind];
    int best = static_cast<int>(std::min_element(free.begin(), free.end()) - free.begin());
    s.start[i] = std::max(earliest[i], free[best]);
    s.instance[i] = best;
    if (ops[i].holdKind >= 0) {
      std::vector<int64_t> &held = freeAt[ops[i].holdKind];
      int h = static_cast<int>(std::min_element(held.begin(), held.end()) - held.begin());
      s.start[i] = std::max(s.start[i], held[h]);
      s.holdInstance[i] = h;
      held[h] = s.start[i] + ops[i].holdCycles;
    }
    free[best] = s.start[i] + ops[i].duration;
    s.length = std::max(s.length, free[best]);
    for (const Dependence *d : succs[i]) {
      earliest[d->to] = std::max(earliest[d->to], s.start[i] + d->latency);
      if (--waiting[d->to] == 0)
        ready.push(d->to);
    }
  }
  return s;
}

absl::Status verify(const Problem &problem, const Schedule &s) {
  const auto &ops = problem.operations();
  size_t n = ops.size();
  if (s.start.size() != n || s.instance.size() != n)
    return absl::InvalidArgumentError("the schedule does not cover every operation");
  int64_t length = 0;
  // (start, end, operation) on each instance.
  std::vector<std::vector<std::tuple<int64_t, int64_t, int>>> perInstance;
  std::vector<size_t> base(problem.units().size() + 1, 0);
  for (size_t u = 0; u < problem.units().size(); ++u)
    base[u + 1] = base[u] + problem.units()[u].count;
  perInstance.resize(base.back());
  for (size_t i = 0; i < n; ++i) {
    const auto &unit = problem.units()[ops[i].unitKind];
    if (s.start[i] < 0)
      return absl::InvalidArgumentError(absl::StrCat("operation ", i, " is not scheduled"));
    if (s.instance[i] < 0 || s.instance[i] >= unit.count)
      return absl::InvalidArgumentError(absl::StrCat("operation ", i, " uses ", unit.name,
                                                     " instance ", s.instance[i], " of ", unit.count));
    perInstance[base[ops[i].unitKind] + s.instance[i]].push_back(
        {s.start[i], s.start[i] + ops[i].duration, static_cast<int>(i)});
    if (ops[i].holdKind >= 0) {
      const int h = s.holdInstance.size() == n ? s.holdInstance[i] : -1;
      if (h < 0 || h >= problem.units()[ops[i].holdKind].count)
        return absl::InvalidArgumentError(absl::StrCat(
            "operation ", i, " holds no instance of ", problem.units()[ops[i].holdKind].name));
      perInstance[base[ops[i].holdKind] + h].push_back(
          {s.start[i], s.start[i] + ops[i].holdCycles, static_cast<int>(i)});
    }
    length = std::max(length, s.start[i] + ops[i].duration);
  }
  for (const Dependence &d : problem.dependences())
    if (s.start[d.to] < s.start[d.from] + d.latency)
      return absl::InvalidArgumentError(absl::StrCat(
          "operation ", d.to, " starts at cycle ", s.start[d.to], " but depends on operation ",
          d.from, " (start ", s.start[d.from], ", latency ", d.latency, ")"));
  for (size_t at = 0; at < perInstance.size(); ++at) {
    auto &list = perInstance[at];
    const size_t kind = size_t(std::upper_bound(base.begin(), base.end(), at) - base.begin()) - 1;
    std::sort(list.begin(), list.end());
    for (size_t k = 1; k < list.size(); ++k) {
      auto [prevStart, prevEnd, prev] = list[k - 1];
      auto [start, end, cur] = list[k];
      if (start < prevEnd)
        return absl::InvalidArgumentError(absl::StrCat("operations ", prev, " and ", cur,
                                                       " overlap on one ",
                                                       problem.units()[kind].name,
                                                       " instance at cycle ", start));
    }
  }
  if (length != s.length)
    return absl::InvalidArgumentError(
        absl::StrCat("schedule length is ", s.length, ", operations end at ", length));
  return absl::OkStatus();
}

}  // namespace lmc::sched
