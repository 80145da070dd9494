from django.urls import path

from snigi.beneficiaries import views_ramed

app_name = "ramed"
urlpatterns = [
    path("", views_ramed.application_list, name="list"),
    path("demande/", views_ramed.application_new, name="new"),
    path("<int:application_id>/", views_ramed.application_detail, name="detail"),
    path("estimation-ct/", views_ramed.ct_estimate, name="ct"),
]
