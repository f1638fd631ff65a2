from django.urls import path

from cecert.accounts import views

app_name = "people"
urlpatterns = [
    path("", views.people, name="list"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/review/", views.review_registration, name="review"),
    path("<int:pk>/correct/", views.correct_person, name="correct"),
    path("<int:pk>/reset-password/", views.reset_staff_password, name="reset_password"),
]
