"""A small register of 2012 built through the real services, whose figures are counted by hand
in the tests of the statistics, their API and their page (seed 002, V–VI)."""

from __future__ import annotations

import datetime

import pytest

from snigi.complaints import pending, services
from snigi.complaints.models import Complaint, Referral
from tests.complaints.conftest import letter

D = datetime.date


@pytest.fixture
def file_of(staff):
    """A file received on ``received`` from ``requester``, entered with ``nature`` and, when
    given, decided ``decision`` on ``on`` by the director general."""

    def make(received, requester, nature="", decision="", on=None, bodies=(), **entry):
        complaint = services.complaint_receive(
            actor=staff.mail, data=letter(received_on=received, requester_type=requester)
        )
        if not nature:
            return complaint
        services.complaint_register(actor=staff.secretariat, complaint=complaint)
        services.complaint_enter(
            actor=staff.entry, complaint=complaint,
            entry=services.EntryInput(nature_code=nature, **entry),
        )  # fmt: skip
        services.complaint_validate(
            actor=staff.head, complaint=complaint, legal_officer=staff.lawyer
        )
        if not decision:
            return complaint
        services.complaint_propose(
            actor=staff.lawyer, complaint=complaint, decision=decision, reason="Motifs."
        )
        details = services.DecisionDetails(
            missing_pieces="Ordonnance", bodies=list(bodies), expert_name="Benjelloun"
        )
        return services.complaint_decide(
            actor=staff.dg, complaint=complaint, decision=decision, reason="Motifs.",
            details=details, on=on,
        )  # fmt: skip

    return make


@pytest.fixture
def register_2012(staff, file_of, clinic):
    """Nine files received in 2012 and one on either side of the year:

    | n | received   | requester    | nature                   | decision     | decided on |
    | 1 | 2012-01-01 | insured      | reimbursement_medicine   | unfavourable | 2012-01-11 |
    | 2 | 2012-01-15 | insured      | reimbursement_device     | favourable   | 2012-02-14 |
    | 3 | 2012-02-10 | fund         | reimbursement_revision   | referral (1)  | 2012-02-20 |
    | 4 | 2012-02-20 | insured      | reimbursement_revision   | referral (2)  | 2012-03-01 |
    | 5 | 2012-03-05 | fund         | arbitration_insured_fund | incomplete (3)| 2012-03-25 |
    | 6 | 2012-06-30 | professional | tm_exemption             | incomplete (4)| 2012-07-10 |
    | 7 | 2012-12-31 | ministry     | other_information        | –            | –          |
    | 8 | 2012-12-31 | insured      | convention_violation     | commissions  | 2013-01-10 |
    | 9 | 2012-05-05 | association  | (not entered)            | –            | –          |
    | – | 2011-12-31 | insured      | reimbursement_medicine   | unfavourable | 2012-01-02 |
    | – | 2013-01-01 | insured      | other                    | –            | –          |

    (1) to CNOPS and CNSS, CNSS answered; (2) to CNOPS, no answer; (3) still waiting for its
    pieces; (4) its pieces came: back in instruction.
    """
    f = file_of
    f(D(2012, 1, 1), "insured", "reimbursement_medicine", "unfavourable", D(2012, 1, 11))
    f(D(2012, 1, 15), "insured", "reimbursement_device", "favourable", D(2012, 2, 14))
    third = f(D(2012, 2, 10), "fund", "reimbursement_revision", "referral", D(2012, 2, 20),
              bodies=["CNOPS", "CNSS"])  # fmt: skip
    f(D(2012, 2, 20), "insured", "reimbursement_revision", "referral", D(2012, 3, 1),
      bodies=["CNOPS"])  # fmt: skip
    f(D(2012, 3, 5), "fund", "arbitration_insured_fund", "incomplete", D(2012, 3, 25))
    sixth = f(D(2012, 6, 30), "professional", "tm_exemption", "incomplete", D(2012, 7, 10))
    f(D(2012, 12, 31), "ministry", "other_information")
    f(D(2012, 12, 31), "insured", "convention_violation", "commissions", D(2013, 1, 10),
      provider_inpe=clinic.inpe)  # fmt: skip
    f(D(2012, 5, 5), "association")
    f(D(2011, 12, 31), "insured", "reimbursement_medicine", "unfavourable", D(2012, 1, 2))
    f(D(2013, 1, 1), "insured", "other")
    pending.referral_answer(
        actor=staff.lawyer, referral=Referral.objects.get(complaint=third, body__code="CNSS"),
        answered_on=D(2012, 3, 15), answer="Remboursement effectué.",
    )  # fmt: skip
    services.complaint_pieces_received(actor=staff.lawyer, complaint=sixth, note="Reçues.")
    return Complaint.objects.all()
