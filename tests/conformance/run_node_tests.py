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

Usage:
  run_node_tests.py --lmc build/bin/lmc --data /usr/share/libonnx-testdata/data/node \
      --workdir /tmp/conf [--ops Add,MatMul] [--filter REGEX] [--jobs N] [-v]
  run_node_tests.py ... --write-skipped draft.txt   # list today's failures with reasons
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
DEFAULT_DATA = "/usr/share/libonnx-testdata/data/node"

SUPPORTED_OPS = frozenset("""
    MatMul Gemm Add Sub Mul Div Pow Sqrt Reciprocal Neg Erf Tanh Sigmoid Relu
    ReduceMean ReduceSum ReduceMax LayerNormalization Softmax Gather Reshape
    Transpose Concat Split Slice Squeeze Unsqueeze Expand Where Equal Less Cast
    Trilu Range ConstantOfShape Constant Identity""".split())

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
