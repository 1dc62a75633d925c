"""Reads of the recognition app, each scoped to what the user may see.

- enterprise users: their enterprise's applications (drafts included);
- county / city / province officials: submitted applications of enterprises in their jurisdiction
  (accounts.scoping); drafts are the enterprise's working papers;
- experts: only the applications assigned to them, and only through `expert_view`, which carries
  no personal contact data (no contact name, phone or e-mail, no enterprise users or contacts);
- service providers and platform admins: none;
- anyone, logged in or not: `public_notices` (public notice and recognised lists, public fields).
Out-of-scope objects answer 404.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Role
from accounts.scoping import scope_to_enterprises
from assessments.models import Assessment
from audit.models import AuditEvent
from audit.services import audit_record
from recognition.application_types import catalogue, type_name
from recognition.models import Application, ExpertAssignment, Transition
from recognition.workflow import TRANSITIONS

S = Application.Status
NOT_FOUND = "申报不存在或无权查看 / Application not found or not visible to you"
OFFICIAL_ROLES = (Role.COUNTY, Role.CITY, Role.PROVINCE)
# The statuses each role acts on: its queue.
QUEUE_STATUSES: dict[str, tuple[str, ...]] = {
    Role.COUNTY: (S.COUNTY_REVIEW,),
    Role.CITY: (S.CITY_REVIEW,),
    Role.PROVINCE: (S.PROVINCE_REVIEW, S.EXPERT_REVIEW, S.SITE_CHECK, S.DECISION, S.PUBLIC_NOTICE),
}
# Statuses in which the step has a deadline that can pass.
ACTIVE_STATUSES = (
    S.COUNTY_REVIEW,
    S.CITY_REVIEW,
    S.PROVINCE_REVIEW,
    S.EXPERT_REVIEW,
    S.SITE_CHECK,
    S.DECISION,
)


def application_list_for_user(*, user: Any) -> QuerySet[Application]:
    base = Application.objects.select_related(
        "enterprise", "enterprise__city", "enterprise__county"
    )
    role = getattr(user, "role", "")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if role == Role.ENTERPRISE:
        return scope_to_enterprises(base, user, path="enterprise")
    if role in OFFICIAL_ROLES:
        return scope_to_enterprises(base, user, path="enterprise").filter(
            submitted_at__isnull=False
        )
    if role == Role.EXPERT:
        return base.filter(expert_assignments__expert=user)
    return base.none()


def application_get_for_user(*, user: Any, pk: int) -> Application:
    """Application `pk` if `user` may see it; else Http404 (out of scope is audited)."""
    found = application_list_for_user(user=user).filter(pk=pk).first()
    if found is not None:
        return found
    if Application.objects.filter(pk=pk).exists():
        audit_record(
            action="access.out_of_scope",
            object_type="recognition.application",
            object_id=str(pk),
            result=AuditEvent.Result.DENIED,
        )
    raise Http404(NOT_FOUND)


def _status_label(status: str) -> str:
    return str(S(status).label)


# --- cited results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitedResult:
    """A result an application cites, as reviewers (and experts) see it."""

    pk: int
    framework_code: str
    version_label: str
    kind: str
    year: int
    total: float | None
    max_total: float | None
    level: str
    level_name: str
    flags: tuple[dict[str, Any], ...]
    risk_score: float
    submitted_at: datetime | None
    url: str


def result_url(pk: int) -> str:
    """The assessment result page, when the assessments app has it."""
    try:
        return reverse("assessments:result", kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def cited_results(application: Application) -> list[CitedResult]:
    results = application.results.select_related("framework", "framework_version").order_by(
        "framework__code"
    )
    return [_cited(result) for result in results]


def _cited(result: Assessment) -> CitedResult:
    return CitedResult(
        pk=result.pk,
        framework_code=result.framework.code,
        version_label=result.framework_version.label,
        kind=result.get_kind_display(),
        year=result.year,
        total=result.total,
        max_total=result.max_total,
        level=result.level,
        level_name=result.level_name,
        flags=tuple(result.flags or ()),
        risk_score=result.risk_score,
        submitted_at=result.submitted_at,
        url=result_url(result.pk),
    )


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class TimelineEntry:
    transition: Transition
    action_label: str
    from_label: str
    to_label: str
    changes: list[Change]


def _field_label(name: str) -> str:
    try:
        return str(Application._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    except FieldDoesNotExist:  # a field removed since: show its name
        return name


def application_timeline(application: Application) -> list[TimelineEntry]:
    """The application's steps, oldest first, with readable labels and the resubmission diffs."""
    transitions = application.transitions.select_related("actor").order_by("at", "pk")
    return [
        TimelineEntry(
            transition=t,
            action_label=str(TRANSITIONS[t.action].label) if t.action in TRANSITIONS else t.action,
            from_label=_status_label(t.from_status),
            to_label=_status_label(t.to_status),
            changes=[
                Change(name, _field_label(name), diff.get("before"), diff.get("after"))
                for name, diff in sorted(t.changes.items())
            ],
        )
        for t in transitions
    ]


