"""The sandbox's static checks of an uploaded ONNX model: what is accepted, and each rule refusing with its reason."""

from __future__ import annotations

import onnx
import pytest
from onnx import helper as onnx_helper

from tests import sandbox_onnx
from xinyidai.scoring.sandbox.validation import (
    ALLOWED_DEFAULT_OPS,
    CHECKER_REFUSAL_ZH,
    MIN_FEATURES,
    Layout,
    ModelRefused,
    check,
)

FEATURES = ["tax_paid_12m", "penalties_36m", "penalties_12m"]


def _refused(content: bytes, features: list[str] | None = None, output_name: str = "score", **kw: object) -> str:
    with pytest.raises(ModelRefused) as refused:
        check(content, features=FEATURES if features is None else features, output_name=output_name, **kw)  # type: ignore[arg-type]
    return refused.value.reason_zh


def test_a_linear_model_on_a_feature_matrix_is_accepted() -> None:
    checked = check(sandbox_onnx.scorecard([0.5, -1.0, 0.25]), features=FEATURES, output_name="score")
    assert checked.layout is Layout.MATRIX
    assert [(i.name, i.double) for i in checked.inputs] == [("X", False)]
    assert checked.operators == ("Add", "MatMul", "Sigmoid")


def test_one_input_per_feature_named_after_it_is_accepted() -> None:
    checked = check(sandbox_onnx.per_feature(FEATURES), features=FEATURES, output_name="score")
    assert checked.layout is Layout.PER_FEATURE
    assert [i.name for i in checked.inputs] == FEATURES


@pytest.mark.parametrize("op_type", ["Loop", "ConstantOfShape", "Tile", "RandomNormalLike", "Range"])
def test_an_operator_off_the_allow_list_is_refused_by_name(op_type: str) -> None:
    assert op_type not in ALLOWED_DEFAULT_OPS
    reason = _refused(sandbox_onnx.with_operator(op_type))
    assert f"不允许的算子“{op_type}”" in reason


def test_an_operator_of_another_domain_is_refused() -> None:
    import onnx
    from onnx import helper

    model = onnx.load_model_from_string(sandbox_onnx.scorecard([1.0, 1.0, 1.0]))
    model.graph.node.append(helper.make_node("Evil", ["score"], ["unused"], domain="com.example"))
    model.opset_import.append(helper.make_opsetid("com.example", 1))
    assert "不允许的算子域“com.example”" in _refused(model.SerializeToString())


def test_weights_kept_in_an_external_file_are_refused() -> None:
    assert "引用外部数据文件" in _refused(sandbox_onnx.with_external_data(3))


