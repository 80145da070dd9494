"""e-réclamations: complaint files, their timeline, referrals, expertises, the medicine decision
checklist, the CPS/CSP procedure against a provider, the moratorium, delays (data) and alerts.

The workflow and its roles are seed 002, IV; the natures and decisions its tables V–VI.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from snigi.core.models import TimeStamped


class NatureGroup(models.TextChoices):
    """The columns of seed 002's tables; a nature belongs to one."""

    REIMBURSEMENT = "reimbursement", _("Demande de remboursement")
    CONVENTION_VIOLATION = "convention_violation", _("Violation de la convention nationale")
    REIMBURSEMENT_REVISION = "reimbursement_revision", _("Révision du remboursement")
    ARBITRATION = "arbitration", _("Demande d'arbitrage")
    TM_EXEMPTION = "tm_exemption", _("Demande d'exonération du TM")
    RAMED = "ramed", _("RAMED / Tadamon")
    OTHER = "other", _("Autres")


class Nature(TimeStamped):
    """A nature of complaint (data, extensible by an administrator: data/natures.csv)."""

    code = models.CharField(max_length=40, unique=True)
    group = models.CharField(max_length=24, choices=NatureGroup.choices)
    name_fr = models.CharField(max_length=200)
    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    target_days = models.PositiveSmallIntegerField(
        help_text="délai cible de traitement, en jours calendaires"
    )
    medical_opinion = models.BooleanField(
        default=False, help_text="demande en principe un avis médical (DCN)"
    )
    legal_basis = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("nature de réclamation")

    def __str__(self) -> str:
        return self.name_fr


class ComplaintSerial(models.Model):
    """The last reference number given in a year; taking one locks the row."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class RequesterType(models.TextChoices):
    INSURED = "insured", _("Assuré")
    FUND = "fund", _("Organisme gestionnaire")
    PROFESSIONAL = "professional", _("Professionnel de santé")
    LEARNED_SOCIETY = "learned_society", _("Société savante")
    MINISTRY = "ministry", _("Département ministériel ou primature")
    ASSOCIATION = "association", _("Association")
    OTHER = "other", _("Autre")


class Channel(models.TextChoices):
    POST = "post", _("Courrier")
    HAND = "hand", _("Dépôt en main propre")
    EMAIL = "email", _("Courriel")
    FRONT_OFFICE = "front_office", _("Front office")
    PHONE = "phone", _("Ligne téléphonique")
    ONLINE = "online", _("Portail en ligne")


class Status(models.TextChoices):
    RECEIVED = "received", _("Reçu au bureau d'ordre")
    REGISTERED = "registered", _("Enregistré")
    ENTERED = "entered", _("Saisi")
    INSTRUCTION = "instruction", _("En instruction")
    MEDICAL_OPINION = "medical_opinion", _("Avis médical demandé")
    PROPOSED = "proposed", _("Proposition de décision")
    PENDING = "pending", _("En attente")
    CLOSED = "closed", _("Clos")


class Decision(models.TextChoices):
    """ANAM's decision on a file (seed 002, VI): final, or waiting for someone else."""

    UNFAVOURABLE = "unfavourable", _("Avis défavorable")
    FAVOURABLE = "favourable", _("Avis favorable")
    INCOMPLETE = "incomplete", _("Dossier incomplet")
    REFERRAL = "referral", _("Attribution")
    COMMISSIONS = "commissions", _("En attente de la CPS et de la CSP")
    EXPERTISE = "expertise", _("En attente d'expertise")
    TRANSPARENCY = "transparency", _("En attente de la commission de la transparence")
    CLASSIFIED = "classified", _("Classé par la commission")
    SUSPENSION = "suspension", _("Mise hors convention")


FINAL_DECISIONS = frozenset(
    {Decision.UNFAVOURABLE, Decision.FAVOURABLE, Decision.CLASSIFIED, Decision.SUSPENSION}
)


