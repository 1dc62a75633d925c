"""Writes to the model registry: import a definition as a draft, publish a draft (the previous
published version of the same code becomes superseded), delete a draft. Every change writes one
audit row; published and superseded versions are never changed (also refused by database
triggers, migration 0002)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from frameworks.files import canonical, digest, schema_problems
from frameworks.models import Framework, FrameworkVersion
from scoring import maturity

PUBLISHED_IS_IMMUTABLE = (
    "已发布的版本不可修改，请以新版本号导入 "
    "(a published version is immutable; import it under a new version)"
)
ONLY_DRAFTS_PUBLISHED = "只有草稿可以发布 (only a draft can be published)"
ONLY_DRAFTS_DELETED = "只有草稿可以删除 (only a draft can be deleted)"
DUPLICATE_IN_FILES = "{label} 在多个文件中出现 (appears in more than one file): {names}"

Status = FrameworkVersion.Status


@dataclass(frozen=True)
class ImportOutcome:
    version: FrameworkVersion
    created: bool
    """A new CODE@VERSION was created (as a draft)."""
    changed: bool
    """Something was written: created, a draft replaced, or published."""
    published: bool = False
    """This call published the version (`framework_import(..., publish=True)`)."""


def definition_problems(definition: Mapping[str, Any]) -> list[str]:
    """Every problem of a definition: its structure (JSON Schema), then its meaning (the
    compiler); empty when it can be stored and scored."""
    problems = schema_problems(definition)
    if problems:
        return problems
    try:
        maturity.compile_framework(definition)
    except maturity.FrameworkError as exc:
        return list(exc.problems)
    return []


def _validate(definition: Mapping[str, Any]) -> None:
    problems = definition_problems(definition)
    if problems:
        raise ValidationError([ValidationError(problem) for problem in problems])


def _fields(definition: dict[str, Any]) -> dict[str, Any]:
    """The columns that follow from a canonical definition."""
    meta = definition["framework"]
    return {
        "definition": definition,
        "digest": digest(definition),
        "title_zh": meta["title"]["zh"],
        "title_en": meta["title"].get("en", ""),
        "provisional": bool(meta.get("provisional", False)),
    }


def _state(version: FrameworkVersion) -> dict[str, Any]:
    return {"label": version.label, "status": version.status, "digest": version.digest}


@transaction.atomic
def framework_import(
    *,
    definition: dict[str, Any],
    source_name: str,
    by: User | None,
    publish: bool = False,
) -> ImportOutcome:
    """Store `definition` as CODE@VERSION. A new version becomes a draft; an existing draft is
    replaced; a published or superseded version with the same content is left unchanged, with
    different content refused. With `publish`, a draft (new or existing) is then published.
    Raises ValidationError listing every problem; nothing is written then."""
    _validate(definition)
    fields = _fields(canonical(definition))
    code = fields["definition"]["framework"]["code"]
    number = str(fields["definition"]["framework"]["version"])
    existing = (
        FrameworkVersion.objects.select_for_update()
        .select_related("framework")
        .filter(framework__code=code, version=number)
        .first()
    )
    if existing is None:
        outcome = ImportOutcome(_version_create(code, number, fields, source_name, by), True, True)
    elif existing.digest == fields["digest"]:
        outcome = ImportOutcome(existing, created=False, changed=False)
    elif existing.is_editable:
        outcome = ImportOutcome(_draft_replace(existing, fields, source_name, by), False, True)
    else:
        raise ValidationError(PUBLISHED_IS_IMMUTABLE, code="published_is_immutable")
    if publish and outcome.version.is_editable:
        version = framework_version_publish(version=outcome.version, by=by)
        return ImportOutcome(version, outcome.created, changed=True, published=True)
    return outcome


def _version_create(
    code: str, number: str, fields: dict[str, Any], source_name: str, by: User | None
) -> FrameworkVersion:
    framework, created = Framework.objects.get_or_create(code=code)
    if created:
        audit_record(action="framework.create", obj=framework, after={"code": code})
    version = FrameworkVersion(
        framework=framework,
        version=number,
        status=Status.DRAFT,
        source_name=source_name[:255],
        imported_at=timezone.now(),
        imported_by=by,
        **fields,
    )
    version.full_clean()
    version.save()
    audit_record(
        action="framework_version.import",
        obj=version,
        after={**_state(version), "source": version.source_name},
    )
    return version


def _draft_replace(
    version: FrameworkVersion, fields: dict[str, Any], source_name: str, by: User | None
) -> FrameworkVersion:
    before = _state(version)
    for name, value in fields.items():
        setattr(version, name, value)
    version.source_name = source_name[:255]
    version.imported_at = timezone.now()
    version.imported_by = by
    version.full_clean()
    version.save()
    audit_record(
        action="framework_version.replace",
        obj=version,
        before=before,
        after={**_state(version), "source": version.source_name},
    )
    return version


def _locked(version: FrameworkVersion) -> FrameworkVersion:
    """The row as it is now, locked until the transaction ends."""
    return (
        FrameworkVersion.objects.select_for_update().select_related("framework").get(pk=version.pk)
    )


@transaction.atomic
def framework_version_publish(*, version: FrameworkVersion, by: User | None) -> FrameworkVersion:
    """Publish a draft after checking it again; the version of the same code published until now
    becomes superseded. Raises ValidationError (nothing written) when it is not a draft or its
    definition no longer passes the checks."""
    version = _locked(version)
    if not version.is_editable:
        raise ValidationError(ONLY_DRAFTS_PUBLISHED, code="not_a_draft")
    _validate(version.definition)
    now = timezone.now()
    previous = (
        FrameworkVersion.objects.select_for_update()
        .select_related("framework")
        .filter(framework_id=version.framework_id, status=Status.PUBLISHED)
        .first()
    )
    if previous is not None:
        before = _state(previous)
        previous.status = Status.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at"])
        audit_record(
            action="framework_version.supersede",
            obj=previous,
            before=before,
            after={**_state(previous), "by": version.label},
        )
    before = _state(version)
    version.status = Status.PUBLISHED
    version.published_at = now
    version.published_by = by
    version.full_clean()
    version.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        action="framework_version.publish",
        obj=version,
        before=before,
        after={**_state(version), "supersedes": previous.label if previous else None},
    )
    return version


@transaction.atomic
def framework_version_delete_draft(*, version: FrameworkVersion, by: User | None) -> None:
    """Delete a draft. Raises ValidationError (nothing written) for any other status."""
    version = _locked(version)
    if not version.is_editable:
        raise ValidationError(ONLY_DRAFTS_DELETED, code="not_a_draft")
    audit_record(action="framework_version.delete_draft", obj=version, before=_state(version))
    version.delete()


def _label_of(definition: Mapping[str, Any]) -> str:
    meta = definition.get("framework") or {}
    return f"{meta.get('code')}@{meta.get('version')}"


@transaction.atomic
def framework_load(
    *, files: Sequence[tuple[str, dict[str, Any]]], by: User | None
) -> list[ImportOutcome]:
    """Import and publish every (file name, definition), all or nothing: the default models are
    loaded this way, and loading them again changes nothing. Raises ValidationError listing
    every problem of every file (prefixed by its name); nothing is written then."""
    problems: list[str] = []
    names: dict[str, list[str]] = {}
    for name, definition in files:
        problems.extend(f"{name}: {problem}" for problem in definition_problems(definition))
        names.setdefault(_label_of(definition), []).append(name)
    for label, found in names.items():
        if len(found) > 1:
            problems.append(DUPLICATE_IN_FILES.format(label=label, names=", ".join(found)))
    if problems:
        raise ValidationError([ValidationError(problem) for problem in problems])
    outcomes = []
    for name, definition in files:
        try:
            outcomes.append(
                framework_import(definition=definition, source_name=name, by=by, publish=True)
            )
        except ValidationError as exc:
            raise ValidationError([ValidationError(f"{name}: {m}") for m in exc.messages]) from exc
    return outcomes
