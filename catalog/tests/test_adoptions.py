"""catalog.adoptions: recording an adoption, withdrawing it, and its effect at the next result."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Assessment
from audit.models import AuditEvent
from catalog import adoptions
from catalog.adoptions import (
    adoption_effects,
    adoption_record,
    adoption_withdraw,
    entry_effects,
    provider_effects,
)
from catalog.models import Adoption, Status
from catalog.tests.factories import make_entry, make_provider
from catalog.tests.matching_world import load_sf_js, submit
from conftest import make_enterprise, make_user

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def sf(world):
    return load_sf_js()


@pytest.fixture
def solution(db):
    return make_entry("机器视觉在线检测方案", provider=make_provider("检测科技有限公司"))


@pytest.fixture
def baseline(world, sf, time_machine):
    time_machine.move_to(START)
    return submit(world.e1, world.users["enterprise"], sf, {"production": 1})


def _record(world, baseline, solution, **overrides):
    fields = {
        "enterprise": world.e1,
        "baseline": baseline,
        "entry": solution,
        "dimensions": ["production"],
        "adopted_on": dt.date(2026, 3, 2),
        "note": "引入机器视觉检测",
        "by": world.users["enterprise"],
    }
    return adoption_record(**(fields | overrides))


def test_recording_an_adoption_names_the_entrys_provider_and_is_audited(world, baseline, solution):
    adoption = _record(world, baseline, solution)
    adoption.refresh_from_db()
    assert adoption.provider == solution.provider
    assert adoption.dimensions == ["production"]
    assert AuditEvent.objects.filter(action="adoption.record", object_id=str(adoption.pk)).exists()


def _invalid_cases(world, baseline, solution):
    other_user = make_user("ent_e2", "enterprise", enterprise=world.e2)
    return {
        "official": ({"by": world.users["province"]}, adoptions.NOT_ENTERPRISE_USER),
        "other enterprise user": ({"by": other_user}, adoptions.NOT_ENTERPRISE_USER),
        "baseline of another enterprise": (
            {"enterprise": world.e2, "by": other_user},
            adoptions.BAD_BASELINE,
        ),
        "nothing adopted": ({"entry": None}, adoptions.NOTHING_ADOPTED),
        "draft entry": (
            {"entry": make_entry("草稿", status=Status.DRAFT)},
            adoptions.ENTRY_NOT_PUBLISHED,
        ),
        "provider in review": (
            {"provider": make_provider("待审核", status=Status.IN_REVIEW)},
            adoptions.PROVIDER_NOT_PUBLISHED,
        ),
        "unscored dimension": ({"dimensions": ["basic"]}, adoptions.BAD_DIMENSIONS),
        "unknown dimension": ({"dimensions": ["nope"]}, adoptions.BAD_DIMENSIONS),
        "no dimension": ({"dimensions": []}, adoptions.BAD_DIMENSIONS),
        "repeated dimension": ({"dimensions": ["rnd", "rnd"]}, adoptions.BAD_DIMENSIONS),
        "future": ({"adopted_on": dt.date(2026, 3, 3)}, adoptions.DATE_IN_FUTURE),
        "before baseline": ({"adopted_on": dt.date(2026, 3, 1)}, adoptions.DATE_BEFORE_BASELINE),
        "long note": ({"note": "长" * 1001}, adoptions.NOTE_TOO_LONG),
    }


@pytest.mark.parametrize(
    "case",
    [
        "official", "other enterprise user", "baseline of another enterprise", "nothing adopted",
        "draft entry", "provider in review", "unscored dimension", "unknown dimension",
        "no dimension", "repeated dimension", "future", "before baseline", "long note",
    ],
)  # fmt: skip
def test_invalid_adoptions_are_refused_and_write_nothing(world, baseline, solution, case):
    overrides, message = _invalid_cases(world, baseline, solution)[case]
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        _record(world, baseline, solution, **overrides)
    assert caught.value.messages == [message]
    assert Adoption.objects.count() == 0
    assert AuditEvent.objects.count() == audits


def test_a_draft_is_not_a_baseline(world, sf, solution, time_machine):
    time_machine.move_to(START)
    from assessments.services import assessment_start

    draft = assessment_start(enterprise=world.e1, version=sf, by=world.users["enterprise"])
    with pytest.raises(ValidationError) as caught:
        _record(world, draft, solution)
    assert caught.value.messages == [adoptions.BAD_BASELINE]


def test_the_effect_awaits_the_next_assessment(world, baseline, solution):
    [effect] = adoption_effects([_record(world, baseline, solution)])
    assert effect.awaiting
    assert effect.changes[0].before == pytest.approx(25.0)
    assert effect.changes[0].change is None


def test_the_effect_is_the_change_in_percentage_points_at_the_next_result(
    world, sf, baseline, solution, time_machine
):
    adoption = _record(world, baseline, solution, dimensions=["production", "rnd"])
    time_machine.move_to(START + dt.timedelta(days=30))
    follow_up = submit(world.e1, world.users["enterprise"], sf, {"production": 3})
    [effect] = adoption_effects([adoption])
    assert effect.follow_up == follow_up
    assert [(c.code, c.change) for c in effect.changes] == [("production", 50.0), ("rnd", 0.0)]
    assert effect.mean_change == pytest.approx(25.0)
    assert effect.total_change == pytest.approx(10.0)


def test_the_first_result_on_or_after_the_adoption_date_is_the_follow_up(
    world, sf, baseline, solution, time_machine
):
    time_machine.move_to(START + dt.timedelta(days=20))
    adoption = _record(world, baseline, solution, adopted_on=dt.date(2026, 3, 12))
    time_machine.move_to(START + dt.timedelta(days=25))
    later = submit(world.e1, world.users["enterprise"], sf, {"production": 2})
    [effect] = adoption_effects([adoption])
    assert effect.follow_up == later


def test_an_earlier_result_than_the_adoption_is_skipped(world, sf, solution, time_machine):
    time_machine.move_to(START)
    first = submit(world.e1, world.users["enterprise"], sf, {"production": 1})
    time_machine.move_to(START + dt.timedelta(days=5))
    submit(world.e1, world.users["enterprise"], sf, {"production": 2})
    time_machine.move_to(START + dt.timedelta(days=20))
    adoption = _record(world, first, solution, adopted_on=dt.date(2026, 3, 15))
    [effect] = adoption_effects([adoption])
    assert effect.awaiting


def _stored(pk, points, max_points, day):
    node = {"title": {"zh": "维度"}, "points": points, "max_points": max_points, "status": "scored"}
    return Assessment(
        pk=pk, total=points, max_total=max_points, status="submitted",
        submitted_at=START + dt.timedelta(days=day), result={"nodes": {"d": node}},
    )  # fmt: skip


def test_percents_are_compared_when_versions_differ():
    baseline, follow_up = _stored(1, 5.0, 20.0, 0), _stored(2, 20.0, 40.0, 9)
    adoption = Adoption(dimensions=["d"], adopted_on=dt.date(2026, 3, 5), baseline=baseline)
    effect = adoptions._effect(adoption, [baseline, follow_up])
    assert effect.changes[0].change == pytest.approx(25.0)
    assert effect.total_change == pytest.approx(25.0)


def _adopted_and_reassessed(world, sf, solution, time_machine, count, *, gain=2):
    """`count` enterprises (E1 and new ones) adopt `solution` and re-assess a month later."""
    time_machine.move_to(START)
    made = []
    for i in range(count):
        enterprise = (
            world.e1 if i == 0 else make_enterprise(county=world.x, name=f"企业{i}", seq=100 + i)
        )
        user = (
            world.users["enterprise"]
            if i == 0
            else make_user(f"ent_{i}", "enterprise", enterprise=enterprise)
        )
        base = submit(enterprise, user, sf, {"production": 1})
        made.append((enterprise, user, base))
    records = [
        adoption_record(
            enterprise=e, baseline=b, entry=solution, dimensions=["production"],
            adopted_on=dt.date(2026, 3, 2), by=u,
        )
        for e, u, b in made
    ]  # fmt: skip
    time_machine.move_to(START + dt.timedelta(days=30))
    for e, u, _b in made:
        submit(e, u, sf, {"production": 1 + gain})
    return records


def test_effects_of_fewer_than_five_enterprises_are_hidden(world, sf, solution, time_machine):
    _adopted_and_reassessed(world, sf, solution, time_machine, 4)
    summary = entry_effects(entry=solution)
    assert (summary.measured, summary.enterprises, summary.hidden) == (4, 4, True)
    assert summary.mean is None
    assert summary.median is None


def test_effects_of_five_enterprises_are_shown_for_the_entry_and_its_provider(
    world, sf, solution, time_machine
):
    _adopted_and_reassessed(world, sf, solution, time_machine, 5)
    for summary in (entry_effects(entry=solution), provider_effects(provider=solution.provider)):
        assert summary.hidden is False
        assert summary.mean == pytest.approx(50.0)
        assert summary.median == pytest.approx(50.0)


def test_withdrawn_adoptions_are_excluded_from_effects(world, sf, solution, time_machine):
    records = _adopted_and_reassessed(world, sf, solution, time_machine, 5)
    adoption_withdraw(adoption=records[0], by=world.users["enterprise"])
    summary = entry_effects(entry=solution)
    assert (summary.adoptions, summary.hidden) == (4, True)


def test_withdrawing_is_audited_and_only_once(world, baseline, solution):
    adoption = _record(world, baseline, solution)
    adoption_withdraw(adoption=adoption, by=world.users["enterprise"])
    adoption.refresh_from_db()
    assert adoption.withdrawn
    assert AuditEvent.objects.filter(action="adoption.withdraw").count() == 1
    with pytest.raises(ValidationError) as caught:
        adoption_withdraw(adoption=adoption, by=world.users["enterprise"])
    assert caught.value.messages == [adoptions.ALREADY_WITHDRAWN]


def test_only_the_enterprises_users_withdraw(world, baseline, solution):
    adoption = _record(world, baseline, solution)
    with pytest.raises(ValidationError):
        adoption_withdraw(adoption=adoption, by=world.users["county"])
    adoption.refresh_from_db()
    assert not adoption.withdrawn
