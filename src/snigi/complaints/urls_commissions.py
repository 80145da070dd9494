"""Pages of e-réclamations: the CPS/CSP procedure (under /reclamations/commissions/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from snigi.complaints import views_commissions as views

app_name = "complaints-commissions"

urlpatterns: list[URLPattern] = [
    path("", views.cases, name="cases"),
    path("dossiers/<int:case_id>/", views.case, name="case"),
    path("seances/", views.sessions, name="sessions"),
    path("moratoire/", views.moratorium, name="moratorium"),
    path("alertes/", views.alerts, name="alerts"),
    path("decisions/", views.decisions, name="decisions"),
]
