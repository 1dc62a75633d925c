"""Writes of the target tracker: loading the plan, adjusting targets (with a reason and history),
splitting targets over cities and counties, cities' annual work plans, and reported actuals
(submit with evidence, approve, reject, XLSX upload that applies all rows or none). Every change is
written to the audit trail. Permissions are checked here too (targets.access), so a view or a
command cannot skip them."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from registry.models import Region
from targets import access
from targets.models import (
    Allocation,
    Commitment,
    PlanTask,
    Report,
    ReportEvidence,
    Target,
    TargetRevision,
    WorkPlan,
)
from targets.plan import Plan, load_plan
from targets.progress import allocate

PLAN_YEARS = (2025, 2026, 2027)

REASON_REQUIRED = "调整目标须说明理由 (A target adjustment needs a reason)"
NOTHING_CHANGED = "目标未改变 (Nothing changed)"
NOT_EDITABLE = "只有省级管理员可以调整目标 (Only the province adjusts targets)"
BAD_VALUE = "目标值须为非负数 (Target values must be non-negative numbers)"
BAD_RANGE = "区间上限须大于目标值 (The range's upper bound must exceed the target value)"
NOT_ALLOCATOR = "无权分解该地区的目标 (You may not set targets for this region)"
NOT_ALLOCATABLE = "该目标按每个设区市考核，无需分解 (This target applies to every city as it is)"
NO_BASE = "尚无规上企业数据，无法按比例分解 (No above-scale enterprise counts to split by)"
NOT_PLANNER = (
    "只有本市管理员可以编制本市年度工作计划 (Only the city's officials write its work plan)"
)
PLAN_SUBMITTED = "工作计划已报送，不能修改 (The work plan was submitted and cannot be changed)"
BAD_YEAR = "年度须在 2025–2027 之间 (The year must be 2025 to 2027)"
NOT_REPORTER = "无权上报该目标在该地区的实绩 (You may not report this target for this region)"
NOT_REVIEWER = (
    "只有牵头部门或统筹部门的其他人员可以审核 "
    "(Only another official of the lead or coordinating department may review)"
)
NOT_PENDING = "该上报已审核 (This report was already reviewed)"
REJECT_NEEDS_NOTE = "退回须说明理由 (A rejection needs a reason)"
PENDING_EXISTS = "该期已有待审核的上报，请等待审核 (A report for this period is waiting for review)"
BAD_QUARTER = "季度须为 1–4 (The quarter must be 1 to 4)"
PERIOD_NOT_ENDED = (
    "该季度尚未结束，季度结束后再上报 (The quarter has not ended yet; report after it ends)"
)
SHARE_OVER_100 = "占比不能超过 100 (A share cannot exceed 100)"
EVIDENCE_REQUIRED = "请附佐证材料或填写佐证说明 (Attach evidence or describe it)"
# Larger than any figure of the plan by far, small enough that sums of every city and the
# forecast's squares stay finite (a reported 1.7e308 made the province sum infinite).
MAX_VALUE = 1e12
TOO_LARGE = "数值不能超过 1 万亿 (A value cannot exceed 10^12)"

EDITABLE_FIELDS = ("baseline", "values", "value_2027", "value_max", "bound", "note")


# --- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLoadResult:
    tasks_created: int
    targets_created: int
    targets_kept: int


@transaction.atomic
def plan_load(*, plan: Plan | None = None) -> PlanLoadResult:
    """Write the plan's tasks and targets (targets/data/plan-2025-2027.yaml). Tasks are refreshed
    from the file; a target already in the database is kept as it is (the province may have
    adjusted it: its history is in TargetRevision), new ones are created. Idempotent."""
    plan = plan or load_plan()
    tasks_created = targets_created = kept = 0
    for task in plan.tasks:
        _, created = PlanTask.objects.update_or_create(
            number=task.number,
            defaults={
                "part": task.part,
                "title_zh": task.title["zh"],
                "title_en": task.title["en"],
                "lead": task.lead,
                "cooperating": list(task.cooperating),
                "departments_text": task.departments_text,
            },
        )
        tasks_created += created
        for position, item in enumerate(task.targets):
            if Target.objects.filter(code=item.code).exists():
                kept += 1
                continue
            target = Target(
                code=item.code,
                task_id=task.number,
                position=position,
                name_zh=item.name["zh"],
                name_en=item.name["en"],
                metric=item.metric,
                unit=item.unit,
                kind=item.kind,
                bound=item.bound,
                baseline=item.baseline,
                values={str(year): value for year, value in item.values.items()},
                value_2027=item.value_2027,
                value_max=item.value_max,
                scope=item.scope,
                period=item.period,
                actual=item.actual,
                figure=None if item.figure is None else vars(item.figure).copy(),
                quote=item.quote,
                verified=item.verified,
                note=item.note,
            )
            target.full_clean()
            target.save(force_insert=True)
            targets_created += 1
    if tasks_created or targets_created:
        audit_record(
            action="targets.plan_load",
            object_type="targets.plan",
            object_id=plan.version,
            after={"tasks": tasks_created, "targets": targets_created, "kept": kept},
        )
    return PlanLoadResult(tasks_created, targets_created, kept)


def _clean_number(value: Any, *, allow_none: bool = True) -> float | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationError(BAD_VALUE)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(BAD_VALUE) from None
    if not math.isfinite(number) or number < 0:
        raise ValidationError(BAD_VALUE)
    if number > MAX_VALUE:
        raise ValidationError(TOO_LARGE)
    return number


def _clean_values(target: Target, value: Any) -> dict[str, float]:
    """The target's per-year values with the given years changed (None or "" removes a year's
    value); years outside the plan are refused."""
    if not isinstance(value, Mapping):
        raise ValidationError(BAD_VALUE)
    merged = dict(target.values)
    for year, number in value.items():
        if str(year) not in {str(y) for y in PLAN_YEARS}:
            raise ValidationError(BAD_YEAR)
        clean = _clean_number(number)
        if clean is None:
            merged.pop(str(year), None)
        else:
            merged[str(year)] = clean
    return dict(sorted(merged.items()))


def _clean_changes(target: Target, changes: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in EDITABLE_FIELDS:
            raise ValidationError(f"unknown field {field!r}")
        if field == "values":
            clean[field] = _clean_values(target, value)
        elif field in ("baseline", "value_2027", "value_max"):
            clean[field] = _clean_number(value)
        elif field == "bound":
            if value not in Target.Bound.values:
                raise ValidationError(f"unknown bound {value!r}")
            clean[field] = value
        else:
            clean[field] = str(value)
    return clean


@transaction.atomic
def target_update(*, target: Target, changes: Mapping[str, Any], reason: str, by: User) -> Target:
    """Adjust `target` (目标调整): values, 2027 value, range bound, baseline, note. The reason is
    required and kept with the change in TargetRevision and the audit trail."""
    if not access.may_edit_targets(by):
        raise PermissionDenied(NOT_EDITABLE)
    if not reason.strip():
        raise ValidationError(REASON_REQUIRED)
    current = Target.objects.select_for_update().get(pk=target.pk)
    clean = _clean_changes(current, changes)
    diff = {
        field: [getattr(current, field), value]
        for field, value in clean.items()
        if getattr(current, field) != value
    }
    if not diff:
        raise ValidationError(NOTHING_CHANGED)
    for field, (_, after) in diff.items():
        setattr(current, field, after)
    if current.bound == Target.Bound.RANGE and not (
        current.value_max is not None
        and current.value_2027 is not None
        and current.value_max > current.value_2027
    ):
        raise ValidationError(BAD_RANGE)
    if current.is_share and any(
        v is not None and v > 100 for v in (current.value_2027, *current.values.values())
    ):
        raise ValidationError(SHARE_OVER_100)
    current.version += 1
    current.full_clean()
    current.save()
    TargetRevision.objects.create(
        target=current, version=current.version, changes=diff, reason=reason.strip(), changed_by=by
    )
    audit_record(
        action="target.update",
        obj=current,
        before={field: before for field, (before, _) in diff.items()},
        after={field: after for field, (_, after) in diff.items()},
        note=reason.strip(),
    )
    return current


# --- decomposition ---------------------------------------------------------------------------


def _allocation_years(target: Target) -> list[int]:
    """0 for the end-of-plan value; each year with a value for per-year targets."""
    if target.kind == Target.Kind.PER_YEAR:
        return [year for year in PLAN_YEARS if target.value_for(year) is not None]
    return [0]


def _parent_value(target: Target, parent: Region, year: int) -> float | None:
    if parent.level == Region.Level.PROVINCE:
        return target.value_2027 if year == 0 else target.value_for(year)
    allocation = Allocation.objects.filter(target=target, region=parent, year=year).first()
    return None if allocation is None else allocation.value


# Units that are measures rather than things counted one by one: split without rounding.
FRACTIONAL_UNITS = ("EFLOPS", "万架")


def _whole_units(target: Target, total: float) -> bool:
    return float(total).is_integer() and target.unit not in FRACTIONAL_UNITS


@transaction.atomic
def allocation_default(
    *, target: Target, parent: Region, base: Mapping[str, int], by: User
) -> list[Allocation]:
    """Split `target` over the regions below `parent` (the province → its cities, a city → its
    counties) in proportion to each one's above-scale enterprises (`base`: region code → count,
    e.g. from selectors.above_scale_base). A share target gives every region the same share.
    Counts are split with the largest-remainder method so they add up to the parent's value.
    Replaces the regions' existing allocations for the target."""
    if target.scope == Target.Scope.EACH_CITY:
        raise ValidationError(NOT_ALLOCATABLE)
    children = list(Region.objects.filter(parent=parent).exclude(level=Region.Level.ZONE))
    if not children or not all(access.may_allocate(by, child) for child in children):
        raise PermissionDenied(NOT_ALLOCATOR)
    weights = {child.code: float(base.get(child.code, 0)) for child in children}
    if not target.is_share and sum(weights.values()) <= 0:
        raise ValidationError(NO_BASE)
    written = []
    for year in _allocation_years(target):
        total = _parent_value(target, parent, year)
        if total is None:
            continue
        shares = (
            dict.fromkeys(weights, total)
            if target.is_share
            else allocate(total, weights, integer=_whole_units(target, total))
        )
        for code, value in shares.items():
            allocation, _ = Allocation.objects.update_or_create(
                target=target,
                region_id=code,
                year=year,
                defaults={
                    "value": value,
                    "method": Allocation.Method.PROPORTIONAL,
                    "basis": int(weights[code]),
                    "reason": "",
                    "set_by": by,
                },
            )
            written.append(allocation)
    audit_record(
        action="target.allocate_default",
        obj=target,
        after={"parent": parent.code, "regions": len(written)},
    )
    return written


