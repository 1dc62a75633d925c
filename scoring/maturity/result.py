"""What scoring one assessment returns, and its JSON form.

Every number is kept at full precision; round only for display.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from scoring.maturity.types import Text

RuleStatus = Literal["pass", "fail", "pending"]
LevelStatus = Literal["reached", "failed", "pending"]
QuestionStatus = Literal["answered", "unanswered", "na", "not_applicable", "unscored"]


@dataclass(frozen=True)
class PrerequisiteResult:
    """The enterprise's latest valid result of another model, for `prerequisite` rules."""

    level: str | None
    total: float | None
    level_order: tuple[str, ...] = ()
    """That model's level codes from lowest to highest."""


@dataclass(frozen=True)
class QuestionTrace:
    """One line of the explanation: answer → fraction → weight → contribution."""

    code: str
    title: Text
    type: str
    answer: str
    status: QuestionStatus
    fraction: float | None
    """The answer's score as a fraction of the question's maximum."""
    weight: float
    """The question's effective share of the total (after N/A renormalisation)."""
    contribution: float
    """Points it adds to the total: fraction × weight × scale (sequential: to S_level)."""
    potential_gain: float
    """Points a full answer would add on top of the contribution."""
    level: int | None = None
    counted: bool = True
    """sequential_gate: whether the requirement's level counts towards the total."""


@dataclass(frozen=True)
class NodeScore:
    code: str
    title: Text
    points: float | None
    """fraction × max_points; None when the node is N/A or unscored."""
    max_points: float
    fraction: float | None
    status: Literal["scored", "na", "unscored"]
    by_level: tuple[float | None, ...] = ()
    """sequential_gate: the node's fraction at each requirement level."""


@dataclass(frozen=True)
class RuleOutcome:
    id: str
    kind: str
    status: RuleStatus
    observed: float | str | None
    required: float | str | None
    detail: str
    """A sentence with the values used, bilingual."""
    text: Text | None
    verified: bool
    source: dict[str, str]


@dataclass(frozen=True)
class LevelOutcome:
    code: str
    rank: int
    name: Text
    status: LevelStatus
    rules: tuple[RuleOutcome, ...]


@dataclass(frozen=True)
class GapItem:
    """An unmet item on the way to the next level, most valuable first."""

    question: str
    title: Text
    current: str
    target: str
    gain: float | None
    """Points gained on the rule's node if fully answered; None for count-type items."""
    rule: str
    advice: Text | None


@dataclass(frozen=True)
class Gap:
    level: str
    name: Text
    unmet_rules: tuple[RuleOutcome, ...]
    items: tuple[GapItem, ...]


@dataclass(frozen=True)
class Result:
    framework: str
    version: str
    variant: str
    total: float
    max_total: float
    level: str | None
    level_rank: int
    level_name: Text
    levels: tuple[LevelOutcome, ...]
    nodes: dict[str, NodeScore]
    questions: dict[str, QuestionTrace]
    gap: Gap | None
    level_scores: tuple[float, ...] = ()
    """sequential_gate: S_1 … S_n, each in [0, 1]."""
    na_policy: str = ""

    @property
    def pending(self) -> bool:
        """True when a level above the result is held only by pending rules."""
        return any(
            outcome.status == "pending" and outcome.rank > self.level_rank
            for outcome in self.levels
        )


def result_as_dict(result: Result) -> dict[str, Any]:
    """A JSON-ready dict (tuples become lists; keys stay in model order)."""
    plain: dict[str, Any] = _plain(asdict(result))
    return plain | {"pending": result.pending}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
