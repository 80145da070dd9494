import datetime as dt

import pytest
from django.test import Client

from snigi.core.inpe import inpe_from_serial
from snigi.providers.services import convention_suspend

pytestmark = pytest.mark.django_db


def test_public_directory_searches_and_filters(register):
    register(name="Dr Nadia Berrada", specialty="Pédiatrie", category_code="MEDECIN_SPECIALISTE")
    register(name="Dr Omar Alami")
    client = Client()
    html = client.get("/inpe/", {"q": "berrada"}).content.decode()
    assert "Dr Nadia Berrada" in html
    assert "Dr Omar Alami" not in html
    html = client.get("/inpe/", {"category": "MEDECIN_GENERALISTE"}).content.decode()
    assert "Dr Omar Alami" in html
    assert "Dr Nadia Berrada" not in html
    assert client.get("/inpe/", {"q": "x\x00y", "page": "abc"}).status_code == 200


def test_verification_page_shows_the_convention_status(register, persona):
    doctor = register(name="Dr Karima Fassi")
    convention_suspend(actor=persona("rachida"), inpe=doctor.inpe,
                       start=dt.date(2026, 1, 1),
                       end=dt.date(2026, 3, 31), decision="CSP 1")  # fmt: skip
    client = Client()
    html = client.get("/inpe/verify/", {"code": doctor.inpe, "date": "2026-02-01"}).content.decode()
    assert "Dr Karima Fassi" in html
    assert 'data-status="suspended"' in html
    assert f"/api/v1/inpe/{doctor.inpe}/barcode.svg" in html
    html = client.get("/inpe/verify/", {"code": doctor.inpe, "date": "2026-04-01"}).content.decode()
    assert 'data-status="undeclared"' in html


@pytest.mark.parametrize(
    ("code", "date", "message"),
    [
        ("12345", "", "9 chiffres attendus"),
        (inpe_from_serial(99_999_999), "", "Aucun prestataire"),
        (inpe_from_serial(10_000_000), "2026-13-01", "Date invalide"),
    ],
)
def test_verification_page_explains_every_refusal(code, date, message):
    html = Client().get("/inpe/verify/", {"code": code, "date": date}).content.decode()
    assert message in html
