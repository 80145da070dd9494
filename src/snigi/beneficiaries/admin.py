"""The eligibility rules are reference data: the administrator keeps them (a new version with
its validity dates and legal basis, or a correction), every change audited. No person data here."""

from __future__ import annotations

from django.contrib import admin

from snigi.beneficiaries.models import EligibilityRule


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "regime", "value", "unit", "valid_from", "valid_to", "certainty")
    list_filter = ("certainty", "regime", "code")
    search_fields = ("code", "description_fr", "legal_basis")
    ordering = ("code", "regime", "valid_from")
