"""Recognition pages: new application with eligibility, the application page and its steps, the
queue and its export, the experts' pages (no contact data), public notices, the certificate."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pytest_django import DjangoAssertNumQueries

from audit.models import AuditEvent
from conftest import World
from recognition.models import Application, ExpertAssignment
from recognition.services import application_transition
from recognition.tests.factories import (
    CONTACT,
    make_application,
    make_eligible_results,
    make_result,
)

S = Application.Status
YEAR = timezone.localdate().year
SCORES = {
    "score_maturity": "16",
    "score_infrastructure": "12",
    "score_technology": "15",
    "score_demonstration": "11",
    "score_benefits": "15",
    "score_plan": "8",
    "opinion": "pass",
    "comment": "示范性较强",
}


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _app(world: World, status: str = S.COUNTY_REVIEW, **kw: Any) -> Application:
    return make_application(enterprise=world.e1, by=world.users["enterprise"], status=status, **kw)


@pytest.mark.parametrize(
    "name", ["recognition:mine", "recognition:new", "recognition:queue", "recognition:expert-list"]
)
def test_anonymous_visitors_are_sent_to_log_in(world: World, name: str) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- the applicant -------------------------------------------------------------------------------


def test_the_new_page_shows_the_eligibility_reasons_before_anything_is_created(
    world: World,
) -> None:
    make_result(enterprise=world.e1, code="GEN-JS", total=58.0)
    response = _client(world, "enterprise").get(
        reverse("recognition:new"), {"type": "advanced_factory", "year": str(YEAR)}
    )
    html = response.content.decode()
    assert 'data-testid="not-eligible"' in html
    assert "数字化转型通用能力自评 58.0 分，低于 60 分" in html
    assert 'class="check fail" data-rule="gen_js_score"' in html
    assert "未核实" in html  # the flags rule is a platform rule
    assert not Application.objects.exists()


def test_creating_an_application_goes_to_its_page(world: World) -> None:
    make_eligible_results(world.e1)
    response = _client(world, "enterprise").post(
        reverse("recognition:new"), {"type": "advanced_factory", "year": YEAR}
    )
    app = Application.objects.get()
    assert response["Location"] == reverse("recognition:detail", args=[app.pk])
    assert (app.enterprise, app.status, app.eligibility["eligible"]) == (world.e1, S.DRAFT, True)


def test_the_enterprise_lists_its_applications(world: World) -> None:
    app = _app(world, S.DRAFT)
    response = _client(world, "enterprise").get(reverse("recognition:mine"))
    assert reverse("recognition:detail", args=[app.pk]) in response.content.decode()
    assert "省先进级智能工厂" in response.content.decode()


def test_the_enterprise_edits_and_submits_its_draft(world: World) -> None:
    make_eligible_results(world.e1)
    app = _app(world, S.DRAFT)
    client = _client(world, "enterprise")
    edit = {"summary": "新的概况", "achievements": "", "investment_10k_yuan": "300",
            "contact_name": "李", "contact_phone": "025-1", "contact_email": "",
            "revision": app.revision}  # fmt: skip
    response = client.post(reverse("recognition:edit", args=[app.pk]), edit)
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.summary == "新的概况"
    detail = client.get(reverse("recognition:detail", args=[app.pk])).content.decode()
    assert 'data-testid="eligible"' in detail
    assert f'name="revision" value="{app.revision}"' in detail
    client.post(
        reverse("recognition:act", args=[app.pk]), {"action": "submit", "revision": app.revision}
    )
    app.refresh_from_db()
    assert app.status == S.COUNTY_REVIEW


def test_the_application_page_shows_the_return_reason_and_the_diff(world: World) -> None:
    make_eligible_results(world.e1)
    app = _app(world, S.COUNTY_REVIEW, summary="第一版")
    app = application_transition(
        application=app, action="county_return", by=world.users["county"],
        revision=app.revision, reason="请补充成效数据",
    )  # fmt: skip
    Application.objects.filter(pk=app.pk).update(summary="第二版")
    app.refresh_from_db()
    application_transition(
        application=app, action="submit", by=world.users["enterprise"], revision=app.revision
    )
    html = _client(world, "county").get(reverse("recognition:detail", args=[app.pk])).content
    text = html.decode()
    assert "请补充成效数据" in text
    assert "<del>第一版</del> → <ins>第二版</ins>" in text


# --- reviewers -----------------------------------------------------------------------------------


def test_reviewers_see_the_plausibility_flags_and_the_enterprise_does_not(world: World) -> None:
    flag = {"code": "jump", "severity": "medium", "message": "总分较 2025 年提高 30.0 分"}
    result = make_result(enterprise=world.e1, code="GEN-JS", flags=[flag], risk_score=2)
    app = _app(world, results=[result])
    url = reverse("recognition:detail", args=[app.pk])
    assert "总分较 2025 年提高 30.0 分" in _client(world, "county").get(url).content.decode()
    assert (
        "总分较 2025 年提高 30.0 分" not in _client(world, "enterprise").get(url).content.decode()
    )


def test_the_county_approves_from_the_application_page(world: World) -> None:
    app = _app(world)
    response = _client(world, "county").post(
        reverse("recognition:act", args=[app.pk]),
        {"action": "county_approve", "revision": app.revision, "reason": "同意"},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.CITY_REVIEW
    assert app.transitions.get().reason == "同意"


def test_a_stale_page_shows_the_conflict_and_changes_nothing(world: World) -> None:
    app = _app(world)
    client = _client(world, "county")
    url = reverse("recognition:act", args=[app.pk])
    client.post(url, {"action": "county_approve", "revision": app.revision})
    response = client.post(
        url, {"action": "county_return", "revision": app.revision, "reason": "退"}, follow=True
    )
    assert "该申报已被他人处理，请刷新" in response.content.decode()
    assert Application.objects.get(pk=app.pk).status == S.CITY_REVIEW


def test_the_province_assigns_experts_from_the_application_page(world: World) -> None:
    app = _app(world, S.PROVINCE_REVIEW)
    _client(world, "province").post(
        reverse("recognition:act", args=[app.pk]),
        {"action": "assign_experts", "revision": app.revision,
         "experts": [world.users["expert"].pk]},
    )  # fmt: skip
    app.refresh_from_db()
    assert app.status == S.EXPERT_REVIEW
    assert ExpertAssignment.objects.get().expert == world.users["expert"]


def test_the_province_sees_the_expert_sheets(world: World) -> None:
    app = _app(world, S.EXPERT_REVIEW)
    app.expert_assignments.create(expert=world.users["expert"], assigned_by=world.users["province"])
    _client(world, "expert").post(reverse("recognition:expert-sheet", args=[app.pk]), SCORES)
    html = _client(world, "province").get(reverse("recognition:detail", args=[app.pk]))
    assert "示范性较强" in html.content.decode()
    assert 'data-testid="expert-sheets"' in html.content.decode()


# --- experts -------------------------------------------------------------------------------------


@pytest.fixture
def assigned(world: World) -> Application:
    result = make_result(enterprise=world.e1, code="GEN-JS", total=81.5)
    app = _app(world, S.EXPERT_REVIEW, results=[result])
    app.expert_assignments.create(expert=world.users["expert"], assigned_by=world.users["province"])
    return app


@pytest.mark.parametrize("page", ["recognition:expert-list", "recognition:expert-sheet"])
def test_expert_pages_never_show_contact_data(
    world: World, assigned: Application, page: str
) -> None:
    args = [assigned.pk] if page.endswith("sheet") else []
    html = _client(world, "expert").get(reverse(page, args=args)).content.decode()
    assert world.e1.name in html
    assert CONTACT["contact_phone"] not in html
    assert CONTACT["contact_email"] not in html
    assert CONTACT["contact_name"] not in html


def test_the_expert_sheet_page_shows_the_application_and_the_results(
    world: World, assigned: Application
) -> None:
    html = _client(world, "expert").get(reverse("recognition:expert-sheet", args=[assigned.pk]))
    text = html.content.decode()
    assert "建设 MES 与数字孪生产线。" in text
    assert "81.5" in text
    assert 'data-testid="score-sheet"' in text


def test_the_expert_submits_the_sheet(world: World, assigned: Application) -> None:
    client = _client(world, "expert")
    response = client.post(reverse("recognition:expert-sheet", args=[assigned.pk]), SCORES)
    assert response.status_code == 302
    sheet = ExpertAssignment.objects.get()
    assert (sheet.total, sheet.opinion) == (77.0, "pass")
    assigned.refresh_from_db()
    assert assigned.status == S.DECISION
    after = client.get(reverse("recognition:expert-sheet", args=[assigned.pk])).content.decode()
    assert 'data-testid="sheet-total">77.0<' in after


def test_an_out_of_range_score_is_shown_on_the_form(world: World, assigned: Application) -> None:
    response = _client(world, "expert").post(
        reverse("recognition:expert-sheet", args=[assigned.pk]), {**SCORES, "score_plan": "30"}
    )
    assert response.status_code == 200
    assert ExpertAssignment.objects.get().submitted_at is None


def test_experts_cannot_open_the_application_page(world: World, assigned: Application) -> None:
    response = _client(world, "expert").get(reverse("recognition:detail", args=[assigned.pk]))
    assert response.status_code == 403


# --- queue and export ----------------------------------------------------------------------------


def test_the_queue_shows_counts_deadlines_and_overdue_in_red(world: World) -> None:
    late = timezone.localdate() - dt.timedelta(days=2)
    app = _app(world, step_due=late)
    html = _client(world, "county").get(reverse("recognition:queue")).content.decode()
    assert f'data-pk="{app.pk}" class="is-overdue"' in html
    assert 'data-testid="overdue-count">1<' in html
    assert '<span class="overdue">' in html


def test_the_queue_answers_htmx_with_the_results_only(world: World) -> None:
    _app(world)
    response = _client(world, "county").get(
        reverse("recognition:queue"), {"type": "advanced_factory"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'id="results"' in html
    assert "<html" not in html


@pytest.mark.parametrize("count", [1, 3])
def test_the_queue_page_queries_do_not_grow_with_rows(
    world: World, django_assert_num_queries: DjangoAssertNumQueries, count: int
) -> None:
    types = ["advanced_factory", "zero_carbon", "smart_workshop"][:count]
    assert len([_app(world, S.PROVINCE_REVIEW, type=code) for code in types]) == count
    client = _client(world, "province")
    with django_assert_num_queries(12):
        client.get(reverse("recognition:queue"))


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    body = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


def test_the_export_holds_the_filtered_queue_with_formulas_escaped(world: World) -> None:
    world.e1.name = "=HYPERLINK(1)公司"
    world.e1.save()
    result = make_result(enterprise=world.e1, code="GEN-JS", total=72.0, risk_score=3)
    app = _app(world, results=[result])
    response = _client(world, "county").get(reverse("recognition:queue-export"))
    rows = _sheet(response)
    assert rows[0][:3] == ("申报编号", "企业名称", "统一社会信用代码")
    assert rows[1][0] == app.pk
    assert rows[1][1] == "'=HYPERLINK(1)公司"
    assert rows[1][12] == "GEN-JS 72.0 分 —"
    assert rows[1][14] == 3
    assert len(rows) == 2
    assert CONTACT["contact_phone"] not in str(rows)
    event = AuditEvent.objects.get(action="application.export")
    assert event.after["count"] == 1


def test_the_export_holds_only_the_officials_jurisdiction(world: World) -> None:
    _app(world)
    make_application(enterprise=world.e2, by=world.users["enterprise"], status=S.COUNTY_REVIEW)
    rows = _sheet(_client(world, "county").get(reverse("recognition:queue-export")))
    assert [row[1] for row in rows[1:]] == [world.e1.name]


# --- sample, notices, certificate ----------------------------------------------------------------


def test_the_province_draws_the_site_check_sample(world: World) -> None:
    result = make_result(enterprise=world.e1, code="GEN-JS", risk_score=6)
    app = _app(world, S.PROVINCE_REVIEW, results=[result])
    response = _client(world, "province").post(
        reverse("recognition:site-check-sample"), {"year": YEAR, "share": "0.2", "seed": "5"}
    )
    assert 'data-testid="sample"' in response.content.decode()
    app.refresh_from_db()
    assert app.site_check_required


def test_the_public_notice_page_is_public_and_shows_no_contact_data(world: World) -> None:
    today = timezone.localdate()
    _app(world, S.PUBLIC_NOTICE, notice_start=today, notice_end=today + dt.timedelta(days=6))
    response = Client().get(reverse("recognition:notices"))
    html = response.content.decode()
    assert response.status_code == 200
    assert world.e1.name in html
    assert "省先进级智能工厂" in html
    assert CONTACT["contact_phone"] not in html
    assert CONTACT["contact_email"] not in html
    assert CONTACT["contact_name"] not in html


def test_the_certificate_page_shows_the_number(world: World) -> None:
    app = _app(
        world, S.RECOGNISED, certificate_no="苏智能工厂〔2026〕0001号", certificate_year=2026
    )
    html = _client(world, "enterprise").get(reverse("recognition:certificate", args=[app.pk]))
    assert "苏智能工厂〔2026〕0001号" in html.content.decode()


def test_there_is_no_certificate_before_recognition(world: World) -> None:
    app = _app(world, S.PUBLIC_NOTICE)
    response = _client(world, "enterprise").get(reverse("recognition:certificate", args=[app.pk]))
    assert response.status_code == 404
