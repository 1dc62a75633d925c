"""A decided application never changes (architecture invariant 1): once recognised, rejected or
withdrawn, a trigger on SQLite and PostgreSQL refuses any change to its status, content,
certificate or decision. The services refuse first, with a message (recognition/workflow.py);
this is the guarantee for every other code path. Deletion is left to the application."""

from django.db import migrations

COLUMNS = (
    "status", "type", "enterprise_id", "year", "route", "summary", "achievements",
    "investment_10k_yuan", "contact_name", "contact_phone", "contact_email", "eligibility",
    "certificate_no", "certificate_year", "decided_at", "notice_start", "notice_end",
    "site_check_required", "site_check_passed", "site_check_note",
)
LOCKED = "OLD.status IN ('recognised', 'rejected', 'withdrawn')"
PG_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in COLUMNS)
SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION recognition_application_locked() RETURNS trigger AS $$
BEGIN
    IF {LOCKED} AND ({PG_CHANGED}) THEN
        RAISE EXCEPTION 'a decided application is locked';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER recognition_application_locked
    BEFORE UPDATE ON recognition_application
    FOR EACH ROW EXECUTE FUNCTION recognition_application_locked();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS recognition_application_locked ON recognition_application;
DROP FUNCTION IF EXISTS recognition_application_locked();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER recognition_application_locked BEFORE UPDATE ON recognition_application
WHEN {LOCKED} AND ({SQLITE_CHANGED})
BEGIN SELECT RAISE(ABORT, 'a decided application is locked'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS recognition_application_locked;"


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
    dependencies = [("recognition", "0002_transition_snapshot")]

    operations = [migrations.RunPython(forward, backward)]
