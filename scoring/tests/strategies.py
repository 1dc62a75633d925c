"""Hypothesis strategies: random but valid maturity models, and random answers to them
(valid, missing, N/A and wrong ones)."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st

SCORES = st.sampled_from([0.0, 0.2, 0.25, 0.5, 0.7, 0.8, 1.0])
TYPES = ["single_choice", "multiple_choice", "number", "yes_no", "scene_rating", "text"]


@st.composite
def definitions(draw: st.DrawFn, *, sequential: bool | None = None) -> dict[str, Any]:
    if sequential is None:
        sequential = draw(st.booleans())
    variants = draw(st.sampled_from([None, ["a", "b"]]))
    levels_count = draw(st.integers(1, 3)) if sequential else 0
    builder = _TreeBuilder(draw, variants, levels_count)
    nodes = [builder.node(depth=0) for _ in range(draw(st.integers(1, 3)))]
    if sequential:
        levels_count = max(builder.ensure_levels(), 1)
    meta: dict[str, Any] = {
        "code": "RAND",
        "version": "1",
        "title": {"zh": "随机模型"},
        "score_scale": float(levels_count) if sequential else draw(st.sampled_from([1, 5, 100])),
        "na_policy": draw(st.sampled_from(["renormalise", "zero"])),
        "level_mode": draw(st.sampled_from(["highest", "cumulative"])),
    }
    if sequential:
        meta["method"] = "sequential_gate"
        meta["gate_threshold"] = draw(st.sampled_from([0.5, 0.8]))
    if variants:
        meta["variants"] = variants
    questions = builder.questions
    levels = [
        {"code": f"L{i}", "name": {"zh": f"{i}级"}, "rules": _rules(draw, questions, meta, i)}
        for i in range(1, draw(st.integers(1, 3)) + 1)
    ]
    return {"format": "zhigai-framework/1", "framework": meta, "levels": levels, "nodes": nodes}


class _TreeBuilder:
    def __init__(self, draw: st.DrawFn, variants: list[str] | None, levels: int) -> None:
        self.draw, self.variants, self.levels = draw, variants, levels
        self.questions: list[dict[str, Any]] = []
        self.count = 0

    def code(self) -> str:
        self.count += 1
        return f"n{self.count}"

    def weight(self, *, scored: bool = True) -> float | dict[str, float]:
        choices = [1, 2, 3, 5] if scored else [0]
        if self.variants and self.draw(st.booleans()):
            return {v: float(self.draw(st.sampled_from(choices))) for v in self.variants}
        return float(self.draw(st.sampled_from(choices)))

    def node(self, depth: int) -> dict[str, Any]:
        code = self.code()
        node: dict[str, Any] = {"code": code, "title": {"zh": f"节点{code}"}}
        unscored = self.draw(st.integers(0, 9)) == 0
        condition = self._condition() if self.draw(st.integers(0, 4)) == 0 else None
        if depth < 2 and self.draw(st.integers(0, 2)) == 0:
            children = [self.node(depth + 1) for _ in range(self.draw(st.integers(1, 3)))]
            node["children"] = children
            node["weight"] = self.weight(scored=not unscored)
            if not any(_scored(c) for c in children):
                node["weight"] = 0.0
            if self.draw(st.booleans()):
                node["na_policy"] = self.draw(st.sampled_from(["renormalise", "zero"]))
        else:
            question = self._question(code)
            node["question"] = question
            if question["type"] == "text":
                node["weight"] = 0.0
            else:
                node["weight"] = self.weight(scored=not unscored)
            node["tags"] = self.draw(st.sampled_from([["t1"], ["t2"], ["t1", "t2"], []]))
            if not node["tags"]:
                del node["tags"]
            self.questions.append(node)
        if condition:
            node["condition"] = condition
        return node

    def _question(self, code: str) -> dict[str, Any]:
        kind = self.draw(st.sampled_from(TYPES))
        question: dict[str, Any] = {"type": kind}
        if kind in ("single_choice", "multiple_choice"):
            count = self.draw(st.integers(2, 4))
            options = [
                {"code": f"o{i}", "label": {"zh": f"选项{i}"}, "score": self.draw(SCORES)}
                for i in range(count)
            ]
            if kind == "multiple_choice" and self.draw(st.booleans()):
                options[0]["exclusive"] = True
                options[0]["score"] = 0.0
            question["options"] = options
            if kind == "multiple_choice" and self.draw(st.booleans()):
                question["cap"] = self.draw(st.sampled_from([0.5, 0.8, 1.0]))
        elif kind == "number":
            cuts = sorted(self.draw(st.sets(st.integers(1, 99), min_size=1, max_size=3)))
            edges = [0, *cuts, 100]
            question["min"], question["max"], question["unit"] = 0, 100, "%"
            question["bands"] = [
                {"range": f"{'[' if i == 0 else '('}{lo},{hi}]", "score": self.draw(SCORES)}
                for i, (lo, hi) in enumerate(itertools.pairwise(edges))
            ]
        elif kind == "scene_rating" and self.draw(st.booleans()):
            question["level_scores"] = sorted(self.draw(SCORES) for _ in range(5))
        if kind != "text":
            question["mandatory"] = self.draw(st.booleans())
            question["na_allowed"] = self.draw(st.booleans())
        if self.levels:
            question["level"] = self.draw(st.integers(1, self.levels))
        return question

    def _condition(self) -> str | None:
        readable = [q for q in self.questions if q["question"]["type"] != "text"]
        if not readable:
            return None
        node = self.draw(st.sampled_from(readable))
        return _test(self.draw, node)

    def ensure_levels(self) -> int:
        """Sequential models need requirements at every level 1..k; returns k."""
        scorable = [q for q in self.questions if q["question"]["type"] != "text"]
        k = min(self.levels, len(scorable))
        for index, q in enumerate(scorable):
            q["question"]["level"] = index + 1 if index < k else min(q["question"]["level"], k)
        for q in self.questions:
            if q["question"]["type"] == "text":
                q["question"].pop("level", None)
        return k


def _scored(node: dict[str, Any]) -> bool:
    """Scored in every variant (generated per-variant weights are all 0 or all positive)."""
    weight = node.get("weight", 1.0)
    if isinstance(weight, dict):
        return all(w > 0 for w in weight.values())
    return bool(weight > 0)


def _test(draw: st.DrawFn, node: dict[str, Any]) -> str:
    code, question = node["code"], node["question"]
    kind = question["type"]
    if kind == "single_choice":
        test = f'{code} == "{draw(st.sampled_from([o["code"] for o in question["options"]]))}"'
    elif kind == "yes_no":
        test = f'{code} {draw(st.sampled_from(["==", "!="]))} "yes"'
    elif kind == "multiple_choice":
        option = draw(st.sampled_from([o["code"] for o in question["options"]]))
        test = f'"{option}" {draw(st.sampled_from(["in", "not in"]))} {code}'
    else:
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        test = f"{code} * 2 / 2 {op} {draw(st.integers(0, 60))}"
    return f"not ({test})" if draw(st.integers(0, 3)) == 0 else test


def _rules(
    draw: st.DrawFn, questions: list[dict[str, Any]], meta: dict[str, Any], level: int
) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    scale = float(meta["score_scale"])
    for index in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["score", "count", "share", "condition", "prerequisite"]))
        rule: dict[str, Any] = {"id": f"r{index}", "kind": kind}
        if kind == "score":
            rule.update(node="total", gte=round(draw(st.floats(0, 1)) * scale, 3))
        elif kind in ("count", "share"):
            scored = [q for q in questions if q["question"]["type"] != "text"]
            if not scored:
                continue
            select = {"codes": [q["code"] for q in scored]}
            rule.update(select=select, min_value=float(draw(st.integers(0, 3))))
            if kind == "count":
                rule["gte"] = draw(st.integers(0, len(scored)))
            else:
                rule.update(over=select, over_min_value=0.0, gte=draw(st.sampled_from([0.2, 0.5])))
        elif kind == "condition":
            readable = [q for q in questions if q["question"]["type"] != "text"]
            if not readable:
                continue
            rule["expr"] = _test(draw, draw(st.sampled_from(readable)))
        else:
            rule.update(framework="OTHER", min_level=draw(st.sampled_from(["A", "B", "Z"])))
        rules.append(rule)
    return rules


@st.composite
def answer_rows(draw: st.DrawFn, definition: dict[str, Any], rows: int) -> list[dict[str, Any]]:
    questions = _leaves(definition["nodes"])
    return [{q["code"]: _answer(draw, q["question"]) for q in questions} for _ in range(rows)]


def _leaves(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        if "question" in node:
            out.append(node)
        else:
            out.extend(_leaves(node["children"]))
    return out


def _answer(draw: st.DrawFn, question: dict[str, Any]) -> Any:
    roll = draw(st.integers(0, 19))
    if roll < 3:
        return None
    if roll == 3:
        return "N/A"
    if roll == 4:
        return draw(st.sampled_from(["???", "-5", "o9", "maybe"]))
    kind = question["type"]
    if kind == "single_choice":
        return draw(st.sampled_from([o["code"] for o in question["options"]]))
    if kind == "multiple_choice":
        codes = [o["code"] for o in question["options"]]
        return sorted(draw(st.sets(st.sampled_from(codes), min_size=1)))
    if kind == "number":
        return draw(st.sampled_from([0, 10, 25, 49.5, 50, 75, 99, 100]))
    if kind == "yes_no":
        return draw(st.sampled_from(["yes", "no", "是", "否"]))
    if kind == "scene_rating":
        return draw(st.integers(0, 4))
    return "说明文字"
