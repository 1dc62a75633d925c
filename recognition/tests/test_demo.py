"""The demo activity: assessments with history and benchmarks, and applications in every state of
the recognition chain, each moved there by the real services."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from assessments.demo import demo_assessments
from assessments.models import (
    Assessment,
    Evidence,
    PeerBenchmark,
    ProviderAssignment,
    SectionReview,
)
from assessments.tests.factories import load_default_models
from audit.models import AuditEvent
from recognition.demo import TARGETS, demo_applications
from recognition.models import Application, Transition
from registry.demo import demo_generate
from registry.reference import reference_data_load

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(scope="module")
def demo_province(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction that is rolled back afterwards; each test
    runs in a savepoint within it."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, DEMO=True, TASKS=IMMEDIATE),
        transaction.atomic(),
    ):
        reference_data_load()
        load_default_models()
        demo_generate(enterprises=200, seed=7, accounts=True)
        demo_assessments(seed=7)
        yield demo_applications(seed=7)
        transaction.set_rollback(True)


def test_demo_assessments_cover_every_model_with_history_and_benchmarks(demo_province, db) -> None:
    submitted = Assessment.objects.filter(status="submitted")
    codes = set(submitted.values_list("framework__code", flat=True))
    assert codes == {"GEN-JS", "SF-JS", "CMMM", "SME-DL", "AI-SCENE", "ZERO-CARBON"}
    assert set(submitted.values_list("year", flat=True)) == {2025, 2026}
    assert PeerBenchmark.objects.filter(size__gte=5).exists()


def test_demo_accounts_find_a_draft_and_a_diagnosis_to_confirm(demo_province, db) -> None:
    assert Assessment.objects.filter(
        status="draft", created_by__username="demo-enterprise-a1"
    ).exists()
    assert Assessment.objects.filter(
        kind="diagnosis", status="submitted", assignment__provider__username="demo-provider"
    ).exists()
    assert ProviderAssignment.objects.filter(status="active").count() == 2  # started, waiting
    reviews = set(SectionReview.objects.values_list("decision", flat=True).distinct())
    assert reviews == {"confirmed", "disputed"}


def test_demo_applications_reach_every_state_through_the_services(demo_province, db) -> None:
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == set(Application.Status.values)
    assert Transition.objects.filter(action="recognise").count() == TARGETS.count("recognised")
    assert all(app.certificate_no for app in Application.objects.filter(status="recognised"))
    assert Transition.objects.exclude(changes={}).filter(action="submit").exists()  # a resubmission
    assert Evidence.objects.exists()


def test_demo_applicants_cite_results_that_make_them_eligible(demo_province, db) -> None:
    submitted = Application.objects.exclude(status="draft")
    assert all(app.eligibility["eligible"] for app in submitted)
    assert all(app.results.exists() for app in submitted)


def test_demo_activity_is_added_once(demo_province, db) -> None:
    assert demo_assessments(seed=7).skipped
    assert demo_applications(seed=7).skipped


def test_demo_activity_is_audited(demo_province, db) -> None:
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"demo.assessments", "demo.applications", "assessment.submit"} <= actions


def test_demo_commands_report_that_a_rerun_adds_nothing(demo_province, db, capsys) -> None:
    call_command("generate_demo_assessments", "--seed", "7")
    call_command("generate_demo_applications", "--seed", "7")
    out = capsys.readouterr().out
    assert "demo assessments already present" in out
    assert "demo applications already present" in out
