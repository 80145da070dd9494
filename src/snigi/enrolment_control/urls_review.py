"""The review pages of the double-enrolment control, under /controle/revue/."""

from __future__ import annotations

from django.urls import URLPattern, path

from snigi.enrolment_control import views_review

app_name = "enrolment-review"

urlpatterns: list[URLPattern] = [
    path("<int:run_pk>/", views_review.queue, name="queue"),
    path("paire/<int:pk>/", views_review.pair_detail, name="pair"),
]
