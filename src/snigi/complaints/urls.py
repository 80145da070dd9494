"""Pages of e-réclamations, under /reclamations/ (statistics and commissions have their own
modules, included before this one)."""

from __future__ import annotations

from django.urls import URLPattern, path, register_converter

from snigi.complaints import views, views_actions, views_portal


class ReferenceConverter:
    """REC-YYYY-NNNNNN (any case; the selector normalises it)."""

    regex = r"[Rr][Ee][Cc]-[0-9]{4}-[0-9]{6}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "complaint_ref")

app_name = "complaints"

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("dossiers/", views.search, name="search"),
    path("saisie/", views.intake, name="intake"),
    path("pieces/<int:attachment_id>/", views.attachment, name="attachment"),
    path("mes-reclamations/", views_portal.mine, name="mine"),
    path("mes-reclamations/nouvelle/", views_portal.file_online, name="file_online"),
    path("mes-reclamations/<complaint_ref:reference>/", views_portal.follow, name="follow"),
    path("<complaint_ref:reference>/", views_actions.complaint_file, name="file"),
    path(
        "<complaint_ref:reference>/actions/<slug:action>/",
        views_actions.complaint_action,
        name="action",
    ),
    path(
        "<complaint_ref:reference>/lettres/attribution-<int:referral_id>.pdf",
        views.letter,
        {"kind": "attribution"},
        name="referral_letter",
    ),
    path("<complaint_ref:reference>/lettres/<slug:kind>.pdf", views.letter, name="letter"),
]
