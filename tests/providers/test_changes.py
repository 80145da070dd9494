"""Declared changes and status (``changes.change_declare``, ``change_decide``): the holder
declares and waits, the INPE officer records at once or decides; the history keeps the previous
values, the code never changes, a cessation takes effect on its date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from snigi.core.audit import LogEntry
from snigi.core.roles import Role
from snigi.core.services import user_create
from snigi.providers.changes import change_decide, change_declare
from snigi.providers.models import Document, Notification, Provider, ProviderChange
from snigi.providers.selectors import inpe_verify, inpe_verify_batch
from tests.conftest import PASSWORD
from tests.providers.samples import AMINE_INPE, PDF, next_code_is_amines, upload

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def amine(persona):
    """The provider persona: a general practitioner whose account carries INPE 100000011."""
    return persona("dr_amine")


@pytest.fixture
def practice(register, amine):
    """Dr Amine's own registration (the code his account carries)."""
    next_code_is_amines()
    provider = register(name="Dr Amine Bennani", email="cabinet.amine@example.ma")
    assert provider.inpe == AMINE_INPE == amine.inpe
    return provider


@pytest.fixture
def clinic(register):
    return register("establishment", sector="public", name="Clinique Anfa")


def piece() -> list[tuple[str, object]]:
    return [("attestation de l'Ordre", upload("ordre.pdf", PDF))]


def declare(actor, provider, kind, values=None, *, on=None, documents=None, note=""):
    return change_declare(
        actor=actor,
        inpe=provider.inpe,
        kind=kind,
        effective_on=on or TODAY(),
        values=values,
        documents=piece() if documents is None else documents,
        note=note,
    )


def test_holder_declares_and_waits_then_the_officer_records_it(practice, amine, ilyas):
    change = declare(amine, practice, "contact", {"phone": "0522 11 22 33"}, documents=[])
    assert change.status == ProviderChange.Status.DECLARED
    assert change.declared_by == amine
    practice.refresh_from_db()
    assert practice.phone == ""  # nothing changes before the officer's decision
    assert not Notification.objects.exists()

    change = change_decide(actor=ilyas, change_id=change.pk, accept=True, note="vu")
    assert change.status == ProviderChange.Status.APPLIED
    assert change.decided_by == ilyas
    assert change.decided_at is not None
    assert change.note == "vu"
    assert change.previous_values == {"phone": ""}
    practice.refresh_from_db()
    assert practice.phone == "0522 11 22 33"
    assert practice.inpe == AMINE_INPE


def test_officer_records_a_change_at_once_with_its_document(practice, ilyas):
    change = declare(
        ilyas,
        practice,
        "qualification",
        {"category_code": "MEDECIN_SPECIALISTE", "specialty": "Cardiologie"},
    )
    assert change.status == ProviderChange.Status.APPLIED
    assert change.decided_by == ilyas
    assert change.previous_values == {"category_code": "MEDECIN_GENERALISTE", "specialty": ""}
    practice.refresh_from_db()
    assert practice.category.code == "MEDECIN_SPECIALISTE"
    assert practice.specialty == "Cardiologie"
    [document] = change.documents.all()
    assert document.piece == "attestation de l'Ordre"
    assert document.uploaded_by == ilyas


def test_the_history_keeps_every_previous_value_and_the_code_never_changes(
    practice, clinic, ilyas, amine
):
    before = Provider.objects.count()
    assert practice.commune.code == "001.001"
    declare(
        ilyas,
        practice,
        "transfer",
        {"commune_code": "141.001", "address_line": "1 rue A"},
        on=dt.date(2026, 1, 1),
    )
    declare(
        ilyas,
        practice,
        "transfer",
        {"commune_code": "131.001", "address_line": "2 rue B"},
        on=dt.date(2026, 2, 1),
    )
    declare(ilyas, clinic, "name", {"name": "Clinique Anfa Santé", "name_ar": "مصحة أنفا"})
    history = list(practice.changes.all())  # latest effective date first
    assert [c.new_values["commune_code"] for c in history] == ["131.001", "141.001"]
    assert history[1].previous_values == {"commune_code": "001.001", "address_line": ""}
    assert history[0].previous_values == {"commune_code": "141.001", "address_line": "1 rue A"}
    assert clinic.changes.get().previous_values == {"name": "Clinique Anfa", "name_ar": ""}
    practice.refresh_from_db()
    clinic.refresh_from_db()
    assert (practice.inpe, practice.commune.code) == (AMINE_INPE, "131.001")
    assert clinic.name == "Clinique Anfa Santé"
    assert Provider.objects.count() == before
    assert inpe_verify(AMINE_INPE).provider.pk == practice.pk


