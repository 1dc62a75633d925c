"""A published index run never changes (architecture invariant 1), enforced by the database so no
code path (ORM, raw SQL, admin) can alter what was published: on SQLite and PostgreSQL triggers
refuse to change a published run, and to insert or change the values of a published run.
Publishing itself (published false → true) is an update of an unpublished row and passes. A loaded
definition never changes either: its code, version, content and hash are refused any update (a new
version is a new row). As for submitted assessments and decided applications, deleting rows is left
to the database owner (no service, page or admin action deletes a run), so that test databases can
be flushed. The services refuse first, with a message (devindex/services.py); this is the guarantee
for every other code path."""

from django.db import migrations

RUN_COLUMNS = (
    "definition_id",
    "snapshot_id",
    "year",
    "status",
    "progress_done",
    "progress_total",
    "error",
    "method_stamp",
    "summary",
    "created_by_id",
    "created_at",
    "finished_at",
    "published",
    "published_at",
    "published_by_id",
    "values_sha256",
)
VALUE_COLUMNS = (
    "run_id",
    "unit_level",
    "unit_code",
    "node",
    "raw",
    "score",
    "rank",
    "rank_median",
    "rank_p05",
    "rank_p95",
    "tier",
    "imputed",
)
DEFINITION_COLUMNS = ("code", "version", "content", "sha256")


def _changed(columns, op):
    return " OR ".join(f"NEW.{c} {op} OLD.{c}" for c in columns)


RUN_MESSAGE = "a published index run is immutable"
VALUE_MESSAGE = "the values of a published index run are immutable"
DEFINITION_MESSAGE = "a loaded index definition is immutable"

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION devindex_run_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.published AND ({_changed(RUN_COLUMNS, "IS DISTINCT FROM")}) THEN
        RAISE EXCEPTION '{RUN_MESSAGE}';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER devindex_run_immutable
    BEFORE UPDATE ON devindex_indexrun
    FOR EACH ROW EXECUTE FUNCTION devindex_run_immutable();

CREATE OR REPLACE FUNCTION devindex_value_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND EXISTS (
        SELECT 1 FROM devindex_indexrun WHERE id = OLD.run_id AND published
    ) THEN
        RAISE EXCEPTION '{VALUE_MESSAGE}';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM devindex_indexrun WHERE id = NEW.run_id AND published
    ) THEN
        RAISE EXCEPTION '{VALUE_MESSAGE}';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER devindex_value_immutable
    BEFORE INSERT OR UPDATE ON devindex_indexvalue
    FOR EACH ROW EXECUTE FUNCTION devindex_value_immutable();

CREATE OR REPLACE FUNCTION devindex_definition_immutable() RETURNS trigger AS $$
BEGIN
    IF {_changed(DEFINITION_COLUMNS, "IS DISTINCT FROM")} THEN
        RAISE EXCEPTION '{DEFINITION_MESSAGE}';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER devindex_definition_immutable
    BEFORE UPDATE ON devindex_indexdefinition
    FOR EACH ROW EXECUTE FUNCTION devindex_definition_immutable();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS devindex_run_immutable ON devindex_indexrun;
DROP FUNCTION IF EXISTS devindex_run_immutable();
DROP TRIGGER IF EXISTS devindex_value_immutable ON devindex_indexvalue;
DROP FUNCTION IF EXISTS devindex_value_immutable();
DROP TRIGGER IF EXISTS devindex_definition_immutable ON devindex_indexdefinition;
DROP FUNCTION IF EXISTS devindex_definition_immutable();
"""
PUBLISHED_RUN = "(SELECT published FROM devindex_indexrun WHERE id = {ref}.run_id) = 1"
SQLITE_FORWARD = [
    f"""CREATE TRIGGER devindex_run_immutable BEFORE UPDATE ON devindex_indexrun
WHEN OLD.published = 1 AND ({_changed(RUN_COLUMNS, "IS NOT")})
BEGIN SELECT RAISE(ABORT, '{RUN_MESSAGE}'); END;""",
    f"""CREATE TRIGGER devindex_value_insert BEFORE INSERT ON devindex_indexvalue
WHEN {PUBLISHED_RUN.format(ref="NEW")}
BEGIN SELECT RAISE(ABORT, '{VALUE_MESSAGE}'); END;""",
    f"""CREATE TRIGGER devindex_value_update BEFORE UPDATE ON devindex_indexvalue
WHEN {PUBLISHED_RUN.format(ref="OLD")} OR {PUBLISHED_RUN.format(ref="NEW")}
BEGIN SELECT RAISE(ABORT, '{VALUE_MESSAGE}'); END;""",
    f"""CREATE TRIGGER devindex_definition_immutable BEFORE UPDATE ON devindex_indexdefinition
WHEN {_changed(DEFINITION_COLUMNS, "IS NOT")}
BEGIN SELECT RAISE(ABORT, '{DEFINITION_MESSAGE}'); END;""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "devindex_run_immutable",
        "devindex_value_insert",
        "devindex_value_update",
        "devindex_definition_immutable",
    )
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("devindex", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
