"""The reporting pages: report a value with evidence files, the XLSX template and upload (all rows
or none), the reports list and review queue, a report's page with its evidence and history,
approving and returning, and evidence downloads; who may do each."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from assessments.tests import hostile
from audit.models import AuditEvent
from targets import services, uploads
from targets.models import Report, ReportEvidence, Target
from targets.services import EVIDENCE_REQUIRED, NOT_PENDING, REJECT_NEEDS_NOTE, ReportInput

RACKS = "standard_racks"  # task 9: lead 省数据局; 省工业和信息化厅 cooperates
PLATFORMS = "enterprise_platforms"  # task 10: lead 省工业和信息化厅
TRAININGS = "manufacturing_skill_trainings"  # task 19: lead 省人力资源社会保障厅
COMPUTED = "basic_factory_coverage"


NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _media_and_clock(settings, tmp_path, time_machine):
    """Files under tmp_path; today is 2026-11-28 (2026 Q1–Q3 have ended)."""
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(NOW, tick=False)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def report(code: str, region, by: User, *, quarter: int = 2, **kw) -> Report:
    kw.setdefault("evidence_text", "2026年二季度统计快报")
    target = Target.objects.select_related("task").get(code=code)
    item = ReportInput(target=target, region=region, year=2026, quarter=quarter, value=12, **kw)
    return services.report_submit(item=item, by=by)


def with_file(code: str, region, by: User, name: str = "台账.pdf") -> Report:
    target = Target.objects.select_related("task").get(code=code)
    item = ReportInput(target=target, region=region, year=2026, quarter=2, value=12)
    file = SimpleUploadedFile(name, hostile.pdf_bytes())
    return services.report_submit(item=item, files=[(file, name)], by=by)


def form_data(code: str = PLATFORMS, region: str = "32", **kw) -> dict:
    data = {"target": code, "region": region, "year": "2026", "quarter": "2", "value": "35"}
    data.update(kw)
    return data


def stored(root: Path) -> list[Path]:
    folder = root / "evidence"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- who may use the pages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "needs_pk"),
    [
        ("targets:reports", "get", False),
        ("targets:reports", "post", False),
        ("targets:report-template", "get", False),
        ("targets:report-upload", "post", False),
        ("targets:report", "get", True),
        ("targets:report-review", "post", True),
        ("targets:report-evidence", "get", True),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(plan, name, method, needs_pk):
    url = reverse(name, kwargs={"pk": 1} if needs_pk else {})
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["county", "enterprise", "expert", "provider", "admin"])
def test_roles_other_than_province_and_city_are_refused_the_reports_page(plan, people, role):
    response = client_for(people[role]).get(reverse("targets:reports"))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access.denied").exists()


def test_a_city_official_may_not_review(plan, people):
    pending = report(PLATFORMS, plan.p, people["city"])
    response = client_for(people["city"]).post(
        reverse("targets:report-review", kwargs={"pk": pending.pk}), {"action": "approve"}
    )
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == Report.Status.SUBMITTED


@pytest.mark.parametrize("name", ["targets:report", "targets:report-evidence"])
def test_another_citys_report_and_evidence_are_not_found(plan, people, name):
    other = with_file(PLATFORMS, plan.q, people["city_q"])
    pk = other.pk if name == "targets:report" else other.evidence.get().pk
    response = client_for(people["city"]).get(reverse(name, kwargs={"pk": pk}))
    assert response.status_code == 404


def test_an_unknown_report_is_not_found(plan, people):
    response = client_for(people["miit"]).get(reverse("targets:report", kwargs={"pk": 999}))
    assert response.status_code == 404


# --- the reports page --------------------------------------------------------------------------


def test_a_department_official_is_offered_its_tasks_targets_for_the_province(plan, people):
    response = client_for(people["data"]).get(reverse("targets:reports"))

    form = response.context["form"]
    assert response.status_code == 200
    assert RACKS in form.targets  # task 9, lead 省数据局
    assert TRAININGS not in form.targets  # task 19: not a department of it
    assert COMPUTED not in form.targets  # computed by the platform
    assert list(form.regions) == ["32"]


def test_a_city_official_is_offered_its_own_city_only(plan, people):
    response = client_for(people["city"]).get(reverse("targets:reports"))
    form = response.context["form"]
    assert list(form.regions) == ["3201"]
    assert TRAININGS in form.targets


def test_a_province_official_of_no_department_is_told_it_reports_nothing(plan, people):
    response = client_for(people["province"]).get(reverse("targets:reports"))
    assert response.status_code == 200
    assert 'data-testid="may-not-report"' in response.text


def test_the_list_shows_a_city_its_own_reports_only(plan, people):
    own = report(PLATFORMS, plan.p, people["city"])
    other = report(PLATFORMS, plan.q, people["city_q"])

    response = client_for(people["city"]).get(reverse("targets:reports"))

    shown = [r.pk for r in response.context["page"]]
    assert shown == [own.pk]
    assert f'data-pk="{other.pk}"' not in response.text


def test_the_list_filters_by_status(plan, people):
    pending = report(PLATFORMS, plan.province, people["miit"])
    approved = report(RACKS, plan.province, people["data"])
    services.report_approve(report=approved, by=people["miit"])

    response = client_for(people["miit_2"]).get(reverse("targets:reports") + "?status=approved")

    assert [r.pk for r in response.context["page"]] == [approved.pk]
    assert pending.pk not in [r.pk for r in response.context["page"]]


def test_a_bad_status_filter_or_page_is_ignored(plan, people):
    report(PLATFORMS, plan.province, people["miit"])
    response = client_for(people["miit"]).get(reverse("targets:reports") + "?status=x&page=zz")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


def test_the_list_needs_the_same_queries_for_more_reports(plan, people):
    client = client_for(people["miit_2"])
    report(PLATFORMS, plan.province, people["miit"], quarter=1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("targets:reports"))
    for quarter in (2, 3):
        report(PLATFORMS, plan.province, people["miit"], quarter=quarter)
        report(PLATFORMS, plan.p, people["city"], quarter=quarter)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("targets:reports"))
    assert len(many.captured_queries) == len(few.captured_queries)


# --- reporting with the form -------------------------------------------------------------------


def test_a_report_with_two_files_and_a_description_is_submitted(plan, people, tmp_path):
    files = [
        SimpleUploadedFile("名单.pdf", hostile.pdf_bytes(), content_type="application/pdf"),
        SimpleUploadedFile("照片.png", hostile.png_bytes(), content_type="image/png"),
    ]
    data = form_data(evidence=files, evidence_text="省工信厅公示文件", note="含新认定")

    response = client_for(people["miit"]).post(reverse("targets:reports"), data)

    created = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("targets:report", kwargs={"pk": created.pk})
    assert (created.target_id, created.region_id, created.year, created.quarter) == (
        PLATFORMS,
        "32",
        2026,
        2,
    )
    assert (created.value, created.status, created.submitted_by) == (
        35,
        Report.Status.SUBMITTED,
        people["miit"],
    )
    assert (created.note, created.evidence_text) == ("含新认定", "省工信厅公示文件")
    names = sorted(created.evidence.values_list("original_name", flat=True))
    assert names == ["名单.pdf", "照片.png"]
    assert len(stored(tmp_path)) == 2


def test_a_report_without_evidence_is_refused(plan, people):
    response = client_for(people["miit"]).post(reverse("targets:reports"), form_data())
    assert response.status_code == 200
    assert EVIDENCE_REQUIRED in response.text
    assert not Report.objects.exists()


def test_a_hostile_file_is_refused_and_nothing_is_kept(plan, people, tmp_path):
    files = [
        SimpleUploadedFile("ok.pdf", hostile.pdf_bytes()),
        SimpleUploadedFile("report.pdf", hostile.pe_bytes()),
    ]
    data = form_data(evidence=files, evidence_text="x")

    response = client_for(people["miit"]).post(reverse("targets:reports"), data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Report.objects.exists()
    assert not ReportEvidence.objects.exists()
    assert stored(tmp_path) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": "abc"}, "value"),
        ({"value": "-1"}, "value"),
        ({"value": "nan"}, "value"),
        ({"value": "1e999"}, "value"),
        ({"quarter": "5"}, "quarter"),
        ({"quarter": "4"}, "quarter"),  # 2026 Q4 has not ended
        ({"year": "2031"}, "year"),
        ({"target": TRAININGS}, "target"),  # task 19: not 省数据局's to report
        ({"target": COMPUTED}, "target"),
        ({"region": "3201"}, "region"),  # a city: its own officials report it
        ({"target": "no-such-target"}, "target"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(plan, people, changes, field):
    data = form_data(evidence_text="统计快报", **changes)
    response = client_for(people["data"]).post(reverse("targets:reports"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Report.objects.exists()


def test_a_share_over_100_is_refused(plan, people):
    data = form_data("gigabit_park_share", evidence_text="x", value="101")
    response = client_for(people["miit"]).post(reverse("targets:reports"), data)
    assert response.status_code == 200
    assert services.SHARE_OVER_100 in response.text
    assert not Report.objects.exists()


def test_a_second_report_of_a_waiting_period_is_refused(plan, people):
    report(PLATFORMS, plan.province, people["miit"])
    data = form_data(evidence_text="更正")
    response = client_for(people["miit_2"]).post(reverse("targets:reports"), data)
    assert response.status_code == 200
    assert services.PENDING_EXISTS in response.text
    assert Report.objects.count() == 1


# --- the template and the upload ---------------------------------------------------------------


def test_the_template_lists_what_the_user_may_report(plan, people):
    response = client_for(people["data"]).get(reverse("targets:report-template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))[uploads.SHEET]
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert RACKS in codes
    assert TRAININGS not in codes


def test_a_filled_in_template_uploads(plan, people):
    template = client_for(people["city"]).get(reverse("targets:report-template")).content
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book[uploads.SHEET]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index(uploads.COL_VALUE) + 1, value=3)
    sheet.cell(row=2, column=header.index(uploads.COL_EVIDENCE) + 1, value="南京市统计快报")
    buffer = io.BytesIO()
    book.save(buffer)

    response = post_upload(people["city"], buffer.getvalue())

    assert response.redirect_chain == [(reverse("targets:reports"), 302)]
    created = Report.objects.get()
    assert (created.region_id, created.value, created.submitted_by) == ("3201", 3, people["city"])


def sheet_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = uploads.SHEET
    sheet.append(list(uploads.HEADER))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(code: str = PLATFORMS, region: str = "32", quarter=2, value=40, evidence="公示文件"):
    return [code, "", "", region, "", 2026, quarter, value, "", evidence]


def post_upload(user: User, content: bytes, name: str = "上报.xlsx"):
    file = SimpleUploadedFile(name, content)
    return client_for(user).post(reverse("targets:report-upload"), {"file": file}, follow=True)


def test_a_good_upload_creates_every_report(plan, people):
    content = sheet_bytes([row(quarter=1), row(quarter=2), row(RACKS, value=60)])

    response = post_upload(people["miit"], content)

    assert response.redirect_chain == [(reverse("targets:reports"), 302)]
    assert "已导入 3 条上报" in response.text
    assert Report.objects.filter(submitted_by=people["miit"]).count() == 3
    assert set(Report.objects.values_list("status", flat=True)) == {Report.Status.SUBMITTED}


def test_an_upload_with_bad_rows_lists_every_problem_and_applies_nothing(plan, people):
    content = sheet_bytes(
        [
            row(quarter=1),
            row(quarter=7),
            row(value="很多"),
            row(TRAININGS),
            row(evidence=""),
        ]
    )

    response = post_upload(people["data"], content)  # task 19 is not 省数据局's

    assert response.redirect_chain == []
    assert response.status_code == 200
    assert 'data-testid="upload-problems"' in response.text
    assert "未导入任何数据" in response.text
    assert "nothing was applied" in response.text
    rows = sorted({p.row for p in response.context["upload"].problems})
    assert rows == [3, 4, 5, 6]
    for number in rows:
        assert f"第 {number} 行" in response.text
    assert uploads.NOT_A_VALUE in response.text
    assert not Report.objects.exists()


def test_an_upload_that_is_not_a_workbook_is_refused(plan, people):
    response = post_upload(people["miit"], b"target,value\n", name="上报.csv")
    assert response.status_code == 200
    assert response.context["upload"].problems
    assert not Report.objects.exists()


def test_an_upload_without_a_file_is_refused(plan, people):
    response = client_for(people["miit"]).post(reverse("targets:report-upload"), {})
    assert response.status_code == 200
    assert "请选择要上传的 XLSX 文件" in response.text


def test_the_upload_page_needs_post(plan, people):
    response = client_for(people["miit"]).get(reverse("targets:report-upload"))
    assert response.status_code == 405


# --- review ------------------------------------------------------------------------------------


def test_the_review_queue_shows_what_the_official_may_review(plan, people):
    racks = report(RACKS, plan.province, people["data"])  # lead 省数据局
    platforms = report(PLATFORMS, plan.province, people["miit"])  # lead 省工业和信息化厅

    data_queue = client_for(people["data"]).get(reverse("targets:reports")).context["queue"]
    miit_queue = client_for(people["miit_2"]).get(reverse("targets:reports")).context["queue"]
    own_queue = client_for(people["miit"]).get(reverse("targets:reports")).context["queue"]

    assert [r.pk for r in data_queue] == []  # its own report only; it leads no other
    assert [r.pk for r in miit_queue] == [racks.pk, platforms.pk]  # the coordinating department
    assert [r.pk for r in own_queue] == [racks.pk]  # never one's own


def review(user: User, pending: Report, **data):
    url = reverse("targets:report-review", kwargs={"pk": pending.pk})
    return client_for(user).post(url, data, follow=True)


def test_approving_a_report_counts_it(plan, people):
    pending = report(PLATFORMS, plan.province, people["miit"])

    response = review(people["miit_2"], pending, action="approve", note="核实无误")

    assert response.redirect_chain == [(reverse("targets:report", kwargs={"pk": pending.pk}), 302)]
    pending.refresh_from_db()
    assert (pending.status, pending.reviewed_by, pending.review_note) == (
        Report.Status.APPROVED,
        people["miit_2"],
        "核实无误",
    )
    assert AuditEvent.objects.filter(action="report.approve", object_id=str(pending.pk)).exists()


def test_returning_a_report_needs_a_reason(plan, people):
    pending = report(PLATFORMS, plan.province, people["miit"])

    response = review(people["miit_2"], pending, action="reject", note="  ")

    assert REJECT_NEEDS_NOTE in response.text
    pending.refresh_from_db()
    assert pending.status == Report.Status.SUBMITTED


def test_returning_a_report_keeps_the_reason(plan, people):
    pending = report(PLATFORMS, plan.province, people["miit"])
    review(people["miit_2"], pending, action="reject", note="缺少附件")
    pending.refresh_from_db()
    assert (pending.status, pending.review_note) == (Report.Status.REJECTED, "缺少附件")


@pytest.mark.parametrize("reviewer", ["miit", "finance", "province"])
def test_the_submitter_and_other_departments_may_not_review(plan, people, reviewer):
    pending = report(PLATFORMS, plan.province, people["miit"])

    response = review(people[reviewer], pending, action="approve")

    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == Report.Status.SUBMITTED
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(pending.pk)).exists()


def test_a_reviewed_report_cannot_be_reviewed_again(plan, people):
    pending = report(PLATFORMS, plan.province, people["miit"])
    services.report_approve(report=pending, by=people["miit_2"])

    response = review(people["miit_2"], pending, action="reject", note="再看看")

    assert NOT_PENDING in response.text
    pending.refresh_from_db()
    assert pending.status == Report.Status.APPROVED


@pytest.mark.parametrize("data", [{}, {"action": "delete"}])
def test_a_review_without_a_known_action_changes_nothing(plan, people, data):
    pending = report(PLATFORMS, plan.province, people["miit"])
    response = review(people["miit_2"], pending, **data)
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == Report.Status.SUBMITTED


# --- a report's page and its evidence ----------------------------------------------------------


def test_the_report_page_shows_evidence_history_and_the_review_forms(plan, people):
    first = report(PLATFORMS, plan.province, people["miit"])
    services.report_reject(report=first, by=people["miit_2"], note="数据口径不对")
    corrected = with_file(PLATFORMS, plan.province, people["miit"], name="更正台账.pdf")

    reviewer_page = client_for(people["miit_2"]).get(
        reverse("targets:report", kwargs={"pk": corrected.pk})
    )
    submitter_page = client_for(people["miit"]).get(
        reverse("targets:report", kwargs={"pk": corrected.pk})
    )

    assert reviewer_page.status_code == 200
    assert [r.pk for r in reviewer_page.context["history"]] == [first.pk, corrected.pk]
    assert "数据口径不对" in reviewer_page.text
    assert "更正台账.pdf" in reviewer_page.text
    evidence = corrected.evidence.get()
    assert reverse("targets:report-evidence", kwargs={"pk": evidence.pk}) in reviewer_page.text
    assert 'data-testid="review"' in reviewer_page.text
    assert 'data-testid="review"' not in submitter_page.text


def test_a_city_official_sees_its_citys_report(plan, people):
    own = report(PLATFORMS, plan.p, people["city"])
    response = client_for(people["city"]).get(reverse("targets:report", kwargs={"pk": own.pk}))
    assert response.status_code == 200
    assert 'data-testid="review"' not in response.text


@pytest.mark.parametrize("viewer", ["city", "miit_2"])
def test_evidence_is_downloaded_by_whoever_sees_the_report(plan, people, viewer):
    own = with_file(PLATFORMS, plan.p, people["city"])
    evidence = own.evidence.get()

    response = client_for(people[viewer]).get(
        reverse("targets:report-evidence", kwargs={"pk": evidence.pk})
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == hostile.pdf_bytes()
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(
        action="report.evidence_download", object_id=str(evidence.pk)
    ).exists()


def test_evidence_whose_file_is_gone_is_not_found(plan, people, tmp_path):
    own = with_file(PLATFORMS, plan.p, people["city"])
    for path in stored(tmp_path):
        path.unlink()
    response = client_for(people["city"]).get(
        reverse("targets:report-evidence", kwargs={"pk": own.evidence.get().pk})
    )
    assert response.status_code == 404
