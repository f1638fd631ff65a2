"""Users, role memberships, professionals (专业技术人员) and their registration."""

from __future__ import annotations

import base64
import time
from functools import cached_property

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from cecert.accounts.jurisdiction import person_scope
from cecert.accounts.roles import Role  # callers import Role from here too
from cecert.organisations.models import Organisation

PERSON_LOGIN_PREFIX = "id:"


# Roles that must use a second factor and time out when idle (等保三级).
PRIVILEGED_ROLES = frozenset(Role) - {Role.PROFESSIONAL}
# Roles whose membership must name an organisation.
ORGANISATION_ROLES = {
    Role.EMPLOYER_ADMIN: "employer",
    Role.HR_OFFICER: "hr",
    Role.INDUSTRY_OFFICER: "industry",
    Role.BASE_ADMIN: "base",
}


class UserManager(BaseUserManager["User"]):
    def create_user(self, username: str, password: str | None = None, **fields: object) -> User:
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):  # type: ignore[django-manager-missing]  # django-otp ships no types
    """A login. Professionals log in with their ID number, stored only as a keyed hash."""

    username = models.CharField(_("登录名"), max_length=80, unique=True)
    display_name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    # When the holder proved the number / address with a code sent to it (cleared when it changes):
    # notices and password-recovery codes go only to verified contacts.
    phone_verified_at = models.DateTimeField(_("手机号码验证时间"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("电子邮箱验证时间"), null=True, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set by an assisted reset (a temporary password given by an administrator): the next login must change it.
    password_must_change = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def active_memberships(self) -> list[Membership]:
        return list(
            self.memberships.filter(active=True)
            .select_related("organisation", "organisation__region", "organisation__industry")
            .order_by("pk")
        )

    @cached_property
    def roles(self) -> frozenset[str]:
        roles = {m.role for m in self.active_memberships}
        if Person.objects.filter(user=self, state=RegistrationState.APPROVED).exists():
            roles.add(Role.PROFESSIONAL)
        return frozenset(roles)

    def has_perm(self, perm: str, obj: object = None) -> bool:
        """Object permissions come from the ``rules`` predicates alone (no permission tables)."""
        import rules

        return self.is_active and rules.has_perm(perm, self, obj)

    @property
    def is_privileged(self) -> bool:
        return bool(self.roles & PRIVILEGED_ROLES)

    def organisations_for(self, role: str) -> list[Organisation]:
        return [m.organisation for m in self.active_memberships if m.role == role and m.organisation]


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "organisation"], name="unique_membership"),
            models.CheckConstraint(
                condition=models.Q(role__in=["sysadmin", "auditor"]) | models.Q(organisation__isnull=False),
                name="membership_names_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation or ''}"


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator (RFC 6238) on django-otp's device API, its key encrypted at rest (ADR 0016).

    django-otp's own ``TOTPDevice`` keeps the key in clear; 等保三级 asks that 鉴别数据 be stored
    confidentially, so the fields are ``TOTPDevice``'s with the key sealed by ``cecert.core.crypto``.
    Verification is ``TOTPDevice.verify_token``'s: django-otp's ``TOTP.verify`` from the step after
    the last one used (a code is accepted once), within ``tolerance`` steps, the drift learnt, and
    django-otp's exponential throttling after failures.
    """

    # (annotated: django-otp ships no types, so mypy's Django plugin cannot see this as a model)
    key_encrypted: models.TextField[str, str] = models.TextField()  # the base32 secret, AES-GCM sealed
    step: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(default=30)
    t0: models.BigIntegerField[int, int] = models.BigIntegerField(default=0)
    digits: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(default=6)
    tolerance: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(default=1)
    drift: models.SmallIntegerField[int, int] = models.SmallIntegerField(default=0)
    last_t: models.BigIntegerField[int, int] = models.BigIntegerField(default=-1)  # step of the last accepted code

    class Meta:
        verbose_name = _("动态验证码设备")

    @property
    def secret(self) -> str:
        """The base32 secret an authenticator app is given (decrypted only when needed)."""
        from cecert.core.crypto import decrypt_text

        return decrypt_text(self.key_encrypted)

    @property
    def bin_key(self) -> bytes:
        return base64.b32decode(self.secret)

    def totp(self) -> TOTP:
        return TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: str) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            number = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = self.totp()
            totp.time = time.time()
            verified = totp.verify(number, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """Single-use recovery codes on django-otp's device API (its ``StaticDevice``, codes keyed-hashed)."""

    class Meta:
        verbose_name = _("恢复码")

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))

    def unused(self) -> models.QuerySet[RecoveryToken]:
        return self.tokens.filter(used_at__isnull=True)

    def verify_token(self, token: str) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        used = self.unused().filter(digest=recovery_code_digest(token)).update(used_at=timezone.now())
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return bool(used)


