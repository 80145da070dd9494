"""The pages of the double-enrolment control, under /controle/ (the review queue is under
/controle/revue/, ``urls_review``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from snigi.enrolment_control import views, views_notices, views_runs

app_name = "enrolment-control"

urlpatterns: list[URLPattern] = [
    path("listes/", views.lists, name="lists"),
    path("listes/deposer/", views.upload, name="upload"),
    path("listes/<int:pk>/", views.list_detail, name="list_detail"),
    path("controles/", views_runs.runs, name="runs"),
    path("controles/<int:pk>/", views_runs.run_detail, name="run_detail"),
    path("controles/<int:pk>/etat/", views_runs.run_status, name="run_status"),
    path("controles/<int:pk>/rapport/", views_runs.report, name="report"),
    path("controles/<int:pk>/rapport.csv", views_runs.report_csv, name="report_csv"),
    path("signalements/", views_notices.notices, name="notices"),
    path("signalements/<int:pk>/", views_notices.notice, name="notice"),
]
