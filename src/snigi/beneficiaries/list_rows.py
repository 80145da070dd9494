"""The checks of one row of a fund's list on its own, with the rules of the enrolment services.

``check_row`` applies what ``enrol_insured`` and ``add_dependant`` check before looking at the
database: the fund and the regime (known, the fund manages the regime, within the actor's
scope), the membership number (``normalise_fund_number``), the start date (bounds, regime in
force), the identity (``clean_person``), a child's age on the start (``eligibility.child_coverage``
with the rules of ``rights.rule_book()``), a spouse's age, and a closing as ``close_enrolment``
would record it. Every reason is kept: a refused row lists them all.

A million rows go through here: what repeats (a fund and regime pair, a spelling of a choice,
the age limits on a date) is worked out once, and ``clean_person`` (one query per call, for the
commune) is called only for the rows off the common case: names already trimmed, a CNIE already
in canonical form, ``M`` or ``F``, a commune code of the reference data, a plausible birth date,
which it would accept unchanged.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from snigi.beneficiaries import eligibility
from snigi.beneficiaries.identity import (
    EARLIEST_BIRTH,
    EnrolmentRefused,
    PersonInput,
    clean_person,
    name_key,
)
from snigi.beneficiaries.list_file import ListRow
from snigi.beneficiaries.models import Enrolment
from snigi.beneficiaries.rights import RuleBook, rule_book
from snigi.beneficiaries.services import EARLIEST_START, RETENTION_RULE
from snigi.core.identifiers import (
    CNIE_PATTERN,
    FUND_NUMBER_PATTERNS,
    IdentifierError,
    normalise_fund_number,
)
from snigi.core.models import Commune, Organisation, Regime, User
from snigi.core.scoping import Scope, scope_for
from snigi.providers.register_file import _fold

INSURED, DEPENDANT = "insured", "dependant"
SELF, SPOUSE, CHILD = "self", "spouse", "child"
CANCELLED = "cancelled"
QUALITIES = {"insured": INSURED, "assure": INSURED, "dependant": DEPENDANT,
             "ayant_droit": DEPENDANT, "ayants_droit": DEPENDANT}  # fmt: skip
RELATIONSHIPS = {"self": SELF, "lui_meme": SELF, "assure": SELF, "spouse": SPOUSE,
                 "conjoint": SPOUSE, "conjointe": SPOUSE, "child": CHILD,
                 "enfant": CHILD}  # fmt: skip
FLAGS = {"": False, "0": False, "1": True, "non": False, "oui": True, "no": False, "yes": True,
         "false": False, "true": True}  # fmt: skip
CATEGORIES = {_fold(value): str(value) for value in Enrolment.Category.values}
END_REASONS = {_fold(value): str(value) for value in Enrolment.EndReason.values}
GENERIC_NUMBER = FUND_NUMBER_PATTERNS["*"]
BAD_DATE = "{} : date invalide « {} » (AAAA-MM-JJ ou JJ/MM/AAAA)."


class Fund(NamedTuple):
    """What a row's fund and regime columns give, worked out once per pair."""

    organisation: Organisation | None
    regime: Regime | None
    problems: tuple[str, ...]
    number_fund: str  # the fund whose number pattern applies (a mutual's parent)


