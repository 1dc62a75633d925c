"""Selectors: who sees which applications, the reviewer queues, what experts and the public see."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from conftest import World, make_user
from recognition.models import Application
from recognition.selectors import (
    ExpertSheet,
    ExpertView,
    QueueFilters,
    application_get_for_user,
    application_list_for_user,
    expert_assignment_list,
    expert_view,
    public_notices,
    queue_for_user,
)
from recognition.tests.factories import make_application

S = Application.Status
TODAY = timezone.localdate()


@pytest.fixture
def submitted(world: World) -> dict[str, Application]:
    """One application per world enterprise at county review; the expert assigned to e1's."""
    apps = {
        key: make_application(
            enterprise=getattr(world, key), by=world.users["enterprise"], status=S.COUNTY_REVIEW
        )
        for key in ("e1", "e2", "e3")
    }
    apps["e1"].expert_assignments.create(
        expert=world.users["expert"], assigned_by=world.users["province"]
    )
    return apps


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("province", {"e1", "e2", "e3"}),
        ("city", {"e1", "e2"}),
        ("county", {"e1"}),
        ("enterprise", {"e1"}),
        ("expert", {"e1"}),
        ("provider", set()),
        ("admin", set()),
    ],
)
def test_each_role_sees_exactly_its_applications(
    world: World, submitted: dict[str, Application], role: str, visible: set[str]
) -> None:
    shown = set(application_list_for_user(user=world.users[role]))
    assert shown == {submitted[key] for key in visible}


@pytest.mark.parametrize(("role", "visible"), [("county", False), ("enterprise", True)])
def test_drafts_are_the_enterprises_own(world: World, role: str, visible: bool) -> None:
    draft = make_application(enterprise=world.e1, by=world.users["enterprise"])
    assert (draft in application_list_for_user(user=world.users[role])) is visible


def test_a_county_official_cannot_open_another_countys_application(
    world: World, submitted: dict[str, Application]
) -> None:
    with pytest.raises(Http404):
        application_get_for_user(user=world.users["county"], pk=submitted["e2"].pk)
    event = AuditEvent.objects.get(action="access.out_of_scope")
    assert (event.object_id, event.result) == (str(submitted["e2"].pk), "denied")


# --- queues --------------------------------------------------------------------------------------


@pytest.fixture
def queue_world(world: World) -> dict[str, Application]:
    by = world.users["enterprise"]
    late = TODAY - dt.timedelta(days=1)
    return {
        "county_late": make_application(
            enterprise=world.e1, by=by, status=S.COUNTY_REVIEW, step_due=late
        ),
        "county_e2": make_application(
            enterprise=world.e2, by=by, status=S.COUNTY_REVIEW, type="zero_carbon"
        ),
        "city": make_application(
            enterprise=world.e1, by=by, status=S.CITY_REVIEW, type="smart_workshop"
        ),
        "province": make_application(
            enterprise=world.e3, by=by, status=S.PROVINCE_REVIEW, step_due=late
        ),
        "decision": make_application(
            enterprise=world.e2, by=by, status=S.DECISION, type="smart_workshop"
        ),
        "recognised": make_application(
            enterprise=world.e1,
            by=by,
            status=S.RECOGNISED,
            type="zero_carbon",
            certificate_no="C-1",
            certificate_year=TODAY.year,
        ),
    }


@pytest.mark.parametrize(
    ("role", "counts", "overdue"),
    [
        ("county", {"county_review": 1}, 1),
        ("city", {"city_review": 1}, 0),
        (
            "province",
            {
                "province_review": 1,
                "expert_review": 0,
                "site_check": 0,
                "decision": 1,
                "public_notice": 0,
            },
            1,
        ),
    ],
)
def test_queues_count_the_statuses_each_role_acts_on(
    world: World, queue_world: dict[str, Application], role: str, counts: dict, overdue: int
) -> None:
    queue = queue_for_user(user=world.users[role])
    assert {c.status: c.count for c in queue.counts} == counts
    assert queue.overdue == overdue


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (QueueFilters(), ["province", "decision"]),
        (QueueFilters(type="smart_workshop"), ["decision"]),
        (QueueFilters(status="decision"), ["decision"]),
        (QueueFilters(status="recognised"), ["recognised"]),
        (QueueFilters(status="county_review"), ["county_late", "county_e2"]),
        (QueueFilters(overdue=True), ["province"]),
        (QueueFilters(city="3205"), ["province"]),
        (QueueFilters(county="320104"), ["decision"]),
        (QueueFilters(q="秦淮"), ["decision"]),
        (QueueFilters(year=TODAY.year - 1), []),
    ],
    ids=str,
)
def test_the_province_queue_filters(
    world: World, queue_world: dict[str, Application], filters: QueueFilters, expected: list
) -> None:
    rows = set(queue_for_user(user=world.users["province"], filters=filters).rows)
    assert rows == {queue_world[key] for key in expected}


