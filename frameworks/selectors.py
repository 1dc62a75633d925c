"""Reads of the model registry. Published and superseded versions are reference data for every
logged-in user; drafts only for province officials and platform admins (frameworks.access). A
version someone may not see answers 404, like a missing one."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from frameworks.access import DRAFT_READERS
from frameworks.diff import Change, definition_diff
from frameworks.models import FrameworkVersion, version_sort_key
from scoring import maturity

FRAMEWORK_VERSION_NOT_FOUND = (
    "成熟度模型版本不存在或无权查看 (Framework version not found or not visible to you)"
)
NO_PUBLISHED_VERSION = "该成熟度模型没有已发布的版本 (This framework has no published version)"

Status = FrameworkVersion.Status


def _visible(user: Any) -> QuerySet[FrameworkVersion]:
    versions = FrameworkVersion.objects.select_related("framework")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return versions.none()
    if getattr(user, "role", None) in DRAFT_READERS:
        return versions
    return versions.exclude(status=Status.DRAFT)


def framework_version_list_for_user(*, user: Any) -> QuerySet[FrameworkVersion]:
    """The versions `user` may see, by code then version, without their (large) definitions."""
    return _visible(user).defer("definition").order_by("framework__code", "version")


def framework_version_sorted(versions: Any) -> list[FrameworkVersion]:
    """Versions by code, then in natural version order ("2.9" before "2.10")."""
    return sorted(versions, key=lambda v: (v.framework.code, version_sort_key(v.version)))


def framework_version_get_for_user(*, user: Any, code: str, version: str) -> FrameworkVersion:
    """CODE@VERSION if `user` may see it; else Http404 (missing, or a draft they may not see)."""
    found = _visible(user).filter(framework__code=code, version=version).first()
    if found is None:
        raise Http404(FRAMEWORK_VERSION_NOT_FOUND)
    return found


def framework_version_get_published(*, code: str) -> FrameworkVersion:
    """The published version of `code`. Raises FrameworkVersion.DoesNotExist when there is none."""
    found = (
        FrameworkVersion.objects.select_related("framework")
        .filter(framework__code=code, status=Status.PUBLISHED)
        .first()
    )
    if found is None:
        raise FrameworkVersion.DoesNotExist(NO_PUBLISHED_VERSION)
    return found


@dataclass(frozen=True)
class _Keyed:
    """A definition that hashes and compares by its digest only, for the compile cache."""

    digest: str
    definition: Any = field(compare=False, hash=False, repr=False)


@functools.lru_cache(maxsize=64)
def _compile(keyed: _Keyed) -> maturity.Framework:
    return maturity.compile_framework(keyed.definition)


def framework_version_compiled(version: FrameworkVersion) -> maturity.Framework:
    """The scoring engine's compiled form of `version`, compiled once per digest and process.
    Raises maturity.FrameworkError if the definition does not compile."""
    return _compile(_Keyed(version.digest, version.definition))


def framework_version_diff(a: FrameworkVersion, b: FrameworkVersion) -> list[Change]:
    """What changed from `a` to `b`, as readable changes."""
    return definition_diff(a.definition, b.definition)
