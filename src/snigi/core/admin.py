"""Administration of the reference data and accounts (administrator role).

Every change made here is recorded by django-auditlog (who, when, before/after). Persons are
deliberately not registered: administrators manage the system, not people's files.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

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
    """Names and sources are editable here; dates move only through the calendar page's
    moon-sighting form (``public_holiday_reschedule``), which keeps two-day holidays whole."""

    list_display = ("date", "name_fr", "kind", "confirmed", "source")
    readonly_fields = ("date", "code", "kind", "confirmed")

    def has_add_permission(self, request: object) -> bool:
        return False

    list_filter = ("kind", "confirmed")
    date_hierarchy = "date"
    search_fields = ("code", "name_fr")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts are created with ``snigi createuser`` (the ``user_create`` service checks the
    role's scope). Here an administrator may deactivate an account, reset its password and
    correct names; the role, its scope and the privilege flags are read-only, and nobody edits
    their own account (no self-escalation)."""

    list_display = ("username", "role", "organisation", "is_active", "last_login")
    list_filter = ("role", "is_active", "organisation")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Identité", {"fields": ("first_name", "last_name", "email")}),
        ("Rôle", {"fields": ("role", "organisation", "inpe", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("username", "role", "organisation", "inpe", "last_login", "date_joined")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.pk == request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "digest", "expires_at", "last_used_at")
    list_filter = ("revoked_at",)

    def has_add_permission(self, request: object) -> bool:
        return False
