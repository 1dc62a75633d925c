"""Make published model versions immutable in the database itself, so no code path (ORM, raw SQL,
admin) can change what assessments pinned: on SQLite and PostgreSQL, triggers refuse to change a
published or superseded version's content (definition, digest, code, version, titles) or to turn it
back into a draft, and (PostgreSQL, the production database) refuse to delete it. Its status may
still move published → superseded.

On SQLite, as for the audit table, deletion is left to the application (which never deletes a
published version): Django's test flush empties SQLite tables with DELETE, so a delete trigger
there would break every transactional and browser test that publishes a model. PostgreSQL's flush
uses TRUNCATE, which row triggers do not see."""

from django.db import migrations

LOCKED = "OLD.status IN ('published', 'superseded')"
PG_CHANGED = " OR ".join(
    f"NEW.{column} IS DISTINCT FROM OLD.{column}"
    for column in ("definition", "digest", "framework_id", "version", "title_zh", "title_en",
                   "provisional")
)
SQLITE_CHANGED = " OR ".join(
    f"NEW.{column} IS NOT OLD.{column}"
    for column in ("definition", "digest", "framework_id", "version", "title_zh", "title_en",
                   "provisional")
)

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION frameworks_version_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF {LOCKED} THEN
            RAISE EXCEPTION 'a published framework version cannot be deleted';
        END IF;
        RETURN OLD;
    END IF;
    IF {LOCKED} AND (NEW.status = 'draft' OR {PG_CHANGED}) THEN
        RAISE EXCEPTION 'a published framework version is immutable';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER frameworks_frameworkversion_immutable
    BEFORE UPDATE OR DELETE ON frameworks_frameworkversion
    FOR EACH ROW EXECUTE FUNCTION frameworks_version_immutable();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS frameworks_frameworkversion_immutable ON frameworks_frameworkversion;
DROP FUNCTION IF EXISTS frameworks_version_immutable();
"""
SQLITE_FORWARD = [
    f"""
CREATE TRIGGER frameworks_frameworkversion_no_update BEFORE UPDATE ON frameworks_frameworkversion
WHEN {LOCKED} AND (NEW.status = 'draft' OR {SQLITE_CHANGED})
BEGIN SELECT RAISE(ABORT, 'a published framework version is immutable'); END;
""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS frameworks_frameworkversion_no_update;",
    "DROP TRIGGER IF EXISTS frameworks_frameworkversion_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
