"""The INPE pages: the applicant's portal (apply, received, follow), the officer's desk (intake,
check, grant, changes), the provider's file and its documents, the home cards."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from snigi.core.models import RateCounter
from snigi.core.roles import Role
from snigi.core.services import user_create
from snigi.providers import views_portal
from snigi.providers.changes import change_declare
from snigi.providers.models import Application, Document, ProviderChange
from snigi.providers.services import application_check, application_grant, application_receive
from tests.conftest import PASSWORD, login
from tests.providers.samples import (
    AMINE_INPE,
    PDF,
    doctor_form,
    jpeg_bytes,
    next_code_is_amines,
    png_bytes,
    upload,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def doctor_post(n: int = 1, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category_code": "MEDECIN_GENERALISTE",
        "sector": "private",
        "name": f"Dr Page {n}",
        "cnie": f"BJ{n:06d}",
        "order_number": f"ORD-P{n}",
        "commune_code": "141.001",
        "email": f"page{n}@example.ma",
        "piece_0": upload("formulaire.pdf", PDF),
        "piece_1": [upload("cnie-recto.png", png_bytes()), upload("cnie-verso.jpg", jpeg_bytes())],
    }
    return {k: v for k, v in (data | extra).items() if v is not None}


def clinic_post(n: int = 1, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category_code": "CLINIQUE",
        "sector": "private",
        "name": f"Clinique Page {n}",
        "authorisation_number": f"AUT-P{n}",
        "legal_status": "SARL",
        "commune_code": "141.001",
        "email": f"clinique{n}@example.ma",
        "piece_1": upload("autorisation.pdf", PDF),
    }
    return {k: v for k, v in (data | extra).items() if v is not None}


def apply(client: Client, slug: str, data: dict[str, object]):
    return client.post(f"/inpe/demande/{slug}/", data)


def received(client: Client) -> tuple[str, str]:
    html = client.get("/inpe/demande/recue/").content.decode()
    reference = re.search(r'id="received-reference">([^<]+)<', html).group(1)
    key = re.search(r'id="received-key">([^<]+)<', html).group(1)
    return reference, key


def follow(client: Client, reference: str, key: str, **extra: object):
    return client.post("/inpe/suivi/", {"reference": reference, "key": key, **extra})


# --- Applying online ---------------------------------------------------------------------------


def test_the_start_page_offers_both_forms():
    html = Client().get("/inpe/demande/").content.decode()
    assert "/inpe/demande/professionnel/" in html
    assert "/inpe/demande/etablissement/" in html
    assert Client().get("/inpe/demande/pharmacien/").status_code == 404


def test_a_professional_applies_online_with_pieces_and_sees_the_key_once():
    client = Client()
    assert client.get("/inpe/demande/professionnel/").status_code == 200
    response = apply(client, "professionnel", doctor_post())
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/inpe/demande/recue/"
    application = Application.objects.get()
    assert (application.kind, application.channel, application.status) == (
        "professional",
        "online",
        "received",
    )
    assert application.data["cnie"] == "BJ000001"
    assert application.applicant is None
    pieces = sorted((d.piece, d.content_type) for d in application.documents.all())
    assert pieces == [
        ("copie de la CNIE", "image/jpeg"),
        ("copie de la CNIE", "image/png"),
        ("formulaire 0.3.15.03", "application/pdf"),
    ]
    reference, key = received(client)
    assert reference == application.reference
    assert key not in application.follow_key_hash
    again = client.get("/inpe/demande/recue/")
    assert again.status_code == 302
    assert again["Location"] == "/inpe/suivi/"
    page = follow(client, reference, key)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-status="received"' in html
    assert "cnie-recto.png" in html
    assert "formulaire.pdf" in html


def test_an_establishment_applies_with_its_directors_pending_application():
    client = Client()
    apply(client, "professionnel", doctor_post(2))
    director_reference, _key = received(client)
    response = apply(client, "etablissement", clinic_post(director_reference=director_reference))
    assert response.status_code == 302, response.content.decode()
    clinic = Application.objects.get(kind="establishment")
    assert clinic.director_application.reference == director_reference
    assert clinic.documents.get().piece == ("copie de l'autorisation d'ouverture et d'exploitation")


def test_an_establishment_applies_with_its_directors_code(register):
    director = register(name="Dr Directeur")
    response = apply(Client(), "etablissement", clinic_post(medical_director_inpe=director.inpe))
    assert response.status_code == 302, response.content.decode()
    clinic = Application.objects.get()
    assert clinic.data["medical_director_inpe"] == director.inpe
    assert clinic.director_application is None


@pytest.mark.parametrize(
    ("slug", "data", "message"),
    [
        ("professionnel", doctor_post(name=None), "Ce champ est obligatoire"),
        ("professionnel", doctor_post(commune_code=None), "Ce champ est obligatoire"),
        ("professionnel", doctor_post(cnie="12-AB-XYZ"), "CNIE"),
        ("professionnel", doctor_post(email="pas-une-adresse"), "adresse de courriel valide"),
        ("professionnel", doctor_post(email=None), "Ce champ est obligatoire"),
        ("professionnel", doctor_post(category_code="CLINIQUE"), "Sélectionnez un choix valide"),
        (
            "professionnel",
            doctor_post(piece_0=upload("cnie.pdf", b"MZ\x90\x00binary")),
            "Format refusé",
        ),
        (
            "professionnel",
            doctor_post(piece_0=upload("page.pdf", b"<html>%PDF-</html>")),
            "Format refusé",
        ),
        (
            "etablissement",
            clinic_post(director_reference="INPE-2026-999999"),
            "Aucune demande de professionnel",
        ),
        ("etablissement", clinic_post(authorisation_number=None), "Ce champ est obligatoire"),
    ],
)
def test_every_bad_input_is_shown_and_nothing_is_written(slug, data, message):
    response = apply(Client(), slug, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Application.objects.exists()
    assert not Document.objects.exists()


def test_an_establishment_directors_code_must_be_active(register, ilyas):
    director = register(name="Dr Parti")
    change_declare(
        actor=ilyas,
        inpe=director.inpe,
        kind="cessation",
        effective_on=TODAY() - dt.timedelta(days=1),
        documents=[("décision", upload())],
    )
    for code in (director.inpe, "100000003"):
        response = apply(Client(), "etablissement", clinic_post(medical_director_inpe=code))
        assert response.status_code == 200
        assert "directeur médical doit détenir un code INPE actif" in response.content.decode()
    assert not Application.objects.exists()


def test_applications_over_the_limit_from_one_address_get_429(monkeypatch):
    monkeypatch.setattr(views_portal, "APPLY_LIMIT", (2, 3600))
    client = Client()
    codes = [apply(client, "professionnel", doctor_post(n)).status_code for n in range(3)]
    assert codes == [302, 302, 429]
    response = apply(client, "professionnel", doctor_post(9))
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert Application.objects.count() == 2
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert apply(elsewhere, "professionnel", doctor_post(10)).status_code == 302
    assert RateCounter.objects.filter(key__startswith="inpe-apply:").count() == 2


def test_the_default_limit_is_twenty_an_hour():
    assert views_portal.APPLY_LIMIT == (20, 3600)


# --- Following an application ------------------------------------------------------------------


@pytest.fixture
def applied() -> tuple[Client, str, str]:
    client = Client()
    assert apply(client, "professionnel", doctor_post()).status_code == 302
    return (client, *received(client))


def test_a_wrong_key_or_an_unknown_reference_is_refused_alike(applied):
    client, reference, key = applied
    assert Client().get("/inpe/suivi/").status_code == 200
    for ref, k in (
        (reference, key[:-1] + ("A" if key[-1] != "A" else "B")),
        ("INPE-2026-999999", key),
        (reference, ""),
    ):
        response = follow(Client(), ref, k)
        html = response.content.decode()
        assert response.status_code == (404 if k else 200)
        assert 'id="follow-status"' not in html
        if k:
            assert "Référence ou clé de suivi incorrecte" in html
    assert follow(Client(), reference.lower(), key).status_code == 200


def test_follow_ups_over_the_limit_from_one_address_get_429(applied, monkeypatch):
    """The page counts with the API: neither is a way around the other's limit."""
    client, reference, key = applied
    monkeypatch.setattr(views_portal, "FOLLOW_LIMIT", (3, 3600))
    assert follow(client, reference, key).status_code == 200
    api = client.post("/api/v1/inpe/applications/follow", {"reference": reference, "key": key},
                      content_type="application/json")  # fmt: skip
    assert api.status_code == 200
    assert follow(client, reference, "wrong key").status_code == 404
    response = follow(client, reference, key)
    assert response.status_code == 429
    assert 'id="follow-status"' not in response.content.decode()
    assert follow(Client(REMOTE_ADDR="192.0.2.8"), reference, key).status_code == 200


