"""The sandbox's static checks of an uploaded ONNX model: what is accepted, and each rule refusing with its reason."""

from __future__ import annotations

import pytest
from onnx import helper as onnx_helper

from tests import sandbox_onnx
from xinyidai.scoring.sandbox.validation import (
    ALLOWED_DEFAULT_OPS,
    Layout,
    ModelRefused,
    check,
)

FEATURES = ["tax_paid_12m", "penalties_36m"]


def _refused(content: bytes, features: list[str] | None = None, output_name: str = "score", **kw: object) -> str:
    with pytest.raises(ModelRefused) as refused:
        check(content, features=FEATURES if features is None else features, output_name=output_name, **kw)  # type: ignore[arg-type]
    return refused.value.reason_zh


def test_a_linear_model_on_a_feature_matrix_is_accepted() -> None:
    checked = check(sandbox_onnx.linear([0.5, -1.0]), features=FEATURES, output_name="score")
    assert checked.layout is Layout.MATRIX
    assert [(i.name, i.double) for i in checked.inputs] == [("X", False)]
    assert checked.operators == ("Add", "MatMul")


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

    model = onnx.load_model_from_string(sandbox_onnx.linear([1.0, 1.0]))
    model.graph.node.append(helper.make_node("Evil", ["score"], ["unused"], domain="com.example"))
    model.opset_import.append(helper.make_opsetid("com.example", 1))
    assert "不允许的算子域“com.example”" in _refused(model.SerializeToString())


def test_weights_kept_in_an_external_file_are_refused() -> None:
    assert "引用外部数据文件" in _refused(sandbox_onnx.with_external_data())


def test_a_file_over_the_size_cap_is_refused_before_it_is_parsed() -> None:
    content = sandbox_onnx.padded(2, megabytes=2)
    assert check(content, features=FEATURES, output_name="score", max_bytes=3 * 1048576)
    assert "模型文件过大" in _refused(content, max_bytes=1048576)


def test_something_that_is_not_onnx_is_refused() -> None:
    assert "不是有效的 ONNX 模型" in _refused(b"\x80\x04\x95 a pickle, say")


def test_inputs_that_do_not_match_the_declaration_are_refused() -> None:
    # Three features declared, a [N, 2] matrix in the model.
    assert "形状须为[N, 3]" in _refused(sandbox_onnx.linear([1.0, 1.0]),
                                       features=[*FEATURES, "social_insurance_headcount"])
    # Per-feature inputs named otherwise than the declaration.
    assert "输入与声明的特征不一致" in _refused(sandbox_onnx.per_feature(["tax_paid_12m", "headcount"]))


def test_a_declared_feature_outside_the_catalogue_is_refused() -> None:
    assert "不在平台特征目录中：legal_rep_id_number" in _refused(
        sandbox_onnx.linear([1.0, 1.0]), features=["tax_paid_12m", "legal_rep_id_number"])


def test_the_declared_output_must_exist_and_give_one_value_per_entity() -> None:
    assert "没有名为“probability”的输出" in _refused(sandbox_onnx.linear([1.0, 1.0]), output_name="probability")
    assert "没有第3列" in _refused(sandbox_onnx.linear([1.0, 1.0]), output_column=3)


def test_a_fixed_batch_of_one_is_refused() -> None:
    content = sandbox_onnx._model([onnx_helper.make_node("ReduceSum", ["X"], ["score"], keepdims=1)], [],
                                  2, input_shape=[1, 2])
    assert "形状须为[N, 2]" in _refused(content)


def test_an_opset_outside_the_range_is_refused() -> None:
    import onnx

    model = onnx.load_model_from_string(sandbox_onnx.linear([1.0, 1.0]))
    model.opset_import[0].version = 7
    assert "算子集版本须在11至21之间" in _refused(model.SerializeToString())
