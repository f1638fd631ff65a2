from django.urls import include, path

from cecert.api.api import api
from cecert.core.health import healthz, readyz
from cecert.core.metrics import metrics_view
from cecert.core.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("cecert.accounts.urls")),
    path("people/", include("cecert.accounts.people_urls")),
    path("organisations/", include("cecert.organisations.urls")),
    path("regions/", include("cecert.regions.urls")),
    path("audit/", include("cecert.audit.urls")),
    path("certificates/", include("cecert.certificates.urls")),
    path("verify/", include("cecert.verification.urls")),
    path("hours/", include("cecert.crediting.urls")),
    path("records/", include("cecert.records.urls")),
    path("review/", include("cecert.review.urls")),
    path("notifications/", include("cecert.notifications.urls")),
    path("reports/", include("cecert.reports.urls")),
    path("catalogs/", include("cecert.catalogs.urls")),
    path("policies/", include("cecert.policies.urls")),
    path("violations/", include("cecert.violations.urls")),
    path("movein/", include("cecert.movein.urls")),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
]

handler500 = "cecert.core.views.server_error"
