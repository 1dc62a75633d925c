"""The registry JSON API under /api/v1/: role × endpoint matrix, scoping by set equality, 404 for
out of scope, 401/403, bearer tokens, bad parameters (never 5xx) and query counts."""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any, get_args
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ninja import NinjaAPI
from ninja.testing import TestClient
from pytest_django import DjangoAssertNumQueries

from accounts.api_auth import api_auth
from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_revoke
from audit.models import AuditEvent
from conftest import World, make_enterprise, make_region
from core.api_errors import INVALID_PARAMETERS, UNAUTHENTICATED, install
from registry.api import FORBIDDEN, router
from registry.models import (
    Chain,
    Cluster,
    Contact,
    Enterprise,
    EnterpriseCategory,
    EnterpriseChain,
    EnterpriseYear,
    Industry,
)
from registry.schemas import Ordering
from registry.selectors import ENTERPRISE_NOT_FOUND, ENTERPRISE_ORDERINGS

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

API = "/api/v1"
ENTERPRISE_ROLES = ["province", "city", "county", "enterprise"]
OTHER_ROLES = ["expert", "provider", "admin"]
ALL_ROLES = ENTERPRISE_ROLES + OTHER_ROLES
REFERENCE_PATHS = ["/regions", "/industries", "/chains", "/clusters"]
VISIBLE = {
    "province": {"e1", "e2", "e3"},
    "city": {"e1", "e2"},
    "county": {"e1"},
    "enterprise": {"e1"},
}


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _ids(world: World, names: set[str]) -> set[int]:
    return {getattr(world, name).pk for name in names}


def _listed_ids(response: _MonkeyPatchedWSGIResponse) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def make_chain(code: str, *industries: str, cluster: Cluster | None = None, **kw: Any) -> Chain:
    chain = Chain.objects.create(code=code, name=f"{code} 产业链", cluster=cluster, **kw)
    chain.industries.set(Industry.objects.filter(code__in=industries))
    return chain


# --- authentication and roles ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/enterprises", "/enterprises/1", *REFERENCE_PATHS])
def test_anonymous_gets_401_everywhere(world: World, client: Client, path: str) -> None:
    assert client.get(API + path).status_code == 401


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("path", REFERENCE_PATHS)
def test_reference_endpoints_are_open_to_every_role(world: World, role: str, path: str) -> None:
    response = _client(world, role).get(API + path)
    assert response.status_code == 200
    assert isinstance(response.json(), list)


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("path", ["/enterprises", "/enterprises/{e1}"])
def test_other_roles_get_403_on_enterprise_endpoints_and_it_is_audited(
    world: World, role: str, path: str
) -> None:
    response = _client(world, role).get(API + path.format(e1=world.e1.pk))
    assert response.status_code == 403
    assert response.json() == {"error": FORBIDDEN}
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.actor_username, event.result) == (world.users[role].username, "denied")
    assert event.object_id.startswith("api:enterprise-")


@pytest.mark.parametrize("role", ENTERPRISE_ROLES)
def test_enterprise_list_is_exactly_the_jurisdiction(world: World, role: str) -> None:
    response = _client(world, role).get(f"{API}/enterprises")
    assert _listed_ids(response) == _ids(world, VISIBLE[role])
    assert response.json()["count"] == len(VISIBLE[role])


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("province", "e1", 200),
        ("province", "e3", 200),
        ("city", "e2", 200),
        ("city", "e3", 404),
        ("county", "e1", 200),
        ("county", "e2", 404),
        ("county", "e3", 404),
        ("enterprise", "e1", 200),
        ("enterprise", "e2", 404),
    ],
)
def test_enterprise_detail_in_and_out_of_scope(
    world: World, role: str, target: str, status: int
) -> None:
    pk = getattr(world, target).pk
    response = _client(world, role).get(f"{API}/enterprises/{pk}")
    assert response.status_code == status
    denied = AuditEvent.objects.filter(action="access.out_of_scope", object_id=str(pk))
    if status == 200:
        assert response.json()["id"] == pk
        assert not denied.exists()
    else:
        assert response.json() == {"error": ENTERPRISE_NOT_FOUND}
        assert denied.get().actor_username == world.users[role].username


