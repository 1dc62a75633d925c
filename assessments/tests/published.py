"""Publish only the default models a test needs (the YAML files are parsed once per process)."""

from __future__ import annotations

import copy
import functools
from typing import Any

import yaml

from assessments.tests.factories import DATA_DIR
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_get_published
from frameworks.services import framework_load


@functools.cache
def _definitions() -> dict[str, tuple[str, dict[str, Any]]]:
    """Model code → (file name, definition) of every default model."""
    found = {}
    for path in sorted(DATA_DIR.glob("*.yaml")):
        definition = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        found[definition["framework"]["code"]] = (path.name, definition)
    return found


def definition_of(code: str) -> dict[str, Any]:
    """A fresh copy of the default model `code`'s definition."""
    return copy.deepcopy(_definitions()[code][1])


def publish(*codes: str) -> dict[str, FrameworkVersion]:
    """Load and publish the default models `codes`; model code → published version."""
    files = [(_definitions()[code][0], definition_of(code)) for code in codes]
    framework_load(files=files, by=None)
    return {code: framework_version_get_published(code=code) for code in codes}
