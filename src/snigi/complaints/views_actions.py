"""The actions on a complaint file, each by its role at its status (seed 002, IV.2): which form
each role sees on the file page, and the POST that calls the one service of the step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from snigi.complaints import attachments, pending, selectors, services
from snigi.complaints import forms as f
from snigi.complaints.display import timeline_rows
from snigi.complaints.models import Complaint, Decision, MedicineAssessment, Status
from snigi.core.models import User
from snigi.core.roles import Capability, Role, role_has
from snigi.core.scoping import request_actor, require

Data = dict[str, Any]


def _can(capability: Capability) -> Callable[[User], bool]:
    return lambda actor: role_has(actor.role, capability)


def _roles(*roles: Role) -> Callable[[User], bool]:
    return lambda actor: actor.role in roles


def _at(*statuses: Status) -> Callable[[User, Complaint], list[tuple[str, Data]]]:
    return lambda actor, c: [("", {})] if c.status in statuses else []


def _own(actor: User, c: Complaint) -> list[tuple[str, Data]]:
    return [("", {})] if c.status == Status.INSTRUCTION and c.legal_officer_id == actor.pk else []


def _waiting(decision: Decision) -> Callable[[User, Complaint], list[tuple[str, Data]]]:
    return lambda actor, c: (
        [("", {})] if c.status == Status.PENDING and c.decision == decision else []
    )


def _entry_initial(actor: User, c: Complaint) -> list[tuple[str, Data]]:
    if c.status not in (Status.REGISTERED, Status.ENTERED):
        return []
    return [("", {
        "nature_code": c.nature.code if c.nature else "",
        "person_cnie": c.person.cnie if c.person and c.person.cnie else "",
        "provider_inpe": c.provider.inpe if c.provider else "",
        "respondent_code": c.respondent.code if c.respondent else "",
    })]  # fmt: skip


def _return_available(actor: User, c: Complaint) -> list[tuple[str, Data]]:
    head = c.status == Status.ENTERED and role_has(actor.role, Capability.VALIDATE_COMPLAINTS)
    dg = c.status == Status.PROPOSED and role_has(actor.role, Capability.DECIDE_COMPLAINTS)
    return [("", {})] if head or dg else []


def _opinion_available(actor: User, c: Complaint) -> list[tuple[str, Data]]:
    asked = c.status == Status.MEDICAL_OPINION and c.medical_officer_id == actor.pk
    return [("", {})] if asked else []


def _decide_initial(actor: User, c: Complaint) -> list[tuple[str, Data]]:
    if c.status != Status.PROPOSED:
        return []
    return [("", {"decision": c.proposal, "reason": c.proposal_reason})]


def _referrals(actor: User, c: Complaint) -> list[tuple[str, Data]]:
    if c.status != Status.PENDING or c.decision != Decision.REFERRAL:
        return []
    return [
        (r.body.code, {"referral": r.pk})
        for r in c.referrals.select_related("body").filter(answered_on__isnull=True)
    ]


def _expertises(actor: User, c: Complaint) -> list[tuple[str, Data]]:
    if c.status != Status.PENDING or c.decision != Decision.EXPERTISE:
        return []
    return [(e.expert_name, {"expertise": e.pk})
            for e in c.expertises.filter(conclusions_on__isnull=True)]  # fmt: skip


def _medicine_initial(actor: User, c: Complaint) -> list[tuple[str, Data]]:
    if c.status not in (Status.INSTRUCTION, Status.MEDICAL_OPINION):
        return []
    found = MedicineAssessment.objects.filter(complaint=c).first()
    if found is None:
        return [("", {})]
    names = ("medicine", "case", "ald_or_rare_chronic", "no_reimbursable_alternative",
             "validated_protocol", "life_threatening")  # fmt: skip
    return [("", {name: getattr(found, name) for name in names})]


def _pieces(actor: User, c: Complaint) -> list[tuple[str, Data]]:
    return [("", {})] if attachments.can_add_attachment(actor, c) else []


def _referral_of(c: Complaint, data: Data) -> int:
    if not c.referrals.filter(pk=data["referral"]).exists():
        raise Http404
    return int(data["referral"])


def _expertise_of(c: Complaint, data: Data) -> int:
    if not c.expertises.filter(pk=data["expertise"]).exists():
        raise Http404
    return int(data["expertise"])


@dataclass(frozen=True)
class Action:
    title: str | Promise
    button: str | Promise
    form: type[forms.Form]
    allowed: Callable[[User], bool]  # the role may take this step (403 otherwise)
    available: Callable[[User, Complaint], list[tuple[str, Data]]]  # forms at this status
    perform: Callable[[User, Complaint, Data], object]
    multipart: bool = False


S, P = services, pending
ACTIONS: dict[str, Action] = {
    "enregistrer": Action(
        _l("Enregistrer dans e-réclamations"), _l("Enregistrer"), f.ConfirmForm,
        _can(Capability.REGISTER_COMPLAINTS), _at(Status.RECEIVED),
        lambda a, c, d: S.complaint_register(actor=a, complaint=c),
    ),
    "saisir": Action(
        _l("Saisie du dossier : nature et parties"), _l("Enregistrer la saisie"), f.EnterForm,
        _can(Capability.ENTER_COMPLAINTS), _entry_initial,
        lambda a, c, d: S.complaint_enter(actor=a, complaint=c, entry=S.EntryInput(**d)),
    ),
    "valider": Action(
        _l("Valider et confier l'instruction"), _l("Valider"), f.ValidateForm,
        _can(Capability.VALIDATE_COMPLAINTS), _at(Status.ENTERED, Status.INSTRUCTION),
        lambda a, c, d: S.complaint_validate(actor=a, complaint=c, **d),
    ),
    "renvoyer": Action(
        _l("Renvoyer l'étape"), _l("Renvoyer"), f.ReturnForm,
        lambda a: role_has(a.role, Capability.VALIDATE_COMPLAINTS)
        or role_has(a.role, Capability.DECIDE_COMPLAINTS),
        _return_available,
        lambda a, c, d: S.complaint_return(actor=a, complaint=c, reason=d["reason"]),
    ),
    "avis-medical-demande": Action(
        _l("Demander un avis médical"), _l("Demander l'avis"), f.MedicalQuestionForm,
        _can(Capability.INSTRUCT_COMPLAINTS), _own,
        lambda a, c, d: S.complaint_request_medical_opinion(actor=a, complaint=c, **d),
    ),
    "avis-medical": Action(
        _l("Donner l'avis médical"), _l("Rendre l'avis"), f.MedicalOpinionForm,
        _can(Capability.GIVE_MEDICAL_OPINION), _opinion_available,
        lambda a, c, d: S.complaint_give_medical_opinion(actor=a, complaint=c, **d),
    ),
    "analyse-medicament": Action(
        _l("Analyse du médicament (aide à la décision)"), _l("Enregistrer l'analyse"),
        f.MedicineForm, _roles(Role.ANAM_LEGAL_OFFICER, Role.ANAM_MEDICAL_OFFICER),
        _medicine_initial, lambda a, c, d: P.medicine_assess(actor=a, complaint=c, **d),
    ),
    "proposer": Action(
        _l("Proposer une décision au directeur général"), _l("Proposer"), f.ProposeForm,
        _can(Capability.INSTRUCT_COMPLAINTS), _own,
        lambda a, c, d: S.complaint_propose(actor=a, complaint=c, **d),
    ),
    "decider": Action(
        _l("Décision du directeur général"), _l("Décider"), f.DecideForm,
        _can(Capability.DECIDE_COMPLAINTS), _decide_initial,
        lambda a, c, d: S.complaint_decide(
            actor=a, complaint=c, decision=d["decision"], reason=d["reason"], on=d["on"],
            details=S.DecisionDetails(
                missing_pieces=d["missing_pieces"], bodies=d["bodies"],
                letter_reference=d["letter_reference"], expert_name=d["expert_name"],
            ),
        ),
    ),
    "pieces-recues": Action(
        _l("Les pièces manquantes sont arrivées"), _l("Reprendre l'instruction"), f.NoteForm,
        _roles(Role.ANAM_LEGAL_OFFICER, Role.ANAM_LEGAL_DATA_ENTRY),
        _waiting(Decision.INCOMPLETE),
        lambda a, c, d: S.complaint_pieces_received(actor=a, complaint=c, note=d["note"]),
    ),
    "attribution-reponse": Action(
        _l("Réponse de l'organisme saisi"), _l("Enregistrer la réponse"), f.ReferralAnswerForm,
        _can(Capability.INSTRUCT_COMPLAINTS), _referrals,
        lambda a, c, d: P.referral_answer(
            actor=a, referral=_referral_of(c, d), answered_on=d["answered_on"], answer=d["answer"]
        ),
    ),
    "attribution-relance": Action(
        _l("Relancer l'organisme"), _l("Relancer"), f.ReferralRemindForm,
        _can(Capability.INSTRUCT_COMPLAINTS), _referrals,
        lambda a, c, d: P.referral_remind(actor=a, referral=_referral_of(c, d)),
    ),
    "expertise": Action(
        _l("Conclusions de l'expertise médicale"), _l("Enregistrer les conclusions"),
        f.ExpertiseForm, _roles(Role.ANAM_LEGAL_OFFICER, Role.ANAM_MEDICAL_OFFICER),
        _expertises,
        lambda a, c, d: P.expertise_conclude(
            actor=a, expertise=_expertise_of(c, d), conclusions_on=d["conclusions_on"],
            conclusions=d["conclusions"], in_favour_of=d["in_favour_of"],
        ),
    ),
    "transparence": Action(
        _l("Avis de la commission de la transparence"), _l("Enregistrer l'avis"),
        f.TransparencyForm, _can(Capability.INSTRUCT_COMPLAINTS),
        _waiting(Decision.TRANSPARENCY),
        lambda a, c, d: P.transparency_opinion(actor=a, complaint=c, **d),
    ),
    "pieces": Action(
        _l("Joindre des pièces"), _l("Joindre"), f.PieceForm,
        _can(Capability.VIEW_COMPLAINTS), _pieces,
        lambda a, c, d: attachments.attachments_add(
            actor=a, complaint=c, uploads=d["piece"], description=d["description"]
        ),
        multipart=True,
    ),
}  # fmt: skip


def action_forms(
    actor: User, complaint: Complaint, bound: tuple[str, forms.Form] | None = None
) -> list[dict[str, object]]:
    """The forms the actor may use on the file at its status; ``bound`` replaces the matching
    one (a form sent back with its errors)."""
    shown = []
    for name, action in ACTIONS.items():
        if not action.allowed(actor):
            continue
        for caption, initial in action.available(actor, complaint):
            prefix = _prefix(name, initial)
            form = action.form(initial=initial, prefix=prefix)
            if bound and bound[1].prefix == prefix:
                form, bound = bound[1], None
            shown.append({"name": name, "action": action, "caption": caption, "form": form})
    if bound:  # no longer offered at this status: still shown first, with its refusal
        shown.insert(0, {"name": bound[0], "action": ACTIONS[bound[0]], "caption": "",
                         "form": bound[1]})  # fmt: skip
    return shown


def _prefix(name: str, initial: Data) -> str:
    """One form per referral or expertise: its key in the prefix keeps the ids unique."""
    key = initial.get("referral") or initial.get("expertise")
    return f"{name}-{key}" if key else name


def _posted_prefix(request: HttpRequest, name: str) -> str:
    prefix = request.POST.get("form_prefix", name)
    head, _sep, key = prefix.partition(f"{name}-")
    if prefix == name or (not head and key.isdigit() and len(key) < 19):
        return prefix
    raise Http404


def render_file(
    request: HttpRequest,
    complaint: Complaint,
    bound: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request_actor(request)
    context = {
        "complaint": complaint,
        "timeline": timeline_rows(selectors.complaint_timeline(actor=actor, complaint=complaint)),
        "pieces": attachments.attachments_for_actor(actor=actor, complaint=complaint),
        "referrals": complaint.referrals.select_related("body"),
        "expertises": complaint.expertises.all(),
        "assessment": MedicineAssessment.objects.filter(complaint=complaint).first(),
        "convention_case": getattr(complaint, "convention_case", None),
        "actions": action_forms(actor, complaint, bound),
    }
    return render(request, "complaints/file.html", context, status=status)


@login_required
@never_cache
def complaint_file(request: HttpRequest, reference: str) -> HttpResponse:
    actor = request_actor(request)
    require(actor, Capability.VIEW_COMPLAINTS)
    complaint = selectors.complaint_get_for_actor(actor=actor, reference=reference)
    return render_file(request, complaint)


@login_required
@never_cache
@require_POST
def complaint_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """One step on the file: the role is checked first (403), then the form, then the service;
    a refusal comes back on the form and nothing is written."""
    actor = request_actor(request)
    require(actor, Capability.VIEW_COMPLAINTS)
    step = ACTIONS.get(action)
    if step is None:
        raise Http404
    if not step.allowed(actor):
        raise PermissionDenied(_("Votre rôle ne permet pas cette action."))
    complaint = selectors.complaint_get_for_actor(actor=actor, reference=reference)
    form = step.form(request.POST, request.FILES, prefix=_posted_prefix(request, action))
    if form.is_valid():
        try:
            step.perform(actor, complaint, form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("%(step)s : c'est fait.") % {"step": step.title})
            return redirect("complaints:file", complaint.reference)
    complaint.refresh_from_db()
    return render_file(request, complaint, bound=(action, form), status=422)
