"""The providers' pages (mine, entry and profile forms, submit) and the province's moderation
pages: role checks, provider scoping (someone else's drafts answer 404), crafted POST fields
ignored, and the database after each action."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from catalog import services
from catalog.models import Entry, Provider, Status
from catalog.tests.factories import make_entry, make_provider, make_provider_with_member
from conftest import make_user

pytestmark = pytest.mark.django_db
QUEUE_QUERIES = 11  # session, user, queue (2 + scenarios), changes (2), own lists, decisions, …


@pytest.fixture
def pool(world) -> SimpleNamespace:
    account = world.users["provider"]
    v1 = make_provider("V1 智造服务有限公司", members=(account,))
    v2, other = make_provider_with_member("provider_b", "V2 数字科技有限公司")
    common = {"provider": v1, "created_by": account}
    return SimpleNamespace(
        v1=v1, v2=v2, account=account, other=other, province=world.users["province"],
        published=make_entry("设备预测性维护方案", **common),
        draft=make_entry("视觉质检方案", status=Status.DRAFT, **common),
        rejected=make_entry(
            "能耗监测方案", status=Status.REJECTED, review_note="请补充案例", **common
        ),
        others_draft=make_entry("对手草稿", status=Status.DRAFT, provider=v2, created_by=other),
        others_published=make_entry("对手方案", provider=v2, created_by=other),
    )  # fmt: skip


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _denied(path: str) -> bool:
    return AuditEvent.objects.filter(action="access.denied", note__endswith=path).exists()


# --- anonymous and other roles ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "method"),
    [("catalog:mine", "get"), ("catalog:entry-new", "get"), ("catalog:moderation", "get"),
     ("catalog:provider-new", "post")],
)  # fmt: skip
def test_anonymous_users_are_sent_to_log_in(pool, route, method):
    response = getattr(Client(), method)(reverse(route))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("role", ["city", "enterprise", "expert", "admin", "province"])
def test_only_providers_have_a_mine_page_and_refusals_are_audited(world, pool, role):
    response = _client(world.users[role]).get(reverse("catalog:mine"))
    assert response.status_code == 403
    assert _denied(reverse("catalog:mine"))


@pytest.mark.parametrize("role", ["provider", "city", "enterprise"])
def test_only_the_province_sees_the_moderation_queue(world, pool, role):
    response = _client(world.users[role]).get(reverse("catalog:moderation"))
    assert response.status_code == 403


# --- mine ------------------------------------------------------------------------------------


def test_mine_lists_the_providers_entries_by_status_with_reasons(
    pool, django_assert_max_num_queries
):
    client = _client(pool.account)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("catalog:mine"))
    assert response.status_code == 200
    text = response.content.decode()
    for title in ("设备预测性维护方案", "视觉质检方案", "能耗监测方案", "请补充案例"):
        assert title in text
    assert "对手草稿" not in text
    assert "对手方案" not in text
    counts = {g["status"]: len(g["entries"]) for g in response.context["sections"][0]["groups"]}
    assert counts == {"draft": 1, "in_review": 0, "published": 1, "rejected": 1}


def test_an_account_without_a_provider_is_sent_to_create_one(world):
    account = make_user("provider_new", "provider")
    response = _client(account).get(reverse("catalog:mine"))
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:provider-new")


def test_a_new_provider_profile_is_a_draft_managed_by_its_creator(world):
    account = make_user("provider_new", "provider")
    data = {"name": "新智造科技有限公司", "industries": "39 3911", "regions_served": ["3201"],
            "status": "published", "featured": "1", "rating": "5"}  # fmt: skip
    response = _client(account).post(reverse("catalog:provider-new"), data)
    assert response.status_code == 302
    provider = Provider.objects.get(name="新智造科技有限公司")
    assert (provider.status, provider.featured, provider.rating) == ("draft", False, None)
    assert (list(provider.members.all()), provider.industries) == ([account], ["39", "3911"])


def test_a_provider_with_a_profile_is_not_offered_a_second_one(pool):
    response = _client(pool.account).post(reverse("catalog:provider-new"), {"name": "第二家"})
    assert response.status_code == 302
    assert not Provider.objects.filter(name="第二家").exists()


# --- entries ---------------------------------------------------------------------------------


def test_a_new_entry_ignores_crafted_moderation_and_ownership_fields(pool):
    data = {
        "kind": "solution", "title": "AI 排产方案", "industries": "3911",
        "status": "published", "featured": "1", "rating": "5", "provider": str(pool.v2.pk),
        "created_by": str(pool.other.pk), "review_note": "ok", "seg": "x", "verified": "0",
    }  # fmt: skip
    response = _client(pool.account).post(reverse("catalog:entry-new"), data)
    assert response.status_code == 302
    entry = Entry.objects.get(title="AI 排产方案")
    assert (entry.status, entry.featured, entry.rating) == ("draft", False, None)
    assert (entry.provider, entry.created_by, entry.review_note) == (pool.v1, pool.account, "")


def test_a_new_entry_with_unknown_codes_shows_the_error_and_writes_nothing(pool):
    data = {"kind": "solution", "title": "AI 排产方案", "industries": "9999"}
    response = _client(pool.account).post(reverse("catalog:entry-new"), data)
    assert response.status_code == 200
    assert services.UNKNOWN_INDUSTRIES.format(codes="9999") in response.content.decode()
    assert not Entry.objects.filter(title="AI 排产方案").exists()


def test_a_provider_is_not_offered_the_provinces_kinds(pool):
    data = {"kind": "shortfall", "title": "短板"}
    response = _client(pool.account).post(reverse("catalog:entry-new"), data)
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not Entry.objects.filter(title="短板").exists()


def test_the_province_adds_to_its_own_lists(pool):
    data = {"kind": "shortfall", "title": "高端数控系统"}
    response = _client(pool.province).post(reverse("catalog:entry-new"), data)
    assert response.status_code == 302
    entry = Entry.objects.get(title="高端数控系统")
    assert (entry.provider, entry.status) == (None, "draft")


def test_editing_a_published_entry_warns_and_takes_it_back_to_draft(pool):
    client = _client(pool.account)
    url = reverse("catalog:entry-edit", kwargs={"pk": pool.published.pk})
    page = client.get(url)
    assert 'data-testid="republish-warning"' in page.content.decode()
    data = {"kind": "solution", "title": "设备预测性维护方案（新版）", "status": "published",
            "featured": "1", "rating": "5", "provider": str(pool.v2.pk)}  # fmt: skip
    assert client.post(url, data).status_code == 302
    pool.published.refresh_from_db()
    assert (pool.published.title, pool.published.status) == ("设备预测性维护方案（新版）", "draft")
    assert (pool.published.provider, pool.published.featured) == (pool.v1, False)


@pytest.mark.parametrize("key", ["others_draft", "others_published"])
@pytest.mark.parametrize("route", ["catalog:entry-edit", "catalog:entry-submit"])
def test_another_providers_entries_answer_404(pool, key, route):
    entry = getattr(pool, key)
    response = _client(pool.account).post(reverse(route, kwargs={"pk": entry.pk}), {"title": "x"})
    assert response.status_code == 404
    before = entry.status
    entry.refresh_from_db()
    assert (entry.title, entry.status) == (
        {"others_draft": "对手草稿"}.get(key, "对手方案"),
        before,
    )


def test_the_province_cannot_edit_a_providers_entry(pool):
    url = reverse("catalog:entry-edit", kwargs={"pk": pool.draft.pk})
    response = _client(pool.province).post(url, {"kind": "solution", "title": "改"})
    assert response.status_code == 403
    assert _denied(url)
    pool.draft.refresh_from_db()
    assert pool.draft.title == "视觉质检方案"


def test_a_provider_submits_its_draft(pool):
    url = reverse("catalog:entry-submit", kwargs={"pk": pool.draft.pk})
    response = _client(pool.account).post(url)
    assert response.status_code == 302
    pool.draft.refresh_from_db()
    assert pool.draft.status == "in_review"


def test_submitting_a_published_entry_says_why_and_changes_nothing(pool):
    url = reverse("catalog:entry-submit", kwargs={"pk": pool.published.pk})
    response = _client(pool.account).post(url, follow=True)
    assert services.NOT_SUBMITTABLE in response.content.decode()
    pool.published.refresh_from_db()
    assert pool.published.status == "published"


# --- moderation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [{"action": "publish"}, {"action": "feature"}, {"action": "rate", "rating": "5"},
     {"action": "unpublish", "reason": "x"}],
)  # fmt: skip
def test_a_provider_cannot_moderate_its_own_entry(pool, data):
    url = reverse("catalog:entry-moderate", kwargs={"pk": pool.published.pk})
    response = _client(pool.account).post(url, data)
    assert response.status_code == 403
    assert _denied(url)
    pool.published.refresh_from_db()
    assert (pool.published.status, pool.published.featured, pool.published.rating) == (
        "published",
        False,
        None,
    )


def test_a_provider_cannot_moderate_its_own_profile(pool):
    Provider.objects.filter(pk=pool.v1.pk).update(status=Status.IN_REVIEW)
    url = reverse("catalog:provider-moderate", kwargs={"pk": pool.v1.pk})
    response = _client(pool.account).post(url, {"action": "publish"})
    assert response.status_code == 403
    pool.v1.refresh_from_db()
    assert pool.v1.status == "in_review"


@pytest.mark.parametrize(
    ("start", "data", "expected"),
    [
        (Status.IN_REVIEW, {"action": "publish"}, ("published", False, None)),
        (Status.IN_REVIEW, {"action": "reject", "reason": "资料不全"}, ("rejected", False, None)),
        (
            Status.PUBLISHED,
            {"action": "unpublish", "reason": "投诉属实"},
            ("rejected", False, None),
        ),
        (Status.PUBLISHED, {"action": "feature"}, ("published", True, None)),
        (Status.PUBLISHED, {"action": "rate", "rating": "4"}, ("published", False, 4)),
    ],
)
def test_the_province_moderates_an_entry(pool, start, data, expected):
    Entry.objects.filter(pk=pool.draft.pk).update(status=start)
    url = reverse("catalog:entry-moderate", kwargs={"pk": pool.draft.pk})
    response = _client(pool.province).post(url, data)
    assert response.status_code == 302
    pool.draft.refresh_from_db()
    assert (pool.draft.status, pool.draft.featured, pool.draft.rating) == expected


def test_a_rejection_without_a_reason_is_refused_with_the_message(pool):
    Entry.objects.filter(pk=pool.draft.pk).update(status=Status.IN_REVIEW)
    url = reverse("catalog:entry-moderate", kwargs={"pk": pool.draft.pk})
    response = _client(pool.province).post(url, {"action": "reject"}, follow=True)
    assert services.REASON_REQUIRED in response.content.decode()
    pool.draft.refresh_from_db()
    assert pool.draft.status == "in_review"


def test_the_province_publishes_a_provider_profile(pool):
    Provider.objects.filter(pk=pool.v2.pk).update(status=Status.IN_REVIEW)
    url = reverse("catalog:provider-moderate", kwargs={"pk": pool.v2.pk})
    assert _client(pool.province).post(url, {"action": "publish"}).status_code == 302
    pool.v2.refresh_from_db()
    assert pool.v2.status == "published"


def test_a_moderation_redirect_never_leaves_the_site(pool):
    url = reverse("catalog:entry-moderate", kwargs={"pk": pool.published.pk})
    data = {"action": "feature", "next": "https://evil.example/"}
    response = _client(pool.province).post(url, data)
    assert response["Location"] == reverse("catalog:moderation")


def test_moderating_from_an_entry_page_returns_to_it(pool):
    url = reverse("catalog:entry-moderate", kwargs={"pk": pool.published.pk})
    page = reverse("catalog:entry", kwargs={"pk": pool.published.pk})
    response = _client(pool.province).post(url, {"action": "feature", "next": page})
    assert response["Location"] == page


@pytest.mark.parametrize("route", ["catalog:provider-edit", "catalog:provider-submit"])
def test_another_providers_profile_answers_404(pool, route):
    response = _client(pool.account).post(reverse(route, kwargs={"pk": pool.v2.pk}), {"name": "x"})
    assert response.status_code == 404
    pool.v2.refresh_from_db()
    assert (pool.v2.name, pool.v2.status) == ("V2 数字科技有限公司", "published")


def test_the_province_does_not_edit_provider_profiles(pool):
    url = reverse("catalog:provider-edit", kwargs={"pk": pool.v1.pk})
    assert _client(pool.province).get(url).status_code == 403


def test_editing_the_profile_warns_then_sends_it_back_to_review(pool):
    client = _client(pool.account)
    url = reverse("catalog:provider-edit", kwargs={"pk": pool.v1.pk})
    assert 'data-testid="republish-warning"' in client.get(url).content.decode()
    data = {"name": "V1 智造服务有限公司", "contact_phone": "025-8888", "status": "published"}
    assert client.post(url, data).status_code == 302
    pool.v1.refresh_from_db()
    assert (pool.v1.status, pool.v1.contact_phone) == ("draft", "025-8888")
    submit = reverse("catalog:provider-submit", kwargs={"pk": pool.v1.pk})
    assert client.post(submit).status_code == 302
    pool.v1.refresh_from_db()
    assert pool.v1.status == "in_review"


def test_the_queue_lists_items_in_review_oldest_first_with_the_changes(pool):
    services.entry_submit(entry=pool.rejected, by=pool.account)
    services.entry_update(entry=pool.draft, by=pool.account, data={"summary": "新摘要"})
    Entry.objects.filter(pk=pool.draft.pk).update(reviewed_at="2000-01-01T00:00:00Z")
    services.entry_submit(entry=pool.draft, by=pool.account)
    response = _client(pool.province).get(reverse("catalog:moderation"))
    assert response.status_code == 200
    queue = response.context["entries"]
    assert [e.pk for e in queue] == [pool.rejected.pk, pool.draft.pk]
    assert queue[1].changes == [("摘要", "", "新摘要")]
    assert "新摘要" in response.content.decode()


@pytest.mark.parametrize("waiting", [2, 6])
def test_the_queue_costs_the_same_queries_however_long_it_is(
    pool, waiting, django_assert_num_queries
):
    for n in range(waiting):
        make_entry(f"待审{n}", status=Status.IN_REVIEW, provider=pool.v1, created_by=pool.account)
        make_provider(f"待审服务商{n}", status=Status.IN_REVIEW)
    client = _client(pool.province)
    with django_assert_num_queries(QUEUE_QUERIES):
        assert client.get(reverse("catalog:moderation")).status_code == 200


def test_the_queue_filters_by_kind_and_answers_htmx_with_the_fragment(pool):
    Entry.objects.filter(pk=pool.draft.pk).update(status=Status.IN_REVIEW)
    client = _client(pool.province)
    url = reverse("catalog:moderation")
    htmx = {"HX-Request": "true"}
    other_kind = client.get(url, {"kind": "software"}, headers=htmx).content.decode()
    same_kind = client.get(url, {"kind": "solution"}, headers=htmx).content.decode()
    assert "<html" not in other_kind
    assert "<html" not in same_kind
    assert f'data-pk="{pool.draft.pk}"' not in other_kind
    assert f'data-pk="{pool.draft.pk}"' in same_kind
    assert 'id="moderation-entries"' in same_kind


def test_recent_decisions_are_listed(pool):
    Entry.objects.filter(pk=pool.draft.pk).update(status=Status.IN_REVIEW)
    services.entry_reject(entry=pool.draft, by=pool.province, reason="资料不全")
    response = _client(pool.province).get(reverse("catalog:moderation"))
    assert "资料不全" in response.content.decode()


@pytest.mark.parametrize(("role", "link"), [("provider", "我的资源"), ("province", "资源池审核")])
def test_the_nav_links_to_the_catalogue_pages(world, pool, role, link):
    response = _client(world.users[role]).get(reverse("core:home"))
    assert link in response.content.decode()


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("province", ["entry-moderate", "entry-feature", "4★"], ["entry-submit"]),
        ("account", ["entry-status", "catalog/entries/"], ["entry-moderate", "entry-feature"]),
        ("other", [], ["entry-status", "entry-moderate"]),
    ],
)
def test_the_entry_fragment_offers_each_viewer_only_their_actions(pool, who, shown, hidden):
    from django.template.loader import render_to_string

    Entry.objects.filter(pk=pool.published.pk).update(rating=4)
    pool.published.refresh_from_db()
    context = {"entry": pool.published, "user": getattr(pool, who)}
    html = render_to_string("catalog/_entry_moderation.html", context)
    assert all(text in html for text in shown)
    assert not any(text in html for text in hidden)