def test_rejection_needs_a_reason_and_changes_nothing(practice, amine, ilyas):
    change = declare(amine, practice, "transfer", {"commune_code": "141.001"})
    with pytest.raises(ValidationError, match="motif"):
        change_decide(actor=ilyas, change_id=change.pk, accept=False, note="  ")
    change.refresh_from_db()
    assert change.status == ProviderChange.Status.DECLARED
    change = change_decide(
        actor=ilyas, change_id=change.pk, accept=False, note="Autorisation illisible"
    )
    assert change.status == ProviderChange.Status.REJECTED
    assert change.note == "Autorisation illisible"
    practice.refresh_from_db()
    assert practice.commune.code == "001.001"
    with pytest.raises(ValidationError, match="déjà"):
        change_decide(actor=ilyas, change_id=change.pk, accept=True)


def test_the_holder_is_notified_of_each_decision(practice, amine, ilyas):
    recorded = declare(amine, practice, "contact", {"email": "nouveau@example.ma"}, documents=[])
    change_decide(actor=ilyas, change_id=recorded.pk, accept=True)
    rejected = declare(amine, practice, "transfer", {"commune_code": "001.001"})
    change_decide(actor=ilyas, change_id=rejected.pk, accept=False, note="Pièce manquante")
    notes = Notification.objects.filter(provider=practice).order_by("pk")
    # The account of the holder, then the provider's address (the new one once recorded).
    assert [(n.recipient_user, n.recipient_email) for n in notes] == [
        (amine, ""),
        (None, "nouveau@example.ma"),
        (amine, ""),
        (None, "nouveau@example.ma"),
    ]
    assert all(AMINE_INPE in n.subject for n in notes)
    assert "enregistrée" in notes[0].subject
    assert "rejetée" in notes[2].subject
    assert "Pièce manquante" in notes[2].body


def test_a_declared_change_is_checked_again_when_recorded(clinic, register, ilyas):
    director = register(name="Dr Directeur")
    change = declare(ilyas, clinic, "legal_status", {"legal_status": "SARL"})
    assert change.status == ProviderChange.Status.APPLIED
    clinic_account = user_create(
        actor=None,
        username="clinique.anfa",
        password=PASSWORD,
        role=Role.PROVIDER,
        inpe=clinic.inpe,
    )
    pending = declare(
        clinic_account, clinic, "medical_director", {"medical_director_inpe": director.inpe}
    )
    assert pending.status == ProviderChange.Status.DECLARED
    declare(ilyas, director, "cessation", on=TODAY() - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="directeur médical"):
        change_decide(actor=ilyas, change_id=pending.pk, accept=True)
    pending.refresh_from_db()
    assert pending.status == ProviderChange.Status.DECLARED


def test_a_change_of_a_provider_no_longer_active_is_not_recorded(practice, amine, ilyas):
    pending = declare(amine, practice, "contact", {"phone": "0600000000"}, documents=[])
    declare(ilyas, practice, "removal", on=TODAY())
    with pytest.raises(ValidationError, match="plus actif"):
        change_decide(actor=ilyas, change_id=pending.pk, accept=True)
    assert (
        change_decide(actor=ilyas, change_id=pending.pk, accept=False, note="Code radié").status
        == "rejected"
    )


def test_the_new_medical_director_must_hold_an_active_professional_code(clinic, register, ilyas):
    director = register(name="Dr Nouveau Directeur")
    other_clinic = register("establishment", sector="public")
    declare(ilyas, director, "cessation", on=TODAY() - dt.timedelta(days=3))
    for code in (director.inpe, other_clinic.inpe, "123456789"):
        with pytest.raises(ValidationError, match="directeur médical"):
            declare(ilyas, clinic, "medical_director", {"medical_director_inpe": code})
    active = register(name="Dr Actif")
    declare(ilyas, clinic, "medical_director", {"medical_director_inpe": active.inpe})
    clinic.refresh_from_db()
    assert clinic.medical_director == active


