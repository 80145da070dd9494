"""The requester's pages: an insured person, a provider or a fund agent files a complaint online,
lists their complaints ("Mes réclamations") and follows each one: its status, the public steps,
what is missing, the decision; they add a missing piece to their own open file. Another person's
file is a 404; the internal steps are never shown."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from snigi.complaints import attachments, selectors
from snigi.complaints.display import timeline_rows
from snigi.complaints.forms import OnlineForm, PieceForm
from snigi.complaints.models import FINAL_DECISIONS, Complaint, Decision, Status
from snigi.core.models import User
from snigi.core.roles import Capability
from snigi.core.scoping import request_actor, require


def _requester(request: HttpRequest) -> User:
    actor = request_actor(request)
    require(actor, Capability.FILE_COMPLAINTS)
    return actor


@login_required
@never_cache
def mine(request: HttpRequest) -> HttpResponse:
    actor = _requester(request)
    files = selectors.complaints_filed_by(actor=actor)
    page = Paginator(files, 25).get_page(request.GET.get("page"))
    return render(request, "complaints/mine.html", {"page": page})


@login_required
@never_cache
def file_online(request: HttpRequest) -> HttpResponse:
    actor = _requester(request)
    form = OnlineForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = attachments.complaint_file_online_with_pieces(
                actor=actor,
                subject=data["subject"],
                description=data["description"],
                nature_code=data["nature_code"],
                provider_inpe=data["provider_inpe"],
                uploads=data["pieces"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Votre réclamation est enregistrée sous la référence %(ref)s.")
                % {"ref": complaint.reference},
            )
            return redirect("complaints:follow", complaint.reference)
    return render(request, "complaints/file_online.html", {"form": form})


def _follow_page(
    request: HttpRequest, actor: User, complaint: Complaint, form: PieceForm, status: int = 200
) -> HttpResponse:
    incomplete = complaint.status == Status.PENDING and complaint.decision == Decision.INCOMPLETE
    context = {
        "complaint": complaint,
        "timeline": timeline_rows(selectors.complaint_timeline(actor=actor, complaint=complaint)),
        "pieces": attachments.attachments_for_actor(actor=actor, complaint=complaint),
        "incomplete": incomplete,
        "final": complaint.decision in FINAL_DECISIONS,
        "piece_form": form if attachments.can_add_attachment(actor, complaint) else None,
    }
    return render(request, "complaints/follow.html", context, status=status)


@login_required
@never_cache
def follow(request: HttpRequest, reference: str) -> HttpResponse:
    """One of the requester's own files (404 for any other); a POST adds a piece."""
    actor = _requester(request)
    complaint = selectors.complaint_get_for_actor(actor=actor, reference=reference)
    if request.method != "POST":
        return _follow_page(request, actor, complaint, PieceForm())
    form = PieceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachments.attachments_add(
                actor=actor,
                complaint=complaint,
                uploads=form.cleaned_data["piece"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Pièce transmise : elle est jointe à votre dossier."))
            return redirect("complaints:follow", complaint.reference)
    return _follow_page(request, actor, complaint, form, status=422)
