from django.urls import path

from snigi.providers import views, views_desk, views_portal

app_name = "providers"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("verify/", views.verify, name="verify"),
    path("statistics/", views.statistics, name="statistics"),
    path("demande/", views_portal.apply_start, name="apply_start"),
    path("demande/recue/", views_portal.received, name="received"),
    path("demande/<slug:kind_slug>/", views_portal.apply, name="apply"),
    path("suivi/", views_portal.follow, name="follow"),
    path("bureau/", views_desk.desk, name="desk"),
    path("bureau/saisie/<slug:kind_slug>/", views_desk.intake, name="intake"),
    path("bureau/demandes/<int:application_id>/", views_desk.application, name="application"),
    path("bureau/modifications/<int:change_id>/", views_desk.change_decide, name="change_decide"),
    path("documents/<int:document_id>/", views_desk.document, name="document"),
    path("<str:code>/", views_desk.provider_file, name="file"),
]
