"""`zhigai diff_framework CODE@A CODE@B`: the differences between two model versions, in words."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from frameworks.management.commands._common import version_by_label
from frameworks.selectors import framework_version_diff


class Command(BaseCommand):
    help = "List the differences from one maturity model version to another (CODE@A CODE@B)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("old", metavar="CODE@A")
        parser.add_argument("new", metavar="CODE@B")

    def handle(self, *args: Any, **options: Any) -> None:
        old, new = version_by_label(options["old"]), version_by_label(options["new"])
        changes = framework_version_diff(old, new)
        for change in changes:
            self.stdout.write(change.text)
        if not changes:
            self.stdout.write(f"{old.label} → {new.label}: 没有差异 (no differences)")