@transaction.atomic
def allocation_set(
    *, target: Target, region: Region, year: int, value: Any, reason: str, by: User
) -> Allocation:
    """Set one region's share of `target` by hand (the province for a city, a city for one of
    its counties), keeping the reason; audited with the value it replaced."""
    if not access.may_allocate(by, region):
        raise PermissionDenied(NOT_ALLOCATOR)
    if target.scope == Target.Scope.EACH_CITY:
        raise ValidationError(NOT_ALLOCATABLE)
    if year not in _allocation_years(target):
        raise ValidationError(BAD_YEAR)
    number = _clean_number(value, allow_none=False)
    assert number is not None
    if target.is_share and number > 100:
        raise ValidationError(SHARE_OVER_100)
    before = Allocation.objects.filter(target=target, region=region, year=year).first()
    allocation, _ = Allocation.objects.update_or_create(
        target=target,
        region=region,
        year=year,
        defaults={
            "value": number,
            "method": Allocation.Method.SET,
            "basis": None,
            "reason": reason.strip(),
            "set_by": by,
        },
    )
    audit_record(
        action="target.allocate",
        obj=target,
        before=None if before is None else {"region": region.code, "value": before.value},
        after={"region": region.code, "year": year, "value": number},
        note=reason.strip(),
    )
    return allocation


