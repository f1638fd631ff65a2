"""Audit entries partitioned by the province's calendar year of ``at`` on PostgreSQL (ADR 0027).

The append-only trigger of 0002 is carried over; ``entry_hash`` and ``(chain, sequence)`` stay
unique within a year's partition — across years the chain walk itself proves them (a repeated or
reordered sequence breaks the chain). SQLite keeps the plain table.
"""

import datetime

from django.db import migrations

from cecert.core import partitioning


def forwards(apps, schema_editor):
    this_year = datetime.date.today().year
    partitioning.partition_by_year(
        schema_editor, "audit_auditentry", "at", key="local_year_of_timestamp", years=[this_year - 1, this_year], ahead=2
    )


def backwards(apps, schema_editor):
    partitioning.unpartition(schema_editor, "audit_auditentry")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_chains")]

    operations = [migrations.RunPython(forwards, backwards)]
