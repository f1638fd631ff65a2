"""The second factor moves onto django-otp devices (ADR 0016).

Each user's TOTP secret becomes an ``AuthenticatorDevice``: the sealed secret is copied as it is
(same ciphertext, same key), confirmed when the user had confirmed it. Reversing copies the newest
authenticator's secret back onto the user. Recovery codes cannot move (only their Argon2 hashes were
kept): users get ten new ones, shown once, at their next second-factor login.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def secrets_to_devices(apps, schema_editor):
    User = apps.get_model('accounts', 'User')
    AuthenticatorDevice = apps.get_model('accounts', 'AuthenticatorDevice')
    AuthenticatorDevice.objects.bulk_create(
        [
            AuthenticatorDevice(
                user_id=user_id,
                name='身份验证器',
                confirmed=confirmed_at is not None,
                key_encrypted=secret,
            )
            for user_id, secret, confirmed_at in User.objects.exclude(totp_secret='')
            .order_by('pk')
            .values_list('pk', 'totp_secret', 'totp_confirmed_at')
            .iterator()
        ],
        batch_size=1000,
    )


def devices_to_secrets(apps, schema_editor):
    User = apps.get_model('accounts', 'User')
    AuthenticatorDevice = apps.get_model('accounts', 'AuthenticatorDevice')
    for device in AuthenticatorDevice.objects.order_by('user_id', '-confirmed', '-pk').iterator():
        User.objects.filter(pk=device.user_id, totp_secret='').update(
            totp_secret=device.key_encrypted,
            totp_confirmed_at=(device.last_used_at or device.created_at or timezone.now()) if device.confirmed else None,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuthenticatorDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('key_encrypted', models.TextField()),
                ('step', models.PositiveSmallIntegerField(default=30)),
                ('t0', models.BigIntegerField(default=0)),
                ('digits', models.PositiveSmallIntegerField(default=6)),
                ('tolerance', models.PositiveSmallIntegerField(default=1)),
                ('drift', models.SmallIntegerField(default=0)),
                ('last_t', models.BigIntegerField(default=-1)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '动态验证码设备',
            },
        ),
        migrations.CreateModel(
            name='RecoveryCodeDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '恢复码',
            },
        ),
        migrations.CreateModel(
            name='RecoveryToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(db_index=True, max_length=64)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('device', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tokens', to='accounts.recoverycodedevice')),
            ],
        ),
            migrations.RunPython(secrets_to_devices, devices_to_secrets),
    ]
