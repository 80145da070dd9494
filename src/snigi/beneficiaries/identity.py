"""The exact identity key used by the one-person-one-regime check at enrolment.

A person is the same as another if they share the CNIE number, or, for people without one (minors,
people never issued a card), the same normalised family and first names, birth date and sex. The
normalisation is deliberately exact-ish: it removes what typing varies without changing the name
(case, accents, apostrophes, hyphens, repeated spaces) and nothing else. Spelling variants across
the funds' lists (ou/w, k/q, el/al…) are the national fuzzy control's business (issue 6).
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from snigi.beneficiaries.models import Enrolment, Person
from snigi.core.identifiers import IdentifierError, normalise_cnie
from snigi.core.models import Commune

EARLIEST_BIRTH = datetime.date(1900, 1, 1)
PHONE = re.compile(r"^0[5-7][0-9]{8}$")

_NOT_LETTERS = re.compile(r"[^\w]+|_+", re.UNICODE)
# Arabic diacritics (harakat, tanwin, shadda, sukun, superscript alef) and the tatweel.
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")


@functools.lru_cache(maxsize=65536)  # names repeat: lists and demo data hit the cache
def normalise_name(value: str) -> str:
    """Upper-case Latin letters without accents (and Arabic letters without vowel marks),
    every run of other characters turned into one space."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = _ARABIC_MARKS.sub("", text)
    return " ".join(_NOT_LETTERS.sub(" ", text).upper().split())


def name_key(last_name: str, first_name: str) -> str:
    """``"LAST|FIRST"``, each part normalised; at most 170 characters (the column's width)."""
    return f"{normalise_name(last_name)[:84]}|{normalise_name(first_name)[:84]}"


class EnrolmentRefused(Exception):
    """Refused with a French message; ``errors`` maps form fields to their messages."""

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {})


@dataclass(frozen=True)
class Conflict:
    enrolment: Enrolment

    def explain(self) -> str:
        e = self.enrolment
        quality = "ayant droit" if e.kind == Enrolment.Kind.DEPENDANT else "assuré"
        return (
            f"a déjà une immatriculation au régime « {e.regime.name_fr} » ({e.organisation.code}, "
            f"en qualité d'{quality}) depuis le {e.start:%d/%m/%Y}"
        )


