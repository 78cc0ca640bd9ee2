"""API shapes of the model sandbox: a model as its owner sees it (never its bytes), a run request and its scores."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from xinyidai.text import Text

MAX_ENTITIES = 2000
Uscc = Annotated[Text, StringConstraints(strip_whitespace=True, to_upper=True, min_length=18, max_length=18)]


class SandboxModelCreate(BaseModel):
    """What an institution declares with the ONNX file it uploads."""

    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=80)
    features: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=64, description="模型使用的特征（平台特征目录中的名称），"
                                "按模型输入矩阵的列序")
    output_name: Text = Field(min_length=1, max_length=100, description="分数所在的模型输出名")
    output_column: int | None = Field(default=None, ge=0, le=1000, description="多列输出时分数所在的列")


class SandboxModelRead(BaseModel):
    """An uploaded model: what was declared, whether it was accepted and why not; the file stays in the platform."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    features: list[str]
    output_name: str
    output_column: int | None
    status: str
    refusal_reason: str | None
    operators: list[str]
    opset: int | None
    sha256: str
    size_bytes: int
    uploaded_at: datetime


class SandboxRunCreate(BaseModel):
    """A run request: the authorisation reference, and optionally which entities (default: all that authorised
    the institution under that reference)."""

    model_config = ConfigDict(extra="forbid")

    purpose_ref: Text = Field(min_length=1, max_length=64, description="企业授权“模型可用不可见计算”时对应的业务编号")
    usccs: list[Uscc] | None = Field(default=None, min_length=1, max_length=MAX_ENTITIES)


class ScoreRead(BaseModel):
    """One entity's score: its code and the number, nothing else."""

    uscc: str
    score: float


class SandboxRunRead(BaseModel):
    """A run: how it ended, how many entities were scored and skipped (and why), and the scores."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    model_id: int
    purpose: str
    purpose_ref: str
    as_of: date
    status: str
    requested: int
    scored: int
    skipped: int
    skipped_reasons: dict[str, int]
    scores: list[ScoreRead]
    started_at: datetime
    finished_at: datetime
