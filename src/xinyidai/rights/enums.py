"""The words of the information subject's rights: objection and credit-repair states."""

from __future__ import annotations

from enum import StrEnum


class ObjectionStatus(StrEnum):
    """Where an objection (异议) stands: open until the source department answers."""

    OPEN = "open"  # 处理中
    CORRECTED = "corrected"  # 已更正: a new version of the record was stored
    UPHELD = "upheld"  # 维持原记录, with the department's reason


class RepairStatus(StrEnum):
    """Where a credit-repair application (信用修复申请) stands."""

    PENDING = "pending"  # 审核中
    APPROVED = "approved"  # 已修复
    REJECTED = "rejected"  # 不予修复, with the reason


OBJECTION_STATUS_LABELS = {ObjectionStatus.OPEN: "处理中", ObjectionStatus.CORRECTED: "已更正",
                           ObjectionStatus.UPHELD: "维持原记录"}
REPAIR_STATUS_LABELS = {RepairStatus.PENDING: "审核中", RepairStatus.APPROVED: "已修复",
                        RepairStatus.REJECTED: "不予修复"}
STATUS_BADGES = {"open": "submitted", "pending": "submitted", "corrected": "approved", "approved": "approved",
                 "upheld": "withdrawn", "rejected": "rejected"}
