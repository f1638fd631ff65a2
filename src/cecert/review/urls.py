from django.urls import path

from cecert.review import views

app_name = "review"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("spot-checks/", views.spot_checks, name="spot_checks"),
    path("spot-checks/<int:pk>/", views.spot_check, name="spot_check"),
    path("spot-checks/items/<int:pk>/", views.spot_check_decide, name="spot_check_decide"),
]
