"""Build a `Framework` from a definition dict and check what the JSON Schema cannot: weights,
references, expressions, option and band consistency, rule targets, the sequential-gate layout.

The structure is assumed to have passed the schema (frameworks/schema/framework.schema.json);
malformed input still fails here with a readable problem, never with a Python traceback.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any, cast

from scoring.maturity import expr as ex
from scoring.maturity.types import (
    TOTAL,
    UNSCORED_TYPES,
    Band,
    Crosswalk,
    Framework,
    Level,
    NaPolicy,
    Node,
    Option,
    Question,
    Rule,
    Selector,
    Source,
    Text,
    VariantPlan,
)

DEFAULT_VARIANT = "default"
YES_NO_OPTIONS = ("yes", "no")
_BAND = re.compile(r"^([\[(])\s*(-?[0-9]+(?:\.[0-9]+)?)?\s*,\s*(-?[0-9]+(?:\.[0-9]+)?)?\s*([\])])$")


class FrameworkError(ValueError):
    """A definition that cannot be scored; `problems` lists every reason, bilingual."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class _Builder:
    definition: Mapping[str, Any]
    problems: list[str] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    variants: tuple[str, ...] = (DEFAULT_VARIANT,)
    option_sets: dict[str, tuple[Option, ...]] = field(default_factory=dict)
    method: str = "weighted_tree"
    verified: bool = False

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")


def compile_framework(definition: Mapping[str, Any]) -> Framework:
    """Compile a definition (docs/framework-format.md).

    Raises FrameworkError listing every problem found, not just the first.
    """
    b = _Builder(definition)
    try:
        framework = _build(b)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, FrameworkError):
            raise
        b.problem("definition", f"结构不完整或类型错误 (malformed definition): {exc!r}")
        raise FrameworkError(b.problems) from None
    if b.problems:
        raise FrameworkError(b.problems)
    return framework


def _build(b: _Builder) -> Framework:
    meta = b.definition["framework"]
    b.method = meta.get("method", "weighted_tree")
    b.verified = bool(meta.get("verified", False))
    b.variants = tuple(meta.get("variants") or (DEFAULT_VARIANT,))
    for name, options in (b.definition.get("option_sets") or {}).items():
        b.option_sets[name] = _options(b, f"option_sets.{name}", options, multiple=True)
    na_default: NaPolicy = meta.get("na_policy", "renormalise")
    roots = tuple(_node(b, raw, TOTAL, na_default) for raw in b.definition["nodes"])
    question_codes = tuple(code for code, node in b.nodes.items() if node.question is not None)
    plans = {variant: _plan(b, roots, variant) for variant in b.variants}
    _check_sequential(b, meta)
    levels = _levels(b, meta)
    requirement_levels = _requirement_levels(b)
    return Framework(
        code=meta["code"],
        version=str(meta["version"]),
        title=_text(meta["title"]),
        provisional=bool(meta.get("provisional", False)),
        score_scale=float(meta["score_scale"]),
        method=b.method,  # type: ignore[arg-type]
        gate_threshold=float(meta.get("gate_threshold", 0.8)),
        variants=b.variants,
        variant_names={k: _text(v) for k, v in (meta.get("variant_names") or {}).items()},
        na_policy=na_default,
        level_mode=meta.get("level_mode", "highest"),
        none_level=_text(meta.get("none_level") or {"zh": "未达到等级", "en": "No level"}),
        levels=levels,
        nodes=b.nodes,
        roots=roots,
        question_codes=question_codes,
        condition_order=_condition_order(b, question_codes),
        plans=plans,
        crosswalks=_crosswalks(b),
        requirement_levels=requirement_levels,
        verified=b.verified,
        source=_source(meta.get("source")),
        node_levels=_node_levels(b) if b.method == "sequential_gate" else {},
    )


def _text(raw: Mapping[str, str] | None) -> Text:
    raw = raw or {}
    return Text(zh=str(raw.get("zh", "")), en=str(raw.get("en", "")))


def _source(raw: Mapping[str, str] | None) -> Source:
    raw = raw or {}
    return Source(**{k: str(raw.get(k, "")) for k in ("document", "clause", "url", "note")})


# --- nodes and questions ------------------------------------------------------------------------


