from django.urls import path

from cecert.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.rule_list, name="list"),
    path("filing/", views.filing_list, name="filing"),
    path("new/", views.new_rule, name="new"),
    path("<int:pk>/", views.rule_detail, name="detail"),
    path("<int:pk>/edit/", views.edit_rule, name="edit"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("confirmations/", views.confirmations, name="confirmations"),
    path("confirmations/<int:pk>/", views.decide_confirmation, name="confirm"),
]
