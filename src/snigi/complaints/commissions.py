"""Writes of the CPS/CSP procedure against a provider (art. 30 of decree 2-05-733; seed 002,
IV.1), once the director general has sent a convention violation to the CPS
(``complaint_decide`` with ``Decision.COMMISSIONS`` opens the ``ConventionCase``):

1. the head of the legal division sends the provider a registered letter with acknowledgement
   of receipt asking for written explanations; the acknowledged receipt starts the
   ``explanations`` delay (15 days, data/delays.csv);
2. explanations received in time are retained; late ones only with a recorded force majeure:
   otherwise the provider "est considéré comme n'ayant pas d'explications à fournir";
3. the CPS closes the file, or — once the explanations came or their delay ran out — sends it
   to the CSP;
4. the CSP rules on the documents: it closes the file, or puts the provider out of the
   convention for at most one year; the INPE registry shows the suspension
   (``snigi.providers.services.convention_suspend``) and the provider is reinstated ex officio
   at its end (the registry's status is dated; the deadline worker records it on the file);
5. the director general has a suspension published on the public page.

Repeat offence ("en cas de récidive, la mise hors convention est prononcée d'office dans les
mêmes formes"): a provider who was already put out of the convention before the CSP's session
is a repeat offender. The procedure keeps the same forms (explanations, CPS, CSP), but the CSP
has no discretion left: it may close the file only by finding the violation not established;
a proven violation by a repeat offender is a suspension.

No suspension is pronounced, nor starts, while the administrator's moratorium is in force.
Each service checks the actor's role, runs in one transaction, is audited and writes a step on
the complaint's timeline.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from snigi.complaints import commission_rules as rules
from snigi.complaints.models import (
    CommissionSession,
    Complaint,
    ConventionCase,
    Decision,
    Moratorium,
    Status,
)
from snigi.complaints.notifications import notify_decision
from snigi.complaints.services import _fr, _locked, _step, _text
from snigi.core.audit import acting_as
from snigi.core.models import User
from snigi.core.roles import Capability
from snigi.core.scoping import require
from snigi.providers import services as providers

Stage = ConventionCase.Stage
CPS_OUTCOMES = ("close", "refer")
CSP_OUTCOMES = ("close", "suspend")
ART_30 = "décret 2-05-733, art. 30"


def _today() -> datetime.date:
    return timezone.localdate()


def _case(case: ConventionCase | int) -> tuple[ConventionCase, Complaint]:
    """The case and its complaint, both locked (the complaint first, as the workflow does)."""
    pk = case.pk if isinstance(case, ConventionCase) else case
    complaint_id = ConventionCase.objects.values_list("complaint_id", flat=True).get(pk=pk)
    complaint = _locked(complaint_id)
    cases = ConventionCase.objects.select_for_update(of=("self",)).select_related("provider")
    return cases.get(pk=pk), complaint


def _expect_stage(case: ConventionCase, *stages: str) -> None:
    if case.stage not in stages:
        allowed = ", ".join(f"« {_fr(Stage(s).label)} »" for s in stages)
        raise ValidationError(
            f"La procédure est « {_fr(Stage(case.stage).label)} » : cette étape n'est possible "
            f"qu'à l'étape {allowed}."
        )


def _date(value: object, label: str, *, since: datetime.date, since_label: str) -> datetime.date:
    if not isinstance(value, datetime.date):
        raise ValidationError(f"{label} : date obligatoire (format AAAA-MM-JJ).")
    if value > _today():
        raise ValidationError(f"{label} : la date ne peut être dans le futur.")
    if value < since:
        raise ValidationError(f"{label} : la date précède {since_label} ({since:%d/%m/%Y}).")
    return value


def _session(session: CommissionSession | int, commission: str, since: datetime.date) -> (
    CommissionSession
):  # fmt: skip
    pk = session.pk if isinstance(session, CommissionSession) else session
    found = CommissionSession.objects.filter(pk=pk).first()
    name = _fr(CommissionSession.Commission(commission).label)
    if found is None or found.commission != commission:
        raise ValidationError(f"Choisissez une séance de la {name}.")
    if found.held_on > _today():
        raise ValidationError(f"La séance {found.reference} n'a pas encore eu lieu.")
    if found.held_on < since:
        raise ValidationError(
            f"La séance {found.reference} ({found.held_on:%d/%m/%Y}) précède l'étape "
            f"précédente de la procédure ({since:%d/%m/%Y})."
        )
    return found


@transaction.atomic
def case_letter_sent(
    *, actor: User, case: ConventionCase | int, reference: str, sent_on: datetime.date
) -> ConventionCase:
    """The registered letter with acknowledgement asking for written explanations is sent (a
    letter that came back unclaimed may be replaced by a new one until one is acknowledged)."""
    require(actor, Capability.MANAGE_COMMISSIONS)
    case, complaint = _case(case)
    _expect_stage(case, Stage.EXPLANATIONS)
    if case.acknowledged_on is not None:
        raise ValidationError("L'accusé de réception de la lettre est déjà enregistré.")
    reference = _text(reference, "Numéro de la lettre recommandée", limit=40)
    sent_on = _date(sent_on, "Envoi de la lettre", since=case.sent_on,
                    since_label="la saisine de la CPS")  # fmt: skip
    with acting_as(actor):
        case.letter_reference, case.letter_sent_on = reference, sent_on
        case.save()
        _step(complaint, actor, "explanations_requested",
              f"Lettre recommandée avec accusé de réception n° {reference} du {sent_on:%d/%m/%Y} : "
              f"explications écrites demandées au prestataire {case.provider.inpe}.")  # fmt: skip
    return case


@transaction.atomic
def case_acknowledged(
    *, actor: User, case: ConventionCase | int, acknowledged_on: datetime.date
) -> ConventionCase:
    """The acknowledgement of receipt came back: the explanations delay runs from its date."""
    require(actor, Capability.MANAGE_COMMISSIONS)
    case, complaint = _case(case)
    _expect_stage(case, Stage.EXPLANATIONS)
    if case.letter_sent_on is None:
        raise ValidationError("Enregistrez d'abord l'envoi de la lettre recommandée.")
    if case.acknowledged_on is not None:
        raise ValidationError(
            f"L'accusé de réception est déjà enregistré ({case.acknowledged_on:%d/%m/%Y})."
        )
    acknowledged_on = _date(acknowledged_on, "Accusé de réception", since=case.letter_sent_on,
                            since_label="l'envoi de la lettre")  # fmt: skip
    days = rules.delay_days(rules.EXPLANATIONS, acknowledged_on)
    with acting_as(actor):
        case.acknowledged_on = acknowledged_on
        case.explanations_due_on = acknowledged_on + datetime.timedelta(days=days)
        case.save()
        _step(complaint, actor, "acknowledged_receipt",
              f"Lettre reçue le {acknowledged_on:%d/%m/%Y} : explications attendues au plus tard "
              f"le {case.explanations_due_on:%d/%m/%Y} ({days} jours, {ART_30}).",
              public=False)  # fmt: skip
    return case


@transaction.atomic
def case_explanations(
    *,
    actor: User,
    case: ConventionCase | int,
    received_on: datetime.date,
    explanations: str,
    force_majeure: str = "",
) -> ConventionCase:
    """The provider's written explanations arrive. In time (or before the acknowledgement came
    back), they are retained; late, only with the force majeure recorded; late without it, they
    are not retained: the provider is deemed to have no explanations (the file goes to the CPS
    all the same)."""
    require(actor, Capability.MANAGE_COMMISSIONS)
    case, complaint = _case(case)
    _expect_stage(case, Stage.EXPLANATIONS, Stage.CPS)
    if case.letter_sent_on is None:
        raise ValidationError("Aucune lettre de demande d'explications n'est enregistrée.")
    if case.explanations_on is not None:
        raise ValidationError(
            f"Les explications sont déjà enregistrées ({case.explanations_on:%d/%m/%Y})."
        )
    received_on = _date(received_on, "Réception des explications", since=case.letter_sent_on,
                        since_label="l'envoi de la lettre")  # fmt: skip
    text = _text(explanations, "Explications écrites", limit=20_000)
    force_majeure = _text(force_majeure, "Cas de force majeure", limit=2000, required=False)
    due = case.explanations_due_on
    late = due is not None and received_on > due
    with acting_as(actor):
        if late and not force_majeure:
            note = (f"Explications reçues le {received_on:%d/%m/%Y}, après le délai échu le "
                    f"{due:%d/%m/%Y}, sans cas de force majeure : non retenues, le prestataire est "
                    f"réputé n'avoir pas d'explications à fournir ({ART_30}).")  # fmt: skip
            kind = "explanations_late"
        else:
            case.explanations_on, case.explanations = received_on, text
            case.force_majeure = force_majeure if late else ""
            kind, note = "explanations_received", f"Explications reçues le {received_on:%d/%m/%Y}."
            if late:
                note += f" Hors délai, retenues pour force majeure : {force_majeure}"
        case.stage = Stage.CPS
        case.save()
        _step(complaint, actor, kind, note, public=False)
    return case


@transaction.atomic
def case_explanations_expire(*, case: ConventionCase | int, today: datetime.date) -> bool:
    """The deadline worker: the explanations delay ran out without an answer; the file waits
    for the CPS. Returns whether anything changed."""
    case, complaint = _case(case)
    due = case.explanations_due_on
    if case.stage != Stage.EXPLANATIONS or due is None or due >= today:
        return False
    with acting_as(None):
        case.stage = Stage.CPS
        case.save(update_fields=["stage", "updated_at"])
        _step(complaint, None, "explanations_expired",
              f"Délai d'explications échu le {due:%d/%m/%Y} sans réponse : le prestataire est "
              f"réputé n'avoir pas d'explications à fournir ; le dossier attend la CPS.",
              public=False)  # fmt: skip
    return True


@transaction.atomic
def session_create(
    *, actor: User, commission: str, held_on: datetime.date, reference: str, notes: str = ""
) -> CommissionSession:
    """A sitting of the CPS or of the CSP (it may be scheduled ahead; decisions wait for it)."""
    require(actor, Capability.MANAGE_COMMISSIONS)
    if commission not in CommissionSession.Commission.values:
        raise ValidationError("Commission inconnue : choisissez la CPS ou la CSP.")
    if not isinstance(held_on, datetime.date):
        raise ValidationError("Date de la séance : obligatoire (format AAAA-MM-JJ).")
    earliest = datetime.date(2005, 8, 18)
    if held_on < earliest or held_on > _today() + datetime.timedelta(days=366):
        raise ValidationError("Date de la séance : hors de la période possible.")
    reference = _text(reference, "Référence de la séance", limit=40)
    if CommissionSession.objects.filter(reference__iexact=reference).exists():
        raise ValidationError(f"Une séance porte déjà la référence « {reference} ».")
    with acting_as(actor):
        return CommissionSession.objects.create(
            commission=commission,
            held_on=held_on,
            reference=reference,
            notes=_text(notes, "Notes", limit=5000, required=False),
        )


def _conclude(
    complaint: Complaint, actor: User, decision: Decision, on: datetime.date, reason: str,
    kind: str, note: str,
) -> None:  # fmt: skip
    complaint.decision, complaint.decision_on, complaint.decision_reason = decision, on, reason
    complaint.status, complaint.closed_on = Status.CLOSED, on
    complaint.save()
    _step(complaint, actor, kind, f"{_fr(decision.label)}. {note}\n{reason}")
    notify_decision(complaint)  # the requester is told (French and Arabic), mailed on commit


def _check_pending(complaint: Complaint) -> None:
    if complaint.status != Status.PENDING or complaint.decision != Decision.COMMISSIONS:
        raise ValidationError(f"Le dossier {complaint.reference} n'attend plus les commissions.")


@transaction.atomic
def cps_decide(
    *,
    actor: User,
    case: ConventionCase | int,
    session: CommissionSession | int,
    outcome: str,
    reason: str,
) -> ConventionCase:
    """The CPS closes the file (an agreed solution, no violation) or sends it to the CSP; the
    latter only once the explanations came or their delay ran out on the session's date."""
    require(actor, Capability.MANAGE_COMMISSIONS)
    case, complaint = _case(case)
    _expect_stage(case, Stage.EXPLANATIONS, Stage.CPS)
    _check_pending(complaint)
    if outcome not in CPS_OUTCOMES:
        raise ValidationError("Décision de la CPS : classer le dossier ou le soumettre à la CSP.")
    sitting = _session(session, CommissionSession.Commission.CPS, case.sent_on)
    reason = _text(reason, "Motifs de la CPS", limit=20_000)
    due = case.explanations_due_on
    if outcome == "refer" and case.explanations_on is None:
        if due is None:
            raise ValidationError(
                "La CPS ne peut saisir la CSP : l'accusé de réception de la lettre n'est pas "
                "enregistré, le délai d'explications n'a pas commencé."
            )
        if sitting.held_on <= due:
            raise ValidationError(
                f"La CPS ne peut saisir la CSP avant la fin du délai d'explications (échu le "
                f"{due:%d/%m/%Y}) sans les explications du prestataire."
            )
    with acting_as(actor):
        case.cps_session = sitting
        if outcome == "close":
            case.stage, case.decision_reason = Stage.CLOSED, reason
            case.save()
            _conclude(complaint, actor, Decision.CLASSIFIED, sitting.held_on, reason,
                      "cps_closed", f"CPS, séance {sitting.reference}.")  # fmt: skip
        else:
            case.stage = Stage.CSP
            case.save()
            note = f"La CPS (séance {sitting.reference}) soumet le dossier à la CSP.\n{reason}"
            _step(complaint, actor, "cps_referred", note)
    return case


