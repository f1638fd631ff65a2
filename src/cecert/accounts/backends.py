"""Log in with an ID number (professionals) or a login name (everyone else)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from cecert.accounts.idnumbers import IdNumberError, id_number_digest, parse_id_number
from cecert.accounts.models import PERSON_LOGIN_PREFIX, User


def login_name_for(raw: str) -> str:
    """Map what the user typed to the stored username (ID numbers become their digest)."""
    raw = raw.strip()
    try:
        parsed = parse_id_number(raw)
    except IdNumberError:
        return raw
    return PERSON_LOGIN_PREFIX + id_number_digest(parsed.value, settings.CECERT_ID_HASH_KEY)


class LoginNameBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        return super().authenticate(request, username=login_name_for(username), password=password)


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    raw = (credentials or {}).get("username") or (request.POST.get("username", "") if request else "")
    return login_name_for(str(raw))
