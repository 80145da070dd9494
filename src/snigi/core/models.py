"""Shared kernel tables: geography, organisations, regimes, calendar, accounts and API tokens."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from snigi.core.roles import Role


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Region(TimeStamped):
    """One of Morocco's 12 regions (2015 division)."""

    code = models.CharField(max_length=2, unique=True)
    name_fr = models.CharField(max_length=100)
    name_ar = models.CharField(max_length=100)
    population_2014 = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("région")

    def __str__(self) -> str:
        return self.name_fr


class Province(TimeStamped):
    """A province or prefecture (75 in the 2015 division)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("province")
        PREFECTURE = "prefecture", _("préfecture")

    code = models.CharField(max_length=10, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="provinces")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name_fr = models.CharField(max_length=100)
    name_ar = models.CharField(max_length=100)
    population_2014 = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province ou préfecture")

    def __str__(self) -> str:
        return self.name_fr


class Commune(TimeStamped):
    class Kind(models.TextChoices):
        URBAN = "urban", _("commune urbaine")
        RURAL = "rural", _("commune rurale")

    code = models.CharField(max_length=16, unique=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name_fr = models.CharField(max_length=120)
    name_ar = models.CharField(max_length=120)
    population_2014 = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("commune")

    def __str__(self) -> str:
        return self.name_fr


class Organisation(TimeStamped):
    """ANAM, the funds and mutuals, art. 114 bodies, ministries, local authorities."""

    class Kind(models.TextChoices):
        REGULATOR = "regulator", _("régulateur")
        FUND = "fund", _("organisme gestionnaire")
        MUTUAL = "mutual", _("mutuelle")
        INTERNAL_FUND = "internal_fund", _("caisse interne (art. 114)")
        INSURER = "insurer", _("assureur (art. 114)")
        MINISTRY = "ministry", _("ministère")
        LOCAL_AUTHORITY = "local_authority_type", _("collectivités territoriales")

    code = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    name_fr = models.CharField(max_length=200)
    name_ar = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    legal_basis = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("organisme")

    def __str__(self) -> str:
        return f"{self.code} – {self.name_fr}"

    @property
    def manages_coverage(self) -> bool:
        return self.kind in {
            self.Kind.FUND,
            self.Kind.MUTUAL,
            self.Kind.INTERNAL_FUND,
            self.Kind.INSURER,
        }


class Regime(TimeStamped):
    """A coverage regime with its managing fund, legal basis and validity dates."""

    code = models.CharField(max_length=30, unique=True)
    name_fr = models.CharField(max_length=200)
    name_ar = models.CharField(max_length=200)
    managing_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="regimes"
    )
    legal_basis = models.CharField(max_length=300)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("régime")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="regime_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.name_fr

    def in_force_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class PublicHoliday(TimeStamped):
    """A public holiday day. Religious days follow the moon sighting: an administrator moves
    them (and marks them confirmed) once the Ministry of Habous announces the date."""

    class Kind(models.TextChoices):
        CIVIL = "civil", _("fête civile")
        RELIGIOUS = "religious", _("fête religieuse")

    date = models.DateField()  # holiday_unique_date_code leads with it
    code = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name_fr = models.CharField(max_length=120)
    name_ar = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    confirmed = models.BooleanField(default=False)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["date", "code"]
        verbose_name = _("jour férié")
        constraints = [
            models.UniqueConstraint(fields=["date", "code"], name="holiday_unique_date_code")
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name_fr}"


class User(AbstractUser):
    """An account with exactly one role, and the scope that role needs."""

    role = models.CharField(max_length=32, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="agents"
    )
    inpe = models.CharField(max_length=9, blank=True)
    cnie = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.FUND_AGENT) | Q(organisation__isnull=False),
                name="user_fund_agent_has_organisation",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.PROVIDER) | ~Q(inpe=""),
                name="user_provider_has_inpe",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.INSURED) | ~Q(cnie=""),
                name="user_insured_has_cnie",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new password revokes the account's API tokens (a stolen token dies with it)."""
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.objects.filter(user=self, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )


class ApiToken(TimeStamped):
    """A bearer token for the API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} / {self.name} ({self.prefix}…)"


class RateCounter(models.Model):
    """Hits of one client on one limited action in one time window (see ``core.ratelimit``):
    kept in the database so that every server process shares the count."""

    key = models.CharField(max_length=120)
    window = models.BigIntegerField(help_text="start of the window, in seconds since the epoch")
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="rate_counter_key")]
        indexes = [models.Index(fields=["window"])]

    def __str__(self) -> str:
        return f"{self.key} @{self.window}: {self.hits}"
