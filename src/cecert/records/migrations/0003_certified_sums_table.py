"""The certified sums become a table kept current by triggers (ADR 0011), replacing the view.

The SQL is copied from ``cecert.records.domain.sums`` as of this migration.
"""

import importlib

from django.db import migrations

TABLE = "records_certifiedyearsum"
COLUMNS = "person_id, year, public_tenths, professional_tenths, deems_public_records, deems_professional_records"
PUBLIC = "CASE WHEN {r}.subject = 'public' THEN CAST(ROUND({r}.amount * 10) AS INTEGER) ELSE 0 END"
PROFESSIONAL = "CASE WHEN {r}.subject = 'professional' THEN CAST(ROUND({r}.amount * 10) AS INTEGER) ELSE 0 END"
DEEMS_PUBLIC = "CASE WHEN {r}.deems_public THEN 1 ELSE 0 END"
DEEMS_PROFESSIONAL = "CASE WHEN {r}.deems_professional THEN 1 ELSE 0 END"
ADD = (
    "public_tenths = {t}.public_tenths + excluded.public_tenths, "
    "professional_tenths = {t}.professional_tenths + excluded.professional_tenths, "
    "deems_public_records = {t}.deems_public_records + excluded.deems_public_records, "
    "deems_professional_records = {t}.deems_professional_records + excluded.deems_professional_records"
)


def contribution(alias, sign=""):
    return ", ".join(f"{sign}({p.format(r=alias)})" for p in (PUBLIC, PROFESSIONAL, DEEMS_PUBLIC, DEEMS_PROFESSIONAL))


CREATE_TABLE = f"""
CREATE TABLE {TABLE} (
    person_id bigint NOT NULL,
    year smallint NOT NULL,
    public_tenths integer NOT NULL DEFAULT 0,
    professional_tenths integer NOT NULL DEFAULT 0,
    deems_public_records integer NOT NULL DEFAULT 0,
    deems_professional_records integer NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, year)
)
"""
FILL = f"""
INSERT INTO {TABLE} ({COLUMNS})
SELECT r.person_id, r.year, SUM({PUBLIC.format(r="r")}), SUM({PROFESSIONAL.format(r="r")}),
       SUM({DEEMS_PUBLIC.format(r="r")}), SUM({DEEMS_PROFESSIONAL.format(r="r")})
FROM records_record r WHERE r.state = 'certified' GROUP BY r.person_id, r.year
"""

PG_DELTA = """
INSERT INTO {table} AS s ({columns})
SELECT person_id, year, SUM(p), SUM(q), SUM(dp), SUM(dq) FROM (
    {parts}
) d (person_id, year, p, q, dp, dq)
GROUP BY person_id, year
HAVING SUM(p) <> 0 OR SUM(q) <> 0 OR SUM(dp) <> 0 OR SUM(dq) <> 0
ORDER BY person_id, year
ON CONFLICT (person_id, year) DO UPDATE SET {add}
"""


def pg_function(name, parts):
    body = PG_DELTA.format(table=TABLE, columns=COLUMNS, parts="\n    UNION ALL ".join(parts), add=ADD.format(t="s"))
    return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body};\nRETURN NULL;\nEND $$"


PG_NEW = f"SELECT n.person_id, n.year, {contribution('n')} FROM new_rows n WHERE n.state = 'certified'"
PG_OLD = f"SELECT o.person_id, o.year, {contribution('o', '-')} FROM old_rows o WHERE o.state = 'certified'"
POSTGRESQL = [
    pg_function("records_sums_after_insert", [PG_NEW]),
    pg_function("records_sums_after_update", [PG_NEW, PG_OLD]),
    pg_function("records_sums_after_delete", [PG_OLD]),
    "CREATE TRIGGER records_sums_insert AFTER INSERT ON records_record REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION records_sums_after_insert()",
    "CREATE TRIGGER records_sums_update AFTER UPDATE ON records_record "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION records_sums_after_update()",
    "CREATE TRIGGER records_sums_delete AFTER DELETE ON records_record REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION records_sums_after_delete()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS records_sums_insert ON records_record",
    "DROP TRIGGER IF EXISTS records_sums_update ON records_record",
    "DROP TRIGGER IF EXISTS records_sums_delete ON records_record",
    "DROP FUNCTION IF EXISTS records_sums_after_insert()",
    "DROP FUNCTION IF EXISTS records_sums_after_update()",
    "DROP FUNCTION IF EXISTS records_sums_after_delete()",
]


def sqlite_upsert(alias, sign=""):
    return (
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {alias}.person_id, {alias}.year, {contribution(alias, sign)} "
        f"WHERE {alias}.state = 'certified' ON CONFLICT (person_id, year) DO UPDATE SET {ADD.format(t=TABLE)};"
    )


SQLITE = [
    "CREATE TRIGGER records_sums_insert AFTER INSERT ON records_record WHEN NEW.state = 'certified' "
    f"BEGIN {sqlite_upsert('NEW')} END",
    "CREATE TRIGGER records_sums_update AFTER UPDATE ON records_record "
    "WHEN NEW.state = 'certified' OR OLD.state = 'certified' "
    f"BEGIN {sqlite_upsert('OLD', '-')} {sqlite_upsert('NEW')} END",
    "CREATE TRIGGER records_sums_delete AFTER DELETE ON records_record WHEN OLD.state = 'certified' "
    f"BEGIN {sqlite_upsert('OLD', '-')} END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS records_sums_insert",
    "DROP TRIGGER IF EXISTS records_sums_update",
    "DROP TRIGGER IF EXISTS records_sums_delete",
]

# The view this migration replaces, restored when it is reversed.
VIEW = importlib.import_module("cecert.records.migrations.0002_certified_sums_view").CERTIFIED_SUMS_VIEW_SQL


def forwards(apps, schema_editor):
    run = schema_editor.execute
    run("DROP VIEW records_certifiedyearsum")
    run(CREATE_TABLE)
    run(FILL)
    for statement in POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE:
        run(statement)


def backwards(apps, schema_editor):
    for statement in POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)
    schema_editor.execute(f"DROP TABLE {TABLE}")
    schema_editor.execute(VIEW)


class Migration(migrations.Migration):
    dependencies = [("records", "0002_certified_sums_view")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.RenameField("certifiedyearsum", "deems_public", "deems_public_records"),
                migrations.RenameField("certifiedyearsum", "deems_professional", "deems_professional_records"),
            ],
        )
    ]
