"""`zhigai load_index_definitions [--dir DIR]`: validate and load every index definition file
(YAML) in devindex/data/. Loading the same files again changes nothing and says so; a file whose
code@version is already loaded with other content is refused (a loaded definition never changes:
give it a new version). Nothing is loaded when any file has a problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from audit.context import Actor, acting_as
from devindex.services import index_definition_load
from frameworks.files import DefinitionFileError, read_definition

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SUFFIXES = (".yaml", ".yml")


def _read(path: Path) -> Any:
    """The file's mapping, read as maturity-model files are: a key written twice or a syntax
    error is refused with its line (bilingual messages of frameworks.files)."""
    try:
        return read_definition(path.read_bytes(), filename=path.name)
    except OSError as exc:
        raise CommandError(f"{path}: 无法读取 (unreadable): {exc}") from exc
    except DefinitionFileError as exc:
        problems = "\n".join(f"  - {p}" for p in exc.problems)
        raise CommandError(f"{path.name}: 未载入任何定义 (nothing was loaded)\n{problems}") from exc


class Command(BaseCommand):
    help = "Validate and load every development-index definition in devindex/data/ (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=DATA_DIR, help=f"default: {DATA_DIR}")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["dir"]
        if not directory.is_dir():
            raise CommandError(f"不是目录 (not a directory): {directory}")
        paths = sorted(p for p in directory.iterdir() if p.suffix.lower() in SUFFIXES)
        if not paths:
            raise CommandError(f"目录中没有指数定义文件 (no index definition files in) {directory}")
        outcomes = []
        actor = Actor(username="command:load_index_definitions", role="system")
        with transaction.atomic(), acting_as(actor):
            for path in paths:
                content = _read(path)
                try:
                    outcomes.append(index_definition_load(content=content, source_file=path.name))
                except ValidationError as exc:
                    problems = "\n".join(f"  - {m}" for m in exc.messages)
                    raise CommandError(
                        f"{path.name}: 未载入任何定义 (nothing was loaded)\n{problems}"
                    ) from exc
        for definition, created in outcomes:
            state = "载入 (loaded)" if created else "未变 (unchanged)"
            self.stdout.write(
                f"{definition.code}@{definition.version}  {state}  {definition.title}"
            )
        loaded = sum(created for _, created in outcomes)
        unchanged = len(outcomes) - loaded
        self.stdout.write(
            self.style.SUCCESS(
                f"发展指数定义 (index definitions): {loaded} loaded, {unchanged} unchanged"
            )
        )
