from django.urls import path

from cecert.catalogs import views

app_name = "catalogs"
urlpatterns = [
    path("guide/", views.guide, name="guide"),
    path("guide/<int:year>/", views.guide, name="guide_year"),
    path("guide/<int:year>/manage/", views.guide_manage, name="guide_manage"),
    path("catalogs/", views.catalogs, name="catalogs"),
    path("catalogs/<int:pk>/", views.catalog_detail, name="catalog"),
    path("bases/apply/", views.base_apply, name="base_apply"),
    path("bases/", views.bases, name="bases"),
    path("bases/<int:pk>/", views.base_detail, name="base"),
    path("bases/<int:pk>/decide/", views.base_decide, name="base_decide"),
    path("bases/<int:pk>/resubmit/", views.base_resubmit, name="base_resubmit"),
    path("bases/<int:pk>/programs/new/", views.program_new, name="program_new"),
    path("bases/<int:pk>/credentials/", views.credentials, name="credentials"),
    path("programs/<int:pk>/", views.program_detail, name="program"),
    path("programs/<int:pk>/enrol/", views.program_enrol, name="enrol"),
    path("enrolments/<int:pk>/complete/", views.enrolment_complete, name="complete"),
    path("flags/", views.flags, name="flags"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/commit/", views.import_step, {"action": "commit"}, name="import_commit"),
    path("imports/<int:pk>/check/", views.import_step, {"action": "check"}, name="import_check"),
    path("imports/<int:pk>/report.json", views.import_report_json, name="import_report"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("templates/<str:kind>.xlsx", views.template, name="template"),
    path("me/", views.my_training, name="my_training"),
]
