"""scoring.matching: ranking catalogue entries against an assessment's gaps."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.matching import (
    Candidate,
    Gap,
    IndustryFit,
    RegionFit,
    bonus,
    experience,
    gap_severity,
    rank_matches,
)

PRODUCTION = Gap("production", "生产作业", percent=42.0, peer_median=61.0)
RND = Gap("rnd", "研发设计", percent=55.0, peer_median=None)


def _ids(matches):
    return [m.entry_id for m in matches]


def test_scoring_matching_has_no_django_import():
    code = "import sys, scoring.matching; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_severity_adds_shortfall_below_threshold_peer_median_and_failed_rules():
    gap = Gap("x", "x", percent=30.0, peer_median=50.0, rules_failed=True)
    assert gap_severity(gap) == pytest.approx(30 / 60 + 20 / 100 + 0.25)


def test_severity_is_zero_at_threshold_without_peers_or_rules():
    assert gap_severity(Gap("x", "x", percent=60.0, peer_median=None)) == 0.0


def test_entry_covering_the_weakest_dimension_ranks_first():
    candidates = [Candidate(1, frozenset({"rnd"})), Candidate(2, frozenset({"production"}))]
    assert _ids(rank_matches([PRODUCTION, RND], candidates)) == [2, 1]


def test_covering_two_gaps_beats_covering_one():
    candidates = [
        Candidate(1, frozenset({"production"})),
        Candidate(2, frozenset({"production", "rnd"})),
    ]
    assert _ids(rank_matches([PRODUCTION, RND], candidates)) == [2, 1]


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        ({"industry": IndustryFit.EXACT}, {"industry": IndustryFit.DIVISION}),
        ({"industry": IndustryFit.DIVISION}, {"industry": IndustryFit.ANY}),
        ({"industry": IndustryFit.ANY}, {"industry": IndustryFit.NONE}),
        ({"region": RegionFit.COUNTY}, {"region": RegionFit.CITY}),
        ({"region": RegionFit.CITY}, {"region": RegionFit.PROVINCE}),
        ({"served_city": 35}, {"served_city": 3}),
        ({"similarity": 0.9}, {"similarity": 0.2}),
        ({"featured": True}, {"featured": False}),
        ({"rating": 5}, {"rating": 2}),
    ],
)
def test_each_fit_raises_the_rank_other_things_equal(better, worse):
    candidates = [
        Candidate(1, frozenset({"production"}), **worse),
        Candidate(2, frozenset({"production"}), **better),
    ]
    assert _ids(rank_matches([PRODUCTION], candidates)) == [2, 1]


def test_ties_are_broken_by_entry_id():
    candidates = [Candidate(i, frozenset({"production"})) for i in (9, 3, 5)]
    assert _ids(rank_matches([PRODUCTION], candidates)) == [3, 5, 9]


def test_covered_gaps_are_listed_most_severe_first():
    [match] = rank_matches([RND, PRODUCTION], [Candidate(1, frozenset({"rnd", "production"}))])
    assert match.covered == ("production", "rnd")


def test_components_sum_to_the_score():
    [match] = rank_matches(
        [PRODUCTION],
        [Candidate(1, frozenset({"production"}), served_city=12, similarity=0.4, rating=4)],
    )
    assert [c.name for c in match.components] == [
        "need", "industry", "region", "experience", "similarity", "bonus",
    ]  # fmt: skip
    assert match.score == pytest.approx(sum(c.contribution for c in match.components))


def test_experience_saturates_at_full_experience():
    assert experience(50, 50) == pytest.approx(1.0)
    assert experience(500, 500) == pytest.approx(1.0)
    assert experience(0, 0) == 0.0


def test_bonus_is_half_featured_half_rating():
    assert bonus(True, 5) == pytest.approx(1.0)
    assert bonus(False, None) == 0.0


@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        ([Candidate(1, frozenset()), Candidate(1, frozenset())], "unique"),
        ([Candidate(1, frozenset(), similarity=1.5)], "similarity"),
        ([Candidate(1, frozenset(), similarity=float("nan"))], "similarity"),
        ([Candidate(1, frozenset(), rating=6)], "rating"),
    ],
)
def test_invalid_candidates_are_refused(candidates, message):
    with pytest.raises(ValueError, match=message):
        rank_matches([PRODUCTION], candidates)


def test_duplicate_gap_codes_are_refused():
    with pytest.raises(ValueError, match="gap codes"):
        rank_matches([PRODUCTION, PRODUCTION], [])


candidate_st = st.builds(
    Candidate,
    entry_id=st.integers(1, 10_000),
    covers=st.frozensets(st.sampled_from(["production", "rnd", "other"]), max_size=3),
    industry=st.sampled_from(list(IndustryFit)),
    region=st.sampled_from(list(RegionFit)),
    served_city=st.integers(0, 200),
    served_province=st.integers(0, 500),
    similarity=st.floats(0, 1),
    featured=st.booleans(),
    rating=st.one_of(st.none(), st.integers(1, 5)),
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    candidate=candidate_st,
    percent=st.floats(0, 100),
    drop=st.floats(0, 100),
    median=st.one_of(st.none(), st.floats(0, 100)),
)
def test_a_bigger_gap_never_lowers_a_candidates_score(candidate, percent, drop, median):
    lower = max(0.0, percent - drop)
    before = rank_matches([Gap("production", "p", percent, median)], [candidate])[0].score
    after = rank_matches([Gap("production", "p", lower, median)], [candidate])[0].score
    assert after >= before - 1e-12


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates=st.lists(candidate_st, max_size=8, unique_by=lambda c: c.entry_id))
def test_a_candidate_covering_no_gap_never_ranks_above_one_that_does(candidates):
    ranked = rank_matches([PRODUCTION, RND], candidates)
    flags = [m.covers_gap for m in ranked]
    assert flags == sorted(flags, reverse=True)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates=st.lists(candidate_st, max_size=8, unique_by=lambda c: c.entry_id))
def test_ranking_is_deterministic_whatever_the_input_order(candidates):
    forward = rank_matches([PRODUCTION, RND], candidates)
    backward = rank_matches([RND, PRODUCTION], list(reversed(candidates)))
    assert _ids(forward) == _ids(backward)
    assert [m.score for m in forward] == pytest.approx([m.score for m in backward])
