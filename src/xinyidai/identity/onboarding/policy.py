"""Pure rules of institution onboarding (机构入驻): the application's state machine, the security-assessment
checklist (安全评估), the usage commitment (使用承诺) and the masking of the contact's mobile number.

Sources. The Chongqing implementation plan (seeds/004, items 十 and 十六) lets banks, insurers, guarantee and
credit-service institutions connect "in order" (有序接入), requires the platform to run an information-security
assessment of every connecting institution (对接入机构进行信息安全评估), and forbids them to use what they obtain
for anything but financing support or to pass it to third parties. The checklist items cite the national rules
that say what such an assessment looks at.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from xinyidai.auth.enums import INSTITUTION_KINDS
from xinyidai.pii import mask_mobile as mask_mobile
from xinyidai.pii import normalise_mobile as normalise_mobile


class ApplicationStatus(StrEnum):
    """Where an application to connect stands."""

    SUBMITTED = "submitted"
    UNDER_ASSESSMENT = "under_assessment"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Transition(StrEnum):
    """What the platform admin does to an application."""

    START_ASSESSMENT = "start_assessment"
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


STATUS_LABELS: dict[ApplicationStatus, str] = {
    ApplicationStatus.SUBMITTED: "已提交，待受理",
    ApplicationStatus.UNDER_ASSESSMENT: "安全评估中",
    ApplicationStatus.APPROVED: "已接入",
    ApplicationStatus.REJECTED: "未通过",
    ApplicationStatus.SUSPENDED: "已暂停接入",
}

TRANSITION_LABELS: dict[Transition, str] = {
    Transition.START_ASSESSMENT: "开始安全评估",
    Transition.APPROVE: "批准接入",
    Transition.REJECT: "不予接入",
    Transition.SUSPEND: "暂停接入",
    Transition.REINSTATE: "恢复接入",
}

_TRANSITIONS: dict[tuple[ApplicationStatus, Transition], ApplicationStatus] = {
    (ApplicationStatus.SUBMITTED, Transition.START_ASSESSMENT): ApplicationStatus.UNDER_ASSESSMENT,
    (ApplicationStatus.SUBMITTED, Transition.REJECT): ApplicationStatus.REJECTED,
    (ApplicationStatus.UNDER_ASSESSMENT, Transition.APPROVE): ApplicationStatus.APPROVED,
    (ApplicationStatus.UNDER_ASSESSMENT, Transition.REJECT): ApplicationStatus.REJECTED,
    (ApplicationStatus.APPROVED, Transition.SUSPEND): ApplicationStatus.SUSPENDED,
    (ApplicationStatus.SUSPENDED, Transition.REINSTATE): ApplicationStatus.APPROVED,
}


class IllegalTransition(ValueError):
    """The transition does not apply to the application's current status."""


def next_status(current: ApplicationStatus, transition: Transition) -> ApplicationStatus:
    """The status after `transition`, or IllegalTransition."""
    target = _TRANSITIONS.get((current, transition))
    if target is None:
        raise IllegalTransition(
            f"申请当前状态为“{STATUS_LABELS[current]}”，不能{TRANSITION_LABELS[transition]}")
    return target


def allowed_transitions(current: ApplicationStatus) -> list[Transition]:
    """The transitions open from `current`, in a stable order."""
    return [t for t in Transition if (current, t) in _TRANSITIONS]


# Who may apply ------------------------------------------------------------------------------------

APPLICANT_KINDS = INSTITUTION_KINDS

# What a connecting institution may ask for: the basic services of seeds/004 item 十 (信息查询、信用报告下载), the
# online orders and products of the one bank service system, models deployed into the platform (item 十一,
# 可用不可见) and the value-added services of item 十一.
SCOPES: dict[str, str] = {
    "credit_query": "信用信息查询（信易查）",
    "report_download": "信用报告下载",
    "products_orders": "发布金融产品、在线受理融资需求",
    "model_deployment": "模型部署（可用不可见）",
    "value_added": "增值服务（信用评价、企业画像、异动监测、风险预警）",
}


