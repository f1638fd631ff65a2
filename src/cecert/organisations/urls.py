from django.urls import path

from cecert.organisations import views

app_name = "organisations"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("employers/", views.employers, name="employers"),
    path("employers/<int:pk>/", views.employer_detail, name="employer"),
    path("employers/<int:pk>/review/", views.review_employer, name="review"),
]
