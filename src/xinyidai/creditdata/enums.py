"""The words of credit information: sensitivity, update cycles, channels, field types."""

from __future__ import annotations

from enum import StrEnum


class Sensitivity(StrEnum):
    """Who may see a sub-category: anyone, an institution the entity authorised, or only the entity and the source."""

    PUBLIC = "public"
    AUTHORISED = "authorised"
    RESTRICTED = "restricted"


class UpdateCycle(StrEnum):
    """How often the source department delivers a sub-category."""

    REAL_TIME = "real_time"
    DAILY = "daily"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    ON_CHANGE = "on_change"


class Channel(StrEnum):
    """How a record reached the platform (归集渠道)."""

    NATIONAL = "national"  # 总对总: shared ministry-to-ministry, relayed down by the provincial node
    BULK_IMPORT = "bulk_import"  # 物理归集: a department's file
    API_PUSH = "api_push"  # 接口调用: a department's system pushes rows
    SELF_REPORT = "self_report"  # 自主填报: the entity itself, under a credit commitment
    PLATFORM = "platform"  # the platform's own facts (a default, a broken commitment)

    @property
    def is_local(self) -> bool:
        """Every channel but the national one is local collection."""
        return self is not Channel.NATIONAL


class AuthoritativeChannel(StrEnum):
    """Which channel a sub-category's facts are taken from when both deliver the same fact."""

    NATIONAL = "national"
    LOCAL = "local"


class FieldType(StrEnum):
    """The types a catalogue field may have; each parses a department's text into one typed value."""

    TEXT = "text"
    USCC = "uscc"
    DATE = "date"
    MONTH = "month"
    YEAR = "year"
    INTEGER = "integer"
    MONEY = "money"  # yuan in the file, integer fen in the record
    DECIMAL = "decimal"
    ENUM = "enum"
    BOOLEAN = "boolean"


class BatchStatus(StrEnum):
    """Where an import batch stands: committed whole, or refused whole."""

    RUNNING = "running"
    COMMITTED = "committed"
    REJECTED = "rejected"


class CommitmentStatus(StrEnum):
    """A credit commitment is in force until it is found false."""

    IN_FORCE = "in_force"
    BREACHED = "breached"


class VerificationResult(StrEnum):
    """The source's answer to "does entity X meet condition C?"."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"  # the source does not know the entity
    UNAVAILABLE = "unavailable"  # the source did not answer


class MarkKind(StrEnum):
    """What a fact is marked as while a rights procedure runs or after it ends."""

    UNDER_OBJECTION = "under_objection"  # 异议处理中: shown to institutions with the mark
    REPAIRED = "repaired"  # 已修复: no longer shown to institutions nor counted in features


MARK_LABELS = {MarkKind.UNDER_OBJECTION: "异议处理中", MarkKind.REPAIRED: "已修复"}
SENSITIVITY_LABELS = {Sensitivity.PUBLIC: "公开", Sensitivity.AUTHORISED: "需授权", Sensitivity.RESTRICTED: "受限"}
UPDATE_CYCLE_LABELS = {
    UpdateCycle.REAL_TIME: "实时", UpdateCycle.DAILY: "每日", UpdateCycle.MONTHLY: "每月",
    UpdateCycle.QUARTERLY: "每季度", UpdateCycle.YEARLY: "每年", UpdateCycle.ON_CHANGE: "变更时",
}
CHANNEL_LABELS = {
    Channel.NATIONAL: "总对总", Channel.BULK_IMPORT: "物理归集", Channel.API_PUSH: "接口调用",
    Channel.SELF_REPORT: "自主填报", Channel.PLATFORM: "平台产生",
}
AUTHORITATIVE_LABELS = {AuthoritativeChannel.NATIONAL: "国家总对总共享", AuthoritativeChannel.LOCAL: "本地归集"}
FIELD_TYPE_LABELS = {
    FieldType.TEXT: "文本", FieldType.USCC: "统一社会信用代码", FieldType.DATE: "日期", FieldType.MONTH: "年月",
    FieldType.YEAR: "年度", FieldType.INTEGER: "整数", FieldType.MONEY: "金额（元）", FieldType.DECIMAL: "数值",
    FieldType.ENUM: "选项", FieldType.BOOLEAN: "是/否",
}
BATCH_STATUS_LABELS = {BatchStatus.RUNNING: "导入中", BatchStatus.COMMITTED: "已入库", BatchStatus.REJECTED: "已拒收"}
