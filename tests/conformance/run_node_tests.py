#!/usr/bin/python3
"""Run the ONNX backend node tests (libonnx-testdata) through `lmc compile` and `lmc run`.

For each selected case directory (model.onnx + test_data_set_*/input_*.pb,
output_*.pb) the harness turns shape-like inputs (Reshape's shape, Slice's
starts/ends/axes/steps, Reduce* axes, ...) into initializers, since lmc
compiles for static shapes; writes the other inputs as .npy; compiles and runs
the model with lmc; and compares every output: same shape and dtype, floats
within rtol=1e-3/atol=1e-5, everything else exactly.

A case is selected when all of its model's ops are in the supported set
(extended by --extra-ops, and by --ops, which also restricts the run to cases
of those ops). Expected
failures are listed in skipped.txt (`test_name  # reason`): a failure not
listed there fails the run, and so does a listed case that now passes, so the
list stays honest.

With --all, every case runs whatever its ops, and each is classified as passing or
failing with a reason: `unsupported op: NAMES`, `unsupported dtype: ...`, `compile error:
...`, `run error: ...`, `wrong values: ...` (or `harness: ...`). The expectations are
expected_failures.txt (`test_name  # reason`): a failing case not listed there, or a listed
case that passes, fails the run. --write-expected rewrites that file from the run and
--write-docs writes docs/ops.md (per operator: opsets and dtypes seen in the tests,
pass/total, status).

Usage:
  run_node_tests.py --lmc build/bin/lmc --data /usr/share/libonnx-testdata/data/node \
      --workdir /tmp/conf [--ops Add,MatMul] [--filter REGEX] [--jobs N] [-v]
  run_node_tests.py ... --write-skipped draft.txt   # list today's failures with reasons
  run_node_tests.py ... --all [--write-expected] [--write-docs]   # every case
"""

import argparse
import collections
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_DATA = "/usr/share/libonnx-testdata/data/node"

SUPPORTED_OPS = frozenset("""
    MatMul Gemm Add Sub Mul Div Pow Sqrt Reciprocal Neg Erf Tanh Sigmoid Relu
    ReduceMean ReduceSum ReduceMax LayerNormalization Softmax Gather Reshape
    Transpose Concat Split Slice Squeeze Unsqueeze Expand Where Equal Less Cast
    Trilu Range ConstantOfShape Constant Identity
    Abs And Exp Flatten Greater Log Max Min Not Or ReduceMin Shape Dropout
    Clip
    DequantizeLinear
    DynamicQuantizeLinear
    MatMulInteger
    QLinearMatMul
    QuantizeLinear
    Round
    ScatterElements""".split())

# Inputs (by position) whose values decide output shapes; lmc needs them as constants.
SHAPE_INPUTS = {
    "Reshape": (1,), "Expand": (1,), "Slice": (1, 2, 3, 4), "Squeeze": (1,), "Unsqueeze": (1,),
    "ReduceMean": (1,), "ReduceSum": (1,), "ReduceMax": (1,), "ReduceMin": (1,), "ReduceProd": (1,),
    "ReduceL1": (1,), "ReduceL2": (1,), "ReduceLogSum": (1,), "ReduceLogSumExp": (1,),
    "ReduceSumSquare": (1,), "Split": (1,), "Trilu": (1,), "Range": (0, 1, 2), "ConstantOfShape": (0,),
    "Tile": (1,), "Pad": (1, 2, 3), "TopK": (1,), "OneHot": (1,), "Resize": (1, 2, 3), "Upsample": (1,),
    "CumSum": (1,), "CenterCropPad": (1,),
}

# Element types a .npy can carry, so that lmc can be fed and read.
NPY_TYPES = {TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BOOL,
             TensorProto.INT8, TensorProto.INT16, TensorProto.INT32, TensorProto.INT64,
             TensorProto.UINT8, TensorProto.UINT16, TensorProto.UINT32, TensorProto.UINT64}
RTOL, ATOL = 1e-3, 1e-5


class CaseFailed(Exception):
    pass


# ---------------------------------------------------------------- selection

def model_ops(model):
    """Op types of the model's nodes; ops of other domains are prefixed with theirs."""
    return {n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}" for n in model.graph.node}


