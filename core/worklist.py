"""What each user finds on the home page: the work waiting for them and their latest results,
read through the apps' own scoped selectors (nothing here computes a heavy aggregate)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from accounts.models import Role
from assessments.display import diagnosis_state
from assessments.models import Assessment
from assessments.selectors import assessment_list_for_user, assignment_list_for_user
from monitoring.selectors import coverage_cells, coverage_rows, snapshot_current
from recognition.models import Application
from recognition.selectors import (
    application_list_for_user,
    expert_assignment_list,
    queue_for_user,
)
from targets.selectors import home_summary


@dataclass
class Worklist:
    drafts: list[Assessment] = field(default_factory=list)
    results: list[Assessment] = field(default_factory=list)
    to_confirm: list[Assessment] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    queue: Any = None
    submitted_this_year: int | None = None
    sheets_open: list[Any] = field(default_factory=list)
    assignments_active: int | None = None
    coverage: dict[str, Any] | None = None
    targets: dict[str, Any] | None = None

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.drafts,
                self.results,
                self.to_confirm,
                self.applications,
                self.queue,
                self.sheets_open,
                self.submitted_this_year,
                self.assignments_active,
                self.coverage,
                self.targets,
            )
        )


def _latest_per_model(results: list[Assessment]) -> list[Assessment]:
    latest: dict[int, Assessment] = {}
    for result in results:  # newest first
        latest.setdefault(result.framework_id, result)
    return list(latest.values())


def _enterprise(user: Any) -> Worklist:
    mine = assessment_list_for_user(user=user).prefetch_related("section_reviews")
    drafts = list(mine.filter(status="draft").order_by("-updated_at")[:10])
    submitted = list(mine.filter(status="submitted").order_by("-submitted_at", "-pk")[:60])
    diagnoses = [a for a in submitted if a.is_diagnosis]
    return Worklist(
        drafts=drafts,
        results=_latest_per_model([a for a in submitted if not a.is_diagnosis]),
        to_confirm=[a for a in diagnoses if diagnosis_state(a) != "confirmed"][:10],
        applications=list(
            application_list_for_user(user=user)
            .exclude(status__in=Application.LOCKED)
            .order_by("-updated_at")[:10]
        ),
    )


# The coverage figures an official finds on the home page (monitoring/data/coverage.yaml codes).
HOME_METRICS = ("assessed", "sf_ge_BASIC", "sf_ge_ADVANCED")
LEVEL_OF_ROLE: dict[str, str] = {
    Role.PROVINCE: "province",
    Role.CITY: "city",
    Role.COUNTY: "county",
}


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f}%"


def _coverage(user: Any) -> dict[str, Any] | None:
    """The official's own region in the current coverage snapshot, latest year: 规上 participation
    and smart-factory coverage against the plan (a read of one cell; never computed here)."""
    snapshot = snapshot_current()
    level = LEVEL_OF_ROLE.get(getattr(user, "role", ""))
    if snapshot is None or level is None or not snapshot.years:
        return None
    code = "32" if level == "province" else user.region_id
    year = max(snapshot.years)
    cells = coverage_cells(user=user, snapshot=snapshot, year=year, region_level=level)
    cell = cells.filter(region_code=code).first()
    if cell is None:
        return None
    rows = [
        {**r, "actual_pct": _pct(r["share"]), "expected_pct": _pct(r["expected"])}
        | {"target_pct": _pct(r["target"])}
        for r in coverage_rows(cell, "above_scale")
        if r["metric"] in HOME_METRICS
    ]
    return {"snapshot": snapshot, "year": year, "level": level, "code": code, "rows": rows}


def worklist_for_user(user: Any) -> Worklist:
    role = getattr(user, "role", "")
    if role == Role.ENTERPRISE:
        return _enterprise(user)
    if role in (Role.PROVINCE, Role.CITY, Role.COUNTY):
        year = timezone.localdate().year
        return Worklist(
            queue=queue_for_user(user=user),
            submitted_this_year=assessment_list_for_user(user=user).filter(year=year).count(),
            coverage=_coverage(user),
            targets=home_summary(user=user),
        )
    if role == Role.EXPERT:
        return Worklist(
            sheets_open=[s for s in expert_assignment_list(user=user) if s.submitted_at is None]
        )
    if role == Role.PROVIDER:
        return Worklist(
            assignments_active=assignment_list_for_user(user=user).filter(status="active").count()
        )
    return Worklist()
