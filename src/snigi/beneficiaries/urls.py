from django.urls import path

from snigi.beneficiaries import views

app_name = "beneficiaries"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("<int:person_id>/", views.person_detail, name="detail"),
]
