"""Persons and households: the minimal file the foundation needs (the beneficiaries issue
extends it with enrolments per regime, eligibility, cards and contributions)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from snigi.core.models import Commune, Organisation, Regime, TimeStamped


class Household(TimeStamped):
    demo_key = models.BigIntegerField(null=True, blank=True, unique=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="households")
    address_line = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("ménage")

    def __str__(self) -> str:
        return f"Ménage {self.pk}"


class Person(TimeStamped):
    class Sex(models.TextChoices):
        MALE = "M", _("masculin")
        FEMALE = "F", _("féminin")

    class HouseholdRole(models.TextChoices):
        HEAD = "head", _("chef de ménage")
        SPOUSE = "spouse", _("conjoint")
        CHILD = "child", _("enfant")
        OTHER = "other", _("autre")

    demo_key = models.BigIntegerField(null=True, blank=True, unique=True)
    cnie = models.CharField(max_length=8, null=True, blank=True, unique=True)
    first_name_lat = models.CharField(max_length=80)
    last_name_lat = models.CharField(max_length=80)
    first_name_ar = models.CharField(max_length=80, blank=True)
    last_name_ar = models.CharField(max_length=80, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_date = models.DateField()
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    household_role = models.CharField(max_length=8, choices=HouseholdRole.choices)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="people")
    address_line = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=10, blank=True)
    primary_insured = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="dependants"
    )
    regime = models.ForeignKey(
        Regime, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )

    class Meta:
        ordering = ["last_name_lat", "first_name_lat", "pk"]
        verbose_name = _("personne")
        indexes = [models.Index(fields=["last_name_lat", "first_name_lat"])]
        constraints = [
            models.CheckConstraint(condition=~Q(cnie=""), name="person_cnie_null_not_empty"),
            models.CheckConstraint(
                condition=Q(primary_insured__isnull=True) | ~Q(primary_insured=models.F("id")),
                name="person_not_own_dependant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name_lat} {self.last_name_lat}"


class EligibilityRule(TimeStamped):
    """One parameter of the eligibility rules (an age, a number of days or months, an amount),
    with its validity dates and legal basis; ``regime`` empty: every regime."""

    class Certainty(models.TextChoices):
        SURE = "sure", _("établi")
        LIKELY = "likely", _("probable")
        UNSURE = "unsure", _("incertain")

    code = models.CharField(max_length=40)
    regime = models.ForeignKey(
        Regime, on_delete=models.PROTECT, null=True, blank=True, related_name="rules"
    )
    value = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=10)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    certainty = models.CharField(max_length=8, choices=Certainty.choices)
    legal_basis = models.CharField(max_length=300)
    description_fr = models.CharField(max_length=300)

    class Meta:
        ordering = ["code", "regime", "valid_from"]
        verbose_name = _("règle d'éligibilité")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "regime", "valid_from"], name="eligibility_rule_version"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="eligibility_rule_valid_range",
            ),
            models.CheckConstraint(condition=~Q(legal_basis=""), name="eligibility_rule_basis"),
        ]

    def __str__(self) -> str:
        return f"{self.code} = {self.value} {self.unit} ({self.valid_from})"
