"""Matching an assessment's gaps to catalogue entries: a transparent weighted sum.

Inputs are plain frozen dataclasses (the Django side, catalog/matching.py, builds them from the
stored result, the catalogue and the adoption records); the output is a ranked list with every
component of every score, so a page can say why an entry ranks where it does.

Score of candidate c against the gaps G (every term in [0, 1] except `need`):

    need(c)   = Σ_{g ∈ G, g covered by c} severity(g)
    severity  = max(0, T − p) / T  +  max(0, m − p) / 100  +  R · [next level's rules failed at g]
    score(c)  = w_need · need + w_ind · industry_fit + w_reg · region_fit
              + w_exp · experience + w_sim · similarity + w_bonus · bonus
    experience = 0.7 · min(1, ln(1 + n_city) / ln(1 + N)) + 0.3 · min(1, ln(1 + n_prov) / ln(1 + N))
    bonus     = ½ · featured + ½ · rating / 5

with p the gap's percent of its maximum, m the peer median percent (0 when unknown), T the weak
threshold (60 %, as on the result page), N the number of served enterprises that counts as full
experience. Ranking is lexicographic: candidates covering at least one gap come first, then by
score, then by entry id (ties are broken deterministically). Hence a bigger gap never lowers a
candidate's score, and a candidate covering no gap never outranks one that covers a gap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

WEAK_PERCENT = 60.0
"""A dimension below this share of its maximum is weak (assessments/results.py uses the same)."""
RULE_WEIGHT = 0.25
"""R: extra severity where rules of the next level failed."""
FULL_EXPERIENCE = 50
"""N: enterprises served that count as full experience."""


class IndustryFit(Enum):
    """How an entry's industries (GB/T 4754 codes at any level) meet the enterprise's class."""

    EXACT = "exact"
    """The entry names the enterprise's class."""
    DIVISION = "division"
    """The entry names the class's group or division (a broader code that covers it)."""
    ANY = "any"
    """The entry names no industry: it applies to all."""
    NONE = "none"
    """The entry names other industries only."""


class RegionFit(Enum):
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    """The entry names no region: it applies to the whole province."""
    NONE = "none"


INDUSTRY_VALUE: Mapping[IndustryFit, float] = {
    IndustryFit.EXACT: 1.0,
    IndustryFit.DIVISION: 0.8,
    IndustryFit.ANY: 0.5,
    IndustryFit.NONE: 0.0,
}
REGION_VALUE: Mapping[RegionFit, float] = {
    RegionFit.COUNTY: 1.0,
    RegionFit.CITY: 0.9,
    RegionFit.PROVINCE: 0.6,
    RegionFit.NONE: 0.0,
}


@dataclass(frozen=True)
class Weights:
    need: float = 0.40
    industry: float = 0.15
    region: float = 0.10
    experience: float = 0.15
    similarity: float = 0.15
    bonus: float = 0.05


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Gap:
    """A weak dimension or node of one result."""

    code: str
    title: str
    percent: float
    """Points as a percent of the node's maximum, 0..100."""
    peer_median: float | None
    """The peer group's median as a percent of the same maximum; None without a benchmark."""
    rules_failed: bool = False
    """Rules of the next level failed on this node."""


@dataclass(frozen=True)
class Candidate:
    entry_id: int
    covers: frozenset[str]
    """The gap codes this entry's scenarios cover."""
    scenarios: tuple[str, ...] = ()
    industry: IndustryFit = IndustryFit.ANY
    region: RegionFit = RegionFit.PROVINCE
    served_city: int = 0
    """Distinct enterprises the provider served in the enterprise's city."""
    served_province: int = 0
    similarity: float = 0.0
    """Cosine similarity of the gap text and the entry text, clipped to 0..1."""
    featured: bool = False
    rating: int | None = None
    """The province's rating, 1..5."""


@dataclass(frozen=True)
class Component:
    """One line of a score's explanation: value × weight = contribution."""

    name: str
    value: float
    weight: float

    @property
    def contribution(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True)
