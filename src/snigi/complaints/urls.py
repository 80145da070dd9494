"""Pages of e-réclamations, under /reclamations/."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "complaints"

urlpatterns: list[URLPattern] = []
