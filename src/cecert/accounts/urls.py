from django.contrib.auth.views import LogoutView
from django.urls import path

from cecert.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("2fa/enrol/", views.totp_enrol, name="totp_enrol"),
    path("2fa/verify/", views.totp_verify, name="totp_verify"),
    path("password/change/", views.password_change, name="password_change"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path(
        "employers/<int:org_pk>/admins/<int:user_pk>/reset-password/",
        views.reset_employer_admin_password,
        name="reset_employer_admin_password",
    ),
    path("register/", views.register, name="register"),
    path("register/employers/", views.employer_options, name="employer_options"),
    path("register/status/", views.registration_status, name="registration_status"),
    path("contacts/verify/", views.verify_contacts, name="verify_contacts"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("me/", views.me, name="me"),
    path("me/transfers/<int:pk>/withdraw/", views.withdraw_transfer, name="withdraw_transfer"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/<int:pk>/review/", views.review_transfer, name="review_transfer"),
]