def load_model(case_dir):
    return onnx.load(os.path.join(case_dir, "model.onnx"), load_external_data=False)


def primary_op(name, ops, data_dir):
    """The op a case tests: its own op, or for an `_expanded` case its sibling's."""
    if name.endswith("_expanded"):
        sibling = os.path.join(data_dir, name[: -len("_expanded")])
        if os.path.isfile(os.path.join(sibling, "model.onnx")):
            return primary_op(os.path.basename(sibling), model_ops(load_model(sibling)), data_dir)
    main = sorted(ops - {"Constant"}) or sorted(ops)
    return "+".join(main)


def select_cases(data_dir, wanted_ops, extra_ops, pattern):
    """[(name, op)] of the cases to run, sorted by name."""
    allowed = SUPPORTED_OPS | set(wanted_ops or ()) | set(extra_ops)
    cases = []
    for name in sorted(os.listdir(data_dir)):
        case_dir = os.path.join(data_dir, name)
        if not os.path.isfile(os.path.join(case_dir, "model.onnx")):
            continue
        if pattern and not re.search(pattern, name):
            continue
        ops = model_ops(load_model(case_dir))
        if not ops <= allowed:
            continue
        op = primary_op(name, ops, data_dir)
        if wanted_ops and op not in wanted_ops:
            continue
        cases.append((name, op))
    return cases


def read_skipped(path):
    """{case name: reason} from `test_name  # reason` lines."""
    skipped = {}
    if not os.path.exists(path):
        return skipped
    with open(path) as f:
        for line in f:
            body, _, reason = line.partition("#")
            body = body.strip()
            if body:
                skipped[body] = reason.strip()
    return skipped


# ---------------------------------------------------------------- preparing a case

def read_tensor(path):
    tensor = TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def value_kind(value_info):
    """None if the value is a tensor a .npy can carry, else a reason."""
    kind = value_info.type.WhichOneof("value")
    if kind != "tensor_type":
        return f"'{value_info.name}' has {kind.replace('_type', '')} type, not a tensor"
    elem = value_info.type.tensor_type.elem_type
    if elem not in NPY_TYPES:
        return f"'{value_info.name}' has element type {TensorProto.DataType.Name(elem)}, which .npy cannot carry"
    return None


def data_sets(case_dir):
    return sorted(d for d in os.listdir(case_dir) if d.startswith("test_data_set_"))


def shape_like_inputs(model):
    """Names of graph inputs that feed a shape-deciding operand."""
    graph_inputs = {i.name for i in model.graph.input}
    names = set()
    for node in model.graph.node:
        for pos in SHAPE_INPUTS.get(node.op_type, ()):
            if pos < len(node.input) and node.input[pos] in graph_inputs:
                names.add(node.input[pos])
    return names


def prepare(case_dir, data_set, model, out_dir):
    """Writes the constant-folded model and input .npy files; returns (model path, {input: npy}, expected)."""
    initialized = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initialized]
    for vi in list(inputs) + list(model.graph.output):
        reason = value_kind(vi)
        if reason:
            raise CaseFailed(f"harness: {reason}")
    set_dir = os.path.join(case_dir, data_set)
    values = {vi.name: read_tensor(os.path.join(set_dir, f"input_{i}.pb")) for i, vi in enumerate(inputs)
              if os.path.exists(os.path.join(set_dir, f"input_{i}.pb"))}
    expected = [(vi.name, read_tensor(os.path.join(set_dir, f"output_{i}.pb")))
                for i, vi in enumerate(model.graph.output)]

    model = onnx.ModelProto.FromString(model.SerializeToString())
    constants = shape_like_inputs(model) & set(values)
    for name in sorted(constants):
        model.graph.initializer.append(numpy_helper.from_array(values.pop(name), name=name))
    kept = [vi for vi in model.graph.input if vi.name not in constants]
    del model.graph.input[:]
    model.graph.input.extend(kept)

    model_path = os.path.join(out_dir, "model.onnx")
    onnx.save(model, model_path)
    feeds = {}
    for i, (name, value) in enumerate(values.items()):
        feeds[name] = os.path.join(out_dir, f"input_{i}.npy")
        np.save(feeds[name], value)
    return model_path, feeds, expected


