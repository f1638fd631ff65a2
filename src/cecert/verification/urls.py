"""``/verify/`` (public)."""

from __future__ import annotations

from django.urls import path

from cecert.verification import credentials, views

app_name = "verify"

urlpatterns = [
    path("", views.verify, name="verify"),
    path("qr", views.verify_qr, name="qr"),
    path("upload", views.verify_upload, name="upload"),
    path("keys.json", views.keys_json, name="keys_json"),
    path("keys/", views.keys_page, name="keys"),
    # Portable credentials (ADR 0024)
    path("credential", credentials.verify_upload, name="credential"),
    path("jwks.json", credentials.jwks_json, name="jwks"),
    path("issuers/<str:region_code>", credentials.issuer, name="issuer"),
    path("issuers/<str:region_code>/status/<int:list_number>", credentials.status_list, name="status_list"),
]