def normalise_recovery_code(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def recovery_code_digest(code: str) -> str:
    """A keyed digest: codes are random (~60 bits), so no slow hash is needed, and a dump alone reveals none."""
    return salted_hmac(
        "cecert.accounts.recovery-code",
        normalise_recovery_code(code),
        secret=settings.CECERT_ID_HASH_KEY,
        algorithm="sha256",
    ).hexdigest()


class RecoveryToken(models.Model):
    """One recovery code, stored as its keyed digest; used once, then kept with the time of use."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of device {self.device_id}"


class ResetChannel(models.TextChoices):
    SMS = "sms", _("手机短信")
    EMAIL = "email", _("电子邮箱")


class CodePurpose(models.TextChoices):
    RESET = "reset", _("找回密码")
    VERIFY = "verify", _("验证联系方式")


class PasswordResetCode(models.Model):
    """A one-time code sent to a mobile number or e-mail address, for a forgotten password or to verify
    the contact: stored as a keyed digest, single use, short-lived."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_reset_codes")
    channel = models.CharField(max_length=8, choices=ResetChannel.choices)
    purpose = models.CharField(max_length=8, choices=CodePurpose.choices, default=CodePurpose.RESET)
    # The contact the code went to (a verification proves that one, not whatever the account holds later).
    destination = models.CharField(max_length=254, blank=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"password reset code of {self.user_id}"


class RegistrationState(models.TextChoices):
    PENDING = "pending", _("待单位审核")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")
    APPROVED = "approved", _("已通过")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    DOCTORATE = "doctorate", _("博士研究生")
    MASTER = "master", _("硕士研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY = "secondary", _("中专及以下")


class PersonQuerySet(models.QuerySet["Person"]):
    def restrict(self, user: User) -> PersonQuerySet:
        return self.filter(person_scope(user))


class Person(models.Model):
    """A professional's profile. The ID number is never stored in the clear."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="person")
    id_number_digest = models.CharField(max_length=64, unique=True)
    id_number_encrypted = models.TextField()
    id_number_masked = models.CharField(_("身份证号码"), max_length=18)
    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices)
    specialty = models.CharField(_("所学专业"), max_length=64)
    title_series = models.CharField(_("职称系列"), max_length=64)
    employer = models.ForeignKey(
        Organisation, verbose_name=_("工作单位"), on_delete=models.PROTECT, related_name="staff"
    )
    state = models.CharField(
        _("注册状态"), max_length=16, choices=RegistrationState.choices, default=RegistrationState.PENDING
    )
    state_reason = models.TextField(_("退回原因"), blank=True)
    certificate_number = models.CharField(_("证书管理号"), max_length=13, unique=True, null=True, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("专业技术人员")
        indexes = [models.Index(fields=["employer", "state"])]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The clear number: for the owner's own page and for signing, never for logs."""
        from cecert.core.crypto import decrypt_text

        return decrypt_text(self.id_number_encrypted)


class CertificateNumberSequence(models.Model):
    """The last serial allocated under one 6-digit prefix (Article 13)."""

    prefix = models.CharField(max_length=6, primary_key=True)
    last_serial = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_serial}"


class TransferState(models.TextChoices):
    PENDING = "pending", _("待新单位审核")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")


class Transfer(models.Model):
    """A move to another employer; the certificate number and history stay."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="transfers")
    from_employer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_employer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=TransferState.choices, default=TransferState.PENDING)
    reason = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=models.Q(state="pending"), name="one_pending_transfer")
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.to_employer}"
