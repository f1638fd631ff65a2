from django.urls import path

from cecert.regions import views

app_name = "regions"
urlpatterns = [path("issuing-codes/", views.issuing_codes, name="issuing_codes")]
