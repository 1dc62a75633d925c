"""The whole loop in a real browser (Debian's chromium driven by Playwright, live server):
an enterprise finishes its self-assessment draft, submits it, reads its result and applies for
recognition; then the county, the city, the province, an expert and the province again take the
application to public notice and recognition, each through the pages.

The enterprise's other results (CMMM, SF-JS) and most of the GEN-JS answers are written before
the browser starts, as a colleague would have; the one thing not done through the pages is the
passing of the notice period (the dates are moved into the past, as the demo data does).
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments.models import Assessment
from assessments.services import assessment_score, evidence_add
from assessments.tests.factories import make_draft
from assessments.tests.published import publish
from conftest import World
from recognition.models import Application
from recognition.tests.factories import make_result
from tests.test_browser import _login, expect, page  # noqa: F401 — `page` is a fixture
from tests.test_browser import pytestmark as browser_marks

pytestmark = browser_marks

PHONE = "13912345678"
QUESTION = "factory.retrofit_plan"


def _pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _prepare(world: World) -> Assessment:
    """E1 holds CMMM L3 and SF-JS ADVANCED results and a GEN-JS draft answered strongly by a
    colleague, with evidence for most strong claims; the draft leaves QUESTION unanswered."""
    publish("GEN-JS", "SF-JS", "CMMM")
    make_result(enterprise=world.e1, code="CMMM", total=3.2, level="L3")
    make_result(enterprise=world.e1, code="SF-JS", total=70.0, level="ADVANCED")
    user = world.users["enterprise"]
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=user, quality=0.92, seed=4)
    strong = [
        code
        for code, trace in assessment_score(draft).questions.items()
        if trace.status == "answered" and (trace.fraction or 0) >= 0.75 and trace.weight > 0
    ]
    answers = dict(draft.answers)
    answers.pop(QUESTION, None)
    Assessment.objects.filter(pk=draft.pk).update(answers=answers)
    draft.refresh_from_db()
    random.Random(1).shuffle(strong)
    for code in strong[: int(len(strong) * 0.7)]:
        name = f"{code}.pdf"
        upload = SimpleUploadedFile(name, _pdf(), "application/pdf")
        evidence_add(assessment=draft, question=code, file=upload, original_name=name, by=user)
    draft.refresh_from_db()
    return draft


def _act(browser, action: str, **fields: str) -> None:
    form = browser.locator(f"form[data-action={action}]")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    browser.wait_for_load_state()


def _as(browser, username: str) -> None:
    browser.context.clear_cookies()
    _login(browser, username)


def _open_from_queue(browser, enterprise_name: str) -> None:
    browser.goto("/recognition/queue/")
    browser.get_by_role("link", name=enterprise_name).first.click()
    browser.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_an_enterprise_goes_from_draft_to_recognition_through_the_pages(
    page,  # noqa: F811
    world: World,
    settings,
    tmp_path,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    draft = _prepare(world)
    page.on("dialog", lambda dialog: dialog.accept())

    # The enterprise answers the last question, attaches evidence and submits.
    _login(page, "ent_e1")
    page.goto("/assessments/")
    expect(page.locator("[data-testid=assessment-table]")).to_contain_text("GEN-JS")
    page.goto(f"/assessments/{draft.pk}/edit/?section=factory")
    question = page.locator(f'[data-question="{QUESTION}"]')
    question.locator("input[type=radio], input[type=checkbox]").first.check()
    expect(page.locator("[data-testid=save-status]")).to_contain_text("已自动保存")
    evidence = page.locator(f'[id="evidence-{QUESTION}"]')
    evidence.locator("input[type=file]").set_input_files(
        {"name": "改造规划.pdf", "mimeType": "application/pdf", "buffer": _pdf()}
    )
    evidence.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator(f'[id="evidence-{QUESTION}"]')).to_contain_text("改造规划.pdf")
    page.locator("[data-testid=submit]").click()
    page.wait_for_url(f"**/assessments/{draft.pk}/result/")
    expect(page.locator("[data-testid=level]")).to_contain_text("达标")
    draft.refresh_from_db()
    assert draft.is_submitted
    assert (draft.total or 0) >= 60

    # It checks eligibility, creates the application, fills it in and submits it.
    page.goto("/recognition/new/")
    page.select_option("select[name=type]", "advanced_factory")
    page.get_by_role("button", name="核验申报条件").click()
    page.wait_for_load_state()
    page.locator("[data-testid=create]").click()
    page.wait_for_load_state()
    application = Application.objects.get(enterprise=world.e1)
    page.goto(f"/recognition/{application.pk}/edit/")
    page.fill("[name=summary]", "建成数字化车间与 MES，关键工序数控化率 90%。")
    page.fill("[name=contact_name]", "王工")
    page.fill("[name=contact_phone]", PHONE)
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    _act(page, "submit")
    expect(page.locator("[data-testid=status]")).to_have_text("区县审核")

    # County → city → province.
    _as(page, "county_x")
    _open_from_queue(page, world.e1.name)
    _act(page, "county_approve", reason="材料齐全，同意上报。")
    expect(page.locator("[data-testid=status]")).to_have_text("设区市推荐")
    _as(page, "city_p")
    _open_from_queue(page, world.e1.name)
    _act(page, "city_recommend")
    expect(page.locator("[data-testid=status]")).to_have_text("省级受理")
    _as(page, "province")
    _open_from_queue(page, world.e1.name)
    page.locator("form[data-action=assign_experts] select[name=experts]").select_option(
        label="expert"
    )
    _act(page, "assign_experts")
    expect(page.locator("[data-testid=status]")).to_have_text("专家评审")

    # The expert scores it without seeing the contact data.
    _as(page, "expert")
    page.goto("/recognition/expert/")
    page.get_by_role("link", name=world.e1.name).first.click()
    page.wait_for_load_state()
    assert PHONE not in page.content()
    sheet = page.locator("[data-testid=score-sheet]")
    for field in sheet.locator("input[name^=score_]").all():
        field.fill(str(int(0.8 * float(field.get_attribute("max") or 10))))  # 80 of 100
    sheet.get_by_role("button", name="提交评分").click()
    expect(page.locator("[data-testid=sheet-total]")).to_be_visible()

    # The province approves: public notice, visible to anyone, without the phone number.
    _as(page, "province")
    page.goto(f"/recognition/{application.pk}/")
    expect(page.locator("[data-testid=status]")).to_have_text("待认定")
    _act(page, "approve")
    expect(page.locator("[data-testid=status]")).to_have_text("公示中")
    page.context.clear_cookies()
    page.goto("/recognition/notices/")
    expect(page.locator("main")).to_contain_text(world.e1.name)
    assert PHONE not in page.content()

    # The notice period passes; the province recognises it and the certificate number shows.
    start = timezone.localdate() - timedelta(days=10)
    Application.objects.filter(pk=application.pk).update(
        notice_start=start, notice_end=start + timedelta(days=6)
    )
    _login(page, "province")
    page.goto(f"/recognition/{application.pk}/")
    _act(page, "recognise")
    expect(page.locator("[data-testid=status]")).to_have_text("已认定")
    expect(page.locator("[data-testid=certificate-no]")).to_contain_text("苏智能工厂")
    application.refresh_from_db()
    assert application.status == Application.Status.RECOGNISED
    assert list(application.transitions.values_list("action", flat=True)) == [
        "submit",
        "county_approve",
        "city_recommend",
        "assign_experts",
        "expert_submit",
        "approve",
        "recognise",
    ]
    assert page.csp_errors == []
