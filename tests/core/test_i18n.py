from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

from snigi.core.catalogues import compile_catalogues

CATALOGUES = sorted(Path(settings.PACKAGE_DIR).glob("locale/*/LC_MESSAGES/django.po"))


def test_arabic_and_english_catalogues_exist():
    assert {p.parts[-3] for p in CATALOGUES} >= {"ar", "en"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_is_complete(path):
    po = polib.pofile(str(path))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_catalogues_compile_without_gettext(tmp_path):
    target = tmp_path / "locale" / "ar" / "LC_MESSAGES"
    target.mkdir(parents=True)
    source = next(p for p in CATALOGUES if p.parts[-3] == "ar")
    (target / "django.po").write_bytes(source.read_bytes())
    compiled = compile_catalogues(tmp_path)
    assert compiled == [target / "django.mo"]
    assert polib.mofile(str(compiled[0])).find("Référentiels").msgstr
    assert compile_catalogues(tmp_path) == []  # up to date: nothing to do


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "direction", "expected"),
    [
        ("fr", "ltr", "Référentiels"),
        ("ar", "rtl", "البيانات المرجعية"),
        ("en", "ltr", "Reference data"),
    ],
)
def test_pages_follow_the_chosen_language(language, direction, expected):
    client = Client()
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    html = client.get("/reference/").content.decode()
    assert f'lang="{language}" dir="{direction}"' in html
    assert expected in html
    assert ("bootstrap.rtl.min.css" in html) is (direction == "rtl")
