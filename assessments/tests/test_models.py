"""Database guarantees of assessments: a submitted result never changes (trigger on SQLite and
PostgreSQL), one open self-assessment draft per enterprise and model, and the checks on rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from assessments.models import Assessment, SectionReview
from assessments.tests.factories import make_draft, make_submitted
from assessments.tests.published import publish
from conftest import World


@pytest.fixture
def submitted(world: World) -> Assessment:
    publish("GEN-JS")
    return make_submitted(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])


@pytest.mark.parametrize(
    "change",
    [
        {"total": 99.0},
        {"answers": {}},
        {"result": {}},
        {"level": "NOT-A-LEVEL"},
        {"status": "draft"},
        {"variant": "other"},
        {"dimension_scores": {}},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_submitted_result_cannot_be_changed_in_the_database(
    submitted: Assessment, change: dict[str, Any]
) -> None:
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Assessment.objects.filter(pk=submitted.pk).update(**change)
    before = submitted.total
    submitted.refresh_from_db()
    assert submitted.total == before


def test_flags_of_a_submitted_result_stay_writable(submitted: Assessment) -> None:
    Assessment.objects.filter(pk=submitted.pk).update(flags=[], risk_score=0)
    submitted.refresh_from_db()
    assert submitted.flags == []


def test_a_draft_can_be_changed(world: World) -> None:
    publish("GEN-JS")
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])
    Assessment.objects.filter(pk=draft.pk).update(answers={"x": 1})
    draft.refresh_from_db()
    assert draft.answers == {"x": 1}


def test_one_open_self_assessment_draft_per_enterprise_and_model(world: World) -> None:
    publish("GEN-JS")
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            enterprise=world.e1,
            framework=draft.framework,
            framework_version=draft.framework_version,
            year=draft.year,
            created_by=world.users["enterprise"],
        )


def test_a_submitted_row_needs_its_result(world: World) -> None:
    publish("GEN-JS")
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=draft.pk).update(status="submitted")


def test_a_disputed_section_needs_a_comment(submitted: Assessment, world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SectionReview.objects.create(
            assessment=submitted,
            section="factory",
            decision="disputed",
            comment="",
            decided_by=world.users["enterprise"],
        )
