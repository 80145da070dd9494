"""The review pages of the double-enrolment control (ANAM's control officers): a run's queue of
candidate pairs, and one pair's two records side by side with the officer's decision.

Each page is a view of people's data: the queue logs the rows it shows, the pair page both
records (law 09-08). Deciding goes through ``review.decide``, which also notifies the bodies of
a confirmed double enrolment or withdraws their pending notices."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache

from snigi.core.audit import record_access, record_list_access
from snigi.core.models import Commune, User
from snigi.core.roles import Capability
from snigi.core.scoping import request_actor, require
from snigi.core.templatetags.snigi import localized_name
from snigi.enrolment_control import review
from snigi.enrolment_control.forms_review import (
    ALL,
    DIFFERENT,
    SAME,
    UNDECIDED,
    DecisionForm,
    QueueFilterForm,
)
from snigi.enrolment_control.models import (
    CandidatePair,
    ControlRun,
    ListEntry,
    Notice,
    SubmittedList,
)
from snigi.enrolment_control.normalise import SEX_VALUES, parse_birth_date

PAGE_SIZE = 50
PURPOSE = "double_enrolment_review"
RELATED = (
    "entry_a__submitted_list__organisation", "entry_a__submitted_list__regime",
    "entry_b__submitted_list__organisation", "entry_b__submitted_list__regime",
    "decision__decided_by",
)  # fmt: skip


def _officer(request: HttpRequest) -> User:
    actor = request_actor(request)
    require(actor, Capability.REVIEW_DOUBLE_ENROLMENT)
    return actor


# --- The queue ----------------------------------------------------------------------------------


def _queue_pairs(run: ControlRun, band: str, decision: str) -> QuerySet[CandidatePair]:
    pairs = CandidatePair.objects.filter(run=run).select_related(*RELATED)
    if band != ALL:
        pairs = pairs.filter(band=band)
    if decision == UNDECIDED:
        pairs = pairs.filter(decision__isnull=True)
    elif decision in (SAME, DIFFERENT):
        pairs = pairs.filter(decision__same_person=decision == SAME)
    return pairs.order_by("-probability", "pk")


@never_cache
@login_required
def queue(request: HttpRequest, run_pk: int) -> HttpResponse:
    """A run's pairs, the most likely first: by default those to review, not yet decided."""
    actor = _officer(request)
    run = get_object_or_404(ControlRun, pk=run_pk)
    form = QueueFilterForm(request.GET or None)
    band, decision = form.filters()
    page = Paginator(_queue_pairs(run, band, decision), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = {entry.pk: entry for pair in page for entry in (pair.entry_a, pair.entry_b)}
    record_list_access(
        shown.values(),
        actor=actor,
        query=f"run={run.pk} band={band} decision={decision} page={page.number}",
    )
    counts = CandidatePair.objects.filter(run=run).aggregate(
        to_review=Count("pk", filter=Q(band=CandidatePair.Band.REVIEW, decision__isnull=True)),
        decided=Count("pk", filter=Q(decision__isnull=False)),
        links=Count("pk", filter=Q(band=CandidatePair.Band.LINK)),
    )
    context = {
        "run": run,
        "lists": run.lists.select_related("organisation", "regime"),
        "form": form,
        "page": page,
        "counts": counts,
    }
    return render(request, "enrolment_control/review_queue.html", context)


# --- One pair -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRow:
    field: str
    label: str
    a: str
    b: str
    differs: bool


def _words(value: str) -> str:
    return " ".join(value.split()).casefold()


def _identity(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def _birth(value: str) -> str:
    """The date as digits (YYYYMMDD, 00 for an unknown part), whatever its writing; else the
    text itself."""
    parsed = parse_birth_date(value)
    return parsed.digits if parsed is not None else _words(value)


def _sex(value: str) -> str:
    text = value.strip().casefold()
    return next((code for code, values in SEX_VALUES.items() if text in values), text)


def _commune(code: str, communes: dict[str, Commune]) -> str:
    commune = communes.get(code)
    return f"{code} – {localized_name(commune)}" if commune else code


COMPARED = (  # field, label, how two values are compared (the same value however written)
    ("cnie", gettext_lazy("CNIE"), _identity),
    ("first_name", gettext_lazy("Prénom"), _words),
    ("last_name", gettext_lazy("Nom"), _words),
    ("birth_date", gettext_lazy("Date de naissance"), _birth),
    ("sex", gettext_lazy("Sexe"), _sex),
    ("commune", gettext_lazy("Commune"), _words),
    ("fund_number", gettext_lazy("Numéro d'immatriculation"), _identity),
    ("card_number", gettext_lazy("Numéro de carte"), _identity),
)


def _field_rows(a: ListEntry, b: ListEntry) -> list[FieldRow]:
    """One row per field; a field differs when both sides disagree once normalised (one side
    empty and the other not counts as a difference)."""
    communes = {c.code: c for c in Commune.objects.filter(code__in={a.commune, b.commune} - {""})}
    rows = []
    for field, label, key in COMPARED:
        value_a, value_b = getattr(a, field), getattr(b, field)
        shown_a, shown_b = value_a, value_b
        if field == "commune":
            shown_a, shown_b = _commune(value_a, communes), _commune(value_b, communes)
        differs = key(value_a) != key(value_b) if (value_a or value_b) else False
        rows.append(FieldRow(field, str(label), shown_a, shown_b, differs))
    return rows


def _side(entry: ListEntry, proposal: review.Proposal) -> dict[str, object]:
    submitted: SubmittedList = entry.submitted_list
    prevails = proposal.prevailing is not None and proposal.prevailing.pk == submitted.pk
    return {"entry": entry, "list": submitted, "prevails": prevails}


def _notices(pair: CandidatePair) -> QuerySet[Notice]:
    ids = {pair.entry_a_id, pair.entry_b_id}
    return Notice.objects.filter(entry__in=ids, other__in=ids).select_related(
        "organisation", "outcome_by", "entry"
    )


def _next_pair(pair: CandidatePair) -> CandidatePair | None:
    """The run's next pair to review that no officer decided yet, the most likely first."""
    return (
        CandidatePair.objects.filter(
            run_id=pair.run_id, band=CandidatePair.Band.REVIEW, decision__isnull=True
        )
        .exclude(pk=pair.pk)
        .order_by("-probability", "pk")
        .first()
    )


def _pending(pair: CandidatePair) -> int:
    return _notices(pair).filter(outcome=Notice.Outcome.PENDING).count()


def _decided(
    request: HttpRequest, pair: CandidatePair, same_person: bool, pending_before: int
) -> HttpResponse:
    """The message saying what the decision did, and the next pair to review (the queue when
    none is left)."""
    if same_person:
        pending = _pending(pair)
        said = [
            _("Décision enregistrée : même personne."),
            ngettext(
                "%(n)d signalement en attente de suite auprès des organismes.",
                "%(n)d signalements en attente de suite auprès des organismes.",
                pending,
            )
            % {"n": pending},
        ]
    else:
        said = [_("Décision enregistrée : personnes différentes.")]
        if withdrawn := pending_before - _pending(pair):
            said.append(
                ngettext("%(n)d signalement retiré.", "%(n)d signalements retirés.", withdrawn)
                % {"n": withdrawn}
            )
    following = _next_pair(pair)
    if following is None:
        said.append(_("Plus aucune paire à revoir dans ce contrôle."))
    else:
        said.append(_("Voici la paire suivante à revoir."))
    messages.success(request, " ".join(said))
    if following is None:
        return redirect("enrolment-review:queue", pair.run_id)
    return redirect("enrolment-review:pair", following.pk)


@never_cache
@login_required
def pair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The two records side by side, the rules' proposal, the decision (POST: decide)."""
    actor = _officer(request)
    pair = get_object_or_404(CandidatePair.objects.select_related("run", *RELATED), pk=pk)
    initial = {}
    if pair.decision is not None:
        initial = {"verdict": SAME if pair.decision.same_person else DIFFERENT,
                   "note": pair.decision.note}  # fmt: skip
    form = DecisionForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            pending_before = _pending(pair)
            try:
                review.decide(actor=actor, pair=pair, same_person=form.same_person,
                              note=form.cleaned_data["note"])  # fmt: skip
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                return _decided(request, pair, form.same_person, pending_before)
        status = 400
    for entry in (pair.entry_a, pair.entry_b):
        record_access(entry, actor=actor, purpose=PURPOSE)
    proposal = review.prevailing(pair)
    context = {
        "pair": pair,
        "run": pair.run,
        "rows": _field_rows(pair.entry_a, pair.entry_b),
        "sides": [_side(pair.entry_a, proposal), _side(pair.entry_b, proposal)],
        "proposal": proposal,
        "notices": _notices(pair),
        "form": form,
    }
    return render(request, "enrolment_control/review_pair.html", context, status=status)
