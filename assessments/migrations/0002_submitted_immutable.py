"""A submitted result never changes (architecture invariant 1), enforced by the database itself so
no code path (ORM, raw SQL, admin) can alter what was scored: on SQLite and PostgreSQL a trigger
refuses to change a submitted assessment's answers, result, scores, level, pinned model version,
enterprise, kind or variant, or to turn it back into a draft. Plausibility flags stay writable:
they are reviewers' annotations, recomputed when peer data changes. Deletion is left to the
application (which never deletes a result), as for published model versions (see
frameworks/migrations/0002)."""

from django.db import migrations

COLUMNS = (
    "answers", "result", "total", "max_total", "level", "level_rank", "level_name",
    "framework_version_id", "framework_id", "enterprise_id", "kind", "variant",
    "dimension_scores",
)
LOCKED = "OLD.status = 'submitted'"
PG_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in COLUMNS)
SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION assessments_result_immutable() RETURNS trigger AS $$
BEGIN
    IF {LOCKED} AND (NEW.status <> 'submitted' OR {PG_CHANGED}) THEN
        RAISE EXCEPTION 'a submitted assessment is immutable';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER assessments_assessment_immutable
    BEFORE UPDATE ON assessments_assessment
    FOR EACH ROW EXECUTE FUNCTION assessments_result_immutable();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS assessments_assessment_immutable ON assessments_assessment;
DROP FUNCTION IF EXISTS assessments_result_immutable();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER assessments_assessment_immutable BEFORE UPDATE ON assessments_assessment
WHEN {LOCKED} AND (NEW.status <> 'submitted' OR {SQLITE_CHANGED})
BEGIN SELECT RAISE(ABORT, 'a submitted assessment is immutable'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS assessments_assessment_immutable;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
