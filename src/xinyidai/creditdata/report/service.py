"""Credit reports (信用报告): the enterprise's credit file as a PDF its reader may keep, and anyone may check.

`issue` reads the file through `credit_file.read_credit_file` (the one access path: the entity sees all of it,
free; an institution only under a live authorisation given for `credit_report_download`, which the read checks,
audits and, when one-time, spends), sets it as a PDF with the same shaping the credit file page shows, and keeps
a `CreditReport` row: whose, for whom, under which authorisation, when, and the SM3 digest of the exact bytes.
`verify` answers anyone holding a report: is this code one the platform issued, whose and for whom, and (given
the file) is it the file issued. It never returns credit content. Both are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.audit.chain import sm3_hex
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service
from xinyidai.creditdata.access import Access, access_of
from xinyidai.creditdata.credit_file import read_credit_file
from xinyidai.creditdata.enums import SENSITIVITY_LABELS, FieldType, Sensitivity
from xinyidai.creditdata.fields import USCC_FIELD, FieldSpec
from xinyidai.creditdata.report import pdf as report_pdf
from xinyidai.creditdata.report import policy as report_policy
from xinyidai.creditdata.report.models import CreditReport
from xinyidai.creditdata.report.schemas import STATUS_LABELS, CreditReportVerificationRead, VerificationStatus
from xinyidai.creditdata.schemas import CreditFileRead
from xinyidai.errors import DomainError, Forbidden
from xinyidai.identity import service as identity_service
from xinyidai.money import format_yuan
from xinyidai.registry import service as registry_service
from xinyidai.registry.enums import ENTITY_KIND_LABELS, OPERATING_STATUS_LABELS

REPORT_PURPOSE = consent_service.Purpose.CREDIT_REPORT_DOWNLOAD
VERIFY_PATH = "/verify-report"
LOCAL_URL = "http://127.0.0.1:8000"
MAX_PDF_BYTES = 20 << 20
GUESSES = report_policy.GuessLimiter()
SELF_QUERY = "企业自查（免费）"
OWN_NOTE = "本报告为企业自查版，列示平台归集的本企业全部信用信息（已过公示期的记录已标注），免费提供。"
AUTHORISED_NOTE = "本报告为授权查询版，仅列示公开类及经授权类信息中授权涵盖的类别与期间，不含已过公示期的记录。"

STATEMENTS = (
    "本报告所列信息由平台依法从上述来源部门归集，或由企业在信用承诺下自主填报，平台如实记录其来源和归集时间。",
    "信息主体对本报告所列信息有异议的，可登录平台“我的信用档案”提出异议申请；异议处理期间相关记录予以标注。",
    "经授权查询的机构应仅将本报告用于授权所载用途，不得向任何第三方提供，违规使用的依法追究责任。",
    "失信信息超过公示期限的，平台不再向金融机构提供；信用修复完成的信息按规定停止公示。",
)


class TooManyVerifications(DomainError):
    """An address that tried too many unknown codes lately."""

    status_code = 429
    code = "too_many_verifications"


class InvalidVerificationCode(DomainError):
    """Text that cannot be a report's verification code."""

    status_code = 422
    code = "invalid_verification_code"


@dataclass(frozen=True, slots=True)
class IssuedReport:
    """A report as issued: its row and the exact bytes whose digest the row keeps."""

    report: CreditReport
    pdf: bytes

    @property
    def filename(self) -> str:
        """The download's file name."""
        return f"企业信用报告_{self.report.subject_name}_{self.report.report_no}.pdf"


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(clock.BUSINESS_TZ):%Y-%m-%d %H:%M:%S}"


def _value(spec: FieldSpec, value: object) -> str:
    if value is None or value == "":
        return "—"
    # An amount desensitised for the reader is already words (its band, or withheld): only fen is formatted.
    if spec.type is FieldType.MONEY and isinstance(value, int) and not isinstance(value, bool):
        return format_yuan(value)
    if spec.type is FieldType.BOOLEAN:
        return "是" if value else "否"
    return str(value)


def _subject_facts(enterprise: registry_service.EnterpriseView,
                   audience: consent_service.Audience) -> tuple[tuple[str, str], ...]:
    """The registry's facts of the subject, its representative's name and its address desensitised for the reader
    as the credit file's values are (the entity itself sees them in clear)."""
    capital = enterprise.registered_capital_fen
    rep = consent_service.mask(enterprise.legal_rep_name, consent_service.FieldKind.PERSON_NAME, audience)
    address = (consent_service.mask(enterprise.address, consent_service.FieldKind.ADDRESS, audience)
               if enterprise.address else None)
    return (
        ("主体名称", enterprise.name),
        ("统一社会信用代码", enterprise.uscc),
        ("主体类型", ENTITY_KIND_LABELS.get(enterprise.kind, enterprise.kind)),  # type: ignore[call-overload]
        ("法定代表人", str(rep)),
        ("成立日期", enterprise.registration_date.isoformat()),
        ("注册资本", f"{format_yuan(capital)} 元" if capital is not None else "—"),
        ("所属行业", f"{enterprise.industry.name}（{enterprise.industry_code}）"),
        ("所在镇街", enterprise.district_area.name),
        ("经营场所", str(address or "—")),
        ("登记状态", OPERATING_STATUS_LABELS.get(enterprise.operating_status,  # type: ignore[call-overload]
                                                enterprise.operating_status)),
        ("最近报送年报年度", str(enterprise.last_annual_report_year or "未报送")),
    )