def test_the_applicant_sends_the_missing_pieces(applied, ilyas):
    client, reference, key = applied
    application = Application.objects.get(reference=reference)
    application_check(
        actor=ilyas, application_id=application.pk, missing_pieces=["attestation de l'Ordre"]
    )
    html = follow(client, reference, key).content.decode()
    assert 'id="follow-missing"' in html
    assert "attestation de l&#x27;Ordre" in html
    bad = follow(
        client,
        reference,
        key,
        action="documents",
        piece="attestation de l'Ordre",
        files=[upload("ordre.pdf", b"PK\x03\x04zip")],
    )
    assert "Format refusé" in bad.content.decode()
    assert application.documents.count() == 3
    response = follow(
        client,
        reference,
        key,
        action="documents",
        piece="attestation de l'Ordre",
        files=[upload("ordre.pdf", PDF)],
    )
    assert response.status_code == 200
    assert "Pièces reçues" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.RECEIVED
    assert application.documents.filter(piece="attestation de l'Ordre").count() == 1


def test_the_attestation_is_downloaded_with_the_key_once_granted(applied, ilyas):
    client, reference, key = applied
    application = Application.objects.get(reference=reference)
    before = follow(client, reference, key, action="attestation")
    assert before["Content-Type"].startswith("text/html")  # no code yet: the page
    application_check(actor=ilyas, application_id=application.pk, missing_pieces=[])
    application = application_grant(actor=ilyas, application_id=application.pk)
    page = follow(client, reference, key).content.decode()
    assert f'id="follow-inpe">{application.provider.inpe}<' in page
    assert 'id="follow-documents"' not in page  # a decided file takes no more pieces
    response = follow(Client(), reference, key, action="attestation")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert application.provider.inpe in response["Content-Disposition"]
    assert follow(Client(), reference, "wrong", action="attestation").status_code == 404


