# The audit trail split over several hash chains (ADR 0025). Every existing entry is chain 1, whose
# genesis is the zero hash it always had, so the trail written before the split verifies unchanged.
# Adding the column with a default is a catalogue change on PostgreSQL: no row is updated, so the
# append-only trigger is not involved.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_audit_key_and_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="chain",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="链"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="sequence",
            field=models.PositiveBigIntegerField(verbose_name="序号"),
        ),
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ["chain", "sequence"], "verbose_name": "审计日志", "verbose_name_plural": "审计日志"},
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(fields=("chain", "sequence"), name="audit_entry_chain_sequence"),
        ),
    ]
