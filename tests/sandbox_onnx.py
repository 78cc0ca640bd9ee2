"""Small ONNX models built with onnx.helper for the sandbox tests: a sound one, and ones each rule must refuse or
each limit must stop. Every model takes one float [N, k] input "X" unless said otherwise."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def _model(nodes: list[onnx.NodeProto], initializers: list[onnx.TensorProto], k: int, *, output: str = "score",
           output_shape: list[int | str] | None = None, domain_imports: list[tuple[str, int]] | None = None,
           input_type: int = TensorProto.FLOAT, input_shape: list[int | str] | None = None) -> bytes:
    graph = helper.make_graph(
        nodes, "sandbox_test", [helper.make_tensor_value_info("X", input_type, input_shape or ["N", k])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, output_shape or ["N", 1])], initializers)
    imports = [helper.make_opsetid("", OPSET)] + [helper.make_opsetid(d, v) for d, v in domain_imports or []]
    return bytes(helper.make_model(graph, opset_imports=imports).SerializeToString())


def linear(weights: list[float], bias: float = 0.0) -> bytes:
    """score = X · weights + bias (MatMul then Add): a logistic-free linear score."""
    w = numpy_helper.from_array(np.array(weights, dtype=np.float32).reshape(-1, 1), "W")
    b = numpy_helper.from_array(np.array([bias], dtype=np.float32), "B")
    nodes = [helper.make_node("MatMul", ["X", "W"], ["xw"]), helper.make_node("Add", ["xw", "B"], ["score"])]
    return _model(nodes, [w, b], len(weights))


def scorecard(weights: list[float], bias: float = 0.0) -> bytes:
    """score = sigmoid(X · weights + bias): a logistic scorecard, a probability in (0, 1)."""
    w = numpy_helper.from_array(np.array(weights, dtype=np.float32).reshape(-1, 1), "W")
    b = numpy_helper.from_array(np.array([bias], dtype=np.float32), "B")
    nodes = [helper.make_node("MatMul", ["X", "W"], ["xw"]), helper.make_node("Add", ["xw", "B"], ["logit"]),
             helper.make_node("Sigmoid", ["logit"], ["score"])]
    return _model(nodes, [w, b], len(weights))


def pass_through(names: list[str], nodes: list[onnx.NodeProto]) -> bytes:
    """One [N, 1] double input per feature, the given nodes, output "score" [N, 1] double."""
    graph = helper.make_graph(
        nodes, "pass_through", [helper.make_tensor_value_info(n, TensorProto.DOUBLE, ["N", 1]) for n in names],
        [helper.make_tensor_value_info("score", TensorProto.DOUBLE, ["N", 1])])
    return bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)]).SerializeToString())


def identity_of(feature: str) -> bytes:
    """The reviewer's bypass: score = the feature itself (one Identity node)."""
    return pass_through([feature], [helper.make_node("Identity", [feature], ["score"])])


def with_sparse_external(where: str = "attribute", part: str = "indices", location: str = "hostname") -> bytes:
    """A sparse tensor whose `part` (values or indices) is said to live in the file `location`, held by a
    Constant's sparse_value (where="attribute"), a sparse_tensors list attribute ("attributes") or the graph's
    sparse initializers ("initializer"); the model otherwise adds it to a sound scorecard's logit."""
    values = helper.make_tensor("v", TensorProto.INT64, [1], [0])
    indices = helper.make_tensor("i", TensorProto.INT64, [1], [0])
    outside = values if part == "values" else indices
    outside.ClearField("int64_data")
    outside.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("length", "8")):
        entry = outside.external_data.add()
        entry.key, entry.value = key, value
    sparse = helper.make_sparse_tensor(values, indices, [1000])
    model = onnx.load_model_from_string(scorecard([1.0, 1.0, 1.0]))
    graph = model.graph
    if where == "initializer":
        sparse.values.name = "c"
        graph.sparse_initializer.append(sparse)
    elif where == "attribute":
        graph.node.insert(0, helper.make_node("Constant", [], ["c"], sparse_value=sparse))
    else:
        node = helper.make_node("Constant", [], ["c"], value_int=0)
        attribute = node.attribute.add()
        attribute.name, attribute.type = "sparse_tensors", onnx.AttributeProto.SPARSE_TENSORS
        attribute.sparse_tensors.append(sparse)
        graph.node.insert(0, node)
        return bytes(model.SerializeToString())
    graph.node.insert(len(graph.node) - 3, helper.make_node("Cast", ["c"], ["cf"], to=TensorProto.FLOAT))
    graph.node.insert(len(graph.node) - 3, helper.make_node("ReduceSum", ["cf"], ["s"], keepdims=0))
    next(n for n in graph.node if n.op_type == "Add").input[1] = "s"  # the Add takes the sum instead of the bias
    return bytes(model.SerializeToString())


