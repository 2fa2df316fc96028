"""Building ONNX graphs with torch-export-like node names (used by make_*.py)."""

import numpy as np
from onnx import TensorProto, helper, numpy_helper


class NodeNamer:
    """Accumulates nodes and Constant nodes with unique, torch-style names.

    Subclasses add the model-specific parts (weights, initializers)."""

    def __init__(self):
        self.nodes = []
        self._counts = {}

    def _unique(self, base):
        n = self._counts.get(base, 0)
        self._counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def op(self, op_type, inputs, scope="", num_outputs=1, **attrs):
        """Adds a node named like torch does ("/h.0/attn/MatMul"); returns its output name(s)."""
        name = self._unique(f"{scope}/{op_type}")
        outputs = [f"{name}_output_{i}" for i in range(num_outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outputs, name=name, **attrs))
        return outputs[0] if num_outputs == 1 else outputs

    def const(self, value, scope="", dtype=None):
        """A Constant node holding `value` (python scalar or list -> numpy array)."""
        array = np.asarray(value, dtype=dtype)
        name = self._unique(f"{scope}/Constant")
        out = f"{name}_output_0"
        tensor = numpy_helper.from_array(array, name=f"{name}_value")
        self.nodes.append(helper.make_node("Constant", [], [out], name=name, value=tensor))
        return out


class InitializerGraph(NodeNamer):
    """A NodeNamer that also adds named initializers, each once, from
    `tensors` (name -> numpy array, or an absent external TensorProto)."""

    def __init__(self, tensors):
        super().__init__()
        self.tensors = tensors
        self.initializers = []
        self.used = set()

    def i64(self, value, scope=""):
        return self.const(value, scope, np.int64)

    def f32(self, value, scope=""):
        return self.const(value, scope, np.float32)

    def weight(self, name):
        """The initializer `name`; added to the graph once."""
        if name not in self.used:
            t = self.tensors[name]
            self.initializers.append(t if isinstance(t, TensorProto) else numpy_helper.from_array(t, name=name))
            self.used.add(name)
        return name


def add_kv_cache_io(inputs, outputs, layers, cache_shape):
    """The decode form's extra graph inputs and outputs: `position` [1], and
    per layer past.L.key/value (inputs) and present.L.key/value (outputs) of
    `cache_shape` (docs/kv-cache.md, "The model form")."""
    inputs.append(helper.make_tensor_value_info("position", TensorProto.INT64, [1]))
    for i in range(layers):
        for part in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past.{i}.{part}", TensorProto.FLOAT, cache_shape))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{part}", TensorProto.FLOAT, cache_shape))