# --- The officer's desk -------------------------------------------------------------------------


def intake_post(received_at: str, n: int = 5, **extra: object) -> dict[str, object]:
    data = doctor_post(n, channel="post", received_at=received_at, email=None, **extra)
    return data


def test_the_officer_records_a_posted_file_with_its_receipt_date(ilyas):
    officer = login(ilyas.username)
    assert officer.get("/inpe/bureau/saisie/professionnel/").status_code == 200
    future = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = officer.post("/inpe/bureau/saisie/professionnel/", intake_post(future))
    assert response.status_code == 200
    assert "futur" in response.content.decode()
    assert not Application.objects.exists()
    response = officer.post("/inpe/bureau/saisie/professionnel/", intake_post("2026-01-01T00:30"))
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/inpe/bureau/demandes/{application.pk}/"
    local = timezone.localtime(application.received_at)
    assert (local.date(), local.hour, local.minute) == (dt.date(2026, 1, 1), 0, 30)
    assert application.channel == "post"
    assert application.reference == f"INPE-2026-{application.pk:06d}"
    assert application.documents.count() == 3
    html = officer.get(response["Location"]).content.decode()
    assert application.reference in html
    assert 'data-status="received"' in html


def test_the_reference_carries_the_year_of_receipt_in_morocco(ilyas):
    new_year = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)  # 00:30 on 1 January 2026
    application = application_receive(
        actor=ilyas, kind="professional", channel="email", data=doctor_form(7), received_at=new_year
    )
    assert application.reference == f"INPE-2026-{application.pk:06d}"


