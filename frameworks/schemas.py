"""Input and output schemas of the frameworks API (frameworks.api)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    error: str


class ProblemOut(Schema):
    code: str
    question: str | None = None
    message: str


class ScoreErrorOut(Schema):
    error: str
    problems: list[ProblemOut]


class FrameworkVersionOut(Schema):
    code: str
    version: str
    label: str = Field(description="CODE@VERSION")
    status: str = Field(description="draft | published | superseded")
    title_zh: str
    title_en: str
    provisional: bool
    digest: str = Field(description="SHA-256 of the canonical definition")
    imported_at: datetime
    published_at: datetime | None
    superseded_at: datetime | None


class FrameworkVersionDetailOut(FrameworkVersionOut):
    definition: dict[str, Any] = Field(description="the canonical definition (zhigai-framework/1)")


class PrerequisiteIn(Schema):
    level: str | None = Field(None, max_length=64, description="the level code reached")
    total: float | None = Field(None, description="the total score")


class ScoreIn(Schema):
    answers: dict[str, Any] = Field(
        default_factory=dict, description="question code → answer (docs/framework-format.md)"
    )
    variant: str | None = Field(None, max_length=64, description="e.g. CMMM discrete | process")
    prerequisites: dict[str, PrerequisiteIn] = Field(
        default_factory=dict,
        description="model code → the enterprise's result of that model (prerequisite rules)",
    )
