"""Resource pool JSON API (catalog/api.py): public search, one entry with drafts for their
provider and the province."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from catalog.models import Entry, Status
from catalog.tests.factories import make_entry, make_provider, make_scenario

pytestmark = pytest.mark.django_db
SEARCH = "api:catalog-search"


@pytest.fixture
def pool(world):
    scenario = make_scenario("scheduling", stage="prod_mgmt", nodes=["SF-JS:prod_mgmt.plan"])
    v1 = make_provider("金陵智造科技有限公司", members=(world.users["provider"],))
    published = make_entry(
        "智能排产APS", provider=v1, summary="MES 与 ERP 集成", scenarios=(scenario,),
        industries=["34"], regions=["3201"], kind=Entry.Kind.SOFTWARE,
        software_category="management",
    )  # fmt: skip
    make_entry("视觉质检系统", kind=Entry.Kind.EQUIPMENT, first_set=True, industries=["39"])
    draft = make_entry("排产草稿", provider=v1, status=Status.DRAFT)
    other = make_provider("姑苏数字有限公司", status=Status.IN_REVIEW)
    others = make_entry("他人排产", provider=other, status=Status.IN_REVIEW)
    return {"published": published, "draft": draft, "others": others}


def _titles(response) -> list[str]:
    return [row["title"] for row in response.json()["results"]]


def test_anonymous_searches_the_published_pool(pool) -> None:
    response = Client().get(reverse(SEARCH), {"q": "排产"})
    body = response.json()
    assert response.status_code == 200
    assert _titles(response) == ["智能排产APS"]
    assert body["total"] == 1
    assert body["kind_counts"] == {"software": 1}
    row = body["results"][0]
    assert row["provider"]["name"] == "金陵智造科技有限公司"
    assert row["url"] == reverse("catalog:entry", args=[pool["published"].pk])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "MES 排产"}, ["智能排产APS"]),
        ({"q": "质检", "flag": "first_set"}, ["视觉质检系统"]),
        ({"industry": "3411"}, ["智能排产APS"]),
        ({"region": "320102", "kind": "software"}, ["智能排产APS"]),
        ({"dimension": "SF-JS:prod_mgmt"}, ["智能排产APS"]),
        ({"stage": "prod_mgmt", "software_category": "management"}, ["智能排产APS"]),
        ({"scenario": "scheduling"}, ["智能排产APS"]),
        ({"q": "草稿"}, []),
    ],
)
def test_search_filters(pool, params, expected) -> None:
    assert _titles(Client().get(reverse(SEARCH), params)) == expected


def test_a_logged_in_provider_still_searches_only_the_published_pool(world, pool) -> None:
    client = Client()
    client.force_login(world.users["provider"])
    assert _titles(client.get(reverse(SEARCH), {"q": "排产"})) == ["智能排产APS"]


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "unknown"},
        {"page": "abc"},
        {"page": "0"},
        {"per_page": "1000"},
        {"q": "质" * 10_000},
        {"industry": "34\x00"},
        {"flag": "nope"},
        {"provider": "-1"},
    ],
)
def test_bad_parameters_answer_422_with_an_error(pool, params) -> None:
    response = Client().get(reverse(SEARCH), params)
    assert response.status_code == 422
    assert "error" in response.json()


def test_a_nul_byte_in_the_query_is_no_error(pool) -> None:
    response = Client().get(reverse(SEARCH), {"q": "排产\x00"})
    assert response.status_code == 200
    assert _titles(response) == ["智能排产APS"]


def test_search_takes_a_bounded_number_of_queries(pool, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(4):
        Client().get(reverse(SEARCH), {"q": "排产", "industry": "34", "region": "3201"})


def _entry_url(entry) -> str:
    return reverse("api:catalog-entry", kwargs={"entry_id": entry.pk})


def test_anonymous_reads_a_published_entry(pool) -> None:
    response = Client().get(_entry_url(pool["published"]))
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "published"
    assert [s["code"] for s in body["scenarios"]] == ["scheduling"]
    assert body["industries"] == ["34"]
    assert body["regions"] == ["3201"]
    assert body["region_names"] == [{"code": "3201", "name": "南京市"}]


@pytest.mark.parametrize(
    ("role", "key", "status"),
    [
        (None, "draft", 404),
        (None, "others", 404),
        ("provider", "others", 404),
        ("enterprise", "draft", 404),
        ("provider", "draft", 200),
        ("province", "others", 200),
    ],
)
def test_drafts_are_for_their_provider_and_the_province(world, pool, role, key, status) -> None:
    client = Client()
    if role:
        client.force_login(world.users[role])
    response = client.get(_entry_url(pool[key]))
    assert response.status_code == status
    if status == 404:
        assert response.json() == {"error": "未找到 (Not found)"}


def test_a_bearer_token_is_recognised_and_a_bad_one_is_anonymous(world, pool) -> None:
    token = "zg_catalog_test_token"
    ApiToken.objects.create(
        user=world.users["provider"], name="t", prefix="zg_c", key_hash=ApiToken.hash(token),
        expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    url = _entry_url(pool["draft"])
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert Client().get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    published = _entry_url(pool["published"])
    assert Client().get(published, HTTP_AUTHORIZATION="Bearer wrong").status_code == 200


def test_an_unknown_entry_is_404(pool) -> None:
    response = Client().get(reverse("api:catalog-entry", kwargs={"entry_id": 999_999}))
    assert response.status_code == 404
