"""Kinds of organisation and the roles their users hold."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    """What an organisation is on the platform."""

    ENTERPRISE = "enterprise"
    BANK = "bank"
    GUARANTEE_COMPANY = "guarantee_company"
    CREDIT_AGENCY = "credit_agency"
    GOVERNMENT_DEPARTMENT = "government_department"
    PLATFORM_OPERATOR = "platform_operator"


class Role(StrEnum):
    """What a user or an API client may do."""

    ENTERPRISE_ADMIN = "enterprise_admin"
    ENTERPRISE_STAFF = "enterprise_staff"
    BANK_LOAN_OFFICER = "bank_loan_officer"
    BANK_MANAGER = "bank_manager"
    GUARANTEE_OFFICER = "guarantee_officer"
    AGENCY_ANALYST = "agency_analyst"
    DEPARTMENT_DATA_OFFICER = "department_data_officer"
    GOVERNMENT_SUPERVISOR = "government_supervisor"
    PLATFORM_ADMIN = "platform_admin"
    # An onboarded institution's own administrator: signs the usage commitment, manages its API clients.
    INSTITUTION_ADMIN = "institution_admin"
    # A community's grid worker (网格员) of a street office or town government: visits merchants, brings them in.
    GRID_WORKER = "grid_worker"


class OrgStatus(StrEnum):
    """Whether an organisation's people and clients may act."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


ROLES_BY_KIND: dict[OrgKind, frozenset[Role]] = {
    OrgKind.ENTERPRISE: frozenset({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF}),
    OrgKind.BANK: frozenset({Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER, Role.INSTITUTION_ADMIN}),
    OrgKind.GUARANTEE_COMPANY: frozenset({Role.GUARANTEE_OFFICER, Role.INSTITUTION_ADMIN}),
    OrgKind.CREDIT_AGENCY: frozenset({Role.AGENCY_ANALYST, Role.INSTITUTION_ADMIN}),
    OrgKind.GOVERNMENT_DEPARTMENT: frozenset({Role.DEPARTMENT_DATA_OFFICER, Role.GOVERNMENT_SUPERVISOR,
                                                      Role.GRID_WORKER}),
    OrgKind.PLATFORM_OPERATOR: frozenset({Role.PLATFORM_ADMIN}),
}

ORG_KIND_LABELS: dict[OrgKind, str] = {
    OrgKind.ENTERPRISE: "市场主体",
    OrgKind.BANK: "银行",
    OrgKind.GUARANTEE_COMPANY: "担保公司",
    OrgKind.CREDIT_AGENCY: "信用服务机构",
    OrgKind.GOVERNMENT_DEPARTMENT: "政府部门",
    OrgKind.PLATFORM_OPERATOR: "平台运营方",
}

ROLE_LABELS: dict[Role, str] = {
    Role.ENTERPRISE_ADMIN: "企业管理员",
    Role.ENTERPRISE_STAFF: "企业经办人",
    Role.BANK_LOAN_OFFICER: "银行客户经理",
    Role.BANK_MANAGER: "银行信贷主管",
    Role.GUARANTEE_OFFICER: "担保业务员",
    Role.AGENCY_ANALYST: "信用服务分析员",
    Role.DEPARTMENT_DATA_OFFICER: "部门数据专员",
    Role.GOVERNMENT_SUPERVISOR: "政府监管人员",
    Role.PLATFORM_ADMIN: "平台管理员",
    Role.INSTITUTION_ADMIN: "机构管理员",
    Role.GRID_WORKER: "网格员",
}

ENTERPRISE_ROLES = ROLES_BY_KIND[OrgKind.ENTERPRISE]
BANK_ROLES = ROLES_BY_KIND[OrgKind.BANK]
# Institutions (机构): the kinds that apply to connect, are authorised by entities and read their credit information
# under those authorisations; in the order forms list them.
INSTITUTION_KINDS: tuple[OrgKind, ...] = (OrgKind.BANK, OrgKind.GUARANTEE_COMPANY, OrgKind.CREDIT_AGENCY)
# The roles with which an institution's people and systems read an entity's credit information (信易查, the file, the
# report, the portrait): every role of an institution kind except its administrator's.
INSTITUTION_READER_ROLES: tuple[Role, ...] = (Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER, Role.GUARANTEE_OFFICER,
                                              Role.AGENCY_ANALYST)
