"""Result pages (assessments/result_views.py): the result, the explanation trail and the report
downloads of a submitted assessment."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from assessments.benchmarks import benchmarks_compute
from assessments.models import Assessment
from assessments.results import trail_page
from assessments.services import (
    assessment_save,
    assessment_submit,
    diagnosis_start,
    provider_assign,
)
from assessments.tests.factories import make_draft, make_submitted
from assessments.tests.published import publish
from audit.models import AuditEvent
from conftest import World, make_enterprise
from frameworks.selectors import framework_version_get_published
from registry.models import Enterprise

ROUTES = ["assessments:result", "assessments:trail"]


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _result(world: World, enterprise: Enterprise | None = None, **kw: Any) -> Assessment:
    return make_submitted(
        enterprise=enterprise or world.e1, code="GEN-JS", by=world.users["enterprise"], **kw
    )


def _url(assessment: Assessment, route: str = "assessments:result") -> str:
    return reverse(route, kwargs={"pk": assessment.pk})


def _report_url(assessment: Assessment, fmt: str) -> str:
    return reverse("assessments:report", kwargs={"pk": assessment.pk, "format": fmt})


def _peers(world: World, count: int) -> None:
    """`count` more enterprises in E1's county with a GEN-JS result, then the benchmarks."""
    for i in range(count):
        enterprise = make_enterprise(county=world.x, name=f"同行企业{i}", seq=200 + i)
        _result(world, enterprise, quality=0.3 + 0.1 * i, seed=i)
    version = framework_version_get_published(code="GEN-JS")
    benchmarks_compute(version_id=version.pk)


def _chart(response: Any, element_id: str) -> Any:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>',
                      response.text, re.S)  # fmt: skip
    assert found is not None, element_id
    return json.loads(found.group(1))


@pytest.fixture
def gen_js(world: World) -> None:
    publish("GEN-JS")


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_users_are_sent_to_log_in(world: World, gen_js: None, route: str) -> None:
    response = Client().get(_url(_result(world), route))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_anonymous_report_download_is_sent_to_log_in(world: World, gen_js: None) -> None:
    response = Client().get(_report_url(_result(world), "pdf"))

    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="assessment.export").exists()


@pytest.mark.parametrize(
    ("role", "key"),
    [("county", "e2"), ("city", "e3"), ("enterprise", "e2"), ("provider", "e1")],
)
@pytest.mark.parametrize("route", ROUTES)
def test_results_out_of_scope_answer_404(
    world: World, gen_js: None, role: str, key: str, route: str
) -> None:
    result = _result(world, getattr(world, key))

    response = _client(world, role).get(_url(result, route))

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["expert", "admin"])
def test_experts_and_platform_admins_may_not_open_result_pages(
    world: World, gen_js: None, role: str
) -> None:
    response = _client(world, role).get(_url(_result(world)))

    assert response.status_code == 403


def test_a_draft_has_no_result_page(world: World, gen_js: None) -> None:
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])

    response = _client(world, "enterprise").get(_url(draft))

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["province", "city", "county", "enterprise"])
def test_the_result_page_shows_the_header_total_and_level(
    world: World, gen_js: None, role: str
) -> None:
    result = _result(world, quality=0.7)

    response = _client(world, role).get(_url(result))

    assert response.status_code == 200
    page = response.text
    assert world.e1.name in page
    assert "GEN-JS@2025" in page
    assert f"{result.total:.2f}".rstrip("0").rstrip(".") in page
    assert result.level_name in page
    assert "ent_e1" in page  # submitted by
    assert 'data-testid="model-unverified"' in page  # GEN-JS is not checked against the text
    assert "暂行" in page  # and it is provisional


def test_the_result_page_shows_rules_per_level_and_the_gap_to_the_next(
    world: World, gen_js: None
) -> None:
    result = _result(world, quality=0.25)
    assert result.level == ""
    rule = result.result["levels"][0]["rules"][0]
    first_item = result.result["gap"]["items"][0]

    response = _client(world, "enterprise").get(_url(result))

    page = response.text
    assert result.result["level_name"]["zh"] in page
    assert f'data-rule="{rule["id"]}" data-status="fail"' in page
    assert rule["text"]["zh"] in page
    assert rule["detail"] in page
    assert 'data-testid="gap"' in page
    assert first_item["title"]["zh"] in page
    assert f"+{first_item['gain']:.2f}".rstrip("0").rstrip(".") in page


