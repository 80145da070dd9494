"""The deadline worker: alerts written once, for the role that must act, on a controlled clock."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from snigi.complaints import commissions, pending, services
from snigi.complaints.deadlines import alert_resolve, run_deadlines
from snigi.complaints.models import Alert, ConventionCase, Decision, Referral
from snigi.complaints.selectors_commissions import alerts_for
from snigi.core.roles import Role
from snigi.providers.selectors import provider_convention_status
from tests.complaints.commission_helpers import (
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
Kind = Alert.Kind


def test_the_explanations_delay_running_out_sends_the_case_to_the_cps_once(
    clock, staff, proposed, persona
):
    case = open_case(staff, proposed, doctor(persona))
    commissions.case_letter_sent(actor=staff.head, case=case, reference="RAR-1", sent_on=DAY0)
    commissions.case_acknowledged(actor=staff.head, case=case, acknowledged_on=DAY0)
    clock.move_to(at(days(15)))  # the last day of the delay
    assert not run_deadlines().alerts[Kind.EXPLANATIONS_LATE]
    clock.move_to(at(days(16)))
    report = run_deadlines()
    assert report.alerts[Kind.EXPLANATIONS_LATE] == 1
    assert report.cases_to_cps == 1
    case.refresh_from_db()
    assert case.stage == ConventionCase.Stage.CPS
    alert = Alert.objects.get(kind=Kind.EXPLANATIONS_LATE)
    assert alert.role == Role.ANAM_LEGAL_HEAD
    assert alert.due_on == days(15)
    assert list(alerts_for(actor=staff.head)) == [alert]
    assert case.complaint.events.filter(kind="explanations_expired", actor=None).count() == 1
    again = run_deadlines()
    assert not again.alerts
    assert again.cases_to_cps == 0
    assert Alert.objects.count() == 1


def test_an_unanswered_referral_is_reminded_once_per_period(clock, staff, proposed, persona):
    complaint = proposed(Decision.REFERRAL)
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.REFERRAL,
        reason="Compétence de la CNOPS.",
        details=services.DecisionDetails(bodies=["CNOPS"]),
    )
    referral = Referral.objects.get(complaint=complaint)
    clock.move_to(at(days(29)))
    run_deadlines()
    assert not Alert.objects.filter(kind=Kind.REFERRAL_UNANSWERED).exists()
    clock.move_to(at(days(30)))
    assert run_deadlines().reminders == 1
    clock.move_to(at(days(45)))
    assert run_deadlines().reminders == 0
    referral.refresh_from_db()
    assert referral.reminders == 1
    assert referral.last_reminder_on == days(30)
    assert complaint.events.filter(kind="referral_reminded", actor=None).count() == 1
    # An officer reminds the body on day 58: the next period runs from that reminder.
    clock.move_to(at(days(58)))
    pending.referral_remind(actor=staff.lawyer, referral=referral)
    clock.move_to(at(days(87)))
    assert not run_deadlines().alerts
    clock.move_to(at(days(88)))
    report = run_deadlines()
    assert report.alerts[Kind.REFERRAL_UNANSWERED] == 1
    assert report.reminders == 1
    referral.refresh_from_db()
    assert referral.reminders == 3
    alerts = alerts_for(actor=staff.lawyer)
    assert [a.kind for a in alerts if a.kind == Kind.REFERRAL_UNANSWERED] == [
        Kind.REFERRAL_UNANSWERED
    ] * 2
    assert not alerts_for(actor=persona("youness")).exists()  # another legal officer's file


def test_an_expertise_without_conclusions_is_signalled(clock, staff, proposed):
    complaint = proposed(Decision.EXPERTISE)
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.EXPERTISE,
        reason="Expertise.",
        details=services.DecisionDetails(expert_name="Benali"),
    )
    clock.move_to(at(days(31)))
    assert run_deadlines().alerts[Kind.EXPERTISE_LATE] == 1
    alert = Alert.objects.get(kind=Kind.EXPERTISE_LATE)
    assert alert.role == Role.ANAM_LEGAL_OFFICER
    assert "Benali" in alert.message


def test_files_past_their_target_date_alert_the_role_of_their_step(clock, staff, in_instruction):
    complaint = in_instruction()  # received 10 days ago, 30 days target
    clock.move_to(at(days(20)))
    assert not run_deadlines().alerts
    clock.move_to(at(days(21)))
    assert run_deadlines().alerts[Kind.FILE_OVERDUE] == 1
    alert = Alert.objects.get(kind=Kind.FILE_OVERDUE)
    assert alert.role == Role.ANAM_LEGAL_OFFICER
    assert alert.due_on == complaint.target_on
    assert not run_deadlines().alerts
    services.complaint_propose(
        actor=staff.lawyer, complaint=complaint, decision=Decision.FAVOURABLE, reason="x"
    )
    services.complaint_decide(
        actor=staff.dg, complaint=complaint, decision=Decision.FAVOURABLE, reason="x"
    )
    assert run_deadlines().resolved == 1
    assert not alerts_for(actor=staff.lawyer).exists()


def test_a_suspension_ending_alerts_then_reinstates_ex_officio(clock, staff, proposed, persona):
    case = open_case(staff, proposed, doctor(persona))
    to_csp(staff, case, clock)
    csp = session(staff, CSP, days(20), "CSP-1")
    commissions.csp_decide(
        actor=staff.head,
        case=case,
        session=csp,
        outcome="suspend",
        reason="x",
        start=days(21),
        end=days(120),
    )
    inpe = case.provider.inpe
    clock.move_to(at(days(89)))
    run_deadlines()
    assert not Alert.objects.filter(kind=Kind.SUSPENSION_ENDING).exists()
    clock.move_to(at(days(90)))  # 30 days before the end
    assert run_deadlines().alerts[Kind.SUSPENSION_ENDING] == 1
    assert provider_convention_status(inpe).status == "suspended"
    clock.move_to(at(days(120)))
    assert not run_deadlines().alerts
    clock.move_to(at(days(121)))
    assert provider_convention_status(inpe).status != "suspended"
    report = run_deadlines()
    assert report.alerts[Kind.REINSTATED] == 1
    assert report.resolved == 1
    event = case.complaint.events.get(kind="reinstated")
    assert event.actor is None
    assert "réintègre d'office" in event.note
    assert [a.kind for a in alerts_for(actor=staff.head)] == [Kind.REINSTATED]
    clock.move_to(at(days(122)))
    assert not run_deadlines().alerts
    assert case.complaint.events.filter(kind="reinstated").count() == 1


def test_an_alert_is_resolved_by_its_role_only(clock, staff, proposed, persona):
    case = open_case(staff, proposed, doctor(persona))
    commissions.case_letter_sent(actor=staff.head, case=case, reference="RAR-1", sent_on=DAY0)
    commissions.case_acknowledged(actor=staff.head, case=case, acknowledged_on=DAY0)
    clock.move_to(at(days(16)))
    run_deadlines()
    alert = Alert.objects.get()
    with pytest.raises(PermissionDenied):
        alert_resolve(actor=staff.dg, alert=alert)
    alert_resolve(actor=staff.head, alert=alert)
    assert not alerts_for(actor=staff.head).exists()


def test_the_worker_command_runs_once_or_in_a_loop(clock, staff, proposed, persona, monkeypatch):
    # Between runs the worker drops stale connections; inside the test's transaction that
    # would close the test's own connection (PostgreSQL).
    monkeypatch.setattr(
        "snigi.complaints.management.commands.worker.close_old_connections", lambda: None
    )
    case = open_case(staff, proposed, doctor(persona))
    commissions.case_letter_sent(actor=staff.head, case=case, reference="RAR-1", sent_on=DAY0)
    commissions.case_acknowledged(actor=staff.head, case=case, acknowledged_on=DAY0)
    clock.move_to(at(days(16)))
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "explanations_late 1" in out.getvalue()
    out = StringIO()
    call_command("worker", "--interval", "0", "--runs", "2", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 2
    assert all("aucune" in line for line in lines)
    assert timezone.localdate() == days(16)  # the clock the worker ran on
