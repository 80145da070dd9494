import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from snigi.core.audit import LogEntry
from snigi.core.inpe import inpe_from_serial, is_valid_inpe
from snigi.providers.models import Provider
from snigi.providers.selectors import inpe_verify, provider_convention_status, provider_search
from snigi.providers.services import (
    DuplicateProvider,
    ProviderInput,
    convention_declare,
    convention_suspend,
    provider_register,
)

pytestmark = pytest.mark.django_db
D = dt.date
UNKNOWN = inpe_from_serial(99_999_999)  # well-formed, never allocated in these tests


def test_registration_allocates_distinct_valid_codes_and_is_audited(register, ilyas):
    first, second = register(), register()
    assert first.inpe != second.inpe
    assert is_valid_inpe(first.inpe)
    assert is_valid_inpe(second.inpe)
    entry = LogEntry.objects.get_for_object(first).get(action=LogEntry.Action.CREATE)
    assert entry.actor == ilyas


def test_only_the_inpe_officer_registers(persona):
    data = ProviderInput(
        kind="professional", category_code="BIOLOGISTE", sector="private", name="X",
        commune_code="141.001", cnie="AB1234",
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        provider_register(actor=persona("karim"), data=data)
    assert not Provider.objects.exists()


def test_duplicate_applications_are_refused_with_the_existing_code(register):
    doctor = register(cnie="BE777777", order_number="ORD-777")
    with pytest.raises(DuplicateProvider) as excinfo:
        register(cnie="be 777777", order_number="ORD-other")
    assert excinfo.value.existing_inpe == doctor.inpe
    assert doctor.inpe in excinfo.value.messages[0]
    with pytest.raises(DuplicateProvider):
        register(cnie="BE888888", order_number="ORD-777")
    director = register()
    clinic = register(
        "establishment", authorisation_number="AUT-1", medical_director_inpe=director.inpe
    )
    with pytest.raises(DuplicateProvider, match=clinic.inpe):
        register("establishment", authorisation_number="AUT-1", medical_director_inpe=director.inpe)
    assert Provider.objects.count() == 3


def test_a_private_establishment_needs_a_director_with_a_code(register):
    with pytest.raises(ValidationError, match="directeur médical"):
        register("establishment", medical_director_inpe="")
    with pytest.raises(ValidationError, match="directeur médical"):
        register("establishment", medical_director_inpe=UNKNOWN)
    director = register()
    clinic = register("establishment", medical_director_inpe=director.inpe)
    assert clinic.medical_director == director
    public = register("establishment", sector="public", category_code="CHP")
    assert public.medical_director is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"category_code": "CLINIQUE"}, "Catégorie"),
        ({"commune_code": "999.999"}, "Commune"),
        ({"cnie": "123"}, "CNIE"),
        ({"name": "  "}, "nom"),
    ],
)
def test_bad_registrations_write_nothing(register, overrides, message):
    with pytest.raises(ValidationError, match=message):
        register(**overrides)
    assert not Provider.objects.exists()


def test_convention_status_on_a_date(register, persona):
    ilyas = persona("ilyas")
    doctor = register()
    assert provider_convention_status(doctor.inpe, on=D(2025, 1, 1)).status == "undeclared"
    convention_declare(actor=ilyas, inpe=doctor.inpe, adherent=True, valid_from=D(2024, 1, 1),
                       document="affichage de l'adhésion n° 12")  # fmt: skip
    convention_suspend(actor=persona("rachida"), inpe=doctor.inpe, start=D(2025, 3, 1),
                       end=D(2025, 8, 31), decision="CSP 2025/14")  # fmt: skip
    assert provider_convention_status(doctor.inpe, on=D(2025, 2, 28)).under_convention
    suspended = provider_convention_status(doctor.inpe, on=D(2025, 3, 1))
    assert suspended.status == "suspended"
    assert suspended.until == D(2025, 8, 31)
    assert provider_convention_status(doctor.inpe, on=D(2025, 9, 1)).under_convention  # reinstated
    convention_declare(actor=ilyas, inpe=doctor.inpe, adherent=False, valid_from=D(2026, 1, 1),
                       document="déclaration de non adhésion")  # fmt: skip
    assert provider_convention_status(doctor.inpe, on=D(2026, 6, 1)).status == "non_adherent"
    assert provider_convention_status(doctor.inpe, on=D(2025, 12, 31)).under_convention


def test_suspension_rules(register, persona):
    doctor = register()
    rachida = persona("rachida")
    with pytest.raises(ValidationError, match="un an"):
        convention_suspend(actor=rachida, inpe=doctor.inpe, start=D(2025, 1, 1),
                           end=D(2026, 1, 2), decision="CSP")  # fmt: skip
    with pytest.raises(ValidationError, match="précède"):
        convention_suspend(actor=rachida, inpe=doctor.inpe, start=D(2025, 2, 1),
                           end=D(2025, 1, 1), decision="CSP")  # fmt: skip
    with pytest.raises(PermissionDenied):
        convention_suspend(actor=persona("ilyas"), inpe=doctor.inpe, start=D(2025, 1, 1),
                           end=D(2025, 2, 1), decision="CSP")  # fmt: skip
    assert not doctor.conventions.exists()


def test_verification_and_directory(register):
    doctor = register(name="Dr Amina Tazi", specialty="Cardiologie")
    result = inpe_verify(f" {doctor.inpe[:4]} {doctor.inpe[4:]} ")
    assert result.provider == doctor
    assert result.active
    with pytest.raises(Provider.DoesNotExist):
        inpe_verify(UNKNOWN)
    assert list(provider_search(q="amina")) == [doctor]
    assert list(provider_search(q=doctor.inpe[:6])) == [doctor]
    assert not provider_search(q="amina", sector="public").exists()


def test_only_clinics_and_similar_need_a_medical_director(register):
    pharmacy = register("establishment", category_code="OFFICINE", sector="private")
    assert pharmacy.medical_director is None
    with pytest.raises(ValidationError, match="directeur médical"):
        register("establishment", category_code="CLINIQUE", sector="private")
    with pytest.raises(ValidationError, match="pas de code INPE actif"):
        register("establishment", category_code="LABORATOIRE", medical_director_inpe="100000006")
    doctor = register()
    lab = register("establishment", category_code="LABORATOIRE", medical_director_inpe=doctor.inpe)
    assert lab.medical_director == doctor
