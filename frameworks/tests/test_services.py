"""Import → publish → supersede, with the audit trail; bad input raises the message and writes
nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from conftest import World
from frameworks.files import digest
from frameworks.models import Framework, FrameworkVersion
from frameworks.services import (
    ONLY_DRAFTS_DELETED,
    ONLY_DRAFTS_PUBLISHED,
    PUBLISHED_IS_IMMUTABLE,
    framework_import,
    framework_load,
    framework_version_delete_draft,
    framework_version_publish,
)
from frameworks.tests.factories import make_definition, make_version

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def _assert_nothing_written() -> None:
    assert not Framework.objects.exists()
    assert not FrameworkVersion.objects.exists()
    assert not AuditEvent.objects.exists()


def test_import_creates_a_draft_and_audits_it(world: World) -> None:
    user = world.users["province"]
    outcome = framework_import(definition=make_definition(), source_name="a.yaml", by=user)
    version = outcome.version
    version.refresh_from_db()
    assert (outcome.created, outcome.changed, outcome.published) == (True, True, False)
    assert (version.label, version.status, version.imported_by) == ("TEST-A@1", "draft", user)
    assert (version.title_zh, version.title_en, version.source_name) == (
        "测试模型",
        "Test model",
        "a.yaml",
    )
    assert version.digest == digest(make_definition())
    assert _actions() == ["framework.create", "framework_version.import"]
    event = AuditEvent.objects.get(action="framework_version.import")
    assert event.after["digest"] == version.digest


def test_import_stores_the_canonical_form() -> None:
    definition = make_definition(score_scale=100.0, issuer="  工信部  ")
    version = framework_import(definition=definition, source_name="a.yaml", by=None).version
    version.refresh_from_db()
    assert version.definition["framework"]["score_scale"] == 100
    assert version.definition["framework"]["issuer"] == "工信部"


def test_import_refuses_a_structurally_invalid_definition_and_writes_nothing() -> None:
    definition = make_definition()
    del definition["framework"]["score_scale"]
    definition["nodes"][0]["weight"] = -1
    with pytest.raises(ValidationError) as error:
        framework_import(definition=definition, source_name="a.yaml", by=None)
    assert len(error.value.messages) == 2
    assert any("score_scale" in message for message in error.value.messages)
    _assert_nothing_written()


def test_import_refuses_a_model_the_engine_cannot_score_and_lists_every_problem() -> None:
    definition = make_definition()
    definition["levels"][0]["rules"][0]["node"] = "nowhere"
    definition["nodes"][1]["children"][0]["condition"] = 'base.mes == "maybe"'
    with pytest.raises(ValidationError) as error:
        framework_import(definition=definition, source_name="a.yaml", by=None)
    text = "\n".join(error.value.messages)
    assert "nowhere" in text
    assert "maybe" in text
    _assert_nothing_written()


def test_importing_the_same_draft_again_changes_nothing() -> None:
    first = framework_import(definition=make_definition(), source_name="a.yaml", by=None)
    again = framework_import(definition=make_definition(), source_name="b.yaml", by=None)
    assert (again.created, again.changed) == (False, False)
    assert again.version.pk == first.version.pk
    again.version.refresh_from_db()
    assert again.version.source_name == "a.yaml"
    assert _actions() == ["framework.create", "framework_version.import"]


def test_importing_a_changed_draft_replaces_it_with_before_and_after(world: World) -> None:
    first = framework_import(definition=make_definition(), source_name="a.yaml", by=None)
    changed = make_definition(title={"zh": "测试模型（修订）"})
    outcome = framework_import(definition=changed, source_name="b.yaml", by=world.users["province"])
    version = outcome.version
    version.refresh_from_db()
    assert (outcome.created, outcome.changed) == (False, True)
    assert (version.pk, version.title_zh, version.status) == (
        first.version.pk,
        "测试模型（修订）",
        "draft",
    )
    event = AuditEvent.objects.get(action="framework_version.replace")
    assert event.before["digest"] == first.version.digest
    assert event.after["digest"] == version.digest != first.version.digest


def test_publish_then_a_new_version_supersedes_the_old_one(world: World) -> None:
    user = world.users["province"]
    v1 = framework_import(definition=make_definition(version="1"), source_name="1", by=user)
    framework_version_publish(version=v1.version, by=user)
    v2 = framework_import(definition=make_definition(version="2"), source_name="2", by=user)
    framework_version_publish(version=v2.version, by=user)
    old, new = v1.version, v2.version
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("superseded", "published")
    assert old.superseded_at == new.published_at
    assert new.published_by == user
    assert _actions() == [
        "framework.create",
        "framework_version.import",
        "framework_version.publish",
        "framework_version.import",
        "framework_version.supersede",
        "framework_version.publish",
    ]
    supersede = AuditEvent.objects.get(action="framework_version.supersede")
    assert (supersede.object_id, supersede.before["status"], supersede.after["status"]) == (
        str(old.pk),
        "published",
        "superseded",
    )


@pytest.mark.parametrize("status", ["published", "superseded"])
def test_reimporting_a_published_version_unchanged_is_a_no_op(status: str) -> None:
    version = make_version(status=status)
    outcome = framework_import(definition=make_definition(), source_name="a.yaml", by=None)
    assert (outcome.version.pk, outcome.created, outcome.changed) == (version.pk, False, False)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("status", ["published", "superseded"])
def test_reimporting_a_published_version_changed_is_refused(status: str) -> None:
    version = make_version(status=status)
    changed = make_definition(title={"zh": "偷偷修改"})
    with pytest.raises(ValidationError) as error:
        framework_import(definition=changed, source_name="a.yaml", by=None)
    assert error.value.messages == [PUBLISHED_IS_IMMUTABLE]
    stored = FrameworkVersion.objects.get()
    assert (stored.digest, stored.title_zh) == (version.digest, "测试模型")
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("status", ["published", "superseded"])
def test_only_a_draft_can_be_published(status: str) -> None:
    version = make_version(status=status)
    with pytest.raises(ValidationError) as error:
        framework_version_publish(version=version, by=None)
    assert error.value.messages == [ONLY_DRAFTS_PUBLISHED]
    version.refresh_from_db()
    assert version.status == status
    assert not AuditEvent.objects.exists()


def test_publishing_checks_the_definition_again() -> None:
    broken = make_definition()
    broken["levels"][0]["rules"][0]["node"] = "nowhere"
    version = make_version(definition=broken)
    with pytest.raises(ValidationError, match="nowhere"):
        framework_version_publish(version=version, by=None)
    version.refresh_from_db()
    assert version.status == "draft"
    assert not AuditEvent.objects.exists()


def test_a_failed_publication_leaves_the_published_version_in_place() -> None:
    published = make_version(version="1", status="published")
    broken = make_definition(version="2")
    broken["nodes"][0]["weight"] = "heavy"
    make_version(version="2", definition=broken)
    with pytest.raises(ValidationError):
        framework_version_publish(version=FrameworkVersion.objects.get(version="2"), by=None)
    published.refresh_from_db()
    assert published.status == "published"


def test_import_with_publish_publishes_a_new_or_draft_version() -> None:
    outcome = framework_import(
        definition=make_definition(), source_name="a.yaml", by=None, publish=True
    )
    outcome.version.refresh_from_db()
    assert (outcome.created, outcome.changed, outcome.published) == (True, True, True)
    assert outcome.version.status == "published"
    again = framework_import(
        definition=make_definition(), source_name="a.yaml", by=None, publish=True
    )
    assert (again.changed, again.published) == (False, False)


def test_delete_draft_removes_it_and_audits_it(world: World) -> None:
    version = make_version()
    framework_version_delete_draft(version=version, by=world.users["province"])
    assert not FrameworkVersion.objects.exists()
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id, event.before["label"]) == (
        "framework_version.delete_draft",
        str(version.pk),
        "TEST-A@1",
    )


@pytest.mark.parametrize("status", ["published", "superseded"])
def test_only_a_draft_can_be_deleted(status: str) -> None:
    version = make_version(status=status)
    with pytest.raises(ValidationError) as error:
        framework_version_delete_draft(version=version, by=None)
    assert error.value.messages == [ONLY_DRAFTS_DELETED]
    assert FrameworkVersion.objects.filter(pk=version.pk).exists()
    assert not AuditEvent.objects.exists()


def test_load_publishes_every_file_and_a_second_load_changes_nothing() -> None:
    files = [("a.yaml", make_definition("AAA")), ("b.yaml", make_definition("BBB"))]
    first = framework_load(files=files, by=None)
    second = framework_load(files=files, by=None)
    assert [(o.version.label, o.published) for o in first] == [("AAA@1", True), ("BBB@1", True)]
    assert [o.changed for o in second] == [False, False]
    assert set(FrameworkVersion.objects.values_list("status", flat=True)) == {"published"}


def test_load_is_all_or_nothing_and_names_the_file_of_each_problem() -> None:
    bad = make_definition("BBB")
    del bad["nodes"]
    files = [("a.yaml", make_definition("AAA")), ("b.yaml", bad)]
    with pytest.raises(ValidationError) as error:
        framework_load(files=files, by=None)
    assert [m.split(":")[0] for m in error.value.messages] == ["b.yaml"]
    _assert_nothing_written()


def test_load_refuses_one_version_in_two_files() -> None:
    files = [("a.yaml", make_definition()), ("b.json", make_definition())]
    with pytest.raises(ValidationError, match=r"a\.yaml, b\.json"):
        framework_load(files=files, by=None)
    _assert_nothing_written()


def test_load_refuses_a_changed_published_version_and_rolls_back_the_others() -> None:
    make_version(code="BBB", status="published")
    files = [
        ("a.yaml", make_definition("AAA")),
        ("b.yaml", make_definition("BBB", title={"zh": "改"})),
    ]
    with pytest.raises(ValidationError) as error:
        framework_load(files=files, by=None)
    assert error.value.messages == [f"b.yaml: {PUBLISHED_IS_IMMUTABLE}"]
    assert list(FrameworkVersion.objects.values_list("framework__code", flat=True)) == ["BBB"]
