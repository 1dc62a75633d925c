"""Full-text indexes of the resource pool (catalog/search.py), over the published rows only.

SQLite: a contentless FTS5 table per model (rowid = the row's id, one column: seg), kept in step by
triggers on insert, delete and any change of seg or status, so an ORM save, a bulk update or a
queryset delete all keep it right. Contentless: there is no 'rebuild' that could index drafts.
PostgreSQL: a stored generated column seg_tsv = to_tsvector('simple', seg) with a partial GIN
index WHERE status = 'published' (no extension; the tokens in seg are already segmented).
Both: an index for browsing (featured, newest); SQLite: a covering index to look the matches'
rows up in.
"""

from django.db import migrations

TABLES = ("catalog_entry", "catalog_provider")


def _sqlite_statements(table: str) -> list[str]:
    fts = f"{table}_fts"
    delete = f"INSERT INTO {fts}({fts}, rowid, seg) SELECT 'delete', old.id, old.seg"
    insert = f"INSERT INTO {fts}(rowid, seg) SELECT new.id, new.seg"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(seg, content='', tokenize='unicode61')",
        f"INSERT INTO {fts}(rowid, seg) SELECT id, seg FROM {table} WHERE status = 'published'",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} WHEN new.status = 'published' "
        f"BEGIN {insert}; END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} WHEN old.status = 'published' "
        f"BEGIN {delete}; END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF seg, status ON {table} "
        "WHEN old.seg IS NOT new.seg OR old.status IS NOT new.status BEGIN "
        f"{delete} WHERE old.status = 'published'; {insert} WHERE new.status = 'published'; END",
    ]


def _postgres_statements(table: str) -> list[str]:
    # A stored generated column: ts_rank reads the vector instead of parsing seg again per row
    # (1.3 s for 2,000 rows of 50,000 without it); the ORM never writes it.
    return [
        f"ALTER TABLE {table} ADD COLUMN seg_tsv tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, seg)) STORED",
        f"CREATE INDEX {table}_seg_fts ON {table} USING gin (seg_tsv) WHERE status = 'published'",
    ]


# Browsing (featured, newest) reads this index in order; on SQLite the full-text matches' rows are
# looked up in the covering index (catalog.search.COVER_INDEX), much narrower than the table.
INDEXES = (
    "CREATE INDEX catalog_entry_browse ON catalog_entry "
    "(status, featured DESC, published_at DESC, id DESC)",
    # Browsing's counts per kind, with the provider whose status decides if an entry is public.
    "CREATE INDEX catalog_entry_public_kind ON catalog_entry (status, kind, provider_id)",
    "CREATE INDEX catalog_entry_search_cover ON catalog_entry (id, status, kind, featured, "
    "published_at, provider_id, software_category, first_version, first_set)",
)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        return  # the project runs on SQLite and PostgreSQL only (config/settings.py)
    build = _sqlite_statements if vendor == "sqlite" else _postgres_statements
    for table in TABLES:
        for statement in build(table):
            schema_editor.execute(statement)
    for statement in INDEXES[: 3 if vendor == "sqlite" else 2]:
        if vendor == "postgresql":  # the ORDER BY's NULLS LAST (SQLite's DESC puts NULLs last)
            statement = statement.replace("published_at DESC", "published_at DESC NULLS LAST")
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        return
    schema_editor.execute("DROP INDEX IF EXISTS catalog_entry_browse")
    schema_editor.execute("DROP INDEX IF EXISTS catalog_entry_public_kind")
    schema_editor.execute("DROP INDEX IF EXISTS catalog_entry_search_cover")
    for table in TABLES:
        if vendor == "sqlite":
            for suffix in ("ai", "ad", "au"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}_fts")
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_seg_fts")
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS seg_tsv")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