# ---------------------------------------------------------------- running a case

def first_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"


def run_lmc(args, timeout, what):
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CaseFailed(f"{what}: timed out after {timeout}s")
    if proc.returncode < 0 or proc.returncode >= 128:
        raise CaseFailed(f"{what}: crashed (exit {proc.returncode}): {first_line(proc.stderr)}")
    if proc.returncode != 0:
        raise CaseFailed(f"{what}: {first_line(proc.stderr)}")


def compare(name, got, want):
    if got.shape != want.shape:
        raise CaseFailed(f"output '{name}': shape {list(got.shape)}, expected {list(want.shape)}")
    if got.dtype != want.dtype:
        raise CaseFailed(f"output '{name}': dtype {got.dtype}, expected {want.dtype}")
    if np.issubdtype(want.dtype, np.floating):
        ok = np.isclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True)
        if not ok.all():
            bad = np.argwhere(~ok)[0]
            idx = tuple(bad)
            raise CaseFailed(f"output '{name}': {np.count_nonzero(~ok)}/{ok.size} elements differ; "
                             f"at {list(bad)} got {got[idx]!r}, expected {want[idx]!r}")
    elif not np.array_equal(got, want):
        bad = tuple(np.argwhere(got != want)[0]) if got.ndim else ()
        raise CaseFailed(f"output '{name}': values differ; at {list(bad)} got {got[bad]!r}, expected {want[bad]!r}")


def run_case(name, opts):
    """Runs every data set of one case; returns None on success or a one-line failure reason."""
    case_dir = os.path.join(opts.data, name)
    work = os.path.join(opts.workdir, name)
    shutil.rmtree(work, ignore_errors=True)
    try:
        model = load_model(case_dir)
        for data_set in data_sets(case_dir):
            out_dir = os.path.join(work, data_set)
            os.makedirs(out_dir)
            model_path, feeds, expected = prepare(case_dir, data_set, model, out_dir)
            binary = os.path.join(out_dir, "model.bin")
            run_lmc([opts.lmc, "compile", model_path, "-o", binary], opts.timeout, "compile")
            cmd = [opts.lmc, "run", binary, "--output-dir", os.path.join(out_dir, "out")]
            for input_name, path in feeds.items():
                cmd += ["--input", f"{input_name}={path}"]
            run_lmc(cmd, opts.timeout, "run")
            for out_name, want in expected:
                path = os.path.join(out_dir, "out", out_name.replace("/", "_") + ".npy")
                if not os.path.exists(path):
                    raise CaseFailed(f"run: no output file for '{out_name}'")
                compare(out_name, np.load(path), want)
    except CaseFailed as e:
        return str(e)
    except Exception as e:  # unreadable test data and the like; report, do not stop the run
        return f"harness: {type(e).__name__}: {e}"
    if not opts.keep:
        shutil.rmtree(work, ignore_errors=True)
    return None


# ---------------------------------------------------------------- reporting

def classify(failure, listed):
    if failure is None:
        return "xpass" if listed else "pass"
    return "skip" if listed else "fail"


def report(cases, results, skipped, verbose):
    """Prints per-case problems, per-op counts and totals; returns True if the run is clean."""
    per_op = collections.defaultdict(collections.Counter)
    totals = collections.Counter()
    for name, op in cases:
        status = classify(results[name], name in skipped)
        per_op[op][status] += 1
        totals[status] += 1
        if status == "fail":
            print(f"FAIL  {name} [{op}]: {results[name]}")
        elif status == "xpass":
            print(f"XPASS {name} [{op}]: now passes; remove it from skipped.txt ({skipped[name]})")
        elif verbose:
            detail = f": {results[name]}  (listed: {skipped[name]})" if status == "skip" else ""
            print(f"{status.upper():5s} {name} [{op}]{detail}")
    print()
    for op in sorted(per_op):
        c = per_op[op]
        extra = f", {c['xpass']} unexpectedly passed" if c["xpass"] else ""
        print(f"{op}: {c['pass']} passed, {c['fail']} failed, {c['skip']} skipped{extra}")
    print(f"\nTotal: {len(cases)} cases: {totals['pass']} passed, {totals['fail']} failed, "
          f"{totals['skip']} skipped (listed in skipped.txt), {totals['xpass']} unexpectedly passed")
    return totals["fail"] == 0 and totals["xpass"] == 0


