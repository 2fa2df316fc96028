#!/usr/bin/python3
"""lmc against ONNX Runtime on one generated GPT-2-shaped model (bench/ort_compare.sh).

Generates the model with examples/gpt2/make_gpt2.py (a prefill form, and a
KV-cache decode form when lmc has KV-cache support), writes ORT's quantized
forms with bench/ort_prepare.py, compiles lmc's with `lmc compile --quant`,
checks that both engines compute the same logits, then times every cell
(precision x phase x threads) with `lmc bench` and bench/ort_bench.js,
interleaved: each round runs every cell once per engine, lmc and ORT in
alternating order, and a cell's figure is the median over rounds of each
round's median run. Prints a table of tokens/s and the ratio lmc / ORT.

Run it through bench/ort_compare.sh, which finds lmc and installs ORT.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable or "/usr/bin/python3"
MAKE_GPT2 = os.path.join(ROOT, "examples", "gpt2", "make_gpt2.py")

FULL = dict(layers=12, width=768, heads=12, vocab=50257, seq=128, ctx=1024, cache=128)
SMOKE = dict(layers=1, width=64, heads=4, vocab=256, seq=16, ctx=64, cache=16)
# Minimum cosine between lmc's and ORT's logits for the same model and
# scheme. ORT quantizes activations differently (int8: one asymmetric u8
# scale per tensor; int4: int8 per block of 32), so quantized cells agree
# less than f32 ones.
MIN_COSINE = {"fp32": 0.99999, "int8": 0.999, "int4": 0.995}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    """Runs cmd; on failure prints its output and raises."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if p.returncode != 0:
        log(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}{p.stderr}")
        raise SystemExit(1)
    return p.stdout


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return platform.processor() or "unknown"
    name = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
    flags = re.search(r"^flags\s*:\s*(.*)$", text, re.M)
    flags = set(flags.group(1).split()) if flags else set()
    isa = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_int8") if f in flags]
    return f"{name.group(1).strip() if name else 'unknown'} ({', '.join(isa) or 'no AVX2'})"


def stale(output, *inputs):
    if not os.path.exists(output):
        return True
    t = os.path.getmtime(output)
    return any(os.path.exists(i) and os.path.getmtime(i) > t for i in inputs)


class Engines:
    def __init__(self, args):
        self.lmc = args.lmc
        self.node = args.node
        self.env = dict(os.environ, NODE_PATH=args.node_path)
        self.ort_js = os.path.join(HERE, "ort_bench.js")

    def lmc_bench(self, binary, threads, runs, warmup, extra=()):
        out = run([self.lmc, "bench", binary, "--runs", str(runs), "--warmup", str(warmup),
                   "--threads", str(threads), "--json", *extra])
        r = json.loads(out)
        return r["median_ms"], r["min_ms"], r.get("cpu_median_ms", 0), r.get("kernels", "")

    def ort_bench(self, model, threads, runs, warmup, extra=()):
        out = run([self.node, self.ort_js, "--model", model, "--threads", str(threads),
                   "--runs", str(runs), "--warmup", str(warmup), *extra], env=self.env)
        r = json.loads(out.strip().splitlines()[-1])
        return r["median_ms"], r["min_ms"], r["cpu_median_ms"], r["version"]


