"""Plain factories for the recognition tests: the default models the eligibility rules read
(written directly from frameworks/data), submitted results and applications written with the ORM."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from accounts.models import Role, User
from assessments.models import Assessment
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled
from frameworks.tests.factories import make_version
from recognition.models import Application
from registry.models import Category, Enterprise, EnterpriseCategory

DATA_DIR = Path(__file__).resolve().parents[2] / "frameworks" / "data"
MODEL_FILES = {
    "GEN-JS": "gen-js-2025.yaml",
    "SF-JS": "sf-js-2025.yaml",
    "CMMM": "cmmm-2020.yaml",
    "ZERO-CARBON": "zero-carbon-2025.yaml",
}
CONTACT = {
    "contact_name": "王联系",
    "contact_phone": "13912345678",
    "contact_email": "wang.contact@example.com",
}


@cache
def _definition(code: str) -> dict[str, Any]:
    with (DATA_DIR / MODEL_FILES[code]).open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


def model_version(code: str) -> FrameworkVersion:
    """The published default version of `code` (GEN-JS, SF-JS, CMMM, ZERO-CARBON)."""
    found = FrameworkVersion.objects.filter(framework__code=code, status="published").first()
    if found is not None:
        return found
    definition = _definition(code)
    return make_version(
        code=code,
        version=definition["framework"]["version"],
        status=FrameworkVersion.Status.PUBLISHED,
        definition=definition,
    )


def _author() -> User:
    user, _ = User.objects.get_or_create(username="result-author", defaults={"role": Role.ADMIN})
    return user


def make_result(
    *,
    enterprise: Enterprise,
    code: str,
    total: float = 70.0,
    level: str = "",
    year: int | None = None,
    flags: list[dict[str, Any]] | None = None,
    risk_score: float = 0.0,
) -> Assessment:
    """A submitted self-assessment of `code`, with the level's rank and name from the model."""
    version = model_version(code)
    levels = {lv.code: lv for lv in framework_version_compiled(version).levels}
    found = levels.get(level)
    return Assessment.objects.create(
        enterprise=enterprise,
        framework=version.framework,
        framework_version=version,
        kind=Assessment.Kind.SELF,
        status=Assessment.Status.SUBMITTED,
        year=year or timezone.localdate().year,
        result={},
        total=total,
        max_total=100.0,
        level=level,
        level_rank=found.rank if found else 0,
        level_name=found.name.zh if found else "",
        submitted_at=timezone.now(),
        flags=flags or [],
        risk_score=risk_score,
        created_by=_author(),
    )


def make_eligible_results(
    enterprise: Enterprise, *, year: int | None = None, **overrides: Any
) -> dict[str, Assessment]:
    """Results meeting every rule of advanced_factory: GEN-JS 72, SF-JS ADVANCED, CMMM L2."""
    specs: dict[str, dict[str, Any]] = {
        "GEN-JS": {"total": 72.0, "level": "PASS"},
        "SF-JS": {"total": 55.0, "level": "ADVANCED"},
        "CMMM": {"total": 2.1, "level": "L2"},
    }
    return {
        code: make_result(enterprise=enterprise, code=code, year=year, **spec, **overrides)
        for code, spec in specs.items()
    }


def make_application(
    *,
    enterprise: Enterprise,
    by: User,
    type: str = "advanced_factory",
    year: int | None = None,
    status: str = Application.Status.DRAFT,
    results: list[Assessment] | None = None,
    **fields: Any,
) -> Application:
    """An application written directly in `status`; submitted unless it is a draft."""
    route = Application.Route.STANDARD
    if enterprise.county and enterprise.county.province_administered:
        route = Application.Route.PROVINCE_ADMINISTERED
    values: dict[str, Any] = {
        "summary": "建设 MES 与数字孪生产线。",
        "achievements": "生产效率提升 20%。",
        "route": route,
        "submitted_at": None if status == Application.Status.DRAFT else timezone.now(),
        **CONTACT,
        **fields,
    }
    application = Application.objects.create(
        type=type,
        enterprise=enterprise,
        year=year or timezone.localdate().year,
        status=status,
        created_by=by,
        **values,
    )
    if results:
        application.results.set(results)
    return application


def make_strategic(enterprise: Enterprise, *, year: int | None = None) -> EnterpriseCategory:
    """Give `enterprise` the direct-route category (the lead adds it to categories.csv)."""
    category, _ = Category.objects.get_or_create(
        code="strategic", defaults={"name": "筑峰强链企业", "kind": "official", "rank": 10}
    )
    return EnterpriseCategory.objects.create(
        enterprise=enterprise, category=category, year=year or timezone.localdate().year
    )