def test_the_desk_lists_the_queue_and_flags_overdue_files(ilyas):
    client = Client()
    for n in (1, 2, 3):
        apply(client, "professionnel", doctor_post(n))
    late, fresh, unchecked = Application.objects.order_by("pk")
    for application in (late, fresh):
        application_check(actor=ilyas, application_id=application.pk, missing_pieces=[])
    Application.objects.filter(pk=late.pk).update(
        deadline_at=timezone.now() - dt.timedelta(hours=3)
    )
    html = login(ilyas.username).get("/inpe/bureau/").content.decode()
    queue = html.split('id="queue"')[1].split("</table>")[0]
    rows = re.findall(r'data-overdue="(\w+)"><td><a href="[^"]+">([^<]+)<', queue)
    assert rows == [("true", late.reference), ("false", fresh.reference)]
    to_check = html.split('id="to-check"')[1].split("</table>")[0]
    assert unchecked.reference in to_check
    assert late.reference not in to_check


def test_check_then_grant_through_the_desk(ilyas):
    apply(Client(), "professionnel", doctor_post())
    application = Application.objects.get()
    officer = login(ilyas.username)
    url = f"/inpe/bureau/demandes/{application.pk}/"
    response = officer.post(
        url, {"action": "check", "missing": ["attestation de l'Ordre"], "other": "photo d'identité"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "incomplete"
    assert application.missing_pieces == ["attestation de l'Ordre", "photo d'identité"]
    officer.post(
        url,
        {
            "action": "documents",
            "piece": "attestation de l'Ordre",
            "files": [upload("ordre-scan.pdf", PDF)],
        },
    )
    application.refresh_from_db()
    assert application.status == "received"
    officer.post(url, {"action": "check"})
    application.refresh_from_db()
    assert application.status == "complete"
    response = officer.post(url, {"action": "grant"}, follow=True)
    application.refresh_from_db()
    assert application.status == "granted"
    html = response.content.decode()
    assert f'id="application-inpe" href="/inpe/{application.provider.inpe}/"' in html
    assert 'data-status="granted"' in html


def test_an_online_duplicate_is_refused_without_naming_the_code(register):
    existing = register(cnie="BJ000001")
    response = apply(Client(), "professionnel", doctor_post())
    html = response.content.decode()
    assert "existe déjà" in html
    assert existing.inpe not in html
    assert not Application.objects.exists()


def test_a_grant_refused_as_duplicate_shows_the_reason(ilyas, register):
    apply(Client(), "professionnel", doctor_post())
    application = Application.objects.get()
    application_check(actor=ilyas, application_id=application.pk, missing_pieces=[])
    existing = register(cnie="BJ000001")  # registered meanwhile (an import, another desk)
    response = login(ilyas.username).post(
        f"/inpe/bureau/demandes/{application.pk}/", {"action": "grant"}, follow=True
    )
    html = response.content.decode()
    assert 'data-status="refused"' in html
    assert existing.inpe in html


def test_desk_pages_are_the_inpe_officers(persona, ilyas):
    apply(Client(), "professionnel", doctor_post())
    application = Application.objects.get()
    urls = [
        "/inpe/bureau/",
        "/inpe/bureau/saisie/professionnel/",
        f"/inpe/bureau/demandes/{application.pk}/",
    ]
    for url in urls:
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    for username in ("dr_amine", "karim", "leila"):
        persona(username)
        client = login(username)
        for url in urls:
            assert client.get(url).status_code == 403, (username, url)
        assert client.post(urls[2], {"action": "check"}).status_code == 403
    application.refresh_from_db()
    assert application.status == "received"
    assert login(ilyas.username).get("/inpe/bureau/saisie/pharmacien/").status_code == 404


# --- The provider's file ------------------------------------------------------------------------


@pytest.fixture
def amine(persona):
    return persona("dr_amine")


@pytest.fixture
def practice(register, amine):
    next_code_is_amines()
    provider = register(name="Dr Amine Bennani")
    assert provider.inpe == AMINE_INPE
    return provider


def neighbour(register) -> object:
    """Another doctor with an account of his own."""
    provider = register(name="Dr Voisin")
    user_create(
        actor=None, username="dr_voisin", password=PASSWORD, role=Role.PROVIDER, inpe=provider.inpe
    )
    return provider


def test_the_public_sees_the_facts_not_the_history(practice, ilyas):
    change_declare(
        actor=ilyas,
        inpe=practice.inpe,
        kind="contact",
        effective_on=TODAY(),
        values={"phone": "0522998877"},
    )
    response = Client().get(f"/inpe/{AMINE_INPE}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dr Amine Bennani" in html
    assert 'id="file-status" data-status="active"' in html
    assert 'id="file-history"' not in html
    assert 'id="change-form"' not in html
    assert "0522998877" not in html
    assert "attestation.pdf" not in html
    assert Client().get("/inpe/123456789/").status_code == 404
    posted = Client().post(f"/inpe/{AMINE_INPE}/", {"kind": "contact", "phone": "1"})
    assert posted.status_code == 403


def test_the_holder_declares_a_change_from_the_file_and_the_officer_records_it(
    practice, amine, ilyas
):
    holder = login("dr_amine")
    html = holder.get(f"/inpe/{AMINE_INPE}/").content.decode()
    assert 'id="file-history"' in html
    assert 'id="change-form"' in html
    assert f"/api/v1/inpe/{AMINE_INPE}/attestation.pdf" in html
    assert 'value="removal"' not in html  # a removal is the officer's
    response = holder.post(
        f"/inpe/{AMINE_INPE}/",
        {
            "kind": "transfer",
            "effective_on": TODAY().isoformat(),
            "commune_code": "141.001",
            "address_line": "12 bd Anfa",
            "phone": "0600000000",  # not part of a transfer
            "document": upload("autorisation.pdf", PDF),
            "note": "Nouveau cabinet",
        },
    )
    assert response.status_code == 302
    change = ProviderChange.objects.get()
    assert change.status == ProviderChange.Status.DECLARED
    assert change.new_values == {"commune_code": "141.001", "address_line": "12 bd Anfa"}
    assert change.documents.get().original_name == "autorisation.pdf"

    officer = login(ilyas.username)
    html = officer.get(f"/inpe/{AMINE_INPE}/").content.decode()
    assert f'action="/inpe/bureau/modifications/{change.pk}/"' in html
    assert 'value="removal"' in html
    desk = officer.get("/inpe/bureau/").content.decode()
    assert AMINE_INPE in desk.split('id="pending-changes"')[1]
    rejected = officer.post(
        f"/inpe/bureau/modifications/{change.pk}/", {"decision": "reject"}, follow=True
    )
    assert "motif" in rejected.content.decode()
    change.refresh_from_db()
    assert change.status == ProviderChange.Status.DECLARED
    response = officer.post(
        f"/inpe/bureau/modifications/{change.pk}/", {"decision": "accept", "next": "desk"}
    )
    assert response["Location"] == "/inpe/bureau/"
    change.refresh_from_db()
    practice.refresh_from_db()
    assert change.status == ProviderChange.Status.APPLIED
    assert (practice.commune.code, practice.address_line) == ("141.001", "12 bd Anfa")
    history = holder.get(f"/inpe/{AMINE_INPE}/").content.decode()
    assert 'data-status="applied"' in history
    assert "commune_code : 001.001" in history  # the previous value is shown


def test_a_refused_change_form_shows_why_and_writes_nothing(practice, amine):
    holder = login("dr_amine")
    response = holder.post(
        f"/inpe/{AMINE_INPE}/",
        {
            "kind": "transfer",
            "effective_on": TODAY().isoformat(),
            "commune_code": "141.001",
        },
    )
    assert response.status_code == 200
    assert "pièce justificative" in response.content.decode()
    response = holder.post(
        f"/inpe/{AMINE_INPE}/", {"kind": "removal", "effective_on": TODAY().isoformat()}
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not ProviderChange.objects.exists()


def test_another_provider_may_not_change_or_read_the_history(practice, register, persona):
    neighbour(register)
    persona("karim")
    for username in ("dr_voisin", "karim"):
        client = login(username)
        html = client.get(f"/inpe/{AMINE_INPE}/").content.decode()
        assert 'id="file-history"' not in html
        response = client.post(
            f"/inpe/{AMINE_INPE}/",
            {
                "kind": "contact",
                "effective_on": TODAY().isoformat(),
                "phone": "0600000000",
            },
        )
        assert response.status_code == 403
        assert (
            client.post("/inpe/bureau/modifications/1/", {"decision": "accept"}).status_code == 403
        )
    assert not ProviderChange.objects.exists()


def test_change_documents_are_for_the_officer_and_the_holder(practice, register, persona, amine):
    neighbour(register)
    change = change_declare(
        actor=amine,
        inpe=AMINE_INPE,
        kind="transfer",
        effective_on=TODAY(),
        values={"address_line": "3 rue C"},
        documents=[("autorisation", upload("scan.png", png_bytes()))],
    )
    document = change.documents.get()
    url = f"/inpe/documents/{document.pk}/"
    for username in ("ilyas", "dr_amine"):
        persona(username)
        response = login(username).get(url)
        assert response.status_code == 200, username
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "no-store"
        assert b"".join(response.streaming_content) == document.file.open("rb").read()
    for username in ("dr_voisin", "karim", "leila"):
        persona(username)
        assert login(username).get(url).status_code == 403, username
    assert Client().get(url)["Location"].startswith("/accounts/login/")


def test_application_documents_are_the_officers_until_granted(practice, persona, ilyas):
    client = Client()
    apply(client, "professionnel", doctor_post())
    document = Application.objects.get().documents.first()
    url = f"/inpe/documents/{document.pk}/"
    assert login("ilyas").get(url).status_code == 200
    persona("dr_amine")
    assert login("dr_amine").get(url).status_code == 403


# --- Home cards ---------------------------------------------------------------------------------


def test_home_cards_for_the_officer_and_the_holder(practice, amine, ilyas):
    apply(Client(), "professionnel", doctor_post(1))
    apply(Client(), "professionnel", doctor_post(2))
    complete = Application.objects.order_by("pk").first()
    application_check(actor=ilyas, application_id=complete.pk, missing_pieces=[])
    change_declare(
        actor=amine,
        inpe=AMINE_INPE,
        kind="contact",
        effective_on=TODAY(),
        values={"phone": "0522000000"},
    )
    html = login("ilyas").get("/").content.decode()

    def card(title: str) -> str:
        found = re.search(re.escape(title) + r'</h2>\s*<p class="display-6">([^<]+)</p>', html)
        assert found, title
        return found.group(1).strip()

    assert card("Dossiers INPE complets à attribuer") == "1"
    assert card("Dossiers INPE en retard (48 heures)") == "0"
    assert card("Dossiers INPE à vérifier") == "1"
    assert card("Modifications déclarées à valider") == "1"
    assert "/inpe/bureau/" in html
    html = login("dr_amine").get("/").content.decode()
    assert card("Mon dossier INPE") == AMINE_INPE
    assert f'href="/inpe/{AMINE_INPE}/"' in html
    assert "Dossiers INPE à vérifier" not in html


def test_a_provider_file_address_that_is_not_a_code_is_not_found(practice):
    client = Client()
    assert client.get(f"/inpe/{practice.inpe}/").status_code == 200
    assert client.get(f"/inpe/{practice.inpe}xyz/").status_code == 404
    assert client.get("/inpe/%00/").status_code == 404  # PostgreSQL refuses a NUL


def test_the_officer_refuses_a_file_with_its_reason_and_the_holder_may_apply_again(ilyas):
    apply(Client(), "professionnel", doctor_post())
    application = Application.objects.get()
    officer = login(ilyas.username)
    url = f"/inpe/bureau/demandes/{application.pk}/"
    empty = officer.post(url, {"action": "refuse", "reason": "  "}, follow=True)
    assert "motif du refus" in empty.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.RECEIVED
    officer.post(url, {"action": "refuse", "reason": "Pas un professionnel de santé"})
    application.refresh_from_db()
    assert application.status == Application.Status.REFUSED
    assert application.decision_note == "Pas un professionnel de santé"
    assert application.notifications.filter(subject__contains="refusée").exists()
    again = apply(Client(), "professionnel", doctor_post())  # no longer blocks the holder
    assert again.status_code == 302
    assert Application.objects.count() == 2
