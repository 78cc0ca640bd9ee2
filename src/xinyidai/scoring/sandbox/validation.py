"""Checking an institution's ONNX model before the platform will ever run it (no I/O).

A model is accepted only when every one of these holds, and refused with a Chinese reason naming what failed:

- the file is at most `MAX_MODEL_BYTES` and parses as ONNX that `onnx.checker` accepts;
- it imports only the default domain (opset `MIN_OPSET`…`MAX_OPSET`) and `ai.onnx.ml`; no local functions;
- no tensor keeps its data outside the file (external data could point anywhere on the server's disk);
- every node is an operator of the allow-list below, and the graph has at most `MAX_NODES` nodes;
- its inputs are the declared features: one float tensor [N, k] holding them in the declared order, or one float
  tensor [N] / [N, 1] per feature named after it;
- the declared output is a numeric tensor [N] or [N, 1], or [N, C] with the column that holds the score;
- the output depends (graph reachability) on at least `MIN_FEATURES` declared features, and some operator on the
  way computes (a graph whose output is reached only through Identity, Cast, Gather, Reshape, Slice, Squeeze,
  Unsqueeze, Concat, Flatten, Split or Transpose merely hands features back).

The allow-list holds what credit models are made of: arithmetic, matrix products, activations, comparisons,
reductions, size-preserving reshaping, linear models and tree ensembles. Left out on purpose:

- control flow (Loop, Scan, If): its cost depends on the data, and its sub-graphs hide further operators;
- operators that build a tensor whose size is read from data (ConstantOfShape, Expand, Tile, Range, Pad, Resize,
  Upsample…): a few bytes of model could ask for gigabytes;
- random number generators (a score must be reproducible), string, sequence and image operators.

"Scores only" is what the sandbox promises, and what it can enforce is limited; the residual risk, stated plainly:
a model is a program, and no static check can tell a score from an encoded feature. The checks above refuse the
obvious pass-through (one Identity from a feature to the output), but `Add(feature, 0 · other + 0 · another)` or a
sigmoid of one feature scaled passes them, and dependencies are tracked per tensor, not per column (in the matrix
layout every column counts once the input is reached). What bounds the leak at run time: a score must be a
probability in [0, 1] or the whole run fails and returns nothing (runner), each score is rounded to two decimals
(100 levels, under 7 bits per entity per run), a run needs at least `service.MIN_ENTITIES` authorised entities, and
every run and every entity computed on is audited and shown to the entity. A 0/1 feature (deregistered, listed as
abnormal) can still be read exactly by a model that outputs it, a continuous one to two decimals of a scale the
institution chooses, and repeated runs with different models or entity lists can combine such answers. The remedy
for that is the authorisation itself (the entity decides who may run models on its data, for how long) and the
audit trail, not this module.

A model can still be costly with allowed operators (a chain of large products, a broadcast outer product), so
the static check is the first line only: the runner's CPU, memory and time limits are the second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import onnx
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]

from xinyidai.scoring.features import NAMES

MAX_MODEL_BYTES = 16 * 1024 * 1024
MAX_NODES = 5000
MIN_OPSET = 11
MAX_OPSET = 21
MAX_ML_OPSET = 5
DEFAULT_DOMAINS = frozenset({"", "ai.onnx"})
ML_DOMAIN = "ai.onnx.ml"

ALLOWED_DEFAULT_OPS = frozenset({
    # arithmetic
    "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Pow", "Sqrt", "Exp", "Log", "Reciprocal", "Min", "Max", "Sum",
    "Mean", "Clip", "Floor", "Ceil", "Round", "Sign", "Mod",
    # matrix products
    "MatMul", "Gemm",
    # activations
    "Sigmoid", "Tanh", "Relu", "LeakyRelu", "Elu", "Selu", "Softmax", "LogSoftmax", "Softplus", "HardSigmoid",
    "Erf",
    # comparison and logic
    "Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual", "Not", "And", "Or", "Xor", "Where", "IsNaN",
    "IsInf",
    # reductions
    "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ArgMax", "ArgMin",
    # size-preserving reshaping and selection
    "Cast", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat", "Transpose", "Identity", "Slice", "Gather",
    "Split", "Shape", "Size", "Constant",
})
ALLOWED_ML_OPS = frozenset({
    "TreeEnsembleClassifier", "TreeEnsembleRegressor", "LinearClassifier", "LinearRegressor", "ZipMap",
    "Normalizer", "Scaler", "Imputer", "Binarizer", "ArrayFeatureExtractor", "FeatureVectorizer", "OneHotEncoder",
})
CHECKER_REFUSAL_ZH = "模型未通过 ONNX 规范检查，请用 onnx.checker.check_model 在本地检查后重新上传"
# At least this many declared features must reach the score, through at least one operator that is not one of
# these: they move, reshape or select values without computing anything, so a graph made of them only hands
# features back. Shape and Size give sizes, not values: what they read does not count as a dependency.
MIN_FEATURES = 3
PASS_THROUGH_OPS = frozenset({"Identity", "Cast", "Gather", "Reshape", "Slice", "Squeeze", "Unsqueeze", "Concat",
                              "Flatten", "Split", "Transpose", "Constant", "Shape", "Size"})
PASS_THROUGH_ML_OPS = frozenset({"ArrayFeatureExtractor", "FeatureVectorizer"})
SHAPE_ONLY_OPS = frozenset({"Shape", "Size"})
FLOAT_TYPES = frozenset({onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE})
NUMERIC_TYPES = FLOAT_TYPES | {onnx.TensorProto.FLOAT16, onnx.TensorProto.INT32, onnx.TensorProto.INT64}


class Layout(StrEnum):
    """How the features reach the model."""

    MATRIX = "matrix"  # one [N, k] tensor, columns in the declared order
    PER_FEATURE = "per_feature"  # one [N] or [N, 1] tensor per feature, named after it


class ModelRefused(ValueError):
    """The model breaks a rule of the sandbox; `reason_zh` says which, for the institution."""

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason_zh = reason_zh
        self.reason_en = reason_en


@dataclass(frozen=True, slots=True)
class ModelInput:
    """One graph input the runner feeds: its name, and whether it takes doubles (else float32)."""

    name: str
    double: bool


@dataclass(frozen=True, slots=True)
class Checked:
    """What the runner needs to know of an accepted model."""

    layout: Layout
    inputs: tuple[ModelInput, ...]
    output_name: str
    output_column: int | None
    opset: int
    node_count: int
    operators: tuple[str, ...]


def check_declaration(features: Sequence[str]) -> None:
    """The declared inputs must be distinct names of the feature catalogue."""
    if not features:
        raise ModelRefused("须声明模型使用的特征（取自平台特征目录）", "declare at least one input feature")
    unknown = [name for name in features if name not in NAMES]
    if unknown:
        raise ModelRefused("声明的特征不在平台特征目录中：" + "、".join(unknown),
                           f"not in the feature catalogue: {', '.join(unknown)}")
    if len(set(features)) != len(features):
        raise ModelRefused("声明的特征有重复", "a feature is declared twice")


def _tensors_of_graph(graph: onnx.GraphProto) -> list[onnx.TensorProto]:
    """Every tensor a graph carries: initializers, sparse initializers' values AND indices, node attributes (dense,
    sparse, lists of either), and those of sub-graphs, whatever type the attribute claims to have."""
    tensors = list(graph.initializer)
    for sparse in graph.sparse_initializer:
        tensors += [sparse.values, sparse.indices]
    tensors += _tensors_of_nodes(graph.node)
    return tensors


def _tensors_of_nodes(nodes: Iterable[onnx.NodeProto]) -> list[onnx.TensorProto]:
    tensors: list[onnx.TensorProto] = []
    for node in nodes:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                tensors.append(attribute.t)
            if attribute.HasField("sparse_tensor"):
                tensors += [attribute.sparse_tensor.values, attribute.sparse_tensor.indices]
            tensors.extend(attribute.tensors)
            for sparse in attribute.sparse_tensors:
                tensors += [sparse.values, sparse.indices]
            if attribute.HasField("g"):
                tensors += _tensors_of_graph(attribute.g)
            for sub in attribute.graphs:
                tensors += _tensors_of_graph(sub)
    return tensors


def _refuse_external_data(model: onnx.ModelProto) -> None:
    tensors = _tensors_of_graph(model.graph)
    for function in model.functions:
        tensors += _tensors_of_nodes(function.node)
    for tensor in tensors:
        if tensor.data_location == onnx.TensorProto.EXTERNAL or len(tensor.external_data):
            raise ModelRefused(f"模型的张量“{tensor.name}”引用外部数据文件，平台只接受数据全部内嵌的模型",
                               f"tensor '{tensor.name}' keeps its data outside the file")


def _opset(model: onnx.ModelProto) -> int:
    default = None
    for entry in model.opset_import:
        if entry.domain in DEFAULT_DOMAINS:
            default = entry.version
        elif entry.domain == ML_DOMAIN:
            if entry.version > MAX_ML_OPSET:
                raise ModelRefused(f"ai.onnx.ml 算子集版本{entry.version}过高（最高{MAX_ML_OPSET}）",
                                   f"ai.onnx.ml opset {entry.version} above {MAX_ML_OPSET}")
        else:
            raise ModelRefused(f"模型引用了不允许的算子域“{entry.domain}”（只允许 ONNX 标准算子与 ai.onnx.ml）",
                               f"operator domain '{entry.domain}' is not allowed")
    if default is None or not MIN_OPSET <= default <= MAX_OPSET:
        raise ModelRefused(f"模型的 ONNX 算子集版本须在{MIN_OPSET}至{MAX_OPSET}之间（实为{default}）",
                           f"opset {default} outside {MIN_OPSET}..{MAX_OPSET}")
    return int(default)


def _check_nodes(graph: onnx.GraphProto) -> tuple[str, ...]:
    if len(graph.node) > MAX_NODES:
        raise ModelRefused(f"模型的计算节点过多（{len(graph.node)}个，上限{MAX_NODES}个）",
                           f"{len(graph.node)} nodes, at most {MAX_NODES}")
    used: set[str] = set()
    for node in graph.node:
        if node.domain in DEFAULT_DOMAINS:
            allowed = node.op_type in ALLOWED_DEFAULT_OPS
        elif node.domain == ML_DOMAIN:
            allowed = node.op_type in ALLOWED_ML_OPS
        else:
            allowed = False
        if not allowed:
            where = f"{node.domain}." if node.domain not in DEFAULT_DOMAINS else ""
            raise ModelRefused(f"模型使用了不允许的算子“{where}{node.op_type}”（节点“{node.name or '未命名'}”），"
                               "平台只运行允许清单内的算子",
                               f"operator {where}{node.op_type} is not on the allow-list")
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
            raise ModelRefused(f"模型的算子“{node.op_type}”含子图，平台不运行含子图的模型",
                               f"operator {node.op_type} carries a sub-graph")
        used.add(node.op_type if node.domain in DEFAULT_DOMAINS else f"{node.domain}.{node.op_type}")
    return tuple(sorted(used))


def _tensor_type(value: onnx.ValueInfoProto) -> tuple[int, list[int | str | None]] | None:
    """The element type and dims (int, symbol or None) of a tensor value; None for a non-tensor."""
    if not value.type.HasField("tensor_type"):
        return None
    tensor = value.type.tensor_type
    if not tensor.HasField("shape"):
        return tensor.elem_type, []
    dims: list[int | str | None] = []
    for d in tensor.shape.dim:
        dims.append(d.dim_value if d.HasField("dim_value") else (d.dim_param or None))
    return tensor.elem_type, dims


def _is_batch(dim: int | str | None) -> bool:
    """The first dimension must take any number of entities: symbolic or unknown (a fixed 1 would not)."""
    return not isinstance(dim, int)


def _check_inputs(graph: onnx.GraphProto, features: Sequence[str]) -> tuple[Layout, tuple[ModelInput, ...]]:
    initialised = {t.name for t in graph.initializer}
    inputs = [value for value in graph.input if value.name not in initialised]
    k = len(features)
    if len(inputs) == 1 and not (k == 1 and inputs[0].name == features[0]):
        typed = _tensor_type(inputs[0])
        if typed is None or typed[0] not in FLOAT_TYPES:
            raise ModelRefused(f"模型输入“{inputs[0].name}”须为浮点张量（float 或 double）",
                               f"input '{inputs[0].name}' must be a float tensor")
        dims = typed[1]
        if len(dims) != 2 or not _is_batch(dims[0]) or dims[1] != k:
            raise ModelRefused(f"模型输入“{inputs[0].name}”的形状须为[N, {k}]（N为主体数，{k}为声明的特征数）",
                               f"input '{inputs[0].name}' must have shape [N, {k}]")
        return Layout.MATRIX, (ModelInput(inputs[0].name, typed[0] == onnx.TensorProto.DOUBLE),)
    names = [value.name for value in inputs]
    if sorted(names) != sorted(features):
        raise ModelRefused("模型的输入与声明的特征不一致：须为一个[N, k]矩阵，或每个特征一个以特征名命名的输入"
                           f"（模型输入：{'、'.join(names) or '无'}）",
                           "the graph inputs do not match the declared features")
    by_name = {value.name: value for value in inputs}
    out = []
    for name in features:
        typed = _tensor_type(by_name[name])
        if (typed is None or typed[0] not in FLOAT_TYPES or len(typed[1]) not in (1, 2)
                or not _is_batch(typed[1][0]) or (len(typed[1]) == 2 and typed[1][1] != 1)):
            raise ModelRefused(f"模型输入“{name}”须为形状[N]或[N, 1]的浮点张量",
                               f"input '{name}' must be a float tensor [N] or [N, 1]")
        out.append(ModelInput(name, typed[0] == onnx.TensorProto.DOUBLE))
    return Layout.PER_FEATURE, tuple(out)


def _check_output(graph: onnx.GraphProto, output_name: str, output_column: int | None) -> None:
    outputs = {value.name: value for value in graph.output}
    if output_name not in outputs:
        raise ModelRefused(f"模型没有名为“{output_name}”的输出（模型输出：{'、'.join(outputs) or '无'}）",
                           f"no output named '{output_name}'")
    typed = _tensor_type(outputs[output_name])
    if typed is None or typed[0] not in NUMERIC_TYPES:
        raise ModelRefused(f"模型输出“{output_name}”须为数值张量（每个主体一个分数）",
                           f"output '{output_name}' must be a numeric tensor")
    dims = typed[1]
    if output_column is None:
        if len(dims) not in (1, 2) or (len(dims) == 2 and dims[1] != 1):
            raise ModelRefused(f"模型输出“{output_name}”须为形状[N]或[N, 1]；多列输出须指明分数所在的列",
                               f"output '{output_name}' must be [N] or [N, 1], or name the score's column")
    elif len(dims) != 2 or (isinstance(dims[1], int) and not 0 <= output_column < dims[1]):
        raise ModelRefused(f"模型输出“{output_name}”没有第{output_column}列",
                           f"output '{output_name}' has no column {output_column}")


def _check_structure(graph: onnx.GraphProto, layout: Layout, inputs: Sequence[ModelInput], features: Sequence[str],
                     output_name: str) -> None:
    """The score must be computed from at least `MIN_FEATURES` declared features, through at least one operator
    that computes (not one that only moves, reshapes or selects values). A forward pass in the graph's topological
    order (the checker has verified it) carries, per tensor, the features it depends on and whether a computing
    operator lies between them and it. Dependencies are tracked per tensor, not per column: in the matrix layout
    every column of the input counts, whatever a Slice or Gather later keeps."""
    depends: dict[str, frozenset[str]] = {}
    computed: dict[str, bool] = {}
    for model_input in inputs:
        depends[model_input.name] = frozenset(features) if layout is Layout.MATRIX else frozenset({model_input.name})
        computed[model_input.name] = False
    for node in graph.node:
        names = [name for name in node.input if name]
        if node.op_type in SHAPE_ONLY_OPS and node.domain in DEFAULT_DOMAINS:
            on = frozenset[str]()  # the result is a size, not a value of any feature
        else:
            on = frozenset().union(*(depends.get(name, frozenset()) for name in names))
        trivial = (node.domain in DEFAULT_DOMAINS and node.op_type in PASS_THROUGH_OPS) or (
            node.domain == ML_DOMAIN and node.op_type in PASS_THROUGH_ML_OPS)
        through = bool(on) and (not trivial or any(computed.get(name, False) for name in names))
        for name in node.output:
            depends[name], computed[name] = on, through
    used = depends.get(output_name, frozenset())
    if len(used) < MIN_FEATURES:
        raise ModelRefused(f"模型的分数须由至少{MIN_FEATURES}个声明的特征计算得出（实际只依赖{len(used)}个"
                           f"{'：' + '、'.join(sorted(used)) if used else ''}），平台不运行直接输出个别特征的模型",
                           f"the output depends on {len(used)} declared features, at least {MIN_FEATURES} required")
    if not computed.get(output_name, False):
        raise ModelRefused("模型的分数只经过传递、变形或选取类算子（如 Identity、Cast、Gather、Reshape）得出，"
                           "没有任何计算；平台只运行输出评分的模型，不运行转发特征的模型",
                           "the output is reached from the inputs through pass-through operators only")


def check(content: bytes, *, features: Sequence[str], output_name: str, output_column: int | None = None,
          max_bytes: int = MAX_MODEL_BYTES) -> Checked:
    """Accept the model for the declared features and output, or raise ModelRefused saying why."""
    if not content:
        raise ModelRefused("未上传模型文件", "empty file")
    if len(content) > max_bytes:
        raise ModelRefused(f"模型文件过大（{len(content) / 1048576:.1f} MB，上限{max_bytes / 1048576:.0f} MB）",
                           f"the file is {len(content)} bytes, at most {max_bytes}")
    if output_column is not None and output_column < 0:
        raise ModelRefused("分数所在的列须为非负整数", "the output column must not be negative")
    check_declaration(features)
    try:
        model = onnx.load_model_from_string(content)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise ModelRefused("文件不是有效的 ONNX 模型", f"not an ONNX model: {exc}") from exc
    if not model.HasField("graph"):
        raise ModelRefused("文件不是有效的 ONNX 模型", "no graph in the file")
    # External data first: the checker itself would follow a path to load it.
    _refuse_external_data(model)
    opset = _opset(model)
    if len(model.functions):
        raise ModelRefused("模型含自定义函数，平台不运行含自定义函数的模型", "the model defines local functions")
    operators = _check_nodes(model.graph)
    try:
        onnx.checker.check_model(model)
    except Exception as exc:
        # Whatever the checker raises (a validation error, an inference error, an error reading a file it should
        # never have been asked to read) gets one message that echoes nothing of it: its text may name paths of
        # the server, and a message that differs by what is on the disk would tell the uploader what is there.
        raise ModelRefused(CHECKER_REFUSAL_ZH, "onnx.checker refused the model") from exc
    layout, inputs = _check_inputs(model.graph, features)
    _check_output(model.graph, output_name, output_column)
    _check_structure(model.graph, layout, inputs, features, output_name)
    return Checked(layout=layout, inputs=inputs, output_name=output_name, output_column=output_column,
                   opset=opset, node_count=len(model.graph.node), operators=operators)