def test_missing_enterprise_answers_like_an_out_of_scope_one(world: World) -> None:
    client = _client(world, "county")
    missing = client.get(f"{API}/enterprises/987654")
    hidden = client.get(f"{API}/enterprises/{world.e3.pk}")
    assert (missing.status_code, missing.json()) == (hidden.status_code, hidden.json())


# --- content --------------------------------------------------------------------------------------


def test_enterprise_detail_content(world: World) -> None:
    cluster = Cluster.objects.create(
        code="electronics", name="电子信息集群", source_list="l", verified=True
    )
    chain = make_chain("computers", "3911", cluster=cluster, verified=True)
    parts = make_chain("parts", "3912")
    EnterpriseChain.objects.create(enterprise=world.e1, chain=chain)
    EnterpriseChain.objects.create(enterprise=world.e1, chain=parts)
    EnterpriseYear.objects.create(
        enterprise=world.e1, year=2024, revenue_10k_yuan="12345.60", employees=88
    )
    EnterpriseYear.objects.create(enterprise=world.e1, year=2023)
    EnterpriseCategory.objects.create(enterprise=world.e1, category_id="above_scale", year=2024)
    Contact.objects.create(
        enterprise=world.e1, name="张三", title="经理", phone="13812345678", email="z@example.cn"
    )
    response = _client(world, "city").get(f"{API}/enterprises/{world.e1.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["uscc"], body["name"]) == (world.e1.uscc, "玄武电子有限公司")
    assert body["city"] == {"code": "3201", "name": "南京市"}
    assert body["county"] == {"code": "320102", "name": "玄武区"}
    assert body["zone"] is None
    assert body["industry"] == {"code": "3911", "name": "计算机整机制造"}
    assert [(y["year"], y["employees"]) for y in body["years"]] == [(2024, 88), (2023, None)]
    assert body["years"][0]["revenue_10k_yuan"] == "12345.60"
    assert body["categories"] == [{"code": "above_scale", "name": "规上工业企业", "year": 2024}]
    assert body["chains"] == [
        {
            "code": "computers",
            "name": "computers 产业链",
            "verified": True,
            "cluster": {"code": "electronics", "name": "电子信息集群", "verified": True},
            "how": "both",
        },
        {
            "code": "parts",
            "name": "parts 产业链",
            "verified": False,
            "cluster": None,
            "how": "explicit",
        },
    ]
    assert body["contacts"] == [{"name": "张三", "title": "经理", "phone_masked": "138****5678"}]


@pytest.mark.parametrize("role", ["enterprise", "province"])
def test_full_phone_and_email_never_leave_the_api(world: World, role: str) -> None:
    Contact.objects.create(
        enterprise=world.e1, name="李四", phone="13900001111", email="li@example.cn"
    )
    text = _client(world, role).get(f"{API}/enterprises/{world.e1.pk}").content.decode()
    assert "13900001111" not in text
    assert "li@example.cn" not in text
    assert "email" not in text


def test_enterprise_list_items(world: World) -> None:
    zone = make_region("320171", "玄武高新区", "zone", world.x)
    Enterprise.objects.filter(pk=world.e1.pk).update(zone=zone)
    body = _client(world, "county").get(f"{API}/enterprises").json()
    assert body["page"] == 1
    assert body["page_size"] == 50
    (item,) = body["items"]
    assert item["zone"] == {"code": "320171", "name": "玄武高新区"}
    assert set(item) == {"id", "uscc", "name", "city", "county", "zone", "industry", "updated_at"}


def test_pagination(world: World) -> None:
    client = _client(world, "province")
    first = client.get(f"{API}/enterprises", {"page_size": 2}).json()
    second = client.get(f"{API}/enterprises", {"page_size": 2, "page": 2}).json()
    beyond = client.get(f"{API}/enterprises", {"page_size": 2, "page": 3}).json()
    assert (first["count"], second["count"]) == (3, 3)
    assert [i["id"] for i in first["items"]] == [world.e1.pk, world.e2.pk]
    assert [i["id"] for i in second["items"]] == [world.e3.pk]
    assert beyond["items"] == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "秦淮"}, {"e2"}),
        ({"q": "有限"}, {"e1", "e2", "e3"}),
        ({"city": "3205"}, {"e3"}),
        ({"county": "320102"}, {"e1"}),
        ({"region": "3201"}, {"e1", "e2"}),
        ({"industry": "C39"}, {"e1", "e2", "e3"}),
        ({"industry": "3912"}, {"e2"}),
        ({"category": "above_scale"}, {"e3"}),
        ({"category": "above_scale", "category_year": 2023}, set()),
        ({"chain": "computers"}, {"e1", "e3"}),
        ({"chain": "computers", "city": "3201"}, {"e1"}),
        ({"cluster": "electronics"}, {"e1", "e3"}),
    ],
)
def test_enterprise_list_filters(world: World, params: dict[str, Any], expected: set[str]) -> None:
    Enterprise.objects.filter(pk=world.e2.pk).update(industry_id="3912")
    EnterpriseCategory.objects.create(enterprise=world.e3, category_id="above_scale", year=2024)
    cluster = Cluster.objects.create(code="electronics", name="电子信息", source_list="l")
    make_chain("computers", "3911", cluster=cluster)
    response = _client(world, "province").get(f"{API}/enterprises", params)
    assert _listed_ids(response) == _ids(world, expected)