@dataclass
class Reference:
    """The reference data a row is checked against, read once per import."""

    organisations: dict[str, Organisation]
    regimes: dict[str, Regime]
    communes: dict[str, Commune]
    scope: Scope
    rules: RuleBook
    today: datetime.date
    latest: datetime.date = datetime.date.min  # a start or an end: a year from today at most
    _funds: dict[tuple[str, str], Fund] = field(default_factory=dict)
    _ages: dict[datetime.date, tuple[int, int]] = field(default_factory=dict)
    _kept: dict[tuple[str, str, datetime.date], datetime.date] = field(default_factory=dict)
    _choices: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.latest = self.today + relativedelta(years=1)

    @classmethod
    def load(cls, actor: User) -> Reference:
        return cls(
            organisations={o.code: o for o in Organisation.objects.select_related("parent")},
            regimes={r.code: r for r in Regime.objects.select_related("managing_organisation")},
            communes={c.code: c for c in Commune.objects.all()},
            scope=scope_for(actor),
            rules=rule_book(),
            today=timezone.localdate(),
        )

    def fund(self, fund_code: str, regime_code: str) -> Fund:
        key = (fund_code, regime_code)
        if key not in self._funds:
            self._funds[key] = self._check_fund(fund_code.strip().upper(), regime_code)
        return self._funds[key]

    def _check_fund(self, code: str, regime_code: str) -> Fund:
        """``enrol_insured``'s regime and ``_organisation_for``'s checks."""
        problems = []
        org = self.organisations.get(code)
        if org is None:
            problems.append(f"Organisme inconnu : « {code[:30]} ».")
        regime = self.regimes.get(regime_code.strip().upper())
        if regime is None:
            problems.append(f"Régime inconnu : « {regime_code.strip()[:30]} ».")
        if org is not None and regime is not None:
            if regime.managing_organisation_id not in {org.pk, org.parent_id}:
                problems.append(
                    f"L'organisme {org.code} ne gère pas le régime « {regime.name_fr} »."
                )
            elif not self.scope.national and org.pk not in self.scope.organisation_ids:
                problems.append(
                    f"Vous ne pouvez immatriculer que pour votre organisme, pas pour {org.code}."
                )
        number_fund = "" if org is None else org.parent.code if org.parent else org.code
        return Fund(org, regime, tuple(problems), number_fund)

    def choice(self, raw: str, choices: dict[str, str], name: str, problems: list[str]) -> str:
        """The value a spelling stands for (case, accents and separators ignored), "" if
        empty; an unknown spelling is a problem."""
        value = choices.get(raw)
        if value is None:
            key = (name, raw)
            if key not in self._choices:
                self._choices[key] = choices.get(_fold(raw), "")
            value = self._choices[key]
            if not value and raw.strip():
                known = ", ".join(sorted(set(choices.values())))
                problems.append(f"{name} inconnu : « {raw.strip()[:30]} » (attendu : {known}).")
        return value

    def child_ages(self, on: datetime.date) -> tuple[int, int]:
        if on not in self._ages:
            self._ages[on] = (
                self.rules.integer("CHILD_MAX_AGE", on, default=21),
                self.rules.integer("STUDENT_CHILD_MAX_AGE", on, default=26),
            )
        return self._ages[on]

    def rights_until(self, reason: str, regime: str, end: datetime.date) -> datetime.date:
        """Where ``close_enrolment`` would keep rights until: the end, plus the regime's
        retention for the reason."""
        key = (reason, regime, end)
        if key not in self._kept:
            rule = RETENTION_RULE.get(reason)  # type: ignore[call-overload]
            months = self.rules.integer(rule, end, regime=regime, default=0) if rule else 0
            self._kept[key] = eligibility.kept_until(end, months) if months else end
        return self._kept[key]


@dataclass(slots=True, eq=False)
class Row:
    """One row, checked and cleaned; ``problems`` empty when it passes its own checks."""

    line: int
    problems: list[str]
    kind: str = ""
    relationship: str = ""
    organisation: Organisation | None = None
    regime: Regime | None = None
    number: str = ""
    cnie: str | None = None
    last_name: str = ""
    first_name: str = ""
    last_name_ar: str = ""
    first_name_ar: str = ""
    sex: str = ""
    birth: datetime.date | None = None
    commune: Commune | None = None
    name_key: str = ""
    start: datetime.date | None = None  # a dependant's: not before their birth
    stated_start: datetime.date | None = None
    end: datetime.date | None = None
    end_reason: str = ""
    rights_until: datetime.date | None = None
    category: str = "active"
    disabled: bool = False
    certificate: tuple[str, datetime.date, datetime.date] | None = None

    @property
    def identified(self) -> bool:
        """Enough is known to match the person and the fund (even if the row is refused)."""
        return bool(self.birth and self.sex and self.name_key != "|" and self.organisation
                    and self.regime and self.kind and self.start)  # fmt: skip


def parse_date(text: str) -> datetime.date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY`` (``D/M/YYYY``); ValueError otherwise."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return datetime.date.fromisoformat(text)
    day, month, year = text.split("/")
    if len(year) != 4 or not (day.isdigit() and month.isdigit() and year.isdigit()):
        raise ValueError(text)
    return datetime.date(int(year), int(month), int(day))


def _date(text: str, name: str, problems: list[str]) -> datetime.date | None:
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        text = text.strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError:
            problems.append(BAD_DATE.format(name, text[:30]))
            return None


