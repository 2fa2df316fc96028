// The simulator's outputs: the text report, its JSON form and the Chrome
// trace-event file. Deterministic: fixed formats, no pointer-keyed order.
#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "simulator/Simulator.h"

namespace lmc::sim {
namespace {

const char *kDecodeNote =
    "for decode-step figures (tokens/s per generated token) compile the decoder's decode "
    "form with --kv-cache (docs/kv-cache.md)";
const char *kDecodeRule =
    "one run is one decode step; tokens/s = tokens per step / step latency; the static stream "
    "attends over every cache position at every step, so the figure holds for any position";
const char *kRooflineRule =
    "compute = busiest of MXM/VXM busy cycles per instance; memory = max(DRAM bytes / "
    "dram.bytes_per_cycle, SRAM bytes / sram.bytes_per_cycle); latency-bound when both are "
    "below half the total cycles, else the larger one";

std::string json(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string num(double v) {
  if (!std::isfinite(v))
    return "0";
  return absl::StrFormat("%.10g", v);
}

std::string bytesText(double b) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrFormat("%.0f B", b) : absl::StrFormat("%.2f %s", b, units[u]);
}

std::string timeText(double seconds) {
  if (seconds >= 1)
    return absl::StrFormat("%.3f s", seconds);
  if (seconds >= 1e-3)
    return absl::StrFormat("%.3f ms", seconds * 1e3);
  return absl::StrFormat("%.3f us", seconds * 1e6);
}

std::string energyText(double joules) {
  if (joules >= 1)
    return absl::StrFormat("%.3f J", joules);
  if (joules >= 1e-3)
    return absl::StrFormat("%.3f mJ", joules * 1e3);
  return absl::StrFormat("%.3f uJ", joules * 1e6);
}

const char *violationKind(Violation::Kind k) {
  switch (k) {
  case Violation::DoubleBooked:
    return "unit double-booked";
  case Violation::ReadBeforeWritten:
    return "read before written";
  case Violation::OverwrittenWhileLive:
    return "overwritten while live";
  }
  return "?";
}

// Peak SRAM occupancy in each of `buckets` equal parts of the run.
std::vector<uint64_t> sramBuckets(const Result &r, int buckets) {
  std::vector<uint64_t> out(buckets, 0);
  if (r.totalCycles == 0)
    return out;
  uint64_t prev = 0, prevCycle = 0;
  auto bucketOf = [&](uint64_t c) {
    return std::min<int>(buckets - 1, int(double(c) / double(r.totalCycles) * buckets));
  };
  for (const auto &[cycle, bytes] : r.sramTimeline) {
    // The level `prev` held over [prevCycle, cycle).
    for (int b = bucketOf(prevCycle); b <= bucketOf(cycle ? cycle - 1 : 0); ++b)
      out[b] = std::max(out[b], prev);
    out[bucketOf(cycle)] = std::max(out[bucketOf(cycle)], bytes);
    prev = bytes;
    prevCycle = cycle;
  }
  return out;
}

// One row of a node table: its cycles, their share of `whole`, its
// instructions, name and op type.
void appendNodeRow(std::string &t, const NodeTime &n, uint64_t whole) {
  absl::StrAppend(&t, absl::StrFormat("  %12u cycles %6.2f%%  %5u instr  %s (%s)\n", n.cycles,
                                      whole ? 100.0 * double(n.cycles) / double(whole) : 0.0,
                                      n.instructions,
                                      n.name.empty() ? "<compiler-made>" : n.name, n.opType));
}

std::string nodesJson(const std::vector<NodeTime> &nodes) {
  std::string j = "[";
  for (size_t k = 0; k < nodes.size(); ++k) {
    const NodeTime &n = nodes[k];
    absl::StrAppend(&j, k ? ", " : "", "{\"node\": ", json(n.name), ", \"op_type\": ",
                    json(n.opType), ", \"instructions\": ", n.instructions,
                    ", \"cycles\": ", n.cycles, "}");
  }
  return j + "]";
}

// `busy` cycles as a percentage of the run.
double busyPercent(const Result &r, uint64_t busy) {
  return r.totalCycles ? 100.0 * double(busy) / double(r.totalCycles) : 0;
}

// The link network: totals and the busiest directed bundles.
std::string linksText(const Result &r) {
  if (r.links.empty())
    return "";
  std::string t = absl::StrCat(
      "links       ", r.links.size(), " directed link bundles used; ",
      bytesText(double(r.linkHopBytes)), " carried over hops (bytes x hops); ", r.linkWaitCount,
      " transfers waited ", r.linkWaitCycles, " cycles for a busy bundle; busiest:\n");
  std::vector<const LinkStats *> order;
  for (const LinkStats &l : r.links)
    order.push_back(&l);
  std::stable_sort(order.begin(), order.end(), [](const LinkStats *a, const LinkStats *b) {
    return a->busyCycles > b->busyCycles;
  });
  for (size_t k = 0; k < order.size() && k < 8; ++k) {
    const LinkStats &l = *order[k];
    absl::StrAppend(&t, absl::StrFormat("  chip %u -> %u  x%-2u links %6.2f%% busy  %u transfers  ",
                                        l.from, l.to, l.links, busyPercent(r, l.busyCycles), l.transfers),
                    bytesText(double(l.bytes)), ", waited ", l.waitCycles, " cycles\n");
  }
  return t;
}

std::string linksJson(const Result &r) {
  if (r.links.empty())
    return "";
  std::string j = absl::StrCat(", \"links\": {\"hop_bytes\": ", r.linkHopBytes,
                               ", \"wait_count\": ", r.linkWaitCount, ", \"wait_cycles\": ",
                               r.linkWaitCycles, ", \"bundles\": [");
  for (size_t k = 0; k < r.links.size(); ++k) {
    const LinkStats &l = r.links[k];
    absl::StrAppend(&j, k ? ", " : "", "{\"from\": ", l.from, ", \"to\": ", l.to,
                    ", \"links\": ", l.links, ", \"transfers\": ", l.transfers,
                    ", \"bytes\": ", l.bytes, ", \"busy_cycles\": ", l.busyCycles,
                    ", \"busy_percent\": ", num(busyPercent(r, l.busyCycles)),
                    ", \"wait_cycles\": ", l.waitCycles, "}");
  }
  return j + "]}";
}

// Trace events of the link network: a process after the chips' with one
// track per directed bundle and a slice per hop of each transfer.
std::string linksTrace(const Result &r, double usPerCycle) {
  if (r.links.empty())
    return "";
  const uint32_t pid = std::max<uint32_t>(r.chips, 1);
  auto ts = [&](uint64_t c) { return absl::StrFormat("%.4f", double(c) * usPerCycle); };
  std::string j = absl::StrCat(",\n{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": ", pid,
                               ", \"tid\": 0, \"args\": {\"name\": ",
                               json(absl::StrCat("links (", r.targetName, ")")), "}}");
  std::map<std::pair<uint32_t, uint32_t>, size_t> tid;
  for (const LinkStats &l : r.links) {
    const size_t t = tid.size() + 1;
    tid[{l.from, l.to}] = t;
    absl::StrAppend(&j, ",\n{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": ", pid,
                    ", \"tid\": ", t, ", \"args\": {\"name\": ",
                    json(absl::StrCat("chip ", l.from, " -> ", l.to, " (x", l.links, ")")), "}}");
  }
  for (const LinkSlice &s : r.linkSlices)
    absl::StrAppend(&j, ",\n{\"name\": \"copy\", \"cat\": \"link\", \"ph\": \"X\", \"pid\": ", pid,
                    ", \"tid\": ", tid[{s.from, s.to}], ", \"ts\": ", ts(s.start),
                    ", \"dur\": ", ts(s.cycles), ", \"args\": {\"instruction\": ", s.instruction,
                    ", \"hop\": ", s.hop + 1, ", \"hops\": ", s.hops, ", \"bytes\": ", s.bytes,
                    "}}");
  return j;
}

}  // namespace

std::string textReport(const format::BinFile &file, const Result &r) {
  std::string t;
  if (!r.timed) {
    absl::StrAppend(&t, file.path(), ": target '", r.targetName,
                    "' has no machine model (OPERATOR granularity, no clock): no timing, SRAM "
                    "or energy figures; compile for a TILE target (lpu, ara2, FILE.textproto) to "
                    "simulate time\n");
    absl::StrAppend(&t, "instructions ", r.instructions, "\n");
    return t;
  }
  absl::StrAppend(&t, file.path(), " on ", r.targetName, " (", num(r.clockMhz), " MHz): ",
                  r.instructions, " instructions\n");
  absl::StrAppend(&t, "latency     ", r.totalCycles, " cycles = ", timeText(r.latencySeconds),
                  " (compiler's schedule: ", r.scheduleCycles, " cycles)\n");
  if (r.decode)
    absl::StrAppend(&t, "decode      ", r.seq, " token", r.seq == 1 ? "" : "s",
                    " per step: step latency ", timeText(r.latencySeconds), ", ",
                    num(r.tokensPerSecond), " tokens/s (", kDecodeRule, "); KV cache ",
                    bytesText(double(r.stateBytes)), " for ", r.maxContext, " positions in ",
                    r.stateInDram ? "DRAM" : "SRAM", "\n");
  else if (r.seq > 0)
    absl::StrAppend(&t, "prefill     ", r.seq, " tokens: ", num(r.tokensPerSecond),
                    " tokens/s (seq / latency); time to first token ",
                    timeText(r.latencySeconds), "; ", kDecodeNote, "\n");
  absl::StrAppend(&t, "stalls      ", r.stalls[1] + r.stalls[2],
                  " instructions issued after their static cycle: ", r.stalls[1],
                  " waiting for a unit, ", r.stalls[2],
                  " for operands (lateness summed over them: ", r.stallCycles[1], " and ",
                  r.stallCycles[2], " cycles; one delay counts again in every instruction it "
                  "pushes back); DRAM contention stretched ", r.contentionCount,
                  " instructions by ", r.contentionCycles, " cycles, SRAM slice contention ",
                  r.sramContentionCount, " by ", r.sramContentionCycles, "; end to end ",
                  int64_t(r.totalCycles) - int64_t(r.scheduleCycles),
                  " cycles vs the static schedule\n");
  absl::StrAppend(&t, "units       busy%   instructions  busy cycles\n");
  for (const UnitStats &u : r.units) {
    double pct = r.totalCycles ? 100.0 * double(u.busyCycles) / (double(u.count) * r.totalCycles)
                               : 0;
    absl::StrAppend(&t, absl::StrFormat("  %-4s x%-3u %6.2f%%  %12u  %11u\n", u.name, u.count, pct,
                                        u.instructions, u.busyCycles));
  }
  if (r.chips > 1) {
    const uint64_t capacity = r.sramCapacity / r.chips;
    absl::StrAppend(&t, "chips       ", r.chips, " (pipeline stages; SRAM: working bytes at the "
                        "chip's peak + its resident weights and KV caches, of one chip's ",
                    bytesText(double(capacity)), "); the longest chip is busy from its first "
                    "issue to its last finish for ", r.pipelineInterval, " cycles = ",
                    timeText(double(r.pipelineInterval) / (r.clockMhz * 1e6)),
                    ": a stream of inputs could start one that often (",
                    num(r.seq > 0 && r.pipelineInterval
                            ? double(r.seq) * r.clockMhz * 1e6 / double(r.pipelineInterval)
                            : 0),
                    " tokens/s pipelined; an estimate, one run is simulated)\n");
    for (size_t c = 0; c < r.chipStats.size(); ++c) {
      const ChipStats &cs = r.chipStats[c];
      std::vector<std::string> busy;
      for (const UnitStats &u : cs.units)
        busy.push_back(absl::StrFormat(
            "%s %.2f%%", u.name,
            r.totalCycles ? 100.0 * double(u.busyCycles) / (double(u.count) * r.totalCycles) : 0));
      const uint64_t used = cs.sramPeak + cs.residentBytes;
      absl::StrAppend(&t, "  chip ", c, "    ", cs.instructions, " instructions; busy ",
                      absl::StrJoin(busy, ", "), "; sram peak ", bytesText(double(cs.sramPeak)),
                      " + resident ", bytesText(double(cs.residentBytes)), " = ",
                      absl::StrFormat("%.2f", capacity ? 100.0 * double(used) / capacity : 0),
                      "%", used > capacity ? " EXCEEDS the capacity" : "", "; links sent ",
                      bytesText(double(cs.linkBytesSent)), "\n");
    }
    absl::StrAppend(&t, linksText(r));
  }
  double sramPct = r.sramCapacity ? 100.0 * double(r.sramPeak) / double(r.sramCapacity) : 0;
  absl::StrAppend(&t, "sram        peak ", bytesText(double(r.sramPeak)), " (",
                  absl::StrFormat("%.2f", sramPct), "% of ", bytesText(double(r.sramCapacity)),
                  ") at cycle ", r.sramPeakCycle, "; planned working space ",
                  bytesText(double(r.sramPlanned)),
                  r.sramPlanned > r.sramCapacity ? " EXCEEDS the capacity" : "", "\n");
  std::vector<uint64_t> buckets = sramBuckets(r, 10);
  std::vector<std::string> parts;
  for (uint64_t b : buckets)
    parts.push_back(r.sramCapacity ? absl::StrFormat("%.1f%%", 100.0 * double(b) / r.sramCapacity)
                                   : bytesText(double(b)));
  absl::StrAppend(&t, "  timeline  peak per tenth of the run: ", absl::StrJoin(parts, " "), "\n");
  if (r.sramGroupBytes) {
    std::vector<std::string> hot;
    for (const Result::SramGroupUse &g : r.sramHotGroups)
      hot.push_back(absl::StrFormat("%s %.1f%%", g.name, busyPercent(r, g.busyCycles)));
    absl::StrAppend(&t, "  slices    groups of ", r.sramStripeSlices, " slices (",
                    bytesText(double(r.sramGroupBytes)), ", ", num(r.sramGroupBandwidth),
                    " B/cycle each), ", r.sramGroupsUsed, " used; ", r.sramBoundCount,
                    " instructions bound by a group's bandwidth, ", r.sramContentionCount,
                    " stretched by sharing one (", r.sramContentionCycles,
                    " cycles); busiest: ", hot.empty() ? "none" : absl::StrJoin(hot, ", "),
                    r.sramLimit.empty() ? ""
                    : r.sramLimit == "aggregate"
                        ? "; BOUND by the aggregate SRAM bandwidth"
                        : "; BOUND by one slice group (a hot spot)",
                    "\n");
  }
  absl::StrAppend(&t, "traffic     dram ", bytesText(double(r.dramBytes)), ", sram ",
                  bytesText(double(r.sramBytes)), ", links ", bytesText(double(r.linkBytes)),
                  "\n");
  std::vector<std::string> macs;
  for (const auto &[dtype, count] : r.macsByDtype)
    macs.push_back(absl::StrCat(count, " ", dtype));
  const Energy &e = r.energy;
  absl::StrAppend(&t, "energy      ", energyText(e.totalJ), " per inference, average ",
                  num(e.averageWatts), " W (mac ", energyText(e.macPj * 1e-12), ", vector ",
                  energyText(e.vectorPj * 1e-12), ", sram ", energyText(e.sramPj * 1e-12),
                  ", dram ", energyText(e.dramPj * 1e-12), ", link ",
                  energyText(e.linkPj * 1e-12), ", static ", energyText(e.staticJ), ")\n");
  absl::StrAppend(&t, "  actions   MACs ", macs.empty() ? "0" : absl::StrJoin(macs, ", "),
                  "; vector ops ", r.vectorOps, "\n");
  absl::StrAppend(&t, "roofline    ", r.bound, "-bound: compute ", r.computeCycles,
                  " cycles, memory ", r.memoryCycles, " cycles of ", r.totalCycles, " (",
                  kRooflineRule, ")\n");
  if (r.violationCount == 0) {
    absl::StrAppend(&t, "schedule    verified: no unit double-booked, no operand read before "
                        "written, no bytes overwritten while live\n");
  } else {
    absl::StrAppend(&t, "schedule    ", r.violationCount, " violations",
                    r.violationCount > r.violations.size()
                        ? absl::StrCat(" (first ", r.violations.size(), " listed)")
                        : "",
                    ":\n");
    for (const Violation &v : r.violations)
      absl::StrAppend(&t, "  ", violationKind(v.kind), ": ", v.message, "\n");
  }
  absl::StrAppend(&t, "top operations by time (summed unit cycles per ONNX node):\n");
  uint64_t busy = 0;
  for (const UnitStats &u : r.units)
    busy += u.busyCycles;
  for (const NodeTime &n : r.topNodes)
    appendNodeRow(t, n, busy);
  const CriticalPath &c = r.critical;
  std::string units;
  for (const auto &[name, cycles] : c.cyclesByUnit)
    absl::StrAppend(&units, units.empty() ? "" : ", ", name, " ", cycles);
  absl::StrAppend(&t, "critical    path of ", c.instructions,
                  " instructions, each waiting for the one before (", c.dependenceLinks,
                  " for an operand, ", c.unitLinks, " for a unit), from cycle ", c.startCycle,
                  ": ", c.busyCycles, " cycles busy (", units, "; contention (DRAM sharing, link waits) ",
                  c.contentionCycles, ", SRAM slice contention ", c.sramContentionCycles,
                  "; slice-bound ", c.sramBoundCycles, ") + ",
                  c.staticWaitCycles,
                  " waiting for static cycles = ", c.startCycle + c.busyCycles + c.staticWaitCycles,
                  "; by ONNX node:\n");
  for (const NodeTime &n : c.topNodes)
    appendNodeRow(t, n, r.totalCycles);
  return t;
}

std::string jsonReport(const format::BinFile &file, const Result &r) {
  std::string j = "{";
  absl::StrAppend(&j, "\"file\": ", json(file.path()), ", \"target\": ", json(r.targetName),
                  ", \"timed\": ", r.timed ? "true" : "false", ", \"instructions\": ",
                  r.instructions);
  if (!r.timed) {
    absl::StrAppend(&j, ", \"note\": ",
                    json("the target has no machine model (OPERATOR granularity): no timing"));
  } else {
    absl::StrAppend(&j, ", \"clock_mhz\": ", num(r.clockMhz), ", \"cycles\": ", r.totalCycles,
                    ", \"schedule_cycles\": ", r.scheduleCycles,
                    ", \"latency_s\": ", num(r.latencySeconds));
    if (r.decode)
      absl::StrAppend(&j, ", \"decode\": {\"tokens_per_step\": ", r.seq,
                      ", \"step_latency_s\": ", num(r.latencySeconds),
                      ", \"tokens_per_s\": ", num(r.tokensPerSecond),
                      ", \"max_context\": ", r.maxContext, ", \"state_bytes\": ", r.stateBytes,
                      ", \"state_in\": ", json(r.stateInDram ? "dram" : "sram"),
                      ", \"rule\": ", json(kDecodeRule), "}");
    else if (r.seq > 0)
      absl::StrAppend(&j, ", \"prefill\": {\"seq\": ", r.seq,
                      ", \"tokens_per_s\": ", num(r.tokensPerSecond),
                      ", \"time_to_first_token_s\": ", num(r.latencySeconds),
                      ", \"decode_note\": ", json(kDecodeNote), "}");
    absl::StrAppend(&j, ", \"stalls\": {\"unit_busy\": ", r.stalls[1],
                    ", \"unit_busy_cycles\": ", r.stallCycles[1], ", \"dependence\": ", r.stalls[2],
                    ", \"dependence_cycles\": ", r.stallCycles[2],
                    ", \"dram_contention\": ", r.contentionCount,
                    ", \"dram_contention_cycles\": ", r.contentionCycles,
                    ", \"sram_contention\": ", r.sramContentionCount,
                    ", \"sram_contention_cycles\": ", r.sramContentionCycles, "}");
    if (r.sramGroupBytes) {
      absl::StrAppend(&j, ", \"sram_slices\": {\"stripe_slices\": ", r.sramStripeSlices,
                      ", \"group_bytes\": ", r.sramGroupBytes,
                      ", \"group_bytes_per_cycle\": ", num(r.sramGroupBandwidth),
                      ", \"groups_used\": ", r.sramGroupsUsed,
                      ", \"bound_instructions\": ", r.sramBoundCount,
                      ", \"contention\": ", r.sramContentionCount,
                      ", \"contention_cycles\": ", r.sramContentionCycles,
                      ", \"limit\": ", json(r.sramLimit), ", \"busiest\": [");
      for (size_t k = 0; k < r.sramHotGroups.size(); ++k) {
        const Result::SramGroupUse &g = r.sramHotGroups[k];
        absl::StrAppend(&j, k ? ", " : "", "{\"group\": ", json(g.name),
                        ", \"instructions\": ", g.instructions,
                        ", \"busy_cycles\": ", g.busyCycles, ", \"busy_percent\": ",
                        num(busyPercent(r, g.busyCycles)),
                        "}");
      }
      absl::StrAppend(&j, "]}");
    }
    absl::StrAppend(&j, ", \"units\": [");
    for (size_t k = 0; k < r.units.size(); ++k) {
      const UnitStats &u = r.units[k];
      double pct = r.totalCycles
                       ? 100.0 * double(u.busyCycles) / (double(u.count) * r.totalCycles)
                       : 0;
      absl::StrAppend(&j, k ? ", " : "", "{\"name\": ", json(u.name), ", \"count\": ", u.count,
                      ", \"instructions\": ", u.instructions, ", \"busy_cycles\": ", u.busyCycles,
                      ", \"busy_percent\": ", num(pct), "}");
    }
    absl::StrAppend(&j, "]");
    if (r.chips > 1) {
      absl::StrAppend(&j, ", \"chip_count\": ", r.chips, ", \"pipeline_interval_cycles\": ",
                      r.pipelineInterval, ", \"chips\": [");
      for (size_t c = 0; c < r.chipStats.size(); ++c) {
        const ChipStats &cs = r.chipStats[c];
        absl::StrAppend(&j, c ? ", " : "", "{\"chip\": ", c, ", \"instructions\": ",
                        cs.instructions, ", \"busy_percent\": {");
        for (size_t k = 0; k < cs.units.size(); ++k) {
          const UnitStats &u = cs.units[k];
          double pct = r.totalCycles
                           ? 100.0 * double(u.busyCycles) / (double(u.count) * r.totalCycles)
                           : 0;
          absl::StrAppend(&j, k ? ", " : "", json(u.name), ": ", num(pct));
        }
        absl::StrAppend(&j, "}, \"sram_peak_bytes\": ", cs.sramPeak, ", \"sram_peak_cycle\": ",
                        cs.sramPeakCycle, ", \"sram_planned_bytes\": ", cs.sramPlanned,
                        ", \"resident_bytes\": ", cs.residentBytes, ", \"capacity_bytes\": ",
                        r.sramCapacity / r.chips, ", \"link_bytes_sent\": ", cs.linkBytesSent,
                        ", \"first_issue_cycle\": ", cs.instructions ? cs.firstIssue : 0,
                        ", \"last_finish_cycle\": ", cs.lastFinish,
                        "}");
      }
      absl::StrAppend(&j, "]", linksJson(r));
    }
    std::vector<std::string> tl;
    for (uint64_t b : sramBuckets(r, 10))
      tl.push_back(absl::StrCat(b));
    absl::StrAppend(&j, ", \"sram\": {\"peak_bytes\": ", r.sramPeak,
                    ", \"peak_cycle\": ", r.sramPeakCycle, ", \"capacity_bytes\": ", r.sramCapacity,
                    ", \"planned_bytes\": ", r.sramPlanned, ", \"timeline_peak_bytes\": [",
                    absl::StrJoin(tl, ", "), "]}");
    absl::StrAppend(&j, ", \"traffic\": {\"dram_bytes\": ", r.dramBytes,
                    ", \"sram_bytes\": ", r.sramBytes, ", \"link_bytes\": ", r.linkBytes, "}");
    std::vector<std::string> macs;
    for (const auto &[dtype, count] : r.macsByDtype)
      macs.push_back(absl::StrCat(json(dtype), ": ", count));
    const Energy &e = r.energy;
    absl::StrAppend(&j, ", \"actions\": {\"macs\": {", absl::StrJoin(macs, ", "),
                    "}, \"vector_ops\": ", r.vectorOps, "}");
    absl::StrAppend(&j, ", \"energy\": {\"total_j\": ", num(e.totalJ),
                    ", \"average_w\": ", num(e.averageWatts), ", \"mac_j\": ", num(e.macPj * 1e-12),
                    ", \"vector_j\": ", num(e.vectorPj * 1e-12), ", \"sram_j\": ",
                    num(e.sramPj * 1e-12), ", \"dram_j\": ", num(e.dramPj * 1e-12),
                    ", \"link_j\": ", num(e.linkPj * 1e-12), ", \"static_j\": ", num(e.staticJ),
                    "}");
    absl::StrAppend(&j, ", \"roofline\": {\"class\": ", json(r.bound),
                    ", \"compute_cycles\": ", r.computeCycles,
                    ", \"memory_cycles\": ", r.memoryCycles, ", \"rule\": ", json(kRooflineRule),
                    "}");
    absl::StrAppend(&j, ", \"violation_count\": ", r.violationCount, ", \"violations\": [");
    for (size_t k = 0; k < r.violations.size(); ++k) {
      const Violation &v = r.violations[k];
      absl::StrAppend(&j, k ? ", " : "", "{\"kind\": ", json(violationKind(v.kind)),
                      ", \"instruction\": ", v.index, ", \"other\": ", v.other,
                      ", \"cycle\": ", v.cycle, ", \"message\": ", json(v.message), "}");
    }
    absl::StrAppend(&j, "], \"top_nodes\": ", nodesJson(r.topNodes));
    const CriticalPath &c = r.critical;
    absl::StrAppend(&j, ", \"critical_path\": {\"instructions\": ", c.instructions,
                    ", \"start_cycle\": ", c.startCycle, ", \"busy_cycles\": ", c.busyCycles,
                    ", \"contention_cycles\": ", c.contentionCycles,
                    ", \"sram_contention_cycles\": ", c.sramContentionCycles,
                    ", \"sram_bound_cycles\": ", c.sramBoundCycles,
                    ", \"static_wait_cycles\": ", c.staticWaitCycles,
                    ", \"dependence_links\": ", c.dependenceLinks,
                    ", \"unit_links\": ", c.unitLinks, ", \"busy_cycles_by_unit\": {");
    for (size_t k = 0; k < c.cyclesByUnit.size(); ++k)
      absl::StrAppend(&j, k ? ", " : "", json(c.cyclesByUnit[k].first), ": ",
                      c.cyclesByUnit[k].second);
    absl::StrAppend(&j, "}, \"top_nodes\": ", nodesJson(c.topNodes), "}");
  }
  absl::StrAppend(&j, ", \"functional\": ", r.functional ? "true" : "false", "}\n");
  return j;
}

std::string traceJson(const format::BinFile &file, const Result &r) {
  std::string j = "{\"displayTimeUnit\": \"ns\", \"otherData\": {\"file\": ";
  absl::StrAppend(&j, json(file.path()), ", \"target\": ", json(r.targetName),
                  ", \"clock_mhz\": ", num(r.clockMhz), "}, \"traceEvents\": [\n");
  // One process per chip.
  for (uint32_t chip = 0; chip < std::max<uint32_t>(r.chips, 1); ++chip)
    absl::StrAppend(&j, chip ? ",\n" : "", "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": ",
                    chip, ", \"tid\": 0, \"args\": {\"name\": ",
                    json(absl::StrCat("chip ", chip, " (", r.targetName, ")")), "}}");
  if (!r.timed || r.clockMhz <= 0) {
    absl::StrAppend(&j, "\n]}\n");
    return j;
  }
  const double usPerCycle = 1.0 / r.clockMhz;
  auto ts = [&](uint64_t c) { return absl::StrFormat("%.4f", double(c) * usPerCycle); };
  // One track per unit instance of a chip: tid = 1 + position in (unit,
  // instance) order, the same in every chip's process.
  const uint32_t chips = std::max<uint32_t>(r.chips, 1);
  std::vector<uint32_t> firstTid(8, 0);
  for (uint32_t chip = 0; chip < chips; ++chip) {
    uint32_t tid = 1;
    for (const UnitStats &u : r.units) {
      format::UnitKind kind = format::UNIT_UNSPECIFIED;
      format::UnitKind_Parse(u.name, &kind);
      firstTid[kind] = tid;
      for (uint32_t k = 0; k < u.count / chips; ++k, ++tid) {
        absl::StrAppend(&j, ",\n{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": ", chip,
                        ", \"tid\": ", tid, ", \"args\": {\"name\": ",
                        json(absl::StrCat(u.name, " ", k)), "}}");
        absl::StrAppend(&j, ",\n{\"name\": \"thread_sort_index\", \"ph\": \"M\", \"pid\": ",
                        chip, ", \"tid\": ", tid, ", \"args\": {\"sort_index\": ", tid, "}}");
      }
    }
  }
  const auto &insts = file.instructions();
  const char *stallNames[] = {"none", "unit busy", "dependence"};
  auto onPath = r.critical.indices.begin();  // in file order
  for (size_t i = 0; i < r.timings.size(); ++i) {
    const bool critical = onPath != r.critical.indices.end() && *onPath == i;
    onPath += critical;
    const InstructionTiming &t = r.timings[i];
    const format::InstructionView &inst = insts[i];
    std::string node, opType;
    uint32_t loc = inst.header->location;
    if (loc < uint32_t(file.locations().locations_size())) {
      node = file.locations().locations(int(loc)).node_name();
      opType = file.locations().locations(int(loc)).op_type();
    }
    absl::StrAppend(&j, ",\n{\"name\": ", json(format::opcodeInfo(inst.opcode()).mnemonic),
                    ", \"cat\": ", json(format::UnitKind_Name(static_cast<format::UnitKind>(t.unitKind))),
                    ", \"ph\": \"X\", \"pid\": ", t.chip, ", \"tid\": ", firstTid[t.unitKind] + t.instance,
                    ", \"ts\": ", ts(t.issue), ", \"dur\": ", ts(t.finish - t.issue),
                    ", \"args\": {\"instruction\": ", i, ", \"node\": ", json(node),
                    ", \"op_type\": ", json(opType), ", \"static_cycle\": ", t.staticCycle,
                    ", \"issue_cycle\": ", t.issue, ", \"stall\": ",
                    json(stallNames[int(t.stall)]), ", \"dram_contention_cycles\": ",
                    t.contention, ", \"link_wait_cycles\": ", t.linkWait,
                    ", \"sram_contention_cycles\": ", t.sramContention,
                    ", \"critical_path\": ", critical ? "true" : "false", "}}");
  }
  absl::StrAppend(&j, linksTrace(r, usPerCycle));
  // Counters: SRAM occupancy (at most ~4000 samples: the max in each slot)
  // and DRAM bandwidth (bytes spread evenly over each instruction's time).
  const int kSlots = 2000;
  const double slot = std::max(1.0, double(r.totalCycles) / kSlots);
  {
    int lastSlot = -1;
    uint64_t slotMax = 0, lastEmitted = UINT64_MAX;
    uint64_t slotCycle = 0;
    auto emit = [&](uint64_t cycle, uint64_t bytes) {
      if (bytes == lastEmitted)
        return;
      lastEmitted = bytes;
      absl::StrAppend(&j, ",\n{\"name\": \"SRAM occupancy\", \"ph\": \"C\", \"pid\": 0, \"ts\": ",
                      ts(cycle), ", \"args\": {\"bytes\": ", bytes, "}}");
    };
    for (const auto &[cycle, bytes] : r.sramTimeline) {
      int s = int(double(cycle) / slot);
      if (s != lastSlot) {
        if (lastSlot >= 0)
          emit(slotCycle, slotMax);
        lastSlot = s;
        slotMax = bytes;
        slotCycle = cycle;
      } else {
        slotMax = std::max(slotMax, bytes);
      }
    }
    if (lastSlot >= 0)
      emit(slotCycle, slotMax);
  }
  std::vector<double> dram(kSlots + 1, 0.0);
  for (const InstructionTiming &t : r.timings) {
    if (!t.dramBytes || t.finish <= t.issue)
      continue;
    double perCycle = double(t.dramBytes) / double(t.finish - t.issue);
    double a = double(t.issue), b = double(t.finish);
    for (int s = int(a / slot); s <= kSlots && s * slot < b; ++s) {
      double lo = std::max(a, s * slot), hi = std::min(b, (s + 1) * slot);
      if (hi > lo)
        dram[s] += perCycle * (hi - lo);
    }
  }
  bool any = false;
  for (int s = 0; s <= kSlots; ++s) {
    if (dram[s] == 0 && !any)
      continue;
    any = true;
    // GB/s = bytes per cycle x cycles per second / 1e9.
    double gbps = dram[s] / slot * r.clockMhz * 1e6 / 1e9;
    absl::StrAppend(&j, ",\n{\"name\": \"DRAM bandwidth\", \"ph\": \"C\", \"pid\": 0, \"ts\": ",
                    ts(uint64_t(s * slot)), ", \"args\": {\"GB/s\": ", num(gbps), "}}");
  }
  absl::StrAppend(&j, "\n]}\n");
  return j;
}

}  // namespace lmc::sim