def test_filters_never_widen_the_jurisdiction(world: World) -> None:
    response = _client(world, "county").get(f"{API}/enterprises", {"city": "3205"})
    assert _listed_ids(response) == set()


def test_api_orderings_are_the_selector_orderings() -> None:
    assert set(get_args(Ordering)) == set(ENTERPRISE_ORDERINGS)


def test_enterprise_list_ordering(world: World) -> None:
    response = _client(world, "province").get(f"{API}/enterprises", {"ordering": "-uscc"})
    assert [i["id"] for i in response.json()["items"]] == [world.e3.pk, world.e2.pk, world.e1.pk]


# --- reference endpoints --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("province", ["32", "3201", "320102", "320104", "3205", "320583"]),
        ("city", ["3201", "320102", "320104"]),
        ("county", ["320102"]),
    ],
)
def test_regions_are_scoped(world: World, role: str, expected: list[str]) -> None:
    body = _client(world, role).get(f"{API}/regions").json()
    assert [r["code"] for r in body] == expected


def test_regions_by_level_and_parent(world: World) -> None:
    client = _client(world, "province")
    cities = client.get(f"{API}/regions", {"level": "city"}).json()
    assert cities == [
        {
            "code": "3201",
            "name": "南京市",
            "level": "city",
            "kind": "prefecture_city",
            "parent": "32",
            "province_administered": False,
        },
        {
            "code": "3205",
            "name": "苏州市",
            "level": "city",
            "kind": "prefecture_city",
            "parent": "32",
            "province_administered": False,
        },
    ]
    in_q = client.get(f"{API}/regions", {"parent": "3205"}).json()
    assert [(r["code"], r["province_administered"]) for r in in_q] == [("320583", True)]


def test_industries(world: World) -> None:
    client = _client(world, "expert")
    assert [i["code"] for i in client.get(f"{API}/industries", {"level": "class"}).json()] == [
        "3911",
        "3912",
    ]
    found = client.get(f"{API}/industries", {"q": "C391"}).json()
    assert [i["code"] for i in found] == ["391", "3911", "3912"]
    assert found[0] == {"code": "391", "name": "计算机制造", "level": "group", "parent": "39"}
    assert [i["code"] for i in client.get(f"{API}/industries", {"parent": "C"}).json()] == ["39"]


CHAIN_COUNTS = {
    "province": 3,
    "city": 2,
    "county": 1,
    "enterprise": 1,
    "expert": 0,
    "provider": 0,
    "admin": 0,
}


@pytest.mark.parametrize(("role", "expected"), CHAIN_COUNTS.items())
def test_chain_counts_are_scoped(world: World, role: str, expected: int) -> None:
    make_chain("computers", "3911", source_url="https://example.gov.cn/1650")
    (chain,) = _client(world, role).get(f"{API}/chains").json()
    assert chain == {
        "code": "computers",
        "name": "computers 产业链",
        "verified": False,
        "cluster": None,
        "source_url": "https://example.gov.cn/1650",
        "source_date": "",
        "note": "",
        "industries": ["3911"],
        "enterprise_count": expected,
    }


@pytest.mark.parametrize(("role", "expected"), CHAIN_COUNTS.items())
def test_cluster_counts_are_scoped_and_marked(world: World, role: str, expected: int) -> None:
    cluster = Cluster.objects.create(
        code="electronics", name="电子信息", source_list="16_clusters", verified=True
    )
    make_chain("computers", "3911", cluster=cluster)
    (row,) = _client(world, role).get(f"{API}/clusters").json()
    assert (row["code"], row["verified"], row["source_list"]) == (
        "electronics",
        True,
        "16_clusters",
    )
    assert (row["industries"], row["chain_count"], row["enterprise_count"]) == ([], 1, expected)