# The security-assessment checklist ---------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    """One item the platform admin checks before an institution connects, and the rule it rests on."""

    code: str
    title: str
    requirement: str
    basis: str


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "mlps_level3", "网络安全等级保护第三级备案与测评",
        "接入平台、处理信用信息的系统已按第三级定级备案，并取得有效期内的等级测评报告。",
        "《网络安全法》第二十一条；GB/T 22239-2019《网络安全等级保护基本要求》第三级"),
    ChecklistItem(
        "data_security_system", "数据安全管理制度",
        "建立全流程数据安全管理制度，明确数据安全负责人和管理机构，定期开展数据安全教育培训。",
        "《数据安全法》第二十七条"),
    ChecklistItem(
        "personnel_confidentiality", "人员保密与权限管理",
        "接触信用信息的人员签署保密协议，按最小必要原则授予操作权限并定期复核。",
        "《个人信息保护法》第五十一条（三）（四）"),
    ChecklistItem(
        "network_isolation", "网络隔离与边界防护",
        "与平台对接的系统部署在独立安全区域，边界有访问控制，专线或加密通道传输。",
        "GB/T 22239-2019 第三级“安全区域边界”“安全通信网络”"),
    ChecklistItem(
        "incident_response", "安全事件应急处置",
        "制定数据安全事件应急预案并演练，发生事件时立即处置、告知平台并向主管部门报告。",
        "《数据安全法》第二十九条；《个人信息保护法》第五十一条（六）"),
    ChecklistItem(
        "retention_deletion", "数据保存期限与删除",
        "从平台获取的信息只保存至实现融资目的所必需的期限，期满或业务终止后删除。",
        "《个人信息保护法》第十九条、第四十七条"),
    ChecklistItem(
        "audit_logging", "访问审计与日志留存",
        "对信用信息的每次查询和使用记录操作人、时间、用途，日志留存不少于六个月。",
        "《网络安全法》第二十一条（三）"),
)

CHECKLIST_BY_CODE: dict[str, ChecklistItem] = {item.code: item for item in CHECKLIST}


@dataclass(frozen=True)
class ChecklistVerdict:
    """Whether an assessment lets the application be approved, and why not."""

    complete: bool
    all_passed: bool
    missing: tuple[str, ...]
    failed: tuple[str, ...]

    @property
    def approvable(self) -> bool:
        """Every item recorded and passed."""
        return self.complete and self.all_passed

    def reason(self) -> str:
        """Why the application cannot be approved yet, in Chinese ('' when it can)."""
        parts = []
        if self.failed:
            parts.append("未通过：" + "、".join(CHECKLIST_BY_CODE[c].title for c in self.failed))
        if self.missing:
            parts.append("尚未评估：" + "、".join(CHECKLIST_BY_CODE[c].title for c in self.missing))
        return "；".join(parts)


def judge_checklist(results: Mapping[str, bool]) -> ChecklistVerdict:
    """Judge recorded results (item code → passed) against the fixed checklist; unknown codes are ignored."""
    missing = tuple(item.code for item in CHECKLIST if item.code not in results)
    failed = tuple(item.code for item in CHECKLIST if results.get(item.code) is False)
    return ChecklistVerdict(complete=not missing, all_passed=not failed, missing=missing, failed=failed)


# The usage commitment ----------------------------------------------------------------------------

COMMITMENT_VERSION = "2026-11-v1"
COMMITMENT_TEXT = """融资信用服务平台接入机构信息使用承诺书

本机构承诺：
一、通过平台获取的信用信息，仅用于为市场主体提供融资支持（贷前审查、授信审批、贷后管理、担保及相关增值服务），不用于其他任何活动。
二、不以任何方式向第三方提供、出售、公开通过平台获取的信息。
三、查询需经信息主体授权的信息时，以有效授权为前提，并在授权范围和期限内使用。
四、落实信息安全管理制度和技术措施，保持安全评估时的各项条件；发生信息安全事件立即处置并告知平台。
五、接受平台和主管部门的检查与审计；违反本承诺的，平台可暂停或终止接入，并依法追究责任。"""


def commitment_digest(text: str) -> str:
    """The SHA-256 hex digest that identifies the exact text signed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Personal data and secrets -----------------------------------------------------------------------


def initial_password(length: int = 14) -> str:
    """A random first password with letters and digits (shown once to the admin who approves)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate
