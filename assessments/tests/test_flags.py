"""Plausibility flags computed at submission (assessments/flags.py): strong claims without
evidence, a jump since an earlier year, a total far above the peer group; and the risk score."""

from __future__ import annotations

import math
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from assessments import flags
from assessments.models import Assessment, Evidence, PeerBenchmark
from assessments.services import assessment_score, assessment_submit
from assessments.tests.factories import make_draft, make_submitted
from assessments.tests.published import publish
from audit.models import AuditEvent
from conftest import World
from registry.models import Chain, EnterpriseChain


def _codes(assessment: Assessment) -> list[str]:
    return [flag["code"] for flag in assessment.flags]


def _flag(assessment: Assessment, code: str) -> dict[str, Any]:
    return next(flag for flag in assessment.flags if flag["code"] == code)


def _strong_claims(draft: Assessment) -> list[str]:
    """Questions answered at ≥ 75 % of their maximum (the flag's default threshold)."""
    result = assessment_score(draft)
    return [
        code
        for code, trace in result.questions.items()
        if trace.status == "answered" and trace.weight > 0 and (trace.fraction or 0) >= 0.75
    ]


def _attach_evidence(draft: Assessment, questions: list[str], by: User) -> None:
    Evidence.objects.bulk_create(
        Evidence(
            assessment=draft,
            question=code,
            stored_name=f"{draft.pk}-{i}",
            original_name="证明.pdf",
            content_type="application/pdf",
            kind="pdf",
            size=10,
            sha256="0" * 64,
            uploaded_by=by,
        )
        for i, code in enumerate(questions)
    )


def _submit_with_evidence(world: World, covered: float) -> Assessment:
    """A strong GEN-JS result with evidence on the first `covered` share of its strong claims."""
    user = world.users["enterprise"]
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=user, quality=0.95)
    claims = _strong_claims(draft)
    _attach_evidence(draft, claims[: math.floor(len(claims) * covered)], user)
    return assessment_submit(assessment=draft, by=user, revision=draft.revision)


def _peer_group(version_id: int, group: str, key: str, size: int) -> PeerBenchmark:
    return PeerBenchmark.objects.create(
        framework_version_id=version_id,
        group=group,
        key=key,
        label=key,
        size=size,
        totals=[40.0, 41.0, 42.0, 43.0, 44.0][:size],
        dimension_medians={},
        computed_at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("covered", "expected"),
    [(0.0, "high"), (0.3, "medium"), (0.6, None), (1.0, None)],
)
def test_strong_claims_without_evidence_are_flagged_by_their_share(
    world: World, covered: float, expected: str | None
) -> None:
    publish("GEN-JS")

    result = _submit_with_evidence(world, covered)

    if expected is None:
        assert "missing_evidence" not in _codes(result)
    else:
        assert _flag(result, "missing_evidence")["severity"] == expected


def test_the_missing_evidence_flag_names_the_bare_questions(world: World) -> None:
    publish("GEN-JS")

    result = _submit_with_evidence(world, 0.0)

    flag = _flag(result, "missing_evidence")
    assert flag["detail"]["share"] == 1.0
    assert set(flag["detail"]["questions"]) <= set(result.answers)
    assert str(len(flag["detail"]["questions"])) in flag["message"]


def test_weak_answers_raise_no_evidence_flag(world: World) -> None:
    publish("GEN-JS")

    result = make_submitted(
        enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"], quality=0.0
    )

    assert "missing_evidence" not in _codes(result)


def test_a_jump_over_an_earlier_year_is_flagged(world: World) -> None:
    publish("GEN-JS")
    user = world.users["enterprise"]
    earlier = make_submitted(enterprise=world.e1, code="GEN-JS", by=user, quality=0.1, year=2024)

    result = make_submitted(enterprise=world.e1, code="GEN-JS", by=user, quality=0.95, year=2025)

    flag = _flag(result, "jump")
    assert flag["detail"]["previous"] == earlier.pk
    assert flag["detail"]["year"] == 2024
    assert flag["detail"]["rise"] == pytest.approx(result.total - earlier.total)
    assert flag["severity"] == "medium"