def test_chains_carry_the_verified_mark_of_their_cluster(world: World) -> None:
    cluster = Cluster.objects.create(code="c1", name="集群", source_list="l", verified=False)
    make_chain("computers", "3911", cluster=cluster, verified=True)
    (chain,) = _client(world, "province").get(f"{API}/chains").json()
    assert (chain["verified"], chain["cluster"]) == (
        True,
        {"code": "c1", "name": "集群", "verified": False},
    )


# --- OpenAPI --------------------------------------------------------------------------------------


def test_openapi_document_lists_every_path(world: World) -> None:
    response = _client(world, "province").get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert {
        f"{API}/enterprises",
        f"{API}/enterprises/{{enterprise_id}}",
        f"{API}/regions",
        f"{API}/industries",
        f"{API}/chains",
        f"{API}/clusters",
    } <= paths
    for route in router.path_operations:
        assert f"{API}{route}" in paths


# --- bearer tokens --------------------------------------------------------------------------------


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_token_authenticates_and_is_scoped(world: World, client: Client) -> None:
    _token, key = api_token_create(user=world.users["city"], name="dashboard")
    response = client.get(f"{API}/enterprises", headers=_bearer(key))
    assert _listed_ids(response) == _ids(world, {"e1", "e2"})
    assert ApiToken.objects.get(name="dashboard").last_used_at is not None


def test_token_denials_are_audited_as_the_token_user(world: World, client: Client) -> None:
    _token, key = api_token_create(user=world.users["county"], name="t")
    response = client.get(f"{API}/enterprises/{world.e3.pk}", headers=_bearer(key))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="access.out_of_scope")
    assert (event.actor_username, event.actor_role) == ("county_x", "county")
    _token, key = api_token_create(user=world.users["expert"], name="t")
    assert client.get(f"{API}/enterprises", headers=_bearer(key)).status_code == 403
    assert AuditEvent.objects.get(action="access.denied").actor_username == "expert"


def test_expired_token_gets_401(world: World, client: Client) -> None:
    token, key = api_token_create(user=world.users["province"], name="old", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert client.get(f"{API}/regions", headers=_bearer(key)).status_code == 401


def test_token_expires_after_its_days(world: World, client: Client) -> None:
    _token, key = api_token_create(user=world.users["province"], name="short", days=1)
    assert client.get(f"{API}/regions", headers=_bearer(key)).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, seconds=1)):
        assert client.get(f"{API}/regions", headers=_bearer(key)).status_code == 401


def test_revoked_token_gets_401(world: World, client: Client) -> None:
    token, key = api_token_create(user=world.users["province"], name="revoke-me")
    assert client.get(f"{API}/enterprises", headers=_bearer(key)).status_code == 200
    api_token_revoke(user=world.users["province"], token_id=token.pk)
    assert client.get(f"{API}/enterprises", headers=_bearer(key)).status_code == 401


def test_token_of_a_deactivated_user_gets_401(world: World, client: Client) -> None:
    user = world.users["province"]
    _token, key = api_token_create(user=user, name="t")
    user.is_active = False
    user.save()
    assert client.get(f"{API}/enterprises", headers=_bearer(key)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Token abc", "Basic eDp5"])
def test_bad_authorization_headers_get_401(world: World, client: Client, header: str) -> None:
    response = client.get(f"{API}/enterprises", headers={"Authorization": header})
    assert response.status_code == 401


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"page": "-1"},
        {"page": "0"},
        {"page": "abc"},
        {"page": str(10**30)},
        {"page_size": "0"},
        {"page_size": "501"},
        {"industry": ""},
        {"industry": "39x"},
        {"industry": "C391100"},
        {"q": "x" * 101},
        {"q": ""},
        {"q": "a\x00b"},
        {"q": "a\nb"},
        {"city": "南京"},
        {"city": "3201; DROP TABLE"},
        {"category": "above scale"},
        {"category_year": "abc"},
        {"category_year": "99999999999999999999"},
        {"chain": "x" * 41},
        {"ordering": "password"},
    ],
)
def test_bad_list_parameters_give_422(world: World, params: dict[str, str]) -> None:
    response = _client(world, "province").get(f"{API}/enterprises", params)
    assert response.status_code == 422


