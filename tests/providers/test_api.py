import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from django.test import Client
from PIL import Image

from snigi.core.inpe import inpe_from_serial
from snigi.providers.services import convention_declare

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_verification_of_a_registered_code(register, persona):
    doctor = register(name="Dr Salma Idrissi")
    convention_declare(actor=persona("ilyas"), inpe=doctor.inpe, adherent=True,
                       valid_from=dt.date(2024, 1, 1), document="adhésion")  # fmt: skip
    body = Client().get(f"{API}/inpe/{doctor.inpe}").json()
    assert body["valid"] is True
    assert body["active"] is True
    assert body["provider"]["name"] == "Dr Salma Idrissi"
    assert body["convention"]["status"] == "adherent"
    assert body["convention"]["under_convention"] is True
    before = Client().get(f"{API}/inpe/{doctor.inpe}", {"date": "2023-06-01"}).json()
    assert before["convention"]["status"] == "undeclared"


@pytest.mark.parametrize(
    ("code", "reason"), [("12345678", "9 chiffres"), ("100000012", "clé"), ("abc", "chiffres")]
)
def test_malformed_code_is_422_with_the_reason(code, reason):
    response = Client().get(f"{API}/inpe/{code}")
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_unknown_code_is_404():
    assert Client().get(f"{API}/inpe/{inpe_from_serial(99_999_999)}").status_code == 404


def test_directory_filters_and_pages(register):
    for i in range(25):
        register(name=f"Dr Test {i:02d}")
    register(name="Laboratoire Atlas", kind="establishment", category_code="LABORATOIRE",
             medical_director_inpe=register(name="Dr Bio").inpe)  # fmt: skip
    client = Client()
    page = client.get(f"{API}/providers", {"q": "Dr Test", "page_size": 10, "page": 3}).json()
    assert page["count"] == 25
    assert page["pages"] == 3
    assert len(page["results"]) == 5
    labs = client.get(f"{API}/providers", {"category": "LABORATOIRE"}).json()
    assert [r["name"] for r in labs["results"]] == ["Laboratoire Atlas"]
    assert client.get(f"{API}/providers", {"sector": "public"}).json()["count"] == 0
    assert client.get(f"{API}/providers", {"sector": "other"}).status_code == 422
    assert client.get(f"{API}/providers", {"page_size": 1000}).status_code == 422


def test_barcode_png_decodes_back_to_the_code():
    code = inpe_from_serial(12_345_678)
    response = Client().get(f"{API}/inpe/{code}/barcode.png")
    assert response["Content-Type"] == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [(r.text, r.format.name) for r in results] == [(code, "Code128")]


def test_barcode_svg_is_an_svg_document():
    code = inpe_from_serial(23_456_789)
    response = Client().get(f"{API}/inpe/{code}/barcode.svg")
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    assert root.tag.endswith("svg")
    assert code in response.content.decode()


def test_no_barcode_for_a_malformed_code():
    assert Client().get(f"{API}/inpe/100000012/barcode.png").status_code == 422
