"""Pages of e-réclamations: commissions."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "complaints-commissions"

urlpatterns: list[URLPattern] = []
