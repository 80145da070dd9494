"""The deadline worker of e-réclamations (``snigi worker``): once a run, it looks at the dates
of the files and writes each alert once (``Alert`` is unique by kind and key, the key naming
the object and the due date), for the role that must act:

- the explanations delay ran out without an answer: the case waits for the CPS (head of the
  legal division), and moves to that stage;
- an external expertise without conclusions, each ``expertise_reminder`` period (legal officer);
- a referral without an answer ``referral_reminder`` days after its sending or its last
  reminder (by an officer or by the worker): the alert, and a reminder recorded on the referral
  (``pending.referral_remind`` by the system), once per period (legal officer);
- a file past its target date and not closed (the role of its current step);
- a suspension ending within ``suspension_alert`` days (head of the legal division);
- a suspension ended: the provider is reinstated ex officio (the registry's status is dated, so
  nothing changes there); the worker records it on the file's timeline (head of the legal
  division, who has the director general notify it).

Alerts whose cause went away (file closed, expertise concluded…) are marked resolved. The
delays are read from the ``Delay`` table, in force on the date the period starts from.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from snigi.complaints import commission_rules as rules
from snigi.complaints.commissions import case_explanations_expire
from snigi.complaints.models import (
    Alert,
    Complaint,
    ConventionCase,
    Decision,
    Expertise,
    Referral,
    Status,
)
from snigi.complaints.pending import referral_remind
from snigi.complaints.services import _step
from snigi.core.audit import acting_as
from snigi.core.models import User
from snigi.core.roles import Role

log = logging.getLogger("snigi.worker")
Kind = Alert.Kind
Stage = ConventionCase.Stage

# Who acts on a file overdue at each step (seed 002, IV.2).
ROLE_OF_STATUS: dict[str, str] = {
    Status.RECEIVED: Role.ANAM_DG_SECRETARIAT,
    Status.REGISTERED: Role.ANAM_LEGAL_DATA_ENTRY,
    Status.ENTERED: Role.ANAM_LEGAL_HEAD,
    Status.INSTRUCTION: Role.ANAM_LEGAL_OFFICER,
    Status.MEDICAL_OPINION: Role.ANAM_MEDICAL_OFFICER,
    Status.PROPOSED: Role.ANAM_DIRECTOR_GENERAL,
    Status.PENDING: Role.ANAM_LEGAL_OFFICER,
}
BATCH = 1000


@dataclass
class DeadlineReport:
    """What one run wrote: alerts per kind, reminders, cases moved, alerts resolved."""

    today: datetime.date
    alerts: Counter[str] = field(default_factory=Counter)
    reminders: int = 0
    cases_to_cps: int = 0
    resolved: int = 0

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.alerts.items())) or "aucune"
        return (
            f"{self.today:%Y-%m-%d} : alertes écrites : {kinds} ; relances : {self.reminders} ; "
            f"dossiers passés à la CPS : {self.cases_to_cps} ; alertes résolues : {self.resolved}."
        )


def _alert(
    report: DeadlineReport, kind: str, complaint_id: int, key: str, due_on: datetime.date,
    role: str, message: str,
) -> bool:  # fmt: skip
    with transaction.atomic():
        _alert_row, created = Alert.objects.get_or_create(
            kind=kind,
            key=key[:60],
            defaults={"complaint_id": complaint_id, "due_on": due_on, "role": role,
                      "message": message[:300]},
        )  # fmt: skip
    if created:
        report.alerts[kind] += 1
    return created


def _period_due(start: datetime.date, days: int, today: datetime.date) -> datetime.date | None:
    """The start of the current reminder period (``days`` after ``start``, then every
    ``days``), or None before the first."""
    elapsed = (today - start).days
    if days <= 0 or elapsed < days:
        return None
    return start + datetime.timedelta(days=(elapsed // days) * days)


def _explanations(today: datetime.date, report: DeadlineReport) -> None:
    late = ConventionCase.objects.filter(
        stage=Stage.EXPLANATIONS, explanations_on__isnull=True, explanations_due_on__lt=today
    ).select_related("complaint", "provider")
    for case in late:
        due = case.explanations_due_on
        if due is None:  # excluded by the query
            continue
        _alert(report, Kind.EXPLANATIONS_LATE, case.complaint_id, f"case:{case.pk}:{due}", due,
               Role.ANAM_LEGAL_HEAD,
               f"{case.complaint.reference} : délai d'explications échu le {due:%d/%m/%Y} "
               f"(INPE {case.provider.inpe}) ; le dossier attend la CPS.")  # fmt: skip
        if case_explanations_expire(case=case, today=today):
            report.cases_to_cps += 1


def _expertises(today: datetime.date, report: DeadlineReport) -> None:
    waiting = Expertise.objects.filter(
        conclusions_on__isnull=True, complaint__status=Status.PENDING
    ).select_related("complaint")
    for expertise in waiting:
        days = rules.delay_days(rules.EXPERTISE_REMINDER, expertise.appointed_on)
        due = _period_due(expertise.appointed_on, days, today)
        if due is not None:
            _alert(report, Kind.EXPERTISE_LATE, expertise.complaint_id,
                   f"expertise:{expertise.pk}:{due}", due, Role.ANAM_LEGAL_OFFICER,
                   f"{expertise.complaint.reference} : expertise du Dr {expertise.expert_name} "
                   f"sans conclusions depuis le {expertise.appointed_on:%d/%m/%Y}.")  # fmt: skip


def _referrals(today: datetime.date, report: DeadlineReport) -> None:
    waiting = Referral.objects.filter(answered_on__isnull=True).select_related("complaint", "body")
    for referral in waiting:
        since = referral.last_reminder_on or referral.sent_on
        due = since + datetime.timedelta(days=rules.delay_days(rules.REFERRAL_REMINDER, since))
        if today < due:
            continue
        created = _alert(report, Kind.REFERRAL_UNANSWERED, referral.complaint_id,
                         f"referral:{referral.pk}:{due}", due, Role.ANAM_LEGAL_OFFICER,
                         f"{referral.complaint.reference} : {referral.body.code} n'a pas répondu "
                         f"depuis le {referral.sent_on:%d/%m/%Y}.")  # fmt: skip
        if created:
            try:
                referral_remind(actor=None, referral=referral.pk)
            except ValidationError:  # answered in the meantime
                continue
            report.reminders += 1


def _overdue_files(today: datetime.date, report: DeadlineReport) -> None:
    files = (
        Complaint.objects.filter(target_on__lt=today, imported=False)
        .exclude(status=Status.CLOSED)
        .values_list("pk", "reference", "target_on", "status")
        .order_by("pk")
    )
    existing = set(Alert.objects.filter(kind=Kind.FILE_OVERDUE).values_list("key", flat=True))
    new: list[Alert] = []
    for pk, reference, target_on, status in files.iterator(chunk_size=BATCH):
        key = f"file:{pk}:{target_on}"
        if target_on is None or key in existing:
            continue
        new.append(Alert(
            kind=Kind.FILE_OVERDUE, key=key, complaint_id=pk, due_on=target_on,
            role=ROLE_OF_STATUS.get(status, Role.ANAM_LEGAL_HEAD),
            message=f"{reference} : délai cible dépassé depuis le {target_on:%d/%m/%Y}.",
        ))  # fmt: skip
    for start in range(0, len(new), BATCH):
        Alert.objects.bulk_create(new[start : start + BATCH], ignore_conflicts=True)
    if new:
        report.alerts[Kind.FILE_OVERDUE] += len(new)


def _suspensions(today: datetime.date, report: DeadlineReport) -> None:
    done = set(Alert.objects.filter(kind=Kind.REINSTATED).values_list("key", flat=True))
    suspended = ConventionCase.objects.filter(
        stage=Stage.SUSPENDED, suspension_end__isnull=False
    ).select_related("complaint", "provider")
    for case in suspended:
        end = case.suspension_end
        if end is None:  # excluded by the query
            continue
        key = f"case:{case.pk}:{end}"
        if key in done:
            continue
        if end < today:
            _reinstated(case, end, key, report)
            continue
        notice = rules.delay_days(rules.SUSPENSION_ALERT, end)
        if today >= end - datetime.timedelta(days=notice):
            _alert(report, Kind.SUSPENSION_ENDING, case.complaint_id, key, end,
                   Role.ANAM_LEGAL_HEAD,
                   f"{case.complaint.reference} : la mise hors convention de l'INPE "
                   f"{case.provider.inpe} prend fin le {end:%d/%m/%Y}.")  # fmt: skip


def _reinstated(case: ConventionCase, end: datetime.date, key: str, report: DeadlineReport) -> None:
    back = end + datetime.timedelta(days=1)
    with transaction.atomic():
        created = _alert(report, Kind.REINSTATED, case.complaint_id, key, back,
                         Role.ANAM_LEGAL_HEAD,
                         f"{case.complaint.reference} : INPE {case.provider.inpe} réintégré "
                         f"d'office dans la convention le {back:%d/%m/%Y}.")  # fmt: skip
        if created:
            with acting_as(None):
                _step(case.complaint, None, "reinstated",
                      f"Fin de la mise hors convention le {end:%d/%m/%Y} : le prestataire "
                      f"{case.provider.inpe} réintègre d'office la convention nationale le "
                      f"{back:%d/%m/%Y} (décret 2-05-733, art. 30).")  # fmt: skip


def _resolve(report: DeadlineReport) -> None:
    now = timezone.now()
    open_alerts = Alert.objects.filter(resolved_at__isnull=True)
    gone = (
        Q(kind=Kind.FILE_OVERDUE, complaint__status=Status.CLOSED)
        | Q(kind=Kind.EXPLANATIONS_LATE, complaint__convention_case__cps_session__isnull=False)
        | Q(kind=Kind.EXPERTISE_LATE) & ~Q(complaint__decision=Decision.EXPERTISE)
        | Q(kind=Kind.EXPERTISE_LATE, complaint__status=Status.CLOSED)
        | Q(kind=Kind.REFERRAL_UNANSWERED, complaint__status=Status.CLOSED)
        | Q(kind=Kind.SUSPENSION_ENDING, key__in=Alert.objects.filter(kind=Kind.REINSTATED)
            .values("key"))
    )  # fmt: skip
    report.resolved += open_alerts.filter(gone).update(resolved_at=now)


def run_deadlines(today: datetime.date | None = None) -> DeadlineReport:
    """One run of the worker; running it again the same day writes nothing more."""
    report = DeadlineReport(today=today or timezone.localdate())
    for step in (_explanations, _expertises, _referrals, _overdue_files, _suspensions):
        step(report.today, report)
    _resolve(report)
    log.info(report.summary())
    return report


@transaction.atomic
def alert_resolve(*, actor: User, alert: Alert | int) -> Alert:
    """The role an alert is addressed to marks it dealt with."""
    pk = alert.pk if isinstance(alert, Alert) else alert
    alert = Alert.objects.select_for_update().get(pk=pk)
    if getattr(actor, "role", None) != alert.role or not actor.is_active:
        raise PermissionDenied("Cette alerte est adressée à un autre rôle.")
    if alert.resolved_at is None:
        with acting_as(actor):
            alert.resolved_at = timezone.now()
            alert.save(update_fields=["resolved_at", "updated_at"])
    return alert
