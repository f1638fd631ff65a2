from django.urls import path

from cecert.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("trend/", views.trend, name="trend"),
    path("top-shortfall/", views.top_shortfall, name="top_shortfall"),
    path("backlog-overview/", views.backlog_overview, name="backlog_overview"),
    path("shortfall/", views.shortfall, name="shortfall"),
    path("backlog/", views.backlog, name="backlog"),
    path("export/<slug:name>/", views.export, name="export"),
    path("people/<int:pk>/", views.person_history, name="person"),
    path("people/<int:pk>/export/", views.person_history_export, name="person_export"),
    path("check/", views.check, name="check"),
]