class Complaint(TimeStamped):
    """A complaint file, from the mail office's record to ANAM's decision."""

    reference = models.CharField(max_length=20, unique=True)
    received_on = models.DateField()
    channel = models.CharField(max_length=14, choices=Channel.choices)
    requester_type = models.CharField(max_length=16, choices=RequesterType.choices)
    requester_name = models.CharField(max_length=200)
    requester_cnie = models.CharField(max_length=12, blank=True)
    requester_inpe = models.CharField(max_length=9, blank=True)
    requester_email = models.EmailField(blank=True)
    requester_phone = models.CharField(max_length=20, blank=True)
    requester_address = models.CharField(max_length=300, blank=True)
    requester_organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requester_user = models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_filed",
        help_text="the account that filed it online and may follow it",
        db_index=False,  # the (requester_user, …) index leads with it
    )
    subject = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    nature = models.ForeignKey(
        Nature,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        db_index=False,  # the (nature, …) index leads with it
    )
    person = models.ForeignKey(
        "beneficiaries.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        help_text="the insured person concerned",
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        help_text="the health professional or establishment complained about",
    )
    respondent = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_against",
        help_text="the fund (or body) the dispute is with",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    legal_officer = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    medical_officer = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_on = models.DateField(null=True, blank=True, help_text="received + target delay")
    proposal = models.CharField(max_length=14, choices=Decision.choices, blank=True)
    proposal_reason = models.TextField(blank=True)
    decision = models.CharField(max_length=14, choices=Decision.choices, blank=True)
    decision_on = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    missing_pieces = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)
    imported = models.BooleanField(default=False, help_text="loaded from a historical register")

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("réclamation")
        indexes = [
            models.Index(fields=["received_on"]),
            models.Index(fields=["status", "received_on"]),
            models.Index(fields=["nature", "received_on"]),
            models.Index(fields=["requester_user", "received_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision_on__isnull=False),
                name="complaint_decision_dated",
            ),
            models.CheckConstraint(
                condition=Q(decision_on__isnull=True) | Q(decision_on__gte=models.F("received_on")),
                name="complaint_decision_after_receipt",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def delay_days(self) -> int | None:
        """Processing delay in calendar days: receipt to decision."""
        if self.decision_on is None:
            return None
        return (self.decision_on - self.received_on).days


class Event(models.Model):
    """One step of a file's timeline: who did what, when, and the status after it."""

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # the (complaint, …) index leads with it
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=Status.choices)
    note = models.TextField(blank=True)
    public = models.BooleanField(default=True, help_text="shown to the requester following online")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("étape")
        indexes = [models.Index(fields=["complaint", "at"])]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


class Attachment(TimeStamped):
    """A piece of the file: PDF, JPEG or PNG (checked by content), at most 10 MB, with its hash."""

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="attachments",
        db_index=False,  # attachment_once_per_file leads with it
    )
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200)
    description = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to="complaints/%Y/%m/")
    uploaded_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("pièce jointe")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "sha256"], name="attachment_once_per_file")
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"


class Referral(TimeStamped):
    """An "attribution": the file sent to the competent body, tracked until it answers."""

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="referrals",
        db_index=False,  # referral_once_per_body leads with it
    )
    body = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField()
    letter_reference = models.CharField(max_length=40, blank=True)
    answered_on = models.DateField(null=True, blank=True)
    answer = models.TextField(blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    last_reminder_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["sent_on", "pk"]
        verbose_name = _("attribution")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "body"], name="referral_once_per_body"),
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True) | Q(answered_on__gte=models.F("sent_on")),
                name="referral_answer_after_sending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.body_id}"


class Expertise(TimeStamped):
    """An external medical expertise (art. 30 of law 65-00): ANAM appoints the expert, whose
    conclusions bind the insured and the fund."""

    class InFavourOf(models.TextChoices):
        INSURED = "insured", _("de l'assuré")
        FUND = "fund", _("de l'organisme gestionnaire")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="expertises")
    expert_name = models.CharField(max_length=200)
    appointed_on = models.DateField()
    conclusions_on = models.DateField(null=True, blank=True)
    conclusions = models.TextField(blank=True)
    in_favour_of = models.CharField(max_length=8, choices=InFavourOf.choices, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    last_reminder_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["appointed_on", "pk"]
        verbose_name = _("expertise médicale")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.expert_name}"


class MedicineAssessment(TimeStamped):
    """The decision-support checklist for a medicine (seed 002, VII.1), with its outcome and,
    when referred, the transparency commission's opinion."""

    class Case(models.TextChoices):
        NO_AUTHORISATION = (
            "no_authorisation",
            _("Sans AMM au Maroc (AMM à l'étranger), non remboursable"),
        )
        NOT_REIMBURSABLE = "not_reimbursable", _("AMM au Maroc, non remboursable au titre de l'AMO")
        OFF_LABEL = "off_label", _("Remboursable, prescrit hors indications de son AMM")

    class Outcome(models.TextChoices):
        WAIVER = "waiver", _("Dérogation de remboursement possible")
        NO_REIMBURSEMENT = "no_reimbursement", _("Pas de remboursement")
        REIMBURSABLE = "reimbursable", _("Remboursable (protocole validant l'indication)")
        EXCEPTIONAL = "exceptional", _("Examen exceptionnel (pronostic vital, aucune alternative)")

    class Opinion(models.TextChoices):
        FAVOURABLE = "favourable", _("Avis favorable")
        UNFAVOURABLE = "unfavourable", _("Avis défavorable")
        INCOMPLETE = "incomplete", _("Dossier incomplet")

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, related_name="medicine_assessment"
    )
    medicine = models.CharField(max_length=200)
    case = models.CharField(max_length=18, choices=Case.choices)
    ald_or_rare_chronic = models.BooleanField(default=False)
    no_reimbursable_alternative = models.BooleanField(default=False)
    validated_protocol = models.BooleanField(default=False)
    life_threatening = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reasons = models.TextField()
    transparency_referred_on = models.DateField(null=True, blank=True)
    transparency_opinion = models.CharField(max_length=12, choices=Opinion.choices, blank=True)
    transparency_opinion_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("analyse médicament")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.medicine}"


