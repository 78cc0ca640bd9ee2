"""API shapes of credit reports and their verification."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class VerificationStatus(StrEnum):
    """What the platform can say about a report presented to it."""

    GENUINE = "genuine"  # the code is one the platform issued (and the file, if given, is the one issued)
    NOT_FOUND = "not_found"  # no report was issued with this code
    ALTERED = "altered"  # the code is genuine but the file given is not the one issued under it


STATUS_LABELS = {
    VerificationStatus.GENUINE: "真实有效：该报告由本平台出具",
    VerificationStatus.NOT_FOUND: "未找到：本平台未出具过该校验码对应的报告",
    VerificationStatus.ALTERED: "文件不一致：校验码真实，但所提交的文件与平台出具的报告不一致，可能已被篡改",
}


class CreditReportVerificationRead(BaseModel):
    """The answer to "is this report genuine?": whose and for whom it was, never its credit content."""

    status: VerificationStatus
    message: str
    report_no: str | None = None
    subject_name: str | None = None
    subject_uscc: str | None = None
    generated_at: datetime | None = None
    recipient_name: str | None = None
    purpose: str | None = None
    file_checked: bool = False
    file_matches: bool | None = None
