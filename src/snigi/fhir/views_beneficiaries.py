"""The FHIR endpoints over the beneficiaries: Patient and Coverage (read, search), the rights
check as ``POST CoverageEligibilityRequest``, and the CNIE NamingSystem.

Unlike the INPE directory these are personal data: every request is authenticated as the REST
API authenticates (``auth=[TokenAuth(), SessionAuth()]``), reads go through the beneficiaries
selectors (scoped to the actor, a file outside the scope is a 404 like a missing one, each read
logged) and the eligibility check through ``rights_check.check_rights`` (logged the same way).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from ninja.errors import HttpError
from pydantic import BaseModel

from snigi.beneficiaries import selectors
from snigi.beneficiaries.models import Enrolment, Person
from snigi.beneficiaries.rights_check import RightsQueryError, check_rights
from snigi.core.api_auth import SessionAuth, TokenAuth
from snigi.core.identifiers import IdentifierError, normalise_cnie
from snigi.core.models import User
from snigi.core.roles import Capability
from snigi.core.scoping import request_actor, require
from snigi.fhir import beneficiaries as fhir
from snigi.fhir import eligibility as fhir_eligibility
from snigi.fhir.converters import operation_outcome
from snigi.fhir.views import FHIR_JSON

MAX_ID = 2**63 - 1
View = Callable[..., HttpResponse]


def _respond(resource: BaseModel, status: int = 200) -> HttpResponse:
    return HttpResponse(
        resource.model_dump_json(exclude_none=True), content_type=FHIR_JSON, status=status
    )


def _outcome(status: int, code: str, message: str) -> HttpResponse:
    return _respond(operation_outcome(code, message), status)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def _authenticate(request: HttpRequest) -> HttpResponse | None:
    """As the REST API: a bearer token first (no CSRF check: a browser never sends one by
    itself), else the session, with Django's CSRF check on unsafe methods (SessionAuth's)."""
    user = TokenAuth()(request)
    if user is None and request.user.is_authenticated:
        try:
            user = SessionAuth()(request)
        except HttpError:  # the session's CSRF check failed
            return _outcome(403, "forbidden", "Vérification CSRF échouée.")
    if not isinstance(user, User):
        response = _outcome(401, "login", "Authentification requise (jeton Bearer ou session).")
        response["WWW-Authenticate"] = 'Bearer realm="snigi"'
        return response
    request.auth = user  # type: ignore[attr-defined]  # what ``request_actor`` reads
    return None


def fhir_api(view: View) -> View:
    """Authenticate, answer PermissionDenied with a 403 OperationOutcome, never cache.
    Exempt from the CSRF middleware: ``_authenticate`` checks CSRF for a session."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = _authenticate(request)
        if response is None:
            try:
                response = view(request, *args, **kwargs)
            except PermissionDenied as exc:
                response = _outcome(403, "forbidden", str(exc) or "Accès refusé.")
        add_never_cache_headers(response)
        return response

    return wrapper


def _identifier(ident: str) -> int | None:
    return int(ident) if ident.isascii() and ident.isdigit() and 0 < int(ident) <= MAX_ID else None


def _cnie_param(token: str) -> str:
    """The CNIE of an ``identifier`` search token ``[system|]value``; IdentifierError if the
    system is another or the number malformed."""
    system, bar, value = token.rpartition("|")
    if bar and system and system != fhir.CNIE_SYSTEM:
        raise IdentifierError(f"Système d'identifiant non pris en charge : {system[:100]}.")
    return normalise_cnie(value)


def _person_by_cnie(actor: User, token: str) -> Person | None:
    """The person behind a CNIE token within the actor's scope (the read logged), else None."""
    person_id = (
        selectors.person_list_for_actor(actor=actor)
        .filter(cnie=_cnie_param(token))
        .values_list("pk", flat=True)
        .first()
    )
    return None if person_id is None else _person(actor, person_id)


