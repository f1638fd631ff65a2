from django.apps import AppConfig


class VerificationConfig(AppConfig):
    """Public verification (``/verify/`` and the API's verification routes): no login, no per-user work.

    The pages and routes only; what a certificate's verdict is stays in ``cecert.certificates.domain``.
    """

    name = "cecert.verification"
    label = "verification"
    verbose_name = "证书查验"
