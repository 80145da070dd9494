from django.urls import path

from snigi.fhir import views, views_beneficiaries

app_name = "fhir"
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("NamingSystem/cnie", views_beneficiaries.naming_system, name="naming-system-cnie"),
    path("NamingSystem/<str:ident>", views.naming_system, name="naming-system"),
    path("Patient", views_beneficiaries.patient_search, name="patient-search"),
    path("Patient/<str:ident>", views_beneficiaries.patient_read, name="patient"),
    path("Coverage", views_beneficiaries.coverage_search, name="coverage-search"),
    path("Coverage/<str:ident>", views_beneficiaries.coverage_read, name="coverage"),
    path("CoverageEligibilityRequest", views_beneficiaries.eligibility, name="eligibility"),
]
for resource_type in ("Practitioner", "PractitionerRole", "Organization"):
    urlpatterns += [
        path(resource_type, views.search, {"resource_type": resource_type}),
        path(f"{resource_type}/<str:ident>", views.read, {"resource_type": resource_type}),
    ]