@transaction.atomic
def csp_decide(
    *,
    actor: User,
    case: ConventionCase | int,
    session: CommissionSession | int,
    outcome: str,
    reason: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    violation_not_established: bool = False,
) -> ConventionCase:
    """The CSP rules on the documents: it closes the file or puts the provider out of the
    convention from ``start`` to ``end`` (at most one year), which the INPE registry shows at
    once. A repeat offender's file is closed only if the violation is not established."""
    require(actor, Capability.MANAGE_COMMISSIONS)
    case, complaint = _case(case)
    _expect_stage(case, Stage.CSP)
    _check_pending(complaint)
    if outcome not in CSP_OUTCOMES:
        raise ValidationError("Décision de la CSP : classer le dossier ou mettre hors convention.")
    since = case.cps_session.held_on if case.cps_session else case.sent_on
    sitting = _session(session, CommissionSession.Commission.CSP, since)
    reason = _text(reason, "Motifs de la CSP", limit=20_000)
    earlier = rules.earlier_suspensions(case.provider, sitting.held_on)
    case.repeat_offence = bool(earlier)
    if outcome == "close":
        if earlier and not violation_not_established:
            last = earlier[-1]
            raise ValidationError(
                f"Récidive : le prestataire a déjà été mis hors convention (le "
                f"{last.valid_from:%d/%m/%Y}, {last.document}). La mise hors convention est "
                f"prononcée d'office ({ART_30}) : la CSP ne peut classer le dossier que si la "
                f"violation n'est pas établie."
            )
        with acting_as(actor):
            case.csp_session, case.stage, case.decision_reason = sitting, Stage.CLOSED, reason
            case.save()
            note = "Violation non établie. " if violation_not_established else ""
            _conclude(complaint, actor, Decision.CLASSIFIED, sitting.held_on, reason, "csp_closed",
                      f"{note}CSP, séance {sitting.reference}.")  # fmt: skip
        return case
    return _suspend(actor, case, complaint, sitting, reason, start, end)


