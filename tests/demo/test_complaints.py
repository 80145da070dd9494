"""The demo complaint files: built through the workflow, in the seed's proportions, with work
on every desk."""

from __future__ import annotations

import pytest
from django.db.models import Count

from snigi.complaints.models import Complaint, Decision, Status
from snigi.complaints.selectors import complaint_queue
from snigi.core.models import User
from snigi.core.roles import Role
from snigi.demo.accounts import ensure_demo_accounts
from snigi.demo.complaints import load_demo_complaints

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_files(demo_people, settings):
    settings.DEMO_MODE = True
    from snigi.providers.demo_register import load_demo_register

    load_demo_register(seed=7)
    ensure_demo_accounts()
    return load_demo_complaints(seed=7, files=60)


def test_every_desk_has_work_and_decisions_follow_the_seeds_shares(demo_files):
    assert demo_files == Complaint.objects.count() > 60
    assert load_demo_complaints(seed=7, files=60) == 0  # loaded once
    for role in (
        Role.ANAM_DG_SECRETARIAT,
        Role.ANAM_LEGAL_DATA_ENTRY,
        Role.ANAM_LEGAL_HEAD,
        Role.ANAM_LEGAL_OFFICER,
        Role.ANAM_MEDICAL_OFFICER,
        Role.ANAM_DIRECTOR_GENERAL,
    ):
        actor = User.objects.get(role=role, username__startswith="anam.")
        assert complaint_queue(actor=actor).exists(), role
    decided = Complaint.objects.exclude(decision="")
    shares = dict(decided.values_list("decision").annotate(n=Count("pk")))
    assert max(shares, key=shares.get) == Decision.UNFAVOURABLE
    assert {Decision.INCOMPLETE, Decision.REFERRAL, Decision.FAVOURABLE} <= set(shares)
    assert Complaint.objects.filter(status=Status.CLOSED).count() > decided.count() / 2
    requesters = dict(Complaint.objects.values_list("requester_type").annotate(n=Count("pk")))
    assert requesters["insured"] > sum(requesters.values()) * 0.6


def test_timelines_run_from_receipt_to_decision(demo_files):
    for complaint in Complaint.objects.exclude(decision_on=None)[:50]:
        days = [e.at.date() for e in complaint.events.all()]
        assert days == sorted(days)
        assert days[0] == complaint.received_on
        assert complaint.received_on <= complaint.decision_on