def test_a_pending_prerequisite_is_marked_and_explained(world: World) -> None:
    publish("CMMM", "SF-JS")
    result = make_submitted(enterprise=world.e1, code="SF-JS", by=world.users["enterprise"])
    assert result.result["pending"]

    response = _client(world, "enterprise").get(_url(result))

    page = response.text
    assert 'data-rule="basic_cmmm_l2" data-status="pending"' in page
    assert 'data-testid="pending"' in page
    assert "basic" not in _chart(response, "chart-dimensions")["categories"]  # unscored section


def test_the_result_page_gives_the_models_advice_for_weak_dimensions(
    world: World, gen_js: None
) -> None:
    result = _result(world, quality=0.25)
    definition = result.framework_version.definition
    advice = {node["code"]: node["advice"]["zh"] for node in definition["nodes"]}
    weak = [
        code
        for code, node in result.result["nodes"].items()
        if code in advice and node["fraction"] is not None and node["fraction"] < 0.6
    ]
    assert weak

    response = _client(world, "enterprise").get(_url(result))

    page = response.text
    assert 'data-testid="advice"' in page
    assert advice[weak[0]] in page
    assert page.count(advice[weak[0]]) == 1  # gap items link to it instead of repeating it


def test_the_dimension_chart_data_and_table_hold_each_dimensions_percent(
    world: World, gen_js: None
) -> None:
    result = _result(world, quality=0.6)
    nodes = result.result["nodes"]

    response = _client(world, "enterprise").get(_url(result))

    chart = _chart(response, "chart-dimensions")
    assert chart["categories"] == [nodes[code]["title"]["zh"] for code in result.dimension_scores]
    assert chart["series"][0]["data"] == [
        round(100 * nodes[code]["fraction"], 2) for code in result.dimension_scores
    ]
    assert chart["peers"] == []
    assert 'data-testid="dimensions"' in response.text
    assert 'data-chart="radar"' in response.text


def test_benchmark_groups_under_five_enterprises_are_hidden_with_the_reason(
    world: World, gen_js: None
) -> None:
    result = _result(world, quality=0.6)
    _peers(world, 3)

    response = _client(world, "enterprise").get(_url(result))

    page = response.text
    assert 'data-testid="benchmark-groups"' not in page
    assert 'data-testid="benchmark-hidden"' in page
    assert "少于 5 家" in page
    assert response.context["page"].benchmark["hidden"] == 3


def test_benchmark_groups_of_five_enterprises_show_percentile_and_median(
    world: World, gen_js: None
) -> None:
    result = _result(world, quality=0.6)
    _peers(world, 4)

    response = _client(world, "county").get(_url(result))

    page = response.text
    assert 'data-testid="benchmark-groups"' in page
    assert "同区县 · 玄武区" in page
    groups = response.context["page"].benchmark["groups"]
    assert [g["size"] for g in groups] == [5, 5, 5]
    chart = _chart(response, "chart-dimensions")
    assert chart["peers"][0]["name"].startswith("同区县 · 玄武区")
    assert len(chart["peers"][0]["data"]) == len(chart["categories"])
    assert 'id="peer-group"' in page


def test_officials_see_plausibility_flags_with_severity_and_risk_score(
    world: World, gen_js: None
) -> None:
    result = _result(world, quality=0.95)
    assert result.flags

    response = _client(world, "county").get(_url(result))

    page = response.text
    assert "合理性提示" in page
    assert "风险分" in page
    assert f'data-flag="{result.flags[0]["code"]}"' in page
    assert "severity-high" in page


def test_the_enterprise_sees_its_flags_as_notes_without_severity(
    world: World, gen_js: None
) -> None:
    result = _result(world, quality=0.95)

    response = _client(world, "enterprise").get(_url(result))

    page = response.text
    assert "填报提示" in page
    assert result.flags[0]["message"] in page
    assert "风险分" not in page
    assert "severity-" not in page


