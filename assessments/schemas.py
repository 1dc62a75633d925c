"""Input and output schemas of the assessments API (assessments.api).

Body fields the endpoint needs are optional in the schema and checked by the endpoint after the
caller's access: who may not use an assessment learns that (403/404) before anything about the body.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from frameworks.schemas import ErrorOut, ProblemOut
from registry.schemas import PLAIN_TEXT, REGION_CODE

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000
MAX_CHANGES = 2_000
MAX_NOTE = 10_000
QUESTION_CODE = r"^[A-Za-z0-9_.\-]{1,64}$"
FRAMEWORK_CODE = r"^[A-Za-z0-9_\-]{1,40}$"
USCC = r"^[0-9A-Za-z]{18}$"


__all__ = ["ErrorOut", "ProblemOut"]  # re-exported: the API's error shapes are the frameworks ones


class ProblemsOut(Schema):
    error: str
    problems: list[ProblemOut]


class ConflictOut(Schema):
    question: str
    yours: Any = Field(description="the value you sent")
    theirs: Any = Field(description="the value saved by someone else since your revision")


class ConflictErrorOut(Schema):
    error: str
    revision: int = Field(description="the current revision: reload the answers and try again")
    conflicts: list[ConflictOut]


# --- list -----------------------------------------------------------------------------------------


class AssessmentQuery(Schema):
    """Filters and paging of GET /assessments. Omitted parameters do not filter; filters only
    narrow what you may see."""

    framework: str | None = Field(
        None, pattern=FRAMEWORK_CODE, description="成熟度模型代码 (model code), e.g. GEN-JS"
    )
    year: int | None = Field(None, ge=1900, le=2100, description="评估年度 (assessment year)")
    status: Literal["draft", "submitted"] | None = None
    kind: Literal["self", "diagnosis"] | None = Field(
        None, description="self: 企业自评; diagnosis: 服务商诊断"
    )
    enterprise: str | None = Field(
        None, pattern=USCC, description="统一社会信用代码 (the enterprise's USCC)"
    )
    county: str | None = Field(None, pattern=REGION_CODE, description="区县代码 (county code)")
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class EnterpriseRef(Schema):
    id: int
    uscc: str
    name: str


class RegionRef(Schema):
    code: str
    name: str


class AssessmentOut(Schema):
    id: int
    enterprise: EnterpriseRef
    county: RegionRef
    framework: str = Field(description="model code")
    framework_version: str = Field(description="CODE@VERSION")
    kind: Literal["self", "diagnosis"]
    status: Literal["draft", "submitted"]
    year: int
    revision: int
    total: float | None = Field(description="submitted only")
    level: str | None = Field(description="the level code reached (submitted only)")
    level_name: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


class AssessmentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AssessmentOut]


# --- detail ---------------------------------------------------------------------------------------


class FlagOut(Schema):
    code: str
    severity: str
    message: str
    detail: dict[str, Any]


class AssessmentDetailOut(AssessmentOut):
    variant: str
    max_total: float | None
    level_rank: int | None
    previous: int | None = Field(description="the submitted assessment this one carried over from")
    assignment: int | None = Field(description="the provider assignment of a diagnosis")
    created_by: str
    updated_by: str | None
    submitted_by: str | None
    editable: bool = Field(description="you may change the answers and submit")
    flags: list[FlagOut] | None = Field(
        description="plausibility flags (officials only; null for everyone else)"
    )
    risk_score: float | None = Field(description="officials only")


# --- answers --------------------------------------------------------------------------------------


class EvidenceOut(Schema):
    id: int
    name: str = Field(description="the uploaded file's name (display only)")
    size: int = Field(description="bytes")
    sha256: str
    kind: str = Field(description="file format, e.g. pdf, jpg, xlsx")
    uploaded_at: datetime


class AnswersOut(Schema):
    id: int
    status: Literal["draft", "submitted"]
    revision: int = Field(description="send it back with your changes (optimistic locking)")
    answers: dict[str, Any] = Field(description="question code → answer (docs/framework-format.md)")
    carried_from: dict[str, str] = Field(
        description="question code → where the answer was carried over from: previous:<id> or "
        "crosswalk:<model>:<id>"
    )
    site_notes: dict[str, str] = Field(description="diagnosis: section code → site notes")
    evidence: dict[str, list[EvidenceOut]] = Field(description="question code → evidence files")


class AnswersIn(Schema):
    revision: int | None = Field(
        None, ge=1, description="required: the revision your answers were loaded at"
    )
    changes: dict[str, Any] = Field(
        default_factory=dict,
        description="question code → new answer; null or an empty value clears the answer",
    )
    base: dict[str, Any] = Field(
        default_factory=dict,
        description="question code → the value you saw before changing it; lets changes based "
        "on an older revision merge when nobody else changed those questions",
    )
    site_notes: dict[str, str] = Field(
        default_factory=dict, description="diagnosis only: section code → site notes"
    )
    variant: str | None = Field(
        None,
        max_length=40,
        description="optional: the model variant (适用类型) to score the draft with, one of the "
        "model's variants (e.g. CMMM: discrete, process); changing it needs the current "
        "revision (no merge) and is saved together with the changes or not at all",
    )


class SaveOut(Schema):
    revision: int
    saved: list[str] = Field(description="question codes written")
    problems: list[ProblemOut] = Field(description="answers not saved, and why")


# --- submit, result, start ------------------------------------------------------------------------


class SubmitIn(Schema):
    revision: int | None = Field(
        None, ge=1, description="required: the revision you reviewed before submitting"
    )


class SummaryOut(Schema):
    id: int
    status: Literal["draft", "submitted"]
    revision: int
    framework_version: str
    total: float | None
    max_total: float | None
    level: str | None
    level_rank: int | None
    level_name: str | None
    dimension_scores: dict[str, float | None] = Field(description="section code → points")
    submitted_at: datetime | None


class BenchmarkGroupOut(Schema):
    group: Literal["county", "chain", "size", "province"]
    key: str
    label: str
    size: int = Field(description="enterprises in the group")
    percentile: float = Field(description="your total's mid-rank percentile in the group")
    median: float
    dimension_medians: dict[str, float]


class BenchmarkOut(Schema):
    groups: list[BenchmarkGroupOut]
    hidden: int = Field(description="groups not shown because they are too small")
    min_group: int
    computed_at: datetime | None
    note: str


class ResultOut(SummaryOut):
    result: dict[str, Any] = Field(
        description="the stored result with its explanation trail, as scored at submission"
    )
    benchmark: BenchmarkOut


class StartIn(Schema):
    framework: str | None = Field(
        None, max_length=40, pattern=PLAIN_TEXT, description="required: the model code"
    )
    year: int | None = Field(None, ge=2000, le=2100, description="default: this year")


class StartOut(Schema):
    id: int
    revision: int
    resumed: bool = Field(description="true: the open draft that already existed")