def _person(actor: User, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    try:
        return selectors.person_get_for_actor(actor=actor, person_id=person_id)
    except Person.DoesNotExist:
        return None


# ----------------------------------------------------------------------------- Patient


@require_GET
@fhir_api
def patient_read(request: HttpRequest, ident: str) -> HttpResponse:
    person = _person(request_actor(request), _identifier(ident))
    if person is None:
        return _outcome(404, "not-found", f"Patient/{ident[:20]} introuvable ou hors périmètre.")
    return _respond(fhir.patient(person))


@require_GET
@fhir_api
def patient_search(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("identifier", "")[:200]
    if not token:
        return _outcome(400, "required", f"Recherche par identifier={fhir.CNIE_SYSTEM}|<CNIE>.")
    try:
        person = _person_by_cnie(request_actor(request), token)
    except IdentifierError as exc:
        return _outcome(400, "value", str(exc))
    found = [fhir.patient(person)] if person is not None else []
    return _respond(fhir.searchset("Patient", found, _base(request)))


# ----------------------------------------------------------------------------- Coverage


@require_GET
@fhir_api
def coverage_read(request: HttpRequest, ident: str) -> HttpResponse:
    enrolment_id = _identifier(ident) or 0  # 0: no enrolment
    person_id = (
        Enrolment.objects.filter(pk=enrolment_id).values_list("person_id", flat=True).first()
    )
    # The person's file decides the scope (and the read is logged), as for the REST API's
    # /persons/{id}/enrolments.
    person = _person(request_actor(request), person_id)
    enrolment = (
        selectors.person_enrolments(person=person).filter(pk=enrolment_id).first()
        if person is not None
        else None
    )
    if enrolment is None:
        return _outcome(404, "not-found", f"Coverage/{ident[:20]} introuvable ou hors périmètre.")
    return _respond(fhir.coverage(enrolment, timezone.localdate()))


@require_GET
@fhir_api
def coverage_search(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    reference = request.GET.get("beneficiary") or request.GET.get("patient") or ""
    token = request.GET.get("beneficiary.identifier") or request.GET.get("patient.identifier")
    if reference:
        match = fhir.PATIENT_REFERENCE.fullmatch(reference[:40])
        if match is None:
            return _outcome(400, "value", "Référence attendue : Patient/<id>.")
        person = _person(actor, int(match.group(1)))
    elif token:
        try:
            person = _person_by_cnie(actor, token[:200])
        except IdentifierError as exc:
            return _outcome(400, "value", str(exc))
    else:
        return _outcome(
            400, "required", "Recherche par beneficiary=Patient/<id> ou patient.identifier."
        )
    today = timezone.localdate()
    found = (
        [fhir.coverage(e, today) for e in selectors.person_enrolments(person=person)]
        if person is not None
        else []
    )
    return _respond(fhir.searchset("Coverage", found, _base(request)))


# ----------------------------------------------------------------------------- eligibility


def _cnie_of_patient(actor: User, person_id: int) -> str:
    """The CNIE of a Patient/<id> the actor may see (the check itself is logged)."""
    try:
        person = selectors.person_list_for_actor(actor=actor).filter(pk=person_id).first()
    except PermissionDenied:  # a provider reads no file: the CNIE is how they identify
        person = None
    if person is None:
        raise fhir_eligibility.EligibilityRequestError(
            "not-found",
            f"Patient/{person_id} introuvable ou hors de votre périmètre : identifiez le patient "
            "par son CNIE.",
        )
    if not person.cnie:
        raise fhir_eligibility.EligibilityRequestError(
            "not-supported",
            "Ce patient n'a pas de CNIE : identifiez-le par un Patient contenu avec sa date de "
            "naissance, et le numéro d'immatriculation de son assuré (insurance.coverage).",
        )
    return person.cnie


@require_POST
@fhir_api
def eligibility(request: HttpRequest) -> HttpResponse:
    """POST CoverageEligibilityRequest → CoverageEligibilityResponse (the rights check)."""
    actor = request_actor(request)
    require(actor, Capability.CHECK_RIGHTS)
    try:
        query = fhir_eligibility.eligibility_query(request.body)
        cnie = query.cnie
        if query.person_id is not None:
            cnie = _cnie_of_patient(actor, query.person_id)
    except RequestDataTooBig:
        return _outcome(413, "too-costly", "Corps de requête trop volumineux.")
    except fhir_eligibility.EligibilityRequestError as exc:
        return _outcome(400, exc.code, str(exc))
    try:
        answer = check_rights(
            actor=actor,
            on=query.on or timezone.localdate(),
            cnie=cnie,
            fund=query.fund,
            number=query.number,
            birth_date=query.birth_date,
            first_name=query.first_name,
        )
    except RightsQueryError as exc:
        return _outcome(400, "value", str(exc))
    response = fhir_eligibility.eligibility_response(answer=answer, query=query, cnie=cnie)
    return _respond(response)


@require_GET
def naming_system(request: HttpRequest) -> HttpResponse:
    return _respond(fhir.naming_system())