def _publicity(enterprise: registry_service.EnterpriseView, summary: report_policy.Summary,
               view: Access) -> tuple[str, ...]:
    lines = []
    if enterprise.is_abnormal:
        since = enterprise.abnormal_since.isoformat() if enterprise.abnormal_since else "—"
        lines.append(f"经营异常名录：已列入（自 {since}，原因：{enterprise.abnormal_reason or '—'}）")
    else:
        lines.append("经营异常名录：未列入")
    lines.append(f"负面信息：{summary.negative} 条" if summary.negative else "负面信息：无")
    if view is Access.OWN:
        lines.append(f"已过公示期的记录 {summary.past_publicity} 条：仅本企业自查可见（已标注），不向金融机构提供")
    else:
        lines.append("已过公示期的记录不向金融机构提供，本报告未列示")
    return tuple(lines)


def _sections(session: Session, file: CreditFileRead) -> tuple[report_pdf.ReportSection, ...]:
    """The file's records as the credit file page shows them: values in words, source and time of collection."""
    out = []
    for section in file.sections:
        tables = []
        for entry in section.entries:
            item = service.get_item(session, code=entry.item_code)
            specs = [spec for spec in service.field_specs(item) if spec.name != USCC_FIELD]
            rows = []
            past = set()
            for number, record in enumerate(entry.current):
                source = record.source_label or record.source_department
                if record.past_publicity:
                    past.add(number)
                    source += "（已过公示期）"
                rows.append((*(_value(spec, record.data.get(spec.name)) for spec in specs), source,
                             _local(record.received_at)[:16]))
            tables.append(report_pdf.RecordTable(
                name=entry.item_name, negative=entry.is_negative,
                sensitivity=SENSITIVITY_LABELS[Sensitivity(entry.sensitivity)],
                headers=(*(spec.label for spec in specs), "信息来源", "归集时间"), rows=tuple(rows),
                past_rows=frozenset(past)))
        out.append(report_pdf.ReportSection(code=section.category_code, name=section.category_name,
                                            tables=tuple(tables)))
    return tuple(out)


def _new_identifiers(session: Session) -> tuple[str, str]:
    """A report number and a verification code not used before (a clash is astronomically rare; retry anyway)."""
    for _ in range(5):
        report_no = report_policy.new_report_no(clock.today())
        code = report_policy.new_verification_code()
        clash = session.scalars(select(CreditReport.id).where(
            (CreditReport.report_no == report_no) | (CreditReport.verification_code == code))).first()
        if clash is None:
            return report_no, code
    raise RuntimeError("could not draw an unused report number")  # pragma: no cover


