"""Who sees which versions, the published version of a code, the compile cache and the diff."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from conftest import World
from frameworks.models import FrameworkVersion
from frameworks.selectors import (
    framework_version_compiled,
    framework_version_diff,
    framework_version_get_for_user,
    framework_version_get_published,
    framework_version_list_for_user,
    framework_version_sorted,
)
from frameworks.tests.factories import make_definition, make_version

DRAFT_READERS = ["province", "admin"]
OTHERS = ["city", "county", "enterprise", "expert", "provider"]


@pytest.fixture
def versions(world: World) -> dict[str, FrameworkVersion]:
    return {
        "superseded": make_version(version="1", status="superseded"),
        "published": make_version(version="2", status="published"),
        "draft": make_version(version="3"),
    }


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        *((role, {"superseded", "published", "draft"}) for role in DRAFT_READERS),
        *((role, {"superseded", "published"}) for role in OTHERS),
    ],
)
def test_drafts_are_listed_only_for_province_officials_and_admins(
    world: World, versions: dict[str, FrameworkVersion], role: str, visible: set[str]
) -> None:
    listed = set(framework_version_list_for_user(user=world.users[role]))
    assert listed == {versions[name] for name in visible}


def test_anonymous_and_inactive_users_see_nothing(
    world: World, versions: dict[str, FrameworkVersion]
) -> None:
    inactive = world.users["province"]
    inactive.is_active = False
    assert not framework_version_list_for_user(user=AnonymousUser()).exists()
    assert not framework_version_list_for_user(user=inactive).exists()


@pytest.mark.parametrize("role", OTHERS)
def test_a_draft_is_not_found_for_other_roles(
    world: World, versions: dict[str, FrameworkVersion], role: str
) -> None:
    with pytest.raises(Http404):
        framework_version_get_for_user(user=world.users[role], code="TEST-A", version="3")
    found = framework_version_get_for_user(user=world.users[role], code="TEST-A", version="2")
    assert found == versions["published"]


def test_get_for_user_finds_drafts_for_the_province(
    world: World, versions: dict[str, FrameworkVersion]
) -> None:
    user = world.users["province"]
    assert framework_version_get_for_user(user=user, code="TEST-A", version="3").status == "draft"
    with pytest.raises(Http404):
        framework_version_get_for_user(user=user, code="TEST-A", version="4")


def test_get_published_finds_the_one_published_version(
    versions: dict[str, FrameworkVersion],
) -> None:
    assert framework_version_get_published(code="TEST-A") == versions["published"]
    with pytest.raises(FrameworkVersion.DoesNotExist):
        framework_version_get_published(code="NONE")


def test_versions_sort_by_code_then_natural_version(db: None) -> None:
    for code, number in [("B-X", "1"), ("A-X", "10"), ("A-X", "9"), ("A-X", "9.1")]:
        make_version(code=code, version=number)
    ordered = framework_version_sorted(FrameworkVersion.objects.select_related("framework"))
    assert [v.label for v in ordered] == ["A-X@9", "A-X@9.1", "A-X@10", "B-X@1"]


def test_compiled_frameworks_are_cached_by_digest(db: None) -> None:
    one = make_version(version="1")
    same = FrameworkVersion.objects.get(pk=one.pk)
    other = make_version(version="2")
    compiled = framework_version_compiled(one)
    assert (compiled.code, compiled.version) == ("TEST-A", "1")
    assert framework_version_compiled(same) is compiled
    assert framework_version_compiled(other) is not compiled
    assert [level.code for level in compiled.levels] == ["L1", "L2"]


def test_diff_lists_the_changes_in_words(db: None) -> None:
    old = make_version(version="1")
    changed = make_definition(version="2", title={"zh": "测试模型（修订）", "en": "Test model"})
    new = make_version(version="2", definition=changed)
    changes = framework_version_diff(old, new)
    assert changes
    assert any("修订" in change.text for change in changes)
    assert framework_version_diff(old, old) == []
