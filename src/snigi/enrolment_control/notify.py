"""The bodies told of a confirmed double enrolment, and what each did.

A confirmed double enrolment (``reports.confirmed``: a link no officer refuted, or a pair an
officer confirmed) gives one ``Notice`` to each body concerned (one only when both records are
the same body's): the two records, the regime the rules say prevails (``review.prevailing``)
and on what basis, as a message in French then Arabic. Confirming a pair notifies at once; the
links of a run are notified together by ``notify_run``, once an officer has looked at them.
Notifying again changes nothing (one notice per body and pair of records). A body records the
outcome (enrolment closed, kept, or contested as two different people); an officer who later
finds two different people withdraws the pending notices. Every notice and outcome is audited.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from snigi.core.audit import acting_as
from snigi.core.bilingual import bilingual
from snigi.core.models import Organisation, User
from snigi.core.roles import Capability, Role, role_has
from snigi.core.scoping import require, scope_for
from snigi.enrolment_control.models import CandidatePair, ControlRun, ListEntry, Notice
from snigi.enrolment_control.reports import confirmed
from snigi.enrolment_control.review import prevailing

RELATED = (
    "entry_a__submitted_list__organisation", "entry_a__submitted_list__regime",
    "entry_b__submitted_list__organisation", "entry_b__submitted_list__regime", "run",
)  # fmt: skip


def _describe(entry: ListEntry) -> str:
    submitted = entry.submitted_list
    regime = submitted.regime.code if submitted.regime else "—"
    name = f"{entry.first_name} {entry.last_name}".strip() or "—"
    return _(
        "%(body)s (%(regime)s, %(kind)s du %(date)s) : %(record)s – %(name)s, CNIE %(cnie)s, "
        "né(e) le %(birth)s"
    ) % {
        "body": submitted.organisation.code, "regime": regime,
        "kind": submitted.get_kind_display(), "date": f"{submitted.situation_date:%d/%m/%Y}",
        "record": entry.record_id, "name": name, "cnie": entry.cnie or "—",
        "birth": entry.birth_date or "—",
    }  # fmt: skip


def _message(own: ListEntry, other: ListEntry, gives_way: bool | None, basis: str) -> str:
    def build() -> str:
        if gives_way is None:
            verdict = _("Aucune règle ne départage les deux régimes : l'ANAM tranchera.")
        elif gives_way:
            verdict = _("Selon les règles, votre immatriculation cède : clôturez-la.")
        else:
            verdict = _("Selon les règles, votre immatriculation prévaut : l'autre organisme "
                        "clôture la sienne.")  # fmt: skip
        return "\n".join([
            _("Double immatriculation constatée par le contrôle de l'ANAM."),
            _("Votre enregistrement : %(own)s") % {"own": _describe(own)},
            _("Autre enregistrement : %(other)s") % {"other": _describe(other)},
            verdict,
            _("Fondement : %(basis)s") % {"basis": basis},
            _("Indiquez la suite donnée dans SNIGI (Doubles immatriculations signalées)."),
        ])  # fmt: skip

    return bilingual(build)


def _notices(pair: CandidatePair) -> list[Notice]:
    proposal = prevailing(pair)
    a, b = pair.entry_a, pair.entry_b
    if proposal.prevailing is not None and proposal.prevailing.pk == a.submitted_list_id:
        a, b = b, a  # the record that gives way first: one body's two records, one notice on it
    out = []
    for own, other in ((a, b), (b, a)):
        organisation = own.submitted_list.organisation
        if any(n.organisation_id == organisation.pk for n in out):
            continue  # the same body's two records: one notice
        gives_way = (
            None if proposal.prevailing is None
            else proposal.prevailing.pk != own.submitted_list_id
        )  # fmt: skip
        out.append(Notice(
            organisation=organisation, run=pair.run, entry=own, other=other,
            probability=pair.probability, gives_way=gives_way, basis=proposal.basis,
            message=_message(own, other, gives_way, proposal.basis),
        ))  # fmt: skip
    return out


def _create(actor: User, run: ControlRun, pairs: Iterable[CandidatePair]) -> int:
    """Save the notices not yet written; a notice withdrawn when an officer found two people is
    sent again (pending) once the pair is confirmed anew."""
    created = 0
    with transaction.atomic(), acting_as(actor):
        # one notifier at a time per run (two officers, or a decision during notify_run): the
        # second sees the first's notices instead of colliding with them
        list(ControlRun.objects.select_for_update().filter(pk=run.pk).values_list("pk"))
        for pair in pairs:
            for notice in _notices(pair):
                existing = (
                    Notice.objects.select_for_update()
                    .filter(organisation=notice.organisation, entry=notice.entry,
                            other=notice.other)
                    .first()
                )  # fmt: skip
                if existing is None:
                    notice.save()  # one by one: each notice is an audited change
                    created += 1
                elif existing.outcome == Notice.Outcome.WITHDRAWN:
                    existing.run, existing.probability = notice.run, notice.probability
                    existing.gives_way, existing.basis = notice.gives_way, notice.basis
                    existing.message, existing.outcome = notice.message, Notice.Outcome.PENDING
                    existing.outcome_note, existing.outcome_by, existing.outcome_at = "", None, None
                    existing.save()
                    created += 1
    return created


def notify_pair(*, actor: User, pair: CandidatePair) -> int:
    """Notify the bodies of one confirmed pair; how many notices were written."""
    require(actor, Capability.REVIEW_DOUBLE_ENROLMENT)
    if not confirmed(pair.run).filter(pk=pair.pk).exists():
        raise ValidationError("Cette paire n'est pas une double immatriculation confirmée.")
    return _create(
        actor, pair.run, CandidatePair.objects.filter(pk=pair.pk).select_related(*RELATED)
    )


def notify_run(*, actor: User, run: ControlRun) -> int:
    """Notify the bodies of every confirmed double enrolment of ``run`` not yet notified."""
    require(actor, Capability.REVIEW_DOUBLE_ENROLMENT)
    if run.status != ControlRun.Status.DONE:
        raise ValidationError("Ce contrôle n'est pas terminé.")
    return _create(actor, run, confirmed(run).select_related(*RELATED).iterator(chunk_size=2000))


def same_records(pair: CandidatePair) -> tuple[set[int], set[int]]:
    """The rows that hold each of ``pair``'s two records, in every list of their bodies (a
    decision is kept by the bodies' record ids, whatever the list's date)."""

    def rows(entry: ListEntry) -> set[int]:
        return set(
            ListEntry.objects.filter(
                submitted_list__organisation=entry.submitted_list.organisation_id,
                submitted_list__kind=entry.submitted_list.kind,
                record_id=entry.record_id,
            ).values_list("pk", flat=True)
        )

    return rows(pair.entry_a), rows(pair.entry_b)


def between(rows_a: set[int], rows_b: set[int], first: str, second: str) -> Q:
    """``first`` in one set and ``second`` in the other, either way round."""
    return Q(**{f"{first}__in": rows_a, f"{second}__in": rows_b}) | Q(
        **{f"{first}__in": rows_b, f"{second}__in": rows_a}
    )


def withdraw(*, actor: User, pair: CandidatePair) -> int:
    """Withdraw the pending notices of ``pair``'s two records (found to be two people), in
    whatever list they were notified."""
    require(actor, Capability.REVIEW_DOUBLE_ENROLMENT)
    rows_a, rows_b = same_records(pair)
    withdrawn = 0
    with transaction.atomic(), acting_as(actor):
        for notice in Notice.objects.select_for_update().filter(
            between(rows_a, rows_b, "entry", "other"), outcome=Notice.Outcome.PENDING
        ):
            notice.outcome, notice.outcome_by = Notice.Outcome.WITHDRAWN, actor
            notice.outcome_at = timezone.now()
            notice.save()
            withdrawn += 1
    return withdrawn


def answering_for(actor: User) -> frozenset[int]:
    """The bodies whose notices ``actor`` answers: a fund agent's body (and those under it);
    ANAM for its RAMED operations (the RAMED lists are ANAM's)."""
    require(actor, Capability.ACT_ON_DOUBLE_ENROLMENT)
    scope = scope_for(actor)
    if scope.organisation_ids:
        return scope.organisation_ids
    if actor.role == Role.ANAM_RAMED_OPERATIONS:
        regulator = Organisation.objects.filter(kind=Organisation.Kind.REGULATOR)
        return frozenset(regulator.values_list("pk", flat=True))
    return frozenset()


def notices_for(actor: User) -> QuerySet[Notice]:
    """The notices ``actor`` may see: those of the bodies it answers for, every one for ANAM's
    control officers."""
    notices = Notice.objects.select_related(
        "organisation", "entry__submitted_list__organisation", "entry__submitted_list__regime",
        "other__submitted_list__organisation", "other__submitted_list__regime", "run",
        "outcome_by",
    )  # fmt: skip
    if role_has(getattr(actor, "role", ""), Capability.REVIEW_DOUBLE_ENROLMENT):
        scope_for(actor)  # an active, signed-in account
        return notices
    return notices.filter(organisation__in=answering_for(actor))


ANSWERS = (Notice.Outcome.CLOSED, Notice.Outcome.KEPT, Notice.Outcome.CONTESTED)


def record_outcome(*, actor: User, notice: Notice, outcome: str, note: str = "") -> Notice:
    """What the body did with a notice; changing a recorded answer is allowed (audited)."""
    if notice.organisation_id not in answering_for(actor):
        raise PermissionDenied("Ce signalement concerne un autre organisme.")
    if outcome not in ANSWERS:
        choices = ", ".join(o.value for o in ANSWERS)
        raise ValidationError(f"suite inconnue : {outcome} ({choices}).")
    if outcome in (Notice.Outcome.KEPT, Notice.Outcome.CONTESTED) and not note.strip():
        raise ValidationError("Indiquez pourquoi l'immatriculation est maintenue ou contestée.")
    with transaction.atomic(), acting_as(actor):
        # read again, locked: the notice may have been withdrawn since the caller loaded it
        current = (
            Notice.objects.select_for_update().values_list("outcome", flat=True).get(pk=notice.pk)
        )
        if current == Notice.Outcome.WITHDRAWN:
            raise ValidationError("Ce signalement a été retiré par l'ANAM.")
        notice.outcome, notice.outcome_note = outcome, note.strip()
        notice.outcome_by, notice.outcome_at = actor, timezone.now()
        notice.save(update_fields=["outcome", "outcome_note", "outcome_by", "outcome_at",
                                   "updated_at"])  # fmt: skip
    return notice
