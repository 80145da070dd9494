"""Pure rules of instruction: the medicine checklist of seed 002, VII.1."""

from __future__ import annotations

from snigi.complaints.models import MedicineAssessment

Case = MedicineAssessment.Case
Outcome = MedicineAssessment.Outcome

WAIVER_CRITERIA = (
    "ALD ou maladie rare chronique, et absence d'alternative thérapeutique remboursable au titre "
    "de l'AMO"
)


def medicine_outcome(
    case: str,
    *,
    ald_or_rare_chronic: bool,
    no_reimbursable_alternative: bool,
    validated_protocol: bool,
    life_threatening: bool,
) -> tuple[str, str]:
    """The outcome of a reimbursement request for a medicine and its reasons (seed 002, VII.1):

    - without a marketing authorisation (AMM) in Morocco, or authorised but not reimbursable (and
      not evaluated by the transparency commission): a reimbursement waiver is possible only for
      an ALD or a rare chronic disease with no reimbursable therapeutic alternative;
    - reimbursable but prescribed outside the indications of its AMM: no reimbursement without a
      therapeutic protocol validating the indication; the limit of the rule — no alternative for
      a life-threatening disease — is sent for exceptional examination.
    """
    if case in (Case.NO_AUTHORISATION, Case.NOT_REIMBURSABLE):
        if ald_or_rare_chronic and no_reimbursable_alternative:
            return Outcome.WAIVER, f"Dérogation possible : {WAIVER_CRITERIA}."
        missing = []
        if not ald_or_rare_chronic:
            missing.append("ni ALD ni maladie rare chronique")
        if not no_reimbursable_alternative:
            missing.append("une alternative remboursable existe")
        return Outcome.NO_REIMBURSEMENT, (
            f"Pas de dérogation ({', '.join(missing)}) : critères — {WAIVER_CRITERIA}."
        )
    if case == Case.OFF_LABEL:
        if validated_protocol:
            return Outcome.REIMBURSABLE, "Un protocole thérapeutique valide cette indication."
        if life_threatening and no_reimbursable_alternative:
            return Outcome.EXCEPTIONAL, (
                "Hors indication sans protocole, mais pronostic vital engagé et aucune "
                "alternative thérapeutique : examen exceptionnel."
            )
        return Outcome.NO_REIMBURSEMENT, (
            "Pas de remboursement en l'absence de protocole thérapeutique validant l'indication."
        )
    raise ValueError(f"unknown case {case!r}")