def with_operator(op_type: str, k: int = 2) -> bytes:
    """A model whose one node is `op_type` applied to X (enough for the allow-list to look at)."""
    if op_type == "Loop":
        body = helper.make_graph([helper.make_node("Identity", ["cond_in"], ["cond_out"])], "body",
                                 [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                                  helper.make_tensor_value_info("cond_in", TensorProto.BOOL, [])],
                                 [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, [])])
        node = helper.make_node("Loop", ["", ""], [], body=body)
        return _model([node, helper.make_node("ReduceSum", ["X"], ["score"], keepdims=1)], [], k)
    return _model([helper.make_node(op_type, ["X"], ["score"])], [], k)


def with_external_data(k: int = 2) -> bytes:
    """The linear model with its weights said to live in a file beside it."""
    model = onnx.load_model_from_string(linear([1.0] * k))
    weight = model.graph.initializer[0]
    weight.ClearField("raw_data")
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    entry = weight.external_data.add()
    entry.key, entry.value = "location", "/etc/passwd"
    return bytes(model.SerializeToString())


def padded(k: int, megabytes: int) -> bytes:
    """A sound linear model carrying an unused initializer of the given size."""
    model = onnx.load_model_from_string(linear([1.0] * k))
    filler = numpy_helper.from_array(np.zeros(megabytes * 262_144, dtype=np.float32), "filler")
    model.graph.initializer.append(filler)
    return bytes(model.SerializeToString())


def per_feature(names: list[str]) -> bytes:
    """One [N, 1] input per feature: score = sigmoid(their sum)."""
    graph = helper.make_graph(
        [helper.make_node("Sum", list(names), ["total"]), helper.make_node("Sigmoid", ["total"], ["score"])],
        "per_feature",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 1]) for n in names],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])])
    return bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)]).SerializeToString())


def _row_sum_plus(tail: list[onnx.NodeProto], initializers: list[onnx.TensorProto], k: int, scalar: str) -> bytes:
    """score = sigmoid(row sum of X + `scalar`) (a value the tail computes): one probability per row."""
    one = numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1")
    nodes = [helper.make_node("ReduceSum", ["X"], ["total"], keepdims=0), *tail,
             helper.make_node("ReduceSum", ["X", "axis1"], ["row"], keepdims=1),
             helper.make_node("Add", ["row", scalar], ["logit"]), helper.make_node("Sigmoid", ["logit"], ["score"])]
    return _model(nodes, [*initializers, one], k)


def slow(k: int, size: int = 1024, chain: int = 2000) -> bytes:
    """Allowed operators only, a 4 MB file, and hours of work: `chain` products of a [size, size] matrix."""
    m = numpy_helper.from_array(np.full((size, size), 1e-3, dtype=np.float32), "M")
    tail = [helper.make_node("Add", ["M", "total"], ["m0"])]
    for i in range(chain):
        tail.append(helper.make_node("MatMul", [f"m{i}", "M"], [f"m{i + 1}"]))
    tail.append(helper.make_node("ReduceSum", [f"m{chain}"], ["busy"], keepdims=0))
    return _row_sum_plus(tail, [m], k, "busy")


def hungry(k: int, size: int = 23_000) -> bytes:
    """Allowed operators only, a 92 KB file, and a 2 GB tensor: the broadcast sum of a vector with itself."""
    v = numpy_helper.from_array(np.ones(size, dtype=np.float32), "V")
    column = numpy_helper.from_array(np.array([-1, 1], dtype=np.int64), "as_column")
    row = numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "as_row")
    tail = [helper.make_node("Add", ["V", "total"], ["v"]), helper.make_node("Reshape", ["v", "as_column"], ["a"]),
            helper.make_node("Reshape", ["v", "as_row"], ["b"]), helper.make_node("Add", ["a", "b"], ["square"]),
            helper.make_node("ReduceSum", ["square"], ["big"], keepdims=0)]
    return _row_sum_plus(tail, [v, column, row], k, "big")
