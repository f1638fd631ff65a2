"""``/certificates/`` (logged in) and ``/verify/`` (public)."""

from __future__ import annotations

from django.urls import path

from cecert.certificates import credential_views, views

app_name = "certificates"

urlpatterns = [
    path("", views.certificate_list, name="list"),
    path("issue/", views.certificate_issue, name="issue"),
    path("proof/", views.proof_request, name="proof"),
    path("batches/", views.batch_create, name="batch_create"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("suspicious/", views.suspicious_list, name="suspicious"),
    path("suspicious/<uuid:public_id>/", views.suspicious_detail, name="suspicious_detail"),
    path("<uuid:verification_id>/", views.certificate_detail, name="detail"),
    path("<uuid:verification_id>/pdf/", views.certificate_download, name="pdf"),
    path("<uuid:verification_id>/revoke/", views.certificate_revoke, name="revoke"),
    path("<uuid:verification_id>/credential/", credential_views.credential_download, name="credential"),
]

verify_patterns = (
    [
        path("", views.verify, name="verify"),
        path("qr", views.verify_qr, name="qr"),
        path("upload", views.verify_upload, name="upload"),
        path("keys.json", views.keys_json, name="keys_json"),
        path("keys/", views.keys_page, name="keys"),
        # Portable credentials (ADR 0024)
        path("credential", credential_views.verify_upload, name="credential"),
        path("jwks.json", credential_views.jwks_json, name="jwks"),
        path("issuers/<str:region_code>", credential_views.issuer, name="issuer"),
        path("issuers/<str:region_code>/status/<int:list_number>", credential_views.status_list, name="status_list"),
    ],
    "verify",
)
