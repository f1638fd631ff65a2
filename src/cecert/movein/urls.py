from django.urls import path

from cecert.movein import views

app_name = "movein"
urlpatterns = [
    path("", views.imports, name="imports"),
    path("<int:pk>/", views.import_detail, name="import"),
    path("<int:pk>/commit/", views.import_step, {"action": "commit"}, name="import_commit"),
    path("<int:pk>/check/", views.import_step, {"action": "check"}, name="import_check"),
    path("<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("templates/<str:kind>.xlsx", views.template, name="template"),
]
