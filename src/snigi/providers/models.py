"""The INPE registry: categories, providers with their permanent code, convention periods."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from snigi.core.models import Commune, TimeStamped


class Kind(models.TextChoices):
    PROFESSIONAL = "professional", _("professionnel de santé")
    ESTABLISHMENT = "establishment", _("établissement de santé")


class Sector(models.TextChoices):
    PUBLIC = "public", _("public")
    PRIVATE = "private", _("privé")


class Category(TimeStamped):
    """A category of provider (data: ``providers/data/categories.csv``) and the national
    convention it falls under."""

    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name_fr = models.CharField(max_length=120)
    name_ar = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    convention = models.CharField(max_length=40)
    director_required = models.BooleanField(
        default=False, help_text="a private establishment of this category needs a medical director"
    )

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("catégorie de prestataire")

    def __str__(self) -> str:
        return self.name_fr


class InpeSerial(models.Model):
    """One row: the next serial to allocate. Allocation locks it (SELECT … FOR UPDATE)."""

    next_serial = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="inpe_serial_single_row")]

    def __str__(self) -> str:
        return f"next INPE serial {self.next_serial}"


class Provider(TimeStamped):
    """A health professional or establishment, identified for ever by its INPE code."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("actif")
        CEASED = "ceased", _("cessation d'activité")
        DECEASED = "deceased", _("décédé")
        REMOVED = "removed", _("radié")

    inpe = models.CharField(max_length=9, unique=True)
    legacy_code = models.BooleanField(
        default=False,
        help_text="code imported from an earlier register, outside SNIGI's check-digit scheme",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="providers",
        db_index=False,  # the (category, …) index leads with it
    )
    sector = models.CharField(max_length=8, choices=Sector.choices)
    name = models.CharField(max_length=200, help_text="raison sociale ou nom et prénom")
    name_ar = models.CharField(max_length=200, blank=True)
    specialty = models.CharField(max_length=120, blank=True)
    # NULL (not "") where the identifier does not apply, so that the partial unique
    # constraints below refuse a second holder without tripping on the empty ones.
    cnie = models.CharField(max_length=8, null=True, blank=True)  # noqa: DJ001
    order_number = models.CharField(max_length=30, null=True, blank=True)  # noqa: DJ001
    authorisation_number = models.CharField(max_length=60, null=True, blank=True)  # noqa: DJ001
    medical_director = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="directed"
    )
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="providers")
    address_line = models.CharField(max_length=200, blank=True)
    legal_status = models.CharField(max_length=80, blank=True, help_text="forme juridique")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_since = models.DateField(null=True, blank=True)
    attributed_on = models.DateField(default=timezone.localdate, db_index=True)

    class Meta:
        ordering = ["inpe"]
        verbose_name = _("prestataire de soins")
        # No plain index on the name: with one, PostgreSQL walks it in order to fill a page or a
        # capped count of a name search, and reads most of the register when the matches are
        # clustered ("Pharmacie…"); the trigram index finds them instead.
        indexes = [
            models.Index(fields=["category", "sector"]),
            # The directory's filter by category, sector and status, in its order: pages come
            # straight from the index however many providers match.
            models.Index(
                "category", "sector", "status", Upper("name"), "inpe", name="provider_directory"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cnie"], condition=Q(cnie__isnull=False), name="provider_unique_cnie"
            ),
            models.UniqueConstraint(
                fields=["order_number"],
                condition=Q(order_number__isnull=False),
                name="provider_unique_order_number",
            ),
            models.UniqueConstraint(
                fields=["authorisation_number"],
                condition=Q(authorisation_number__isnull=False),
                name="provider_unique_authorisation",
            ),
            models.CheckConstraint(
                condition=Q(kind="establishment") | Q(cnie__isnull=False),
                name="provider_professional_has_cnie",
            ),
            models.CheckConstraint(
                condition=Q(kind="professional") | Q(authorisation_number__isnull=False),
                name="provider_establishment_has_authorisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inpe} {self.name}"

    def active_on(self, day: datetime.date) -> bool:
        """Active on ``day``: a cessation, death or removal takes effect on ``status_since``."""
        if self.status == self.Status.ACTIVE:
            return True
        return self.status_since is not None and day < self.status_since


class ConventionPeriod(TimeStamped):
    """A provider's position towards the national convention of its category, over a period:
    adherence or non-adherence (declared on the normalised forms), or a suspension decided by
    the CSP (mise hors convention, at most one year)."""

    class Status(models.TextChoices):
        ADHERENT = "adherent", _("adhérent")
        NON_ADHERENT = "non_adherent", _("non adhérent")
        SUSPENDED = "suspended", _("mis hors convention")

    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="conventions",
        db_index=False,  # the (provider, …) index leads with it
    )
    status = models.CharField(max_length=14, choices=Status.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    document = models.CharField(max_length=200, help_text="formulaire ou décision")

    class Meta:
        ordering = ["provider", "valid_from", "pk"]
        verbose_name = _("période conventionnelle")
        indexes = [models.Index(fields=["provider", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="convention_period_valid_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="suspended") | Q(valid_to__isnull=False),
                name="convention_suspension_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider.inpe} {self.status} {self.valid_from}"


class Application(TimeStamped):
    """An application for an INPE code (form 0.3.15.03 for a professional, 0.3.16.03 for an
    establishment), from its receipt to the grant or the refusal."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("en ligne")
        EMAIL = "email", _("courriel")
        POST = "post", _("courrier")
        HAND = "hand", _("dépôt en main propre")
        FAX = "fax", _("fax")

    class Status(models.TextChoices):
        RECEIVED = "received", _("reçue")
        INCOMPLETE = "incomplete", _("incomplète")
        COMPLETE = "complete", _("complète")
        GRANTED = "granted", _("code attribué")
        REFUSED = "refused", _("refusée")

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)  # noqa: DJ001
    follow_key_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the applicant's follow-up key"
    )
    applicant = models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inpe_applications",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    data = models.JSONField(help_text="the form's content (ProviderInput fields)")
    missing_pieces = models.JSONField(default=list, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    director_application = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="establishments"
    )
    provider = models.OneToOneField(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="application"
    )
    decision_note = models.CharField(max_length=300, blank=True)

    # Set by services.application_receive on the instance it returns; never stored in clear.
    follow_key: str = ""

    class Meta:
        ordering = ["-received_at", "pk"]
        verbose_name = _("demande de code INPE")
        indexes = [models.Index(fields=["status", "deadline_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="granted") | Q(provider__isnull=False),
                name="application_granted_has_provider",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["complete", "granted"]) | Q(deadline_at__isnull=False),
                name="application_complete_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"Demande {self.pk} ({self.get_status_display()})"


class ProviderChange(TimeStamped):
    """A change declared by a provider (or recorded by an INPE officer) with its effective date
    and supporting document: kept for ever as the provider's history; the code stays."""

    class Kind(models.TextChoices):
        QUALIFICATION = "qualification", _("qualification ou spécialité")
        TRANSFER = "transfer", _("transfert du lieu d'exercice")
        CONTACT = "contact", _("coordonnées")
        MEDICAL_DIRECTOR = "medical_director", _("directeur médical")
        NAME = "name", _("raison sociale")
        ACTIVITY = "activity", _("activité (changement ou extension)")
        LEGAL_STATUS = "legal_status", _("statut juridique")
        SECTOR = "sector", _("secteur")
        CESSATION = "cessation", _("cessation d'activité")
        DEATH = "death", _("décès")
        REMOVAL = "removal", _("radiation")

    class Status(models.TextChoices):
        DECLARED = "declared", _("déclarée, à valider")
        APPLIED = "applied", _("enregistrée")
        REJECTED = "rejected", _("rejetée")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DECLARED)
    effective_on = models.DateField()
    new_values = models.JSONField(default=dict, blank=True)
    previous_values = models.JSONField(default=dict, blank=True)
    declared_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["provider", "-effective_on", "-pk"]
        verbose_name = _("modification déclarée")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.provider.inpe} {self.kind} {self.effective_on}"


class Document(TimeStamped):
    """A supporting document (PDF, JPEG or PNG, checked by content, at most 10 MB) kept with its
    SHA-256, attached to an application or to a declared change."""

    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200)
    piece = models.CharField(max_length=120, blank=True, help_text="pièce du dossier")
    file = models.FileField(upload_to="documents/%Y/%m/")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    change = models.ForeignKey(
        ProviderChange, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    uploaded_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("pièce justificative")
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False) | Q(change__isnull=False),
                name="document_attached",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"


class Notification(TimeStamped):
    """A message to an applicant or a provider (incomplete file, code allocated, change
    recorded…), kept and sent by email when an address is known."""

    recipient_email = models.EmailField(blank=True)
    recipient_user = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")

    def __str__(self) -> str:
        return self.subject
