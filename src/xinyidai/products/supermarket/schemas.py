"""API shapes of the district's policy articles."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from xinyidai.text import Text


class ArticleStatus(StrEnum):
    """Whether the public sees an article."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


ARTICLE_STATUS_LABELS = {
    ArticleStatus.DRAFT: "草稿", ArticleStatus.PUBLISHED: "已发布", ArticleStatus.RETIRED: "已停用",
}


class PolicyArticleCreate(BaseModel):
    """A policy article the platform administrator writes (a draft until published)."""

    title: Text = Field(min_length=4, max_length=200)
    issuer: Text = Field(min_length=2, max_length=100, description="Who issued the policy (发文机关)")
    document_no: Text = Field(default="", max_length=60, description="The document number (文号)")
    issued_date: date
    summary: Text = Field(min_length=10, max_length=1000, description="What a firm gets and how, in plain words")
    body: Text = Field(default="", max_length=20000)
    source_url: Text | None = Field(default=None, max_length=500, pattern=r"^https://[^\s]+$")


class PolicyArticleUpdate(PolicyArticleCreate):
    """The whole of an article, as corrected."""


class PolicyArticleRead(BaseModel):
    """A policy article as the public reads it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    issuer: str
    document_no: str
    issued_date: date
    summary: str
    body: str
    source_url: str | None
    status: ArticleStatus
    published_at: datetime | None
