"""The project's URLs plus ``/bench/minimal``: the smallest Django view, through the same middleware."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cecert.urls import urlpatterns as project_urlpatterns


def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal", minimal), *project_urlpatterns]