@pytest.mark.parametrize("pk", ["0", "-1", "abc", str(2**63), str(10**40), "1.5"])
def test_bad_detail_ids_give_4xx(world: World, pk: str) -> None:
    response = _client(world, "province").get(f"{API}/enterprises/{pk}")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/regions", {"level": "planet"}),
        ("/regions", {"parent": "x"}),
        ("/industries", {"level": "x"}),
        ("/industries", {"parent": "C3"}),
        ("/industries", {"q": "\x00"}),
        ("/industries", {"q": "y" * 101}),
    ],
)
def test_bad_reference_parameters_give_422(world: World, path: str, params: dict[str, str]) -> None:
    assert _client(world, "city").get(API + path, params).status_code == 422


PARAMETER_NAMES = [
    "q",
    "region",
    "city",
    "county",
    "zone",
    "industry",
    "category",
    "category_year",
    "chain",
    "cluster",
    "ordering",
    "page",
    "page_size",
]
_values = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "C", "C39", "3201", "32", "above_scale", "-name", "%00", "\x00"]),
)
_params = st.dictionaries(
    st.one_of(st.sampled_from(PARAMETER_NAMES), st.text(max_size=20)), _values, max_size=6
)
_raw_query = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789%&=;+-_.~[]{}'\"\\ ", max_size=200
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(params=_params)
def test_random_query_parameters_never_give_5xx(world: World, params: dict[str, str]) -> None:
    client = _client(world, "city")
    response = client.get(f"{API}/enterprises", QUERY_STRING=urlencode(params))
    assert response.status_code < 500
    if response.status_code == 200:
        assert _listed_ids(response) <= _ids(world, VISIBLE["city"])


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(raw=_raw_query)
def test_random_raw_query_strings_never_give_5xx(world: World, raw: str) -> None:
    response = _client(world, "county").get(f"{API}/enterprises", QUERY_STRING=raw)
    assert response.status_code < 500
    if response.status_code == 200:
        assert _listed_ids(response) <= _ids(world, VISIBLE["county"])


# --- query counts ---------------------------------------------------------------------------------


def test_enterprise_list_has_no_n_plus_1(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    zone = make_region("320171", "玄武高新区", "zone", world.x)
    for seq in range(10, 70):
        make_enterprise(county=world.x, name=f"企业{seq}", seq=seq, zone=zone)
    client = _client(world, "province")
    # session, user, count, page, and the session save (with its savepoint pair)
    with django_assert_max_num_queries(7):
        response = client.get(f"{API}/enterprises", {"page_size": 500})
    assert len(response.json()["items"]) == 63


def test_enterprise_detail_query_count_is_constant(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(5):
        make_chain(f"chain-{n}", "3911")
        Contact.objects.create(enterprise=world.e1, name=f"联系人{n}", phone="13800000000")
        EnterpriseYear.objects.create(enterprise=world.e1, year=2020 + n)
    client = _client(world, "province")
    # session, user, enterprise, years, categories, chains, contacts, session save
    with django_assert_max_num_queries(10):
        response = client.get(f"{API}/enterprises/{world.e1.pk}")
    assert len(response.json()["chains"]) == 5


# --- core.api_errors (to be installed on the project's NinjaAPI) ----------------------------------


@pytest.fixture
def errors_api() -> TestClient:
    api = NinjaAPI(auth=api_auth, urls_namespace="errors-test")
    install(api)
    api.add_router("/", router)
    return TestClient(api)


def test_installed_handlers_answer_401_with_an_error(world: World, errors_api: TestClient) -> None:
    response = errors_api.get("/enterprises")
    assert response.status_code == 401
    assert response.json() == {"error": UNAUTHENTICATED}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_installed_handlers_answer_422_with_an_error_and_no_echo(
    world: World, errors_api: TestClient
) -> None:
    _token, key = api_token_create(user=world.users["province"], name="t")
    secret = "z" * 150
    response = errors_api.get(f"/enterprises?page=0&q={secret}", headers=_bearer(key))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == INVALID_PARAMETERS
    assert {tuple(problem["loc"]) for problem in body["detail"]} == {
        ("query", "page"),
        ("query", "q"),
    }
    assert secret not in json.dumps(body)
