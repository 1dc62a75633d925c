"""What the model pages show, built from a version's compiled form (scoring.maturity), so the page
and the scoring engine read one meaning of weights, inherited sources and `verified` marks:
the tree as rows (weights as shares of the parent and as points), level rules grouped by level
with a sentence each, crosswalks, and the list page's groups."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frameworks.models import FrameworkVersion, version_sort_key
from scoring import maturity
from scoring.maturity.types import Crosswalk, Level, Node, Option, Rule

QUESTION_TYPES = {
    "single_choice": gettext_lazy("单选题"),
    "multiple_choice": gettext_lazy("多选题"),
    "number": gettext_lazy("数值题"),
    "yes_no": gettext_lazy("是非题"),
    "scene_rating": gettext_lazy("场景评级"),
    "evidence": gettext_lazy("证明材料"),
    "text": gettext_lazy("文本题"),
}
RULE_KINDS = {
    "score": gettext_lazy("得分"),
    "count": gettext_lazy("计数"),
    "share": gettext_lazy("比例"),
    "condition": gettext_lazy("条件"),
    "prerequisite": gettext_lazy("前提"),
}
TOTAL = "total"


def number(value: float | None) -> str:
    """A number as written in a model file: 8, 0.5, 62.5 (no trailing zeros)."""
    return "—" if value is None else f"{value:g}"


@dataclass(frozen=True)
class FrameworkGroup:
    """One model on the list page: its newest version, its published one and all versions."""

    code: str
    latest: FrameworkVersion
    published: FrameworkVersion | None
    versions: list[FrameworkVersion]


def framework_groups(versions: Iterable[FrameworkVersion]) -> list[FrameworkGroup]:
    """Group versions by code (newest version first in each group), codes in order."""
    by_code: dict[str, list[FrameworkVersion]] = {}
    for version in versions:
        by_code.setdefault(version.framework.code, []).append(version)
    groups = []
    for code in sorted(by_code):
        items = sorted(by_code[code], key=lambda v: version_sort_key(v.version), reverse=True)
        published = next((v for v in items if v.status == FrameworkVersion.Status.PUBLISHED), None)
        groups.append(FrameworkGroup(code, items[0], published, items))
    return groups


@dataclass(frozen=True)
class Weight:
    variant: str
    label: str
    """The variant's name when the model has several, else empty."""
    weight: float
    share: float | None
    """Share of the parent (None: unscored)."""
    points: float | None
    """Maximum points (weighted tree); None when unscored or the model is gated by level."""

    @property
    def weight_text(self) -> str:
        return number(self.weight)

    @property
    def share_text(self) -> str:
        return "—" if self.share is None else f"{self.share * 100:.1f}%"

    @property
    def points_text(self) -> str:
        return "—" if self.points is None else number(round(self.points, 2))


@dataclass(frozen=True)
class NodeRow:
    depth: int
    node: Node
    condition: str
    weights: list[Weight]

    @property
    def indent(self) -> str:
        return "\u3000" * self.depth

    @property
    def question_type(self) -> str:
        question = self.node.question
        return str(QUESTION_TYPES.get(question.type, question.type)) if question else ""

    @property
    def option_rows(self) -> list[tuple[Option, str]]:
        question = self.node.question
        return [(o, number(o.score)) for o in question.options] if question else []

    @property
    def band_rows(self) -> list[tuple[str, str]]:
        question = self.node.question
        return [(b.text, number(b.score)) for b in question.bands] if question else []

    @property
    def scene_levels(self) -> list[tuple[int, str, Any]]:
        """Scene rating: (level, score, descriptor) for levels 0 … max_level."""
        question = self.node.question
        if question is None or question.type != "scene_rating":
            return []
        rows = []
        for level in range(question.max_level + 1):
            if question.level_scores:
                score = question.level_scores[level]
            else:
                score = level / question.max_level
            descriptor = (
                question.level_descriptors[level - 1]
                if 0 < level <= len(question.level_descriptors)
                else None
            )
            rows.append((level, number(score), descriptor))
        return rows


@dataclass(frozen=True)
class RuleRow:
    rule: Rule
    kind: str
    sentence: str


