"""The API of the INPE workflow: online application with its follow-up key, following it,
attaching pieces, declaring and deciding changes."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from snigi.core.models import Commune
from snigi.core.roles import Role
from snigi.core.services import user_create
from snigi.providers import views_portal
from snigi.providers.models import Application, ProviderChange
from tests.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _form(**extra: str) -> dict[str, object]:
    commune = Commune.objects.order_by("code").first()
    data = {
        "category_code": "MEDECIN_GENERALISTE",
        "sector": "private",
        "name": "Alami Sara",
        "cnie": "BK123456",
        "commune_code": commune.code,
        "email": "sara@example.ma",
    }
    data.update(extra)
    return {"kind": "professional", "data": data}


def test_online_application_gives_a_key_once_and_the_key_follows_it(client):
    response = client.post("/api/v1/inpe/applications", _form(), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("INPE-")
    assert len(body["follow_key"]) >= 20
    stored = Application.objects.get(pk=body["id"])
    assert body["follow_key"] not in stored.follow_key_hash  # never kept in clear
    follow = client.post(
        "/api/v1/inpe/applications/follow",
        {"reference": body["reference"], "key": body["follow_key"]},
        content_type="application/json",
    )
    assert follow.status_code == 200
    assert follow.json()["status"] == "received"
    assert "follow_key" not in follow.json()
    wrong = client.post(
        "/api/v1/inpe/applications/follow",
        {"reference": body["reference"], "key": "not-the-key"},
        content_type="application/json",
    )
    assert wrong.status_code == 404


def test_online_applications_are_rate_limited_per_address(client, monkeypatch):
    monkeypatch.setattr(views_portal, "APPLY_LIMIT", (2, 3600))
    codes = [
        client.post(
            "/api/v1/inpe/applications", _form(cnie=f"BK{n}0001"), content_type="application/json"
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]
    assert Application.objects.count() == 2


def test_officer_attaches_pieces_by_content(client, ilyas):
    created = client.post("/api/v1/inpe/applications", _form(), content_type="application/json")
    officer = login(ilyas.username)
    url = f"/api/v1/inpe/applications/{created.json()['id']}/documents"
    ok = officer.post(
        url, {"piece": "copie de la CNIE", "files": [SimpleUploadedFile("cnie.pdf", PDF)]}
    )
    assert ok.status_code == 200, ok.content
    bad = officer.post(url, {"piece": "x", "files": [SimpleUploadedFile("x.pdf", b"MZ\x90\x00")]})
    assert bad.status_code == 422
    assert "PDF, JPEG et PNG" in str(bad.json())
    application = Application.objects.get(pk=created.json()["id"])
    assert application.documents.count() == 1
    anonymous = client.post(url, {"piece": "x", "files": [SimpleUploadedFile("c.pdf", PDF)]})
    assert anonymous.status_code == 401


@pytest.fixture
def doctor(register):
    return register()


@pytest.fixture
def holder_account(doctor):
    return user_create(
        actor=None, username="dr_hamid", password=PASSWORD, role=Role.PROVIDER, inpe=doctor.inpe
    )


def test_holder_declares_a_change_the_officer_records_it(doctor, holder_account, ilyas):
    holder = login(holder_account.username)
    other = Commune.objects.exclude(providers__inpe=doctor.inpe).order_by("code").first()
    url = f"/api/v1/inpe/{doctor.inpe}/changes"
    missing_doc = holder.post(
        url,
        {
            "kind": "transfer",
            "effective_on": "2026-01-05",
            "values": json.dumps({"commune_code": other.code}),
        },
    )
    assert missing_doc.status_code == 422
    assert "pièce justificative" in str(missing_doc.json())
    bad_json = holder.post(
        url,
        {
            "kind": "transfer",
            "effective_on": "2026-01-05",
            "values": "{nope",
            "documents": [SimpleUploadedFile("a.pdf", PDF)],
        },
    )
    assert bad_json.status_code == 422
    declared = holder.post(
        url,
        {
            "kind": "transfer",
            "effective_on": "2026-01-05",
            "values": json.dumps({"commune_code": other.code}),
            "documents": [SimpleUploadedFile("a.pdf", PDF)],
        },
    )
    assert declared.status_code == 201, declared.content
    assert declared.json()["status"] == "declared"
    assert len(declared.json()["documents"]) == 1
    officer = login(ilyas.username)
    decided = officer.post(
        f"/api/v1/inpe/changes/{declared.json()['id']}/decision",
        {"accept": True},
        content_type="application/json",
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == "applied"
    assert decided.json()["previous_values"]["commune_code"] != other.code
    history = holder.get(url)
    assert [c["status"] for c in history.json()] == ["applied"]
    assert ProviderChange.objects.get().provider.commune == other


def test_change_history_is_private(client, persona, doctor):
    url = f"/api/v1/inpe/{doctor.inpe}/changes"
    assert client.get(url).status_code == 401
    for username in ("karim", "dr_amine", "leila"):
        assert login(persona(username).username).get(url).status_code == 403
