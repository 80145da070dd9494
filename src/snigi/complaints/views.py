"""Staff pages of e-réclamations: the work queue of the signed-in role (the complaints home),
the search of every file, the mail office's intake; and the downloads (pieces, letters), which
check access and log it. The file page and its actions are in ``views_actions``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from snigi.complaints import attachments, letters, selectors
from snigi.complaints.forms import IntakeForm, SearchForm
from snigi.complaints.intake import ComplaintInput
from snigi.complaints.models import Status
from snigi.core.roles import Capability, Role, role_has
from snigi.core.scoping import request_actor, require

PAGE_SIZE = 25


@login_required
@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """The files waiting for the signed-in role's step, oldest first."""
    actor = request_actor(request)
    if role_has(actor.role, Capability.FILE_COMPLAINTS):
        return redirect("complaints:mine")
    require(actor, Capability.VIEW_COMPLAINTS)
    queue = selectors.complaint_queue(actor=actor).select_related("legal_officer")
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "search_form": SearchForm(),
        "can_record": role_has(actor.role, Capability.RECORD_COMPLAINTS),
        "recent": _recent_intake(actor),
        "today": timezone.localdate(),
    }
    return render(request, "complaints/home.html", context)


def _recent_intake(actor: object) -> object:
    """For the mail office, whose queue is empty: the files it recorded, newest first."""
    if getattr(actor, "role", "") != Role.ANAM_MAIL_OFFICE:
        return None
    return selectors.complaint_search(actor=actor, status=Status.RECEIVED).order_by("-pk")[:20]  # type: ignore[arg-type]


@login_required
@never_cache
def search(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require(actor, Capability.VIEW_COMPLAINTS)
    form = SearchForm(request.GET or None)
    query = status = ""
    if form.is_valid():
        query, status = form.cleaned_data["q"], form.cleaned_data["status"]
    files = selectors.complaint_search(actor=actor, query=query, status=status)
    page = Paginator(files, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "search_form": form, "today": timezone.localdate()}
    return render(request, "complaints/search.html", context)


@login_required
@never_cache
def intake(request: HttpRequest) -> HttpResponse:
    """The mail office records a complaint received by post, by hand, by email, at the front
    office or on the phone line, with its pieces; the acknowledgement follows."""
    actor = request_actor(request)
    require(actor, Capability.RECORD_COMPLAINTS)
    form = IntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        values = form.intake_values()
        try:
            complaint = attachments.complaint_receive_with_pieces(
                actor=actor,
                data=ComplaintInput(**values),  # type: ignore[arg-type]
                uploads=form.cleaned_data["pieces"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Réclamation %(ref)s enregistrée : l'accusé de réception est prêt.")
                % {"ref": complaint.reference},
            )
            return redirect("complaints:file", complaint.reference)
    return render(request, "complaints/intake.html", {"form": form})


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A piece of a file, for ANAM's staff and for the requester who sent it (404 otherwise)."""
    piece = attachments.attachment_get_for_actor(
        actor=request_actor(request), attachment_id=attachment_id
    )
    response = FileResponse(piece.file.open("rb"), content_type=piece.content_type,
                            as_attachment=True, filename=piece.original_name)  # fmt: skip
    response["Cache-Control"] = "no-store"
    return response


@login_required
def letter(
    request: HttpRequest, reference: str, kind: str, referral_id: int | None = None
) -> HttpResponse:
    name, pdf = letters.letter_for_actor(
        actor=request_actor(request), reference=reference, kind=kind, referral_id=referral_id
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
