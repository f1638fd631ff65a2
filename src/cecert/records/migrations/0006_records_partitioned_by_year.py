"""Records partitioned by year on PostgreSQL (ADR 0027); SQLite keeps the plain table.

The conversion is ``cecert.core.partitioning.partition_by_year``: the certified-sums triggers of
0003/0005 and every index are carried over to the partitioned table, the foreign keys from proofs,
spot checks, confirmations, notifications, violations, catalogs and the record's own
``duplicate_of``/``merged_into`` become deferred constraint triggers with the same meaning.
"""

import datetime

from django.db import migrations

from cecert.core import partitioning


def forwards(apps, schema_editor):
    this_year = datetime.date.today().year
    partitioning.partition_by_year(
        schema_editor, "records_record", "year", key="year", years=[this_year - 1, this_year], ahead=2
    )


def backwards(apps, schema_editor):
    partitioning.unpartition(schema_editor, "records_record")


class Migration(migrations.Migration):
    atomic = True
    dependencies = [
        ("records", "0005_certified_sums_follow_truncate"),
        # Every foreign key into records exists before the conversion replaces it (ADR 0027).
        ("catalogs", "0003_alter_importrun_kind"),
        ("notifications", "0002_deliveries"),
        ("policies", "0001_filed_crediting_policies"),
        ("review", "0002_notification_moved"),
        ("violations", "0001_violations_register"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