def write_skipped(path, cases, results, skipped):
    """A draft skipped.txt: every failing case, keeping the reasons already written."""
    with open(path, "w") as f:
        for name, op in cases:
            if results[name] is not None:
                reason = skipped.get(name) or results[name].replace("\n", " ")[:160]
                f.write(f"{name}  # {reason}\n")


# ---------------------------------------------------------------- --all: every case, classified

FAILURE_CLASSES = ("unsupported op", "unsupported dtype", "compile error", "run error",
                   "wrong values", "harness")


def case_info(case_dir, data_dir):
    """(primary op, default-domain opset, sorted dtype names of the graph inputs/outputs)."""
    model = load_model(case_dir)
    op = primary_op(os.path.basename(case_dir), model_ops(model), data_dir)
    domain = op.rsplit(".", 1)[0] if "." in op else ""
    opset = next((o.version for o in model.opset_import
                  if o.domain == domain or (not domain and o.domain == "ai.onnx")), 0)
    initialized = {t.name for t in model.graph.initializer}
    dtypes = set()
    for vi in list(model.graph.input) + list(model.graph.output):
        if vi.name in initialized:
            continue
        kind = vi.type.WhichOneof("value")
        if kind == "tensor_type":
            dtypes.add(TensorProto.DataType.Name(vi.type.tensor_type.elem_type).lower())
        elif kind:
            dtypes.add(kind.replace("_type", ""))
    return op, opset, tuple(sorted(dtypes))


UNSUPPORTED_OPS = re.compile(r"operators lmc does not support: (.*?); 'lmc compile --help'")


def unsupported_ops(text):
    m = UNSUPPORTED_OPS.search(text)
    return sorted(set(re.findall(r"([\w.]+) \(opset", m.group(1)))) if m else None


def classify_failure(raw, name, opts):
    """`class: detail` for the one-line failure `raw` of case `name`, paths removed."""
    text = raw.replace(os.path.join(opts.workdir, name) + "/", "")
    text = text.replace(os.path.join(opts.data, name) + "/", "")
    text = re.sub(r"lmc (compile|run): error: ", "", text)
    text = re.sub(r"test_data_set_\d+/", "", text)
    ops = unsupported_ops(text)
    if ops:
        return "unsupported op: " + ", ".join(ops)
    if re.search(r"which \.npy cannot carry|not a tensor|cannot run on this runtime|element type|"
                 r"dtype|unsupported type", text) and not text.startswith("output "):
        return "unsupported dtype: " + re.sub(r"^(harness|compile|run): ", "", text)
    if text.startswith("compile: "):
        return "compile error: " + text[len("compile: "):]
    if text.startswith("run: "):
        return "run error: " + text[len("run: "):]
    if text.startswith("output "):
        return "wrong values: " + text
    return text if text.startswith("harness: ") else "harness: " + text


def run_case_all(name, opts):
    """run_case, and for a case the harness cannot even prepare, lmc's opinion of its ops."""
    failure = run_case(name, opts)
    if failure and failure.startswith("harness: "):
        try:
            proc = subprocess.run([opts.lmc, "compile", os.path.join(opts.data, name, "model.onnx"),
                                   "--emit", "graph", "-o", os.devnull],
                                  capture_output=True, text=True, timeout=opts.timeout)
            if unsupported_ops(proc.stderr):
                failure = "compile: " + first_line(proc.stderr)
        except subprocess.TimeoutExpired:
            pass
    return None if failure is None else classify_failure(failure, name, opts)