@dataclass(frozen=True)
class SheetSummary:
    sheets: list[ExpertAssignment]
    submitted: int
    average: float | None
    passes: int
    pass_mark: float
    max_total: float


def expert_sheets_summary(application: Application) -> SheetSummary:
    """The experts' sheets of an application, with the average total and the pass count."""
    sheet = catalogue().types[application.type].score_sheet
    sheets = list(application.expert_assignments.select_related("expert").order_by("pk"))
    done = [s for s in sheets if s.is_submitted and s.total is not None]
    average = sum(s.total or 0 for s in done) / len(done) if done else None
    return SheetSummary(
        sheets=sheets,
        submitted=len(done),
        average=average,
        passes=sum(1 for s in done if s.opinion == "pass"),
        pass_mark=sheet.pass_mark,
        max_total=sheet.max_total,
    )


# --- reviewer queues -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    type: str | None = None
    year: int | None = None
    status: str | None = None
    city: str | None = None
    county: str | None = None
    overdue: bool = False
    q: str | None = None


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class Queue:
    rows: QuerySet[Application]
    counts: list[StatusCount]
    overdue: int
    statuses: tuple[str, ...]


def _filtered(queryset: QuerySet[Application], filters: QueueFilters) -> QuerySet[Application]:
    if filters.type:
        queryset = queryset.filter(type=filters.type)
    if filters.year:
        queryset = queryset.filter(year=filters.year)
    if filters.city:
        queryset = queryset.filter(enterprise__city_id=filters.city)
    if filters.county:
        queryset = queryset.filter(enterprise__county_id=filters.county)
    if filters.q:
        queryset = queryset.filter(
            Q(enterprise__name__icontains=filters.q) | Q(enterprise__uscc=filters.q.upper())
        )
    return queryset


def _overdue_q() -> Q:
    return Q(step_due__lt=timezone.localdate(), status__in=ACTIVE_STATUSES)


def queue_for_user(*, user: Any, filters: QueueFilters | None = None) -> Queue:
    """The applications `user` acts on (QUEUE_STATUSES of their role, in their jurisdiction),
    filtered, with counts per status and the number overdue (over the filters other than status).
    A status filter outside the queue shows that status (processed applications, for instance)."""
    filters = filters or QueueFilters()
    statuses = QUEUE_STATUSES.get(getattr(user, "role", ""), ())
    scoped = _filtered(application_list_for_user(user=user), filters)
    in_queue = scoped.filter(status__in=statuses)
    grouped = in_queue.order_by().values("status").annotate(n=Count("pk"))
    by_status = {row["status"]: row["n"] for row in grouped}
    counts = [StatusCount(s, _status_label(s), by_status.get(s, 0)) for s in statuses]
    overdue = in_queue.filter(_overdue_q()).count()
    valid = {choice for choice, _ in S.choices} - {S.DRAFT}
    rows = scoped.filter(status=filters.status) if filters.status in valid else in_queue
    if filters.overdue:
        rows = rows.filter(_overdue_q())
    rows = rows.order_by(F("step_due").asc(nulls_last=True), "pk")
    return Queue(rows=rows, counts=counts, overdue=overdue, statuses=statuses)


def is_overdue(application: Application, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        application.status in ACTIVE_STATUSES
        and application.step_due is not None
        and application.step_due < today
    )


# --- what an expert sees -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertSheet:
    """The expert's own sheet (no application object behind it)."""

    due: date | None
    scores: dict[str, float]
    total: float | None
    opinion: str
    comment: str
    submitted_at: datetime | None

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


@dataclass(frozen=True)
class ExpertView:
    """An application as an assigned expert sees it. Built field by field, so personal contact
    data (contact name, phone, e-mail; enterprise users and contacts) cannot reach a template."""

    pk: int
    type: str
    type_name: str
    year: int
    status: str
    status_label: str
    enterprise_name: str
    enterprise_uscc: str
    city: str
    county: str
    industry: str
    summary: str
    achievements: str
    investment_10k_yuan: Decimal | None
    results: tuple[CitedResult, ...]
    sheet: ExpertSheet
    can_score: bool


@dataclass(frozen=True)
class ExpertSheetRow:
    """One line of the expert's list: public facts of the application and the sheet's state."""

    pk: int
    type_name: str
    year: int
    status_label: str
    enterprise_name: str
    due: date | None
    submitted_at: datetime | None
    total: float | None
    opinion: str


def _sheet(assignment: ExpertAssignment) -> ExpertSheet:
    return ExpertSheet(
        due=assignment.due,
        scores=dict(assignment.scores or {}),
        total=assignment.total,
        opinion=assignment.opinion,
        comment=assignment.comment,
        submitted_at=assignment.submitted_at,
    )


