from django.urls import path

from cecert.crediting import views

app_name = "crediting"
urlpatterns = [
    path("", views.calculator, name="calculator"),
    path("compliance/", views.compliance, name="compliance"),
]
