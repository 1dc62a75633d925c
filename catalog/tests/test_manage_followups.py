"""Follow-ups of the review of provider management and moderation: providers delete their
never-published entries and withdraw published ones, the province manages a provider's accounts,
a refused decision keeps the reason typed, out-of-scope 404s are audited, and the queue shows
changed codes by name."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from catalog import services
from catalog.models import Adoption, Entry, Status
from catalog.tests.factories import make_entry, make_provider, make_provider_with_member
from conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(world) -> SimpleNamespace:
    account = world.users["provider"]
    v1 = make_provider("V1 智造服务有限公司", members=(account,))
    v2, other = make_provider_with_member("provider_b", "V2 数字科技有限公司")
    common = {"provider": v1, "created_by": account}
    return SimpleNamespace(
        world=world, v1=v1, v2=v2, account=account, other=other,
        province=world.users["province"],
        published=make_entry("设备预测性维护方案", featured=True, **common),
        draft=make_entry("视觉质检方案", status=Status.DRAFT, industries=["3911"], **common),
        rejected=make_entry("能耗监测方案", status=Status.REJECTED, **common),
        in_review=make_entry("排产优化方案", status=Status.IN_REVIEW, **common),
        others_draft=make_entry("对手草稿", status=Status.DRAFT, provider=v2, created_by=other),
        others_published=make_entry("对手方案", provider=v2, created_by=other),
    )  # fmt: skip


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _url(name: str, obj: Any) -> str:
    return reverse(name, args=[obj.pk])


# --- 1. providers delete and withdraw their entries --------------------------------------------


@pytest.mark.parametrize("key", ["draft", "rejected"])
def test_a_member_deletes_a_never_published_entry_and_the_audit_keeps_its_fields(pool, key):
    entry = getattr(pool, key)
    services.entry_delete(entry=entry, by=pool.account)
    assert not Entry.objects.filter(pk=entry.pk).exists()
    event = AuditEvent.objects.get(action="catalog.entry_delete", object_id=str(entry.pk))
    assert event.before["title"] == entry.title
    assert event.before["status"] == key
    assert event.actor_username == pool.account.username


@pytest.mark.parametrize("key", ["published", "in_review"])
def test_published_or_waiting_entries_cannot_be_deleted(pool, key):
    entry = getattr(pool, key)
    with pytest.raises(ValidationError) as error:
        services.entry_delete(entry=entry, by=pool.account)
    assert services.NOT_DELETABLE in error.value.messages
    assert Entry.objects.filter(pk=entry.pk).exists()
    assert not AuditEvent.objects.filter(action="catalog.entry_delete").exists()


def test_an_entry_once_published_cannot_be_deleted_after_the_province_took_it_down(pool):
    services.entry_unpublish(entry=pool.published, by=pool.province, reason="资质过期")
    pool.published.refresh_from_db()
    assert pool.published.status == Status.REJECTED
    with pytest.raises(ValidationError, match="从未发布"):
        services.entry_delete(entry=pool.published, by=pool.account)
    assert Entry.objects.filter(pk=pool.published.pk).exists()


def test_an_adopted_draft_cannot_be_deleted(pool, world):
    from catalog.tests.policy_objects import _baselines

    baseline = _baselines(world)["e1"]
    Adoption.objects.create(
        enterprise=world.e1, entry=pool.draft, baseline=baseline, dimensions=["q"],
        adopted_on="2025-06-01", created_by=world.users["enterprise"],
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.entry_delete(entry=pool.draft, by=pool.account)
    assert services.HAS_ADOPTIONS in error.value.messages
    assert Entry.objects.filter(pk=pool.draft.pk).exists()


@pytest.mark.parametrize("who", ["other", "province"])
def test_only_members_delete_or_withdraw(pool, who):
    by = getattr(pool, who)
    with pytest.raises(PermissionDenied):
        services.entry_delete(entry=pool.draft, by=by)
    with pytest.raises(PermissionDenied):
        services.entry_withdraw(entry=pool.published, by=by)
    assert Entry.objects.filter(pk=pool.draft.pk).exists()
    pool.published.refresh_from_db()
    assert pool.published.status == Status.PUBLISHED


@pytest.mark.parametrize("key", ["published", "in_review"])
def test_a_member_withdraws_an_entry_to_draft_unfeatured_and_audited(pool, key):
    entry = getattr(pool, key)
    services.entry_withdraw(entry=entry, by=pool.account)
    entry.refresh_from_db()
    assert (entry.status, entry.featured) == (Status.DRAFT, False)
    event = AuditEvent.objects.get(action="catalog.entry_withdraw", object_id=str(entry.pk))
    assert event.before["status"] == key
    assert event.after["status"] == Status.DRAFT


def test_a_withdrawn_entry_leaves_the_public_search(pool):
    from catalog.search import entry_search

    def found() -> list[int]:
        return [row.pk for row in entry_search(user=None, q="维护", provider=pool.v1.pk).rows]

    assert found() == [pool.published.pk]
    services.entry_withdraw(entry=pool.published, by=pool.account)
    assert found() == []


@pytest.mark.parametrize("key", ["draft", "rejected"])
def test_drafts_cannot_be_withdrawn(pool, key):
    with pytest.raises(ValidationError) as error:
        services.entry_withdraw(entry=getattr(pool, key), by=pool.account)
    assert services.NOT_WITHDRAWABLE in error.value.messages
    assert not AuditEvent.objects.filter(action="catalog.entry_withdraw").exists()


def test_the_mine_page_offers_delete_for_drafts_and_withdraw_for_published_entries(pool):
    html = _client(pool.account).get(reverse("catalog:mine")).content.decode()
    for key in ("draft", "rejected"):
        assert f'data-testid="delete-{getattr(pool, key).pk}"' in html
    for key in ("published", "in_review"):
        assert f'data-testid="withdraw-{getattr(pool, key).pk}"' in html
    assert f'data-testid="delete-{pool.published.pk}"' not in html
    assert "<script" not in html.split("<main", 1)[-1]  # the confirm step needs no inline JS


def test_deleting_asks_for_confirmation_then_deletes(pool):
    client = _client(pool.account)
    url = _url("catalog:entry-delete", pool.draft)
    first = client.post(url, {"next": reverse("catalog:mine")})
    assert first.status_code == 200
    assert 'name="confirm" value="yes"' in first.content.decode()
    assert Entry.objects.filter(pk=pool.draft.pk).exists()
    second = client.post(url, {"confirm": "yes", "next": _url("catalog:entry", pool.draft)})
    assert second.status_code == 302
    assert second["Location"] == reverse("catalog:mine")  # not the deleted entry's page
    assert not Entry.objects.filter(pk=pool.draft.pk).exists()


def test_deleting_a_published_entry_is_refused_with_a_message_not_an_error(pool):
    response = _client(pool.account).post(_url("catalog:entry-delete", pool.published), {})
    assert response.status_code == 302
    assert any(services.NOT_DELETABLE in m for m in _messages(response))
    assert Entry.objects.filter(pk=pool.published.pk).exists()


def test_withdrawing_from_the_entry_page_confirms_then_returns_to_it(pool):
    client = _client(pool.account)
    page = _url("catalog:entry", pool.published)
    html = client.get(page).content.decode()
    assert 'data-testid="entry-withdraw"' in html
    url = _url("catalog:entry-withdraw", pool.published)
    assert client.post(url, {"next": page}).status_code == 200
    response = client.post(url, {"confirm": "yes", "next": page})
    assert response["Location"] == page
    pool.published.refresh_from_db()
    assert pool.published.status == Status.DRAFT


@pytest.mark.parametrize("route", ["catalog:entry-delete", "catalog:entry-withdraw"])
def test_another_providers_entry_answers_404_and_stays(pool, route):
    client = _client(pool.account)
    for entry in (pool.others_draft, pool.others_published):
        assert client.post(_url(route, entry), {"confirm": "yes"}).status_code == 404
    assert Entry.objects.filter(pk=pool.others_draft.pk).exists()
    pool.others_published.refresh_from_db()
    assert pool.others_published.status == Status.PUBLISHED


# --- 2. the province manages a provider's accounts ---------------------------------------------


def test_the_province_adds_and_removes_a_member_on_the_members_page(pool):
    newcomer = make_user("provider_new", "provider")
    client = _client(pool.province)
    url = _url("catalog:provider-members", pool.v1)
    page = client.get(url)
    assert page.status_code == 200
    assert pool.account.username in page.content.decode()
    assert client.post(url, {"action": "add", "username": "provider_new"}).status_code == 302
    assert pool.v1.members.filter(pk=newcomer.pk).exists()
    response = client.post(url, {"action": "remove", "user": newcomer.pk})
    assert response.status_code == 302
    assert not pool.v1.members.filter(pk=newcomer.pk).exists()
    actions = AuditEvent.objects.filter(object_id=str(pool.v1.pk)).values_list("action", flat=True)
    assert {"catalog.provider_member_add", "catalog.provider_member_remove"} <= set(actions)


@pytest.mark.parametrize(
    ("who", "message"), [("enterprise", "NOT_PROVIDER_ROLE"), ("disabled", "NOT_ACTIVE")]
)
def test_only_active_provider_accounts_can_be_added(pool, who, message):
    if who == "disabled":
        account = make_user("provider_off", "provider", is_active=False)
    else:
        account = pool.world.users[who]
    url = _url("catalog:provider-members", pool.v1)
    response = _client(pool.province).post(url, {"action": "add", "username": account.username})
    assert response.status_code == 200
    assert getattr(services, message) in response.content.decode()
    assert not pool.v1.members.filter(pk=account.pk).exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"action": "add"}, {"action": "add", "username": "nobody"}, {"action": "remove"},
     {"action": "remove", "user": "999999"}, {"action": "drop", "user": "1"}],
)  # fmt: skip
def test_bad_member_requests_answer_the_form_with_an_error(pool, data):
    url = _url("catalog:provider-members", pool.v1)
    response = _client(pool.province).post(url, data)
    assert response.status_code == 200
    assert "overdue" in response.content.decode()
    assert list(pool.v1.members.all()) == [pool.account]


def test_an_account_may_manage_several_providers_and_the_page_says_so(pool):
    services.provider_member_add(provider=pool.v2, user=pool.account, by=pool.province)
    assert pool.v2.members.filter(pk=pool.account.pk).exists()
    html = _client(pool.province).get(_url("catalog:provider-members", pool.v2)).content.decode()
    assert pool.v1.name in html  # the other provider the account manages
    mine = _client(pool.account).get(reverse("catalog:mine")).content.decode()
    assert pool.v1.name in mine
    assert pool.v2.name in mine


def test_removing_the_last_member_is_allowed_and_the_account_loses_access(pool):
    services.provider_member_remove(provider=pool.v1, user=pool.account, by=pool.province)
    assert not pool.v1.members.exists()
    event = AuditEvent.objects.get(action="catalog.provider_member_remove")
    assert event.before == {"member": pool.account.username}
    assert event.note == "last member"
    client = _client(pool.account)
    assert client.get(_url("catalog:entry-edit", pool.draft)).status_code == 404


def test_removing_a_non_member_is_refused(pool):
    with pytest.raises(ValidationError) as error:
        services.provider_member_remove(provider=pool.v1, user=pool.other, by=pool.province)
    assert services.NOT_MEMBER in error.value.messages
    assert not AuditEvent.objects.filter(action="catalog.provider_member_remove").exists()


def test_providers_cannot_manage_members(pool):
    with pytest.raises(PermissionDenied):
        services.provider_member_remove(provider=pool.v1, user=pool.account, by=pool.account)
    response = _client(pool.account).get(_url("catalog:provider-members", pool.v1))
    assert response.status_code == 403


def test_the_provider_page_links_the_members_screen_for_the_province_only(pool):
    link = _url("catalog:provider-members", pool.v1)
    page = _url("catalog:provider", pool.v1)
    assert link in _client(pool.province).get(page).content.decode()
    assert link not in _client(pool.account).get(page).content.decode()


# --- 3. a refused decision keeps the reason typed ----------------------------------------------


def test_a_refused_rejection_keeps_the_reason_for_the_next_page_once(pool):
    province = _client(pool.province)
    url = _url("catalog:entry-moderate", pool.in_review)
    stale = "2000-01-01T00:00:00+00:00"  # the provider resubmitted since the page was opened
    reason = "请补充<b>案例</b>与资质证明"
    response = province.post(url, {"action": "reject", "reason": reason, "seen": stale})
    assert any(services.CHANGED_SINCE_SEEN in m for m in _messages(response))
    pool.in_review.refresh_from_db()
    assert pool.in_review.status == Status.IN_REVIEW
    html = province.get(reverse("catalog:moderation")).content.decode()
    shown = re.search(r'name="reason"[^>]*value="([^"]*)"[^>]*data-testid="kept-reason"', html)
    assert shown
    assert shown.group(1) == "请补充&lt;b&gt;案例&lt;/b&gt;与资质证明"
    again = province.get(reverse("catalog:moderation")).content.decode()
    assert 'data-testid="kept-reason"' not in again


def test_a_refused_unpublish_of_a_provider_keeps_the_reason(pool):
    province = _client(pool.province)
    url = _url("catalog:provider-moderate", pool.v2)
    pool.v2.status = Status.DRAFT
    pool.v2.save()
    response = province.post(url, {"action": "unpublish", "reason": "投诉属实", "next": "/"})
    assert any(services.NOT_PUBLISHED in m for m in _messages(response))
    html = province.get(_url("catalog:provider", pool.v2)).content.decode()
    assert "投诉属实" in html


def test_a_successful_decision_keeps_nothing(pool):
    province = _client(pool.province)
    url = _url("catalog:entry-moderate", pool.in_review)
    province.post(url, {"action": "reject", "reason": "请补充案例"})
    pool.in_review.refresh_from_db()
    assert pool.in_review.status == Status.REJECTED
    assert not province.session.get("catalog_kept_reasons")


# --- 4. out-of-scope 404s are audited -----------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "key", "method"),
    [("catalog:entry", "others_draft", "get"), ("catalog:entry-edit", "others_draft", "get"),
     ("catalog:entry-edit", "others_published", "get"),
     ("catalog:entry-submit", "others_draft", "post"),
     ("catalog:entry-delete", "others_draft", "post")],
)  # fmt: skip
def test_a_provider_reaching_another_providers_entry_gets_404_audited(pool, route, key, method):
    entry = getattr(pool, key)
    response = getattr(_client(pool.account), method)(_url(route, entry))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="access.out_of_scope")
    assert (event.object_type, event.object_id) == ("catalog.entry", str(entry.pk))
    assert event.result == AuditEvent.Result.DENIED
    assert event.actor_username == pool.account.username


@pytest.mark.parametrize("route", ["catalog:provider", "catalog:provider-edit"])
def test_another_providers_draft_profile_answers_404_audited(pool, route):
    pool.v2.status = Status.DRAFT
    pool.v2.save()
    assert _client(pool.account).get(_url(route, pool.v2)).status_code == 404
    event = AuditEvent.objects.get(action="access.out_of_scope")
    assert (event.object_type, event.object_id) == ("catalog.provider", str(pool.v2.pk))


def test_anonymous_and_missing_404s_write_no_out_of_scope_row(pool):
    assert Client().get(_url("catalog:entry", pool.others_draft)).status_code == 404
    client = _client(pool.account)
    assert client.get(reverse("catalog:entry", args=[999999])).status_code == 404
    assert client.get(_url("catalog:entry", pool.others_published)).status_code == 200
    assert not AuditEvent.objects.filter(action="access.out_of_scope").exists()


# --- 5. the queue shows changed codes by name --------------------------------------------------


def test_the_queue_shows_changed_industries_and_scenarios_by_name(pool):
    from catalog.tests.factories import make_scenario

    scenario = make_scenario("quality-inspection", name_zh="智能在线检测")
    Entry.objects.filter(pk=pool.draft.pk).update(reviewed_at="2000-01-01T00:00:00Z")
    services.entry_update(
        entry=pool.draft, by=pool.account,
        data={"industries": ["3911", "3912"], "regions": ["3201"], "scenarios": [scenario.code]},
    )  # fmt: skip
    services.entry_submit(entry=pool.draft, by=pool.account)
    response = _client(pool.province).get(reverse("catalog:moderation"))
    row = next(e for e in response.context["entries"] if e.pk == pool.draft.pk)
    changes = {field: (old, new) for field, old, new in row.changes}
    assert changes["适用行业"] == ("计算机整机制造", "计算机整机制造、计算机零部件制造")
    assert changes["适用区域"] == ("", "南京市")
    assert changes["场景"] == ("", "智能在线检测")
    html = response.content.decode()
    assert "计算机整机制造、计算机零部件制造" in html
    assert "[&#x27;" not in html
    assert "['" not in html
