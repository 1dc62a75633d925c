"""Plain factories for assessment tests: the default models loaded and published, drafts and
submitted results filled with synthetic answers through the real services."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

from accounts.models import User
from assessments.models import Assessment
from assessments.services import assessment_save, assessment_start, assessment_submit
from assessments.synthetic import synthetic_answers
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled, framework_version_get_published
from frameworks.services import framework_load
from registry.models import Enterprise

DATA_DIR = Path(__file__).resolve().parents[2] / "frameworks" / "data"


def load_default_models() -> dict[str, FrameworkVersion]:
    """Publish the six default models (idempotent); model code → published version."""
    files = []
    for path in sorted(DATA_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as f:
            files.append((path.name, yaml.safe_load(f)))
    framework_load(files=files, by=None)
    return {
        version.framework.code: version
        for version in FrameworkVersion.objects.filter(status="published").select_related(
            "framework"
        )
    }


def make_draft(
    *,
    enterprise: Enterprise,
    code: str,
    by: User,
    quality: float | None = None,
    seed: int = 1,
    year: int | None = None,
) -> Assessment:
    """A draft of the published model `code`; with `quality`, every question answered."""
    version = framework_version_get_published(code=code)
    draft = assessment_start(enterprise=enterprise, version=version, by=by, year=year)
    if quality is not None:
        answers = synthetic_answers(
            framework_version_compiled(version), quality=quality, rng=random.Random(seed)
        )
        assessment_save(assessment=draft, changes=answers, revision=draft.revision, by=by)
        draft.refresh_from_db()
    return draft


def make_submitted(
    *,
    enterprise: Enterprise,
    code: str,
    by: User,
    quality: float = 0.6,
    seed: int = 1,
    year: int | None = None,
    answers: dict[str, Any] | None = None,
) -> Assessment:
    """A submitted result of the published model `code` (scored by the real engine)."""
    draft = make_draft(
        enterprise=enterprise, code=code, by=by, quality=quality, seed=seed, year=year
    )
    if answers:
        assessment_save(assessment=draft, changes=answers, revision=draft.revision, by=by)
        draft.refresh_from_db()
    return assessment_submit(assessment=draft, by=by, revision=draft.revision)
