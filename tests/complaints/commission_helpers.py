"""Build CPS/CSP procedures through the real services, on a controlled clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from snigi.complaints import commissions, services
from snigi.complaints.models import CommissionSession, ConventionCase, Decision
from snigi.core.models import Commune
from snigi.providers.services import ProviderInput, provider_register

TZ = ZoneInfo("Africa/Casablanca")
DAY0 = dt.date(2026, 3, 2)  # the director general sends the file to the CPS
CPS = CommissionSession.Commission.CPS
CSP = CommissionSession.Commission.CSP


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def days(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def doctor(persona, cnie: str = "BK778899", name: str = "Dr Hassan Idrissi"):
    commune = Commune.objects.order_by("code").first()
    return provider_register(
        actor=persona("ilyas"),
        data=ProviderInput(
            kind="professional",
            category_code="MEDECIN_GENERALISTE",
            sector="private",
            name=name,
            commune_code=commune.code,
            cnie=cnie,
            order_number=f"ORD-{cnie}",
        ),
    )


def open_case(staff, proposed, provider) -> ConventionCase:
    """A convention violation the director general sends to the CPS today."""
    complaint = proposed(
        Decision.COMMISSIONS, nature="convention_violation", provider_inpe=provider.inpe
    )
    services.complaint_decide(
        actor=staff.dg, complaint=complaint, decision=Decision.COMMISSIONS, reason="Surfacturation."
    )
    return ConventionCase.objects.get(complaint=complaint)


def session(staff, commission: str, held_on: dt.date, reference: str) -> CommissionSession:
    return commissions.session_create(
        actor=staff.head, commission=commission, held_on=held_on, reference=reference
    )


def to_csp(staff, case: ConventionCase, clock, *, explained: bool = True) -> ConventionCase:
    """Letter on day 1, acknowledged on day 3, explanations on day 10 (or none), the CPS on
    day 20 sends the file to the CSP; the clock ends on day 20."""
    clock.move_to(at(days(1)))
    commissions.case_letter_sent(actor=staff.head, case=case, reference="RAR-1", sent_on=days(1))
    clock.move_to(at(days(3)))
    commissions.case_acknowledged(actor=staff.head, case=case, acknowledged_on=days(3))
    if explained:
        clock.move_to(at(days(10)))
        commissions.case_explanations(
            actor=staff.head, case=case, received_on=days(10), explanations="Erreur de saisie."
        )
    clock.move_to(at(days(20)))
    cps = session(staff, CPS, days(20), f"CPS-{case.pk}")
    return commissions.cps_decide(
        actor=staff.head, case=case, session=cps, outcome="refer", reason="Violation."
    )


def sent_to_cps_by_services(persona, provider) -> ConventionCase:
    """A fund's complaint against ``provider``, from intake to the director general's decision
    to send it to the CPS, each step by its persona (for tests outside tests/complaints)."""
    from snigi.complaints.intake import ComplaintInput

    head, dg, lawyer = persona("rachida"), persona("directeur"), persona("nadia")
    complaint = services.complaint_receive(
        actor=persona("mounia"),
        data=ComplaintInput(
            requester_type="fund",
            requester_name="CNSS — contrôle médical",
            requester_organisation="CNSS",
            subject="Dépassements d'honoraires répétés",
            received_on=DAY0 - dt.timedelta(days=20),
        ),
    )
    services.complaint_register(actor=persona("sanae"), complaint=complaint)
    services.complaint_enter(
        actor=persona("hamza"),
        complaint=complaint,
        entry=services.EntryInput(nature_code="convention_violation", provider_inpe=provider.inpe),
    )
    services.complaint_validate(actor=head, complaint=complaint, legal_officer=lawyer)
    services.complaint_propose(
        actor=lawyer, complaint=complaint, decision=Decision.COMMISSIONS, reason="Violation."
    )
    services.complaint_decide(
        actor=dg, complaint=complaint, decision=Decision.COMMISSIONS, reason="Saisir la CPS."
    )
    return ConventionCase.objects.get(complaint=complaint)
