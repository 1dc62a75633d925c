"""Input and output schemas of the recognition API (recognition.api).

Body fields an endpoint needs are optional in the schema and checked by the endpoint after the
caller's access: who may not use an application learns that (403/404) before anything about the
body. An assigned expert's view of an application is a schema of its own (ExpertApplicationOut)
that has no contact fields at all, so personal contact data cannot reach an expert's response.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from frameworks.schemas import ErrorOut
from registry.schemas import PLAIN_TEXT, REGION_CODE, RegionRef

__all__ = ["ErrorOut", "RegionRef"]  # re-exported: the API's error and region shapes

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000
MAX_ID = 2**63 - 1
MAX_REVISION = 2**31 - 1
MAX_EXPERTS = 20
MAX_TEXT = 20_000
MAX_REASON = 2_000
MAX_CRITERIA = 50
TYPE_CODE = r"^[a-z0-9_]{1,40}$"
ACTION_CODE = r"^[a-z_]{1,32}$"
CRITERION_CODE = r"^[A-Za-z0-9_.\-]{1,64}$"
MULTILINE_TEXT = r"^[^\x00]*$"  # line breaks allowed; no NUL (PostgreSQL refuses it)

StatusCode = Literal[
    "draft", "county_review", "city_review", "province_review", "expert_review", "site_check",
    "decision", "public_notice", "recognised", "returned", "rejected", "withdrawn",
]  # fmt: skip
RouteCode = Literal["standard", "province_administered", "direct"]


# --- list -----------------------------------------------------------------------------------------


class ApplicationQuery(Schema):
    """Filters and paging of GET /applications. Omitted parameters do not filter; filters only
    narrow what you may see."""

    type: str | None = Field(
        None,
        pattern=TYPE_CODE,
        description="申报类型代码 (application type), e.g. advanced_factory",
    )
    year: int | None = Field(None, ge=1900, le=2100, description="申报年度 (application year)")
    status: StatusCode | None = None
    city: str | None = Field(None, pattern=REGION_CODE, description="设区市代码 (city code)")
    county: str | None = Field(None, pattern=REGION_CODE, description="区县代码 (county code)")
    overdue: bool = Field(
        False, description="only applications whose current step is past its deadline"
    )
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class EnterpriseRef(Schema):
    id: int
    uscc: str
    name: str


class ApplicationOut(Schema):
    id: int
    type: str
    type_name: str
    year: int
    status: StatusCode
    status_label: str
    route: RouteCode
    enterprise: EnterpriseRef
    city: RegionRef
    county: RegionRef
    revision: int = Field(description="send it back with an edit or a step (optimistic locking)")
    submitted_at: datetime | None
    step_due: date | None = Field(description="the deadline of the current step")
    overdue: bool
    notice_start: date | None
    notice_end: date | None
    certificate_no: str | None
    created_at: datetime
    updated_at: datetime


class ApplicationPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ApplicationOut]


# --- detail ---------------------------------------------------------------------------------------


class CheckOut(Schema):
    rule: str
    kind: str
    label_zh: str
    label_en: str
    text_zh: str
    text_en: str
    passed: bool
    observed: str
    required: str
    verified: bool = Field(description="the rule was read in an official text")
    source: dict[str, str]


class EligibilityOut(Schema):
    eligible: bool
    checks: list[CheckOut]
    live: bool = Field(
        description="checked now against the latest results (the applicant, while the "
        "application can still be submitted); otherwise as stored at the last check"
    )


class CitedResultOut(Schema):
    id: int
    framework: str = Field(description="model code")
    framework_version: str = Field(description="CODE@VERSION")
    year: int
    total: float | None
    max_total: float | None
    level: str | None
    level_name: str | None
    submitted_at: datetime | None
    flags: list[dict[str, Any]] | None = Field(
        description="plausibility flags (officials only; null for everyone else)"
    )
    risk_score: float | None = Field(description="officials only")


class ChangeOut(Schema):
    field: str
    label: str
    before: Any
    after: Any


class TimelineOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    from_label: str
    to_label: str
    actor: str | None = Field(description="username; experts' names are shown to officials only")
    actor_role: str
    at: datetime
    reason: str
    changes: list[ChangeOut] = Field(description="on a resubmission: what changed since the return")


class SiteCheckOut(Schema):
    required: bool
    reason: str | None = Field(description="why it was drawn: officials only")
    passed: bool | None
    note: str


class CertificateOut(Schema):
    number: str
    year: int | None


class ActionOut(Schema):
    action: str
    label: str
    needs_reason: bool
    danger: bool
    takes: list[str] = Field(description="the body fields the step reads besides reason")


class SheetOut(Schema):
    expert: str
    due: date | None
    submitted_at: datetime | None
    scores: dict[str, float]
    total: float | None
    opinion: str
    comment: str


class SheetsOut(Schema):
    submitted: int
    average: float | None
    passes: int
    pass_mark: float
    max_total: float
    sheets: list[SheetOut]


class ApplicationDetailOut(ApplicationOut):
    view: Literal["full"] = Field(description="full: the enterprise's and the officials' view")
    route_label: str
    step_started_at: datetime | None
    decided_at: datetime | None
    certificate: CertificateOut | None
    summary: str
    achievements: str
    investment_10k_yuan: Decimal | None = Field(
        description="智能化改造投资（万元）, a decimal string"
    )
    contact_name: str
    contact_phone: str
    contact_email: str
    eligibility: EligibilityOut
    results: list[CitedResultOut]
    site_check: SiteCheckOut
    timeline: list[TimelineOut]
    expert_sheets: SheetsOut | None = Field(description="province officials only")
    editable: bool = Field(description="you may change the content (PATCH)")
    actions: list[ActionOut] = Field(
        description="the steps you may take now; send one with `revision` to /transitions"
    )


class CriterionOut(Schema):
    code: str
    name_zh: str
    name_en: str
    max: float


class ExpertSheetOut(Schema):
    due: date | None
    scores: dict[str, float]
    total: float | None
    opinion: str
    comment: str
    submitted_at: datetime | None


class ExpertApplicationOut(Schema):
    """An application as an assigned expert sees it: no contact data, no timeline, no flags."""

    view: Literal["expert"]
    id: int
    type: str
    type_name: str
    year: int
    status: StatusCode
    status_label: str
    enterprise_name: str
    enterprise_uscc: str
    city: str
    county: str
    industry: str
    summary: str
    achievements: str
    investment_10k_yuan: Decimal | None
    results: list[CitedResultOut]
    criteria: list[CriterionOut] = Field(description="the score sheet to fill in")
    sheet: ExpertSheetOut
    can_score: bool


ApplicationView = Annotated[
    ApplicationDetailOut | ExpertApplicationOut, Field(discriminator="view")
]


# --- writes ---------------------------------------------------------------------------------------


class ApplicationCreateIn(Schema):
    type: str | None = Field(
        None, pattern=TYPE_CODE, description="required: the application type code"
    )
    year: int | None = Field(None, ge=2000, le=2100, description="default: this year")


class ApplicationUpdateIn(Schema):
    """Only the fields you send are changed; null or "" clears a field."""

    revision: int | None = Field(
        None, ge=1, le=MAX_REVISION, description="required: the revision you edited"
    )
    summary: str | None = Field(None, max_length=MAX_TEXT, pattern=MULTILINE_TEXT)
    achievements: str | None = Field(None, max_length=MAX_TEXT, pattern=MULTILINE_TEXT)
    investment_10k_yuan: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    contact_name: str | None = Field(None, max_length=40, pattern=PLAIN_TEXT)
    contact_phone: str | None = Field(None, max_length=30, pattern=PLAIN_TEXT)
    contact_email: str | None = Field(None, max_length=254, pattern=PLAIN_TEXT)


ExpertRef = (
    Annotated[int, Field(ge=1, le=MAX_ID)]
    | Annotated[str, Field(min_length=1, max_length=150, pattern=PLAIN_TEXT)]
)


class TransitionIn(Schema):
    action: str | None = Field(
        None,
        pattern=ACTION_CODE,
        description="required: one of the `actions` of the application (recognition.workflow)",
    )
    revision: int | None = Field(
        None, ge=1, le=MAX_REVISION, description="required: the revision you acted on"
    )
    reason: str = Field(
        "", max_length=MAX_REASON, pattern=MULTILINE_TEXT, description="opinion or reason"
    )
    experts: list[ExpertRef] | None = Field(
        None,
        max_length=MAX_EXPERTS,
        description="assign_experts: the experts, by user id (number) or username (string)",
    )
    passed: bool | None = Field(None, description="site_check_record: the result")
    note: str | None = Field(
        None, max_length=MAX_TEXT, pattern=MULTILINE_TEXT, description="site_check_record"
    )
    notice_start: date | None = Field(None, description="approve: default today")


class TransitionOut(Schema):
    id: int
    status: StatusCode
    status_label: str
    revision: int
    step_due: date | None
    notice_start: date | None
    notice_end: date | None
    certificate_no: str | None
    actions: list[ActionOut] = Field(description="the steps you may take next")


class ConflictOut(Schema):
    error: str
    status: StatusCode = Field(description="the application's current status")
    revision: int = Field(description="the current revision: reload the application")


class ExpertSheetIn(Schema):
    scores: dict[Annotated[str, Field(pattern=CRITERION_CODE)], float | None] = Field(
        default_factory=dict,
        max_length=MAX_CRITERIA,
        description="criterion code → points (0 to the criterion's max; see `criteria`)",
    )
    opinion: Literal["pass", "fail"] | None = Field(None, description="required")
    comment: str = Field("", max_length=MAX_TEXT, pattern=MULTILINE_TEXT)


class ExpertSheetResultOut(Schema):
    id: int = Field(description="the application")
    status: StatusCode = Field(description="decision (or site_check) once the last sheet is in")
    sheet: ExpertSheetOut


# --- public notices -------------------------------------------------------------------------------


class NoticeQuery(Schema):
    status: Literal["public_notice", "recognised"] | None = None


class NoticeOut(Schema):
    enterprise_name: str
    city: str
    county: str
    type_name: str
    year: int
    status: Literal["public_notice", "recognised"]
    status_label: str
    notice_start: date | None
    notice_end: date | None
    certificate_no: str = Field(description="recognised only; empty in public notice")
    certificate_year: int | None
