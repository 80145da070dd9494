"""Demo INPE applications in every state (received online or by post, incomplete, complete
within or past the 48-hour delay, granted, refused as duplicates), declared changes waiting for
the officer or recorded, and a few ceased providers. Made through the services, as the INPE
officer, so that every rule and the audit trail apply. Idempotent: loaded once."""

from __future__ import annotations

import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

from snigi.core.models import User
from snigi.demo.generator import generate_people
from snigi.demo.loader import commune_table
from snigi.providers import changes, services
from snigi.providers.demo_register import PROVIDER_PEOPLE_START
from snigi.providers.models import Application, Provider, ProviderChange

APPLICANTS_START = PROVIDER_PEOPLE_START + 2_000_000
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
CATEGORIES = ("MEDECIN_GENERALISTE", "MEDECIN_SPECIALISTE", "CHIRURGIEN_DENTISTE", "INFIRMIER",
              "KINESITHERAPEUTE", "SAGE_FEMME")  # fmt: skip
# How many professional applications end in each state.
PLAN = {"received": 8, "incomplete": 6, "complete": 6, "overdue": 4, "granted": 12,
        "refused": 3}  # fmt: skip


@transaction.atomic
def load_demo_applications(*, seed: int, officer: User) -> int:
    """Returns how many applications were added (0 when already loaded)."""
    if Application.objects.exists():
        return 0
    rng = np.random.default_rng([seed, 16_03])
    people = generate_people(start=APPLICANTS_START, count=200, seed=seed,
                             communes=commune_table())  # fmt: skip
    adults = np.flatnonzero(people.cnie != "").tolist()
    now = timezone.now()
    pieces = services.PIECES[services.Kind.PROFESSIONAL]
    made = 0
    n = 0
    for state, count in PLAN.items():
        for _ in range(count):
            i = adults[n]
            n += 1
            online = rng.random() < 0.6 and state != "refused"  # a posted duplicate is kept
            data = {
                "category_code": str(rng.choice(CATEGORIES)),
                "sector": "private" if rng.random() < 0.75 else "public",
                "name": f"{people.last_name_lat[i]} {people.first_name_lat[i]}",
                "name_ar": f"{people.last_name_ar[i]} {people.first_name_ar[i]}",
                "cnie": str(people.cnie[i]),
                "commune_code": str(people.commune_code[i]),
                "address_line": str(people.address_line[i]),
            }
            if state == "refused":  # a second application for a holder already registered
                holder = Provider.objects.filter(kind="professional").order_by("?").first()
                if holder is not None and holder.cnie:
                    data["cnie"] = holder.cnie
            received = now - datetime.timedelta(hours=float(rng.uniform(3, 24 * 12)))
            documents = [(piece, (f"{piece}.pdf", TINY_PDF)) for piece in pieces[:-1]]
            application = services.application_receive(
                actor=None if online else officer,
                kind="professional",
                channel="online" if online else str(rng.choice(["post", "email", "hand", "fax"])),
                data=data,
                received_at=received,
                documents=documents,  # type: ignore[arg-type]
            )
            made += 1
            if state == "received" or application.status == Application.Status.REFUSED:
                continue
            missing = [pieces[-1]] if state == "incomplete" else []
            services.application_check(actor=officer, application_id=application.pk,
                                       missing_pieces=missing)  # fmt: skip
            if state in ("complete", "overdue", "granted", "refused"):
                completed = received + datetime.timedelta(hours=float(rng.uniform(1, 20)))
                if state == "overdue":
                    completed = now - datetime.timedelta(hours=float(rng.uniform(50, 90)))
                elif state == "complete":
                    completed = now - datetime.timedelta(hours=float(rng.uniform(1, 40)))
                Application.objects.filter(pk=application.pk).update(
                    completed_at=completed, deadline_at=completed + services.GRANT_DELAY
                )
            if state in ("granted", "refused"):
                services.application_grant(actor=officer, application_id=application.pk)
    _demo_changes(rng, officer)
    return made


def _demo_changes(rng: np.random.Generator, officer: User) -> None:
    """Declared changes: two waiting for the officer, a recorded transfer, two cessations."""
    today = timezone.localdate()
    document = [("attestation", ("attestation.pdf", TINY_PDF))]
    professionals = list(Provider.objects.filter(kind="professional", status="active")
                         .order_by("inpe")[100:106])  # fmt: skip
    if len(professionals) < 6:
        return
    others = [p.commune.code for p in professionals[::-1]]
    for provider, commune in zip(professionals[:3], others, strict=False):
        change = ProviderChange.objects.create(
            provider=provider,
            kind=ProviderChange.Kind.TRANSFER,
            effective_on=today - datetime.timedelta(days=int(rng.integers(1, 30))),
            new_values={"commune_code": commune, "address_line": "Nouveau cabinet"},
            note="Déclaration en ligne (démonstration)",
        )
        if provider is professionals[0]:
            changes.change_decide(actor=officer, change_id=change.pk, accept=True)
    for provider, days in ((professionals[3], -200), (professionals[4], 20)):
        changes.change_declare(
            actor=officer,
            inpe=provider.inpe,
            kind=ProviderChange.Kind.CESSATION,
            effective_on=today + datetime.timedelta(days=days),
            documents=document,  # type: ignore[arg-type]
            note="Cessation d'activité (démonstration)",
        )
