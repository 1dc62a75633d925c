"""Registry pages: list (with its htmx fragment), detail (personal data masked), import job page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, make_enterprise
from registry.models import Contact, EnterpriseYear, ImportJob


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def test_list_redirects_anonymous_visitors_to_login(world: World) -> None:
    response = Client().get(reverse("registry:enterprise-list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_list_filters_by_name(world: World) -> None:
    response = _client(world, "province").get(reverse("registry:enterprise-list"), {"q": "昆山"})
    assert world.e3.name in response.text
    assert world.e1.name not in response.text


def test_list_answers_htmx_with_the_results_fragment_only(world: World) -> None:
    response = _client(world, "city").get(
        reverse("registry:enterprise-list"), {"q": "秦淮"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in response.text
    assert 'id="results"' in response.text
    assert world.e2.name in response.text


def test_list_page_query_count_does_not_grow_with_rows(world: World) -> None:
    client = _client(world, "province")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("registry:enterprise-list"))
        return len(captured)

    before = queries()
    for seq in range(10, 30):
        make_enterprise(county=world.y, name=f"企业{seq}", seq=seq)
    assert queries() == before


def test_a_bad_page_number_is_not_an_error(world: World) -> None:
    response = _client(world, "province").get(reverse("registry:enterprise-list"), {"page": "x9"})
    assert response.status_code == 200


@pytest.fixture
def contact(world: World) -> Contact:
    return Contact.objects.create(enterprise=world.e1, name="张三", phone="13912345678")


@pytest.mark.parametrize(
    ("role", "shown"), [("city", "139****5678"), ("enterprise", "13912345678")]
)
def test_detail_masks_phones_except_for_the_enterprise_itself(
    world: World, contact: Contact, role: str, shown: str
) -> None:
    response = _client(world, role).get(reverse("registry:enterprise-detail", args=[world.e1.pk]))
    assert shown in response.text
    if role != "enterprise":
        assert contact.phone not in response.text


def test_detail_shows_yearly_figures_and_chart_data(world: World) -> None:
    EnterpriseYear.objects.create(
        enterprise=world.e1, year=2024, revenue_10k_yuan=2500, employees=80
    )
    response = _client(world, "county").get(
        reverse("registry:enterprise-detail", args=[world.e1.pk])
    )
    assert response.context["chart"]["categories"] == ["2024"]
    assert "2,500.00" in response.text


def test_import_job_page_lists_the_reasons_rows_were_rejected(world: World) -> None:
    job = ImportJob.objects.create(
        created_by=world.users["city"], original_name="a.xlsx", stored_name="a.xlsx",
        status=ImportJob.Status.DONE, rejected=1,
        problems_preview=[{"row": 3, "column": "区县代码", "value": "x", "reason": "未知区县"}],
        reason_counts={"未知区县": 1},
    )  # fmt: skip
    response = _client(world, "city").get(reverse("registry:import-job", args=[job.pk]))
    assert 'data-testid="problems"' in response.text
    assert "未知区县" in response.text


def test_import_job_progress_fragment_polls_until_finished(world: World) -> None:
    job = ImportJob.objects.create(
        created_by=world.users["city"], original_name="a.xlsx", stored_name="a.xlsx",
        status=ImportJob.Status.RUNNING, total_rows=10, processed_rows=4,
    )  # fmt: skip
    response = _client(world, "city").get(
        reverse("registry:import-job", args=[job.pk]), HTTP_HX_REQUEST="true"
    )
    assert "<html" not in response.text
    assert 'hx-trigger="every 1s"' in response.text
    assert 'value="40"' in response.text
    assert "正在逐行校验" in response.text


def test_import_job_page_says_when_validation_is_over_and_rows_are_written(world: World) -> None:
    job = ImportJob.objects.create(
        created_by=world.users["city"], original_name="a.xlsx", stored_name="a.xlsx",
        status=ImportJob.Status.RUNNING, total_rows=10, processed_rows=5,
    )  # fmt: skip
    response = _client(world, "city").get(reverse("registry:import-job", args=[job.pk]))
    assert "正在写入" in response.text


def test_detail_history_shows_changes_in_words(world: World) -> None:
    from audit.services import audit_record

    audit_record(
        action="enterprise.update",
        obj=world.e1,
        before={"name": "旧名称", "2024.revenue_10k_yuan": "100.00", "2024.categories": []},
        after={
            "name": world.e1.name,
            "2024.revenue_10k_yuan": "250.00",
            "2024.categories": ["规上工业企业"],
        },
    )
    response = _client(world, "county").get(
        reverse("registry:enterprise-detail", args=[world.e1.pk])
    )
    history = response.text[response.text.index('data-testid="history"') :]
    expected = ["更新", "企业名称", "旧名称", "2024 营业收入（万元）", "250.00", "2024 企业类别"]
    assert [text for text in [*expected, "规上工业企业"] if text not in history] == []
