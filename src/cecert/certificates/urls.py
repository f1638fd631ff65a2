"""``/certificates/`` (logged in); the public ``/verify/`` is ``cecert.verification.urls``."""

from __future__ import annotations

from django.urls import path

from cecert.certificates import credential_views, views

app_name = "certificates"

urlpatterns = [
    path("", views.certificate_list, name="list"),
    path("issue/", views.issuing, name="issue"),
    path("issue/selected/", views.issue_selected, name="issue_selected"),
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
