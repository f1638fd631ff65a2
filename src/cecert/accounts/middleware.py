"""Session rules for officers and administrators: idle timeout and a second factor."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

LAST_SEEN_SESSION_KEY = "cecert_last_seen"


# The last-seen stamp is rewritten at most this often: a 30-minute timeout needs no finer clock, and
# a page's htmx fragments (loaded in parallel right after it) then read the session without writing it.
LAST_SEEN_RESOLUTION_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_privileged:  # type: ignore[union-attr]
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
            if last_seen is not None and now - last_seen > settings.CECERT_IDLE_TIMEOUT_SECONDS:
                logout(request)
                return redirect(f"{reverse('accounts:login')}?timeout=1")
            if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
                request.session[LAST_SEEN_SESSION_KEY] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """Officers and administrators reach nothing but the TOTP pages until verified.

    Runs after django-otp's ``OTPMiddleware``, which sets ``user.is_verified()`` from the device
    recorded in the session by ``django_otp.login`` (ADR 0016).
    """

    exempt_prefixes = ("/accounts/2fa/", "/accounts/logout/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.is_privileged  # type: ignore[union-attr]
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]  # set by OTPMiddleware
            and not request.path.startswith(self.exempt_prefixes)
        ):
            from cecert.accounts.domain.second_factor import is_enrolled

            if request.path.startswith("/api/"):
                return HttpResponse(status=401)
            target = reverse("accounts:totp_verify" if is_enrolled(user) else "accounts:totp_enrol")  # type: ignore[arg-type]
            if request.method == "GET":  # come back here afterwards (checked again before redirecting)
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)


class PasswordMustChangeMiddleware:
    """After an assisted reset the temporary password opens nothing but the page to choose a new one."""

    exempt_prefixes = ("/accounts/password/change/", "/accounts/2fa/", "/accounts/logout/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.password_must_change  # type: ignore[union-attr]
            and not request.path.startswith(self.exempt_prefixes)
        ):
            if request.path.startswith("/api/"):
                return HttpResponse(status=401)
            return redirect(reverse("accounts:password_change"))
        return self.get_response(request)
