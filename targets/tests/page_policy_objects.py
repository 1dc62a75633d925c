"""Objects of the target tracker's pages for the authorization matrix (tests/test_policy.py): one
task and one computed target of the plan (written directly, much cheaper than loading the whole
plan for every cell of the matrix), and the cities of world enterprises E1 (南京, city P) and E3
(苏州, city Q) for the scorecards."""

from __future__ import annotations

from typing import Any

from conftest import World
from targets.models import PlanTask, Target

OBJECT_KEYS: dict[str, list[str]] = {
    "plan_task": ["plan"],
    "plan_target": ["plan"],
    "scorecard_city": ["e1", "e3"],
}


def make_task_and_target() -> tuple[PlanTask, Target]:
    """Task 1 with its coverage target (a computed share, about 50 % by 2027)."""
    task = PlanTask.objects.create(
        number=1,
        part="一",
        title_zh="普及推广基础级智能工厂",
        title_en="Basic-level smart factories",
        lead="省工业和信息化厅",
        cooperating=["省发展改革委"],
        departments_text="省工业和信息化厅、省发展改革委按职责分工负责",
    )
    target = Target.objects.create(
        code="basic_factory_coverage",
        task=task,
        name_zh="基础级及以上智能工厂规上工业企业覆盖率",
        name_en="Above-scale enterprises at basic level or above",
        metric="share of above-scale industrial enterprises at basic smart-factory level or above",
        unit="%",
        kind=Target.Kind.SHARE,
        bound=Target.Bound.ABOUT,
        value_2027=50,
        scope=Target.Scope.PROVINCE,
        actual=Target.Actual.COMPUTED,
        figure={
            "source": "monitoring",
            "metric": "sf_ge_BASIC",
            "population": "above_scale",
            "measure": "share",
        },
        quote="达到基础级及以上智能工厂水平的规上工业企业覆盖率约50%",
        verified=True,
    )
    return task, target


def build(world: World) -> dict[str, dict[str, Any]]:
    task, target = make_task_and_target()
    return {
        "plan_task": {"plan": task},
        "plan_target": {"plan": target},
        "scorecard_city": {"e1": world.p, "e3": world.q},
    }
