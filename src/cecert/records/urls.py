from django.urls import path

from cecert.records import views

app_name = "records"
urlpatterns = [
    path("", views.record_list, name="list"),
    path("declare/", views.declare, name="declare"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/edit/", views.record_edit, name="edit"),
    path("<int:pk>/proofs/", views.upload_proof, name="upload"),
    path("<int:pk>/transition/", views.record_transition, name="transition"),
    path("<int:pk>/merge/", views.record_merge, name="merge"),
    path("<int:pk>/discard/", views.record_discard, name="discard"),
    path("proofs/<int:pk>/", views.proof_download, name="proof"),
    path("progress/", views.progress, name="progress"),
    path("progress/<int:person_pk>/", views.progress, name="person_progress"),
    path("status/", views.status, name="status"),
    path("leave/", views.leave_list, name="leave"),
    path("leave/<int:pk>/", views.leave_detail, name="leave_detail"),
    path("years/", views.year_closings, name="years"),
]
