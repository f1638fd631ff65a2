from django.urls import path

from cecert.violations import views

app_name = "violations"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("from-spot-check/<int:item_pk>/", views.from_spot_check, name="from_spot_check"),
    path("from-suspicious/<uuid:public_id>/", views.from_suspicious, name="from_suspicious"),
]