@pytest.mark.parametrize(
    ("who", "kind", "values", "message"),
    [
        ("professional", "name", {"name": "X"}, "impossible"),
        ("professional", "medical_director", {"medical_director_inpe": "100000003"}, "impossible"),
        ("establishment", "death", {}, "impossible"),
        ("establishment", "qualification", {"specialty": "X"}, "impossible"),
        ("professional", "promotion", {}, "inconnu"),
        ("professional", "contact", {"salary": "1"}, "sans rapport"),
        ("professional", "qualification", {"specialty": "X", "name": "Y"}, "sans rapport"),
        ("professional", "contact", {"phone": "  "}, "au moins une"),
        ("professional", "qualification", {"category_code": "NOPE"}, "Catégorie inconnue"),
        ("professional", "qualification", {"category_code": "CLINIQUE"}, "Catégorie inconnue"),
        ("establishment", "activity", {"category_code": "BIOLOGISTE"}, "Catégorie inconnue"),
        ("professional", "transfer", {"commune_code": "999.999"}, "Commune inconnue"),
        ("establishment", "sector", {"sector": "mixed"}, "Secteur inconnu"),
        ("professional", "contact", {"email": "pas-une-adresse"}, "électronique invalide"),
        ("professional", "contact", {"phone": "0" * 21}, "trop longue"),
        ("professional", "transfer", {"address_line": "x" * 201}, "trop longue"),
        ("establishment", "name", {"name": "x" * 201}, "trop longue"),
        ("establishment", "legal_status", {"legal_status": "x" * 81}, "trop longue"),
        # PostgreSQL refuses a NUL character: a clear message, not a server error.
        ("professional", "contact", {"phone": "0522\x00"}, "Caractère nul"),
        ("professional", "qualification", {"category_code": "MEDECIN\x00"}, "Caractère nul"),
    ],
)
def test_refusals_write_nothing(practice, clinic, amine, ilyas, who, kind, values, message):
    provider = practice if who == "professional" else clinic
    with pytest.raises(ValidationError, match=message):
        declare(ilyas, provider, kind, values)
    if who == "professional":  # the holder is refused the same way
        with pytest.raises(ValidationError, match=message):
            declare(amine, provider, kind, values)
    assert not ProviderChange.objects.exists()
    assert not Document.objects.exists()


def test_a_nul_character_in_a_note_is_dropped(practice, amine, ilyas):
    change = declare(amine, practice, "contact", {"phone": "0522000000"}, documents=[],
                     note="Nouveau\x00 numéro")  # fmt: skip
    assert change.note == "Nouveau numéro"
    with pytest.raises(ValidationError, match="motif"):
        change_decide(actor=ilyas, change_id=change.pk, accept=False, note=" \x00 ")
    change_decide(actor=ilyas, change_id=change.pk, accept=False, note="Numéro\x00 illisible")
    change.refresh_from_db()
    assert change.note == "Numéro illisible"


def test_a_supporting_document_is_required_except_for_contact_details(practice, amine, ilyas):
    for actor in (amine, ilyas):
        with pytest.raises(ValidationError, match="pièce justificative"):
            declare(actor, practice, "transfer", {"commune_code": "001.001"}, documents=[])
        with pytest.raises(ValidationError, match="pièce justificative"):
            declare(actor, practice, "cessation", documents=[])
    with pytest.raises(ValidationError, match="Format refusé"):
        declare(
            amine,
            practice,
            "transfer",
            {"commune_code": "001.001"},
            documents=[("autorisation", upload("autorisation.pdf", b"MZ\x90\x00"))],
        )
    assert not ProviderChange.objects.exists()
    change = declare(amine, practice, "contact", {"phone": "0522000000"}, documents=[])
    assert change.status == ProviderChange.Status.DECLARED


