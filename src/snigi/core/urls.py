from django.contrib.auth import views as auth_views
from django.urls import path

from snigi.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="core/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("reference/", views.reference, name="reference"),
    path("calendar/", views.calendar, name="calendar"),
    path(
        "calendar/holidays/<int:holiday_id>/reschedule/",
        views.holiday_reschedule,
        name="holiday_reschedule",
    ),
    path("audit/", views.audit, name="audit"),
]
