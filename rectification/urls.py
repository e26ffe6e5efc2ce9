"""URLs of the domain app. Every view here must have an entry in the
authorisation matrix test (tests/test_authz_matrix.py) once that exists."""

from django.urls import path

from . import views

app_name = "rectification"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
]
