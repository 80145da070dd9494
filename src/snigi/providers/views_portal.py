"""The applicant's portal: apply online for a code (no account: the applicant has no code yet),
then follow the application with its reference and follow-up key, send missing pieces and
download the attestation once the code is allocated."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from snigi.core.ratelimit import hit
from snigi.providers import services
from snigi.providers.forms import ApplicationForm, DocumentsForm, FollowForm
from snigi.providers.models import Application, Kind

KIND_SLUGS = {"professionnel": Kind.PROFESSIONAL, "etablissement": Kind.ESTABLISHMENT}
APPLY_LIMIT = getattr(settings, "SNIGI_APPLY_LIMIT", (20, 3600))  # per client address
# Follow-ups (the page and the API together) per client address: guessing keys, piling up pieces.
FOLLOW_LIMIT = getattr(settings, "SNIGI_FOLLOW_LIMIT", (120, 3600))


def director_application_id(reference: str) -> int | None:
    reference = reference.strip().upper()
    if not reference:
        return None
    found = Application.objects.filter(reference=reference, kind=Kind.PROFESSIONAL).first()
    if found is None:
        raise ValidationError(_("Aucune demande de professionnel ne porte la référence %(r)s.")
                              % {"r": reference})  # fmt: skip
    return found.pk


def apply_start(request: HttpRequest) -> HttpResponse:
    return render(request, "providers/apply_start.html")


@never_cache
def apply(request: HttpRequest, kind_slug: str) -> HttpResponse:
    kind = KIND_SLUGS.get(kind_slug)
    if kind is None:
        raise Http404
    form = ApplicationForm(request.POST or None, request.FILES or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        limit, window = APPLY_LIMIT
        if not hit("inpe-apply", request, limit=limit, window_seconds=window):
            form.add_error(None, _("Trop de demandes envoyées depuis cette adresse : "
                                   "réessayez dans une heure."))  # fmt: skip
            return render(request, "providers/apply.html", {"form": form, "kind": kind},
                          status=429)  # fmt: skip
        try:
            application = services.application_receive(
                actor=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
                kind=kind,
                channel="online",
                data=form.provider_data(),
                director_application_id=director_application_id(
                    form.cleaned_data.get("director_reference", "")
                ),
                documents=form.pieces(),  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            request.session["inpe_received"] = [application.reference, application.follow_key]
            return redirect("providers:received")
    return render(request, "providers/apply.html", {"form": form, "kind": kind})


@never_cache
def received(request: HttpRequest) -> HttpResponse:
    pair = request.session.pop("inpe_received", None)
    if not pair:
        return redirect("providers:follow")
    return render(request, "providers/received.html", {"reference": pair[0], "key": pair[1]})


@never_cache
@sensitive_post_parameters("key")
def follow(request: HttpRequest) -> HttpResponse:
    """POST only carries the reference and key (never in a URL, so never in a server log)."""
    form = FollowForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method != "POST" or not form.is_valid():
        return render(request, "providers/follow.html", context)
    limit, window = FOLLOW_LIMIT
    if not hit("inpe-follow", request, limit=limit, window_seconds=window):
        form.add_error(None, _("Trop de consultations depuis cette adresse : "
                               "réessayez dans une heure."))  # fmt: skip
        return render(request, "providers/follow.html", context, status=429)
    reference, key = form.cleaned_data["reference"], form.cleaned_data["key"]
    try:
        application = services.application_by_key(reference, key)
    except Application.DoesNotExist:
        form.add_error(None, _("Référence ou clé de suivi incorrecte."))
        return render(request, "providers/follow.html", context, status=404)
    action = request.POST.get("action", "")
    if action == "attestation" and application.provider is not None:
        from snigi.providers.attestation import attestation_pdf

        response = HttpResponse(attestation_pdf(application.provider),
                                content_type="application/pdf")  # fmt: skip
        name = f"attestation-inpe-{application.provider.inpe}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    documents = DocumentsForm(
        request.POST if action == "documents" else None, request.FILES or None
    )
    if action == "documents" and documents.is_valid():
        try:
            services.application_add_documents(
                actor=None,
                application_id=application.pk,
                documents=[
                    (documents.cleaned_data["piece"], f) for f in documents.cleaned_data["files"]
                ],  # fmt: skip
            )
        except ValidationError as exc:
            for message in exc.messages:
                documents.add_error(None, message)
        else:
            context["sent"] = True
            application.refresh_from_db()
    context.update({"application": application, "documents_form": documents, "key": key,
                    "pieces": application.documents.all()})  # fmt: skip
    return render(request, "providers/follow.html", context)