def check_row(source: ListRow, ref: Reference) -> Row:
    v = source.values
    row = Row(source.line, list(source.problems))
    _fund(row, v, ref)
    _identity(row, v, ref)
    _period(row, v, ref)
    disabled, until = v.get("disabled", ""), v.get("student_until", "")
    if row.kind == DEPENDANT and row.birth and row.start:
        _dependant(row, disabled, until, ref)
    elif row.kind == INSURED and (FLAGS.get(disabled.strip().casefold(), True) or until.strip()):
        row.problems.append("disabled et student_until concernent un enfant ayant droit.")
    return row


def _fund(row: Row, v: dict[str, str], ref: Reference) -> None:
    fund = ref.fund(v.get("fund", ""), v.get("regime", ""))
    row.organisation, row.regime = fund.organisation, fund.regime
    problems = row.problems
    problems.extend(fund.problems)
    quality = v.get("quality", "")
    row.kind = kind = ref.choice(quality, QUALITIES, "quality", problems)
    if not quality.strip():
        problems.append("quality : insured (assuré) ou dependant (ayant droit) est attendu.")
    relationship = ref.choice(v.get("relationship", ""), RELATIONSHIPS, "relationship", problems)
    if kind == INSURED:
        if relationship not in ("", SELF):
            problems.append("Un assuré figure avec le lien self (lui-même).")
        relationship = SELF
        row.category = ref.choice(v.get("category", ""), CATEGORIES, "category", problems) or (
            "active"
        )
    elif kind == DEPENDANT and relationship not in (SPOUSE, CHILD):
        problems.append("Lien inconnu : conjoint ou enfant.")
    row.relationship = relationship
    raw = v.get("fund_number", "")
    if fund.number_fund:
        pattern = FUND_NUMBER_PATTERNS.get(fund.number_fund, GENERIC_NUMBER).pattern
        if pattern.fullmatch(raw):
            row.number = raw  # already canonical
            return
        try:
            row.number = normalise_fund_number(fund.number_fund, raw)
            return
        except IdentifierError as exc:
            problems.append(str(exc))
    row.number = raw.strip()[:20]


def _plain(value: str, *, required: bool) -> bool:
    """A name ``clean_person`` keeps as it is: trimmed, single spaces, 80 characters at most."""
    if not value:
        return not required
    return len(value) <= 80 and "\x00" not in value and " ".join(value.split()) == value


def _identity(row: Row, v: dict[str, str], ref: Reference) -> None:
    """``clean_person``'s checks; the common case without its query (same result)."""
    birth_problems: list[str] = []
    birth = _date(v.get("birth_date", ""), "birth_date", birth_problems)
    last, first = v.get("last_name", ""), v.get("first_name", "")
    last_ar, first_ar = v.get("last_name_ar", ""), v.get("first_name_ar", "")
    cnie, sex, commune = v.get("cnie", ""), v.get("sex", ""), v.get("commune", "")
    insured = row.kind == INSURED
    if (
        sex in ("M", "F")
        and birth is not None and EARLIEST_BIRTH <= birth <= ref.today
        and (CNIE_PATTERN.fullmatch(cnie) if cnie else not insured)
        and commune in ref.communes
        and _plain(last, required=True) and _plain(first, required=True)
        and _plain(last_ar, required=False) and _plain(first_ar, required=False)
    ):  # fmt: skip
        row.cnie = cnie or None
        row.last_name, row.first_name, row.last_name_ar, row.first_name_ar = (
            last, first, last_ar, first_ar,
        )  # fmt: skip
        row.sex, row.birth, row.commune = sex, birth, ref.communes[commune]
        row.name_key = name_key(last, first)
        return
    data = PersonInput(
        last_name_lat=last, first_name_lat=first, last_name_ar=last_ar, first_name_ar=first_ar,
        sex=sex, birth_date=birth, commune=commune, cnie=cnie,
    )  # fmt: skip
    try:
        clean = clean_person(data, cnie_required=insured, today=ref.today)
    except EnrolmentRefused as exc:
        for name, messages in exc.errors.items():
            if not (name == "birth_date" and birth_problems):  # unreadable: said below
                row.problems.extend(messages)
        row.problems.extend(birth_problems)
        row.sex = sex.strip().upper()[:1]
        row.birth = None if "birth_date" in exc.errors else birth
        row.cnie = None if "cnie" in exc.errors else cnie.strip().upper() or None
        row.last_name, row.first_name = " ".join(last.split()), " ".join(first.split())
        row.name_key = name_key(row.last_name, row.first_name)  # to match it all the same
        return
    row.cnie, row.last_name, row.first_name = clean.cnie, clean.last_name_lat, clean.first_name_lat
    row.last_name_ar, row.first_name_ar = clean.last_name_ar, clean.first_name_ar
    row.sex, row.birth, row.commune = clean.sex, clean.birth_date, clean.commune
    row.name_key = name_key(row.last_name, row.first_name)


