"""Kinds, statuses and sizes of market entities."""

from __future__ import annotations

from enum import StrEnum


class EntityKind(StrEnum):
    """The legal form of a market entity."""

    ENTERPRISE = "enterprise"
    INDIVIDUAL_BUSINESS = "individual_business"
    FARMERS_COOPERATIVE = "farmers_cooperative"
    FAMILY_FARM = "family_farm"


class OperatingStatus(StrEnum):
    """Registration status as market supervision records it."""

    IN_OPERATION = "in_operation"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    MOVED_OUT = "moved_out"


class EntityScale(StrEnum):
    """Enterprise size class (企业划型)."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"


class AreaKind(StrEnum):
    """A town (镇) or a street (街道)."""

    TOWN = "town"
    STREET = "street"


ENTITY_KIND_LABELS = {
    EntityKind.ENTERPRISE: "企业",
    EntityKind.INDIVIDUAL_BUSINESS: "个体工商户",
    EntityKind.FARMERS_COOPERATIVE: "农民专业合作社",
    EntityKind.FAMILY_FARM: "家庭农场",
}
OPERATING_STATUS_LABELS = {
    OperatingStatus.IN_OPERATION: "存续（在营）",
    OperatingStatus.SUSPENDED: "停业",
    OperatingStatus.REVOKED: "吊销",
    OperatingStatus.CANCELLED: "注销",
    OperatingStatus.MOVED_OUT: "迁出",
}
SCALE_LABELS = {EntityScale.MICRO: "微型", EntityScale.SMALL: "小型", EntityScale.MEDIUM: "中型"}