def _node(b: _Builder, raw: Mapping[str, Any], parent: str, inherited: NaPolicy) -> str:
    code = str(raw["code"])
    where = f"节点 (node) {code}"
    _check_code(b, where, code)
    na_policy: NaPolicy = raw.get("na_policy", inherited)
    question = _question(b, code, raw["question"]) if "question" in raw else None
    default_weight = 0.0 if question is not None and question.type in UNSCORED_TYPES else 1.0
    weights = _weights(b, where, raw.get("weight", default_weight))
    if question is not None and question.type in UNSCORED_TYPES and any(weights.values()):
        b.problem(where, "文本题和证明材料题不计分，权重必须为 0 (text/evidence must weigh 0)")
    children_raw = raw.get("children") or []
    b.nodes[code] = Node(  # placeholder so children see their parent in model order
        code, _text(raw["title"]), parent, (), weights, na_policy, None, frozenset(), question,
        None, _source(raw.get("source")), bool(raw.get("verified", b.verified)),
    )  # fmt: skip
    children = tuple(_node(b, child, code, na_policy) for child in children_raw)
    b.nodes[code] = Node(
        code=code,
        title=_text(raw["title"]),
        parent=parent,
        children=children,
        weights=weights,
        na_policy=na_policy,
        condition=_parse_condition(b, where, raw.get("condition")),
        tags=frozenset(raw.get("tags") or ()),
        question=question,
        advice=_text(raw["advice"]) if raw.get("advice") else None,
        source=_source(raw.get("source")),
        verified=bool(raw.get("verified", b.verified)),
    )
    return code


def _check_code(b: _Builder, where: str, code: str) -> None:
    if code == TOTAL:
        b.problem(where, f"代码 {TOTAL!r} 保留给总分 (reserved for the total)")
    elif code in b.nodes:
        b.problem(where, "节点代码重复 (duplicate node code)")
    reserved = [s for s in code.split(".") if ex.is_reserved_word(s)]
    if reserved:
        b.problem(where, f"代码中不能使用保留字 (reserved word in code): {reserved[0]}")


def _weights(b: _Builder, where: str, raw: float | Mapping[str, float]) -> dict[str, float]:
    if isinstance(raw, Mapping):
        if set(raw) != set(b.variants):
            b.problem(
                where,
                f"分变体权重须覆盖且仅覆盖 {', '.join(b.variants)} "
                f"(per-variant weights must name exactly the variants)",
            )
        return {v: float(raw.get(v, 0.0)) for v in b.variants}
    return dict.fromkeys(b.variants, float(raw))


def _question(b: _Builder, code: str, raw: Mapping[str, Any]) -> Question:
    where = f"题目 (question) {code}"
    kind = raw["type"]
    _check_fields_for_type(b, where, kind, raw)
    options = _question_options(b, where, kind, raw)
    bands = tuple(_band(b, where, text, score) for text, score in _raw_bands(raw))
    _check_bands(b, where, bands)
    max_level = int(raw.get("max_level", 4))
    level_scores = tuple(float(s) for s in raw.get("level_scores") or ())
    if kind == "scene_rating" and level_scores and len(level_scores) != max_level + 1:
        b.problem(
            where,
            f"level_scores 须有 {max_level + 1} 个值（0 到 {max_level} 级）"
            f"(needs one score per level 0..{max_level})",
        )
    return Question(
        code=code,
        type=kind,
        text=_text(raw.get("text")),
        mandatory=bool(raw.get("mandatory", kind not in UNSCORED_TYPES)),
        na_allowed=bool(raw.get("na_allowed", False)),
        options=options,
        cap=float(raw.get("cap", 1.0)),
        unit=str(raw.get("unit", "")),
        min=_optional_float(raw.get("min")),
        max=_optional_float(raw.get("max")),
        bands=bands,
        yes_score=float(raw.get("yes_score", 1.0)),
        no_score=float(raw.get("no_score", 0.0)),
        max_level=max_level,
        level_scores=level_scores or tuple(i / max_level for i in range(max_level + 1)),
        level_descriptors=tuple(_text(t) for t in raw.get("level_descriptors") or ()),
        level=int(raw["level"]) if raw.get("level") is not None else None,
    )


_FIELDS_FOR_TYPE = {
    "options": ("single_choice", "multiple_choice"),
    "option_set": ("single_choice", "multiple_choice"),
    "cap": ("multiple_choice",),
    "unit": ("number",),
    "min": ("number",),
    "max": ("number",),
    "bands": ("number",),
    "yes_score": ("yes_no",),
    "no_score": ("yes_no",),
    "max_level": ("scene_rating",),
    "level_scores": ("scene_rating",),
    "level_descriptors": ("scene_rating",),
}


