import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from snigi.core import selectors, services
from snigi.core.audit import LogEntry
from snigi.core.models import Organisation, PublicHoliday, User
from snigi.core.roles import CAPABILITIES, Capability, Role, role_has
from snigi.core.scoping import scope_for

pytestmark = pytest.mark.django_db


def test_every_role_has_a_persona_or_demo_account():
    from snigi.demo.accounts import DEMO_ACCOUNTS

    assert {a.role for a in DEMO_ACCOUNTS} == set(Role)


def test_least_privilege_capabilities():
    assert role_has(Role.AUDITOR, Capability.VIEW_AUDIT)
    assert not role_has(Role.AUDITOR, Capability.VIEW_PERSON)
    assert not role_has(Role.ADMINISTRATOR, Capability.VIEW_PERSON)
    assert not role_has(Role.PROVIDER, Capability.VIEW_PERSON)
    assert not role_has(Role.ANAM_MAIL_OFFICE, Capability.VIEW_PERSON)
    assert all(
        Capability.VIEW_AUDIT not in caps for r, caps in CAPABILITIES.items() if r != Role.AUDITOR
    )


def test_scopes_of_named_personas(persona):
    assert scope_for(persona("nadia")).national
    karim = scope_for(persona("karim"))
    assert karim.organisation_ids == {Organisation.objects.get(code="CNSS").pk}
    salma = scope_for(persona("salma"))
    cnops = Organisation.objects.get(code="CNOPS")
    assert cnops.pk in salma.organisation_ids
    assert Organisation.objects.get(code="MGPAP").pk in salma.organisation_ids
    assert scope_for(persona("meriem")).organisation_ids == {
        Organisation.objects.get(code="MGPAP").pk
    }
    assert scope_for(persona("dr_amine")).inpe == "100000011"


def test_user_create_enforces_scope_and_password_rules(persona):
    omar = persona("omar")
    with pytest.raises(ValidationError):
        services.user_create(
            actor=omar, username="x1", password="Long-enough-pass-1", role=Role.FUND_AGENT
        )
    with pytest.raises(ValidationError):
        services.user_create(
            actor=omar,
            username="x2",
            password="Long-enough-pass-1",
            role=Role.FUND_AGENT,
            organisation=Organisation.objects.get(code="MSPS"),
        )
    with pytest.raises(ValidationError):
        services.user_create(
            actor=omar, username="x3", password="Long-enough-pass-1", role=Role.INSURED, cnie="12"
        )
    with pytest.raises(ValidationError):
        services.user_create(actor=omar, username="x4", password="123456789012", role=Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=persona("karim"), username="x5", password="Long-enough-pass-1", role=Role.AUDITOR
        )
    assert not User.objects.filter(username__startswith="x").exists()
    user = services.user_create(
        actor=omar,
        username="insured1",
        password="Long-enough-pass-1",
        role=Role.INSURED,
        cnie="be 12345",
    )
    assert user.cnie == "BE12345"
    entry = LogEntry.objects.get_for_object(user).get(action=LogEntry.Action.CREATE)
    assert entry.actor == omar
    assert "password" not in entry.changes_dict


def test_religious_holiday_reschedule_moves_both_days_and_is_audited(persona):
    omar = persona("omar")
    first = PublicHoliday.objects.get(code="eid_al_adha", date__year=2028)
    second = PublicHoliday.objects.get(code="eid_al_adha_2", date__year=2028)
    moved = services.public_holiday_reschedule(
        actor=omar, holiday_id=first.pk, new_date=first.date + dt.timedelta(days=1)
    )
    assert len(moved) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.date == first.date + dt.timedelta(days=1)
    assert first.confirmed
    assert second.confirmed
    entry = LogEntry.objects.get_for_object(first).filter(action=LogEntry.Action.UPDATE).first()
    assert entry is not None
    assert entry.actor == omar
    assert "date" in entry.changes_dict


def test_civil_holidays_cannot_be_rescheduled_and_only_admins_may(persona):
    throne = PublicHoliday.objects.get(code="throne_day", date__year=2027)
    with pytest.raises(ValidationError):
        services.public_holiday_reschedule(
            actor=persona("omar"), holiday_id=throne.pk, new_date=throne.date
        )
    eid = PublicHoliday.objects.get(code="eid_al_fitr", date__year=2027)
    with pytest.raises(PermissionDenied):
        services.public_holiday_reschedule(
            actor=persona("nadia"), holiday_id=eid.pk, new_date=eid.date
        )
    with pytest.raises(ValidationError):
        services.public_holiday_reschedule(
            actor=persona("omar"), holiday_id=eid.pk, new_date=eid.date + dt.timedelta(days=10)
        )


def test_audit_trail_is_for_auditors_only(persona):
    with pytest.raises(PermissionDenied):
        selectors.audit_entries_for_actor(actor=persona("directeur"))
    assert selectors.audit_entries_for_actor(actor=persona("leila")).exists()


def test_api_tokens_store_only_a_digest_and_can_be_revoked(persona):
    karim = persona("karim")
    token, raw = services.api_token_create(actor=karim, name="batch")
    assert raw not in token.digest
    assert len(token.digest) == 64
    assert selectors.api_token_user(raw) == karim
    assert selectors.api_token_user(raw + "x") is None
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=persona("salma"), token_id=token.pk)
    services.api_token_revoke(actor=karim, token_id=token.pk)
    assert selectors.api_token_user(raw) is None