# --- annual work plans -----------------------------------------------------------------------


@transaction.atomic
def work_plan_save(
    *,
    region: Region,
    year: int,
    summary: str,
    commitments: Mapping[str, tuple[Any, str]],
    by: User,
) -> WorkPlan:
    """Create or update the city's work plan for `year` while it is a draft: the summary of
    measures and, per target code, (committed value, measures). A blank value removes the
    commitment."""
    if not access.may_plan(by, region):
        raise PermissionDenied(NOT_PLANNER)
    if year not in PLAN_YEARS:
        raise ValidationError(BAD_YEAR)
    plan, _ = WorkPlan.objects.select_for_update().get_or_create(
        region=region, year=year, defaults={"created_by": by}
    )
    if plan.status != WorkPlan.Status.DRAFT:
        raise ValidationError(PLAN_SUBMITTED)
    known = set(Target.objects.values_list("code", flat=True))
    before = {c.target_id: c.value for c in plan.commitments.all()}
    plan.summary = summary.strip()
    plan.save()
    for code, (value, measures) in commitments.items():
        if code not in known:
            raise ValidationError(f"unknown target {code!r}")
        number = _clean_number(value)
        if number is None:
            Commitment.objects.filter(work_plan=plan, target_id=code).delete()
            continue
        Commitment.objects.update_or_create(
            work_plan=plan,
            target_id=code,
            defaults={"value": number, "measures": str(measures or "").strip()},
        )
    after = {c.target_id: c.value for c in plan.commitments.all()}
    audit_record(
        action="workplan.save",
        obj=plan,
        before={"commitments": before},
        after={"commitments": after},
    )
    return plan


