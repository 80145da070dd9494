from django.urls import path

from snigi.beneficiaries import views, views_enrol

app_name = "beneficiaries"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("<int:person_id>/", views.person_detail, name="detail"),
    path("immatriculer/", views_enrol.enrol, name="enrol"),
    path(
        "immatriculations/<int:enrolment_id>/ayant-droit/",
        views_enrol.add_dependant,
        name="add-dependant",
    ),
    path("immatriculations/<int:enrolment_id>/cloture/", views_enrol.close, name="close"),
    path(
        "immatriculations/<int:enrolment_id>/cotisations/",
        views_enrol.contributions,
        name="contributions",
    ),
]
