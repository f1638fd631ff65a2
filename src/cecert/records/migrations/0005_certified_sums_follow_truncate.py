"""Emptying the records table empties the maintained sums too (PostgreSQL).

The row triggers of 0003 keep ``records_certifiedyearsum`` equal to a recomputation for every
INSERT, UPDATE and DELETE, but PostgreSQL fires no row trigger for TRUNCATE: a truncated records
table left sums for people who no longer had records (found as 40 "mismatches" after a
transactional test, whose flush truncates every managed table — the sums table is unmanaged, so
the flush never reached it). SQLite has no TRUNCATE; its flush deletes rows and fires 0003's
delete trigger.
"""

from django.db import migrations

FUNCTION = (
    "CREATE OR REPLACE FUNCTION records_sums_truncated() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN TRUNCATE records_certifiedyearsum; RETURN NULL; END $$"
)
TRIGGER = (
    "CREATE TRIGGER records_sums_truncate AFTER TRUNCATE ON records_record "
    "FOR EACH STATEMENT EXECUTE FUNCTION records_sums_truncated()"
)
DROP = [
    "DROP TRIGGER IF EXISTS records_sums_truncate ON records_record",
    "DROP FUNCTION IF EXISTS records_sums_truncated()",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(TRIGGER)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("records", "0004_review_chain_leave_approval_references")]

    operations = [migrations.RunPython(forwards, backwards)]
