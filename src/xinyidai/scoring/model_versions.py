"""The model registry: versions of a credit model held in the database, promoted to champion by the platform admin.

A version holds the JSON files of its `xinyidai model train` directory (model card, scorecard spec) and the
scorecard's ONNX graph, so any decision can be recomputed from the database alone. One name has at most one
champion; promoting a version retires the champion before it, and who did either and when is recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.scoring import features
from xinyidai.scoring.exceptions import (
    InvalidModel,
    ModelAdminOnly,
    ModelAlreadyRegistered,
    ModelVersionNotFound,
)
from xinyidai.scoring.models import ModelVersion

DEFAULT_NAME = "xinyidai-pd"  # the platform's probability-of-default model


class ModelStatus(StrEnum):
    """Where a version stands."""

    CANDIDATE = "candidate"
    CHAMPION = "champion"
    RETIRED = "retired"


STATUS_LABELS = {ModelStatus.CANDIDATE: "候选", ModelStatus.CHAMPION: "冠军（在用）", ModelStatus.RETIRED: "已退役"}
# What a version decides with (`scoring.modelling.shipped`): chosen by cross-validation when it was trained.
DECIDES_WITH_LABELS = {"scorecard": "评分卡", "challenger": "挑战者模型", "blend": "评分卡与挑战者融合"}


def decides_with(version: ModelVersion) -> str:
    """The candidate the version decides with (a version stored before the choice shipped: its scorecard)."""
    return str(version.scorecard_spec.get("decides_with", "scorecard"))


@dataclass(frozen=True)
class ModelFiles:
    """The files of a model version directory, parsed."""

    card: dict[str, Any]
    spec: dict[str, Any]
    onnx: bytes | None
    challenger_onnx: bytes | None = None

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of card and spec and the ONNX bytes: the same from files or database."""
        digest = hashlib.sha256()
        for document in (self.card, self.spec):
            digest.update(json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
        digest.update(self.onnx or b"")
        digest.update(self.challenger_onnx or b"")
        return digest.hexdigest()


def read_directory(directory: Path) -> ModelFiles:
    """Read a `xinyidai model train` output directory: model_card.json, scorecard.json and the ONNX graphs."""

    def graph(name: str) -> bytes | None:
        path = directory / name
        return path.read_bytes() if path.exists() else None

    try:
        card = json.loads((directory / "model_card.json").read_text(encoding="utf-8"))
        spec = json.loads((directory / "scorecard.json").read_text(encoding="utf-8"))
        return ModelFiles(card=card, spec=spec, onnx=graph("scorecard.onnx"), challenger_onnx=graph("challenger.onnx"))
    except (OSError, ValueError) as exc:
        raise InvalidModel(f"{directory} 不是模型版本目录：{exc}",
                           message_en=f"{directory} is not a model version directory: {exc}") from exc


def _check(files: ModelFiles) -> None:
    """A version the platform can score with: the stored format, and only the platform's features as inputs."""
    from xinyidai.scoring.modelling import shipped  # the modelling stack loads only when needed
    from xinyidai.scoring.modelling.store import FORMAT_VERSION

    spec, card = files.spec, files.card
    if not isinstance(spec, dict) or not isinstance(card, dict) or spec.get("format") != FORMAT_VERSION:
        raise InvalidModel(f"模型格式不符（应为第 {FORMAT_VERSION} 版）",
                           message_en=f"the model's format is not {FORMAT_VERSION}")
    if not isinstance(card.get("version"), str) or not card["version"]:
        raise InvalidModel("模型卡缺少版本号", message_en="the model card has no version")
    inputs = spec.get("inputs")
    if not isinstance(inputs, list) or not inputs or not isinstance(spec.get("features"), list):
        raise InvalidModel("评分卡缺少输入列或特征", message_en="the scorecard has no inputs or features")
    if spec.get("decides_with", shipped.SCORECARD) not in shipped.CANDIDATES:
        raise InvalidModel("评分卡的决策模型无法识别", message_en="the scorecard decides with an unknown model")
    if shipped.needs_challenger(spec) and not files.challenger_onnx:
        raise InvalidModel("该版本以挑战者模型决策，但缺少 challenger.onnx",
                           message_en="the version decides with its challenger but has no challenger.onnx")
    unknown = [str(i.get("name")) for i in inputs
               if not isinstance(i, dict) or i.get("name") not in features.NAMES or i.get("kind") != "numeric"]
    if unknown:
        raise InvalidModel(
            "模型的输入列须为平台特征（xinyidai model features）：" + "、".join(unknown[:5]),
            message_en="the model's inputs must be the platform's features: " + ", ".join(unknown[:5]),
        )


def _require_admin(principal: Principal) -> None:
    if not principal.is_platform_admin or principal.user_id is None:
        raise ModelAdminOnly("只有平台管理员可以管理模型版本", message_en="only the platform admin manages models")


def register(session: Session, *, principal: Principal, files: ModelFiles, name: str = DEFAULT_NAME) -> ModelVersion:
    """Register a trained version as a candidate; the same files or version label twice is refused."""
    _require_admin(principal)
    _check(files)
    digest = files.digest
    label = str(files.card["version"])
    same = session.scalars(select(ModelVersion).where(
        ModelVersion.name == name, (ModelVersion.digest == digest) | (ModelVersion.version_label == label))).first()
    if same is not None:
        raise ModelAlreadyRegistered(f"该模型版本已登记（编号 {same.id}，{same.version_label}）",
                                     message_en=f"already registered as version {same.id}")
    version = ModelVersion(
        name=name, version_label=label, status=ModelStatus.CANDIDATE, model_card=files.card,
        scorecard_spec=files.spec, scorecard_onnx=files.onnx, challenger_onnx=files.challenger_onnx, digest=digest,
        created_at=clock.now(),
        created_by_user_id=principal.user_id,
    )
    session.add(version)
    session.flush()
    audit_service.record(session, action="scoring.model_registered", actor=principal, subject_type="model_version",
                         subject_id=version.id, detail={"name": name, "version": label, "digest": digest})
    return version


# ONNX Runtime sessions of challengers by the version's digest: a digest only ever names the same content.
_challengers: dict[str, Any] = {}


def challenger_of(version: ModelVersion) -> Any | None:
    """The ONNX Runtime session of the version's challenger when the version decides with it (else None)."""
    from xinyidai.scoring.modelling import shipped  # the modelling stack loads only when a model scores

    if not shipped.needs_challenger(version.scorecard_spec):
        return None
    found = _challengers.get(version.digest)
    if found is None:
        if not version.challenger_onnx:
            raise InvalidModel("该版本以挑战者模型决策，但缺少其 ONNX 图",
                               message_en="the version decides with its challenger but holds no challenger graph")
        found = _challengers[version.digest] = shipped.onnx_session(version.challenger_onnx)
    return found


def get(session: Session, *, version_id: int) -> ModelVersion:
    """One version by id."""
    version = session.get(ModelVersion, version_id)
    if version is None:
        raise ModelVersionNotFound("未找到该模型版本", message_en="model version not found")
    return version


def list_versions(session: Session, *, name: str | None = None) -> Sequence[ModelVersion]:
    """Every version, newest first; optionally of one name."""
    query = select(ModelVersion).order_by(ModelVersion.id.desc())
    if name is not None:
        query = query.where(ModelVersion.name == name)
    return session.scalars(query).all()


def champion(session: Session, *, name: str = DEFAULT_NAME) -> ModelVersion | None:
    """The champion of `name`, or None when none has been promoted."""
    return session.scalars(select(ModelVersion).where(
        ModelVersion.name == name, ModelVersion.status == ModelStatus.CHAMPION)).first()


def _locked(session: Session, *, version_id: int) -> ModelVersion:
    """One version by id, locked until the transaction ends: promotions and retirements of it wait in turn."""
    version = session.scalars(select(ModelVersion).where(ModelVersion.id == version_id).with_for_update()).first()
    if version is None:
        raise ModelVersionNotFound("未找到该模型版本", message_en="model version not found")
    return version


def promote(session: Session, *, principal: Principal, version_id: int) -> ModelVersion:
    """Make a version its name's champion; the champion before it is retired. Who and when are recorded."""
    _require_admin(principal)
    version = _locked(session, version_id=version_id)
    if version.status == ModelStatus.CHAMPION:
        return version
    now = clock.now()
    previous = session.scalars(select(ModelVersion).where(
        ModelVersion.name == version.name, ModelVersion.status == ModelStatus.CHAMPION).with_for_update()).first()
    if previous is not None:
        previous.status = ModelStatus.RETIRED
        previous.retired_at, previous.retired_by_user_id = now, principal.user_id
        # The old champion leaves before the new one arrives: the unique index allows one champion at a time.
        session.flush()
    version.status = ModelStatus.CHAMPION
    version.promoted_at, version.promoted_by_user_id = now, principal.user_id
    version.retired_at = version.retired_by_user_id = None
    session.flush()
    audit_service.record(session, action="scoring.model_promoted", actor=principal, subject_type="model_version",
                         subject_id=version.id,
                         detail={"name": version.name, "version": version.version_label,
                                 "retired": previous.version_label if previous else None})
    return version


def retire(session: Session, *, principal: Principal, version_id: int) -> ModelVersion:
    """Retire a version (a retired champion leaves none: pre-assessment falls back to the rules). Recorded, audited."""
    _require_admin(principal)
    version = _locked(session, version_id=version_id)
    if version.status == ModelStatus.RETIRED:
        return version
    was = version.status
    version.status = ModelStatus.RETIRED
    version.retired_at, version.retired_by_user_id = clock.now(), principal.user_id
    session.flush()
    audit_service.record(session, action="scoring.model_retired", actor=principal, subject_type="model_version",
                         subject_id=version.id, detail={"name": version.name, "version": version.version_label,
                                                        "was": was})
    return version
