"""The gate of signed-in pages: ``role_required`` and the request type it guarantees."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

if TYPE_CHECKING:
    from cecert.accounts.models import User

    class AuthenticatedHttpRequest(HttpRequest):
        """A request behind ``login_required`` or ``role_required``: ``user`` is a real user."""

        user: User  # type: ignore[assignment]
else:
    AuthenticatedHttpRequest = HttpRequest


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Logged in and holding one of ``roles``; anyone else gets 404, not a hint that the page exists."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not (request.user.roles & set(roles)):  # type: ignore[union-attr]
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
