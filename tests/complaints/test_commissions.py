"""The CPS/CSP procedure (art. 30 of decree 2-05-733; seed 002, IV.1), through the services,
on a controlled clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from snigi.complaints import commissions
from snigi.complaints.models import ConventionCase, Decision, Delay, Status
from snigi.complaints.selectors_commissions import published_suspensions
from snigi.providers.models import ConventionPeriod
from snigi.providers.selectors import provider_convention_status
from snigi.providers.services import convention_suspend
from tests.complaints.commission_helpers import (
    CPS,
    CSP,
    DAY0,
    at,
    days,
    doctor,
    open_case,
    session,
    to_csp,
)

pytestmark = pytest.mark.django_db
Stage = ConventionCase.Stage


@pytest.fixture
def case(clock, staff, proposed, persona):
    return open_case(staff, proposed, doctor(persona))


def test_a_violation_goes_through_cps_and_csp_to_a_suspension_the_registry_shows(
    clock, staff, case
):
    inpe = case.provider.inpe
    to_csp(staff, case, clock)
    case.refresh_from_db()
    assert case.explanations_due_on == days(3 + 15)
    assert case.stage == Stage.CSP
    clock.move_to(at(days(40)))
    csp = session(staff, CSP, days(40), "CSP-2026-01")
    commissions.csp_decide(
        actor=staff.head,
        case=case,
        session=csp,
        outcome="suspend",
        reason="Surfacturation avérée.",
        start=days(45),
        end=days(45 + 89),
    )
    case.refresh_from_db()
    assert case.stage == Stage.SUSPENDED
    assert (case.suspension_start, case.suspension_end) == (days(45), days(134))
    assert case.convention_period.status == ConventionPeriod.Status.SUSPENDED
    complaint = case.complaint
    complaint.refresh_from_db()
    assert complaint.decision == Decision.SUSPENSION
    assert complaint.status == Status.CLOSED
    assert complaint.decision_on == complaint.closed_on == days(40)
    assert provider_convention_status(inpe, on=days(44)).status != "suspended"
    assert provider_convention_status(inpe, on=days(45)).status == "suspended"
    assert provider_convention_status(inpe, on=days(134)).until == days(134)
    # Reinstated ex officio the day after the end: the registry's status is dated.
    assert provider_convention_status(inpe, on=days(135)).status != "suspended"
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds[kinds.index("explanations_requested") :] == [
        "explanations_requested",
        "acknowledged_receipt",
        "explanations_received",
        "cps_referred",
        "csp_suspended",
        "notified",
    ]
    assert "Mise hors convention" in complaint.events.last().note


def test_the_explanations_delay_is_read_from_the_data_in_force(clock, staff, case):
    Delay.objects.filter(code="explanations").update(valid_to=dt.date(2026, 2, 28))
    Delay.objects.create(
        code="explanations",
        days=20,
        valid_from=dt.date(2026, 3, 1),
        legal_basis="test",
        description="test",
    )
    commissions.case_letter_sent(actor=staff.head, case=case, reference="RAR-1", sent_on=DAY0)
    commissions.case_acknowledged(actor=staff.head, case=case, acknowledged_on=DAY0)
    case.refresh_from_db()
    assert case.explanations_due_on == days(20)


def test_late_explanations_count_only_with_a_force_majeure(clock, staff, proposed, persona, case):
    commissions.case_letter_sent(actor=staff.head, case=case, reference="RAR-1", sent_on=DAY0)
    commissions.case_acknowledged(actor=staff.head, case=case, acknowledged_on=DAY0)
    clock.move_to(at(days(16)))
    commissions.case_explanations(
        actor=staff.head, case=case, received_on=days(16), explanations="Trop tard."
    )
    case.refresh_from_db()
    assert case.explanations_on is None
    assert case.explanations == ""
    assert case.stage == Stage.CPS
    assert "réputé n'avoir pas d'explications" in case.complaint.events.last().note

    other = open_case(staff, proposed, doctor(persona, cnie="BK112233", name="Dr Saïd Amrani"))
    commissions.case_letter_sent(actor=staff.head, case=other, reference="RAR-2", sent_on=days(16))
    commissions.case_acknowledged(actor=staff.head, case=other, acknowledged_on=days(16))
    clock.move_to(at(days(40)))
    commissions.case_explanations(
        actor=staff.head,
        case=other,
        received_on=days(40),
        explanations="Hospitalisé.",
        force_majeure="Hospitalisation.",
    )
    other.refresh_from_db()
    assert other.explanations_on == days(40)
    assert other.force_majeure == "Hospitalisation."


def test_the_cps_refers_only_once_explanations_came_or_the_delay_ran_out(clock, staff, case):
    commissions.case_letter_sent(actor=staff.head, case=case, reference="RAR-1", sent_on=DAY0)
    early = session(staff, CPS, DAY0, "CPS-EARLY")
    with pytest.raises(ValidationError, match="accusé de réception"):
        commissions.cps_decide(
            actor=staff.head, case=case, session=early, outcome="refer", reason="x"
        )
    commissions.case_acknowledged(actor=staff.head, case=case, acknowledged_on=DAY0)
    clock.move_to(at(days(15)))
    on_due = session(staff, CPS, days(15), "CPS-DUE")
    with pytest.raises(ValidationError, match="délai d'explications"):
        commissions.cps_decide(
            actor=staff.head, case=case, session=on_due, outcome="refer", reason="x"
        )
    clock.move_to(at(days(16)))
    after = session(staff, CPS, days(16), "CPS-AFTER")
    commissions.cps_decide(actor=staff.head, case=case, session=after, outcome="refer", reason="x")
    case.refresh_from_db()
    assert case.stage == Stage.CSP
    assert case.cps_session == after


def test_the_cps_closes_a_file(clock, staff, case):
    clock.move_to(at(days(5)))
    cps = session(staff, CPS, days(5), "CPS-1")
    commissions.cps_decide(
        actor=staff.head, case=case, session=cps, outcome="close", reason="Solution consensuelle."
    )
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    assert case.complaint.decision == Decision.CLASSIFIED
    assert case.complaint.status == Status.CLOSED
    assert case.complaint.decision_on == days(5)


def test_a_suspension_longer_than_a_year_is_impossible(clock, staff, case):
    to_csp(staff, case, clock)
    csp = session(staff, CSP, days(20), "CSP-1")
    start = days(30)
    for end in (dt.date(2027, 4, 1), start + dt.timedelta(days=366)):
        with pytest.raises(ValidationError, match="ne peut excéder un an"):
            commissions.csp_decide(
                actor=staff.head,
                case=case,
                session=csp,
                outcome="suspend",
                reason="x",
                start=start,
                end=end,
            )
    assert not ConventionPeriod.objects.filter(status="suspended").exists()
    case.refresh_from_db()
    assert case.stage == Stage.CSP
    assert case.complaint.status == Status.PENDING
    # The providers' service refuses it on its own too.
    with pytest.raises(ValidationError, match="un an"):
        convention_suspend(
            actor=staff.head,
            inpe=case.provider.inpe,
            start=start,
            end=start + dt.timedelta(days=366),
            decision="x",
        )
    # One year to the day before the anniversary is allowed.
    commissions.csp_decide(
        actor=staff.head,
        case=case,
        session=csp,
        outcome="suspend",
        reason="x",
        start=start,
        end=dt.date(2027, 3, 31),
    )
    case.refresh_from_db()
    assert case.suspension_end == dt.date(2027, 3, 31)


def test_a_suspension_needs_its_dates_within_the_session(clock, staff, case):
    to_csp(staff, case, clock)
    csp = session(staff, CSP, days(20), "CSP-1")
    for start, end, message in (
        (None, None, "dates"),
        (days(19), days(40), "avant la séance"),
        (days(40), days(30), "précède son début"),
    ):
        with pytest.raises(ValidationError, match=message):
            commissions.csp_decide(
                actor=staff.head,
                case=case,
                session=csp,
                outcome="suspend",
                reason="x",
                start=start,
                end=end,
            )
    cps = session(staff, CPS, days(20), "CPS-X")
    with pytest.raises(ValidationError, match="séance de la Commission Spécialisée"):
        commissions.csp_decide(
            actor=staff.head, case=case, session=cps, outcome="close", reason="x"
        )


def test_no_suspension_while_a_moratorium_is_in_force(clock, staff, persona, case):
    omar = persona("omar")
    moratorium = commissions.moratorium_set(
        actor=omar, starts_on=DAY0, reason="Renouvellement des conventions nationales"
    )
    to_csp(staff, case, clock)
    csp = session(staff, CSP, days(20), "CSP-1")
    with pytest.raises(ValidationError, match="Renouvellement des conventions nationales"):
        commissions.csp_decide(
            actor=staff.head,
            case=case,
            session=csp,
            outcome="suspend",
            reason="x",
            start=days(30),
            end=days(60),
        )
    assert not ConventionPeriod.objects.filter(status="suspended").exists()
    with pytest.raises(ValidationError, match="chevauche"):
        commissions.moratorium_set(actor=omar, starts_on=days(5), reason="Autre")
    commissions.moratorium_end(actor=omar, moratorium=moratorium, ends_on=days(25))
    with pytest.raises(ValidationError, match="moratoire"):  # the session fell in it
        commissions.csp_decide(
            actor=staff.head,
            case=case,
            session=csp,
            outcome="suspend",
            reason="x",
            start=days(30),
            end=days(60),
        )
    clock.move_to(at(days(26)))
    later = session(staff, CSP, days(26), "CSP-2")
    commissions.csp_decide(
        actor=staff.head,
        case=case,
        session=later,
        outcome="suspend",
        reason="x",
        start=days(30),
        end=days(60),
    )
    assert provider_convention_status(case.provider.inpe, on=days(30)).status == "suspended"


@pytest.fixture
def earlier_suspension(staff, case):
    """The provider was suspended once before (CSP-2023-07): a repeat offender."""
    return convention_suspend(
        actor=staff.head,
        inpe=case.provider.inpe,
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 6, 30),
        decision="CSP-2023-07",
    )


def test_a_repeat_offender_is_suspended_ex_officio(clock, staff, case, earlier_suspension):
    to_csp(staff, case, clock)
    csp = session(staff, CSP, days(20), "CSP-1")
    with pytest.raises(ValidationError, match="Récidive.*CSP-2023-07"):
        commissions.csp_decide(
            actor=staff.head, case=case, session=csp, outcome="close", reason="Classement."
        )
    commissions.csp_decide(
        actor=staff.head,
        case=case,
        session=csp,
        outcome="suspend",
        reason="Récidive.",
        start=days(21),
        end=days(200),
    )
    case.refresh_from_db()
    assert case.repeat_offence is True
    assert "d'office" in case.complaint.events.get(kind="csp_suspended").note


def test_a_repeat_offender_s_file_closes_if_the_violation_is_not_established(
    clock, staff, case, earlier_suspension
):
    to_csp(staff, case, clock)
    csp = session(staff, CSP, days(20), "CSP-1")
    commissions.csp_decide(
        actor=staff.head,
        case=case,
        session=csp,
        outcome="close",
        reason="Pièces probantes.",
        violation_not_established=True,
    )
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    assert case.repeat_offence
    assert case.complaint.decision == Decision.CLASSIFIED


def test_the_director_general_publishes_a_suspension(clock, staff, case):
    to_csp(staff, case, clock)
    csp = session(staff, CSP, days(20), "CSP-1")
    with pytest.raises(ValidationError, match="mise hors convention"):
        commissions.csp_decision_publish(actor=staff.dg, case=case)
    commissions.csp_decide(
        actor=staff.head,
        case=case,
        session=csp,
        outcome="suspend",
        reason="x",
        start=days(21),
        end=days(50),
    )
    with pytest.raises(PermissionDenied):
        commissions.csp_decision_publish(actor=staff.head, case=case)
    assert not published_suspensions().exists()
    commissions.csp_decision_publish(actor=staff.dg, case=case)
    assert list(published_suspensions()) == [case]
    with pytest.raises(ValidationError, match="déjà publiée"):
        commissions.csp_decision_publish(actor=staff.dg, case=case)


def test_each_step_belongs_to_its_role(clock, staff, persona, case):
    for actor in (staff.lawyer, staff.dg, persona("omar"), persona("dr_amine")):
        with pytest.raises(PermissionDenied):
            commissions.case_letter_sent(actor=actor, case=case, reference="R", sent_on=DAY0)
        with pytest.raises(PermissionDenied):
            commissions.session_create(actor=actor, commission=CPS, held_on=DAY0, reference="S")
    for actor in (staff.head, staff.dg):
        with pytest.raises(PermissionDenied):
            commissions.moratorium_set(actor=actor, starts_on=DAY0, reason="x")
    case.refresh_from_db()
    assert case.letter_sent_on is None


def test_bad_inputs_are_refused_in_french(clock, staff, case):
    with pytest.raises(ValidationError, match="dans le futur"):
        commissions.case_letter_sent(actor=staff.head, case=case, reference="R", sent_on=days(1))
    with pytest.raises(ValidationError, match="obligatoire"):
        commissions.case_letter_sent(actor=staff.head, case=case, reference=" ", sent_on=DAY0)
    with pytest.raises(ValidationError, match="d'abord"):
        commissions.case_acknowledged(actor=staff.head, case=case, acknowledged_on=DAY0)
    session(staff, CPS, DAY0, "CPS-1")
    with pytest.raises(ValidationError, match="déjà la référence"):
        session(staff, CPS, DAY0, "cps-1")
    with pytest.raises(ValidationError, match="Commission inconnue"):
        commissions.session_create(actor=staff.head, commission="x", held_on=DAY0, reference="Z")