@transaction.atomic
def work_plan_submit(*, plan: WorkPlan, by: User) -> WorkPlan:
    """Send the city's work plan to the province (报送); it is then read-only."""
    current = WorkPlan.objects.select_for_update().get(pk=plan.pk)
    if not access.may_plan(by, current.region):
        raise PermissionDenied(NOT_PLANNER)
    if current.status != WorkPlan.Status.DRAFT:
        raise ValidationError(PLAN_SUBMITTED)
    current.status, current.submitted_at = WorkPlan.Status.SUBMITTED, timezone.now()
    current.save()
    audit_record(
        action="workplan.submit",
        obj=current,
        before={"status": "draft"},
        after={"status": "submitted", "commitments": current.commitments.count()},
    )
    return current


# --- reported actuals ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportInput:
    """One reported value, from the form or a row of an upload."""

    target: Target
    region: Region
    year: int
    quarter: int
    value: float
    note: str = ""
    evidence_text: str = ""


def last_ended_quarter(today: datetime.date | None = None) -> tuple[int, int]:
    """The latest quarter that has ended by `today` (reports are filed after a quarter ends)."""
    today = today or timezone.localdate()
    quarter = (today.month - 1) // 3
    return (today.year, quarter) if quarter else (today.year - 1, 4)


def report_problems(
    item: ReportInput, *, by: User, today: datetime.date | None = None
) -> list[str]:
    """Every reason `item` cannot be reported by `by` (empty: it can)."""
    problems = []
    if not access.may_report(by, item.target, item.region):
        problems.append(NOT_REPORTER)
    if item.year not in PLAN_YEARS:
        problems.append(BAD_YEAR)
    if item.quarter not in (1, 2, 3, 4):
        problems.append(BAD_QUARTER)
    elif item.year in PLAN_YEARS and (item.year, item.quarter) > last_ended_quarter(today):
        problems.append(PERIOD_NOT_ENDED)
    if not math.isfinite(item.value) or item.value < 0:
        problems.append(BAD_VALUE)
    elif item.value > MAX_VALUE:
        problems.append(TOO_LARGE)
    elif item.target.is_share and item.value > 100:
        problems.append(SHARE_OVER_100)
    return problems


