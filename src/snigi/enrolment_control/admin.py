from django.contrib import admin

from snigi.enrolment_control.models import SubmittedList


@admin.register(SubmittedList)
class SubmittedListAdmin(admin.ModelAdmin):
    """Received lists, read only: they change only through ``snigi import-list``."""

    list_display = ("organisation", "kind", "situation_date", "rows", "file_name", "created_at")
    list_filter = ("kind", "organisation")
    date_hierarchy = "situation_date"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