def report_all(cases, info, results, expected):
    """Per-op and total counts of an --all run; returns True if it matches `expected`."""
    per_op = collections.defaultdict(collections.Counter)
    totals, classes = collections.Counter(), collections.Counter()
    for name in cases:
        op = info[name][0]
        failure, listed = results[name], name in expected
        status = classify(failure, listed)
        per_op[op][status] += 1
        totals[status] += 1
        if failure:
            classes[failure.split(":")[0]] += 1
        if status == "fail":
            print(f"FAIL  {name} [{op}]: {failure}")
        elif status == "xpass":
            print(f"XPASS {name} [{op}]: now passes; remove it from expected_failures.txt")
    print()
    for op in sorted(per_op):
        c = per_op[op]
        n = sum(c.values())
        print(f"{op}: {c['pass'] + c['xpass']}/{n} passed"
              + (f", {c['skip']} expected failures" if c["skip"] else "")
              + (f", {c['fail']} UNEXPECTED failures" if c["fail"] else "")
              + (f", {c['xpass']} unexpectedly passed" if c["xpass"] else ""))
    passed = totals["pass"] + totals["xpass"]
    print(f"\nTotal: {len(cases)} cases: {passed} passed, {len(cases) - passed} failed "
          f"({totals['skip']} expected, {totals['fail']} unexpected), "
          f"{totals['xpass']} unexpectedly passed")
    print("Failures by class: " + ", ".join(f"{k}: {classes[k]}" for k in FAILURE_CLASSES if classes[k]))
    return totals["fail"] == 0 and totals["xpass"] == 0


def write_expected(path, cases, results):
    with open(path, "w") as f:
        f.write("# Expected failures of `run_node_tests.py --all` over every ONNX backend node test\n"
                "# (generated with --all --write-expected; do not edit by hand). `case  # reason`.\n"
                "# The conformance_all test fails when a case not listed fails or a listed case passes.\n")
        for name in cases:
            if results[name] is not None:
                f.write(f"{name}  # {results[name].replace(chr(10), ' ')[:200]}\n")


def write_docs(path, cases, info, results, lmc):
    """docs/ops.md: one row per operator tested by the node tests."""
    help_text = subprocess.run([lmc, "compile", "--help"], capture_output=True, text=True).stdout
    m = re.search(r"Supported operators: ([^.]*)\.", " ".join(help_text.split()))
    supported = set(o.strip() for o in m.group(1).split(",")) if m else set()
    rows = collections.defaultdict(lambda: {"opsets": set(), "dtypes": set(), "pass": 0, "total": 0,
                                            "pass_dtypes": set(), "classes": collections.Counter()})
    for name in cases:
        op, opset, dtypes = info[name]
        row = rows[op]
        row["opsets"].add(opset)
        row["dtypes"].update(dtypes)
        row["total"] += 1
        if results[name] is None:
            row["pass"] += 1
            row["pass_dtypes"].update(dtypes)
        else:
            row["classes"][results[name].split(":")[0]] += 1
    total_pass = sum(r["pass"] for r in rows.values())
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("# ONNX operators: conformance of lmc\n\n"
                "Generated by `tests/conformance/run_node_tests.py --all --write-docs` from the ONNX\n"
                "backend node tests of Debian's `libonnx-testdata` (onnx 1.12); do not edit by hand.\n"
                "Each case is compiled with `lmc compile` (cpu target) and run with `lmc run`; outputs\n"
                f"must match within rtol {RTOL:g} / atol {ATOL:g} (exactly for non-floats). The reason of\n"
                "every failing case is in `tests/conformance/expected_failures.txt`.\n\n"
                f"Total: **{total_pass}/{len(cases)}** cases pass, over {len(rows)} operators "
                "(a case's operator is the one it tests; `A+B` when a case tests several).\n\n"
                "Status: *supported* (every case passes), *partial* (some pass), *failing* (lmc accepts\n"
                "the operator but no case passes), *unsupported* (lmc rejects the operator).\n\n"
                "| operator | opsets in tests | dtypes (passing in bold) | pass/total | status | failures |\n"
                "|---|---|---|---|---|---|\n")
        for op in sorted(rows, key=str.lower):
            r = rows[op]
            if r["pass"] == r["total"]:
                status = "supported"
            elif r["pass"]:
                status = "partial"
            elif all(o in supported for o in op.split("+")):
                status = "failing"
            else:
                status = "unsupported"
            dtypes = ", ".join(f"**{d}**" if d in r["pass_dtypes"] else d for d in sorted(r["dtypes"]))
            fails = ", ".join(f"{k} {v}" for k, v in sorted(r["classes"].items()))
            opsets = ", ".join(str(o) for o in sorted(r["opsets"]))
            f.write(f"| {op} | {opsets} | {dtypes} | {r['pass']}/{r['total']} | {status} | {fails} |\n")
        untested = sorted(supported - {o for op in rows for o in op.split("+")})
        if untested:
            f.write("\nSupported by lmc with no node test of their own: " + ", ".join(untested) + ".\n")


