"""`zhigai reindex_catalog`: recompute the search tokens of every entry and provider (after a
change of catalog/data/userdict.txt or of the tokenizer, or rows written without the services)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from catalog.search import entry_reindex_all, provider_reindex_all


class Command(BaseCommand):
    help = "Recompute the full-text search tokens of the resource pool."

    def handle(self, *args: Any, **options: Any) -> None:
        entries = entry_reindex_all()
        providers = provider_reindex_all()
        self.stdout.write(f"reindexed {entries} entries, {providers} providers")