def test_counts_ignore_the_status_filter_but_follow_the_others(
    world: World, queue_world: dict[str, Application]
) -> None:
    queue = queue_for_user(
        user=world.users["province"], filters=QueueFilters(status="decision", city="3205")
    )
    assert {c.status: c.count for c in queue.counts}["province_review"] == 1
    assert {c.status: c.count for c in queue.counts}["decision"] == 0


def test_a_county_queue_never_shows_another_county(
    world: World, queue_world: dict[str, Application]
) -> None:
    rows = queue_for_user(user=world.users["county"], filters=QueueFilters(county="320104")).rows
    assert list(rows) == []


# --- experts -------------------------------------------------------------------------------------

CONTACT_FIELDS = {"contact_name", "contact_phone", "contact_email"}


def test_the_expert_view_has_no_contact_fields() -> None:
    names = {f.name for f in dataclasses.fields(ExpertView)} | {
        f.name for f in dataclasses.fields(ExpertSheet)
    }
    assert not names & CONTACT_FIELDS
    assert not any("Application" in str(f.type) for f in dataclasses.fields(ExpertView))


def test_the_expert_view_carries_no_contact_value(
    world: World, submitted: dict[str, Application]
) -> None:
    view = expert_view(user=world.users["expert"], pk=submitted["e1"].pk)
    assert view.enterprise_name == world.e1.name
    assert "13912345678" not in repr(view)
    assert "wang.contact@example.com" not in repr(view)


@pytest.mark.parametrize("key", ["e2", "e3"])
def test_an_expert_cannot_open_an_application_not_assigned(
    world: World, submitted: dict[str, Application], key: str
) -> None:
    with pytest.raises(Http404):
        expert_view(user=world.users["expert"], pk=submitted[key].pk)


def test_other_roles_have_no_expert_view(world: World, submitted: dict[str, Application]) -> None:
    with pytest.raises(Http404):
        expert_view(user=world.users["province"], pk=submitted["e1"].pk)


def test_the_experts_list_shows_only_their_assignments(
    world: World, submitted: dict[str, Application]
) -> None:
    other = make_user("expert2", Role.EXPERT)
    submitted["e2"].expert_assignments.create(expert=other, assigned_by=world.users["province"])
    rows = expert_assignment_list(user=world.users["expert"])
    assert [row.pk for row in rows] == [submitted["e1"].pk]


# --- public notices ------------------------------------------------------------------------------


def test_public_notices_list_notices_and_recent_recognitions_only(world: World) -> None:
    by = world.users["enterprise"]
    notice = make_application(
        enterprise=world.e1,
        by=by,
        status=S.PUBLIC_NOTICE,
        notice_start=TODAY,
        notice_end=TODAY + dt.timedelta(days=6),
    )
    make_application(
        enterprise=world.e2,
        by=by,
        status=S.RECOGNISED,
        certificate_no="C-NEW",
        certificate_year=TODAY.year - 1,
    )
    make_application(
        enterprise=world.e3,
        by=by,
        status=S.RECOGNISED,
        certificate_no="C-OLD",
        certificate_year=TODAY.year - 2,
    )
    make_application(enterprise=world.e3, by=by, status=S.DECISION, type="zero_carbon")
    notices = public_notices()
    assert [(n.enterprise_name, n.status) for n in notices] == [
        (world.e1.name, S.PUBLIC_NOTICE),
        (world.e2.name, S.RECOGNISED),
    ]
    assert notices[0].notice_end == notice.notice_end
    assert notices[1].certificate_no == "C-NEW"
    assert "13912345678" not in repr(notices)
