"""Enrolment services: insured people, dependants, the one-person-one-regime check at the door
and the closing of rights. Every refusal says why and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from snigi.beneficiaries import services
from snigi.beneficiaries.models import Enrolment, Person, StudentCertificate
from snigi.core.audit import LogEntry
from snigi.core.models import Regime
from tests.beneficiaries import samples
from tests.beneficiaries.samples import CNOPS, CNSS

pytestmark = pytest.mark.django_db

JAN_2024 = dt.date(2024, 1, 1)
DAY = dt.timedelta(days=1)


def regime_name(code: str) -> str:
    return Regime.objects.get(code=code).name_fr


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed quickly: the hashing is not what is tested here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def karim(persona):
    return persona("karim")


@pytest.fixture
def salma(persona):
    return persona("salma")


@pytest.fixture
def samira(persona):
    return persona("samira")


# --- enrol_insured: a valid enrolment -------------------------------------------------------


def test_an_insured_is_enrolled_with_a_new_person_and_household(karim):
    before = samples.row_counts()

    enrolment = services.enrol_insured(
        actor=karim,
        person=samples.person(cnie=" zt 77001 ", last_name_lat="  Alaoui ", first_name_lat="Sara"),
        regime=CNSS,
        fund_number="123-456 789",
        start=JAN_2024,
    )

    assert samples.row_counts() == {
        "Person": before["Person"] + 1,
        "Household": before["Household"] + 1,
        "Enrolment": before["Enrolment"] + 1,
    }
    enrolment.refresh_from_db()
    assert (enrolment.kind, enrolment.relationship) == ("insured", "self")
    assert enrolment.regime.code == CNSS
    assert enrolment.organisation.code == "CNSS"
    assert enrolment.fund_number == "123456789"
    assert (enrolment.end, enrolment.end_reason, enrolment.rights_until) == (None, "", None)
    assert (enrolment.override_reason, enrolment.override_by) == ("", None)
    person = enrolment.person
    assert person.cnie == "ZT77001"
    assert person.last_name_lat == "Alaoui"
    assert person.household_role == Person.HouseholdRole.HEAD
    assert person.household is not None
    assert person.household.commune == person.commune
    assert (person.regime.code, person.organisation.code) == (CNSS, "CNSS")


def test_a_known_cnie_reuses_the_person_and_mirrors_the_new_regime(karim, salma):
    first = samples.insured(karim, cnie="ZT77002")
    services.close_enrolment(
        actor=karim, enrolment=first, end=dt.date(2024, 5, 31), reason="regime_change"
    )
    before = samples.row_counts()

    second = samples.insured(salma, regime=CNOPS, cnie="zt-77002", start=dt.date(2024, 6, 1))

    assert second.person_id == first.person_id
    after = samples.row_counts()
    assert after["Person"] == before["Person"]
    assert after["Household"] == before["Household"]
    assert after["Enrolment"] == before["Enrolment"] + 1
    person = Person.objects.get(pk=first.person_id)
    assert (person.regime.code, person.organisation.code) == (CNOPS, "CNOPS")


def test_a_mutual_agent_enrols_for_the_mutual_and_the_fund_agent_sees_it(persona, salma):
    meriem = persona("meriem")
    enrolment = samples.insured(meriem, regime=CNOPS, organisation="MGPAP")
    assert enrolment.organisation.code == "MGPAP"
    assert enrolment.person.organisation.code == "MGPAP"

    services.close_enrolment(actor=salma, enrolment=enrolment, end=dt.date(2024, 3, 31),
                             reason="end_of_work")  # fmt: skip
    enrolment.refresh_from_db()
    assert enrolment.end == dt.date(2024, 3, 31)

    with pytest.raises(services.EnrolmentRefused) as refused:
        samples.insured(meriem, regime=CNOPS, organisation="CNOPS")
    assert refused.value.errors == {"organisation": ["Hors de votre périmètre."]}


# --- enrol_insured: every bad input is refused and writes nothing ---------------------------


def _tomorrow() -> dt.date:
    return timezone.localdate() + DAY


BAD_INSURED = {
    # id: (actor, enrol_insured overrides, person overrides, field, fragment of the message)
    "malformed-cnie": ("karim", {}, {"cnie": "12AB34"}, "cnie", "n'est pas un numéro CNIE valide"),
    "missing-cnie": ("karim", {}, {"cnie": "  "}, "cnie", "CNIE de l'assuré est obligatoire"),
    "future-birth": ("karim", {}, {"birth_date": _tomorrow}, "birth_date", "dans le futur"),
    "unknown-commune": ("karim", {}, {"commune": "XX-999"}, "commune", "Commune inconnue"),
    "unknown-regime": ("karim", {"regime": "AMO_LUNE"}, {}, "regime", "Régime inconnu"),
    "ramed-after-its-end": (
        "samira",
        {"regime": "RAMED", "start": dt.date(2022, 12, 1)},
        {},
        "start",
        "n'est pas en vigueur le 01/12/2022",
    ),
    "organisation-not-managing": (
        "samira",
        {"organisation": "MGPAP"},
        {},
        "organisation",
        "MGPAP ne gère pas le régime",
    ),
    "unknown-organisation": (
        "samira",
        {"organisation": "NOPE"},
        {},
        "organisation",
        "Organisme inconnu",
    ),
    "agent-of-another-fund": (
        "karim",
        {"regime": CNOPS, "organisation": "CNOPS"},
        {},
        "organisation",
        "pas pour CNOPS",
    ),
    "cnss-number-malformed": (
        "karim",
        {"fund_number": "12345"},
        {},
        "fund_number",
        "9 chiffres",
    ),
    "start-before-amo": (
        "karim",
        {"start": dt.date(2005, 8, 17)},
        {},
        "start",
        "Date d'effet hors limites",
    ),
    "unknown-category": ("karim", {"category": "retired"}, {}, "category", "Catégorie inconnue"),
}


@pytest.mark.parametrize("case", list(BAD_INSURED.values()), ids=list(BAD_INSURED))
def test_a_bad_insured_enrolment_is_refused_and_writes_nothing(persona, case):
    username, overrides, person_overrides, field, fragment = case
    actor = persona(username)
    person_overrides = {k: v() if callable(v) else v for k, v in person_overrides.items()}
    kwargs = {
        "actor": actor,
        "person": samples.person(**person_overrides),
        "regime": CNSS,
        "organisation": "",
        "fund_number": samples.fresh_number(),
        "start": JAN_2024,
        **overrides,
    }
    before = samples.row_counts()

    with pytest.raises(services.EnrolmentRefused) as refused:
        services.enrol_insured(**kwargs)

    assert not isinstance(refused.value, services.DoubleEnrolment)
    assert field in refused.value.errors
    text = refused.value.message + " ".join(refused.value.errors[field])
    assert fragment in text
    assert samples.row_counts() == before


def test_every_identity_error_is_reported_at_once(karim):
    with pytest.raises(services.EnrolmentRefused) as refused:
        samples.insured(karim, cnie="", commune="XX-999", sex="X", last_name_lat=" ")
    assert set(refused.value.errors) == {"cnie", "commune", "sex", "last_name_lat"}


def test_a_fund_number_already_given_to_another_person_is_refused(karim):
    holder = samples.insured(karim, fund_number="555000111")
    before = samples.row_counts()

    with pytest.raises(services.EnrolmentRefused) as refused:
        samples.insured(karim, fund_number="555 000 111", first_name_lat="Nadia")

    assert refused.value.errors == {"fund_number": ["Numéro déjà attribué."]}
    assert "555000111" in refused.value.message
    assert samples.row_counts() == before
    assert Enrolment.objects.filter(fund_number="555000111").get() == holder


@pytest.mark.parametrize(("first_by", "then_by"), [("MGPAP", "CNOPS"), ("CNOPS", "MGPAP")])
def test_a_number_is_unique_across_a_fund_and_its_mutuals(persona, first_by, then_by):
    # The rights check by fund and number searches the fund and its mutuals together.
    agents = {"CNOPS": persona("salma"), "MGPAP": persona("meriem")}
    samples.insured(agents[first_by], regime=CNOPS, organisation=first_by, fund_number="MG4242")
    before = samples.row_counts()

    with pytest.raises(services.EnrolmentRefused) as refused:
        samples.insured(
            agents[then_by], regime=CNOPS, organisation=then_by, fund_number="mg-4242",
            first_name_lat="Nadia",
        )  # fmt: skip

    assert refused.value.errors == {"fund_number": ["Numéro déjà attribué."]}
    assert samples.row_counts() == before


def test_the_same_cnie_with_another_birth_date_is_refused_as_an_identity_error(karim, salma):
    samples.insured(karim, cnie="ZT77003", birth_date=dt.date(1985, 3, 14))
    before = samples.row_counts()

    with pytest.raises(services.EnrolmentRefused) as refused:
        samples.insured(salma, regime=CNOPS, cnie="ZT77003", birth_date=dt.date(1986, 3, 14))

    # A typing error on a known CNIE, not a second enrolment of the same person.
    assert not isinstance(refused.value, services.DoubleEnrolment)
    assert "14/03/1985" in refused.value.message
    assert "cnie" in refused.value.errors
    assert samples.row_counts() == before
    assert Person.objects.get(cnie="ZT77003").birth_date == dt.date(1985, 3, 14)


def test_an_insured_persona_cannot_enrol(persona):
    hanane = persona("hanane", cnie="ZT77004")
    before = samples.row_counts()
    with pytest.raises(PermissionDenied):
        samples.insured(hanane)
    assert samples.row_counts() == before


# --- add_dependant --------------------------------------------------------------------------


def test_a_spouse_and_children_are_added_to_the_insured_household(karim):
    insured = samples.insured(karim)
    spouse = samples.dependant(karim, insured, relationship="spouse", cnie="ZT77010")
    first = samples.dependant(karim, insured, first_name_lat="Ahmed")
    second = samples.dependant(
        karim, insured, first_name_lat="Salma", sex="F", birth_date=dt.date(2016, 2, 29)
    )

    assert [e.relationship for e in insured.dependants.order_by("pk")] == [
        "spouse",
        "child",
        "child",
    ]
    for enrolment, role in ((spouse, "spouse"), (first, "child"), (second, "child")):
        enrolment.refresh_from_db()
        assert enrolment.kind == Enrolment.Kind.DEPENDANT
        assert enrolment.insured_id == insured.pk
        assert enrolment.regime_id == insured.regime_id
        assert enrolment.organisation_id == insured.organisation_id
        assert enrolment.fund_number == ""
        person = enrolment.person
        assert person.household_id == insured.person.household_id
        assert person.household_role == role
        assert person.primary_insured_id == insured.person_id
        assert (person.regime.code, person.organisation.code) == (CNSS, "CNSS")
    assert first.person.cnie is None


def test_a_child_too_old_is_refused_and_writes_nothing(karim):
    insured = samples.insured(karim)
    before = samples.row_counts()

    with pytest.raises(services.EnrolmentRefused) as refused:
        samples.dependant(karim, insured, birth_date=dt.date(2001, 6, 1))  # 22 on 01/01/2024

    assert "trop âgé" in refused.value.message
    assert "sans certificat de scolarité" in refused.value.errors["birth_date"][0]
    assert samples.row_counts() == before


def test_a_child_on_the_eve_of_the_22nd_birthday_is_still_accepted(karim):
    insured = samples.insured(karim)
    child = samples.dependant(karim, insured, birth_date=dt.date(2002, 1, 2))  # 22 on 02/01
    assert child.start == JAN_2024


def test_a_student_of_23_is_accepted_with_the_certificate_of_the_year(karim):
    insured = samples.insured(karim)
    certificate = ("2023-2024", dt.date(2023, 9, 1), dt.date(2024, 7, 31))

    child = samples.dependant(
        karim, insured, birth_date=dt.date(2000, 5, 1), certificate=certificate
    )

    stored = StudentCertificate.objects.get(enrolment=child)
    assert (stored.academic_year, stored.valid_from, stored.valid_until) == certificate


@pytest.mark.parametrize(
    ("certificate", "field"),
    [
        (("2023-2025", dt.date(2023, 9, 1), dt.date(2024, 7, 31)), "academic_year"),
        (("2023-2024", dt.date(2024, 7, 31), dt.date(2023, 9, 1)), "certificate_until"),
        (("2023-2024", dt.date(2023, 1, 1), dt.date(2024, 7, 31)), "certificate_until"),
        # A certificate that starts after the start date does not cover it.
        (("2024-2025", dt.date(2024, 9, 1), dt.date(2025, 7, 31)), "birth_date"),
    ],
)
def test_a_bad_student_certificate_is_refused_and_writes_nothing(karim, certificate, field):
    insured = samples.insured(karim)
    before = samples.row_counts()
    with pytest.raises(services.EnrolmentRefused) as refused:
        samples.dependant(karim, insured, birth_date=dt.date(2000, 5, 1), certificate=certificate)
    assert field in refused.value.errors
    assert samples.row_counts() == before
    assert not StudentCertificate.objects.exists()


def test_a_disabled_child_of_40_is_accepted_but_not_without_the_disability(karim):
    insured = samples.insured(karim, birth_date=dt.date(1960, 1, 1))
    with pytest.raises(services.EnrolmentRefused):
        samples.dependant(karim, insured, birth_date=dt.date(1984, 1, 1))

    child = samples.dependant(karim, insured, birth_date=dt.date(1984, 1, 1), disabled=True)

    child.refresh_from_db()
    assert child.disabled is True
    assert child.relationship == "child"


def test_a_spouse_insured_in_their_own_right_elsewhere_is_refused(karim, salma):
    civil_servant = samples.insured(
        salma, regime=CNOPS, cnie="ZT77011", first_name_lat="Omar", sex="M",
        birth_date=dt.date(1983, 1, 2),
    )  # fmt: skip
    insured = samples.insured(karim)
    before = samples.row_counts()

    with pytest.raises(services.DoubleEnrolment) as refused:
        samples.dependant(karim, insured, relationship="spouse", cnie="ZT77011")

    message = refused.value.message
    assert regime_name(CNOPS) in message
    assert "assuré à titre personnel" in message
    assert "CNOPS" in message
    assert [c.enrolment for c in refused.value.conflicts] == [civil_servant]
    assert samples.row_counts() == before
    assert Person.objects.get(cnie="ZT77011").primary_insured_id is None


@pytest.mark.parametrize(
    ("last", "first"),
    [
        ("El Idrissi", "Fatima Zahra"),  # as first typed
        ("EL-IDRISSI", "fatima-zahra"),  # case and hyphens
        ("el idrissi", "Fâtima  Zahra"),  # accent and repeated space
        ("Él-Idrissi", "FATIMA ZAHRA"),
    ],
)
def test_a_person_without_cnie_is_found_by_normalised_name(karim, salma, last, first):
    cnss_insured = samples.insured(karim)
    born = dt.date(2010, 4, 9)
    child = samples.dependant(
        karim, cnss_insured, last_name_lat="El Idrissi", first_name_lat="Fatima Zahra",
        sex="F", birth_date=born,
    )  # fmt: skip
    cnops_insured = samples.insured(salma, regime=CNOPS, start=dt.date(2024, 3, 1))
    variant = {"last_name_lat": last, "first_name_lat": first, "sex": "F", "birth_date": born}

    with pytest.raises(services.DoubleEnrolment) as refused:
        samples.dependant(salma, cnops_insured, **variant)
    assert regime_name(CNSS) in refused.value.message

    services.close_enrolment(
        actor=karim, enrolment=child, end=dt.date(2024, 2, 29), reason="regime_change"
    )
    before = samples.row_counts()
    moved = samples.dependant(salma, cnops_insured, **variant)

    assert moved.person_id == child.person_id
    assert samples.row_counts()["Person"] == before["Person"]
    person = Person.objects.get(pk=child.person_id)
    assert person.primary_insured_id == cnops_insured.person_id
    assert person.regime.code == CNOPS


@pytest.mark.parametrize(
    "differs",
    [{"birth_date": dt.date(2010, 4, 10)}, {"sex": "M"}, {"first_name_lat": "Fatima"}],
)
def test_another_birth_date_sex_or_name_is_another_person(karim, salma, differs):
    cnss_insured = samples.insured(karim)
    identity = {"last_name_lat": "El Idrissi", "first_name_lat": "Fatima Zahra", "sex": "F",
                "birth_date": dt.date(2010, 4, 9)}  # fmt: skip
    child = samples.dependant(karim, cnss_insured, **identity)
    cnops_insured = samples.insured(salma, regime=CNOPS)

    other = samples.dependant(salma, cnops_insured, **{**identity, **differs})

    assert other.person_id != child.person_id


# --- one person, one regime -----------------------------------------------------------------


@pytest.fixture
def at_cnss(karim):
    """An insured active at the CNSS since January 2024."""
    return samples.insured(karim, cnie="ZT77020", first_name_lat="Hind")


def test_enrolling_someone_active_elsewhere_is_a_double_enrolment(salma, at_cnss):
    before = samples.row_counts()

    with pytest.raises(services.DoubleEnrolment) as refused:
        samples.insured(salma, regime=CNOPS, cnie="ZT77020", start=dt.date(2024, 6, 1))

    assert regime_name(CNSS) in refused.value.message
    assert "(CNSS, en qualité d'assuré) depuis le 01/01/2024" in refused.value.message
    assert [c.enrolment for c in refused.value.conflicts] == [at_cnss]
    assert samples.row_counts() == before


@pytest.mark.parametrize(("end", "allowed"), [(dt.date(2024, 5, 31), True),
                                              (dt.date(2024, 6, 1), False)])  # fmt: skip
def test_the_other_fund_must_close_before_the_new_start(karim, salma, at_cnss, end, allowed):
    services.close_enrolment(actor=karim, enrolment=at_cnss, end=end, reason="regime_change")
    new_start = dt.date(2024, 6, 1)

    if allowed:
        enrolment = samples.insured(salma, regime=CNOPS, cnie="ZT77020", start=new_start)
        assert enrolment.person_id == at_cnss.person_id
        assert enrolment.override_reason == ""
    else:
        with pytest.raises(services.DoubleEnrolment):
            samples.insured(salma, regime=CNOPS, cnie="ZT77020", start=new_start)


def test_a_cancelled_enrolment_is_no_conflict(karim, salma, at_cnss):
    services.close_enrolment(actor=karim, enrolment=at_cnss, end=JAN_2024, reason="cancelled")
    enrolment = samples.insured(salma, regime=CNOPS, cnie="ZT77020", start=JAN_2024)
    assert enrolment.person_id == at_cnss.person_id


def test_anam_can_override_with_a_reason_kept_on_the_enrolment(samira, at_cnss):
    reason = "  Décision de la commission   du 12/06/2024 : double couverture transitoire "

    enrolment = samples.insured(
        samira, regime=CNOPS, cnie="ZT77020", start=dt.date(2024, 6, 1), override_reason=reason
    )

    enrolment.refresh_from_db()
    assert enrolment.override_reason == " ".join(reason.split())
    assert enrolment.override_by == samira
    assert enrolment.person_id == at_cnss.person_id
    at_cnss.refresh_from_db()
    assert at_cnss.end is None  # the override does not close the other enrolment


def test_an_override_is_in_the_audit_trail(samira, at_cnss):
    reason = "Décision de la commission du 12/06/2024"
    enrolment = samples.insured(
        samira, regime=CNOPS, cnie="ZT77020", start=dt.date(2024, 6, 1), override_reason=reason
    )

    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Enrolment),
        object_pk=str(enrolment.pk),
        action=LogEntry.Action.CREATE,
    )
    assert entry.actor == samira
    assert reason in str(entry.changes)


def test_a_fund_agent_cannot_override_even_with_a_reason(karim, salma):
    samples.insured(salma, regime=CNOPS, cnie="ZT77021")
    before = samples.row_counts()

    with pytest.raises(services.DoubleEnrolment) as refused:
        samples.insured(
            karim, cnie="ZT77021", start=dt.date(2024, 6, 1),
            override_reason="Il travaille aussi dans le privé depuis juin",
        )  # fmt: skip

    assert regime_name(CNOPS) in refused.value.message
    assert samples.row_counts() == before


@pytest.mark.parametrize(("reason", "accepted"), [("Trop court", True), ("Trop cour", False),
                                                  ("   a     b   c   ", False)])  # fmt: skip
def test_an_override_reason_needs_ten_characters(samira, at_cnss, reason, accepted):
    before = samples.row_counts()
    enrol = {"regime": CNOPS, "cnie": "ZT77020", "start": dt.date(2024, 6, 1)}

    if accepted:
        enrolment = samples.insured(samira, override_reason=reason, **enrol)
        assert enrolment.override_reason == reason
        return
    with pytest.raises(services.EnrolmentRefused) as refused:
        samples.insured(samira, override_reason=reason, **enrol)
    assert not isinstance(refused.value, services.DoubleEnrolment)
    assert refused.value.errors == {"override_reason": ["Au moins 10 caractères."]}
    assert samples.row_counts() == before


def test_anam_without_a_reason_gets_the_double_enrolment(samira, at_cnss):
    with pytest.raises(services.DoubleEnrolment):
        samples.insured(samira, regime=CNOPS, cnie="ZT77020", start=dt.date(2024, 6, 1))


# --- close_enrolment ------------------------------------------------------------------------


@pytest.fixture
def family(karim):
    """A CNSS insured with a spouse and a child, all from January 2024."""
    insured = samples.insured(karim, cnie="ZT77030")
    spouse = samples.dependant(karim, insured, relationship="spouse", cnie="ZT77031")
    child = samples.dependant(karim, insured, cnie="ZT77032")
    return insured, spouse, child


def _closing(enrolment: Enrolment) -> tuple:
    enrolment.refresh_from_db()
    return enrolment.end, enrolment.end_reason, enrolment.rights_until


def test_the_end_of_work_keeps_rights_six_months_for_the_whole_family(karim, family):
    insured, spouse, child = family
    end = dt.date(2024, 6, 30)

    services.close_enrolment(actor=karim, enrolment=insured, end=end, reason="end_of_work")

    kept = dt.date(2024, 12, 30)
    assert _closing(insured) == (end, "end_of_work", kept)
    assert _closing(spouse) == (end, "end_of_work", kept)
    assert _closing(child) == (end, "end_of_work", kept)


def test_the_death_of_the_insured_keeps_the_survivors_24_months(karim, family):
    insured, spouse, child = family
    end = dt.date(2024, 3, 15)

    services.close_enrolment(actor=karim, enrolment=insured, end=end, reason="death")

    assert _closing(insured) == (end, "death", end)
    assert _closing(spouse) == (end, "insured_death", dt.date(2026, 3, 15))
    assert _closing(child) == (end, "insured_death", dt.date(2026, 3, 15))


def test_a_divorce_closes_the_spouse_alone_with_12_months(karim, family):
    insured, spouse, child = family
    end = dt.date(2024, 8, 31)

    services.close_enrolment(actor=karim, enrolment=spouse, end=end, reason="divorce")

    assert _closing(spouse) == (end, "divorce", dt.date(2025, 8, 31))
    assert _closing(insured) == (None, "", None)
    assert _closing(child) == (None, "", None)


@pytest.mark.parametrize(
    ("target", "reason", "fragment"),
    [
        ("child", "divorce", "conjoint"),
        ("insured", "insured_death", "décès"),
        ("insured", "fired", "Motif de clôture inconnu"),
    ],
)
def test_a_closing_reason_must_fit_the_enrolment(karim, family, target, reason, fragment):
    insured, _, child = family
    enrolment = {"insured": insured, "child": child}[target]
    with pytest.raises(services.EnrolmentRefused) as refused:
        services.close_enrolment(
            actor=karim, enrolment=enrolment, end=dt.date(2024, 6, 30), reason=reason
        )
    assert fragment in refused.value.message
    assert _closing(enrolment) == (None, "", None)


def test_a_cnops_end_of_work_has_no_retention_rule(salma):
    enrolment = samples.insured(salma, regime=CNOPS)
    end = dt.date(2024, 6, 30)
    services.close_enrolment(actor=salma, enrolment=enrolment, end=end, reason="end_of_work")
    assert _closing(enrolment) == (end, "end_of_work", end)


def test_closing_twice_is_refused(karim, family):
    insured = family[0]
    services.close_enrolment(
        actor=karim, enrolment=insured, end=dt.date(2024, 6, 30), reason="end_of_work"
    )
    with pytest.raises(services.EnrolmentRefused) as refused:
        services.close_enrolment(
            actor=karim, enrolment=insured, end=dt.date(2024, 9, 30), reason="death"
        )
    assert "déjà close le 30/06/2024" in refused.value.message
    assert _closing(insured) == (dt.date(2024, 6, 30), "end_of_work", dt.date(2024, 12, 30))


def test_the_end_cannot_precede_the_start(karim, family):
    insured = family[0]
    with pytest.raises(services.EnrolmentRefused) as refused:
        services.close_enrolment(
            actor=karim, enrolment=insured, end=dt.date(2023, 12, 31), reason="end_of_work"
        )
    assert refused.value.errors == {"end": ["Avant le début."]}
    assert _closing(insured) == (None, "", None)


def test_a_fund_agent_cannot_close_another_fund_enrolment(salma, family):
    insured = family[0]
    with pytest.raises(services.EnrolmentRefused) as refused:
        services.close_enrolment(
            actor=salma, enrolment=insured, end=dt.date(2024, 6, 30), reason="end_of_work"
        )
    assert "pas gérée par votre organisme" in refused.value.message
    assert _closing(insured) == (None, "", None)
    assert not Enrolment.objects.exclude(end=None).exists()


def test_anam_operations_can_close_any_fund_enrolment(samira, family):
    insured = family[0]
    services.close_enrolment(
        actor=samira, enrolment=insured, end=dt.date(2024, 6, 30), reason="end_of_work"
    )
    assert _closing(insured)[1] == "end_of_work"
