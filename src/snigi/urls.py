from django.contrib import admin
from django.urls import include, path

from snigi.api import api
from snigi.beneficiaries import views_enrol as beneficiaries_views
from snigi.core import views as core_views

urlpatterns = [
    path("", include("snigi.core.urls")),
    path("persons/", include("snigi.beneficiaries.urls")),
    path("ramed/", include("snigi.beneficiaries.urls_ramed")),
    path("droits/", beneficiaries_views.rights, name="rights"),
    path("mon-espace/", beneficiaries_views.my_space, name="my-space"),
    path("inpe/", include("snigi.providers.urls")),
    path("reclamations/statistiques/", include("snigi.complaints.urls_statistics")),
    path("reclamations/commissions/", include("snigi.complaints.urls_commissions")),
    path("reclamations/", include("snigi.complaints.urls")),
    path("controle/revue/", include("snigi.enrolment_control.urls_review")),
    path("controle/", include("snigi.enrolment_control.urls")),
    path("fhir/", include("snigi.fhir.urls")),
    path("health", core_views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
