"""Demo data of the target tracker (after the demo province, its results and a coverage
snapshot): the plan loaded, every province target split over the cities in proportion to their
above-scale enterprises, quarterly reports of every reported target from 2025 up to the last
finished quarter (approved by the coordinating department; the latest few waiting for review,
one returned and corrected), the cities' security trainings and drills, and the cities' 2026 work
plans. Everything goes through the services, so it is audited like real use. A re-run adds
nothing."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from registry.models import Region
from targets import selectors, services
from targets.models import Report, Target, WorkPlan

AUTO = "demo-auto-"
# Reported by the cities (the province figure is their sum) rather than by a department.
CITY_REPORTED = ("manufacturing_skill_trainings", "digital_skill_trainings")
# Left waiting for review in the latest quarter, so the review queue has work.
PENDING = ("enterprise_platforms", "standard_racks", "security_solutions")
# Units of measure, not things counted one by one.
FRACTIONAL_UNITS = services.FRACTIONAL_UNITS


@dataclass
class DemoTargetsResult:
    skipped: bool = False
    allocations: int = 0
    reports: dict[str, int] | None = None
    work_plans: int = 0


def _auto(name: str, role: str, organisation: str, **kw: Any) -> User:
    user, created = User.objects.get_or_create(
        username=f"{AUTO}{name}",
        defaults={"role": role, "organisation": organisation, **kw},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _quarters(today: datetime.date) -> list[tuple[int, int]]:
    """Every finished quarter of the plan before `today`."""
    out = []
    for year in services.PLAN_YEARS:
        for quarter in (1, 2, 3, 4):
            end = datetime.date(year, *{1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}[quarter])
            if end < today:
                out.append((year, quarter))
    return out


def _value(target: Target, year: int, quarter: int, pace: float, rng: random.Random) -> float:
    """A plausible reported value: per-year targets year to date, the others the level reached
    on a path towards the 2027 value at `pace` (1 = exactly on time)."""
    noise = rng.uniform(0.93, 1.07)
    if target.kind == Target.Kind.PER_YEAR:
        goal = target.value_for(year) or 0.0
        value = goal * pace * quarter / 4 * noise
    else:
        goal = target.value_2027 or 0.0
        elapsed = ((year - 2025) * 4 + quarter) / 12
        value = goal * min(1.0, pace * elapsed) * noise
    if target.is_share:
        return round(min(value, 100.0), 1)
    if target.unit in FRACTIONAL_UNITS:
        return round(value, 1)
    return float(round(value))


def _evidence(target: Target, year: int, quarter: int) -> str:
    return f"《{year}年第{quarter}季度{target.name_zh}统计表》及台账（演示）"


def _report(item: services.ReportInput, by: User, approver: User, *, approve: bool) -> Report:
    report = services.report_submit(item=item, by=by)
    if approve:
        services.report_approve(report=report, by=approver, note="已核对台账（演示）")
    return report


def _province_reports(
    targets: list[Target], province: Region, today: datetime.date, rng: random.Random
) -> dict[str, int]:
    counts = {"approved": 0, "submitted": 0, "rejected": 0}
    approver = _auto("coordinator", Role.PROVINCE, "省工业和信息化厅", region=province)
    quarters = _quarters(today)
    for target in targets:
        if target.is_computed or target.code in CITY_REPORTED:
            continue
        if target.scope != Target.Scope.PROVINCE:
            continue
        lead = target.task.lead
        by = _auto(f"dept-{target.task_id}", Role.PROVINCE, lead, region=province)
        pace = rng.uniform(0.75, 1.25)
        for index, (year, quarter) in enumerate(quarters):
            last = index == len(quarters) - 1
            item = services.ReportInput(
                target=target,
                region=province,
                year=year,
                quarter=quarter,
                value=_value(target, year, quarter, pace, rng),
                evidence_text=_evidence(target, year, quarter),
            )
            if target.code == "industrial_os_updates" and last:
                wrong = services.ReportInput(**{**item.__dict__, "value": item.value * 10})
                report = _report(wrong, by, approver, approve=False)
                services.report_reject(
                    report=report, by=approver, note="数值与台账不符，请核实单位（演示）"
                )
                counts["rejected"] += 1
            pending = last and target.code in PENDING
            _report(item, by, approver, approve=not pending)
            counts["submitted" if pending else "approved"] += 1
    return counts


def _city_reports(
    targets: list[Target], cities: list[Region], today: datetime.date, rng: random.Random
) -> int:
    approver = User.objects.get(username=f"{AUTO}coordinator")
    n = 0
    for city in cities:
        by = User.objects.filter(role=Role.CITY, region=city, is_active=True).order_by("pk").first()
        by = by or _auto(f"city-{city.code}", Role.CITY, f"{city.name}工业和信息化局", region=city)
        for target in targets:
            if target.is_computed:
                continue
            if target.scope != Target.Scope.EACH_CITY and target.code not in CITY_REPORTED:
                continue
            pace = rng.uniform(0.6, 1.3)
            held = {year: rng.choice((1, 2, 2, 3, 3, 4)) for year in services.PLAN_YEARS}
            for year, quarter in _quarters(today):
                if target.scope == Target.Scope.EACH_CITY:
                    # the year's training or drill is held in one quarter (some cities hold two)
                    value = float(quarter >= held[year]) * (2 if pace > 1.2 else 1)
                else:
                    share = 1 / len(cities)
                    goal = (target.value_for(year) or 0) * share
                    value = float(round(goal * pace * quarter / 4 * rng.uniform(0.9, 1.1)))
                item = services.ReportInput(
                    target=target,
                    region=city,
                    year=year,
                    quarter=quarter,
                    value=value,
                    evidence_text=_evidence(target, year, quarter),
                )
                _report(item, by, approver, approve=True)
                n += 1
    return n


def _work_plans(cities: list[Region], year: int, *, current: bool) -> int:
    """Every city's plan for `year`, submitted; in the current year 徐州 keeps a draft."""
    n = 0
    for city in cities:
        by = User.objects.filter(role=Role.CITY, region=city, is_active=True).order_by("pk").first()
        if by is None:
            continue
        commitments = {}
        for row in selectors.plan_rows(year=year, region=city):
            if row.value is not None:
                commitments[row.target.code] = (row.value, "按省分解目标落实（演示）")
        plan = services.work_plan_save(
            region=city,
            year=year,
            summary=f"{city.name}{year}年智改数转网联工作计划（演示）：分解目标、项目清单、诊断服务全覆盖。",
            commitments=commitments,
            by=by,
        )
        if not (current and city.code == "3203"):
            services.work_plan_submit(plan=plan, by=by)
        n += 1
    return n


@transaction.atomic
def demo_targets(*, seed: int, today: datetime.date | None = None) -> DemoTargetsResult:
    """Generate the demo's allocations, reports and work plans (see the module docstring)."""
    services.plan_load()
    if Report.objects.exists() or WorkPlan.objects.exists():
        return DemoTargetsResult(skipped=True)
    today = today or timezone.localdate()
    rng = random.Random(seed)
    province = selectors.province()
    cities = selectors.cities()
    targets = list(Target.objects.select_related("task").order_by("task", "position"))
    allocator = _auto("planner", Role.PROVINCE, "省工业和信息化厅", region=province)
    base = selectors.above_scale_base()
    allocations = 0
    if base:
        for target in targets:
            if target.scope == Target.Scope.PROVINCE and target.value_2027 is not None:
                allocations += len(
                    services.allocation_default(
                        target=target, parent=province, base=base, by=allocator
                    )
                )
    reports = _province_reports(targets, province, today, rng)
    reports["city"] = _city_reports(targets, cities, today, rng)
    last = min(today.year, 2027)
    plans = sum(_work_plans(cities, year, current=year == last) for year in range(2025, last + 1))
    return DemoTargetsResult(allocations=allocations, reports=reports, work_plans=plans)
