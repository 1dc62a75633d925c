"""Plain factories for the frameworks tests: a small valid model and versions written directly."""

from __future__ import annotations

import copy
from typing import Any

from django.utils import timezone

from frameworks.files import canonical, digest
from frameworks.models import Framework, FrameworkVersion

# Two dimensions, four questions (yes/no, single choice, number with bands under a condition, an
# unscored text), two levels: every kind of line the detail page shows.
DEFINITION: dict[str, Any] = {
    "format": "zhigai-framework/1",
    "framework": {
        "code": "TEST-A",
        "version": "1",
        "title": {"zh": "测试模型", "en": "Test model"},
        "score_scale": 100,
        "source": {"document": "测试文件", "clause": "第 1 条"},
        "verified": False,
    },
    "levels": [
        {
            "code": "L1",
            "name": {"zh": "一级", "en": "Level 1"},
            "rules": [{"id": "l1_total", "kind": "score", "node": "total", "gte": 40}],
        },
        {
            "code": "L2",
            "name": {"zh": "二级", "en": "Level 2"},
            "rules": [
                {"id": "l2_total", "kind": "score", "node": "total", "gte": 80, "verified": True},
                {"id": "l2_mes", "kind": "condition", "expr": 'base.mes == "yes"'},
            ],
        },
    ],
    "nodes": [
        {
            "code": "base",
            "title": {"zh": "基础建设"},
            "weight": 6,
            "children": [
                {
                    "code": "base.mes",
                    "title": {"zh": "是否建设 MES"},
                    "question": {"type": "yes_no"},
                },
                {
                    "code": "base.network",
                    "title": {"zh": "车间网络"},
                    "weight": 2,
                    "question": {
                        "type": "single_choice",
                        "options": [
                            {"code": "none", "label": {"zh": "无"}, "score": 0},
                            {"code": "wired", "label": {"zh": "有线网络"}, "score": 0.5},
                            {"code": "g5", "label": {"zh": "5G 专网"}, "score": 1},
                        ],
                    },
                },
            ],
        },
        {
            "code": "ops",
            "title": {"zh": "生产运营"},
            "weight": 4,
            "verified": True,
            "children": [
                {
                    "code": "ops.rate",
                    "title": {"zh": "关键工序数控化率"},
                    "condition": 'base.mes == "yes"',
                    "verified": True,
                    "question": {
                        "type": "number",
                        "unit": "%",
                        "min": 0,
                        "max": 100,
                        "bands": [
                            {"range": "[0,50)", "score": 0.5},
                            {"range": "[50,100]", "score": 1},
                        ],
                    },
                },
                {
                    "code": "ops.note",
                    "title": {"zh": "情况说明"},
                    "verified": True,
                    "question": {"type": "text"},
                },
            ],
        },
    ],
}

FULL_ANSWERS = {"base.mes": "yes", "base.network": "g5", "ops.rate": 60}


def make_definition(code: str = "TEST-A", version: str = "1", **meta: Any) -> dict[str, Any]:
    """A fresh copy of DEFINITION as CODE@VERSION; `meta` overrides framework fields."""
    definition = copy.deepcopy(DEFINITION)
    definition["framework"].update(code=code, version=version, **meta)
    return definition


def make_version(
    *,
    code: str = "TEST-A",
    version: str = "1",
    status: str = FrameworkVersion.Status.DRAFT,
    definition: dict[str, Any] | None = None,
) -> FrameworkVersion:
    """A version written directly (no service, no audit)."""
    stored = canonical(definition or make_definition(code, version))
    framework, _ = Framework.objects.get_or_create(code=code)
    now = timezone.now()
    return FrameworkVersion.objects.create(
        framework=framework,
        version=version,
        status=status,
        title_zh=stored["framework"]["title"]["zh"],
        title_en=stored["framework"]["title"].get("en", ""),
        provisional=bool(stored["framework"].get("provisional", False)),
        definition=stored,
        digest=digest(stored),
        imported_at=now,
        published_at=None if status == FrameworkVersion.Status.DRAFT else now,
    )
