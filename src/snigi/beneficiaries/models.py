"""Persons and households, their enrolments in the regimes (as insured or as dependants), the
contributions and certificates that open rights, the exemptions, and the RAMED households'
eligibility, cards and contributions.

A ``Person`` is one national identity record, shared by every fund; what a fund manages is an
``Enrolment``. ``Person.regime`` and ``Person.organisation`` mirror the person's current
enrolment (kept by the services) so that scoping stays a one-table filter."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from snigi.core.models import Commune, Organisation, Regime, TimeStamped, User


def _only_set(field: str, name: str) -> models.UniqueConstraint:
    """Unique where set: the index holds only the rows that have a value (a fund's list imports
    millions of rows without a demo key, and each index entry costs every insert)."""
    return models.UniqueConstraint(
        fields=[field], condition=Q(**{f"{field}__isnull": False}), name=name
    )


def _index_set(field: str, name: str) -> models.Index:
    """An index on a foreign key that is mostly empty (a dependant's insured, an override's
    officer), holding only the rows where it is set: ``WHERE field = X`` still uses it."""
    return models.Index(fields=[field], condition=Q(**{f"{field}__isnull": False}), name=name)


class Household(TimeStamped):
    demo_key = models.BigIntegerField(null=True, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="households")
    address_line = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("ménage")
        constraints = [_only_set("demo_key", "household_demo_key_unique")]

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

    demo_key = models.BigIntegerField(null=True, blank=True)
    # NULL for people without a CNIE (several), unique among the others; by a constraint rather
    # than ``unique=True``, which on PostgreSQL adds a second index for prefix searches
    # (``varchar_pattern_ops``), and nothing searches a CNIE by its prefix.
    cnie = models.CharField(max_length=8, null=True, blank=True)  # noqa: DJ001
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
    # Normalised "LAST FIRST" (see ``identity.name_key``): the exact check at enrolment for
    # people without a CNIE matches it with the birth date and the sex.
    name_key = models.CharField(max_length=170, blank=True, default="")
    primary_insured = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependants",
        db_index=False,  # person_primary_insured_idx, on the dependants only
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
        indexes = [
            models.Index(fields=["last_name_lat", "first_name_lat"]),
            models.Index(fields=["name_key", "birth_date"], name="person_identity_idx"),
            _index_set("primary_insured", "person_primary_insured_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["cnie"], name="person_cnie_unique"),
            _only_set("demo_key", "person_demo_key_unique"),
            models.CheckConstraint(condition=~Q(cnie=""), name="person_cnie_null_not_empty"),
            models.CheckConstraint(
                condition=Q(primary_insured__isnull=True) | ~Q(primary_insured=models.F("id")),
                name="person_not_own_dependant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name_lat} {self.last_name_lat}"

    def save(self, *args: object, **kwargs: object) -> None:
        from snigi.beneficiaries.identity import name_key

        self.name_key = name_key(self.last_name_lat, self.first_name_lat)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"last_name_lat", "first_name_lat"} & set(update_fields):  # type: ignore[call-overload]
            kwargs["update_fields"] = {*update_fields, "name_key"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


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


class Enrolment(TimeStamped):
    """One person's membership of one regime over a period: as insured (with the fund's
    membership number) or as a dependant of an insured's enrolment. Closing an enrolment keeps
    it, with its end, the reason and the date rights are kept until."""

    class Kind(models.TextChoices):
        INSURED = "insured", _("assuré")
        DEPENDANT = "dependant", _("ayant droit")

    class Relationship(models.TextChoices):
        SELF = "self", _("assuré lui-même")
        SPOUSE = "spouse", _("conjoint")
        CHILD = "child", _("enfant")

    class Category(models.TextChoices):
        ACTIVE = "active", _("actif")
        PENSIONER = "pensioner", _("titulaire de pension")
        STUDENT = "student", _("étudiant")
        SELF_EMPLOYED = "self_employed", _("travailleur non salarié")
        STATE_PAID = "state_paid", _("cotisation à la charge de l'État")
        POOR = "poor", _("RAMED – pauvreté")
        VULNERABLE = "vulnerable", _("RAMED – vulnérabilité")
        OTHER = "other", _("autre")

    class EndReason(models.TextChoices):
        END_OF_WORK = "end_of_work", _("cessation d'activité")
        DEATH = "death", _("décès")
        INSURED_DEATH = "insured_death", _("décès de l'assuré (veuf, veuve, orphelin)")
        DIVORCE = "divorce", _("divorce")
        REGIME_CHANGE = "regime_change", _("changement de régime")
        ELIGIBILITY_END = "eligibility_end", _("fin d'éligibilité")
        AGE_LIMIT = "age_limit", _("limite d'âge")
        CANCELLED = "cancelled", _("annulation (enrôlement erroné)")
        OTHER = "other", _("autre")

    class Source(models.TextChoices):
        AGENT = "agent", _("saisie d'un agent")
        LIST = "list", _("liste d'un organisme")
        RAMED = "ramed", _("décision RAMED")
        DEMO = "demo", _("données de démonstration")

    # The person's and the organisation's keys lead enrolment_person_idx and
    # enrolment_number_idx: an index of their own would double them.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="enrolments", db_index=False
    )
    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="enrolments")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="enrolments", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    relationship = models.CharField(max_length=8, choices=Relationship.choices)
    category = models.CharField(max_length=14, choices=Category.choices, default=Category.ACTIVE)
    insured = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependants",
        db_index=False,  # enrolment_insured_idx, on the dependants only
    )
    fund_number = models.CharField(max_length=20, blank=True, default="")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    rights_until = models.DateField(null=True, blank=True)  # set on closing: end + retention
    disabled = models.BooleanField(default=False)  # a disabled child: no age limit
    ramed_eligibility = models.ForeignKey(
        "RamedEligibility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolments",
        db_index=False,  # enrolment_ramed_idx, on RAMED's enrolments only
    )
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.AGENT)

    class Meta:
        ordering = ["person", "start", "pk"]
        verbose_name = _("immatriculation")
        indexes = [
            models.Index(fields=["person", "start"], name="enrolment_person_idx"),
            models.Index(fields=["organisation", "fund_number"], name="enrolment_number_idx"),
            _index_set("insured", "enrolment_insured_idx"),
            _index_set("ramed_eligibility", "enrolment_ramed_idx"),
            _index_set("override_by", "enrolment_override_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="insured", insured__isnull=True, relationship="self")
                    & ~Q(fund_number="")
                )
                | (Q(kind="dependant", insured__isnull=False) & ~Q(relationship="self")),
                name="enrolment_kind_consistent",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="enrolment_period",
            ),
            models.CheckConstraint(
                condition=(Q(end__isnull=True) & Q(end_reason="") & Q(rights_until__isnull=True))
                | (Q(end__isnull=False) & ~Q(end_reason="") & Q(rights_until__gte=models.F("end"))),
                name="enrolment_closing_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.regime.code} ({self.get_kind_display()})"


class StudentCertificate(TimeStamped):
    """A school or university certificate for one academic year: it keeps a child over 21 (to
    26) covered as a dependant until ``valid_until``."""

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        related_name="student_certificates",
        db_index=False,  # student_certificate_year leads with it
    )
    academic_year = models.CharField(max_length=9)  # "2025-2026"
    valid_from = models.DateField()
    valid_until = models.DateField()

    class Meta:
        ordering = ["enrolment", "valid_until"]
        verbose_name = _("certificat de scolarité")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "academic_year"], name="student_certificate_year"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="student_certificate_period",
            ),
        ]


class Contribution(TimeStamped):
    """A month of contributions of an insured's enrolment: the days the employer declared
    (salaried) or the amount paid (self-employed, Achamil)."""

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        related_name="contributions",
        db_index=False,  # contribution_month leads with it
    )
    month = models.DateField()  # the first day of the month
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["enrolment", "month"]
        verbose_name = _("cotisation")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "month"], name="contribution_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="contribution_first_day"),
            models.CheckConstraint(
                condition=Q(days__isnull=True) | Q(days__lte=31), name="contribution_days"
            ),
            models.CheckConstraint(
                condition=Q(days__isnull=False) | Q(amount__isnull=False),
                name="contribution_days_or_amount",
            ),
        ]


class Exemption(TimeStamped):
    """An exemption from the ticket modérateur (ALD / ALC) granted by the managing fund. The
    rights check tells that it exists and its dates, never the condition."""

    class Kind(models.TextChoices):
        ALD = "ALD", _("affection de longue durée")
        ALC = "ALC", _("affection lourde et coûteuse")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="exemptions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    condition_code = models.CharField(max_length=10, blank=True)  # medical: never in the check
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["person", "valid_from"]
        verbose_name = _("exonération du ticket modérateur")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="exemption_period",
            )
        ]


class RamedEligibility(TimeStamped):
    """A household's RAMED application sent by the local authority, the eligibility decision
    (poor or vulnerable) and its 3-year period; a renewal is a new application."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("reçue")
        ELIGIBLE = "eligible", _("éligible")
        INELIGIBLE = "ineligible", _("non éligible")

    class Category(models.TextChoices):
        POOR = "poor", _("pauvreté")
        VULNERABLE = "vulnerable", _("vulnérabilité")

    reference = models.CharField(max_length=20, unique=True)  # RAMED-2014-000123
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="ramed_eligibilities"
    )
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField()
    urban = models.BooleanField()
    income_per_person = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    patrimony_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    socioeconomic_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    category = models.CharField(max_length=10, choices=Category.choices, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    renewal_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals"
    )

    class Meta:
        ordering = ["-received_on", "pk"]
        verbose_name = _("éligibilité RAMED")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="eligible")
                | (
                    ~Q(category="")
                    & Q(valid_from__isnull=False, valid_to__isnull=False, decided_on__isnull=False)
                ),
                name="ramed_eligible_complete",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="ramed_eligibility_period",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class RamedCard(TimeStamped):
    """The household's card for one eligibility period and its life: produced, delivered to
    the province, collected by the household, activated. A vulnerable household's card is
    released (collected) only once the year's contribution is paid."""

    class State(models.TextChoices):
        PRODUCED = "produced", _("produite")
        DELIVERED = "delivered", _("livrée à la province")
        COLLECTED = "collected", _("retirée")
        ACTIVATED = "activated", _("activée")

    eligibility = models.OneToOneField(
        RamedEligibility, on_delete=models.PROTECT, related_name="card"
    )
    number = models.CharField(max_length=20, unique=True)
    state = models.CharField(max_length=9, choices=State.choices, default=State.PRODUCED)
    produced_on = models.DateField()
    delivered_on = models.DateField(null=True, blank=True)
    collected_on = models.DateField(null=True, blank=True)
    activated_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("carte RAMED")


class RamedContribution(TimeStamped):
    """A vulnerable household's annual contribution: 120 DH per person, capped at 600 DH per
    household (rules in ``EligibilityRule``), and when it was paid."""

    eligibility = models.ForeignKey(
        RamedEligibility,
        on_delete=models.PROTECT,
        related_name="contributions",
        db_index=False,  # ramed_contribution_year leads with it
    )
    year = models.PositiveSmallIntegerField()
    persons = models.PositiveSmallIntegerField()
    amount_due = models.DecimalField(max_digits=14, decimal_places=2)
    paid_on = models.DateField(null=True, blank=True)
    receipt = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["eligibility", "year"]
        verbose_name = _("contribution RAMED")
        constraints = [
            models.UniqueConstraint(fields=["eligibility", "year"], name="ramed_contribution_year")
        ]
