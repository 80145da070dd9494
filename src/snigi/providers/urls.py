from django.urls import path

from snigi.providers import views

app_name = "providers"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("verify/", views.verify, name="verify"),
    path("statistics/", views.statistics, name="statistics"),
]
