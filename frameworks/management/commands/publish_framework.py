"""`zhigai publish_framework CODE@VERSION`: publish a draft; the version of the same code published
until now becomes superseded."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import acting_as
from frameworks.management.commands._common import actor, problems_text, version_by_label
from frameworks.services import framework_version_publish


class Command(BaseCommand):
    help = "Publish a draft maturity model version (CODE@VERSION)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("label", metavar="CODE@VERSION")

    def handle(self, *args: Any, **options: Any) -> None:
        version = version_by_label(options["label"])
        try:
            with acting_as(actor("publish_framework")):
                framework_version_publish(version=version, by=None)
        except ValidationError as exc:
            raise CommandError(problems_text(f"{version.label}:", exc.messages)) from exc
        self.stdout.write(f"{version.label}: 已发布 (published)")