def issue(session: Session, *, principal: Principal, enterprise_id: int, purpose_ref: str | None = None,
          ip_address: str | None = None, served_at: str | None = None) -> IssuedReport:
    """Generate the entity's credit report for the caller: the entity itself (everything, free) or an institution
    under the entity's live authorisation for a credit report download (`purpose_ref` names it); audited.

    The report's verification address is the `public_url` setting; without one (never in production), the address
    the request came in on (`served_at`), and only then the local default."""
    settings = get_settings()
    # The font first: a machine that cannot set the report must refuse before anything is read or spent.
    font = report_pdf.find_font(settings.report_font)
    access = access_of(principal, enterprise_id)
    if access is Access.PLATFORM or access is None:
        raise Forbidden("信用报告仅向企业本身或经其授权的机构提供",
                        message_en="a credit report is issued to the entity itself or an institution it authorised")
    decision = None
    if access is Access.AUTHORISED:
        # Which grant the report is issued under; read_credit_file below decides (and spends) it for real.
        decision = consent_service.decide(session, enterprise_id=enterprise_id,
                                          recipient_organisation_id=principal.organisation_id,
                                          purpose=REPORT_PURPOSE, purpose_ref=purpose_ref)
    file = read_credit_file(session, principal=principal, enterprise_id=enterprise_id, purpose_ref=purpose_ref,
                            ip_address=ip_address, consent_purpose=REPORT_PURPOSE)
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    recipient = identity_service.get_organisation(session, organisation_id=principal.organisation_id)
    summary = report_policy.summarise(file)
    report_no, code = _new_identifiers(session)
    now = clock.now()
    own = access is Access.OWN
    recipient_name = f"{enterprise.name}（本企业）" if own else recipient.name
    purpose_text = SELF_QUERY if own else (
        f"{consent_service.PURPOSE_LABELS[REPORT_PURPOSE]}（授权业务编号 {purpose_ref}）")
    latest = max((r.received_at for s in file.sections for e in s.entries for r in e.current), default=None)
    public_url = (settings.public_url or served_at or LOCAL_URL).rstrip("/")
    document = report_pdf.ReportDocument(
        report_no=report_no, code=report_policy.format_code(code),
        verify_url=f"{public_url}{VERIFY_PATH}?code={report_policy.format_code(code)}",
        verify_page=f"{public_url}{VERIFY_PATH}", generated_at=_local(now), subject_name=enterprise.name,
        subject_facts=_subject_facts(enterprise, consent_service.Audience(file.audience)), recipient=recipient_name,
        purpose=purpose_text,
        view_note=OWN_NOTE if own else AUTHORISED_NOTE,
        summary=summary, publicity=_publicity(enterprise, summary, access), sections=_sections(session, file),
        sources="、".join(summary.sources) or "—",
        as_of=f"{_local(file.generated_at)}（最近一次归集：{_local(latest) if latest else '—'}）",
        statements=STATEMENTS,
    )
    pdf = report_pdf.render(document, font)
    report = CreditReport(
        report_no=report_no, verification_code=code, enterprise_id=enterprise_id, subject_name=enterprise.name,
        requested_by_user_id=principal.user_id, requested_by_api_client_id=principal.api_client_id,
        recipient_organisation_id=principal.organisation_id, recipient_name=recipient_name, view=access.value,
        purpose="self_query" if own else f"{REPORT_PURPOSE}:{purpose_ref}",
        authorisation_id=decision.authorisation_id if decision else None, generated_at=now,
        record_count=summary.records, content_sm3=sm3_hex(pdf), size_bytes=len(pdf),
    )
    session.add(report)
    session.flush()
    audit_service.record(
        session, action="creditdata.credit_report_issued", actor=principal,
        subject_type="credit_report", subject_id=report.id, enterprise_id=enterprise_id, purpose=report.purpose,
        ip_address=ip_address,
        detail={"report_no": report_no, "view": access.value, "records": summary.records,
                "authorisation_id": report.authorisation_id, "content_sm3": report.content_sm3},
    )
    return IssuedReport(report=report, pdf=pdf)


def _answer(report: CreditReport | None, status: VerificationStatus, *, uscc: str | None = None,
            file_checked: bool = False, file_matches: bool | None = None) -> CreditReportVerificationRead:
    if report is None:
        return CreditReportVerificationRead(status=status, message=STATUS_LABELS[status], file_checked=file_checked)
    purpose = SELF_QUERY if report.view == Access.OWN else consent_service.PURPOSE_LABELS[REPORT_PURPOSE]
    return CreditReportVerificationRead(
        status=status, message=STATUS_LABELS[status], report_no=report.report_no, subject_name=report.subject_name,
        subject_uscc=uscc, generated_at=report.generated_at, recipient_name=report.recipient_name, purpose=purpose,
        file_checked=file_checked, file_matches=file_matches)


def verify(session: Session, *, code: str, pdf: bytes | None = None, principal: Principal | None = None,
           ip_address: str | None = None) -> CreditReportVerificationRead:
    """Whether a report with this verification code was issued, whose and for whom; with `pdf`, whether that file
    is the one issued (its SM3 digest). Open to anyone; every check is audited, found or not."""
    normalised = report_policy.normalise_code(code)
    if normalised is None:
        raise InvalidVerificationCode("校验码格式不正确：应为 16 位字母或数字，如 ABCD-EFGH-JKMN-PQRS",
                                      message_en="a verification code is 16 letters or digits")
    if pdf is not None and len(pdf) > MAX_PDF_BYTES:
        raise InvalidVerificationCode("上传的文件过大，信用报告 PDF 不超过 20 MB", message_en="file too large")
    address, now = ip_address or "unknown", clock.now()
    if not GUESSES.allowed(address, now):
        minutes = int(GUESSES.window.total_seconds() // 60)
        raise TooManyVerifications(f"核验未找到的校验码次数过多，请 {minutes} 分钟后再试",
                                   message_en="too many unknown codes from this address; try again later")
    report = session.scalars(select(CreditReport).where(CreditReport.verification_code == normalised)).one_or_none()
    matches = None
    if report is None:
        GUESSES.failed(address, now)
        status = VerificationStatus.NOT_FOUND
    else:
        matches = None if pdf is None else sm3_hex(pdf) == report.content_sm3
        status = VerificationStatus.ALTERED if matches is False else VerificationStatus.GENUINE
    audit_service.record(
        session, action="creditdata.credit_report_verified", outcome=status.value,
        actor=principal or audit_service.Actor.public(),
        subject_type="credit_report", subject_id=report.id if report else None,
        enterprise_id=report.enterprise_id if report else None, ip_address=ip_address,
        # An unknown code is kept only by its first group: enough to see guessing, nothing to replay.
        detail={"code": normalised if report else normalised[:4] + "…", "file_checked": pdf is not None},
    )
    uscc = registry_service.get(session, enterprise_id=report.enterprise_id).uscc if report else None
    return _answer(report, status, uscc=uscc, file_checked=pdf is not None, file_matches=matches)