def _suspend(
    actor: User, case: ConventionCase, complaint: Complaint, sitting: CommissionSession,
    reason: str, start: datetime.date | None, end: datetime.date | None,
) -> ConventionCase:  # fmt: skip
    require(actor, Capability.SUSPEND_PROVIDERS)
    start, end = rules.check_suspension_period(start, end, decided_on=sitting.held_on)
    rules.check_no_moratorium(sitting.held_on, start)
    rules.check_not_already_suspended(case.provider, start, end)
    decision = f"CSP {sitting.reference} ({complaint.reference})"[:200]
    period = providers.convention_suspend(
        actor=actor, inpe=case.provider.inpe, start=start, end=end, decision=decision
    )
    with acting_as(actor):
        case.csp_session, case.stage, case.decision_reason = sitting, Stage.SUSPENDED, reason
        case.suspension_start, case.suspension_end, case.convention_period = start, end, period
        case.save()
        offence = " Récidive : mise hors convention d'office." if case.repeat_offence else ""
        _conclude(complaint, actor, Decision.SUSPENSION, sitting.held_on, reason, "csp_suspended",
                  f"CSP, séance {sitting.reference} : prestataire {case.provider.inpe} mis hors "
                  f"convention du {start:%d/%m/%Y} au {end:%d/%m/%Y}.{offence}")  # fmt: skip
    return case


