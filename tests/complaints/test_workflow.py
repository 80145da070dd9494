"""The workflow of a complaint file, step by step, each step by its own role (seed 002, IV)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from snigi.complaints import pending, services
from snigi.complaints.models import (
    Complaint,
    ComplaintSerial,
    ConventionCase,
    Decision,
    Event,
    Expertise,
    Referral,
    Status,
)
from snigi.complaints.selectors import complaint_queue
from tests.complaints.conftest import letter

pytestmark = pytest.mark.django_db


def test_a_letter_gets_a_reference_an_acknowledgement_and_waits_for_registration(staff):
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    year = complaint.received_on.year
    assert complaint.reference == f"REC-{year}-000001"
    assert complaint.status == Status.RECEIVED
    assert [e.kind for e in complaint.events.all()] == ["received", "acknowledged", "notified"]
    assert list(complaint_queue(actor=staff.secretariat)) == [complaint]
    second = services.complaint_receive(actor=staff.mail, data=letter())
    assert second.reference == f"REC-{year}-000002"


def test_references_count_per_year_of_receipt(staff):
    old = services.complaint_receive(
        actor=staff.mail, data=letter(received_on=datetime.date(2012, 2, 14))
    )
    assert old.reference == "REC-2012-000001"
    assert ComplaintSerial.objects.get(year=2012).last == 1


def test_a_file_goes_from_intake_to_a_favourable_decision_through_every_role(staff):
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    services.complaint_register(actor=staff.secretariat, complaint=complaint)
    assert list(complaint_queue(actor=staff.entry)) == [complaint]
    services.complaint_enter(
        actor=staff.entry,
        complaint=complaint,
        entry=services.EntryInput(nature_code="reimbursement_medicine", respondent_code="CNOPS"),
    )
    complaint.refresh_from_db()
    assert complaint.target_on == complaint.received_on + datetime.timedelta(days=30)
    assert list(complaint_queue(actor=staff.head)) == [complaint]
    services.complaint_validate(actor=staff.head, complaint=complaint, legal_officer=staff.lawyer)
    assert list(complaint_queue(actor=staff.lawyer)) == [complaint]
    services.complaint_request_medical_opinion(
        actor=staff.lawyer, complaint=complaint, question="ALD ?", medical_officer=staff.doctor
    )
    assert list(complaint_queue(actor=staff.doctor)) == [complaint]
    services.complaint_give_medical_opinion(
        actor=staff.doctor, complaint=complaint, opinion="ALD confirmée, pas d'alternative."
    )
    services.complaint_propose(
        actor=staff.lawyer, complaint=complaint, decision=Decision.FAVOURABLE, reason="Dérogation."
    )
    assert list(complaint_queue(actor=staff.dg)) == [complaint]
    services.complaint_decide(
        actor=staff.dg, complaint=complaint, decision=Decision.FAVOURABLE, reason="Dérogation."
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.decision == Decision.FAVOURABLE
    assert complaint.decision_on == complaint.closed_on == timezone.localdate()
    assert complaint.delay_days == 10
    kinds = [e.kind for e in complaint.events.all()]
    assert kinds == [
        "received", "acknowledged", "notified", "registered", "entered", "validated",
        "medical_opinion_requested", "medical_opinion_given", "proposed", "decided", "notified",
    ]  # fmt: skip
    assert not complaint.events.get(kind="medical_opinion_given").public


@pytest.mark.parametrize(
    ("step", "who"),
    [
        ("register", "mail"),
        ("register", "entry"),
        ("enter", "secretariat"),
        ("validate", "lawyer"),
        ("decide", "head"),
        ("decide", "lawyer"),
    ],
)
def test_a_step_by_the_wrong_role_is_refused(staff, proposed, step, who):
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    actor = getattr(staff, who)
    calls = {
        "register": lambda: services.complaint_register(actor=actor, complaint=complaint),
        "enter": lambda: services.complaint_enter(
            actor=actor, complaint=complaint, entry=services.EntryInput("other")
        ),
        "validate": lambda: services.complaint_validate(
            actor=actor, complaint=complaint, legal_officer=staff.lawyer
        ),
        "decide": lambda: services.complaint_decide(
            actor=actor, complaint=complaint, decision=Decision.FAVOURABLE, reason="x"
        ),
    }
    with pytest.raises(PermissionDenied):
        calls[step]()
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED


def test_a_step_out_of_order_is_refused_and_changes_nothing(staff):
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    with pytest.raises(ValidationError, match="Enregistré"):
        services.complaint_enter(
            actor=staff.entry, complaint=complaint, entry=services.EntryInput("other")
        )
    assert Complaint.objects.get(pk=complaint.pk).nature is None
    assert Event.objects.filter(complaint=complaint).count() == 3


def test_only_the_assigned_legal_officer_instructs(staff, persona, in_instruction):
    complaint = in_instruction()
    other = persona("youness")
    with pytest.raises(PermissionDenied, match="autre juriste"):
        services.complaint_propose(
            actor=other, complaint=complaint, decision=Decision.UNFAVOURABLE, reason="x"
        )


def test_a_convention_violation_must_name_the_provider(staff):
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    services.complaint_register(actor=staff.secretariat, complaint=complaint)
    with pytest.raises(ValidationError, match="prestataire"):
        services.complaint_enter(
            actor=staff.entry,
            complaint=complaint,
            entry=services.EntryInput(nature_code="convention_violation"),
        )


def test_bad_intake_lists_every_problem_and_writes_nothing(staff):
    bad = letter(
        requester_type="alien",
        requester_name="",
        channel="pigeon",
        requester_cnie="12AB",
        requester_email="pas-une-adresse",
        received_on=timezone.localdate() + datetime.timedelta(days=1),
        provider_inpe="123",
        person_cnie="ZZ999999",
    )
    with pytest.raises(ValidationError) as raised:
        services.complaint_receive(actor=staff.mail, data=bad)
    messages = " ".join(raised.value.messages)
    for fragment in (
        "Type de demandeur",
        "Demandeur : ce champ",
        "Canal inconnu",
        "CNIE du demandeur",
        "Courriel",
        "futur",
        "INPE du prestataire",
        "n'est pas immatriculé",
    ):
        assert fragment in messages
    assert not Complaint.objects.exists()
    assert not ComplaintSerial.objects.filter(last__gt=0).exists()


def test_an_incomplete_file_lists_its_missing_pieces_and_resumes_when_they_come(staff, proposed):
    complaint = proposed(Decision.INCOMPLETE)
    with pytest.raises(ValidationError, match="pièces manquantes"):
        services.complaint_decide(
            actor=staff.dg, complaint=complaint, decision=Decision.INCOMPLETE, reason="x"
        )
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.INCOMPLETE,
        reason="Pièces manquantes.",
        details=services.DecisionDetails(missing_pieces="Ordonnance ; compte rendu médical"),
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.decision) == (Status.PENDING, Decision.INCOMPLETE)
    assert "Ordonnance" in complaint.events.get(kind="decided").note
    services.complaint_pieces_received(actor=staff.lawyer, complaint=complaint, note="Reçues.")
    complaint.refresh_from_db()
    assert complaint.status == Status.INSTRUCTION


def test_a_referral_is_tracked_until_every_body_answers(staff, proposed):
    complaint = proposed(Decision.REFERRAL, nature="reimbursement_revision")
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.REFERRAL,
        reason="Compétence de l'organisme.",
        details=services.DecisionDetails(bodies=["CNOPS", "cnss"]),
    )
    cnops, cnss = Referral.objects.filter(complaint=complaint).order_by("body__code")
    assert (cnops.body.code, cnss.body.code) == ("CNOPS", "CNSS")
    pending.referral_remind(actor=staff.lawyer, referral=cnops)
    cnops.refresh_from_db()
    assert cnops.reminders == 1
    pending.referral_answer(
        actor=staff.lawyer, referral=cnss, answered_on=timezone.localdate(), answer="Réglé."
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING
    with pytest.raises(ValidationError, match="déjà répondu"):
        pending.referral_answer(
            actor=staff.lawyer, referral=cnss, answered_on=timezone.localdate(), answer="x"
        )
    pending.referral_answer(
        actor=staff.lawyer, referral=cnops, answered_on=timezone.localdate(), answer="Payé."
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.decision == Decision.REFERRAL


def test_an_unknown_body_refuses_the_whole_referral(staff, proposed):
    complaint = proposed(Decision.REFERRAL)
    with pytest.raises(ValidationError, match="XYZ"):
        services.complaint_decide(
            actor=staff.dg,
            complaint=complaint,
            decision=Decision.REFERRAL,
            reason="x",
            details=services.DecisionDetails(bodies=["CNOPS", "XYZ"]),
        )
    assert not Referral.objects.exists()
    complaint.refresh_from_db()
    assert complaint.status == Status.PROPOSED


def test_the_experts_conclusions_become_the_proposal(staff, proposed):
    complaint = proposed(Decision.EXPERTISE, nature="arbitration_insured_fund")
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.EXPERTISE,
        reason="Contestation d'un contrôle médical (art. 30).",
        details=services.DecisionDetails(expert_name="Benjelloun"),
    )
    expertise = Expertise.objects.get(complaint=complaint)
    pending.expertise_conclude(
        actor=staff.doctor,
        expertise=expertise,
        conclusions_on=timezone.localdate(),
        conclusions="L'acte était justifié.",
        in_favour_of="insured",
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.proposal) == (Status.PROPOSED, Decision.FAVOURABLE)


def test_the_transparency_commission_needs_the_medicine_checklist(staff, in_instruction):
    complaint = in_instruction()
    assessment = pending.medicine_assess(
        actor=staff.lawyer,
        complaint=complaint,
        medicine="Sofosbuvir",
        case="not_reimbursable",
        ald_or_rare_chronic=True,
        no_reimbursable_alternative=True,
    )
    assert assessment.outcome == "waiver"
    services.complaint_propose(
        actor=staff.lawyer, complaint=complaint, decision=Decision.TRANSPARENCY, reason="CT."
    )
    services.complaint_decide(
        actor=staff.dg, complaint=complaint, decision=Decision.TRANSPARENCY, reason="CT."
    )
    pending.transparency_opinion(
        actor=staff.lawyer, complaint=complaint, opinion="unfavourable", on=timezone.localdate()
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.proposal) == (Status.PROPOSED, Decision.UNFAVOURABLE)


def test_sending_to_the_cps_opens_a_convention_case(staff, proposed, clinic):
    complaint = proposed(
        Decision.COMMISSIONS, nature="convention_violation", provider_inpe=clinic.inpe
    )
    services.complaint_decide(
        actor=staff.dg, complaint=complaint, decision=Decision.COMMISSIONS, reason="Surfacturation."
    )
    case = ConventionCase.objects.get(complaint=complaint)
    assert case.provider == clinic
    assert case.stage == ConventionCase.Stage.EXPLANATIONS


def test_a_decision_date_must_lie_between_receipt_and_today(staff, proposed):
    complaint = proposed(Decision.UNFAVOURABLE)
    with pytest.raises(ValidationError, match="réception"):
        services.complaint_decide(
            actor=staff.dg,
            complaint=complaint,
            decision=Decision.UNFAVOURABLE,
            reason="x",
            on=complaint.received_on - datetime.timedelta(days=1),
        )


def test_the_director_general_may_return_a_proposal(staff, proposed):
    complaint = proposed(Decision.UNFAVOURABLE)
    services.complaint_return(actor=staff.dg, complaint=complaint, reason="Compléter l'analyse.")
    complaint.refresh_from_db()
    assert complaint.status == Status.INSTRUCTION


def test_the_requester_is_told_of_receipt_and_of_the_missing_pieces(
    staff, proposed, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = proposed(Decision.INCOMPLETE)
    assert len(mailoutbox) == 1
    assert complaint.reference in mailoutbox[0].subject
    assert mailoutbox[0].to == ["f.alaoui@example.ma"]
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_decide(
            actor=staff.dg,
            complaint=complaint,
            decision=Decision.INCOMPLETE,
            reason="x",
            details=services.DecisionDetails(missing_pieces="Ordonnance originale"),
        )
    assert len(mailoutbox) == 2
    assert "Ordonnance originale" in mailoutbox[1].body
    assert "— — —" in mailoutbox[1].body  # French, then Arabic
    notified = complaint.events.filter(kind="notified", public=True)
    assert notified.count() == 2


def test_no_mail_leaves_when_the_step_is_rolled_back(staff, mailoutbox):
    with pytest.raises(ValidationError):
        services.complaint_receive(actor=staff.mail, data=letter(subject=""))
    assert mailoutbox == []
