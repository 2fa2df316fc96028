"""Saving generated ONNX models: with their weights (inline or external), or as a graph whose weights are absent."""

import copy
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, mapping

# protobuf cannot serialize a message of 2 GiB or more; stay well below.
INLINE_LIMIT_BYTES = 1800 * 1024 * 1024
# External data offsets are aligned like onnx's own writer (page-aligned for mmap).
EXTERNAL_ALIGN = 4096
ABSENT_SUFFIX = ".weights-absent"


def absent_tensor(name, shape, dtype, location, offset):
    """An external-data TensorProto for data that is never written; allocates nothing."""
    t = TensorProto()
    t.name = name
    t.data_type = mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(dtype)]
    t.dims.extend(shape)
    t.data_location = TensorProto.EXTERNAL
    length = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    for key, value in (("location", location), ("offset", str(offset)), ("length", str(length))):
        entry = t.external_data.add()
        entry.key, entry.value = key, value
    return t, length


def absent_initializers(specs, location):
    """name -> (shape, dtype) `specs` as absent external tensors laid out one after another, page-aligned."""
    tensors, offset = {}, 0
    for name, (shape, dtype) in specs.items():
        tensors[name], length = absent_tensor(name, shape, dtype, location, offset)
        offset += -(-length // EXTERNAL_ALIGN) * EXTERNAL_ALIGN
    return tensors, offset


def save_with_weights(model, output, external_data=False):
    """Inline or <output>.data; checked by onnx.checker with the data present.
    Returns (weight bytes, whether they are external)."""
    total = sum(len(t.raw_data) for t in model.graph.initializer)
    external = external_data or total >= INLINE_LIMIT_BYTES
    if external:
        location = os.path.basename(output) + ".data"
        data_path = os.path.join(os.path.dirname(os.path.abspath(output)), location)
        if os.path.exists(data_path):
            os.remove(data_path)  # onnx appends to an existing data file
        onnx.save_model(model, output, save_as_external_data=True,
                        all_tensors_to_one_file=True, location=location, size_threshold=1024)
    else:
        onnx.save_model(model, output)
    # The path form handles external data and models above 2 GiB.
    onnx.checker.check_model(output, full_check=True)
    return total, external


def check_graph_only(model):
    """Checks a graph whose weights do not exist.

    onnx.checker would try to open the absent data file, so the check runs on
    a copy in which every external initializer is replaced by a graph input of
    the same dtype and dims: that verifies the nodes, opset, attributes and
    (full_check) shape inference through the whole graph, i.e. everything but
    the weight bytes. The external entries themselves are checked here: each
    has a location, and offset/length consistent with its dims and dtype.
    """
    probe = copy.deepcopy(model)
    graph = probe.graph
    for t in graph.initializer:
        entries = {e.key: e.value for e in t.external_data}
        want = int(np.prod(t.dims, dtype=np.int64)) * mapping.TENSOR_TYPE_TO_NP_TYPE[t.data_type].itemsize
        if t.data_location != TensorProto.EXTERNAL or t.HasField("raw_data") or int(entries["length"]) != want:
            raise ValueError(f"initializer {t.name}: bad absent external data {entries}")
        graph.input.append(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    del graph.initializer[:]
    onnx.checker.check_model(probe, full_check=True)


def save_graph_only(model, output):
    """Writes the proto as is: the absent data file must not be created or touched."""
    check_graph_only(model)
    with open(output, "wb") as f:
        f.write(model.SerializeToString())


def model_with_config(graph, family, producer, opset, config, graph_only):
    """The model of `graph`, its config stored as `<family>.<key>` metadata
    props (floats by repr, so they read back exactly) with
    `<family>.graph_only`."""
    model = helper.make_model(graph, producer_name=producer, opset_imports=[helper.make_opsetid("", opset)])
    props = {f"{family}.{k}": repr(v) if isinstance(v, float) else str(v) for k, v in config.items()}
    props[f"{family}.graph_only"] = str(int(graph_only))
    helper.set_model_props(model, props)
    return model


def write_model(args, specs, make_weights, build_model, config):
    """Writes args.output: the graph only (absent weights) or with seeded
    weights, inline or external, and args.weights_only_npz if asked.
    Returns (model, weight bytes, how they are stored)."""
    import json
    if args.graph_only:
        tensors, total = absent_initializers(specs, os.path.basename(args.output) + ABSENT_SUFFIX)
        model = build_model(args, tensors)
        save_graph_only(model, args.output)
        return model, total, f"absent {os.path.basename(args.output)}{ABSENT_SUFFIX}"
    weights = make_weights(args, specs)
    model = build_model(args, weights)
    total, external = save_with_weights(model, args.output, args.external_data)
    if args.weights_only_npz:
        np.savez(args.weights_only_npz, __config__=np.array(json.dumps(config)), **weights)
    return model, total, "external data" if external else "inline"


def load_learned(path, family, learned):
    """(weights whose names start with a `learned` prefix, metadata props) of
    a generated model; refuses a --graph-only one."""
    from onnx import numpy_helper
    from onnx.external_data_helper import load_external_data_for_model

    model = onnx.load(path, load_external_data=False)
    props = {p.key: p.value for p in model.metadata_props}
    if props.get(f"{family}.graph_only") == "1":
        raise SystemExit(f"reference.py: {path} was written with --graph-only: it has no weights")
    load_external_data_for_model(model, os.path.dirname(os.path.abspath(path)))
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer if t.name.startswith(learned)}
    return weights, props


def load_npz(path, learned):
    """(weights, config) from a generator's --weights-only-npz file."""
    import json
    with np.load(path) as data:
        config = json.loads(str(data["__config__"]))
        weights = {k: data[k] for k in data.files if k.startswith(learned)}
    return weights, config
