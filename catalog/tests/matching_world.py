"""Shared helpers of the matching and adoption tests: the SF-JS model loaded and published, and
submitted results with chosen scene levels per dimension, scored by the real services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from assessments.models import Assessment
from assessments.services import assessment_save, assessment_start, assessment_submit
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled
from frameworks.services import framework_load

DATA = Path(__file__).resolve().parents[2] / "frameworks" / "data" / "sf-js-2025.yaml"
SCENE_ROOTS = ("factory", "rnd", "production", "prod_mgmt", "operations")


def load_sf_js() -> FrameworkVersion:
    with DATA.open(encoding="utf-8") as f:
        framework_load(files=[(DATA.name, yaml.safe_load(f))], by=None)
    return FrameworkVersion.objects.get(framework__code="SF-JS", status="published")


def scene_answers(version: FrameworkVersion, levels: dict[str, int], default: int = 4) -> dict:
    """Every question answered: basic requirements met, each scene of a dimension rated
    `levels[dimension]` (0-4, default `default`), no AI."""
    model = framework_version_compiled(version)
    answers: dict[str, Any] = {}
    for code in model.question_codes:
        root = code.split(".", 1)[0]
        if root == "basic":
            answers[code] = "（测试）见佐证材料。" if code == "basic.evidence" else "yes"
        elif code.endswith("_ai"):
            answers[code] = "no"
        else:
            answers[code] = levels.get(root, default)
    return answers


def submit(enterprise, by, version: FrameworkVersion, levels: dict[str, int], **kw) -> Assessment:
    draft = assessment_start(enterprise=enterprise, version=version, by=by, **kw)
    answers = scene_answers(version, levels)
    model = framework_version_compiled(version)
    answers = {k: v for k, v in answers.items() if k in model.question_codes}
    assessment_save(assessment=draft, changes=answers, revision=draft.revision, by=by)
    draft.refresh_from_db()
    return assessment_submit(assessment=draft, by=by, revision=draft.revision)
