"""The compiled form of a maturity model: frozen dataclasses the two scoring paths read.

`compile_framework` (compile.py) builds them from a definition dict (docs/framework-format.md) and
checks their meaning; nothing here validates, everything here may be trusted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from scoring.maturity.expr import Expr

QuestionType = Literal[
    "single_choice", "multiple_choice", "number", "yes_no", "scene_rating", "evidence", "text"
]
ChoiceTypes = ("single_choice", "multiple_choice", "yes_no")
UNSCORED_TYPES = ("evidence", "text")
NaPolicy = Literal["renormalise", "zero"]
Method = Literal["weighted_tree", "sequential_gate"]
LevelMode = Literal["highest", "cumulative"]
RuleKind = Literal["score", "count", "share", "condition", "prerequisite"]

TOTAL = "total"
"""The reserved code of the root: `score` rules name it; no node may use it."""

EPSILON = 1e-9
"""A score within this distance below a threshold reaches it (floating-point rounding only)."""


@dataclass(frozen=True)
class Text:
    zh: str
    en: str = ""

    def __str__(self) -> str:
        return self.zh


@dataclass(frozen=True)
class Source:
    document: str = ""
    clause: str = ""
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class Option:
    code: str
    label: Text
    score: float
    exclusive: bool = False


@dataclass(frozen=True)
class Band:
    """An interval of a number question; `low`/`high` None means open-ended."""

    text: str
    low: float | None
    high: float | None
    low_closed: bool
    high_closed: bool
    score: float

    def contains(self, x: float) -> bool:
        if self.low is not None and (x < self.low or (x == self.low and not self.low_closed)):
            return False
        return not (
            self.high is not None and (x > self.high or (x == self.high and not self.high_closed))
        )


@dataclass(frozen=True)
class Question:
    code: str
    type: QuestionType
    text: Text
    mandatory: bool
    na_allowed: bool
    options: tuple[Option, ...] = ()
    cap: float = 1.0
    unit: str = ""
    min: float | None = None
    max: float | None = None
    bands: tuple[Band, ...] = ()
    yes_score: float = 1.0
    no_score: float = 0.0
    max_level: int = 4
    level_scores: tuple[float, ...] = ()
    level_descriptors: tuple[Text, ...] = ()
    level: int | None = None

    @property
    def is_scored_type(self) -> bool:
        return self.type not in UNSCORED_TYPES

    def option_index(self, code: str) -> int | None:
        for i, option in enumerate(self.options):
            if option.code == code:
                return i
        return None


@dataclass(frozen=True)
class Node:
    code: str
    title: Text
    parent: str
    """The parent's code; TOTAL for top-level nodes."""
    children: tuple[str, ...]
    weights: Mapping[str, float]
    """Raw weight per variant (before normalisation)."""
    na_policy: NaPolicy
    """What an N/A *child* does to this node."""
    condition: Expr | None
    tags: frozenset[str]
    question: Question | None
    advice: Text | None
    source: Source
    verified: bool


@dataclass(frozen=True)
class Selector:
    """Resolved at compile time to the question codes it picks, in model order."""

    description: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    id: str
    kind: RuleKind
    level: str
    text: Text | None
    source: Source
    verified: bool
    node: str = TOTAL
    gte: float = 0.0
    select: Selector | None = None
    min_value: float = 0.0
    over: Selector | None = None
    over_min_value: float = 0.0
    expr: Expr | None = None
    expr_source: str = ""
    framework: str = ""
    min_level: str | None = None
    min_score: float | None = None


@dataclass(frozen=True)
class Level:
    code: str
    rank: int
    """1 for the lowest level; 0 is reserved for "no level"."""
    name: Text
    description: Text | None
    rules: tuple[Rule, ...]
    source: Source
    verified: bool


@dataclass(frozen=True)
class Crosswalk:
    question: str
    from_framework: str
    from_question: str
    values: Mapping[str, str]
    source: Source
    verified: bool


@dataclass(frozen=True)
class VariantPlan:
    """One variant's weights: each scored node's share of its parent and of the total."""

    variant: str
    shares: Mapping[str, float]
    total_shares: Mapping[str, float]
    scored: frozenset[str]


@dataclass(frozen=True)
class Framework:
    code: str
    version: str
    title: Text
    provisional: bool
    score_scale: float
    method: Method
    gate_threshold: float
    variants: tuple[str, ...]
    variant_names: Mapping[str, Text]
    na_policy: NaPolicy
    """What an N/A top-level node does to the total."""
    level_mode: LevelMode
    none_level: Text
    levels: tuple[Level, ...]
    nodes: Mapping[str, Node]
    """Every node in depth-first model order."""
    roots: tuple[str, ...]
    question_codes: tuple[str, ...]
    """Question codes in model order: the answer columns."""
    condition_order: tuple[str, ...]
    """Question codes in an order where every condition's inputs come first."""
    plans: Mapping[str, VariantPlan]
    crosswalks: tuple[Crosswalk, ...]
    requirement_levels: tuple[int, ...]
    """sequential_gate: the levels that have requirements, ascending."""
    verified: bool
    source: Source
    digest: str = ""
    node_levels: Mapping[str, frozenset[int]] = field(default_factory=dict)
    """sequential_gate: the requirement levels present in each node's subtree."""

    @property
    def label(self) -> str:
        return f"{self.code}@{self.version}"

    @property
    def default_variant(self) -> str:
        return self.variants[0]

    def question(self, code: str) -> Question:
        question = self.nodes[code].question
        assert question is not None
        return question

    def level(self, code: str) -> Level:
        return next(level for level in self.levels if level.code == code)

    def ancestors(self, code: str) -> tuple[str, ...]:
        """The node's ancestors from its parent up to (excluding) the root."""
        chain = []
        parent = self.nodes[code].parent
        while parent != TOTAL:
            chain.append(parent)
            parent = self.nodes[parent].parent
        return tuple(chain)

    def max_points(self, code: str, variant: str) -> float:
        """A node's nominal maximum: its share of the total times the score scale."""
        if code == TOTAL:
            return self.score_scale
        return self.plans[variant].total_shares.get(code, 0.0) * self.score_scale