@transaction.atomic
def csp_decision_publish(*, actor: User, case: ConventionCase | int) -> ConventionCase:
    """At the director general's request, a CSP suspension is published on the public page."""
    require(actor, Capability.DECIDE_COMPLAINTS)
    case, complaint = _case(case)
    if case.stage != Stage.SUSPENDED:
        raise ValidationError(
            "Seules les décisions de mise hors convention de la CSP sont publiées."
        )
    if case.published_on is not None:
        raise ValidationError(f"Décision déjà publiée le {case.published_on:%d/%m/%Y}.")
    with acting_as(actor):
        case.published_on = _today()
        case.save(update_fields=["published_on", "updated_at"])
        _step(complaint, actor, "csp_published", "Décision de la CSP mise en ligne.")
    return case


@transaction.atomic
def moratorium_set(
    *, actor: User, starts_on: datetime.date, reason: str, ends_on: datetime.date | None = None
) -> Moratorium:
    """The administrator suspends new suspensions from ``starts_on`` (until ``ends_on``, or
    until lifted), e.g. pending the renewal of the national conventions."""
    require(actor, Capability.MANAGE_MORATORIUM)
    if not isinstance(starts_on, datetime.date):
        raise ValidationError("Début du moratoire : date obligatoire (format AAAA-MM-JJ).")
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError("La fin du moratoire précède son début.")
    reason = _text(reason, "Motif du moratoire", limit=300)
    overlapping = Moratorium.objects.exclude(ends_on__lt=starts_on)
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=ends_on)
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError(f"Ce moratoire chevauche celui du {clash} ({clash.reason}).")
    with acting_as(actor):
        return Moratorium.objects.create(
            starts_on=starts_on, ends_on=ends_on, reason=reason, decided_by=actor
        )


@transaction.atomic
def moratorium_end(
    *, actor: User, moratorium: Moratorium | int, ends_on: datetime.date
) -> Moratorium:
    """The administrator lifts a moratorium (its last day is ``ends_on``)."""
    require(actor, Capability.MANAGE_MORATORIUM)
    pk = moratorium.pk if isinstance(moratorium, Moratorium) else moratorium
    moratorium = Moratorium.objects.select_for_update().get(pk=pk)
    if moratorium.ends_on is not None:
        raise ValidationError(f"Ce moratoire prend déjà fin le {moratorium.ends_on:%d/%m/%Y}.")
    if not isinstance(ends_on, datetime.date) or ends_on < moratorium.starts_on:
        raise ValidationError(
            f"Fin du moratoire : une date à partir du {moratorium.starts_on:%d/%m/%Y}."
        )
    with acting_as(actor):
        moratorium.ends_on = ends_on
        moratorium.save(update_fields=["ends_on", "updated_at"])
    return moratorium
