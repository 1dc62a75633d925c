"""Matching and adoption pages (catalog/match_views.py), the effects partials and the JSON API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from catalog.models import Adoption
from catalog.tests.factories import make_entry, make_provider, make_scenario
from catalog.tests.matching_world import load_sf_js, submit
from conftest import make_user


@pytest.fixture(autouse=True)
def _keyword_embedder(settings):
    settings.CATALOG_EMBEDDER = "keyword"


@pytest.fixture
def sf(world):
    return load_sf_js()


@pytest.fixture
def solution(db):
    scenario = make_scenario(
        "online-inspection", name_zh="智能在线检测", nodes=["SF-JS:production.online_inspection"]
    )
    provider = make_provider("检测科技有限公司")
    return make_entry(
        "机器视觉在线检测方案", provider=provider, industries=["3911"], scenarios=(scenario,)
    )


@pytest.fixture
def result(world, sf):
    return submit(world.e1, world.users["enterprise"], sf, {"production": 1})


def _matches(result):
    return reverse("catalog:matches", kwargs={"assessment_id": result.pk})


def test_anonymous_is_sent_to_login(client, result):
    response = client.get(_matches(result))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("role", ["provider", "expert", "admin"])
def test_roles_without_results_are_refused(client, world, result, role):
    client.force_login(world.users[role])
    assert client.get(_matches(result)).status_code == 403


def test_an_official_outside_the_jurisdiction_gets_404(client, world, sf):
    e3_user = make_user("ent_e3", "enterprise", enterprise=world.e3)
    other = submit(world.e3, e3_user, sf, {"production": 1})
    client.force_login(world.users["county"])
    assert client.get(_matches(other)).status_code == 404


def test_the_enterprise_sees_its_gap_the_solution_its_reason_and_the_adopt_form(
    client, world, result, solution
):
    client.force_login(world.users["enterprise"])
    response = client.get(_matches(result))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-dimension="production"' in body
    assert "生产作业 得分 25%，低于 60% 的薄弱线" in body
    assert "该方案覆盖“智能在线检测”" in body
    assert "适用于计算机整机制造" in body
    assert solution.title in body
    assert 'data-testid="adopt-form"' in body
    assert '"threshold": 60.0' in body


def test_an_official_in_scope_sees_the_matches_without_the_adopt_form(
    client, world, result, solution
):
    client.force_login(world.users["city"])
    response = client.get(_matches(result))
    assert response.status_code == 200
    assert solution.title in response.content.decode()
    assert 'data-testid="adopt-form"' not in response.content.decode()


def test_the_result_page_links_to_the_matches(client, world, result):
    client.force_login(world.users["enterprise"])
    body = client.get(reverse("assessments:result", args=[result.pk])).content.decode()
    assert _matches(result) in body


def _adopt(client, result, solution, **overrides):
    data = {
        "baseline": result.pk,
        "entry": solution.pk,
        "provider": solution.provider_id,
        "dimensions": ["production"],
        "adopted_on": timezone.localdate().isoformat(),
        "note": "上线视觉检测",
    }
    return client.post(reverse("catalog:adopt"), data | overrides)


def test_adopting_records_the_adoption_and_shows_it_awaiting(client, world, result, solution):
    client.force_login(world.users["enterprise"])
    response = _adopt(client, result, solution)
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:adoptions")
    adoption = Adoption.objects.get()
    assert (adoption.entry, adoption.provider, adoption.dimensions) == (
        solution, solution.provider, ["production"],
    )  # fmt: skip
    body = client.get(reverse("catalog:adoptions")).content.decode()
    assert 'data-testid="awaiting"' in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dimensions": ["nope"]}, "请选择评估结果中的维度"),
        ({"dimensions": []}, "请选择评估结果中的维度"),
        ({"adopted_on": "2020-01-01"}, "采用日期不能早于"),
        ({"adopted_on": "not a date"}, "请输入有效日期"),
        ({"entry": "999999"}, "所选方案不存在或未发布"),
        ({"provider": "abc"}, "请求无效"),
        ({"entry": str(2**70)}, "请求无效"),
    ],
)
def test_invalid_adoptions_write_nothing_and_go_back_to_the_matches(
    client, world, result, solution, overrides, message
):
    client.force_login(world.users["enterprise"])
    response = _adopt(client, result, solution, **overrides)
    assert response.status_code == 302
    assert response["Location"] == _matches(result)
    assert Adoption.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert message in page


@pytest.mark.parametrize("baseline", ["", "x", "0", str(2**70)])
def test_a_bad_baseline_is_refused_without_error(client, world, result, solution, baseline):
    client.force_login(world.users["enterprise"])
    response = _adopt(client, result, solution, baseline=baseline)
    assert response["Location"] == reverse("catalog:adoptions")
    assert Adoption.objects.count() == 0


def test_adopting_on_another_enterprises_result_is_refused(client, world, sf, solution):
    e2_user = make_user("ent_e2", "enterprise", enterprise=world.e2)
    other = submit(world.e2, e2_user, sf, {"production": 1})
    client.force_login(world.users["enterprise"])
    response = _adopt(client, other, solution)
    assert response["Location"] == reverse("catalog:adoptions")
    assert Adoption.objects.count() == 0


def test_the_adoptions_page_shows_the_change_on_the_targeted_dimension(
    client, world, sf, result, solution, django_assert_max_num_queries
):
    client.force_login(world.users["enterprise"])
    _adopt(client, result, solution)
    submit(world.e1, world.users["enterprise"], sf, {"production": 3})
    with django_assert_max_num_queries(10):
        body = client.get(reverse("catalog:adoptions")).content.decode()
    assert 'data-testid="follow-up"' in body
    assert "25% → 75%" in body
    assert "+50.0" in body
    assert "delta-up" in body


def test_withdrawing_marks_the_adoption_and_is_audited(client, world, result, solution):
    client.force_login(world.users["enterprise"])
    _adopt(client, result, solution)
    adoption = Adoption.objects.get()
    response = client.post(reverse("catalog:adoption-withdraw", args=[adoption.pk]))
    assert response.status_code == 302
    adoption.refresh_from_db()
    assert adoption.withdrawn
    assert AuditEvent.objects.filter(action="adoption.withdraw").exists()


def test_another_enterprises_adoption_cannot_be_withdrawn(client, world, result, solution):
    client.force_login(world.users["enterprise"])
    _adopt(client, result, solution)
    adoption = Adoption.objects.get()
    outsider = make_user("ent_e2", "enterprise", enterprise=world.e2)
    client.force_login(outsider)
    assert client.post(reverse("catalog:adoption-withdraw", args=[adoption.pk])).status_code == 404
    adoption.refresh_from_db()
    assert not adoption.withdrawn


def test_effects_partials_say_sample_too_small_under_five_enterprises(world, result, solution):
    Adoption.objects.create(
        enterprise=world.e1, entry=solution, provider=solution.provider, baseline=result,
        dimensions=["production"], adopted_on=dt.date.today(), created_by=world.users["enterprise"],
    )  # fmt: skip
    template = Template(
        "{% load catalog_effects %}{% entry_effects entry %}{% provider_effects provider %}"
    )
    html = template.render(Context({"entry": solution, "provider": solution.provider}))
    assert html.count("样本不足") == 2
    assert 'data-testid="entry-effects"' in html
    assert 'data-testid="provider-effects"' in html


def test_the_api_returns_the_matches_with_reasons(client, world, result, solution):
    client.force_login(world.users["enterprise"])
    url = reverse("api:catalog-matches", kwargs={"assessment_id": result.pk})
    data = client.get(url).json()
    assert data["top"][0]["entry_id"] == solution.pk
    assert "生产作业 得分 25%" in data["top"][0]["reason"]
    assert data["groups"][0]["dimension"]["code"] == "production"
    names = [c["name"] for c in data["top"][0]["components"]]
    assert names == ["need", "industry", "region", "experience", "similarity", "bonus"]


def test_the_api_refuses_providers_and_hides_other_jurisdictions(client, world, sf, result):
    url = reverse("api:catalog-matches", kwargs={"assessment_id": result.pk})
    client.force_login(world.users["provider"])
    assert client.get(url).status_code == 403
    e3_user = make_user("ent_e3", "enterprise", enterprise=world.e3)
    other = submit(world.e3, e3_user, sf, {"production": 1})
    client.force_login(world.users["county"])
    other_url = reverse("api:catalog-matches", kwargs={"assessment_id": other.pk})
    assert client.get(other_url).status_code == 404
