"""The words of post-loan monitoring: signals, severities, alert states and what an institution did."""

from __future__ import annotations

from enum import StrEnum


class Signal(StrEnum):
    """A kind of change in a watched firm's credit information that a rule turns into an alert."""

    EQUITY_CHANGE = "equity_change"  # 股东、出资或法定代表人变更
    ABNORMAL_OPERATIONS = "abnormal_operations"  # 列入经营异常名录
    ADMIN_PENALTY = "admin_penalty"  # 行政处罚（情节一般或轻微）
    ADMIN_PENALTY_SERIOUS = "admin_penalty_serious"  # 行政处罚（情节严重）
    TAX_ARREARS = "tax_arrears"  # 欠税
    VAT_DROP = "vat_drop"  # 增值税实缴同比下降（阈值：百分比）
    SOCIAL_INSURANCE_DROP = "social_insurance_drop"  # 社保参保人数下降（阈值：百分比）
    UTILITY_ARREARS = "utility_arrears"  # 水电气欠费（阈值：欠费金额，分）
    COURT_JUDGMENT = "court_judgment"  # 裁判文书
    COURT_ENFORCEMENT = "court_enforcement"  # 被执行人、失信被执行人、限制高消费
    OTHER_INSTITUTION_DEFAULT = "other_institution_default"  # 在平台其他机构的融资违约
    RECORD_CORRECTED = "record_corrected"  # 信息更正（正面）
    CREDIT_REPAIRED = "credit_repaired"  # 信用修复（正面）
    GRADE_DROP = "grade_drop"  # 批量评分等级下降（阈值：下降档数）
    WATCH_STOPPED = "watch_stopped"  # 贷后管理授权终止，监测停止（通知，不是规则）


class Severity(StrEnum):
    """How urgent an alert is, least first."""

    HINT = "hint"  # 提示
    ATTENTION = "attention"  # 关注
    WARNING = "warning"  # 预警
    SEVERE = "severe"  # 严重


class AlertStatus(StrEnum):
    """Where an alert stands in the institution's handling."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class HandlingAction(StrEnum):
    """What the institution did about an alert."""

    CALLED = "called"
    VISITED = "visited"
    FROZE_LINE = "froze_line"
    CALLED_IN = "called_in"
    NO_ACTION = "no_action"


SIGNAL_LABELS: dict[str, str] = {
    Signal.EQUITY_CHANGE: "股权或法定代表人变更",
    Signal.ABNORMAL_OPERATIONS: "列入经营异常名录",
    Signal.ADMIN_PENALTY: "行政处罚",
    Signal.ADMIN_PENALTY_SERIOUS: "行政处罚（情节严重）",
    Signal.TAX_ARREARS: "欠税",
    Signal.VAT_DROP: "增值税实缴同比下降",
    Signal.SOCIAL_INSURANCE_DROP: "社保参保人数下降",
    Signal.UTILITY_ARREARS: "水电气欠费",
    Signal.COURT_JUDGMENT: "法院裁判文书",
    Signal.COURT_ENFORCEMENT: "被执行人或失信被执行人",
    Signal.OTHER_INSTITUTION_DEFAULT: "在其他机构融资违约",
    Signal.RECORD_CORRECTED: "信用信息更正（正面）",
    Signal.CREDIT_REPAIRED: "信用修复（正面）",
    Signal.GRADE_DROP: "批量评分等级下降",
    Signal.WATCH_STOPPED: "贷后监测停止",
}
SEVERITY_LABELS: dict[str, str] = {
    Severity.HINT: "提示", Severity.ATTENTION: "关注", Severity.WARNING: "预警", Severity.SEVERE: "严重",
}
STATUS_LABELS: dict[str, str] = {
    AlertStatus.OPEN: "待确认", AlertStatus.ACKNOWLEDGED: "处理中", AlertStatus.CLOSED: "已关闭",
}
ACTION_LABELS: dict[str, str] = {
    HandlingAction.CALLED: "电话联系企业", HandlingAction.VISITED: "实地走访",
    HandlingAction.FROZE_LINE: "冻结授信额度",
    HandlingAction.CALLED_IN: "提前收回贷款", HandlingAction.NO_ACTION: "无需处置",
}
