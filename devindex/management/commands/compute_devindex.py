"""`zhigai compute_devindex --year Y [--definition CODE@VERSION] [--publish]`: compute the
development index now (synchronously, printing progress) on the current coverage snapshot, as the
platform, and optionally publish it. The definition defaults to the latest loaded one. `make demo`
runs it after `compute_coverage`."""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import Actor, acting_as
from devindex.models import IndexDefinition, IndexRun
from devindex.services import index_run_create, index_run_execute, index_run_publish

NO_DEFINITION = (
    "尚未载入指数定义，请先运行 load_index_definitions "
    "(no index definition: run load_index_definitions first)"
)
BAD_LABEL = "请写成 CODE@VERSION，例如 JSDI@2025.1 (write CODE@VERSION, e.g. JSDI@2025.1): {label}"


def _definition(label: str | None) -> IndexDefinition:
    if label is None:
        found = IndexDefinition.objects.order_by("-loaded_at", "-pk").first()
        if found is None:
            raise CommandError(NO_DEFINITION)
        return found
    code, at, version = label.partition("@")
    found = IndexDefinition.objects.filter(code=code, version=version).first() if at else None
    if found is None:
        raise CommandError(BAD_LABEL.format(label=label))
    return found


class Command(BaseCommand):
    help = "Compute the development index now (synchronously, with progress); --publish it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--definition", help="CODE@VERSION (default: the latest loaded)")
        parser.add_argument("--publish", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        definition = _definition(options["definition"])
        with acting_as(Actor(username="command:compute_devindex", role="system")):
            try:
                run = index_run_create(definition=definition, year=options["year"], by=None)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            shown = [-1]

            def progress(done: int, total: int) -> None:
                percent = 100 * done // max(total, 1)
                if percent >= shown[0] + 10 or (percent == 100 and shown[0] < 100):
                    shown[0] = percent
                    self.stdout.write(f"index run #{run.pk}: {percent}%")

            index_run_execute(run=run, progress=progress)
            if run.status != IndexRun.Status.DONE:
                raise CommandError(run.error)
            if options["publish"]:
                index_run_publish(run=run, by=None)
        units = ", ".join(f"{k} {v}" for k, v in run.summary["counts"]["units"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"index run #{run.pk} {definition} {run.year} done"
                f"{' and published' if run.published else ''}: {units}; "
                f"{run.summary['counts']['values']} values in {time.monotonic() - started:.1f} s"
            )
        )
