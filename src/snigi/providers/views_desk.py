"""The INPE officer's desk (intake of files received by email, post, hand delivery or fax;
completeness check; the 48-hour work queue; allocation; declared changes) and the provider's
file with its history, which the holder also reads and declares changes from."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from snigi.core.audit import record_access
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import require
from snigi.providers import changes, selectors, services
from snigi.providers.forms import ApplicationForm, ChangeForm, CheckForm, DocumentsForm
from snigi.providers.models import Application, Document, Provider, ProviderChange
from snigi.providers.views_portal import KIND_SLUGS, director_application_id


def _officer(request: HttpRequest) -> None:
    require(request.user, Capability.MANAGE_PROVIDERS)


@login_required
@never_cache
def desk(request: HttpRequest) -> HttpResponse:
    _officer(request)
    queue = selectors.application_work_queue(actor=request.user)  # type: ignore[arg-type]
    to_check = Application.objects.filter(
        status__in=[Application.Status.RECEIVED, Application.Status.INCOMPLETE]
    ).order_by("received_at", "pk")
    changes = ProviderChange.objects.filter(status=ProviderChange.Status.DECLARED).select_related(
        "provider"
    ).order_by("created_at", "pk")  # fmt: skip
    decided = Application.objects.filter(
        status__in=[Application.Status.GRANTED, Application.Status.REFUSED]
    ).select_related("provider").order_by("-updated_at", "-pk")[:20]  # fmt: skip
    context = {
        "queue": [(a, round(left.total_seconds() / 3600, 1), late) for a, left, late in queue],
        "to_check": to_check[:200],
        "to_check_count": to_check.count(),
        "changes": changes[:200],
        "decided": decided,
    }
    return render(request, "providers/desk.html", context)


@login_required
@never_cache
def intake(request: HttpRequest, kind_slug: str) -> HttpResponse:
    _officer(request)
    kind = KIND_SLUGS.get(kind_slug)
    if kind is None:
        raise Http404
    form = ApplicationForm(request.POST or None, request.FILES or None, kind=kind, officer=True)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_receive(
                actor=request.user,  # type: ignore[arg-type]
                kind=kind,
                channel=form.cleaned_data["channel"],
                data=form.provider_data(),
                received_at=form.cleaned_data["received_at"],
                director_application_id=director_application_id(
                    form.cleaned_data.get("director_reference", "")
                ),
                documents=form.pieces(),  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Dossier %(ref)s enregistré.") % {"ref": application.reference}
            )
            return redirect("providers:application", application.pk)
    return render(request, "providers/intake.html", {"form": form, "kind": kind})


@login_required
@never_cache
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    _officer(request)
    item = get_object_or_404(
        Application.objects.select_related("provider", "director_application"), pk=application_id
    )
    check = CheckForm(None, kind=item.kind)
    documents = DocumentsForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "check":
                check = CheckForm(request.POST, kind=item.kind)
                if check.is_valid():
                    services.application_check(actor=request.user, application_id=item.pk,  # type: ignore[arg-type]
                                               missing_pieces=check.missing_pieces())  # fmt: skip
                    return redirect("providers:application", item.pk)
            elif action == "grant":
                done = services.application_grant(actor=request.user, application_id=item.pk)  # type: ignore[arg-type]
                if done.provider is not None:
                    messages.success(
                        request, _("Code INPE %(code)s attribué.") % {"code": done.provider.inpe}
                    )
                else:
                    messages.warning(request, done.decision_note)
                return redirect("providers:application", item.pk)
            elif action == "refuse":
                reason = request.POST.get("reason", "")[:300]
                services.application_refuse(actor=request.user, application_id=item.pk,  # type: ignore[arg-type]
                                            reason=reason)  # fmt: skip
                return redirect("providers:application", item.pk)
            elif action == "documents":
                documents = DocumentsForm(request.POST, request.FILES)
                if documents.is_valid():
                    services.application_add_documents(
                        actor=request.user,  # type: ignore[arg-type]
                        application_id=item.pk,
                        documents=[
                            (documents.cleaned_data["piece"], f)
                            for f in documents.cleaned_data["files"]
                        ],  # fmt: skip
                    )
                    return redirect("providers:application", item.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    record_access(item, actor=request.user)
    now = timezone.now()
    context = {
        "item": item,
        "check_form": check,
        "documents_form": documents,
        "pieces": item.documents.all(),
        "notifications": item.notifications.all(),
        "hours_left": round((item.deadline_at - now).total_seconds() / 3600, 1)
        if item.deadline_at else None,
        "data_rows": sorted(item.data.items()),
    }  # fmt: skip
    return render(request, "providers/application.html", context)


@never_cache
def provider_file(request: HttpRequest, code: str) -> HttpResponse:
    """Public facts for everyone; history, documents and the change form for the holder and the
    INPE officer."""
    if not (len(code) == 9 and code.isascii() and code.isdigit()):
        raise Http404  # never a query with what is not a code (a NUL is a database error)
    provider = get_object_or_404(
        Provider.objects.select_related("category", "commune__province", "medical_director"),
        inpe=code,
    )
    private = selectors.can_read_provider_file(request.user, provider)
    officer = private and role_has(request.user.role, Capability.MANAGE_PROVIDERS)  # type: ignore[union-attr]
    kinds = [k for k in changes.CHANGE_FIELDS[provider.kind]
             if officer or k not in changes.OFFICER_ONLY]  # fmt: skip
    form = ChangeForm(None, kinds=kinds, provider_kind=provider.kind) if private else None
    if request.method == "POST":
        if not private:
            raise PermissionDenied(
                _("Seul le titulaire du code ou un gestionnaire INPE déclare une modification.")
            )
        form = ChangeForm(request.POST, request.FILES, kinds=kinds, provider_kind=provider.kind)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            values = {
                k: v
                for k, v in form.values().items()
                if k in changes.CHANGE_FIELDS[provider.kind][kind]
            }
            try:
                change = changes.change_declare(
                    actor=request.user,  # type: ignore[arg-type]
                    inpe=provider.inpe,
                    kind=kind,
                    effective_on=form.cleaned_data["effective_on"],
                    values=values,
                    documents=[
                        (_("pièce justificative"), f) for f in form.cleaned_data["document"]
                    ],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                if change.status == ProviderChange.Status.APPLIED:
                    messages.success(request, _("Modification enregistrée."))
                else:
                    messages.success(
                        request, _("Modification déclarée : elle attend la validation de l'ANAM.")
                    )
                return redirect("providers:file", provider.inpe)
    context: dict[str, object] = {
        "provider": provider,
        "private": private,
        "officer": officer,
        "form": form,
        "convention": selectors.provider_convention_status(provider.inpe),
        "active": provider.active_on(timezone.localdate()),
    }
    if private:
        context.update({
            "changes": provider.changes.select_related("declared_by", "decided_by")
            .prefetch_related("documents"),
            "periods": provider.conventions.all(),
            "notifications": provider.notifications.all()[:50],
            "origin": Application.objects.filter(provider=provider).first(),
        })  # fmt: skip
    return render(request, "providers/file.html", context)


@login_required
@require_POST
def change_decide(request: HttpRequest, change_id: int) -> HttpResponse:
    _officer(request)
    change = get_object_or_404(ProviderChange.objects.select_related("provider"), pk=change_id)
    try:
        changes.change_decide(
            actor=request.user,  # type: ignore[arg-type]
            change_id=change.pk,
            accept=request.POST.get("decision") == "accept",
            note=request.POST.get("note", "")[:300],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if request.POST.get("next") == "desk":
        return redirect("providers:desk")
    return redirect("providers:file", change.provider.inpe)


@login_required
def document(request: HttpRequest, document_id: int) -> FileResponse:
    """A supporting document, for the INPE officer and for the holder of the code it concerns."""
    item = get_object_or_404(
        Document.objects.select_related("change__provider", "application__provider"),
        pk=document_id,
    )
    provider = item.change.provider if item.change else item.application.provider  # type: ignore[union-attr]
    officer = role_has(request.user.role, Capability.MANAGE_PROVIDERS)  # type: ignore[union-attr]
    holder = provider is not None and selectors.can_read_provider_file(request.user, provider)
    if not officer and not holder:
        raise PermissionDenied(_("Ce document ne vous est pas accessible."))
    record_access(item, actor=request.user)  # a copy of a CNIE or an authorisation
    response = FileResponse(item.file.open("rb"), content_type=item.content_type,
                            as_attachment=True, filename=item.original_name)  # fmt: skip
    response["Cache-Control"] = "no-store"
    return response