def test_an_order_number_held_by_another_code_is_refused(practice, register, ilyas):
    other = register(name="Dr Autre", order_number="ORD-TAKEN")
    with pytest.raises(ValidationError, match="autre code"):
        declare(ilyas, practice, "qualification", {"order_number": "ORD-TAKEN"})
    declare(ilyas, other, "qualification", {"order_number": "ORD-TAKEN"})  # its own: fine
    declare(ilyas, practice, "qualification", {"order_number": "ORD-NEW"})
    practice.refresh_from_db()
    assert practice.order_number == "ORD-NEW"


def test_one_pending_change_of_a_kind_at_a_time(practice, amine, ilyas):
    first = declare(amine, practice, "transfer", {"commune_code": "001.001"})
    with pytest.raises(ValidationError, match="attend déjà"):
        declare(amine, practice, "transfer", {"commune_code": "131.001"})
    declare(amine, practice, "contact", {"phone": "0522000000"}, documents=[])  # another kind
    change_decide(actor=ilyas, change_id=first.pk, accept=False, note="Illisible")
    again = declare(amine, practice, "transfer", {"commune_code": "131.001"})
    assert again.status == ProviderChange.Status.DECLARED


def test_an_inactive_code_takes_no_more_changes(practice, amine, ilyas):
    declare(ilyas, practice, "cessation", on=TODAY() - dt.timedelta(days=10))
    for actor in (amine, ilyas):
        with pytest.raises(ValidationError, match="plus actif"):
            declare(actor, practice, "contact", {"phone": "0522000000"}, documents=[])
    assert practice.changes.count() == 1


def test_the_effective_date_is_at_most_a_year_ahead(practice, ilyas):
    with pytest.raises(ValidationError, match="plus d'un an"):
        declare(ilyas, practice, "cessation", on=TODAY() + dt.timedelta(days=367))
    assert not ProviderChange.objects.exists()
    change = declare(ilyas, practice, "cessation", on=TODAY() + dt.timedelta(days=365))
    assert change.status == ProviderChange.Status.APPLIED


def test_only_the_holder_and_the_inpe_officer_declare(practice, register, persona, amine):
    other = register(name="Dr Voisin")
    for username in ("karim", "leila", "omar", "nadia"):
        with pytest.raises(PermissionDenied):
            declare(persona(username), practice, "contact", {"phone": "0600000000"}, documents=[])
    with pytest.raises(PermissionDenied):  # dr_amine on somebody else's code
        declare(amine, other, "contact", {"phone": "0600000000"}, documents=[])
    with pytest.raises(PermissionDenied, match="radiation"):  # removal is the officer's
        declare(amine, practice, "removal")
    amine.is_active = False
    amine.save()
    with pytest.raises(PermissionDenied):
        declare(amine, practice, "contact", {"phone": "0600000000"}, documents=[])
    with pytest.raises(Provider.DoesNotExist):
        declare(amine, Provider(inpe="123456789"), "contact", {"phone": "1"}, documents=[])
    assert not ProviderChange.objects.exists()


def test_only_the_inpe_officer_decides(practice, amine, persona):
    change = declare(amine, practice, "contact", {"phone": "0600000000"}, documents=[])
    for actor in (amine, persona("karim"), persona("leila")):
        with pytest.raises(PermissionDenied):
            change_decide(actor=actor, change_id=change.pk, accept=True)
    change.refresh_from_db()
    assert change.status == ProviderChange.Status.DECLARED


def test_a_future_cessation_keeps_the_code_active_until_its_date(practice, register, amine, ilyas):
    other = register(name="Dr Témoin")
    end = TODAY() + dt.timedelta(days=30)
    change = declare(amine, practice, "cessation", on=end, note="Départ à la retraite")
    assert change.status == ProviderChange.Status.DECLARED
    assert inpe_verify(AMINE_INPE, on=end).active  # declared only: nothing changes yet
    change_decide(actor=ilyas, change_id=change.pk, accept=True)
    practice.refresh_from_db()
    assert (practice.status, practice.status_since) == (Provider.Status.CEASED, end)
    assert ProviderChange.objects.get(pk=change.pk).previous_values == {
        "status": "active",
        "status_since": "",
    }
    day_before = end - dt.timedelta(days=1)
    assert inpe_verify(AMINE_INPE).active
    assert inpe_verify(AMINE_INPE, on=day_before).active
    assert not inpe_verify(AMINE_INPE, on=end).active
    assert not inpe_verify(AMINE_INPE, on=end + dt.timedelta(days=400)).active
    codes = [AMINE_INPE, other.inpe]
    assert inpe_verify_batch(codes, on=day_before).active.tolist() == [True, True]
    assert inpe_verify_batch(codes, on=end).active.tolist() == [False, True]
    assert inpe_verify_batch(codes, on=end).summary()["inactive"] == 1
    assert practice.active_on(day_before)
    assert not practice.active_on(end)