def test_the_first_result_has_no_change_or_history(world: World, gen_js: None) -> None:
    response = _client(world, "enterprise").get(_url(_result(world)))

    assert 'data-testid="change"' not in response.text
    assert 'data-testid="history"' not in response.text


def test_a_reassessment_shows_the_change_per_dimension_and_the_history(
    world: World, gen_js: None
) -> None:
    first = _result(world, quality=0.3, seed=1)
    second = _result(world, quality=0.8, seed=2)

    response = _client(world, "enterprise").get(_url(second))

    page = response.text
    assert 'data-testid="change-table"' in page
    change = _chart(response, "chart-change")
    code = next(iter(second.dimension_scores))
    expected = second.dimension_scores[code] - first.dimension_scores[code]
    assert change["series"][0]["data"][0] == round(expected, 2)
    assert 'data-testid="history-table"' in page
    assert _url(first) in page
    history = _chart(response, "chart-history")
    assert history["series"][0]["data"] == [round(a.total or 0, 2) for a in (first, second)]


def test_an_earlier_result_compares_with_nothing_after_it(world: World, gen_js: None) -> None:
    first = _result(world, quality=0.3, seed=1)
    _result(world, quality=0.8, seed=2)

    response = _client(world, "enterprise").get(_url(first))

    assert 'data-testid="change"' not in response.text
    assert 'data-testid="history-table"' in response.text


def _diagnosis(world: World) -> Assessment:
    """A submitted GEN-JS diagnosis of E1 by the world's provider."""
    provider = world.users["provider"]
    version = framework_version_get_published(code="GEN-JS")
    assignment = provider_assign(
        enterprise=world.e1, provider=provider, version=version, by=world.users["city"]
    )
    draft = diagnosis_start(assignment=assignment, by=provider)
    answers = Assessment.objects.get(pk=_result(world, world.e2, quality=0.7).pk).answers
    saved = assessment_save(
        assessment=draft, changes=answers, revision=draft.revision, by=provider
    ).assessment
    return assessment_submit(assessment=saved, by=provider, revision=saved.revision)


def test_a_provider_sees_its_diagnosis_but_not_the_enterprises_own_results(
    world: World, gen_js: None
) -> None:
    own = _result(world, quality=0.3)
    diagnosis = _diagnosis(world)

    response = _client(world, "provider").get(_url(diagnosis))

    assert response.status_code == 200
    page = response.text
    assert "服务商诊断" in page
    assert 'data-testid="diagnosis-state"' in page
    assert "待企业确认" in page
    assert _url(own) not in page
    assert 'data-testid="change"' not in page
    assert 'data-testid="reassess"' not in page


def test_the_enterprise_can_reassess_from_its_result(world: World, gen_js: None) -> None:
    result = _result(world)

    response = _client(world, "enterprise").get(_url(result))

    page = response.text
    assert f'action="{reverse("assessments:start")}"' in page
    assert f'name="version" value="{result.framework_version_id}"' in page


def test_officials_get_no_reassess_button(world: World, gen_js: None) -> None:
    response = _client(world, "county").get(_url(_result(world)))

    assert 'data-testid="reassess"' not in response.text


def test_the_result_page_loads_scripts_only_from_files_with_the_nonce(
    world: World, gen_js: None
) -> None:
    response = _client(world, "enterprise").get(_url(_result(world)))

    scripts = re.findall(r"<script\b[^>]*>", response.text)
    code = [tag for tag in scripts if 'type="application/json"' not in tag]
    assert code
    assert all('src="' in tag and "nonce=" in tag for tag in code)
    assert not re.search(r"\son[a-z]+=", response.text)
    assert 'style="' not in response.text


def test_the_result_page_never_scores_again(world: World, gen_js: None, monkeypatch) -> None:
    result = _result(world)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the result page scored again")

    monkeypatch.setattr("scoring.maturity.score_assessment", refuse)
    monkeypatch.setattr("assessments.services.maturity.score_assessment", refuse)

    assert _client(world, "enterprise").get(_url(result)).status_code == 200


