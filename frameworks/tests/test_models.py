"""Model facts, constraints, and the database triggers that keep published versions immutable
(run on SQLite and on PostgreSQL: the suite runs on both)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from frameworks.models import FrameworkVersion, version_sort_key
from frameworks.tests.factories import make_definition, make_version

pytestmark = pytest.mark.django_db
LOCKED = ["published", "superseded"]


def test_label_names_code_and_version() -> None:
    version = make_version(code="GEN-JS", version="2025")
    assert version.label == "GEN-JS@2025"
    assert str(version) == "GEN-JS@2025"


@pytest.mark.parametrize(("status", "editable"), [("draft", True), *((s, False) for s in LOCKED)])
def test_only_a_draft_is_editable(status: str, editable: bool) -> None:
    assert make_version(status=status).is_editable is editable


def test_versions_sort_in_natural_order() -> None:
    versions = ["2.10", "2025", "2.9", "2.9a", "1"]
    assert sorted(versions, key=version_sort_key) == ["1", "2.9", "2.9a", "2.10", "2025"]


def test_a_version_number_is_unique_within_a_framework() -> None:
    make_version(version="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_version(version="1")


def test_at_most_one_version_of_a_framework_is_published() -> None:
    make_version(version="1", status="published")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_version(version="2", status="published")
    make_version(code="OTHER", version="1", status="published")  # another framework may


def test_an_unknown_status_is_refused() -> None:
    version = make_version()
    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkVersion.objects.filter(pk=version.pk).update(status="retired")


CHANGES: list[tuple[str, Any]] = [
    ("definition", make_definition(title={"zh": "改过的标题"})),
    ("digest", "f" * 64),
    ("version", "99"),
    ("title_zh", "改过的标题"),
    ("provisional", True),
    ("status", "draft"),
]


@pytest.mark.parametrize("status", LOCKED)
@pytest.mark.parametrize(("column", "value"), CHANGES, ids=[c for c, _ in CHANGES])
def test_the_database_refuses_to_change_a_published_version(
    status: str, column: str, value: Any
) -> None:
    version = make_version(status=status)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        FrameworkVersion.objects.filter(pk=version.pk).update(**{column: value})
    stored = FrameworkVersion.objects.get(pk=version.pk)
    assert (stored.digest, stored.status, stored.definition) == (
        version.digest,
        status,
        version.definition,
    )


def test_the_refusal_holds_for_raw_sql_too() -> None:
    version = make_version(status="published")
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE frameworks_frameworkversion SET digest = %s WHERE id = %s",
            ["0" * 64, version.pk],
        )


@pytest.mark.parametrize("status", LOCKED)
def test_postgresql_refuses_to_delete_a_published_version(status: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite leaves deletion to the application (Django's test flush uses DELETE)")
    version = make_version(status=status)
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        FrameworkVersion.objects.filter(pk=version.pk).delete()
    assert FrameworkVersion.objects.filter(pk=version.pk).exists()


def test_a_published_version_may_become_superseded() -> None:
    version = make_version(status="published")
    FrameworkVersion.objects.filter(pk=version.pk).update(status="superseded")
    version.refresh_from_db()
    assert version.status == "superseded"


def test_saving_a_published_version_unchanged_is_allowed() -> None:
    version = make_version(status="published")
    version.save()  # same values: the trigger only refuses real changes
    version.refresh_from_db()
    assert version.status == "published"


def test_a_draft_may_be_changed_and_deleted() -> None:
    version = make_version()
    FrameworkVersion.objects.filter(pk=version.pk).update(digest="e" * 64, title_zh="新标题")
    FrameworkVersion.objects.filter(pk=version.pk).delete()
    assert not FrameworkVersion.objects.exists()
