"""``/verify/`` (public)."""

from __future__ import annotations

from django.urls import path

from cecert.verification import views

app_name = "verify"

urlpatterns = [
    path("", views.verify, name="verify"),
    path("qr", views.verify_qr, name="qr"),
    path("upload", views.verify_upload, name="upload"),
    path("keys.json", views.keys_json, name="keys_json"),
    path("keys/", views.keys_page, name="keys"),
]