def _earlier_results(world: World, count: int) -> None:
    for seed in range(count):
        _result(world, quality=0.3, seed=seed)


@pytest.mark.parametrize("earlier", [1, 4])
def test_the_result_page_makes_a_bounded_number_of_queries(
    world: World, gen_js: None, django_assert_max_num_queries, earlier: int
) -> None:
    _earlier_results(world, earlier)
    result = _result(world, quality=0.8, seed=9)
    _peers(world, 4)
    client = _client(world, "enterprise")

    with django_assert_max_num_queries(16):
        response = client.get(_url(result))

    assert len(response.context["page"].history) == earlier + 1


# --- explanation trail ---------------------------------------------------------------------------


def test_the_trail_lists_every_question_of_every_dimension(world: World, gen_js: None) -> None:
    result = _result(world)

    response = _client(world, "county").get(_url(result, "assessments:trail"))

    page = response.text
    assert response.status_code == 200
    assert "<html" in page
    assert all(f'data-testid="trail-{code}"' in page for code in result.dimension_scores)
    assert all(f'id="q-{code}"' in page for code in result.result["questions"])


def test_the_trail_filtered_by_htmx_returns_one_dimension_as_a_fragment(
    world: World, gen_js: None
) -> None:
    result = _result(world)
    code, other = list(result.dimension_scores)[:2]

    response = _client(world, "enterprise").get(
        _url(result, "assessments:trail"), {"dimension": code}, headers={"HX-Request": "true"}
    )

    page = response.text
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="trail"')
    assert f'data-testid="trail-{code}"' in page
    assert f'data-testid="trail-{other}"' not in page


def test_the_trail_contributions_add_up_to_each_dimensions_points_in_model_order(
    world: World, gen_js: None
) -> None:
    result = _result(world)
    stored = Assessment.objects.get(pk=result.pk)  # as the database gives it back

    groups = trail_page(stored).groups

    assert [g.code for g in groups] == list(result.dimension_scores)  # in model order
    assert {g.code: pytest.approx(g.contribution) for g in groups} == result.dimension_scores


def test_the_trail_of_a_level_gated_model_says_which_answers_count(world: World) -> None:
    publish("CMMM")
    result = make_submitted(enterprise=world.e1, code="CMMM", by=world.users["enterprise"])

    response = _client(world, "enterprise").get(_url(result, "assessments:trail"))

    assert response.context["trail"].sequential
    assert "计入" in response.text


def test_the_trail_ignores_an_unknown_dimension(world: World, gen_js: None) -> None:
    result = _result(world)

    response = _client(world, "enterprise").get(
        _url(result, "assessments:trail"), {"dimension": "nope"}
    )

    assert len(response.context["trail"].groups) == len(result.dimension_scores)


# --- report downloads ----------------------------------------------------------------------------


def _is_docx(content: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "word/document.xml" in archive.namelist()


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("pdf", "application/pdf"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_the_report_downloads_as_an_attachment_and_is_audited(
    world: World, gen_js: None, fmt: str, content_type: str
) -> None:
    result = _result(world, quality=0.4)

    response = _client(world, "city").get(_report_url(result, fmt))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "no-store" in response["Cache-Control"].split(", ")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f'filename="assessment-{result.pk}-GEN-JS-{result.year}.{fmt}"' in disposition
    assert "filename*=UTF-8''" + quote(world.e1.name) in disposition
    assert disposition.endswith(f".{fmt}")
    body = response.content
    assert body.startswith(b"%PDF-") if fmt == "pdf" else _is_docx(body)
    event = AuditEvent.objects.get(action="assessment.export")
    assert event.object_id == str(result.pk)
    assert event.actor_username == "city_p"
    assert event.after["format"] == fmt


def test_an_unknown_report_format_answers_404_and_writes_no_audit_row(
    world: World, gen_js: None
) -> None:
    response = _client(world, "enterprise").get(_report_url(_result(world), "xlsx"))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="assessment.export").exists()


def test_an_out_of_scope_report_answers_404_and_writes_no_export_row(
    world: World, gen_js: None
) -> None:
    response = _client(world, "county").get(_report_url(_result(world, world.e2), "pdf"))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="assessment.export").exists()
