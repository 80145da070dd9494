"""The FHIR endpoints under /fhir/: read and search of Practitioner, PractitionerRole and
Organization by INPE identifier or name, the NamingSystem and the CapabilityStatement.
Public, like the INPE directory they expose."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from pydantic import BaseModel

from snigi.core.inpe import InpeError
from snigi.fhir import converters
from snigi.providers.models import Provider
from snigi.providers.selectors import inpe_canonical, provider_search

FHIR_JSON = "application/fhir+json"
MAX_COUNT = 100


def _respond(resource: BaseModel, status: int = 200) -> HttpResponse:
    return HttpResponse(
        resource.model_dump_json(exclude_none=True), content_type=FHIR_JSON, status=status
    )


def _outcome(status: int, code: str, message: str) -> HttpResponse:
    return _respond(converters.operation_outcome(code, message), status)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    return _respond(converters.capability_statement(_base(request)))


@require_GET
def naming_system(request: HttpRequest, ident: str) -> HttpResponse:
    if ident != "inpe":
        return _outcome(404, "not-found", f"NamingSystem/{ident} inconnu.")
    return _respond(converters.naming_system())


@require_GET
def read(request: HttpRequest, resource_type: str, ident: str) -> HttpResponse:
    kind = converters.SEARCHABLE[resource_type]
    try:
        inpe = inpe_canonical(ident)
    except InpeError as exc:
        return _outcome(404, "not-found", str(exc))
    provider = (
        Provider.objects.select_related("category", "commune__province")
        .filter(inpe=inpe, kind=kind)
        .first()
    )
    if provider is None:
        return _outcome(404, "not-found", f"{resource_type}/{ident} introuvable.")
    return _respond(converters.CONVERTERS[resource_type](provider))


@require_GET
def search(request: HttpRequest, resource_type: str) -> HttpResponse:
    kind = converters.SEARCHABLE[resource_type]
    providers = provider_search(q=request.GET.get("name", "")[:100]).filter(kind=kind)
    identifier = request.GET.get("identifier", "")
    if identifier:
        system, bar, value = identifier.rpartition("|")
        if bar and system != converters.INPE_SYSTEM:
            return _outcome(400, "not-supported", f"Système d'identifiant inconnu : {system}.")
        try:
            providers = providers.filter(inpe=inpe_canonical(value))
        except InpeError as exc:
            return _outcome(400, "value", str(exc))
    try:
        count = min(max(int(request.GET.get("_count", 20)), 0), MAX_COUNT)
    except ValueError:
        return _outcome(400, "value", "_count doit être un entier.")
    page = list(providers[:count])
    bundle = converters.searchset(resource_type, page, providers.count(), _base(request))
    return _respond(bundle)
