"""Reading and checking the rows of a historical register of complaints (README: « Import d'un
registre historique »): one CSV row per file, its columns named as the fields below or by the
French headers registers use, its values as codes or as the French labels of the seed's tables,
its dates in ISO or French form. A row comes out checked: its cleaned values, or its reasons.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone, translation

from snigi.complaints.intake import EARLIEST_RECEIPT
from snigi.complaints.models import Channel, Decision, Nature, NatureGroup, RequesterType
from snigi.core.models import Organisation
from snigi.providers.register_file import ImportFileError, RegisterFile, _fold

FIELDS = (
    "reference", "received_on", "requester_type", "requester_name", "channel", "nature",
    "decision", "decision_on", "referred_to", "answered", "answered_on",
)  # fmt: skip
REQUIRED_COLUMNS = ("received_on", "requester_type", "channel", "nature", "decision",
                    "decision_on")  # fmt: skip
# French headers of past registers, matched as the field names are (case, accents, separators).
HEADER_ALIASES = {
    "reference": ("référence", "n° dossier", "numéro", "numéro du dossier", "ref"),
    "received_on": ("date de réception", "date réception", "reçu le", "date d'arrivée"),
    "requester_type": ("type de demandeur", "type demandeur", "provenance"),
    "requester_name": ("demandeur", "nom du demandeur", "nom demandeur"),
    "channel": ("canal", "mode de réception", "mode de dépôt"),
    "nature": ("nature de la réclamation", "nature de réclamation", "objet"),
    "decision": ("décision", "décision de l'anam"),
    "decision_on": ("date de décision", "date de la décision", "date décision"),
    "referred_to": ("organisme", "organismes", "entité", "entité administrative",
                    "attribution", "organisme saisi", "organismes saisis"),
    "answered": ("retour", "réponse", "retour d'information"),
    "answered_on": ("date de réponse", "date de retour", "date du retour"),
}  # fmt: skip
NAME_LIMIT, REFERENCE_LIMIT = 200, 60
SEPARATORS = re.compile(r"\s*[;,|/+]\s*")
DATE_FORMATS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"\d{1,2}/\d{1,2}/\d{4}"), "%d/%m/%Y"),
    (re.compile(r"\d{1,2}-\d{1,2}-\d{4}"), "%d-%m-%Y"),
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}"), "%d.%m.%Y"),
    (re.compile(r"\d{8}"), "%Y%m%d"),
)
YES = frozenset({"oui", "o", "yes", "y", "1", "vrai", "true", "x"})
NO = frozenset({"non", "n", "no", "0", "faux", "false"})
# Spellings of the seed's tables and registers, beside the codes and the French labels.
REQUESTER_WORDS = {
    "assure": "insured", "assures": "insured", "assure_amo": "insured", "og": "fund",
    "organismes_gestionnaires": "fund", "ps": "professional",
    "professionnels_de_sante": "professional", "societes_savantes": "learned_society",
    "ministere": "ministry", "departement_ministeriel": "ministry", "primature": "ministry",
    "associations": "association", "autres": "other",
}  # fmt: skip
CHANNEL_WORDS = {
    "poste": "post", "courrier_postal": "post", "main_propre": "hand", "depot": "hand",
    "e_mail": "email", "mail": "email", "telephone": "phone", "portail": "online",
    "en_ligne": "online", "bureau_d_ordre": "hand",
}  # fmt: skip
DECISION_WORDS = {
    "defavorable": "unfavourable", "favorable": "favourable", "incomplet": "incomplete",
    "dossiers_incomplets": "incomplete", "dossier_incomplet": "incomplete",
    "cps": "commissions", "csp": "commissions", "en_attente_de_la_cps": "commissions",
    "en_attente_de_la_commission_permanente_de_suivi_cps_et_csp": "commissions",
    "en_attente_de_la_commission_permanente_de_suivi_et_csp": "commissions",
    "en_attente_d_expertise": "expertise", "en_attente_d_expertise_medicale": "expertise",
    "commission_de_la_transparence": "transparency", "classe": "classified",
    "suspension": "suspension", "mis_hors_convention": "suspension",
}  # fmt: skip


def key(text: str) -> str:
    """A spelling's key: case, accents and every non-alphanumeric run folded."""
    return re.sub(r"[^0-9a-z]+", "_", _fold(text)).strip("_")


def _choices(choices: Sequence[tuple[str, object]], words: Mapping[str, str]) -> dict[str, str]:
    with translation.override("fr"):
        found = {key(str(label)): code for code, label in choices}
    return {**found, **{key(code): code for code, _ in choices}, **words}


