from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def unread_notifications(user: Any) -> int:
    """Unread in-app notifications of ``user`` (0 when anonymous), for the header badge."""
    if not getattr(user, "is_authenticated", False):
        return 0
    from cecert.notifications.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()