def _check_fields_for_type(b: _Builder, where: str, kind: str, raw: Mapping[str, Any]) -> None:
    for name, kinds in _FIELDS_FOR_TYPE.items():
        if name in raw and kind not in kinds:
            b.problem(where, f"{kind} 题不能有 {name} ({name} does not apply to {kind})")
    if "level" in raw and b.method != "sequential_gate":
        b.problem(where, "只有逐级评定的模型才有 level (level needs method sequential_gate)")


def _question_options(
    b: _Builder, where: str, kind: str, raw: Mapping[str, Any]
) -> tuple[Option, ...]:
    if kind == "yes_no":
        return (
            Option("yes", Text("是", "Yes"), float(raw.get("yes_score", 1.0))),
            Option("no", Text("否", "No"), float(raw.get("no_score", 0.0))),
        )
    if kind not in ("single_choice", "multiple_choice"):
        return ()
    if ("options" in raw) == ("option_set" in raw):
        b.problem(where, "须给出 options 或 option_set 之一 (give options or option_set, not both)")
        return ()
    if "option_set" in raw:
        if raw["option_set"] not in b.option_sets:
            b.problem(where, f"未定义的选项集 (unknown option set): {raw['option_set']}")
            return ()
        options = b.option_sets[raw["option_set"]]
    else:
        options = _options(b, where, raw["options"], multiple=kind == "multiple_choice")
    if kind == "single_choice" and any(o.exclusive for o in options):
        b.problem(where, "单选题的选项不需要 exclusive (exclusive is for multiple choice)")
    return options


def _options(
    b: _Builder, where: str, raw: Sequence[Mapping[str, Any]], *, multiple: bool
) -> tuple[Option, ...]:
    options = tuple(
        Option(str(o["code"]), _text(o["label"]), float(o["score"]), bool(o.get("exclusive")))
        for o in raw
    )
    codes = [o.code for o in options]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        b.problem(where, f"选项代码重复 (duplicate option code): {code}")
    if multiple and len(options) > 52:
        b.problem(where, "多选题最多 52 个选项 (at most 52 options)")
    return options


def _raw_bands(raw: Mapping[str, Any]) -> Iterator[tuple[str, float]]:
    for band in raw.get("bands") or ():
        yield str(band["range"]), float(band["score"])


def _band(b: _Builder, where: str, text: str, score: float) -> Band:
    match = _BAND.match(text.strip())
    if not match:
        b.problem(where, f"区间写法错误 (bad interval): {text}")
        return Band(text, None, None, True, True, score)
    opening, low, high, closing = match.groups()
    band = Band(
        text=text.strip(),
        low=float(low) if low else None,
        high=float(high) if high else None,
        low_closed=opening == "[" and low is not None,
        high_closed=closing == "]" and high is not None,
        score=score,
    )
    if band.low is not None and band.high is not None and band.low > band.high:
        b.problem(where, f"区间下限大于上限 (interval lower bound above upper): {text}")
    return band


def _check_bands(b: _Builder, where: str, bands: tuple[Band, ...]) -> None:
    probes = sorted({x for band in bands for x in (band.low, band.high) if x is not None})
    midpoints = [(x + y) / 2 for x, y in itertools.pairwise(probes)]
    for x in probes + midpoints:
        hits = [band.text for band in bands if band.contains(x)]
        if len(hits) > 1:
            b.problem(where, f"区间重叠 (overlapping intervals) {' '.join(hits)} at {x:g}")


def _optional_float(value: object) -> float | None:
    return None if value is None else float(cast(float, value))


# --- weights per variant ------------------------------------------------------------------------


def _plan(b: _Builder, roots: tuple[str, ...], variant: str) -> VariantPlan:
    shares: dict[str, float] = {}
    total_shares: dict[str, float] = {}
    scored: set[str] = set()

    def visit(codes: tuple[str, ...], parent_share: float) -> None:
        weights = {c: b.nodes[c].weights[variant] for c in codes}
        total = sum(weights.values())
        for code in codes:
            node = b.nodes[code]
            if weights[code] <= 0 or total <= 0:
                continue
            scored.add(code)
            shares[code] = weights[code] / total
            total_shares[code] = parent_share * shares[code]
            if node.children:
                if not any(b.nodes[c].weights[variant] > 0 for c in node.children):
                    b.problem(
                        f"节点 (node) {code}",
                        f"有权重但没有计分的下级 (weighted but no scored child, variant {variant})",
                    )
                visit(node.children, total_shares[code])
            elif (
                node.question is not None
                and node.question.type == "number"
                and not node.question.bands
            ):
                b.problem(f"题目 (question) {code}", "计分的数值题需要 bands (needs bands)")

    visit(roots, 1.0)
    return VariantPlan(variant, shares, total_shares, frozenset(scored))