@pytest.mark.parametrize(
    ("earlier_year", "limit"),
    [(2025, 20), (2024, 95)],
    ids=["same year", "rise under the limit"],
)
def test_no_jump_flag_for_the_same_year_or_a_rise_under_the_limit(
    world: World, settings, earlier_year: int, limit: float
) -> None:
    settings.FLAG_JUMP_POINTS = limit
    publish("GEN-JS")
    user = world.users["enterprise"]
    make_submitted(enterprise=world.e1, code="GEN-JS", by=user, quality=0.1, year=earlier_year)

    result = make_submitted(enterprise=world.e1, code="GEN-JS", by=user, quality=0.95, year=2025)

    assert "jump" not in _codes(result)


def test_a_total_far_above_the_county_peers_is_flagged(world: World) -> None:
    version = publish("GEN-JS")["GEN-JS"]
    _peer_group(version.pk, "county", world.e1.county_id, 5)

    result = make_submitted(
        enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"], quality=0.95
    )

    flag = _flag(result, "peer_outlier")
    assert flag["severity"] == "low"
    assert flag["detail"]["group"] == world.e1.county_id
    assert flag["detail"]["z"] > 3.5


def test_a_total_far_above_the_chain_peers_is_flagged(world: World) -> None:
    version = publish("GEN-JS")["GEN-JS"]
    chain = Chain.objects.create(code="ic", name="集成电路产业链")
    EnterpriseChain.objects.create(enterprise=world.e1, chain=chain)
    _peer_group(version.pk, "chain", "ic", 5)

    result = make_submitted(
        enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"], quality=0.95
    )

    assert _flag(result, "peer_outlier")["detail"]["group"] == "ic"


@pytest.mark.parametrize(
    ("group", "key", "size"),
    [("county", "320102", 4), ("county", "320104", 5), ("province", "32", 5)],
    ids=["group too small", "another county", "province group"],
)
def test_no_peer_flag_from_small_foreign_or_province_groups(
    world: World, group: str, key: str, size: int
) -> None:
    version = publish("GEN-JS")["GEN-JS"]
    _peer_group(version.pk, group, key, size)

    result = make_submitted(
        enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"], quality=0.95
    )

    assert "peer_outlier" not in _codes(result)


def test_flags_and_risk_score_are_stored_and_audited_at_submission(world: World) -> None:
    version = publish("GEN-JS")["GEN-JS"]
    _peer_group(version.pk, "county", world.e1.county_id, 5)

    result = _submit_with_evidence(world, 0.0)

    result.refresh_from_db()
    assert _codes(result) == ["missing_evidence", "peer_outlier"]
    assert result.risk_score == 4.0
    event = AuditEvent.objects.get(action="assessment.submit", object_id=str(result.pk))
    assert event.after["flags"] == ["missing_evidence", "peer_outlier"]


@pytest.mark.parametrize(
    ("severities", "expected"),
    [([], 0.0), (["high"], 3.0), (["medium", "low"], 3.0), (["high", "medium", "low"], 6.0)],
)
def test_risk_score_sums_severity_weights(severities: list[str], expected: float) -> None:
    found = [{"code": "x", "severity": s, "message": "", "detail": {}} for s in severities]

    assert flags.risk_score(found) == expected


@pytest.mark.parametrize(
    ("value", "values", "expected"),
    [
        (10.0, [], None),
        (10.0, [5.0, 5.0, 5.0], None),
        (5.0, [1.0, 3.0, 5.0, 7.0, 9.0], 0.0),
        (9.0, [1.0, 3.0, 5.0, 7.0, 9.0], 4 / (2 * 1.4826)),
    ],
    ids=["no values", "no spread", "at the median", "above"],
)
def test_robust_z_is_distance_from_the_median_in_scaled_mads(
    value: float, values: list[float], expected: float | None
) -> None:
    assert flags.robust_z(value, values) == (None if expected is None else pytest.approx(expected))
