"""Each user's own notifications (never anyone else's: another's notification answers 404) and channel choices."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cecert.accounts.decorators import AuthenticatedHttpRequest
from cecert.notifications.domain.preferences import channel_choices, set_channel_choices
from cecert.notifications.models import Notification


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(user=request.user)
    page = Paginator(mine, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": mine.filter(read_at__isnull=True).count(), "choices": channel_choices(request.user)},
    )


@login_required
@require_POST
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications:list")


@login_required
@require_POST
def open_notification(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go where it points (404 for anyone else's)."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    set_channel_choices(
        request.user, {channel: request.POST.get(channel) == "on" for channel in channel_choices(request.user)}
    )
    return redirect("notifications:list")