@pytest.mark.parametrize("where", ["attribute", "attributes", "initializer"])
@pytest.mark.parametrize("part", ["values", "indices"])
@pytest.mark.parametrize("location", ["hostname", "/etc/hostname", "no-such-file-anywhere"])
def test_a_sparse_tensor_with_external_values_or_indices_is_refused_before_the_checker_reads_it(
        where: str, part: str, location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The checker would resolve the location against the server's working directory: it must never be asked.
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("onnx.checker reached")

    monkeypatch.setattr(onnx.checker, "check_model", never)
    reason = _refused(sandbox_onnx.with_sparse_external(where, part, location))
    assert "引用外部数据文件" in reason and location not in reason


def test_whatever_the_checker_raises_is_one_generic_refusal_that_names_no_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from onnx.shape_inference import InferenceError

    for error in (InferenceError("[ShapeInferenceError] Data of TensorProto ( tensor name: i) should be stored "
                                 "in /srv/xinyidai/hostname, but it doesn't exist or is not accessible."),
                  onnx.checker.ValidationError("Data of TensorProto ( tensor name: i) should be stored in /etc/x"),
                  OSError(2, "No such file or directory", "/etc/shadow")):
        def raising(*args: object, _error: Exception = error, **kwargs: object) -> None:
            raise _error

        monkeypatch.setattr(onnx.checker, "check_model", raising)
        with pytest.raises(ModelRefused) as refused:
            check(sandbox_onnx.scorecard([1.0, 1.0, 1.0]), features=FEATURES, output_name="score")
        assert refused.value.reason_zh == CHECKER_REFUSAL_ZH
        assert "/" not in refused.value.reason_zh + refused.value.reason_en


def test_a_model_the_real_checker_refuses_gets_the_generic_message() -> None:
    model = onnx.load_model_from_string(sandbox_onnx.scorecard([1.0, 1.0, 1.0]))
    model.graph.node[0].input[1] = "W_that_is_nowhere"  # an input no node or initializer defines
    assert _refused(model.SerializeToString()) == CHECKER_REFUSAL_ZH


def test_the_one_node_identity_model_is_refused() -> None:
    reason = _refused(sandbox_onnx.identity_of("tax_paid_12m"), features=["tax_paid_12m"])
    assert f"须由至少{MIN_FEATURES}个声明的特征计算得出" in reason


def test_a_score_depending_on_fewer_than_three_declared_features_is_refused() -> None:
    # Three inputs declared, the score computed from two of them: the third is only there to pass a count.
    content = sandbox_onnx.pass_through(FEATURES, [
        onnx_helper.make_node("Add", ["tax_paid_12m", "penalties_36m"], ["s"]),
        onnx_helper.make_node("Sigmoid", ["s"], ["score"])])
    assert "实际只依赖2个：penalties_36m、tax_paid_12m" in _refused(content)
    # What a node reads only through Shape is a size, not a feature's value.
    content = sandbox_onnx.pass_through(FEATURES, [
        onnx_helper.make_node("Shape", ["penalties_12m"], ["n"]),
        onnx_helper.make_node("Cast", ["n"], ["nd"], to=onnx.TensorProto.DOUBLE),
        onnx_helper.make_node("ReduceSum", ["nd"], ["size"], keepdims=0),
        onnx_helper.make_node("Add", ["tax_paid_12m", "penalties_36m"], ["s"]),
        onnx_helper.make_node("Add", ["s", "size"], ["t"]),
        onnx_helper.make_node("Sigmoid", ["t"], ["score"])])
    assert "实际只依赖2个" in _refused(content)


def test_a_score_reached_through_pass_through_operators_only_is_refused() -> None:
    # Three features concatenated, one column picked back out: nothing is computed.
    index = onnx_helper.make_tensor("col", onnx.TensorProto.INT64, [1], [0])
    content = sandbox_onnx.pass_through(FEATURES, [
        onnx_helper.make_node("Concat", FEATURES, ["all"], axis=1),
        onnx_helper.make_node("Constant", [], ["c"], value=index),
        onnx_helper.make_node("Gather", ["all", "c"], ["picked"], axis=1),
        onnx_helper.make_node("Cast", ["picked"], ["score"], to=onnx.TensorProto.DOUBLE)])
    assert "只经过传递、变形或选取类算子" in _refused(content)


def test_a_computed_score_of_three_features_is_accepted_in_either_layout() -> None:
    assert check(sandbox_onnx.per_feature(FEATURES), features=FEATURES, output_name="score")
    assert check(sandbox_onnx.scorecard([1.0, 1.0, 1.0]), features=FEATURES, output_name="score")


def test_a_file_over_the_size_cap_is_refused_before_it_is_parsed() -> None:
    content = sandbox_onnx.padded(3, megabytes=2)
    assert check(content, features=FEATURES, output_name="score", max_bytes=3 * 1048576)
    assert "模型文件过大" in _refused(content, max_bytes=1048576)


def test_something_that_is_not_onnx_is_refused() -> None:
    assert "不是有效的 ONNX 模型" in _refused(b"\x80\x04\x95 a pickle, say")


def test_inputs_that_do_not_match_the_declaration_are_refused() -> None:
    # Four features declared, a [N, 3] matrix in the model.
    assert "形状须为[N, 4]" in _refused(sandbox_onnx.scorecard([1.0, 1.0, 1.0]),
                                       features=[*FEATURES, "social_insurance_headcount"])
    # Per-feature inputs named otherwise than the declaration.
    assert "输入与声明的特征不一致" in _refused(sandbox_onnx.per_feature(["tax_paid_12m", "penalties_36m",
                                                                           "headcount"]))


def test_a_declared_feature_outside_the_catalogue_is_refused() -> None:
    assert "不在平台特征目录中：legal_rep_id_number" in _refused(
        sandbox_onnx.scorecard([1.0, 1.0, 1.0]), features=["tax_paid_12m", "penalties_36m", "legal_rep_id_number"])


def test_the_declared_output_must_exist_and_give_one_value_per_entity() -> None:
    assert "没有名为“probability”的输出" in _refused(sandbox_onnx.scorecard([1.0, 1.0, 1.0]),
                                                   output_name="probability")
    assert "没有第3列" in _refused(sandbox_onnx.scorecard([1.0, 1.0, 1.0]), output_column=3)


def test_a_fixed_batch_of_one_is_refused() -> None:
    content = sandbox_onnx._model([onnx_helper.make_node("ReduceSum", ["X"], ["score"], keepdims=1)], [],
                                  3, input_shape=[1, 3])
    assert "形状须为[N, 3]" in _refused(content)


def test_an_opset_outside_the_range_is_refused() -> None:
    import onnx

    model = onnx.load_model_from_string(sandbox_onnx.scorecard([1.0, 1.0, 1.0]))
    model.opset_import[0].version = 7
    assert "算子集版本须在11至21之间" in _refused(model.SerializeToString())