@dataclass
class Vocabulary:
    """The reference data a row is checked against, loaded once."""

    natures: dict[str, Nature]
    bodies: dict[str, Organisation]
    requesters: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, str] = field(default_factory=dict)
    today: datetime.date = field(default_factory=timezone.localdate)

    @classmethod
    def load(cls) -> Vocabulary:
        natures: dict[str, Nature] = {}
        ordered = list(Nature.objects.order_by("position", "code"))
        with translation.override("fr"):
            for code, label in NatureGroup.choices:  # a group: its own nature, else its first
                members = [n for n in ordered if n.group == code]
                chosen = next(
                    (n for n in members if n.code == code), members[0] if members else None
                )
                if chosen is not None:
                    natures[key(code)] = natures[key(str(label))] = chosen
        for nature in ordered:
            natures[key(nature.name_en)] = natures[key(nature.name_fr)] = nature
        for nature in ordered:
            natures[key(nature.code)] = nature
        bodies: dict[str, Organisation] = {}
        for organisation in Organisation.objects.all():
            bodies[key(organisation.name_fr)] = organisation
        for organisation in Organisation.objects.all():
            bodies[key(organisation.code)] = organisation
        return cls(
            natures, bodies, _choices(RequesterType.choices, REQUESTER_WORDS),
            _choices(Channel.choices, CHANNEL_WORDS), _choices(Decision.choices, DECISION_WORDS),
        )  # fmt: skip


@dataclass
class Row:
    """A row as checked: its values cleaned, or the reasons it is refused."""

    line: int
    problems: list[str] = field(default_factory=list)
    reference: str = ""
    received_on: datetime.date | None = None
    requester_type: str = ""
    requester_name: str = ""
    channel: str = ""
    nature: Nature | None = None
    decision: str = ""
    decision_on: datetime.date | None = None
    bodies: list[Organisation] = field(default_factory=list)
    answered: list[bool] = field(default_factory=list)
    answered_on: datetime.date | None = None
    today: datetime.date = datetime.date.max  # no date may be later

    def content(self) -> str:
        """The SHA-256 of the row's cleaned content (whatever its spelling or date format)."""
        values = [
            self.reference, str(self.received_on), self.requester_type, self.requester_name,
            self.channel, self.nature.code if self.nature else "", self.decision,
            str(self.decision_on or ""), [b.code for b in self.bodies], self.answered,
            str(self.answered_on or ""),
        ]  # fmt: skip
        return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()


def parse_date(text: str) -> datetime.date | None:
    """ISO (2012-03-31), French (31/03/2012, 31-03-2012, 31.03.2012) or 20120331; None if
    unreadable."""
    for pattern, form in DATE_FORMATS:
        if pattern.fullmatch(text):
            try:
                return datetime.datetime.strptime(text, form).date()  # noqa: DTZ007 - a date
            except ValueError:
                return None
    return None


def _date(row: Row, text: str, label: str) -> datetime.date | None:
    if not text:
        return None
    day = parse_date(text)
    if day is None:
        row.problems.append(f"{label} : date invalide « {text[:30]} » (JJ/MM/AAAA ou AAAA-MM-JJ).")
    elif day > row.today:
        row.problems.append(f"{label} : le {day:%d/%m/%Y} est dans le futur.")
        return None
    return day


def _choice(row: Row, text: str, words: Mapping[str, str], label: str) -> str:
    if not text:
        row.problems.append(f"{label} : valeur obligatoire.")
        return ""
    found = words.get(key(text), "")
    if not found:
        row.problems.append(f"{label} inconnu(e) : « {text[:60]} ».")
    return found


def _text(row: Row, text: str, label: str, limit: int) -> str:
    if "\x00" in text:
        row.problems.append(f"{label} : caractère nul refusé.")
        return ""
    if len(text) > limit:
        row.problems.append(f"{label} : {limit} caractères au plus.")
    return text[:limit]


