"""The lists every body sends for the double-enrolment control, kept per body and per date.

A list's rows are kept as the body wrote them (the matcher normalises them at each control), so
that a control can be re-run on the same lists with another model or other tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from snigi.core.models import Organisation, Regime, TimeStamped


class SubmittedList(TimeStamped):
    """One list received from one body: its members, insured people or dependants on a date."""

    class Kind(models.TextChoices):
        MEMBERS = "members", _("Adhérents")
        INSURED = "insured", _("Assurés")
        DEPENDANTS = "dependants", _("Ayants droit")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="submitted_lists",
        db_index=False,  # submitted_list_one_per_body_kind_date leads with it
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
        SubmittedList,
        on_delete=models.CASCADE,
        related_name="entries",
        db_index=False,  # list_entry_record_once leads with it
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
    card_number = models.CharField(
        max_length=40, blank=True, help_text=_("Numéro de carte ou de ménage, s'il est donné")
    )

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


class ControlRun(TimeStamped):
    """One run of the control over received lists: the pairs it found, by band."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échoué")

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lists = models.ManyToManyField(SubmittedList, related_name="control_runs")
    threshold = models.FloatField(
        help_text=_("Probabilité à partir de laquelle un lien est retenu")
    )
    review_floor = models.FloatField(
        help_text=_("Probabilité à partir de laquelle un lien est à revoir")
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(null=True, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    records = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contrôle")
        verbose_name_plural = _("contrôles")

    def __str__(self) -> str:
        return f"#{self.pk} {self.created_at:%Y-%m-%d}"


class CandidatePair(models.Model):
    """Two rows a run found alike: above the threshold ("lien"), or in the band to review."""

    class Band(models.TextChoices):
        LINK = "link", _("Lien")
        REVIEW = "review", _("À revoir")

    run = models.ForeignKey(
        ControlRun,
        on_delete=models.CASCADE,
        related_name="pairs",
        db_index=False,  # pair_once_per_run leads with it
    )
    entry_a = models.ForeignKey(ListEntry, on_delete=models.CASCADE, related_name="+")
    entry_b = models.ForeignKey(ListEntry, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    band = models.CharField(max_length=8, choices=Band.choices)
    cluster = models.CharField(max_length=64, blank=True)
    decision = models.ForeignKey(
        "ReviewDecision", on_delete=models.SET_NULL, null=True, blank=True, related_name="pairs"
    )

    class Meta:
        ordering = ["run", "-probability"]
        constraints = [
            models.UniqueConstraint(fields=["run", "entry_a", "entry_b"], name="pair_once_per_run"),
            models.CheckConstraint(
                condition=models.Q(entry_a__lt=models.F("entry_b")), name="pair_ordered"
            ),
        ]
        verbose_name = _("paire candidate")
        verbose_name_plural = _("paires candidates")

    def __str__(self) -> str:
        return f"{self.entry_a_id}–{self.entry_b_id} {self.probability:.3f}"


class ReviewDecision(TimeStamped):
    """An officer's decision on two rows, kept by the bodies' own record ids (within a kind of
    list: a body's insured #123 and its dependant #123 are two people) so that it holds for the
    same rows in later lists and later runs."""

    body_a = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # decision_once_per_pair leads with it
    )
    kind_a = models.CharField(max_length=12, choices=SubmittedList.Kind.choices)
    record_a = models.CharField(max_length=64)
    body_b = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind_b = models.CharField(max_length=12, choices=SubmittedList.Kind.choices)
    record_b = models.CharField(max_length=64)
    same_person = models.BooleanField()
    note = models.TextField(blank=True)
    probability = models.FloatField(help_text=_("Probabilité donnée par le modèle"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["body_a", "kind_a", "record_a", "body_b", "kind_b", "record_b"],
                name="decision_once_per_pair",
            )
        ]
        verbose_name = _("décision de revue")
        verbose_name_plural = _("décisions de revue")

    def __str__(self) -> str:
        verdict = _("même personne") if self.same_person else _("personnes différentes")
        return f"{self.record_a} / {self.record_b}: {verdict}"


class Notice(TimeStamped):
    """A confirmed double enrolment told to one body concerned: the other record, which regime
    the rules say prevails, and what the body did (its outcome, audited)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("En attente de suite")
        CLOSED = "closed", _("Immatriculation close par l'organisme")
        KEPT = "kept", _("Immatriculation maintenue")
        CONTESTED = "contested", _("Contestée : personnes différentes")
        WITHDRAWN = "withdrawn", _("Retiré par l'ANAM")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # notice_once_per_body_pair leads with it
    )
    run = models.ForeignKey(ControlRun, on_delete=models.PROTECT, related_name="notices")
    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="+")
    probability = models.FloatField()
    gives_way = models.BooleanField(
        null=True, help_text=_("Vrai : l'immatriculation de cet organisme cède ; vide : à trancher")
    )
    basis = models.TextField()
    message = models.TextField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_note = models.TextField(blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "entry", "other"], name="notice_once_per_body_pair"
            )
        ]
        verbose_name = _("signalement de double immatriculation")
        verbose_name_plural = _("signalements de double immatriculation")

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.entry.record_id} / {self.other.record_id}"


def analyze(*tables: type[models.Model]) -> None:
    """Fresh planner statistics on PostgreSQL for tables just filled (a list's rows, a run's
    pairs), in the writer's transaction: without them the planner may take the new rows for
    the few or none it last saw, and join them by nested loops over every combination."""
    if connection.vendor != "postgresql":
        return
    names = ", ".join(connection.ops.quote_name(t._meta.db_table) for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {names}")
