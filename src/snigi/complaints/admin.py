"""Reference data of e-réclamations kept by the administrator in the admin site, every change
audited: the natures of complaints (extensible: a new nature, or one withdrawn by unticking
"active", never deleted once used) and the procedure's delays (a new version with its validity
dates and legal basis). No complaint file here: files are handled in the application."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from snigi.complaints.models import Delay, Nature


@admin.register(Nature)
class NatureAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "group", "target_days", "medical_opinion", "active")
    list_filter = ("group", "active", "medical_opinion")
    search_fields = ("code", "name_fr", "name_ar", "name_en", "legal_basis")
    ordering = ("position", "code")

    def has_delete_permission(self, request: HttpRequest, obj: Nature | None = None) -> bool:
        """A nature in use stays (the statistics of past years name it): withdraw it instead."""
        if obj is not None and obj.complaints.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Delay)
class DelayAdmin(admin.ModelAdmin):
    list_display = ("code", "days", "valid_from", "valid_to", "legal_basis")
    list_filter = ("code",)
    search_fields = ("code", "legal_basis", "description")
    ordering = ("code", "valid_from")