def main_all(opts):
    cases = sorted(name for name in os.listdir(opts.data)
                   if os.path.isfile(os.path.join(opts.data, name, "model.onnx"))
                   and (not opts.filter or re.search(opts.filter, name)))
    if not cases:
        print("no cases selected", file=sys.stderr)
        return 1
    info = {name: case_info(os.path.join(opts.data, name), opts.data) for name in cases}
    expected = read_skipped(opts.expected)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        futures = {name: pool.submit(run_case_all, name, opts) for name in cases}
        results = {name: f.result() for name, f in futures.items()}
    clean = report_all(cases, info, results, expected)
    if opts.write_expected:
        write_expected(opts.expected, cases, results)
        print(f"wrote {opts.expected}")
    if opts.write_docs:
        write_docs(opts.write_docs, cases, info, results, opts.lmc)
        print(f"wrote {opts.write_docs}")
    return 0 if clean or opts.write_expected else 1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lmc", required=True, help="path to the lmc executable")
    p.add_argument("--data", default=DEFAULT_DATA, help="directory of node test cases")
    p.add_argument("--workdir", required=True, help="scratch directory")
    p.add_argument("--ops", help="comma-separated ops: run only their cases (may add ops to the set)")
    p.add_argument("--extra-ops", default="", help="comma-separated ops to add to the supported set")
    p.add_argument("--filter", help="regular expression on case names")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--timeout", type=int, default=120, help="seconds per lmc invocation")
    p.add_argument("--skipped", default=os.path.join(HERE, "skipped.txt"), help="expected-failure list")
    p.add_argument("--write-skipped", metavar="PATH", help="write a draft expected-failure list")
    p.add_argument("--all", action="store_true",
                   help="run every case, classify failures, compare with --expected")
    p.add_argument("--expected", default=os.path.join(HERE, "expected_failures.txt"),
                   help="expected failures of --all")
    p.add_argument("--write-expected", action="store_true", help="with --all: rewrite --expected")
    p.add_argument("--write-docs", nargs="?", const=os.path.join(REPO, "docs", "ops.md"),
                   metavar="PATH", help="with --all: write the operator table (default docs/ops.md)")
    p.add_argument("--keep", action="store_true", help="keep work files of passing cases")
    p.add_argument("-v", "--verbose", action="store_true", help="also list passing and skipped cases")
    opts = p.parse_args(argv)
    if not (os.path.isfile(opts.lmc) and os.access(opts.lmc, os.X_OK)):
        p.error(f"--lmc {opts.lmc} is not an executable file")
    if not os.path.isdir(opts.data):
        p.error(f"--data {opts.data} is not a directory")
    opts.lmc = os.path.abspath(opts.lmc)
    opts.workdir = os.path.abspath(opts.workdir)
    os.makedirs(opts.workdir, exist_ok=True)
    if opts.all:
        return main_all(opts)
    if opts.write_expected or opts.write_docs:
        p.error("--write-expected and --write-docs need --all")
    wanted = [o.strip() for o in opts.ops.split(",") if o.strip()] if opts.ops else None
    extra = [o.strip() for o in opts.extra_ops.split(",") if o.strip()]

    cases = select_cases(opts.data, wanted, extra, opts.filter)
    if not cases:
        print("no cases selected", file=sys.stderr)
        return 1
    skipped = read_skipped(opts.skipped)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        futures = {name: pool.submit(run_case, name, opts) for name, _ in cases}
        results = {name: f.result() for name, f in futures.items()}
    clean = report(cases, results, skipped, opts.verbose)
    if opts.write_skipped:
        write_skipped(opts.write_skipped, cases, results, skipped)
        print(f"wrote {opts.write_skipped}")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