def expert_assignment_list(*, user: Any) -> list[ExpertSheetRow]:
    """The applications assigned to expert `user`, newest assignment first."""
    if getattr(user, "role", "") != Role.EXPERT or not user.is_active:
        return []
    rows = (
        ExpertAssignment.objects.filter(expert=user)
        .order_by("-assigned_at", "-pk")
        .values(
            "application_id",
            "application__type",
            "application__year",
            "application__status",
            "application__enterprise__name",
            "due",
            "submitted_at",
            "total",
            "opinion",
        )
    )
    return [
        ExpertSheetRow(
            pk=row["application_id"],
            type_name=type_name(row["application__type"]),
            year=row["application__year"],
            status_label=_status_label(row["application__status"]),
            enterprise_name=row["application__enterprise__name"],
            due=row["due"],
            submitted_at=row["submitted_at"],
            total=row["total"],
            opinion=row["opinion"],
        )
        for row in rows
    ]


def expert_view(*, user: Any, pk: int) -> ExpertView:
    """Application `pk` as the assigned expert `user` sees it; Http404 if not assigned."""
    if getattr(user, "role", "") != Role.EXPERT:
        raise Http404(NOT_FOUND)
    assignment = (
        ExpertAssignment.objects.filter(application_id=pk, expert=user)
        .select_related(
            "application",
            "application__enterprise",
            "application__enterprise__city",
            "application__enterprise__county",
            "application__enterprise__industry",
        )
        .first()
    )
    if assignment is None:
        application_get_for_user(user=user, pk=pk)  # audits an out-of-scope look, then 404
        raise Http404(NOT_FOUND)
    app = assignment.application
    enterprise = app.enterprise
    return ExpertView(
        pk=app.pk,
        type=app.type,
        type_name=type_name(app.type),
        year=app.year,
        status=app.status,
        status_label=_status_label(app.status),
        enterprise_name=enterprise.name,
        enterprise_uscc=enterprise.uscc,
        city=enterprise.city.name if enterprise.city else "",
        county=enterprise.county.name if enterprise.county else "",
        industry=f"{enterprise.industry_id} {enterprise.industry.name}",
        summary=app.summary,
        achievements=app.achievements,
        investment_10k_yuan=app.investment_10k_yuan,
        results=tuple(cited_results(app)),
        sheet=_sheet(assignment),
        can_score=app.status == S.EXPERT_REVIEW and not assignment.is_submitted,
    )


# --- public notices ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicNotice:
    """One line of the public notice page: public data only."""

    enterprise_name: str
    city: str
    county: str
    type_name: str
    year: int
    status: str
    status_label: str
    notice_start: date | None
    notice_end: date | None
    certificate_no: str
    certificate_year: int | None


def public_notices(*, today: date | None = None) -> list[PublicNotice]:
    """Applications in public notice, and those recognised, in the current or the last year."""
    since = (today or timezone.localdate()).year - 1
    rows = (
        Application.objects.filter(
            Q(status=S.PUBLIC_NOTICE, notice_end__year__gte=since)
            | Q(status=S.RECOGNISED, certificate_year__gte=since)
        )
        .order_by("status", "-notice_start", "enterprise__name", "pk")
        .values(
            "enterprise__name",
            "enterprise__city__name",
            "enterprise__county__name",
            "type",
            "year",
            "status",
            "notice_start",
            "notice_end",
            "certificate_no",
            "certificate_year",
        )
    )
    return [_notice(row) for row in rows]


def _notice(row: Mapping[str, Any]) -> PublicNotice:
    return PublicNotice(
        enterprise_name=row["enterprise__name"],
        city=row["enterprise__city__name"] or "",
        county=row["enterprise__county__name"] or "",
        type_name=type_name(row["type"]),
        year=row["year"],
        status=row["status"],
        status_label=_status_label(row["status"]),
        notice_start=row["notice_start"],
        notice_end=row["notice_end"],
        certificate_no=row["certificate_no"] or "",
        certificate_year=row["certificate_year"],
    )


def recognised_get_for_user(*, user: Any, pk: int) -> Application:
    """A recognised application `user` may see (its certificate); Http404 otherwise."""
    application = application_get_for_user(user=user, pk=pk)
    if application.status != S.RECOGNISED:
        raise Http404(NOT_FOUND)
    return application


def type_choices() -> list[tuple[str, str]]:
    return [(code, kind.name.zh) for code, kind in catalogue().types.items()]


def flags_of(results: Iterable[CitedResult]) -> list[tuple[CitedResult, dict[str, Any]]]:
    """(result, flag) for every plausibility flag of the cited results, for reviewers."""
    return [(result, flag) for result in results for flag in result.flags]
