from __future__ import annotations

from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("health/", include("healthcheck.contrib.django.urls")),
    path("", lambda request: HttpResponse("shop")),
]
