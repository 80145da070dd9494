"""The lists every body sends for the double-enrolment control, kept per body and per date.

A list's rows are kept as the body wrote them (the matcher normalises them at each control), so
that a control can be re-run on the same lists with another model or other tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from snigi.core.models import Organisation, Regime, TimeStamped


class SubmittedList(TimeStamped):
    """One list received from one body: its members, insured people or dependants on a date."""

    class Kind(models.TextChoices):
        MEMBERS = "members", _("Adhérents")
        INSURED = "insured", _("Assurés")
        DEPENDANTS = "dependants", _("Ayants droit")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="submitted_lists"
    )
    regime = models.ForeignKey(
        Regime, on_delete=models.PROTECT, null=True, blank=True, related_name="submitted_lists"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    situation_date = models.DateField(help_text=_("Date de situation de la liste"))
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-situation_date", "organisation__code", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "situation_date"],
                name="submitted_list_one_per_body_kind_date",
            ),
            models.UniqueConstraint(
                fields=["organisation", "sha256"], name="submitted_list_same_file_once"
            ),
        ]
        verbose_name = _("liste reçue")
        verbose_name_plural = _("listes reçues")

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.get_kind_display()} {self.situation_date}"


class ListEntry(models.Model):
    """One row of a list, as written by the body."""

    submitted_list = models.ForeignKey(
        SubmittedList, on_delete=models.CASCADE, related_name="entries"
    )
    line = models.PositiveIntegerField()
    record_id = models.CharField(max_length=64)
    cnie = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=120, blank=True)
    last_name = models.CharField(max_length=120, blank=True)
    birth_date = models.CharField(max_length=20, blank=True)
    sex = models.CharField(max_length=10, blank=True)
    commune = models.CharField(max_length=20, blank=True)
    fund_number = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["submitted_list", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_list", "record_id"], name="list_entry_record_once"
            )
        ]
        verbose_name = _("ligne de liste")
        verbose_name_plural = _("lignes de listes")

    def __str__(self) -> str:
        return f"{self.record_id} {self.first_name} {self.last_name}".strip()
