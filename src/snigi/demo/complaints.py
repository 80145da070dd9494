"""Demo complaint files: two years of e-réclamations, built through the real workflow services,
in the proportions ANAM reported (seed 002, V–VI: 84 % from insured people, 12 % from the
funds; 54 % reimbursement requests, 15 % convention violations…; 62 % unfavourable opinions,
16 % incomplete files, 9 % referrals, 7 % favourable…), and recent files at every step so that
each role finds work on its desk. Deterministic for a seed; loaded once."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from snigi.beneficiaries.models import Person
from snigi.complaints import pending, services
from snigi.complaints.intake import ComplaintInput
from snigi.complaints.models import Complaint, Decision, Event, Expertise, Nature, NatureGroup
from snigi.core.models import User
from snigi.core.roles import Role
from snigi.demo.names import load_names
from snigi.providers.models import Provider

# (weight, requester type) — seed 002 V.2 and seed 001 2.5
REQUESTERS = ((84, "insured"), (12, "fund"), (1, "professional"), (1, "learned_society"),
              (1, "ministry"), (1, "association"))  # fmt: skip
# (weight, nature group) — seed 002 V.3, with RAMED files (seed 003) apart
GROUPS = (
    (54, NatureGroup.REIMBURSEMENT),
    (15, NatureGroup.CONVENTION_VIOLATION),
    (8, NatureGroup.REIMBURSEMENT_REVISION),
    (3, NatureGroup.ARBITRATION),
    (2, NatureGroup.TM_EXEMPTION),
    (12, NatureGroup.OTHER),
    (6, NatureGroup.RAMED),
)
# (weight, decision) — seed 002 VI.1
DECISIONS = (
    (62, Decision.UNFAVOURABLE),
    (16, Decision.INCOMPLETE),
    (9, Decision.REFERRAL),
    (7, Decision.FAVOURABLE),
    (5, Decision.COMMISSIONS),
    (1, Decision.EXPERTISE),
)
CHANNELS = ((55, "post"), (15, "email"), (10, "front_office"), (8, "hand"), (7, "online"),
            (5, "phone"))  # fmt: skip
FUNDS = ("CNOPS", "CNSS", "MGPAP", "MGEN")
SUBJECTS = {
    NatureGroup.REIMBURSEMENT: "Refus de remboursement d'un traitement prescrit",
    NatureGroup.CONVENTION_VIOLATION: "Dépassement du forfait conventionnel par l'établissement",
    NatureGroup.REIMBURSEMENT_REVISION: "Remboursement sur la base du générique de référence",
    NatureGroup.ARBITRATION: "Contestation d'une décision du contrôle médical",
    NatureGroup.TM_EXEMPTION: "Exonération du ticket modérateur pour une maladie chronique",
    NatureGroup.OTHER: "Demande d'information sur la prise en charge",
    NatureGroup.RAMED: "Carte RAMED non livrée",
}
# Recent files left at each step, for the queues (status reached, how many).
OPEN_STEPS = (("received", 6), ("registered", 5), ("entered", 5), ("instruction", 6),
              ("medical_opinion", 3), ("proposed", 5))  # fmt: skip


def _pick(rng: random.Random, weighted: tuple[tuple[int, object], ...]) -> object:
    return rng.choices([v for _, v in weighted], weights=[w for w, _ in weighted])[0]


def _names(filename: str) -> list[str]:
    return [str(n).title() for n in load_names(filename).canonical]


class _Staff:
    def __init__(self) -> None:
        users = {u.role: u for u in User.objects.filter(username__startswith="anam.")}
        self.mail = users[Role.ANAM_MAIL_OFFICE]
        self.secretariat = users[Role.ANAM_DG_SECRETARIAT]
        self.entry = users[Role.ANAM_LEGAL_DATA_ENTRY]
        self.head = users[Role.ANAM_LEGAL_HEAD]
        self.lawyer = users[Role.ANAM_LEGAL_OFFICER]
        self.doctor = users[Role.ANAM_MEDICAL_OFFICER]
        self.dg = users[Role.ANAM_DIRECTOR_GENERAL]


class _Maker:
    def __init__(self, seed: int, staff: _Staff) -> None:
        self.rng = random.Random(seed * 7919 + 65)  # noqa: S311 - demo data
        self.staff = staff
        self.natures: dict[str, list[Nature]] = {}
        for nature in Nature.objects.filter(active=True):
            self.natures.setdefault(nature.group, []).append(nature)
        self.people = list(
            Person.objects.filter(cnie__isnull=False)
            .order_by("pk")
            .values_list("cnie", flat=True)[:2000]
        )
        self.first_names = _names("first_names_female.csv") + _names("first_names_male.csv")
        self.last_names = _names("family_names.csv")
        self.providers = list(
            Provider.objects.filter(status="active")
            .order_by("pk")
            .values_list("inpe", flat=True)[:500]
        )

    def letter(self, received_on: datetime.date, group: str) -> ComplaintInput:
        rng = self.rng
        requester = str(_pick(rng, REQUESTERS))
        if group == NatureGroup.CONVENTION_VIOLATION and requester not in ("insured", "fund"):
            requester = "insured"
        name = f"{rng.choice(self.first_names)} {rng.choice(self.last_names)}"
        organisation = rng.choice(FUNDS) if requester == "fund" else ""
        return ComplaintInput(
            requester_type=requester,
            requester_name=organisation or name,
            requester_organisation=organisation,
            subject=SUBJECTS[NatureGroup(group)],
            description="Dossier de démonstration (données synthétiques).",
            channel=str(_pick(rng, CHANNELS)),
            received_on=received_on,
            person_cnie=rng.choice(self.people) if requester == "insured" and self.people else "",
        )

    def to_step(self, received_on: datetime.date, step: str, decision: str = "") -> Complaint:
        """A file taken through the services up to ``step`` (``decided``: with ``decision``)."""
        s, rng = self.staff, self.rng
        group = NatureGroup(str(_pick(rng, GROUPS)))
        if step == "decided" and not decision:
            decision = str(_pick(rng, DECISIONS))
        if decision == Decision.COMMISSIONS:
            group = NatureGroup.CONVENTION_VIOLATION
        if group == NatureGroup.CONVENTION_VIOLATION and not self.providers:
            group, decision = NatureGroup.OTHER, decision.replace("commissions", "unfavourable")
        nature = rng.choice(self.natures[group])
        complaint = services.complaint_receive(actor=s.mail, data=self.letter(received_on, group))
        if step == "received":
            return complaint
        services.complaint_register(actor=s.secretariat, complaint=complaint)
        if step == "registered":
            return complaint
        violation = group == NatureGroup.CONVENTION_VIOLATION
        entry = services.EntryInput(
            nature_code=nature.code,
            provider_inpe=rng.choice(self.providers) if violation else "",
            respondent_code=rng.choice(FUNDS) if group != NatureGroup.RAMED else "",
        )
        services.complaint_enter(actor=s.entry, complaint=complaint, entry=entry)
        if step == "entered":
            return complaint
        services.complaint_validate(
            actor=s.head,
            complaint=complaint,
            legal_officer=s.lawyer,
            medical_officer=s.doctor if nature.medical_opinion else None,
        )
        if step == "instruction":
            return complaint
        services.complaint_request_medical_opinion(
            actor=s.lawyer,
            complaint=complaint,
            question="Avis sur l'indication et l'ALD.",
            medical_officer=s.doctor,
        )
        if step == "medical_opinion":
            return complaint
        services.complaint_give_medical_opinion(
            actor=s.doctor, complaint=complaint, opinion="Avis médical motivé (démonstration)."
        )
        proposal = decision or str(_pick(rng, DECISIONS))  # a proposal left for the DG
        services.complaint_propose(
            actor=s.lawyer, complaint=complaint, decision=proposal, reason="Analyse juridique."
        )
        if step == "proposed":
            return complaint
        delay = min(rng.randint(7, 75), (timezone.localdate() - received_on).days)
        details = services.DecisionDetails(
            missing_pieces="Ordonnance ; compte rendu médical ; facture détaillée",
            bodies=[rng.choice(FUNDS)],
            letter_reference=f"ANAM/DAJ/{received_on.year}/{rng.randint(100, 999)}",
            expert_name=rng.choice(self.last_names),
        )
        services.complaint_decide(
            actor=s.dg,
            complaint=complaint,
            decision=proposal,
            reason="Décision motivée (démonstration).",
            details=details,
            on=received_on + datetime.timedelta(days=delay),
        )
        self.follow_up(complaint)
        return complaint

    def follow_up(self, complaint: Complaint) -> None:
        """Some referrals answered, some expertises concluded: as in the seed, not all."""
        complaint.refresh_from_db()
        on = complaint.decision_on or timezone.localdate()
        later = min(on + datetime.timedelta(days=self.rng.randint(5, 40)), timezone.localdate())
        if complaint.decision == Decision.REFERRAL and self.rng.random() < 0.25:
            for referral in complaint.referrals.all():
                pending.referral_answer(
                    actor=self.staff.lawyer, referral=referral, answered_on=later,
                    answer="Dossier régularisé par l'organisme.",
                )  # fmt: skip
        if complaint.decision == Decision.EXPERTISE and self.rng.random() < 0.5:
            expertise = Expertise.objects.get(complaint=complaint)
            pending.expertise_conclude(
                actor=self.staff.doctor, expertise=expertise, conclusions_on=later,
                conclusions="Conclusions de l'expert (démonstration).",
                in_favour_of=self.rng.choice(["insured", "fund"]),
            )  # fmt: skip


def _spread_timeline(complaint: Complaint) -> None:
    """The steps dated between receipt and decision (the services stamp them now)."""
    events = list(complaint.events.order_by("pk"))
    start = datetime.datetime.combine(
        complaint.received_on, datetime.time(9), tzinfo=timezone.get_current_timezone()
    )
    end_day = complaint.decision_on or min(
        complaint.received_on + datetime.timedelta(days=20), timezone.localdate()
    )
    span = max((end_day - complaint.received_on).days, 1)
    for index, event in enumerate(events):
        days = span * index / max(len(events) - 1, 1)
        event.at = start + datetime.timedelta(days=days, minutes=index * 7)
    Event.objects.bulk_update(events, ["at"])


def load_demo_complaints(*, seed: int, files: int = 400) -> int:
    """Create the demo files if there are none yet; returns how many were created."""
    if Complaint.objects.exists():
        return 0
    staff = _Staff()
    maker = _Maker(seed, staff)
    today = timezone.localdate()
    created: list[Complaint] = []
    with transaction.atomic():
        for index in range(files):
            received_on = today - datetime.timedelta(days=40 + (index * 690) // files)
            created.append(maker.to_step(received_on, "decided"))
        for step, count in OPEN_STEPS:
            for index in range(count):
                received_on = today - datetime.timedelta(days=2 + index * 3)
                created.append(maker.to_step(received_on, step))
        for complaint in created:
            _spread_timeline(complaint)
    return len(created)
