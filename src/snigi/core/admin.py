"""Administration of the reference data and accounts (administrator role).

Every change made here is recorded by django-auditlog (who, when, before/after). Persons are
deliberately not registered: administrators manage the system, not people's files.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from snigi.core.models import (
    ApiToken,
    Commune,
    Organisation,
    Province,
    PublicHoliday,
    Regime,
    Region,
    User,
)

admin.site.site_header = "SNIGI – administration"
admin.site.site_title = "SNIGI"


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_ar", "population_2014")
    search_fields = ("code", "name_fr", "name_ar")


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_ar", "kind", "region")
    list_filter = ("region", "kind")
    search_fields = ("code", "name_fr", "name_ar")


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_ar", "kind", "province")
    list_filter = ("kind", "province__region")
    search_fields = ("code", "name_fr", "name_ar")
    list_select_related = ("province",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "kind", "parent", "legal_basis")
    list_filter = ("kind",)
    search_fields = ("code", "name_fr", "name_ar")


@admin.register(Regime)
class RegimeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "managing_organisation", "valid_from", "valid_to")
    search_fields = ("code", "name_fr")


@admin.register(PublicHoliday)
class PublicHolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name_fr", "kind", "confirmed", "source")
    list_filter = ("kind", "confirmed")
    date_hierarchy = "date"
    search_fields = ("code", "name_fr")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "role", "organisation", "inpe", "cnie", "is_active")
    list_filter = ("role", "is_active", "organisation")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        ("SNIGI", {"fields": ("role", "organisation", "inpe", "cnie")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("SNIGI", {"fields": ("role", "organisation", "inpe", "cnie")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "digest", "expires_at", "last_used_at")
    list_filter = ("revoked_at",)

    def has_add_permission(self, request: object) -> bool:
        return False