# --- conditions ---------------------------------------------------------------------------------


def _ref_info(b: _Builder, code: str) -> ex.RefInfo | None:
    node = b.nodes.get(code)
    if node is None or node.question is None:
        return None
    question = node.question
    if question.type in ("single_choice", "yes_no"):
        return ex.RefInfo("choice", tuple(o.code for o in question.options))
    if question.type == "multiple_choice":
        return ex.RefInfo("multi", tuple(o.code for o in question.options))
    if question.type in ("number", "scene_rating"):
        return ex.RefInfo("number")
    return None


def _parse_condition(b: _Builder, where: str, source: str | None) -> ex.Expr | None:
    if not source:
        return None
    try:
        return ex.parse(source)
    except ex.ExpressionError as exc:
        b.problem(where, f"条件 (condition) {exc}")
        return None


def _check_expression(b: _Builder, where: str, expression: ex.Expr) -> None:
    try:
        ex.check(expression, lambda code: _ref_info(b, code))
    except ex.ExpressionError as exc:
        b.problem(where, f"条件 (condition) {exc}")


def _condition_order(b: _Builder, question_codes: tuple[str, ...]) -> tuple[str, ...]:
    """Questions ordered so that every condition reads only questions settled before it."""
    graph: dict[str, set[str]] = {}
    for code, node in b.nodes.items():
        if node.condition is not None:
            _check_expression(b, f"节点 (node) {code}", node.condition)
    for code in question_codes:
        deps: set[str] = set()
        for owner in (code, *_ancestors(b, code)):
            condition = b.nodes[owner].condition
            if condition is not None:
                deps |= {d for d in ex.references(condition) if d in b.nodes}
        graph[code] = deps
    try:
        order = tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        cycle = " → ".join(str(c) for c in exc.args[1])
        b.problem("条件 (conditions)", f"条件循环引用 (conditions refer to each other): {cycle}")
        return question_codes
    return tuple(c for c in order if c in graph)


def _ancestors(b: _Builder, code: str) -> Iterator[str]:
    parent = b.nodes[code].parent
    while parent != TOTAL:
        yield parent
        parent = b.nodes[parent].parent


# --- levels and rules ---------------------------------------------------------------------------


def _levels(b: _Builder, meta: Mapping[str, Any]) -> tuple[Level, ...]:
    levels: list[Level] = []
    seen: set[str] = set()
    for rank, raw in enumerate(b.definition["levels"], start=1):
        code = str(raw["code"])
        if code in seen:
            b.problem(f"等级 (level) {code}", "等级代码重复 (duplicate level code)")
        seen.add(code)
        levels.append(
            Level(
                code=code,
                rank=rank,
                name=_text(raw["name"]),
                description=_text(raw["description"]) if raw.get("description") else None,
                rules=_rules(b, code, raw.get("rules") or ()),
                source=_source(raw.get("source")),
                verified=bool(raw.get("verified", b.verified)),
            )
        )
    return tuple(levels)


def _rules(b: _Builder, level: str, raws: Sequence[Mapping[str, Any]]) -> tuple[Rule, ...]:
    rules = []
    ids = [str(r["id"]) for r in raws]
    for rule_id in sorted({i for i in ids if ids.count(i) > 1}):
        b.problem(f"等级 (level) {level}", f"规则编号重复 (duplicate rule id): {rule_id}")
    for raw in raws:
        where = f"等级 (level) {level} 规则 (rule) {raw['id']}"
        common = {
            "id": str(raw["id"]),
            "kind": raw["kind"],
            "level": level,
            "text": _text(raw["text"]) if raw.get("text") else None,
            "source": _source(raw.get("source")),
            "verified": bool(raw.get("verified", b.verified)),
        }
        rules.append(Rule(**common, **_rule_fields(b, where, raw)))
    return tuple(rules)


