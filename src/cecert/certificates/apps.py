"""The certificates app: issuing departments' keys, sealed certificates, public verification."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class CertificatesConfig(AppConfig):
    name = "cecert.certificates"
    label = "certificates"
    verbose_name = "证书"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cecert.certificates.domain import issuance, sources
        from cecert.core.labels import register_label_lookup
        from cecert.core.scheduler import register_job

        checks.register(check_cjk_font, checks.Tags.compatibility)
        sources.connect_overturn_signal(issuance.reissue_after_overturn)
        register_label_lookup("activity", sources.ACTIVITY_LABELS.get)  # after crediting's schema titles
        register_job(
            "resume_interrupted_batches",
            "*/15 * * * *",
            "cecert.certificates.tasks.resume_interrupted_batches_task",
            "恢复中断的批量发证",
        )


def check_cjk_font(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Certificate PDFs need a TrueType CJK font; refuse to start without one."""
    from cecert.certificates.pdf.fonts import FontNotFoundError, cjk_font_path

    try:
        cjk_font_path()
    except FontNotFoundError as exc:
        return [
            checks.Error(
                str(exc),
                hint="apt-get install fonts-wqy-microhei",
                id="certificates.E001",
            )
        ]
    return []