def _report_create(item: ReportInput, *, by: User, source: str) -> Report:
    pending = Report.objects.filter(
        target=item.target,
        region=item.region,
        year=item.year,
        quarter=item.quarter,
        status=Report.Status.SUBMITTED,
    )
    if pending.exists():
        raise ValidationError(PENDING_EXISTS)
    report = Report(
        target=item.target,
        region=item.region,
        year=item.year,
        quarter=item.quarter,
        value=item.value,
        note=item.note.strip(),
        evidence_text=item.evidence_text.strip(),
        department=by.organisation,
        source=source,
        submitted_by=by,
    )
    report.full_clean()
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Another report of the period was submitted after the check (a double click): the
        # one-pending-report constraint refuses this one.
        raise ValidationError(PENDING_EXISTS) from None
    audit_record(
        action="report.submit",
        obj=report,
        after={
            "target": item.target.code,
            "region": item.region.code,
            "period": f"{item.year}Q{item.quarter}",
            "value": item.value,
            "source": source,
        },
    )
    return report


def report_submit(*, item: ReportInput, files: Iterable[tuple[Any, str]] = (), by: User) -> Report:
    """Submit one reported value with evidence: files [(file, original name)] and/or a description
    (at least one of the two). Files are checked by content and stored; if anything fails, no
    report is written and no stored file is left behind."""
    from assessments import uploads

    problems = report_problems(item, by=by)
    if problems:
        raise ValidationError(problems)
    files = list(files)
    if not files and not item.evidence_text.strip():
        raise ValidationError(EVIDENCE_REQUIRED)
    checked = [(uploads.validate_upload(f, original_name=name), f) for f, name in files]
    stored: list[str] = []
    try:
        for check, f in checked:
            stored.append(uploads.store_upload(f, check))
        return _report_with_evidence(item, checked, stored, by=by)
    except BaseException:
        for name in stored:
            uploads.delete_stored(name)
        raise


@transaction.atomic
def _report_with_evidence(
    item: ReportInput, checked: list[tuple[Any, Any]], stored: list[str], *, by: User
) -> Report:
    report = _report_create(item, by=by, source="form")
    for (check, _), name in zip(checked, stored, strict=True):
        ReportEvidence.objects.create(
            report=report,
            stored_name=name,
            original_name=check.safe_display_name,
            content_type=check.content_type,
            kind=check.kind,
            size=check.size,
            sha256=check.sha256,
            uploaded_by=by,
        )
    return report


def _review(report: Report, *, by: User, status: str, note: str) -> Report:
    current = Report.objects.select_for_update().select_related("target__task").get(pk=report.pk)
    if current.status != Report.Status.SUBMITTED:
        raise ValidationError(NOT_PENDING)
    if not access.may_review(by, current):
        raise PermissionDenied(NOT_REVIEWER)
    current.status, current.review_note = status, note.strip()
    current.reviewed_by, current.reviewed_at = by, timezone.now()
    current.full_clean()
    current.save()
    audit_record(
        action=f"report.{'approve' if status == Report.Status.APPROVED else 'reject'}",
        obj=current,
        before={"status": "submitted"},
        after={"status": status, "value": current.value},
        note=current.review_note,
    )
    return current


@transaction.atomic
def report_approve(*, report: Report, by: User, note: str = "") -> Report:
    """Approve a submitted report: from now on it is the actual for its period."""
    return _review(report, by=by, status=Report.Status.APPROVED, note=note)


@transaction.atomic
def report_reject(*, report: Report, by: User, note: str) -> Report:
    """Return a submitted report with the reason; the reporter may submit a corrected one."""
    if not note.strip():
        raise ValidationError(REJECT_NEEDS_NOTE)
    return _review(report, by=by, status=Report.Status.REJECTED, note=note)


@transaction.atomic
def reports_import(*, items: list[ReportInput], by: User, source: str) -> list[Report]:
    """Submit every row of a checked upload (targets.uploads.read_reports), all or none: one bad
    row (e.g. a period that already waits for review) rolls everything back. Each row is checked
    again here (who may report, year, quarter, value, evidence description), so a caller that
    skipped read_reports cannot write what a form could not."""
    for item in items:
        problems = report_problems(item, by=by)
        if not item.evidence_text.strip():
            problems.append(EVIDENCE_REQUIRED)
        if problems:
            raise ValidationError(problems)
    return [_report_create(item, by=by, source=source) for item in items]
