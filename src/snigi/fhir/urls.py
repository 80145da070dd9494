from django.urls import path

from snigi.fhir import views

app_name = "fhir"
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("NamingSystem/<str:ident>", views.naming_system, name="naming-system"),
]
for resource_type in ("Practitioner", "PractitionerRole", "Organization"):
    urlpatterns += [
        path(resource_type, views.search, {"resource_type": resource_type}),
        path(f"{resource_type}/<str:ident>", views.read, {"resource_type": resource_type}),
    ]
