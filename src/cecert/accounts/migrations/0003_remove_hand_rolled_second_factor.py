"""The hand-rolled TOTP fields and Argon2-hashed recovery codes give way to the devices of 0002 (ADR 0016)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_second_factor_devices'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='user',
            name='totp_confirmed_at',
        ),
        migrations.RemoveField(
            model_name='user',
            name='totp_secret',
        ),
        migrations.DeleteModel(
            name='RecoveryCode',
        ),
    ]