class CommissionSession(TimeStamped):
    """A sitting of the CPS (Commission Permanente de Suivi) or of the CSP (Commission
    Spécialisée Permanente, sanctions)."""

    class Commission(models.TextChoices):
        CPS = "cps", _("Commission Permanente de Suivi (CPS)")
        CSP = "csp", _("Commission Spécialisée Permanente (CSP)")

    commission = models.CharField(max_length=3, choices=Commission.choices)
    held_on = models.DateField()
    reference = models.CharField(max_length=40, unique=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-held_on", "pk"]
        verbose_name = _("séance de commission")

    def __str__(self) -> str:
        return self.reference


class ConventionCase(TimeStamped):
    """A convention violation sent by the director general to the CPS (art. 30, decree
    2-05-733): written explanations within 15 days of the acknowledged receipt, the CPS, then
    the CSP, which closes or suspends the provider for at most one year."""

    class Stage(models.TextChoices):
        EXPLANATIONS = "explanations", _("Explications demandées")
        CPS = "cps", _("Devant la CPS")
        CSP = "csp", _("Devant la CSP")
        CLOSED = "closed", _("Classé")
        SUSPENDED = "suspended", _("Mis hors convention")

    complaint = models.OneToOneField(
        Complaint, on_delete=models.PROTECT, related_name="convention_case"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="convention_cases"
    )
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.EXPLANATIONS)
    sent_on = models.DateField(help_text="the director general's decision to refer to the CPS")
    letter_reference = models.CharField(max_length=40, blank=True)
    letter_sent_on = models.DateField(null=True, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True, help_text="accusé de réception")
    explanations_due_on = models.DateField(null=True, blank=True)
    explanations_on = models.DateField(null=True, blank=True)
    explanations = models.TextField(blank=True)
    force_majeure = models.TextField(blank=True)
    cps_session = models.ForeignKey(
        CommissionSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    csp_session = models.ForeignKey(
        CommissionSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    repeat_offence = models.BooleanField(default=False)
    suspension_start = models.DateField(null=True, blank=True)
    suspension_end = models.DateField(null=True, blank=True)
    convention_period = models.ForeignKey(
        "providers.ConventionPeriod", on_delete=models.PROTECT, null=True, blank=True
    )
    published_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_on", "-pk"]
        verbose_name = _("procédure CPS / CSP")
        constraints = [
            models.CheckConstraint(
                condition=Q(suspension_end__isnull=True)
                | Q(suspension_end__gte=models.F("suspension_start")),
                name="convention_case_suspension_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.stage}"


class Moratorium(TimeStamped):
    """A period in which no new suspension may be pronounced (as from 2011, pending the renewal
    of the national conventions)."""

    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    decided_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("moratoire des mises hors convention")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="moratorium_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.ends_on or '…'}"


class Delay(TimeStamped):
    """A delay of the procedure (data/delays.csv), versioned with its legal basis."""

    code = models.CharField(max_length=40)
    days = models.PositiveSmallIntegerField()
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    legal_basis = models.CharField(max_length=300)
    description = models.CharField(max_length=300)

    class Meta:
        ordering = ["code", "valid_from"]
        verbose_name = _("délai de procédure")
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="delay_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.days} j"


class Alert(TimeStamped):
    """A deadline reached or near (written by the deadline worker, once per kind, object and
    due date), for the role that must act."""

    class Kind(models.TextChoices):
        EXPLANATIONS_LATE = "explanations_late", _("Délai d'explications écoulé")
        EXPERTISE_LATE = "expertise_late", _("Expertise sans retour")
        REFERRAL_UNANSWERED = "referral_unanswered", _("Attribution sans réponse")
        FILE_OVERDUE = "file_overdue", _("Dossier au-delà du délai cible")
        SUSPENSION_ENDING = "suspension_ending", _("Fin de mise hors convention proche")
        REINSTATED = "reinstated", _("Réintégration d'office")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="alerts")
    key = models.CharField(max_length=60, help_text="the object and due date it is about")
    due_on = models.DateField()
    role = models.CharField(max_length=32)
    message = models.CharField(max_length=300)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("alerte")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="alert_once"),
        ]
        indexes = [models.Index(fields=["role", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