def _period(row: Row, v: dict[str, str], ref: Reference) -> None:
    """The start (``_check_start``) and a closing (``close_enrolment``'s rules)."""
    problems = row.problems
    raw = v.get("start", "")
    start = _date(raw, "start", problems)
    if start is None:
        if not raw.strip():
            problems.append("La date d'effet est obligatoire.")
        return
    regime = row.regime
    if start < EARLIEST_START or start > ref.latest:
        problems.append(f"Date d'effet hors limites ({start:%d/%m/%Y}).")
    elif regime is not None and not regime.in_force_on(start):
        problems.append(f"Le régime « {regime.name_fr} » n'est pas en vigueur le {start:%d/%m/%Y}.")
    row.stated_start = start
    if row.kind == DEPENDANT and row.birth is not None and row.birth > start:
        start = row.birth  # add_dependant: not before the birth
    row.start = start
    raw_end, raw_reason = v.get("end", ""), v.get("end_reason", "")
    if not raw_end and not raw_reason:
        return
    end = _date(raw_end, "end", problems)
    reason = ref.choice(raw_reason, END_REASONS, "end_reason", problems)
    if end is None:
        if reason and not raw_end.strip():
            problems.append("end_reason sans date de fin (end).")
        return
    if not reason:
        problems.append("Motif de clôture (end_reason) obligatoire avec une date de fin.")
        return
    if end > ref.latest:
        problems.append("Date de fin trop lointaine.")
    if end < start - datetime.timedelta(days=1) or (end < start and reason != CANCELLED):
        problems.append(f"La date de fin précède le début de l'immatriculation ({start:%d/%m/%Y}).")
    if reason == "divorce" and row.relationship != SPOUSE:
        problems.append("Le divorce clôt la qualité d'ayant droit d'un conjoint.")
    if reason == "insured_death" and row.kind == INSURED:
        problems.append("Pour l'assuré lui-même, le motif est « décès ».")
    row.end, row.end_reason = max(end, start), reason
    row.rights_until = ref.rights_until(reason, regime.code if regime else "", row.end)


def _dependant(row: Row, disabled: str, until_raw: str, ref: Reference) -> None:
    """A child's age rule on the start (a disabled child, a student certificate), a spouse's
    minimum age."""
    birth, start = row.birth, row.start
    assert birth is not None  # noqa: S101 - checked by the caller
    assert start is not None  # noqa: S101
    flag = FLAGS.get(disabled) if disabled in FLAGS else FLAGS.get(disabled.strip().casefold())
    if flag is None:
        row.problems.append(f"disabled : 0 ou 1 est attendu, pas « {disabled.strip()[:10]} ».")
    row.disabled = bool(flag)
    until = _date(until_raw, "student_until", row.problems)
    if row.relationship != CHILD:
        if row.disabled or until:
            row.problems.append("disabled et student_until concernent un enfant ayant droit.")
        elif (
            row.relationship == SPOUSE
            and start.year - birth.year < 16  # 16 or more: at least 15 years old
            and eligibility.age_on(birth, start) < 15
        ):
            row.problems.append("Un conjoint ne peut pas avoir moins de 15 ans.")
        return
    if until is not None:
        year = until.year if until.month <= 8 else until.year + 1  # years run September-August
        row.certificate = (f"{year - 1}-{year}", datetime.date(year - 1, 9, 1), until)
    child_max, student_max = ref.child_ages(start)
    if not row.disabled and start.year - birth.year <= child_max:
        return  # at most child_max years old: child_coverage's first case, without its cost
    certificate = row.certificate
    result = eligibility.child_coverage(
        birth, start, child_max_age=child_max, student_max_age=student_max,
        studying_until=certificate[2] if certificate and certificate[1] <= start else None,
        disabled=row.disabled,
    )  # fmt: skip
    if not result.covered:
        row.problems.append(
            f"Enfant trop âgé pour être ayant droit le {start:%d/%m/%Y} : {result.reason}"
        )