def check_row(line: int, values: Mapping[str, str], vocabulary: Vocabulary) -> Row:
    """Every reason to refuse the row at once, or its cleaned values."""
    v = {name: (values.get(name) or "").strip() for name in FIELDS}
    row = Row(line, today=vocabulary.today)
    row.reference = _text(row, v["reference"], "Référence", REFERENCE_LIMIT)
    row.requester_name = _text(row, v["requester_name"], "Demandeur", NAME_LIMIT)
    row.received_on = _date(row, v["received_on"], "Date de réception")
    if not v["received_on"]:
        row.problems.append("Date de réception : valeur obligatoire.")
    elif row.received_on and row.received_on < EARLIEST_RECEIPT:
        row.problems.append(f"Date de réception : pas avant le {EARLIEST_RECEIPT:%d/%m/%Y} "
                            "(loi 65-00 en vigueur).")  # fmt: skip
    row.requester_type = _choice(row, v["requester_type"], vocabulary.requesters,
                                 "Type de demandeur")  # fmt: skip
    row.channel = _choice(row, v["channel"], vocabulary.channels, "Canal")
    if not v["nature"]:
        row.problems.append("Nature : valeur obligatoire.")
    else:
        row.nature = vocabulary.natures.get(key(v["nature"]))
        if row.nature is None:
            row.problems.append(f"Nature inconnue : « {v['nature'][:60]} ».")
    _decision(row, v, vocabulary)
    _referral(row, v, vocabulary)
    return row


def _decision(row: Row, v: dict[str, str], vocabulary: Vocabulary) -> None:
    row.decision_on = _date(row, v["decision_on"], "Date de décision")
    if not v["decision"]:
        if v["decision_on"]:
            row.problems.append("Date de décision sans décision.")
        return
    row.decision = _choice(row, v["decision"], vocabulary.decisions, "Décision")
    if not v["decision_on"]:
        row.problems.append("Date de décision : obligatoire avec une décision.")
    elif row.decision_on and row.received_on and row.decision_on < row.received_on:
        row.problems.append(f"La décision ({row.decision_on:%d/%m/%Y}) précède la réception "
                            f"({row.received_on:%d/%m/%Y}).")  # fmt: skip


def _referral(row: Row, v: dict[str, str], vocabulary: Vocabulary) -> None:
    names = [n for n in SEPARATORS.split(v["referred_to"]) if n] if v["referred_to"] else []
    answers = [a for a in SEPARATORS.split(v["answered"]) if a] if v["answered"] else []
    if row.decision == Decision.REFERRAL and not names:
        row.problems.append("Une attribution : indiquez l'organisme saisi (referred_to).")
    if names and row.decision and row.decision != Decision.REFERRAL:
        row.problems.append("Organisme saisi (referred_to) sans décision d'attribution.")
    for name in names:
        body = vocabulary.bodies.get(key(name))
        if body is None:
            row.problems.append(f"Organisme inconnu : « {name[:60]} ».")
        elif body in row.bodies:
            row.problems.append(f"Organisme {body.code} cité deux fois.")
        else:
            row.bodies.append(body)
    if answers and not names:
        row.problems.append("Retour d'information (answered) sans organisme saisi.")
    elif answers:
        if len(answers) not in (1, len(names)):
            row.problems.append(
                f"Retour d'information : {len(answers)} valeurs pour {len(names)} organismes "
                "(une seule, ou une par organisme)."
            )
        for answer in answers:
            if key(answer) not in YES | NO:
                row.problems.append(f"Retour d'information : « {answer[:20]} » (oui ou non).")
        flags = [key(a) in YES for a in answers]
        row.answered = flags * len(names) if len(flags) == 1 else flags
    row.answered_on = _date(row, v["answered_on"], "Date de réponse")
    if row.answered_on and not any(row.answered):
        row.problems.append("Date de réponse sans retour d'information « oui ».")
    elif row.answered_on and row.decision_on and row.answered_on < row.decision_on:
        row.problems.append("La réponse précède l'attribution (date de décision).")


def header_columns(path: str | Path, encoding: str, columns: Mapping[str, str]) -> dict[str, str]:
    """The column mapping: the one given, completed by the French headers the file uses."""
    with RegisterFile(path, encoding=encoding, fields=FIELDS, required=()) as probe:
        present = {_fold(h): h for h in probe.headers}
    found = dict(columns)
    for name, aliases in HEADER_ALIASES.items():
        if name in found or _fold(name) in present:
            continue
        alias = next((present[_fold(a)] for a in aliases if _fold(a) in present), None)
        if alias is not None:
            found[name] = alias
    return found


def open_register(
    path: str | Path, *, encoding: str = "", columns: Mapping[str, str] | None = None
) -> RegisterFile:
    """The register at ``path``; ``ImportFileError`` when it cannot be read as one."""
    with Path(path).open("rb") as handle:
        head = handle.read(8)
    if head.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError(
            f"{Path(path).name} n'est pas un fichier CSV (classeur, archive ou PDF ?) : "
            "enregistrez le registre au format CSV (UTF-8)."
        )
    mapping = header_columns(path, encoding, columns or {})
    return RegisterFile(path, encoding=encoding, columns=mapping, fields=FIELDS,
                        required=REQUIRED_COLUMNS)  # fmt: skip
