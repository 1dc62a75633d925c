"""Shared by the frameworks commands: reading a model file and naming a version CODE@VERSION."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from audit.context import Actor
from frameworks.files import DefinitionFileError, read_definition
from frameworks.models import FrameworkVersion

FILE_SUFFIXES = (".yaml", ".yml", ".xlsx", ".json")
BAD_LABEL = "请写成 CODE@VERSION，例如 GEN-JS@2025 (write CODE@VERSION, e.g. GEN-JS@2025): {label}"
NOT_FOUND = "没有这个模型版本 (no such framework version): {label}"


def actor(command: str) -> Actor:
    return Actor(username=f"command:{command}", role="system")


def problems_text(heading: str, problems: list[str]) -> str:
    """A heading and one indented line per problem (CommandError prints it on stderr)."""
    return "\n".join([heading, *(f"  - {problem}" for problem in problems)])


def definition_read(path: Path) -> dict[str, Any]:
    """The definition in `path`; CommandError (every problem listed) when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from exc
    try:
        return read_definition(data, filename=path.name)
    except DefinitionFileError as exc:
        raise CommandError(problems_text(f"{path}:", exc.problems)) from exc


def version_by_label(label: str) -> FrameworkVersion:
    """CODE@VERSION, any status (commands act as the system)."""
    code, at, version = label.partition("@")
    if not (code and at and version):
        raise CommandError(BAD_LABEL.format(label=label))
    return version_get(code, version)


def version_get(code: str, version: str) -> FrameworkVersion:
    found = (
        FrameworkVersion.objects.select_related("framework")
        .filter(framework__code=code, version=version)
        .first()
    )
    if found is None:
        raise CommandError(NOT_FOUND.format(label=f"{code}@{version}"))
    return found
