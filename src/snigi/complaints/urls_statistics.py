"""Pages of e-réclamations: statistics."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "complaints-statistics"

urlpatterns: list[URLPattern] = []
