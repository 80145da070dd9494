"""A realistic synthetic INPE register for the demo: the 2015 scale (about 20 000 professionals
and 7 500 establishments), names from the demo population generator, codes allocated as one
block under the serial lock, convention declarations and a few suspensions. Idempotent."""

from __future__ import annotations

import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

from snigi.core.inpe import inpe_from_serial
from snigi.core.models import Commune
from snigi.demo.bulk import insert_rows
from snigi.demo.generator import generate_people
from snigi.demo.loader import commune_table
from snigi.providers.models import Category, ConventionPeriod, InpeSerial, Provider

PROFESSIONAL_SHARES = {
    "MEDECIN_SPECIALISTE": 0.40, "MEDECIN_GENERALISTE": 0.30, "CHIRURGIEN_DENTISTE": 0.13,
    "BIOLOGISTE": 0.02, "INFIRMIER": 0.04, "KINESITHERAPEUTE": 0.04, "SAGE_FEMME": 0.02,
    "ORTHOPHONISTE": 0.01, "ORTHOPTISTE": 0.01, "OPTICIEN": 0.03, "PHARMACIEN": 0.10,
}  # fmt: skip
ESTABLISHMENT_SHARES = {
    "OFFICINE": 0.62, "CENTRE_SANTE": 0.20, "LABORATOIRE": 0.06, "CLINIQUE": 0.05,
    "CHP": 0.01, "CHR": 0.003, "CHU": 0.002, "ETABLISSEMENT_PUBLIC": 0.02, "HEMODIALYSE": 0.015,
    "ONCOLOGIE": 0.005, "REEDUCATION": 0.01, "PSYCHOPEDAGOGIQUE": 0.005,
}  # fmt: skip
PUBLIC_CATEGORIES = {"CENTRE_SANTE", "CHP", "CHR", "CHU", "ETABLISSEMENT_PUBLIC", "ONCOLOGIE"}
SPECIALTIES = (
    "Cardiologie", "Pédiatrie", "Gynécologie-obstétrique", "Ophtalmologie", "Dermatologie",
    "Radiologie", "Chirurgie générale", "Néphrologie", "Psychiatrie", "ORL", "Pneumologie",
    "Gastro-entérologie", "Endocrinologie", "Rhumatologie", "Traumatologie-orthopédie",
)  # fmt: skip
SHORT_NAMES = {
    "OFFICINE": "Pharmacie", "CLINIQUE": "Clinique", "LABORATOIRE": "Laboratoire",
    "CENTRE_SANTE": "Centre de santé", "CHP": "Centre hospitalier provincial",
    "CHR": "Centre hospitalier régional", "CHU": "CHU", "HEMODIALYSE": "Centre d'hémodialyse",
}  # fmt: skip
LEGAL_STATUS = {"CLINIQUE": "SA", "LABORATOIRE": "SARL", "HEMODIALYSE": "SARL"}
PROVIDER_PEOPLE_START = 45_000_000  # the generator's index range used for professionals
COLUMNS = (
    "inpe", "kind", "category_id", "sector", "name", "name_ar", "specialty", "cnie",
    "order_number", "authorisation_number", "medical_director_id", "commune_id",
    "address_line", "status", "status_since", "attributed_on", "created_at", "updated_at",
    "legacy_code", "legal_status", "email", "phone",
)  # fmt: skip
FIRST_ATTRIBUTION = datetime.date(2010, 1, 1)


