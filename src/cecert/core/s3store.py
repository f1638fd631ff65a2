"""The object-store backend of the file stores: django-storages' S3 storage, making no URLs (ADR 0021).

Its own module so that boto3 is imported only where ``CECERT_FILE_STORE=s3`` chose it.
"""

from __future__ import annotations

from typing import Any

from storages.backends.s3 import S3Storage

from cecert.core.files import NoPublicUrl


class S3Store(S3Storage):
    """Objects are private (ACL ``private``); not even a signed URL is made, since one would let its
    holder fetch the file without the jurisdiction check of the view that serves it."""

    def url(self, *args: Any, **kwargs: Any) -> str:
        raise NoPublicUrl
