"""Providers managing their own profile and entries, and the province's moderation
(catalog.services): every allowed and refused transition, provider scoping, field-level refusal of
mass assignment, validation, and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from catalog import services
from catalog.models import Entry, Provider, Status
from catalog.selectors import entry_list_for_user
from catalog.tests.factories import (
    make_entry,
    make_provider,
    make_provider_with_member,
    make_scenario,
)
from conftest import make_user
from registry.uscc import USCC_BAD_CHECK_DIGIT, uscc_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(world) -> SimpleNamespace:
    """V1 (published) managed by the world's provider account; V2 (published) managed by
    another account; V3 a draft profile with its own account."""
    account = world.users["provider"]
    v1 = make_provider("V1 智造服务有限公司", members=(account,))
    v2, other = make_provider_with_member("provider_b", "V2 数字科技有限公司")
    v3, newcomer = make_provider_with_member("provider_c", "V3 新设公司", status=Status.DRAFT)
    return SimpleNamespace(
        v1=v1, v2=v2, v3=v3, account=account, other=other, newcomer=newcomer,
        province=world.users["province"], city=world.users["city"],
    )  # fmt: skip


def _events() -> int:
    return AuditEvent.objects.filter(action__startswith="catalog.").count()


def _entry(pool: SimpleNamespace, status: str, **kw: Any) -> Entry:
    kw.setdefault("provider", pool.v1)
    kw.setdefault("created_by", pool.account)
    return make_entry("视觉质检方案", status=status, **kw)


def _refused(call: Callable[[], Any], message: str, error: type[Exception] = ValidationError):
    before = _events()
    with pytest.raises(error) as caught:
        call()
    text = (
        " ".join(caught.value.messages)
        if isinstance(caught.value, ValidationError)
        else str(caught.value)
    )
    assert message in text
    assert _events() == before


# --- creating and editing entries ------------------------------------------------------------


def test_a_member_creates_a_draft_of_its_own_provider(pool):
    scenario = make_scenario("quality-inspection")
    data = {
        "kind": "solution", "title": " 视觉质检方案 ", "summary": "AI 视觉检测",
        "industries": ["39", "3911"], "regions": ["3201"], "scenarios": [scenario.code],
    }  # fmt: skip
    entry = services.entry_create(by=pool.account, provider=pool.v1, data=data)
    entry.refresh_from_db()
    assert (entry.status, entry.provider, entry.created_by) == ("draft", pool.v1, pool.account)
    assert (entry.title, entry.industries, entry.regions) == (
        "视觉质检方案",
        ["39", "3911"],
        ["3201"],
    )
    assert list(entry.scenarios.all()) == [scenario]
    event = AuditEvent.objects.get(action="catalog.entry_create")
    assert (event.object_id, event.actor_username) == (str(entry.pk), "provider")
    assert event.after["status"] == "draft"


def test_a_provider_cannot_create_entries_for_another_provider(pool):
    call = lambda: services.entry_create(  # noqa: E731
        by=pool.account, provider=pool.v2, data={"kind": "solution", "title": "x"}
    )
    _refused(call, services.NOT_YOURS, PermissionDenied)
    assert not Entry.objects.exists()


def test_a_provider_cannot_create_a_provider_less_entry(pool):
    call = lambda: services.entry_create(by=pool.account, data={"kind": "case", "title": "x"})  # noqa: E731
    _refused(call, services.NOT_YOURS, PermissionDenied)
    assert not Entry.objects.exists()


@pytest.mark.parametrize("kind", ["scenario", "shortfall", "project"])
def test_a_provider_cannot_list_the_provinces_kinds(pool, kind):
    call = lambda: services.entry_create(  # noqa: E731
        by=pool.account, provider=pool.v1, data={"kind": kind, "title": "x"}
    )
    _refused(call, services.KIND_NOT_FOR_PROVIDERS)
    assert not Entry.objects.exists()


def test_the_province_creates_its_own_list_without_a_provider(pool):
    data = {"kind": "shortfall", "title": "高端数控系统"}
    entry = services.entry_create(by=pool.province, data=data)
    assert (entry.provider, entry.status, entry.kind) == (None, "draft", "shortfall")


def test_the_provinces_own_lists_exclude_provider_kinds(pool):
    call = lambda: services.entry_create(by=pool.province, data={"kind": "software", "title": "x"})  # noqa: E731
    _refused(call, services.KIND_NOT_FOR_PROVINCE)


def test_the_province_cannot_create_entries_for_a_provider(pool):
    call = lambda: services.entry_create(  # noqa: E731
        by=pool.province, provider=pool.v1, data={"kind": "solution", "title": "x"}
    )
    _refused(call, services.NOT_YOURS, PermissionDenied)


@pytest.mark.parametrize(
    "field",
    ["status", "featured", "rating", "review_note", "reviewed_by", "provider", "created_by", "seg",
     "published_at", "verified"],
)  # fmt: skip
def test_moderation_and_ownership_fields_are_never_taken_from_input(pool, field):
    data = {"kind": "solution", "title": "x", field: "published"}
    call = lambda: services.entry_create(by=pool.account, provider=pool.v1, data=data)  # noqa: E731
    _refused(call, services.FIELD_NOT_EDITABLE.format(fields=field))
    assert not Entry.objects.exists()


def test_an_update_naming_status_is_refused_and_changes_nothing(pool):
    entry = _entry(pool, Status.DRAFT)
    data = {"title": "新名称", "status": "published", "featured": True}
    call = lambda: services.entry_update(entry=entry, by=pool.account, data=data)  # noqa: E731
    _refused(call, services.FIELD_NOT_EDITABLE.format(fields="featured, status"))
    entry.refresh_from_db()
    assert (entry.title, entry.status, entry.featured) == ("视觉质检方案", "draft", False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"industries": ["9999"]}, services.UNKNOWN_INDUSTRIES.format(codes="9999")),
        ({"industries": "3911"}, services.NOT_A_LIST),
        ({"regions": ["3299"]}, services.UNKNOWN_REGIONS.format(codes="3299")),
        ({"scenarios": ["nope"]}, services.UNKNOWN_SCENARIOS.format(codes="nope")),
        ({"clusters": ["nope"]}, services.UNKNOWN_CLUSTERS.format(codes="nope")),
        ({"software_category": "rnd"}, services.SOFTWARE_CATEGORY_ONLY_SOFTWARE),
        ({"first_set": True}, services.FIRST_SET_ONLY_EQUIPMENT),
        ({"first_version": True}, services.FIRST_VERSION_ONLY_SOFTWARE),
        ({"title": "  "}, services.TITLE_REQUIRED),
        ({"kind": "rocket"}, services.UNKNOWN_KIND),
        ({"attributes": ["x"]}, services.BAD_ATTRIBUTES),
    ],
)
def test_entry_data_is_validated_and_nothing_is_written(pool, data, message):
    payload = {"kind": "solution", "title": "x"} | data
    call = lambda: services.entry_create(by=pool.account, provider=pool.v1, data=payload)  # noqa: E731
    _refused(call, message)
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("kind", "flags"),
    [
        ("software", {"software_category": "rnd", "first_version": True}),
        ("model", {"first_version": True}),
        ("equipment", {"first_set": True}),
        ("network", {"first_set": True}),
    ],
)
def test_kind_specific_flags_are_accepted_for_their_kinds(pool, kind, flags):
    data = {"kind": kind, "title": "x", "recognised_year": 2025} | flags
    entry = services.entry_create(by=pool.account, provider=pool.v1, data=data)
    entry.refresh_from_db()
    assert all(getattr(entry, name) == value for name, value in flags.items())


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.IN_REVIEW, Status.REJECTED])
def test_a_providers_edit_takes_the_entry_back_to_draft(pool, status):
    entry = _entry(pool, status, featured=status == Status.PUBLISHED, rating=4)
    services.entry_update(entry=entry, by=pool.account, data={"summary": "新摘要"})
    entry.refresh_from_db()
    assert (entry.status, entry.featured, entry.summary, entry.rating) == (
        "draft",
        False,
        "新摘要",
        4,
    )
    event = AuditEvent.objects.get(action="catalog.entry_update")
    assert event.before == {"summary": "", "status": status, "featured": status == "published"}
    assert event.after == {"summary": "新摘要", "status": "draft", "featured": False}


def test_saving_without_a_change_keeps_a_published_entry_published(pool):
    entry = _entry(pool, Status.PUBLISHED)
    services.entry_update(entry=entry, by=pool.account, data={"title": "视觉质检方案"})
    entry.refresh_from_db()
    assert entry.status == "published"
    assert _events() == 0


def test_the_province_edits_its_published_list_without_review(pool):
    entry = make_entry("高端数控系统", kind="shortfall", provider=None, created_by=pool.province)
    services.entry_update(entry=entry, by=pool.province, data={"summary": "五轴联动"})
    entry.refresh_from_db()
    assert (entry.status, entry.summary) == ("published", "五轴联动")


@pytest.mark.parametrize("who", ["other", "province", "city"])
def test_only_members_edit_a_providers_entry(pool, who):
    entry = _entry(pool, Status.DRAFT)
    call = lambda: services.entry_update(  # noqa: E731
        entry=entry, by=getattr(pool, who), data={"title": "改"}
    )
    _refused(call, services.NOT_YOURS, PermissionDenied)
    entry.refresh_from_db()
    assert entry.title == "视觉质检方案"


def test_a_provider_cannot_move_its_entry_into_a_province_kind(pool):
    entry = _entry(pool, Status.DRAFT)
    call = lambda: services.entry_update(entry=entry, by=pool.account, data={"kind": "project"})  # noqa: E731
    _refused(call, services.KIND_NOT_FOR_PROVIDERS)
    entry.refresh_from_db()
    assert entry.kind == "solution"


# --- entry transitions -----------------------------------------------------------------------

ENTRY_ACTIONS: dict[str, Callable[..., Any]] = {
    "submit": lambda e, by: services.entry_submit(entry=e, by=by),
    "publish": lambda e, by: services.entry_publish(entry=e, by=by),
    "reject": lambda e, by: services.entry_reject(entry=e, by=by, reason="资料不全"),
    "unpublish": lambda e, by: services.entry_unpublish(entry=e, by=by, reason="投诉属实"),
    "feature": lambda e, by: services.entry_feature(entry=e, by=by, featured=True),
    "rate": lambda e, by: services.entry_rate(entry=e, by=by, rating=4),
}
ACTORS = {"submit": "account"}  # everything else is the province's


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("submit", Status.DRAFT, Status.IN_REVIEW),
        ("submit", Status.REJECTED, Status.IN_REVIEW),
        ("publish", Status.IN_REVIEW, Status.PUBLISHED),
        ("reject", Status.IN_REVIEW, Status.REJECTED),
        ("unpublish", Status.PUBLISHED, Status.REJECTED),
        ("feature", Status.PUBLISHED, Status.PUBLISHED),
        ("rate", Status.PUBLISHED, Status.PUBLISHED),
    ],
)
def test_allowed_entry_transitions_change_the_status_and_are_audited(pool, action, start, end):
    entry = _entry(pool, start)
    by = getattr(pool, ACTORS.get(action, "province"))
    ENTRY_ACTIONS[action](entry, by)
    entry.refresh_from_db()
    assert entry.status == end
    event = AuditEvent.objects.get(action=f"catalog.entry_{action}")
    assert (event.before["status"], event.after["status"]) == (start, end)
    assert event.actor_username == by.username


@pytest.mark.parametrize(
    ("action", "start", "message"),
    [
        ("submit", Status.IN_REVIEW, services.NOT_SUBMITTABLE),
        ("submit", Status.PUBLISHED, services.NOT_SUBMITTABLE),
        ("publish", Status.DRAFT, services.NOT_IN_REVIEW),
        ("publish", Status.REJECTED, services.NOT_IN_REVIEW),
        ("publish", Status.PUBLISHED, services.ALREADY_PUBLISHED),
        ("reject", Status.DRAFT, services.NOT_IN_REVIEW),
        ("reject", Status.PUBLISHED, services.NOT_IN_REVIEW),
        ("reject", Status.REJECTED, services.NOT_IN_REVIEW),
        ("unpublish", Status.DRAFT, services.NOT_PUBLISHED),
        ("unpublish", Status.IN_REVIEW, services.NOT_PUBLISHED),
        ("unpublish", Status.REJECTED, services.NOT_PUBLISHED),
        ("feature", Status.IN_REVIEW, services.NOT_PUBLISHED),
        ("feature", Status.DRAFT, services.NOT_PUBLISHED),
        ("rate", Status.REJECTED, services.NOT_PUBLISHED),
        ("rate", Status.IN_REVIEW, services.NOT_PUBLISHED),
    ],
)
def test_refused_entry_transitions_raise_and_write_nothing(pool, action, start, message):
    entry = _entry(pool, start)
    by = getattr(pool, ACTORS.get(action, "province"))
    _refused(lambda: ENTRY_ACTIONS[action](entry, by), message)
    entry.refresh_from_db()
    assert (entry.status, entry.featured, entry.rating) == (start, False, None)


@pytest.mark.parametrize("action", ["publish", "reject", "unpublish", "feature", "rate"])
@pytest.mark.parametrize("who", ["account", "other", "city"])
def test_providers_and_other_officials_never_moderate(pool, action, who):
    start = Status.IN_REVIEW if action in ("publish", "reject") else Status.PUBLISHED
    entry = _entry(pool, start)
    _refused(
        lambda: ENTRY_ACTIONS[action](entry, getattr(pool, who)),
        services.NOT_MODERATOR,
        PermissionDenied,
    )
    entry.refresh_from_db()
    assert (entry.status, entry.featured, entry.rating) == (start, False, None)


@pytest.mark.parametrize("who", ["other", "province"])
def test_only_members_submit_an_entry(pool, who):
    entry = _entry(pool, Status.DRAFT)
    _refused(
        lambda: ENTRY_ACTIONS["submit"](entry, getattr(pool, who)),
        services.NOT_YOURS,
        PermissionDenied,
    )
    entry.refresh_from_db()
    assert entry.status == "draft"


@pytest.mark.parametrize("action", ["reject", "unpublish"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_returning_or_unpublishing_needs_a_reason(pool, action, reason):
    start = Status.IN_REVIEW if action == "reject" else Status.PUBLISHED
    entry = _entry(pool, start)
    call = getattr(services, f"entry_{action}")
    _refused(lambda: call(entry=entry, by=pool.province, reason=reason), services.REASON_REQUIRED)
    entry.refresh_from_db()
    assert entry.status == start


def test_a_rejection_records_the_reason_and_the_reviewer(pool):
    entry = _entry(pool, Status.IN_REVIEW)
    services.entry_reject(entry=entry, by=pool.province, reason="请补充案例")
    entry.refresh_from_db()
    assert (entry.review_note, entry.reviewed_by, entry.reviewed_at is not None) == (
        "请补充案例",
        pool.province,
        True,
    )


def test_unpublishing_clears_the_featured_mark(pool):
    entry = _entry(pool, Status.PUBLISHED, featured=True)
    services.entry_unpublish(entry=entry, by=pool.province, reason="投诉属实")
    entry.refresh_from_db()
    assert (entry.status, entry.featured, entry.review_note) == ("rejected", False, "投诉属实")


@pytest.mark.parametrize("rating", [0, 6, -1, True, "5"])
def test_a_rating_is_one_to_five(pool, rating):
    entry = _entry(pool, Status.PUBLISHED)
    call = lambda: services.entry_rate(entry=entry, by=pool.province, rating=rating)  # noqa: E731
    _refused(call, services.BAD_RATING)


def test_a_rating_can_be_cleared(pool):
    entry = _entry(pool, Status.PUBLISHED, rating=3)
    services.entry_rate(entry=entry, by=pool.province, rating=None)
    entry.refresh_from_db()
    assert entry.rating is None


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.REJECTED])
def test_entries_of_an_unpublished_provider_cannot_be_published(pool, status):
    pool.v1.status = status
    pool.v1.save()
    entry = _entry(pool, Status.IN_REVIEW)
    _refused(
        lambda: ENTRY_ACTIONS["publish"](entry, pool.province), services.PROVIDER_NOT_PUBLISHED
    )
    entry.refresh_from_db()
    assert entry.status == "in_review"


def test_the_province_publishes_its_own_list_straight_from_draft(pool):
    entry = make_entry("高端数控系统", kind="shortfall", provider=None, status=Status.DRAFT,
                       created_by=pool.province)  # fmt: skip
    services.entry_publish(entry=entry, by=pool.province)
    entry.refresh_from_db()
    assert (entry.status, entry.published_at is not None) == ("published", True)


def test_the_provinces_own_list_is_not_submitted(pool):
    entry = make_entry(
        "x", kind="project", provider=None, status=Status.DRAFT, created_by=pool.province
    )
    _refused(lambda: ENTRY_ACTIONS["submit"](entry, pool.province), services.NO_PROVIDER_TO_REVIEW)


def test_a_provider_taken_down_takes_its_entries_out_of_public_view(pool):
    entry = _entry(pool, Status.PUBLISHED)
    services.provider_unpublish(provider=pool.v1, by=pool.province, reason="资质过期")
    assert not entry_list_for_user(user=None).filter(pk=entry.pk).exists()
    assert entry_list_for_user(user=pool.account).filter(pk=entry.pk).exists()


# --- providers -------------------------------------------------------------------------------


def test_a_provider_account_creates_its_profile_as_a_draft_and_manages_it(world):
    account = make_user("provider_new", "provider")
    code = uscc_make(region_code="320102", org_body="00000042")
    data = {
        "name": "新智造科技有限公司", "uscc": code.lower(), "region": "3201",
        "regions_served": ["3201", "3205"], "industries": ["39"], "qualifications": ["ISO 9001"],
    }  # fmt: skip
    provider = services.provider_create(by=account, data=data)
    provider.refresh_from_db()
    assert (provider.status, provider.uscc, provider.region_id) == ("draft", code, "3201")
    assert list(provider.members.all()) == [account]
    assert sorted(provider.regions_served.values_list("code", flat=True)) == ["3201", "3205"]
    assert AuditEvent.objects.filter(action="catalog.provider_create").count() == 1


def test_an_account_creates_only_one_profile(pool):
    call = lambda: services.provider_create(by=pool.account, data={"name": "另一家"})  # noqa: E731
    _refused(call, services.ALREADY_HAS_PROVIDER)
    assert not Provider.objects.filter(name="另一家").exists()


@pytest.mark.parametrize("role", ["enterprise", "province", "expert"])
def test_only_provider_accounts_create_profiles(world, role):
    call = lambda: services.provider_create(by=world.users[role], data={"name": "x"})  # noqa: E731
    _refused(call, services.NOT_PROVIDER_ACCOUNT, PermissionDenied)
    assert not Provider.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "V2 数字科技有限公司"}, services.NAME_TAKEN),
        ({"name": ""}, services.TITLE_REQUIRED),
        ({"name": "x", "uscc": "91320102000000004X"}, USCC_BAD_CHECK_DIGIT),
        (
            {"name": "x", "industries": ["C", "0000"]},
            services.UNKNOWN_INDUSTRIES.format(codes="0000"),
        ),
        ({"name": "x", "region": "9901"}, services.UNKNOWN_REGIONS.format(codes="9901")),
        ({"name": "x", "regions_served": ["9901"]}, services.UNKNOWN_REGIONS.format(codes="9901")),
        ({"name": "x", "status": "published"}, services.FIELD_NOT_EDITABLE.format(fields="status")),
        ({"name": "x", "members": [1]}, services.FIELD_NOT_EDITABLE.format(fields="members")),
    ],
)
def test_provider_data_is_validated_and_nothing_is_written(pool, data, message):
    account = make_user("provider_d", "provider")
    _refused(lambda: services.provider_create(by=account, data=data), message)
    assert Provider.objects.count() == 3


def test_a_uscc_already_registered_is_refused(pool):
    code = uscc_make(region_code="320102", org_body="00000077")
    Provider.objects.filter(pk=pool.v2.pk).update(uscc=code)
    call = lambda: services.provider_update(provider=pool.v1, by=pool.account, data={"uscc": code})  # noqa: E731
    _refused(call, services.USCC_TAKEN)


def test_editing_a_published_profile_sends_it_back_to_review(pool):
    pool.v1.featured = True
    pool.v1.save()
    services.provider_update(provider=pool.v1, by=pool.account, data={"contact_phone": "025-1"})
    pool.v1.refresh_from_db()
    assert (pool.v1.status, pool.v1.featured, pool.v1.contact_phone) == ("draft", False, "025-1")
    event = AuditEvent.objects.get(action="catalog.provider_update")
    assert event.before["status"] == "published"
    assert event.after["contact_phone"] == "025-1"


@pytest.mark.parametrize("who", ["other", "province"])
def test_only_members_edit_a_profile(pool, who):
    call = lambda: services.provider_update(  # noqa: E731
        provider=pool.v1, by=getattr(pool, who), data={"summary": "x"}
    )
    _refused(call, services.NOT_YOURS, PermissionDenied)


PROVIDER_ACTIONS: dict[str, Callable[..., Any]] = {
    "submit": lambda p, by: services.provider_submit(provider=p, by=by),
    "publish": lambda p, by: services.provider_publish(provider=p, by=by),
    "reject": lambda p, by: services.provider_reject(provider=p, by=by, reason="资质不符"),
    "unpublish": lambda p, by: services.provider_unpublish(provider=p, by=by, reason="投诉"),
    "feature": lambda p, by: services.provider_feature(provider=p, by=by, featured=True),
    "rate": lambda p, by: services.provider_rate(provider=p, by=by, rating=5),
}


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("submit", Status.DRAFT, Status.IN_REVIEW),
        ("submit", Status.REJECTED, Status.IN_REVIEW),
        ("publish", Status.IN_REVIEW, Status.PUBLISHED),
        ("reject", Status.IN_REVIEW, Status.REJECTED),
        ("unpublish", Status.PUBLISHED, Status.REJECTED),
        ("feature", Status.PUBLISHED, Status.PUBLISHED),
        ("rate", Status.PUBLISHED, Status.PUBLISHED),
    ],
)
def test_allowed_provider_transitions_are_audited(pool, action, start, end):
    Provider.objects.filter(pk=pool.v3.pk).update(status=start)
    by = pool.newcomer if action == "submit" else pool.province
    PROVIDER_ACTIONS[action](pool.v3, by)
    pool.v3.refresh_from_db()
    assert pool.v3.status == end
    event = AuditEvent.objects.get(action=f"catalog.provider_{action}")
    assert (event.before["status"], event.after["status"]) == (start, end)


@pytest.mark.parametrize(
    ("action", "start", "message"),
    [
        ("submit", Status.IN_REVIEW, services.NOT_SUBMITTABLE),
        ("submit", Status.PUBLISHED, services.NOT_SUBMITTABLE),
        ("publish", Status.DRAFT, services.NOT_IN_REVIEW),
        ("publish", Status.PUBLISHED, services.NOT_IN_REVIEW),
        ("reject", Status.DRAFT, services.NOT_IN_REVIEW),
        ("reject", Status.PUBLISHED, services.NOT_IN_REVIEW),
        ("unpublish", Status.IN_REVIEW, services.NOT_PUBLISHED),
        ("feature", Status.DRAFT, services.NOT_PUBLISHED),
        ("rate", Status.IN_REVIEW, services.NOT_PUBLISHED),
    ],
)
def test_refused_provider_transitions_raise_and_write_nothing(pool, action, start, message):
    Provider.objects.filter(pk=pool.v3.pk).update(status=start)
    by = pool.newcomer if action == "submit" else pool.province
    _refused(lambda: PROVIDER_ACTIONS[action](pool.v3, by), message)
    pool.v3.refresh_from_db()
    assert (pool.v3.status, pool.v3.featured, pool.v3.rating) == (start, False, None)


@pytest.mark.parametrize("action", ["publish", "reject", "unpublish", "feature", "rate"])
def test_a_provider_never_moderates_its_own_profile(pool, action):
    start = Status.IN_REVIEW if action in ("publish", "reject") else Status.PUBLISHED
    Provider.objects.filter(pk=pool.v3.pk).update(status=start)
    _refused(
        lambda: PROVIDER_ACTIONS[action](pool.v3, pool.newcomer),
        services.NOT_MODERATOR,
        PermissionDenied,
    )
    pool.v3.refresh_from_db()
    assert pool.v3.status == start


def test_another_provider_cannot_submit_a_profile(pool):
    _refused(
        lambda: PROVIDER_ACTIONS["submit"](pool.v3, pool.account),
        services.NOT_YOURS,
        PermissionDenied,
    )


# --- members ---------------------------------------------------------------------------------


def test_the_province_adds_a_member_who_then_manages_the_provider(pool):
    colleague = make_user("provider_e", "provider")
    services.provider_member_add(provider=pool.v1, user=colleague, by=pool.province)
    entry = services.entry_create(
        by=colleague, provider=pool.v1, data={"kind": "case", "title": "x"}
    )
    assert entry.provider == pool.v1
    assert AuditEvent.objects.get(action="catalog.provider_member_add").after == {
        "member": "provider_e"
    }


@pytest.mark.parametrize(
    ("who", "user", "message", "error"),
    [
        ("account", "newcomer", services.NOT_MODERATOR, PermissionDenied),
        ("province", "city", services.NOT_PROVIDER_ROLE, ValidationError),
        ("province", "account", services.ALREADY_MEMBER, ValidationError),
    ],
)
def test_member_additions_are_checked(pool, who, user, message, error):
    call = lambda: services.provider_member_add(  # noqa: E731
        provider=pool.v1, user=getattr(pool, user), by=getattr(pool, who)
    )
    _refused(call, message, error)
    assert pool.v1.members.count() == 1