def _rule_fields(b: _Builder, where: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    kind = raw["kind"]
    if kind == "score":
        node = str(raw["node"])
        if node != TOTAL and node not in b.nodes:
            b.problem(where, f"不存在的节点 (unknown node): {node}")
        return {"node": node, "gte": float(raw["gte"])}
    if kind in ("count", "share"):
        fields: dict[str, Any] = {
            "select": _selector(b, where, raw["select"]),
            "min_value": float(raw["min_value"]),
            "gte": float(raw["gte"]),
        }
        if kind == "share":
            fields["over"] = _selector(b, where, raw["over"])
            fields["over_min_value"] = float(raw["over_min_value"])
        return fields
    if kind == "condition":
        expression = _parse_condition(b, where, str(raw["expr"]))
        if expression is not None:
            _check_expression(b, where, expression)
        return {"expr": expression, "expr_source": str(raw["expr"])}
    framework = str(raw["framework"])
    if framework == b.definition["framework"]["code"]:
        b.problem(where, "不能以本模型为前提 (a model cannot require itself)")
    min_score = raw.get("min_score")
    return {
        "framework": framework,
        "min_level": str(raw["min_level"]) if raw.get("min_level") is not None else None,
        "min_score": float(min_score) if min_score is not None else None,
    }


def _selector(b: _Builder, where: str, raw: Mapping[str, Any]) -> Selector:
    tag, codes, under = raw.get("tag"), raw.get("codes"), raw.get("under")
    for code in codes or ():
        if code not in b.nodes or b.nodes[code].question is None:
            b.problem(where, f"选择器中不存在的题目 (unknown question in selector): {code}")
    if under is not None and under not in b.nodes:
        b.problem(where, f"选择器中不存在的节点 (unknown node in selector): {under}")
    picked = tuple(
        code
        for code, node in b.nodes.items()
        if node.question is not None
        and node.question.type not in UNSCORED_TYPES
        and (tag is None or tag in node.tags)
        and (codes is None or code in codes)
        and (under is None or under == code or under in _ancestors(b, code))
    )
    description = ", ".join(
        f"{k}={v if isinstance(v, str) else '|'.join(v)}" for k, v in sorted(raw.items())
    )
    if not picked:
        b.problem(where, f"选择器没有选中任何题目 (selector picks no question): {description}")
    return Selector(description, picked)


# --- sequential gate, crosswalks ----------------------------------------------------------------


def _check_sequential(b: _Builder, meta: Mapping[str, Any]) -> None:
    if b.method != "sequential_gate":
        return
    for code, node in b.nodes.items():
        question = node.question
        if question is not None and question.type not in UNSCORED_TYPES and question.level is None:
            b.problem(f"题目 (question) {code}", "逐级评定模型的题目须有 level (needs level)")
    levels = _requirement_levels(b)
    if levels and levels != tuple(range(1, len(levels) + 1)):
        b.problem("framework", f"要求的等级须从 1 连续编号 (levels must run 1..n): {levels}")
    if levels and float(meta["score_scale"]) != len(levels):
        b.problem("framework", f"score_scale 须等于等级数 {len(levels)} (equal the level count)")


def _requirement_levels(b: _Builder) -> tuple[int, ...]:
    return tuple(
        sorted({n.question.level for n in b.nodes.values() if n.question and n.question.level})
    )


def _node_levels(b: _Builder) -> dict[str, frozenset[int]]:
    levels: dict[str, frozenset[int]] = {}
    for code in reversed(list(b.nodes)):
        node = b.nodes[code]
        if node.question is not None:
            level = node.question.level
            levels[code] = (
                frozenset({level}) if level and node.question.is_scored_type else frozenset()
            )
        else:
            levels[code] = frozenset().union(*(levels[c] for c in node.children))
    return levels


def _crosswalks(b: _Builder) -> tuple[Crosswalk, ...]:
    crosswalks = []
    for raw in b.definition.get("crosswalks") or ():
        question = str(raw["question"])
        where = f"交叉映射 (crosswalk) {question}"
        if question not in b.nodes or b.nodes[question].question is None:
            b.problem(where, "不存在的题目 (unknown question)")
        if raw["from"]["framework"] == b.definition["framework"]["code"]:
            b.problem(where, "不能映射到本模型自身 (a crosswalk must come from another model)")
        crosswalks.append(
            Crosswalk(
                question=question,
                from_framework=str(raw["from"]["framework"]),
                from_question=str(raw["from"]["question"]),
                values={str(k): str(v) for k, v in (raw.get("values") or {}).items()},
                source=_source(raw.get("source")),
                verified=bool(raw.get("verified", b.verified)),
            )
        )
    return tuple(crosswalks)