def kv_supported(lmc):
    """Decode needs make_gpt2.py --kv-cache and lmc compile --kv-cache."""
    gen = subprocess.run([PY, MAKE_GPT2, "--help"], stdout=subprocess.PIPE, text=True).stdout
    comp = subprocess.run([lmc, "compile", "--help"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True).stdout
    missing = [w for w, text in (("examples/gpt2/make_gpt2.py --kv-cache", gen),
                                 ("lmc compile --kv-cache", comp)) if "--kv-cache" not in text]
    return missing


def prepare(args, shape, engines):
    """Generates models, ORT variants and lmc .bins; returns {(prec, phase): (onnx, bin)}."""
    os.makedirs(args.work, exist_ok=True)
    tag = "L{layers}_W{width}_H{heads}_V{vocab}".format(**shape)
    gen_common = ["--layers", str(shape["layers"]), "--width", str(shape["width"]),
                  "--heads", str(shape["heads"]), "--vocab", str(shape["vocab"]),
                  "--ctx", str(shape["ctx"]), "--external-data"]
    forms = {}
    if "prefill" in args.phases:
        forms["prefill"] = (f"{tag}_S{shape['seq']}", ["--seq", str(shape["seq"])], [])
    if "decode" in args.phases:
        forms["decode"] = (f"{tag}_kv{shape['cache']}",
                           ["--seq", "1", "--kv-cache", str(shape["cache"])], ["--kv-cache"])
    models = {}
    for phase, (name, gen_args, compile_args) in forms.items():
        f32 = os.path.join(args.work, name + ".onnx")
        if stale(f32, MAKE_GPT2):
            log(f"generating {f32}")
            run([PY, MAKE_GPT2, "-o", f32, *gen_common, *gen_args])
        onnx_of = {"fp32": f32}
        prep = os.path.join(HERE, "ort_prepare.py")
        for prec in ("int8", "int4"):
            if prec not in args.precisions:
                continue
            out = os.path.join(args.work, f"{name}_ort_{prec}.onnx")
            if stale(out, f32, prep):
                log(f"writing ORT's {prec} form {out}")
                run([PY, prep, f32, f"--{prec}", out, "--accuracy-level", str(args.accuracy_level)])
            onnx_of[prec] = out
        for prec in args.precisions:
            binary = os.path.join(args.work, f"{name}_{prec}.bin")
            if stale(binary, f32, args.lmc):
                log(f"compiling {binary}")
                quant = [] if prec == "fp32" else ["--quant", prec]
                run([args.lmc, "compile", f32, "-o", binary, *quant, *compile_args])
            models[(prec, phase)] = (onnx_of[prec], binary)
    return models


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def check(args, shape, models, engines):
    """lmc's and ORT's logits for the same tokens; returns False on a mismatch."""
    ok = True
    d = os.path.join(args.work, "check")
    os.makedirs(d, exist_ok=True)
    for (prec, phase), (onnx_path, binary) in sorted(models.items()):
        seq = shape["seq"] if phase == "prefill" else 1
        tokens = ((7 * np.arange(seq) + 3) % 100).reshape(1, seq).astype(np.int64)
        tok_path = os.path.join(d, f"tokens_{seq}.npy")
        np.save(tok_path, tokens)
        inputs = ["--input", f"tokens={tok_path}"]
        ort_extra = []
        if phase == "decode":  # one step at position 0 from an empty cache, for both
            pos_path = os.path.join(d, "position0.npy")
            np.save(pos_path, np.zeros([1], np.int64))
            inputs += ["--input", f"position={pos_path}"]
            ort_extra = ["--position", "0"]
        out_dir = os.path.join(d, f"{prec}_{phase}")
        run([args.lmc, "run", binary, *inputs, "--output-dir", out_dir])
        lmc_logits = np.load(os.path.join(out_dir, "logits.npy"))
        dump = os.path.join(d, f"{prec}_{phase}_ort.f32")
        engines.ort_bench(onnx_path, 1, 1, 0, ["--dump", dump, *ort_extra])
        ort_logits = np.fromfile(dump, dtype=np.float32)
        if ort_logits.size != lmc_logits.size:
            log(f"check {prec} {phase}: ORT gave {ort_logits.size} logits, lmc {lmc_logits.size}")
            ok = False
            continue
        c = cosine(lmc_logits, ort_logits)
        top1 = float(np.mean(lmc_logits.reshape(-1, shape["vocab"]).argmax(-1)
                             == ort_logits.reshape(-1, shape["vocab"]).argmax(-1)))
        good = c >= MIN_COSINE[prec]
        ok &= good
        log(f"check {prec:4} {phase:7}: logits cosine lmc vs ORT {c:.6f}, top-1 agreement "
            f"{top1:.0%}, max |diff| {np.abs(lmc_logits.ravel() - ort_logits).max():.3g}"
            f"{'' if good else f'  BELOW {MIN_COSINE[prec]}'}")
    return ok


def measure(args, shape, models, engines):
    cells = [(prec, phase, t) for phase in args.phases for prec in args.precisions
             for t in args.threads if (prec, phase) in models]
    plan = {}  # (cell, engine) -> (runs, warmup) after a pilot run
    samples = {(c, e): [] for c in cells for e in ("lmc", "ort")}
    mins = {(c, e): [] for c in cells for e in ("lmc", "ort")}
    cpus = {(c, e): [] for c in cells for e in ("lmc", "ort")}
    loads = [loadavg()]
    info = {}
    per_run = args.runs + args.warmup

    def bench(cell, engine, runs, warmup):
        prec, phase, threads = cell
        onnx_path, binary = models[(prec, phase)]
        if engine == "lmc":
            # A decode step at the last position (lmc bench fills the cache), as ORT runs it.
            extra = ["--position", str(shape["cache"] - 1)] if phase == "decode" else []
            med, lo, cpu, info["kernels"] = engines.lmc_bench(binary, threads, runs, warmup, extra)
        else:
            med, lo, cpu, info["ort"] = engines.ort_bench(onnx_path, threads, runs, warmup)
        return med, lo, cpu

    for cell in cells:
        for engine in ("lmc", "ort"):
            if args.smoke:
                plan[(cell, engine)] = (args.runs, args.warmup)
                continue
            # A pilot run sizes the rounds: a cell that takes longer than
            # --budget seconds per round gets fewer runs (at least one).
            pilot = bench(cell, engine, 1, 0)[0]
            budget_ms = args.budget * 1000
            if pilot * per_run <= budget_ms:
                plan[(cell, engine)] = (args.runs, args.warmup)
            else:
                plan[(cell, engine)] = (max(1, int(budget_ms // pilot)), 0)
    started = time.time()
    for r in range(args.rounds):
        for i, cell in enumerate(cells):
            order = ("lmc", "ort") if (r + i) % 2 == 0 else ("ort", "lmc")
            for engine in order:
                runs, warmup = plan[(cell, engine)]
                med, lo, cpu = bench(cell, engine, runs, warmup)
                samples[(cell, engine)].append(med)
                mins[(cell, engine)].append(lo)
                cpus[(cell, engine)].append(cpu)
        loads.append(loadavg())
        log(f"round {r + 1}/{args.rounds} done ({time.time() - started:.0f} s, load {loads[-1]:.2f})")
    rows = []
    for cell in cells:
        prec, phase, threads = cell
        tokens = shape["seq"] if phase == "prefill" else 1
        row = {"precision": prec, "phase": phase, "threads": threads, "tokens": tokens}
        for e in ("lmc", "ort"):
            ms = statistics.median(samples[(cell, e)])
            row[e] = {"median_ms": ms, "min_ms": min(mins[(cell, e)]),
                      "cpu_ms": statistics.median(cpus[(cell, e)]),
                      "tokens_per_s": tokens / (ms / 1000), "rounds": samples[(cell, e)],
                      "runs": plan[(cell, e)][0], "warmup": plan[(cell, e)][1]}
        row["ratio"] = row["lmc"]["tokens_per_s"] / row["ort"]["tokens_per_s"]
        # CPU time per run is a latency only on one thread (ORT's pool spins).
        cpu_known = row["lmc"]["cpu_ms"] > 0 and row["ort"]["cpu_ms"] > 0  # an lmc without cpu_median_ms
        row["cpu_ratio"] = row["ort"]["cpu_ms"] / row["lmc"]["cpu_ms"] if threads == 1 and cpu_known else None
        rows.append(row)
    return rows, loads, info


def fmt_ms(ms):
    return f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def fmt_ratio(x):
    return f"{x:.2f}" if x >= 0.1 else f"{x:.3f}"


def table(rows, pending, markdown):
    head = ["precision", "phase", "threads", "lmc ms", "lmc tok/s", "ORT ms", "ORT tok/s", "lmc/ORT",
            "by CPU time"]
    body = []
    for r in rows:
        phase = f"prefill-{r['tokens']}" if r["phase"] == "prefill" else "decode"
        lruns = "" if r["lmc"]["runs"] >= 3 else f" ({r['lmc']['runs']} run{'s' if r['lmc']['runs'] > 1 else ''})"
        body.append([r["precision"], phase, str(r["threads"]), fmt_ms(r["lmc"]["median_ms"]) + lruns,
                     f"{r['lmc']['tokens_per_s']:.1f}", fmt_ms(r["ort"]["median_ms"]),
                     f"{r['ort']['tokens_per_s']:.1f}", fmt_ratio(r["ratio"]),
                     "" if r["cpu_ratio"] is None else fmt_ratio(r["cpu_ratio"])])
    for prec, phase, reason in pending:
        body.append([prec, phase, "", "", "", "", "", reason, ""])
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(b) + " |" for b in body]
        return "\n".join(lines)
    widths = [max(len(x[i]) for x in [head] + body if i < len(x)) for i in range(len(head))]
    widths[-2] = len(head[-2])
    fmt = lambda cells: "  ".join(c.rjust(w) if j >= 2 else c.ljust(w)  # noqa: E731
                                  for j, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(b) for b in body])


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lmc", required=True, help="the lmc binary")
    p.add_argument("--node", default="node")
    p.add_argument("--node-path", required=True, help="the node_modules holding onnxruntime-node")
    p.add_argument("--work", required=True, help="directory for models and .bins (reused)")
    p.add_argument("--smoke", action="store_true",
                   help="a 1-layer tiny model, one round of one run, fails if the engines disagree")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    p.add_argument("--runs", type=int, default=5, help="timed runs per cell and round (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs before them (default 1)")
    p.add_argument("--budget", type=float, default=20.0,
                   help="seconds per cell and round; a slower cell gets fewer runs (default 20)")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--precisions", default="fp32,int8,int4")
    p.add_argument("--phases", default="prefill,decode")
    p.add_argument("--accuracy-level", type=int, default=4,
                   help="MatMulNBits accuracy_level for ORT's int4 (default 4: int8 activations)")
    p.add_argument("--no-check", action="store_true", help="skip the lmc-vs-ORT logits check")
    p.add_argument("--markdown", metavar="FILE", help="also write the table and setup as Markdown")
    p.add_argument("--json", metavar="FILE", help="also write every measurement as JSON")
    args = p.parse_args(argv)
    args.threads = [int(t) for t in args.threads.split(",")]
    args.precisions = args.precisions.split(",")
    args.phases = args.phases.split(",")
    if args.smoke:
        args.rounds, args.runs, args.warmup = 1, 1, 0
    bad = [x for x in args.precisions if x not in ("fp32", "int8", "int4")]
    bad += [x for x in args.phases if x not in ("prefill", "decode")]
    if bad:
        p.error(f"unknown precision or phase: {', '.join(bad)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    shape = SMOKE if args.smoke else FULL
    engines = Engines(args)
    pending = []
    if "decode" in args.phases:
        missing = kv_supported(args.lmc)
        if missing:
            reason = "decode: pending KV-cache support in lmc (no " + " / ".join(missing) + ")"
            log(reason)
            args.phases = [p for p in args.phases if p != "decode"]
            pending = [(prec, "decode", "pending KV-cache support in lmc") for prec in args.precisions]
    models = prepare(args, shape, engines)
    if not args.no_check and not check(args, shape, models, engines):
        log("lmc and ORT disagree on the logits (see above); the timings would compare different models")
        return 1
    load_start = loadavg()
    rows, loads, info = measure(args, shape, models, engines)
    model_desc = ("GPT-2-small-shaped" if not args.smoke else "smoke, tiny") + \
        " ({layers} layer(s), width {width}, {heads} heads, vocab {vocab}; prefill {seq} tokens, " \
        "decode 1 token with a {cache}-slot KV cache)".format(**shape)
    meta = [
        f"date: {datetime.date.today().isoformat()}",
        f"machine: {cpu_name()}, nproc {os.cpu_count()}, load average {min(loads + [load_start]):.1f}"
        f" to {max(loads + [load_start]):.1f} during the runs",
        f"model: {model_desc}",
        f"lmc: {info.get('kernels', '?')} kernels; ONNX Runtime {info.get('ort', '?')} (onnxruntime-node, CPU EP,"
        f" sequential, all graph optimizations, int4 accuracy_level {args.accuracy_level})",
        f"figures: median over {args.rounds} interleaved round(s) of each round's median of {args.runs}"
        f" run(s) after {args.warmup} warm-up (slow cells: fewer, see the ms column);"
        " tok/s = tokens per run / median; lmc/ORT = lmc tok/s / ORT tok/s (> 1: lmc faster);"
        " by CPU time = ORT's / lmc's median process CPU time per run (1 thread only)",
    ]
    print("\n".join(meta))
    print()
    print(table(rows, pending, markdown=False))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join("- " + m for m in meta) + "\n\n" + table(rows, pending, markdown=True) + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "rows": rows, "pending": pending, "loads": loads}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
