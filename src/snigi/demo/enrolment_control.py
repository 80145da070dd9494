"""Demo data for the double-enrolment control: the lists of five bodies with known overlaps,
received, controlled, reviewed, notified and answered through the real services.

Rows are people of the synthetic generator (from ``PEOPLE_START``, apart from the demo
population), each an independently noised copy (``synthetic_noise.noisy_records``: spellings,
particles, CNIE typos, partial dates, moved communes…), communes from the reference data.
Households are placed whole: CNSS (the head insured, spouse and children under 26 dependants),
CNOPS or MGPAP (the head), RAMED (every member, with the card number). Planted overlaps: a
RAMED head who took a salaried job (often living alone; sometimes with the family declared)
or a civil servant keeping the card; a household on two RAMED cards; a CNSS insured also
insured by CNOPS, or with two CNSS numbers; a spouse, CNSS dependant, civil servant in her own
right; a civil servant also salaried in the private sector.

The lists are dated on RAMED's last day (the regime's ``valid_to``, 30/11/2022, before AMO
Tadamon), when a RAMED list can be controlled. Deterministic for a seed; loaded once.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Count

from snigi.core.models import Organisation, Regime, User
from snigi.demo.generator import CommuneTable, PeopleBatch, generate_people
from snigi.demo.loader import DemoDataError, commune_table
from snigi.enrolment_control import notify
from snigi.enrolment_control.control import run_control
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import CandidatePair, ControlRun, ListEntry, Notice
from snigi.enrolment_control.models import SubmittedList as Submitted
from snigi.enrolment_control.review import decide
from snigi.enrolment_control.synthetic import ListStyle, Noise
from snigi.enrolment_control.synthetic_noise import UNIFORMS, noisy_records

PEOPLE_START = 20_000_000  # the generator's index range of the lists' people
DEMO_PEOPLE = 4_000  # people drawn: about 2,900 rows in five lists
DEFAULT_DATE = dt.date(2022, 11, 30)  # if the RAMED regime has no end date
OFFICER, CNSS_AGENT, CNOPS_AGENT = "anam.controle", "cnss.agent", "cnops.agent"
_STREAM = 0x454E_524C  # "ENRL": keeps these draws apart from other demo generators
KeyOf = tuple[str, str, str]  # (body code, list kind, record id): a row of a list
# Column headers, by intake field: the usual English ones, or French ones.
ENGLISH = {f: f for f in ("record_id", "cnie", "last_name", "first_name", "birth_date", "sex",
                          "commune")}  # fmt: skip
FRENCH = {"record_id": "identifiant", "cnie": "cin", "last_name": "nom", "first_name": "prenom",
          "birth_date": "date_naissance", "sex": "sexe", "commune": "commune"}  # fmt: skip


@dataclass(frozen=True)
class ListSpec:
    """One body's list: who sends it, how it is written (columns, separator, date format, code
    for men, how noisy)."""

    key: str
    organisation: str
    regime: str
    kind: str
    sender: str  # demo account
    headers: dict[str, str]  # intake field -> column header, in file order
    delimiter: str
    style: ListStyle
    noise: float = 1.0  # times the synthetic lists' default noise
    columns: dict[str, str] = field(default_factory=dict)  # intake mapping, when not usual


def _style(date_format: str, year_only: str, male: str) -> ListStyle:
    return ListStyle("", date_format, year_only, male, 0, (1, 0))  # fund fields unused here


LISTS = (
    ListSpec(
        key="cnss_insured", organisation="CNSS", regime="AMO_CNSS_SALARIES",
        kind=Submitted.Kind.INSURED, sender=CNSS_AGENT, headers=ENGLISH, delimiter=",",
        style=_style("dmy", "first_jan", "M"),
    ),
    ListSpec(
        key="cnss_dependants", organisation="CNSS", regime="AMO_CNSS_SALARIES",
        kind=Submitted.Kind.DEPENDANTS, sender=CNSS_AGENT,
        headers={**ENGLISH, "fund_number": "fund_number"}, delimiter=",",
        style=_style("dmy", "first_jan", "M"),
    ),
    ListSpec(
        key="cnops_insured", organisation="CNOPS", regime="AMO_CNOPS_PUBLIC",
        kind=Submitted.Kind.INSURED, sender=CNOPS_AGENT, headers=FRENCH, delimiter=";",
        style=_style("iso", "zeros", "M"),
    ),
    ListSpec(
        key="mgpap_members", organisation="MGPAP", regime="AMO_CNOPS_PUBLIC",
        kind=Submitted.Kind.MEMBERS, sender=OFFICER,
        headers={**FRENCH, "record_id": "matricule_adherent"}, delimiter="\t",
        style=_style("dmy", "year", "H"), noise=1.5,
        columns={"record_id": "matricule_adherent"},
    ),
    ListSpec(
        key="ramed", organisation="ANAM", regime="RAMED", kind=Submitted.Kind.INSURED,
        sender=OFFICER, headers={**FRENCH, "cnie": "cnie", "card_number": "numero_carte"},
        delimiter=";", style=_style("compact", "zeros", "H"), noise=2.0,
    ),
)  # fmt: skip
HOMES = (("cnss", 0.40), ("cnops", 0.10), ("mgpap", 0.15), ("ramed", 0.35))


# --------------------------------------------------------------------------- lists (no database)


@dataclass
class _Row:
    person: int  # index in the pool
    record_id: str
    fund_number: str = ""
    card_number: str = ""


class _Numbers:
    """Distinct ``digits``-digit numbers that look random (an affine bijection of a counter)."""

    def __init__(self, rng: np.random.Generator, digits: int) -> None:
        self.low, self.span = 10 ** (digits - 1), 9 * 10 ** (digits - 1)
        self.a = int(rng.integers(self.span // 3, self.span))
        while math.gcd(self.a, self.span) != 1:
            self.a += 1
        self.b, self.n = int(rng.integers(self.span)), 0

    def next(self) -> int:
        self.n += 1
        return self.low + (self.a * self.n + self.b) % self.span


@dataclass
class DemoLists:
    """The lists written, and the truth: which person each row is."""

    files: list[tuple[ListSpec, Path]]
    person_of: dict[KeyOf, int]

    @property
    def rows(self) -> int:
        return len(self.person_of)

    def same(self, a: KeyOf, b: KeyOf) -> bool:
        """Two rows of the same person (a row not in these lists is nobody's)."""
        return a in self.person_of and self.person_of.get(a) == self.person_of.get(b)

    def true_pairs(self) -> set[frozenset[KeyOf]]:
        by_person: dict[int, list[KeyOf]] = {}
        for key, person in self.person_of.items():
            by_person.setdefault(person, []).append(key)
        return {frozenset(p) for keys in by_person.values() for p in combinations(keys, 2)}


class _Plan:
    """Rows of each list, household by household."""

    def __init__(self, pool: PeopleBatch, situation: dt.date, rng: np.random.Generator) -> None:
        self.pool, self.rng = pool, rng
        self.rows: dict[str, list[_Row]] = {spec.key: [] for spec in LISTS}
        self.numbers = {k: _Numbers(rng, d) for k, d in (("cnss_insured", 9),
                        ("cnops_insured", 10), ("mgpap_members", 7), ("card", 10))}  # fmt: skip
        days = (np.datetime64(situation) - pool.birth_date).astype(np.int64)
        self.age = days / 365.2425

    def add(self, key: str, person: int, **extra: str) -> str:
        """A row of ``person`` in list ``key``; its record id (a new number unless given)."""
        if "record_id" not in extra:
            prefix = "MG" if key == "mgpap_members" else ""
            extra["record_id"] = f"{prefix}{self.numbers[key].next()}"
        self.rows[key].append(_Row(person, **extra))
        return extra["record_id"]

    def cnss(self, members: list[int]) -> str:
        """The head insured by CNSS, the spouse and the children under 26 as dependants."""
        number = self.add("cnss_insured", members[0])
        dependants = [m for m in members[1:] if self._dependant(m)]
        for rank, m in enumerate(dependants, start=1):
            self.add("cnss_dependants", m, record_id=f"{number}-{rank:02d}", fund_number=number)
        return number

    def _dependant(self, m: int) -> bool:
        role = self.pool.role_in_household[m]
        return role == "spouse" or (role == "child" and self.age[m] < 26)

    def ramed(self, members: list[int]) -> None:
        card = str(self.numbers["card"].next())
        for rank, m in enumerate(members, start=1):
            self.add("ramed", m, record_id=f"{card}-{rank:02d}", card_number=card)

    def household(self, members: list[int]) -> None:
        u = self.rng.random(5)
        home = HOMES[int(np.searchsorted(np.cumsum([s for _, s in HOMES]), u[0]))][0]
        head = members[0]
        public = "cnops_insured" if u[4] < 0.4 else "mgpap_members"
        if home == "ramed":
            self.ramed(members)
            if u[1] < (0.5 if len(members) == 1 else 0.08):  # took a salaried job
                if u[2] < 0.3:
                    self.cnss(members)  # and declared the family
                else:
                    self.add("cnss_insured", head)
            elif u[1] < (0.6 if len(members) == 1 else 0.12):  # a civil servant keeps the card
                self.add(public, head)
            if u[3] < 0.03:  # the household on a second card
                self.ramed(members)
        elif home == "cnss":
            self.cnss(members)
            spouse = [m for m in members[1:2] if self.pool.role_in_household[m] == "spouse"]
            if u[1] < 0.05:
                self.add(public, head)  # also in the public sector
            elif u[1] < 0.07:
                self.add("cnss_insured", head)  # a second CNSS number
            if spouse and u[2] < 0.12 and self.age[spouse[0]] >= 20:
                self.add(public, spouse[0])  # a civil servant in her own right
        else:
            self.add(f"{home}_insured" if home == "cnops" else "mgpap_members", head)
            if u[1] < 0.05:
                self.add("cnss_insured", head)  # also salaried in the private sector


def _mover(communes: CommuneTable) -> tuple[np.ndarray, Callable[..., np.ndarray]]:
    """Commune codes (sorted) and ``move(communes, same_province, pick)`` for the noise: another
    commune of the same province when asked (and there is one), else any, by weight."""
    order = np.argsort(np.array(communes.codes))
    codes = np.array(communes.codes)[order]
    weights = np.array(communes.weights, dtype=np.float64)[order]
    province = np.unique(np.array(communes.province_codes)[order], return_inverse=True)[1]
    members = np.argsort(province, kind="stable")
    size = np.bincount(province)
    first, cum, n = np.cumsum(size) - size, np.cumsum(weights) / weights.sum(), len(codes)

    def move(c: np.ndarray, same: np.ndarray, pick: np.ndarray) -> np.ndarray:
        p = province[c]
        k = np.minimum((pick * size[p]).astype(np.int64), size[p] - 1)
        near = members[first[p] + k]
        near = np.where(near == c, members[first[p] + (k + 1) % size[p]], near)
        far = np.minimum(np.searchsorted(cum, pick, side="right"), n - 1)
        new = np.where(same & (size[p] > 1), near, far)
        return np.where(new == c, (c + 1) % n, new)

    return codes, move


def _people(pool: PeopleBatch, codes: np.ndarray) -> dict[str, np.ndarray]:
    """The pool as ``noisy_records`` reads it."""
    months = pool.birth_date.astype("datetime64[M]")
    return {
        "head": pool.household_key - pool.demo_key[0],
        "rank": pool.demo_key - pool.household_key,
        "male": pool.sex == "M",
        "year": pool.birth_date.astype("datetime64[Y]").astype(np.int64) + 1970,
        "month": months.astype(np.int64) % 12 + 1,
        "day": (pool.birth_date - months).astype(np.int64) + 1,
        "first": pool.first_name_lat.astype(object),
        "last": pool.last_name_lat.astype(object),
        "first_ar": pool.first_name_ar.astype(object),
        "last_ar": pool.last_name_ar.astype(object),
        "cnie": np.array([c or None for c in pool.cnie.tolist()], dtype=object),
        "commune": np.searchsorted(codes, pool.commune_code),
    }


def build_demo_lists(
    *, directory: Path, seed: int, people: int, communes: CommuneTable, situation_date: dt.date
) -> DemoLists:
    """Write the five lists (CSV) into ``directory``; the same files for the same arguments."""
    pool = generate_people(start=PEOPLE_START, count=people, seed=seed, communes=communes,
                           variant_rate=0.0)  # fmt: skip
    born = pool.birth_date <= np.datetime64(situation_date)
    households: dict[int, list[int]] = {}
    for i, h in enumerate(pool.household_key.tolist()):
        if born[i]:
            households.setdefault(h, []).append(i)
    plan = _Plan(pool, situation_date, np.random.default_rng([seed, _STREAM]))
    for members in households.values():
        plan.household(members)
    codes, move = _mover(communes)
    p = _people(pool, codes)
    built = DemoLists(files=[], person_of={})
    for number, spec in enumerate(LISTS):
        rows = sorted(plan.rows[spec.key], key=lambda r: r.record_id)
        idx = np.array([r.person for r in rows], dtype=np.int64)
        u = np.random.default_rng([seed, _STREAM, number]).random(
            (len(UNIFORMS), len(idx)), dtype=np.float32
        )
        noise = Noise().scaled(spec.noise)
        noisy = noisy_records(p, idx, u, noise, spec.style, move, codes)
        path = directory / f"demo-{spec.key.replace('_', '-')}.csv"
        _write(path, spec, rows, noisy)
        built.files.append((spec, path))
        for row in rows:
            key = (spec.organisation, str(spec.kind), row.record_id)
            built.person_of[key] = int(pool.demo_key[row.person])
    return built


def _write(path: Path, spec: ListSpec, rows: list[_Row], noisy: dict[str, np.ndarray]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=spec.delimiter, lineterminator="\n")
        writer.writerow(spec.headers.values())
        for n, row in enumerate(rows):
            values = {"record_id": row.record_id, "fund_number": row.fund_number,
                      "card_number": row.card_number}  # fmt: skip
            for name in ("cnie", "last_name", "first_name", "birth_date", "sex", "commune"):
                values[name] = noisy[name][n] or ""
            writer.writerow([values[name] for name in spec.headers])


# --------------------------------------------------------------------------- through the services


@dataclass(frozen=True)
class DemoControl:
    """The lists and the run, and what this call added (nothing when the demo was loaded)."""

    lists: list[Submitted]
    run: ControlRun
    lists_added: int = 0
    run_added: bool = False
    decisions: int = 0
    notices: int = 0
    outcomes: int = 0

    @property
    def added(self) -> bool:
        return any((self.lists_added, self.run_added, self.decisions, self.notices, self.outcomes))


def situation_date() -> dt.date:
    """The last day of RAMED, from the reference data."""
    ramed = Regime.objects.filter(code="RAMED").first()
    return ramed.valid_to if ramed and ramed.valid_to else DEFAULT_DATE


def _accounts() -> dict[str, User]:
    users = {u.username: u for u in User.objects.filter(username__in=[s.sender for s in LISTS])}
    missing = {s.sender for s in LISTS} - set(users)
    if missing:
        raise DemoDataError(f"demo accounts missing: {', '.join(sorted(missing))}.")
    return users


def _existing(day: dt.date) -> list[Submitted] | None:
    found = [Submitted.objects.filter(organisation__code=s.organisation, kind=s.kind,
                                      situation_date=day).first() for s in LISTS]  # fmt: skip
    return None if None in found else found  # type: ignore[return-value]


def _done_run(lists: list[Submitted]) -> ControlRun | None:
    wanted = {s.pk for s in lists}
    runs = ControlRun.objects.filter(status=ControlRun.Status.DONE, lists__in=lists)
    for run in runs.distinct().order_by("-pk"):
        if set(run.lists.values_list("pk", flat=True)) == wanted:
            return run
    return None


def load_demo_enrolment_control(*, seed: int, people: int = DEMO_PEOPLE) -> DemoControl:
    """Receive the demo lists, run one control, review, notify and answer; reuse what is there."""
    day = situation_date()
    lists = _existing(day)
    run = _done_run(lists) if lists else None
    if lists and run and Notice.objects.filter(run=run, outcome__in=notify.ANSWERS).exists():
        return DemoControl(lists=lists, run=run)
    users = _accounts()
    officer = users[OFFICER]
    with tempfile.TemporaryDirectory(prefix="snigi-demo-lists-") as work:
        built = build_demo_lists(directory=Path(work), seed=seed, people=people,
                                 communes=commune_table(), situation_date=day)  # fmt: skip
        lists, added = _receive(built, users, day)
    run_added = run is None
    if run is None:
        run = run_control(actor=officer, lists=lists, threshold=0.9, review_floor=0.5)
        if run.status != ControlRun.Status.DONE:
            raise DemoDataError(f"the demo control run failed: {run.error}")
    decisions = 0
    if not CandidatePair.objects.filter(run=run, decision__isnull=False).exists():
        decisions = _review(run, built, officer)
    notices = notify.notify_run(actor=officer, run=run)
    outcomes = _outcomes(run, built, users[CNSS_AGENT])
    return DemoControl(lists, run, added, run_added, decisions, notices, outcomes)


def _receive(built: DemoLists, users: dict[str, User], day: dt.date) -> tuple[list[Submitted], int]:
    """Each list sent by its body's agent (ANAM's officer otherwise); the same file is
    recognised, another one for the date means the lists came from another seed."""
    organisations = {o.code: o for o in Organisation.objects.filter(
        code__in=[s.organisation for s in LISTS])}  # fmt: skip
    regimes = {r.code: r for r in Regime.objects.filter(code__in=[s.regime for s in LISTS])}
    lists, added = [], 0
    for spec, path in built.files:
        try:
            report = receive_list(
                actor=users[spec.sender], path=path, organisation=organisations[spec.organisation],
                kind=spec.kind, situation_date=day, regime=regimes[spec.regime],
                columns=spec.columns,
            )  # fmt: skip
        except ValidationError as exc:
            raise DemoDataError(f"{path.name}: {' '.join(exc.messages)}") from exc
        except KeyError as exc:
            raise DemoDataError(f"reference data missing: {exc.args[0]}") from exc
        if report.refused or report.submitted_list is None:
            reasons = "; ".join(f"{r.line}: {r.reason}" for r in report.refused[:5])
            raise DemoDataError(f"{path.name} refused ({reasons}).")
        lists.append(report.submitted_list)
        added += bool(report.new)
    return lists, added


def _key(entry: ListEntry) -> KeyOf:
    submitted = entry.submitted_list
    return (submitted.organisation.code, submitted.kind, entry.record_id)


def _pairs(run: ControlRun, band: str) -> list[CandidatePair]:
    return list(
        CandidatePair.objects.filter(run=run, band=band)
        .select_related("entry_a__submitted_list__organisation",
                        "entry_b__submitted_list__organisation")
        .order_by("-probability", "pk")
    )  # fmt: skip


def _review(run: ControlRun, built: DemoLists, officer: User) -> int:
    """A handful of pairs decided the way the truth says: pairs to review found the same person
    or two people; the least sure links checked, confirmed or refuted (with what tells the two
    people apart)."""
    review = _pairs(run, CandidatePair.Band.REVIEW)
    links = _pairs(run, CandidatePair.Band.LINK)[::-1]  # the least sure first
    true = {p.pk for p in review + links if built.same(_key(p.entry_a), _key(p.entry_b))}
    same = [p for p in review if p.pk in true][:5] + [p for p in links if p.pk in true][:3]
    different = [p for p in review if p.pk not in true][:3]
    different += [p for p in links if p.pk not in true][:2]
    for pair in same:
        decide(actor=officer, pair=pair, same_person=True,
               note="Même personne : pièces d'état civil concordantes.")  # fmt: skip
    for pair in different:
        decide(actor=officer, pair=pair, same_person=False, note=_difference(pair))
    return len(same) + len(different)


def _difference(pair: CandidatePair) -> str:
    a, b = pair.entry_a, pair.entry_b
    seen = []
    if a.cnie and b.cnie and a.cnie.replace(" ", "").upper() != b.cnie.replace(" ", "").upper():
        seen.append(f"CNIE {a.cnie.strip()} et {b.cnie.strip()}")
    if a.birth_date and b.birth_date and a.birth_date != b.birth_date:
        seen.append(f"nés le {a.birth_date} et le {b.birth_date}")
    if a.first_name.strip().lower() != b.first_name.strip().lower():
        seen.append(f"prénoms {a.first_name.strip() or '—'} et {b.first_name.strip() or '—'}")
    family = " du même ménage" if a.card_number and a.card_number == b.card_number else ""
    return f"Deux personnes{family} : " + ("; ".join(seen) or "état civil vérifié") + "."


def _outcomes(run: ControlRun, built: DemoLists, agent: User) -> int:
    """CNSS answers a few notices: enrolments closed, one kept, one contested."""
    notices = list(
        Notice.objects.filter(run=run, organisation=agent.organisation)
        .select_related("entry__submitted_list__organisation",
                        "other__submitted_list__organisation")
        .order_by("pk")
    )  # fmt: skip
    if any(n.outcome in notify.ANSWERS for n in notices):
        return 0
    pending = [n for n in notices if n.outcome == Notice.Outcome.PENDING]
    true = [n for n in pending if built.same(_key(n.entry), _key(n.other))]
    closed, kept = [n for n in true if n.gives_way][:3], [n for n in true if not n.gives_way][:1]
    plan = [(n, Notice.Outcome.CLOSED, "Immatriculation close après vérification.") for n in closed]
    plan += [(n, Notice.Outcome.KEPT, "Activité salariée déclarée et cotisée : immatriculation "
              "maintenue.") for n in kept]  # fmt: skip
    plan += [(n, Notice.Outcome.CONTESTED, "Deux personnes différentes : actes de naissance "
              "vérifiés.") for n in [n for n in pending if n not in true][:1]]  # fmt: skip
    for notice, outcome, note in plan:
        notify.record_outcome(actor=agent, notice=notice, outcome=outcome, note=note)
    return len(plan)


def summary(loaded: DemoControl) -> str:
    """One line for ``snigi demo``."""
    run = loaded.run
    bands = dict(CandidatePair.objects.filter(run=run).values_list("band").annotate(n=Count("pk")))
    rows = sum(s.rows for s in loaded.lists)
    verb = "loaded" if loaded.added else "reused"
    return (
        f"Double-enrolment control {verb}: {len(loaded.lists)} lists ({rows:,} rows) of "
        f"{loaded.lists[0].situation_date:%d/%m/%Y}, run #{run.pk}: "
        f"{bands.get(CandidatePair.Band.LINK, 0)} links, "
        f"{bands.get(CandidatePair.Band.REVIEW, 0)} to review, "
        f"{run.pairs.filter(decision__isnull=False).count()} decided, "
        f"{run.notices.count()} notices ({run.notices.filter(outcome__in=notify.ANSWERS).count()} "
        "answered)."
    )
