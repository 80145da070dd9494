"""Pages of e-réclamations: statistics."""

from __future__ import annotations

from django.urls import URLPattern, path

from snigi.complaints import views_statistics

app_name = "complaints-statistics"

urlpatterns: list[URLPattern] = [
    path("", views_statistics.statistics_page, name="statistics"),
]