def _pick(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    codes = list(shares)
    weights = np.array([shares[c] for c in codes])
    return np.array(codes)[rng.choice(len(codes), size=n, p=weights / weights.sum())]


def _reserve_serials(count: int) -> int:
    counter = InpeSerial.objects.select_for_update().get(pk=1)
    first = counter.next_serial
    InpeSerial.objects.filter(pk=1).update(next_serial=first + count)
    return first


@transaction.atomic
def load_demo_register(*, seed: int, professionals: int = 20_000, establishments: int = 7_500
                       ) -> int:  # fmt: skip
    """Load the register once; returns how many providers were added."""
    if Provider.objects.exists():
        return 0
    rng = np.random.default_rng([seed, 65_00])
    categories = dict(Category.objects.values_list("code", "pk"))
    communes = dict(Commune.objects.values_list("code", "pk"))
    commune_names = dict(Commune.objects.values_list("code", "name_fr"))
    labels = dict(Category.objects.values_list("code", "name_fr"))
    people = generate_people(start=PROVIDER_PEOPLE_START, count=professionals * 2, seed=seed,
                             communes=commune_table())  # fmt: skip
    adults = np.flatnonzero(people.cnie != "")[:professionals]
    first_serial = _reserve_serials(professionals + establishments)
    now = timezone.now()
    rows: list[tuple[object, ...]] = []
    prof_categories = _pick(rng, PROFESSIONAL_SHARES, len(adults))
    public_prof = rng.random(len(adults)) < 0.25
    for n, i in enumerate(adults.tolist()):
        category = str(prof_categories[n])
        rows.append((
            inpe_from_serial(first_serial + n), "professional", categories[category],
            "public" if public_prof[n] else "private",
            f"{people.last_name_lat[i]} {people.first_name_lat[i]}",
            f"{people.last_name_ar[i]} {people.first_name_ar[i]}",
            str(rng.choice(SPECIALTIES)) if category == "MEDECIN_SPECIALISTE" else "",
            str(people.cnie[i]), f"ORD-{seed}-{n:06d}", None, None,
            communes[str(people.commune_code[i])], str(people.address_line[i]), "active",
            None, _attribution(rng), now, now, False, "", "", "",
        ))  # fmt: skip
    doctors = [row for row in rows if row[2] == categories["MEDECIN_GENERALISTE"]]
    est_categories = _pick(rng, ESTABLISHMENT_SHARES, establishments)
    est_people = rng.integers(0, len(adults), size=establishments)
    for n in range(establishments):
        category = str(est_categories[n])
        i = int(adults[est_people[n]])
        public = category in PUBLIC_CATEGORIES
        commune = str(people.commune_code[i])
        place = commune_names[commune] if public else str(people.last_name_lat[i]).title()
        rows.append((
            inpe_from_serial(first_serial + len(adults) + n), "establishment",
            categories[category], "public" if public else "private",
            f"{SHORT_NAMES.get(category, labels[category])} {place}",
            "", "", None, None, f"AUT-{seed}-{n:06d}", None,
            communes[commune], str(people.address_line[i]), "active",
            None, _attribution(rng), now, now, False,
            "" if public else LEGAL_STATUS.get(category, ""), "", "",
        ))  # fmt: skip
    insert_rows(Provider, COLUMNS, rows)
    _link_directors(doctors, rng)
    _conventions(rng)
    return len(rows)


def _attribution(rng: np.random.Generator) -> datetime.date:
    """Attribution dates from 2010 to today, more of them in recent years."""
    span = (timezone.localdate() - FIRST_ATTRIBUTION).days
    return FIRST_ATTRIBUTION + datetime.timedelta(days=int(span * rng.random() ** 0.7))


def _link_directors(doctors: list[tuple[object, ...]], rng: np.random.Generator) -> None:
    """Every private establishment that needs one (clinics, haemodialysis, rehabilitation and
    psycho-pedagogical centres) gets a medical director among the general practitioners."""
    clinics = list(
        Provider.objects.filter(
            kind="establishment", sector="private", category__director_required=True
        ).values_list("pk", flat=True)
    )
    director_ids = dict(Provider.objects.filter(kind="professional").values_list("inpe", "pk"))
    picks = rng.integers(0, len(doctors), size=len(clinics))
    Provider.objects.bulk_update(
        [
            Provider(pk=clinic_pk, medical_director_id=director_ids[doctors[int(pick)][0]])
            for clinic_pk, pick in zip(clinics, picks, strict=True)
        ],
        ["medical_director"],
        batch_size=1000,
    )


def _conventions(rng: np.random.Generator) -> None:
    """Private providers: 85 % adhere, the others declared non-adherence; 0.5 % suspended."""
    private = list(Provider.objects.filter(sector="private").values_list("pk", flat=True))
    draws = rng.random(len(private))
    start = datetime.date(2020, 1, 1)
    periods = [
        ConventionPeriod(
            provider_id=pk,
            status="adherent" if draw < 0.85 else "non_adherent",
            valid_from=start + datetime.timedelta(days=int(draw * 1500)),
            document="affichage de l'adhésion" if draw < 0.85 else "déclaration de non adhésion",
        )
        for pk, draw in zip(private, draws, strict=True)
    ]
    suspended = [pk for pk, draw in zip(private, draws, strict=True) if draw < 0.005]
    periods += [
        ConventionPeriod(
            provider_id=pk, status="suspended", valid_from=datetime.date(2026, 1, 1),
            valid_to=datetime.date(2026, 6, 30), document="Décision CSP (démonstration)",
        )
        for pk in suspended
    ]  # fmt: skip
    ConventionPeriod.objects.bulk_create(periods, batch_size=2000)