@pytest.mark.parametrize(
    ("kind", "status"), [("death", "deceased"), ("removal", "removed"), ("cessation", "ceased")]
)
def test_death_removal_and_past_cessation_make_the_code_inactive(practice, ilyas, kind, status):
    since = TODAY() - dt.timedelta(days=2)
    change = declare(ilyas, practice, kind, on=since)
    assert change.status == ProviderChange.Status.APPLIED
    practice.refresh_from_db()
    assert (practice.status, practice.status_since) == (status, since)
    assert practice.inpe == AMINE_INPE
    assert not inpe_verify(AMINE_INPE).active
    assert inpe_verify(AMINE_INPE, on=since - dt.timedelta(days=1)).active
    assert inpe_verify_batch([AMINE_INPE], on=TODAY()).active.tolist() == [False]
    assert inpe_verify_batch([AMINE_INPE], on=since - dt.timedelta(days=1)).active.tolist() == [
        True
    ]


def test_an_establishment_ceases_but_does_not_die(clinic, ilyas):
    with pytest.raises(ValidationError, match="impossible"):
        declare(ilyas, clinic, "death")
    declare(ilyas, clinic, "cessation", on=TODAY())
    clinic.refresh_from_db()
    assert clinic.status == Provider.Status.CEASED
    assert not inpe_verify(clinic.inpe).active


def test_every_recorded_change_is_in_the_audit_trail(practice, amine, ilyas):
    change = declare(amine, practice, "contact", {"phone": "0522334455"}, documents=[])
    change_decide(actor=ilyas, change_id=change.pk, accept=True)
    declare(ilyas, practice, "cessation", on=TODAY() + dt.timedelta(days=5))
    updates = LogEntry.objects.get_for_object(practice).filter(action=LogEntry.Action.UPDATE)
    assert updates.count() == 2
    assert all(entry.actor == ilyas for entry in updates)
    fields = [set(entry.changes_dict) for entry in updates.order_by("pk")]
    assert "phone" in fields[0]
    assert {"status", "status_since"} <= fields[1]
    assert "inpe" not in fields[0] | fields[1]
    declared = LogEntry.objects.get_for_object(change).order_by("pk")
    assert [(e.action, e.actor) for e in declared] == [
        (LogEntry.Action.CREATE, amine),
        (LogEntry.Action.UPDATE, ilyas),
    ]


def test_a_code_whose_cessation_is_ahead_still_takes_changes_but_no_second_end(
    practice, amine, ilyas
):
    end = TODAY() + dt.timedelta(days=60)
    declare(ilyas, practice, "cessation", on=end)
    contact = declare(ilyas, practice, "contact", {"phone": "0522000001"}, documents=[])
    assert contact.status == ProviderChange.Status.APPLIED
    with pytest.raises(ValidationError, match="déjà une fin"):
        declare(ilyas, practice, "removal", on=TODAY())
    practice.refresh_from_db()
    assert (practice.status, practice.status_since, practice.phone) == (
        Provider.Status.CEASED,
        end,
        "0522000001",
    )


def test_an_activity_change_cannot_make_a_clinic_without_a_director(register, ilyas):
    lab = register("establishment", category_code="LABORATOIRE", sector="private")
    with pytest.raises(ValidationError, match="directeur médical"):
        declare(ilyas, lab, "activity", {"category_code": "CLINIQUE"})
    lab.refresh_from_db()
    assert lab.category.code == "LABORATOIRE"
