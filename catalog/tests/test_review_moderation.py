"""A second reading of provider management and moderation: each test shows a defect found in
review (catalog/services.py, forms.py, manage_views.py, the moderation templates) and stays as
its regression test."""

from __future__ import annotations

import re
import threading
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services
from catalog.models import Entry, Provider, Status
from catalog.tests.factories import make_entry, make_provider
from conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(world) -> SimpleNamespace:
    account = world.users["provider"]
    v1 = make_provider("V1 智造服务有限公司", members=(account,))
    waiting = make_entry(
        "视觉质检方案", status=Status.IN_REVIEW, provider=v1, created_by=account,
        summary="原摘要",
    )  # fmt: skip
    Entry.objects.filter(pk=waiting.pk).update(submitted_at=v1.published_at)
    waiting.refresh_from_db()
    return SimpleNamespace(
        world=world, v1=v1, account=account, province=world.users["province"], waiting=waiting
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _seen(html: str, form_action: str) -> str:
    """The hidden `seen` value of the moderation form that posts to `form_action`."""
    pattern = (
        re.escape(f'action="{form_action}"')
        + r'[^>]*>(?:(?!</form>).)*?name="seen" value="([^"]*)"'
    )
    found = re.search(pattern, html, re.S)
    assert found, f"no seen field in the form posting to {form_action}"
    return found.group(1)


# --- a provider swaps its content between the province opening and deciding --------------------


def test_the_province_cannot_publish_an_entry_resubmitted_after_it_opened_the_queue(pool):
    province = _client(pool.province)
    url = reverse("catalog:entry-moderate", args=[pool.waiting.pk])
    seen = _seen(province.get(reverse("catalog:moderation")).content.decode(), url)
    services.entry_update(entry=pool.waiting, by=pool.account, data={"summary": "换成的内容"})
    services.entry_submit(entry=pool.waiting, by=pool.account)

    response = province.post(url, {"action": "publish", "reason": "", "seen": seen})

    pool.waiting.refresh_from_db()
    assert pool.waiting.status == Status.IN_REVIEW
    assert any(services.CHANGED_SINCE_SEEN in m for m in _messages(response))


def test_the_province_publishes_what_it_saw_when_nothing_changed(pool):
    province = _client(pool.province)
    url = reverse("catalog:entry-moderate", args=[pool.waiting.pk])
    seen = _seen(province.get(reverse("catalog:moderation")).content.decode(), url)
    province.post(url, {"action": "publish", "reason": "", "seen": seen})
    pool.waiting.refresh_from_db()
    assert pool.waiting.status == Status.PUBLISHED


def test_the_province_cannot_reject_a_provider_profile_resubmitted_after_it_opened_it(pool):
    other = make_user("provider_b", "provider")
    profile = services.provider_create(by=other, data={"name": "V2 数字科技有限公司"})
    services.provider_submit(provider=profile, by=other)
    province = _client(pool.province)
    url = reverse("catalog:provider-moderate", args=[profile.pk])
    seen = _seen(province.get(reverse("catalog:moderation")).content.decode(), url)
    services.provider_update(provider=profile, by=other, data={"summary": "新的简介"})
    services.provider_submit(provider=profile, by=other)

    province.post(url, {"action": "publish", "reason": "", "seen": seen})

    profile.refresh_from_db()
    assert profile.status == Status.IN_REVIEW


def test_the_publish_service_refuses_a_stale_submission_time_and_writes_nothing(pool):
    seen = pool.waiting.submitted_at
    services.entry_update(entry=pool.waiting, by=pool.account, data={"summary": "换成的内容"})
    services.entry_submit(entry=pool.waiting, by=pool.account)
    with pytest.raises(ValidationError) as refused:
        services.entry_publish(entry=pool.waiting, by=pool.province, seen=seen)
    assert services.CHANGED_SINCE_SEEN in refused.value.messages
    pool.waiting.refresh_from_db()
    assert pool.waiting.status == Status.IN_REVIEW


# --- the queue's cost -------------------------------------------------------------------------


def _queue_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("catalog:moderation")).status_code == 200
    return len(queries)


def test_the_queue_costs_the_same_queries_when_waiting_providers_name_their_region(pool):
    client = _client(pool.province)
    make_provider("待审服务商一", status=Status.IN_REVIEW, region=pool.world.x)
    one = _queue_queries(client)
    for name in ("待审服务商二", "待审服务商三", "待审服务商四"):
        make_provider(name, status=Status.IN_REVIEW, region=pool.world.y)
    assert _queue_queries(client) == one


# --- search follows a renamed provider --------------------------------------------------------


def test_renaming_a_provider_makes_its_entries_searchable_by_the_new_name(pool):
    published = make_entry("设备预测性维护方案", provider=pool.v1, created_by=pool.account)

    services.provider_update(provider=pool.v1, by=pool.account, data={"name": "鸿鹄工业互联"})

    published.refresh_from_db()
    assert "鸿鹄" in published.seg
    assert "智造" not in published.seg


# --- invalid moderation input says what is wrong ----------------------------------------------


def test_an_overlong_reason_is_reported_as_such_not_as_a_missing_action(pool):
    response = _client(pool.province).post(
        reverse("catalog:entry-moderate", args=[pool.waiting.pk]),
        {"action": "reject", "reason": "理" * 6000},
    )
    text = " ".join(_messages(response))
    assert "请选择审核操作" not in text
    assert "理由" in text
    pool.waiting.refresh_from_db()
    assert pool.waiting.status == Status.IN_REVIEW


# --- double submits -------------------------------------------------------------------------


def _race(calls: list[Any]) -> list[str]:
    """Run the calls at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            calls[index]()
            outcomes[index] = "created"
        except ValidationError as error:
            outcomes[index] = "refused: " + " ".join(error.messages)
        except Exception as error:
            outcomes[index] = f"error: {type(error).__name__}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_profile_form_creates_one_provider_and_no_error(world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are tested on PostgreSQL")
    account = world.users["provider"]
    data = {"name": "重复提交科技有限公司"}
    outcomes = _race([lambda: services.provider_create(by=account, data=data)] * 2)
    assert sorted(outcome.split(":")[0] for outcome in outcomes) == ["created", "refused"]
    assert Provider.objects.filter(members=account).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_accounts_claiming_one_name_at_once_get_a_name_taken_message(world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are tested on PostgreSQL")
    first, second = world.users["provider"], make_user("provider_b", "provider")
    data = {"name": "同名科技有限公司"}
    outcomes = _race(
        [
            lambda: services.provider_create(by=first, data=data),
            lambda: services.provider_create(by=second, data=data),
        ]
    )
    assert sorted(outcomes) == ["created", f"refused: {services.NAME_TAKEN}"]