class Match:
    entry_id: int
    score: float
    covered: tuple[str, ...]
    """Covered gap codes, most severe first."""
    components: tuple[Component, ...]

    @property
    def covers_gap(self) -> bool:
        return bool(self.covered)


def gap_severity(gap: Gap, *, threshold: float = WEAK_PERCENT) -> float:
    """How badly a node needs help.

    severity = max(0, T − p) / T + max(0, m − p) / 100 + R · [rules failed]

    Non-increasing in p, non-decreasing in m; 0 for a node at or above both T and m with no
    failed rule.
    """
    below = max(0.0, threshold - gap.percent) / threshold
    peer = max(0.0, (gap.peer_median or 0.0) - gap.percent) / 100.0
    return below + peer + (RULE_WEIGHT if gap.rules_failed else 0.0)


def experience(served_city: int, served_province: int) -> float:
    """0.7 · min(1, ln(1 + n_city) / ln(1 + N)) + 0.3 · min(1, ln(1 + n_prov) / ln(1 + N))."""
    full = math.log1p(FULL_EXPERIENCE)
    city = min(1.0, math.log1p(max(0, served_city)) / full)
    province = min(1.0, math.log1p(max(0, served_province)) / full)
    return 0.7 * city + 0.3 * province


def bonus(featured: bool, rating: int | None) -> float:
    """½ · featured + ½ · rating / 5 (0 without a rating)."""
    return 0.5 * float(featured) + 0.5 * (rating or 0) / 5.0


def score_candidate(
    candidate: Candidate, severities: Mapping[str, float], weights: Weights = DEFAULT_WEIGHTS
) -> Match:
    """One candidate's score with its explanation trail (inputs trusted: see `rank_matches`)."""
    covered = sorted(
        (code for code in candidate.covers if code in severities),
        key=lambda code: (-severities[code], code),
    )
    components = (
        Component("need", sum(severities[code] for code in covered), weights.need),
        Component("industry", INDUSTRY_VALUE[candidate.industry], weights.industry),
        Component("region", REGION_VALUE[candidate.region], weights.region),
        Component(
            "experience",
            experience(candidate.served_city, candidate.served_province),
            weights.experience,
        ),
        Component("similarity", candidate.similarity, weights.similarity),
        Component("bonus", bonus(candidate.featured, candidate.rating), weights.bonus),
    )
    return Match(
        entry_id=candidate.entry_id,
        score=sum(c.contribution for c in components),
        covered=tuple(covered),
        components=components,
    )


def _check(gaps: Sequence[Gap], candidates: Sequence[Candidate]) -> None:
    codes = [g.code for g in gaps]
    if len(set(codes)) != len(codes):
        raise ValueError("gap codes must be unique")
    ids = [c.entry_id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("candidate entry ids must be unique")
    for c in candidates:
        if not 0.0 <= c.similarity <= 1.0 or math.isnan(c.similarity):
            raise ValueError(f"similarity of entry {c.entry_id} must lie in [0, 1]")
        if c.rating is not None and not 1 <= c.rating <= 5:
            raise ValueError(f"rating of entry {c.entry_id} must lie in 1..5")


def rank_matches(
    gaps: Sequence[Gap],
    candidates: Sequence[Candidate],
    *,
    weights: Weights = DEFAULT_WEIGHTS,
    threshold: float = WEAK_PERCENT,
) -> list[Match]:
    """Candidates ranked for these gaps, best first, each with its score components.

    Order: covering at least one gap first, then score descending, then entry id ascending.
    Raises ValueError on duplicate gap codes or entry ids, a similarity outside [0, 1] or a
    rating outside 1..5.
    """
    _check(gaps, candidates)
    severities = {g.code: gap_severity(g, threshold=threshold) for g in gaps}
    matches = [score_candidate(c, severities, weights) for c in candidates]
    return sorted(matches, key=lambda m: (not m.covers_gap, -m.score, m.entry_id))
