"""`zhigai load_scenarios [--file PATH]`: load the scenario vocabulary of the resource pool
(catalog/data/scenarios.yaml), all or nothing. Running it again changes nothing and says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import Actor, acting_as
from catalog.reference import SCENARIOS_FILE, scenarios_load


class Command(BaseCommand):
    help = "Load the typical scenarios of the resource pool (idempotent, all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=SCENARIOS_FILE)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with acting_as(Actor(username="command:load_scenarios", role="system")):
                result = scenarios_load(path=path)
        except ValidationError as exc:
            lines = [f"{path}: 未加载任何场景 (nothing was loaded)"]
            lines += [f"  - {message}" for message in exc.messages]
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(
            f"典型场景 (scenarios): {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged"
        )
        if result.unlisted:
            self.stdout.write(
                "不在文件中、已保留 (kept, no longer in the file): " + ", ".join(result.unlisted)
            )
