"""Demo CNIE numbers to try the rights check with, one per case, found in the loaded data.

Each case is a query on the enrolments the demo loader wrote (see ``coverage``), taking the
first person by key, so the same seed and population size always give the same numbers; the
rights check then gives the answer the case names (the tests check it).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import Count, QuerySet
from django.utils import timezone

from snigi.beneficiaries.models import Person

CaseQuery = Callable[[datetime.date], QuerySet[Person]]


def _people(**filters: object) -> QuerySet[Person]:
    return Person.objects.filter(cnie__isnull=False, **filters).order_by("pk")


CASES: tuple[tuple[str, str, CaseQuery], ...] = (
    (
        "cnss_covered",
        "Assuré CNSS (salarié) couvert : 54 jours déclarés sur 6 mois",
        lambda today: (
            _people(
                enrolments__regime__code="AMO_CNSS_SALARIES",
                enrolments__kind="insured",
                enrolments__category="active",
                enrolments__end__isnull=True,
            )
            .annotate(months=Count("enrolments__contributions"))
            .filter(months__gte=6)
        ),
    ),
    (
        "cnops_covered",
        "Assuré CNOPS (fonctionnaire) couvert, géré par une mutuelle",
        lambda today: _people(
            enrolments__regime__code="AMO_CNOPS_PUBLIC",
            enrolments__kind="insured",
            enrolments__end__isnull=True,
            enrolments__organisation__parent__code="CNOPS",
        ),
    ),
    (
        "spouse",
        "Conjointe ayant droit",
        lambda today: _people(
            enrolments__kind="dependant",
            enrolments__relationship="spouse",
            enrolments__end__isnull=True,
            enrolments__regime__code="AMO_CNOPS_PUBLIC",
        ),
    ),
    (
        "student",
        "Enfant de plus de 21 ans couvert par un certificat de scolarité",
        lambda today: _people(enrolments__student_certificates__valid_until__gte=today),
    ),
    (
        "not_open",
        "Salarié dont les droits ne sont pas ouverts (moins de 54 jours déclarés)",
        lambda today: (
            _people(
                enrolments__regime__code="AMO_CNSS_SALARIES",
                enrolments__kind="insured",
                enrolments__category="active",
                enrolments__end__isnull=True,
            )
            .annotate(months=Count("enrolments__contributions"))
            .filter(months=1)
        ),
    ),
    (
        "retention",
        "Salarié ayant cessé son activité : droits maintenus 6 mois",
        lambda today: _people(
            enrolments__end_reason="end_of_work",
            enrolments__kind="insured",
            enrolments__rights_until__gte=today,
        ),
    ),
    (
        "lapsed",
        "Droits éteints (activité cessée il y a plus de 6 mois)",
        lambda today: _people(
            enrolments__end_reason="end_of_work",
            enrolments__kind="insured",
            enrolments__rights_until__lt=today,
        ).exclude(enrolments__end__isnull=True),
    ),
    (
        "tadamon_ex_ramed",
        "AMO Tadamon, ancien bénéficiaire RAMED (carte activée)",
        lambda today: _people(
            enrolments__regime__code="AMO_TADAMON",
            enrolments__kind="insured",
        ).filter(enrolments__ramed_eligibility__card__state="activated"),
    ),
    (
        "pensioner",
        "Titulaire de pension CNSS",
        lambda today: _people(
            enrolments__regime__code="AMO_CNSS_SALARIES", enrolments__category="pensioner"
        ),
    ),
    (
        "exemption",
        "Assuré exonéré du ticket modérateur (ALD), sans la pathologie",
        lambda today: _people(
            exemptions__kind="ALD", exemptions__valid_to__isnull=True, enrolments__kind="insured"
        ),
    ),
    (
        "double",
        "Double immatriculation (CNSS et article 114), à contrôler",
        lambda today: _people(enrolments__override_reason__gt=""),
    ),
)
UNKNOWN_CANDIDATES = ("ZZ999999", "ZZ999998", "ZZ999997")


def demo_cases(today: datetime.date | None = None) -> list[tuple[str, str, str]]:
    """(case, French description, CNIE) for each case present in the data, then an unknown
    CNIE."""
    today = today or timezone.localdate()
    found = []
    for code, label, query in CASES:
        cnie = query(today).values_list("cnie", flat=True).first()
        if cnie:
            found.append((code, label, cnie))
    taken = set(Person.objects.filter(cnie__in=UNKNOWN_CANDIDATES).values_list("cnie", flat=True))
    unknown = next((c for c in UNKNOWN_CANDIDATES if c not in taken), None)
    if unknown:
        found.append(("unknown", "Numéro CNIE inconnu", unknown))
    return found


__all__ = ["CASES", "demo_cases"]