@dataclass(frozen=True)
class LevelGroup:
    level: Level
    rules: list[RuleRow]


@dataclass(frozen=True)
class ModelView:
    framework: maturity.Framework
    rows: list[NodeRow]
    levels: list[LevelGroup]
    crosswalks: tuple[Crosswalk, ...]
    show_points: bool
    unverified_count: int
    variants: list[tuple[str, str]]
    """(code, name) of each variant (CMMM: discrete, process)."""


def _conditions(nodes: Iterable[Mapping[str, Any]]) -> Iterator[tuple[str, str]]:
    """The condition text of every node, as written in the definition."""
    for raw in nodes:
        if raw.get("condition"):
            yield str(raw["code"]), str(raw["condition"])
        yield from _conditions(raw.get("children") or ())


def _weights(model: maturity.Framework, code: str, show_points: bool) -> list[Weight]:
    node = model.nodes[code]
    cells = []
    several = len(model.variants) > 1
    for variant in model.variants:
        plan = model.plans[variant]
        scored = code in plan.scored
        name = model.variant_names.get(variant)
        cells.append(
            Weight(
                variant=variant,
                label=(name.zh if name else variant) if several else "",
                weight=node.weights[variant],
                share=plan.shares.get(code) if scored else None,
                points=model.max_points(code, variant) if scored and show_points else None,
            )
        )
    return cells


def _rows(model: maturity.Framework, definition: Mapping[str, Any]) -> list[NodeRow]:
    conditions = dict(_conditions(definition.get("nodes") or ()))
    show_points = model.method == "weighted_tree"
    rows = []
    for code, node in model.nodes.items():  # depth-first model order
        depth = len(model.ancestors(code))
        rows.append(
            NodeRow(depth, node, conditions.get(code, ""), _weights(model, code, show_points))
        )
    return rows


def rule_sentence(rule: Rule) -> str:
    """What a level rule requires, in words."""
    values = {
        "node": rule.node,
        "gte": number(rule.gte),
        "select": rule.select.description if rule.select else "",
        "min": number(rule.min_value),
        "over": rule.over.description if rule.over else "",
        "over_min": number(rule.over_min_value),
        "framework": rule.framework,
        "level": rule.min_level or "",
        "score": number(rule.min_score),
    }
    if rule.kind == "score" and rule.node == TOTAL:
        return _("总分 ≥ %(gte)s") % values
    if rule.kind == "score":
        return _("节点 %(node)s 得分 ≥ %(gte)s") % values
    if rule.kind == "count":
        return _("题目（%(select)s）中取值 ≥ %(min)s 的至少 %(gte)s 项") % values
    if rule.kind == "share":
        return (
            _(
                "题目（%(select)s）中取值 ≥ %(min)s 的数量，"
                "占题目（%(over)s）中取值 ≥ %(over_min)s 的比例 ≥ %(gte)s"
            )
            % values
        )
    if rule.kind == "condition":
        return _("条件成立：%(expr)s") % {"expr": rule.expr_source}
    if rule.min_level:
        return _("%(framework)s 达到等级 %(level)s") % values
    return _("%(framework)s 总分 ≥ %(score)s") % values


def model_view(model: maturity.Framework, definition: Mapping[str, Any]) -> ModelView:
    """Everything the detail page shows about a compiled model."""
    levels = [
        LevelGroup(
            level,
            [
                RuleRow(r, str(RULE_KINDS.get(r.kind, r.kind)), rule_sentence(r))
                for r in level.rules
            ],
        )
        for level in model.levels
    ]
    rows = _rows(model, definition)
    unverified = (
        sum(not row.node.verified for row in rows)
        + sum(not r.rule.verified for group in levels for r in group.rules)
        + sum(not c.verified for c in model.crosswalks)
    )
    return ModelView(
        framework=model,
        rows=rows,
        levels=levels,
        crosswalks=model.crosswalks,
        show_points=model.method == "weighted_tree",
        unverified_count=unverified,
        variants=[
            (v, model.variant_names[v].zh if v in model.variant_names else v)
            for v in model.variants
        ],
    )