class DoubleEnrolment(EnrolmentRefused):
    def __init__(self, person_label: str, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        detail = " ; ".join(c.explain() for c in conflicts)
        super().__init__(
            f"Double immatriculation : {person_label} {detail}. Une personne ne bénéficie "
            "que d'un seul régime : l'organisme qui la couvre doit d'abord clore cette "
            "immatriculation, ou un agent habilité de l'ANAM peut passer outre avec un motif."
        )


@dataclass(frozen=True)
class PersonInput:
    """Identity of a person to enrol, as typed or read from a list (raw strings are cleaned)."""

    last_name_lat: str
    first_name_lat: str
    sex: str
    birth_date: datetime.date | None
    commune: str  # commune code
    cnie: str = ""
    last_name_ar: str = ""
    first_name_ar: str = ""
    address_line: str = ""
    phone: str = ""


def _clean_text(value: str, field: str, label: str, errors: dict[str, list[str]], *,
                required: bool, max_length: int) -> str:  # fmt: skip
    value = (value or "").replace("\x00", "").strip()
    value = " ".join(value.split())
    if required and not value:
        errors.setdefault(field, []).append(f"{label} : ce champ est obligatoire.")
    elif len(value) > max_length:
        errors.setdefault(field, []).append(f"{label} : {max_length} caractères au plus.")
    return value


@dataclass(frozen=True)
class CleanPerson:
    cnie: str | None
    last_name_lat: str
    first_name_lat: str
    last_name_ar: str
    first_name_ar: str
    sex: str
    birth_date: datetime.date
    commune: Commune
    address_line: str
    phone: str


def clean_person(data: PersonInput, *, cnie_required: bool, today: datetime.date) -> CleanPerson:
    """Check and clean a person's identity, or raise ``EnrolmentRefused`` with every error."""
    errors: dict[str, list[str]] = {}
    last = _clean_text(
        data.last_name_lat, "last_name_lat", "Nom", errors, required=True, max_length=80
    )
    first = _clean_text(
        data.first_name_lat, "first_name_lat", "Prénom", errors, required=True, max_length=80
    )
    last_ar = _clean_text(
        data.last_name_ar, "last_name_ar", "Nom (arabe)", errors, required=False, max_length=80
    )
    first_ar = _clean_text(
        data.first_name_ar, "first_name_ar", "Prénom (arabe)", errors, required=False, max_length=80
    )
    address = _clean_text(
        data.address_line, "address_line", "Adresse", errors, required=False, max_length=200
    )
    phone = _clean_text(data.phone, "phone", "Téléphone", errors, required=False, max_length=20)
    phone = re.sub(r"[\s.\-]", "", phone)
    if phone.startswith("+212"):
        phone = "0" + phone[4:]
    if phone and not PHONE.fullmatch(phone):
        errors.setdefault("phone", []).append(
            "Téléphone : 10 chiffres commençant par 05, 06 ou 07 sont attendus."
        )
    cnie: str | None = None
    raw_cnie = (data.cnie or "").strip()
    if raw_cnie:
        try:
            cnie = normalise_cnie(raw_cnie)
        except IdentifierError as exc:
            errors.setdefault("cnie", []).append(str(exc))
    elif cnie_required:
        errors.setdefault("cnie", []).append(
            "Le numéro CNIE de l'assuré est obligatoire pour une immatriculation."
        )
    sex = (data.sex or "").strip().upper()[:1]
    if sex not in Person.Sex.values:
        errors.setdefault("sex", []).append("Sexe : M ou F est attendu.")
    birth = data.birth_date
    if birth is None:
        errors.setdefault("birth_date", []).append("La date de naissance est obligatoire.")
    elif birth > today:
        errors.setdefault("birth_date", []).append(
            f"La date de naissance ({birth:%d/%m/%Y}) est dans le futur."
        )
    elif birth < EARLIEST_BIRTH:
        errors.setdefault("birth_date", []).append(
            f"La date de naissance ({birth:%d/%m/%Y}) est antérieure à 1900."
        )
    commune = Commune.objects.filter(code=(data.commune or "").strip()).first()
    if commune is None:
        errors.setdefault("commune", []).append(
            f"Commune inconnue : « {(data.commune or '')[:30]} » (code du référentiel attendu)."
        )
    if errors:
        raise EnrolmentRefused("La fiche de la personne comporte des erreurs.", errors)
    assert birth is not None  # noqa: S101 - errors raised above
    assert commune is not None  # noqa: S101
    return CleanPerson(cnie, last, first, last_ar, first_ar, sex, birth, commune, address, phone)


def matching_people(person: CleanPerson) -> QuerySet[Person]:
    """Records of the same person: same CNIE; or, without a CNIE on one side, the same
    normalised names, birth date and sex."""
    by_identity = Q(
        name_key=name_key(person.last_name_lat, person.first_name_lat),
        birth_date=person.birth_date,
        sex=person.sex,
    )
    if person.cnie:
        return Person.objects.filter(Q(cnie=person.cnie) | (by_identity & Q(cnie__isnull=True)))
    return Person.objects.filter(by_identity)


def conflicts_for(
    people: QuerySet[Person] | list[Person], start: datetime.date, *, exclude: int | None = None
) -> list[Conflict]:
    """Enrolments of these people, in any regime, not closed before ``start``."""
    active = (
        Enrolment.objects.filter(person__in=people)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .exclude(end_reason=Enrolment.EndReason.CANCELLED)
        .select_related("regime", "organisation")
        .order_by("start", "pk")
    )
    if exclude is not None:
        active = active.exclude(pk=exclude)
    return [Conflict(e) for e in active]
