"""Identifiers: the CNIE personal number and fund membership numbers.

CNIE (Carte Nationale d'Identité Électronique) personal number
    Accepted pattern after normalisation: ``^[A-Z]{1,2}[0-9]{1,6}$`` – one or two Latin letters
    (the issuing series, e.g. ``A``, ``BE``, ``JB``) followed by one to six digits, at most eight
    characters in all, e.g. ``BE123456``, ``A98765``. Normalisation removes white space
    (including non-breaking spaces) and hyphens, upper-cases the letters and turns Arabic-Indic
    digits into ASCII digits; compatibility forms (full-width letters) are folded by NFKC, other
    non-Latin letters are refused before upper-casing (``ß`` would become ``SS``). No check
    digit is published for the CNIE, so none is verified.

Fund numbers
    Each fund's membership number has its own pattern, kept as data with its source and
    certainty in ``data/fund_number_patterns.csv``;
    normalisation removes white space, hyphens, dots and slashes. CNSS: 9 digits (likely). The
    other funds' formats are not published: an alphanumeric number of 4 to 20 characters
    (unsure, to confirm with each fund).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CNIE_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9]{1,6}$")
_SEPARATORS = re.compile(r"[\s\-]+", re.UNICODE)
_FUND_SEPARATORS = re.compile(r"[\s\-./]+", re.UNICODE)


class IdentifierError(ValueError):
    """An identifier that cannot be normalised into a valid value; the message is French."""


def _ascii_digits(value: str) -> str:
    out = []
    for char in value:
        if char.isdigit() and not char.isascii():
            out.append(str(unicodedata.digit(char)))
        else:
            out.append(char)
    return "".join(out)


def normalise_cnie(value: str) -> str:
    """Return the canonical CNIE number or raise IdentifierError with a clear message."""
    if not isinstance(value, str):
        raise IdentifierError("Le numéro CNIE doit être une chaîne de caractères.")
    cleaned = _SEPARATORS.sub("", _ascii_digits(unicodedata.normalize("NFKC", value)))
    if not cleaned.isascii():  # before upper-casing: "ß".upper() is "SS"
        raise IdentifierError(
            f"« {value} » n'est pas un numéro CNIE valide : lettres latines et chiffres seulement."
        )
    cleaned = cleaned.upper()
    if not cleaned:
        raise IdentifierError("Le numéro CNIE est vide.")
    if not CNIE_PATTERN.fullmatch(cleaned):
        raise IdentifierError(
            f"« {value} » n'est pas un numéro CNIE valide : une ou deux lettres suivies "
            "de 1 à 6 chiffres sont attendues (ex. BE123456)."
        )
    return cleaned


def is_valid_cnie(value: str) -> bool:
    try:
        normalise_cnie(value)
    except IdentifierError:
        return False
    return True


@dataclass(frozen=True)
class FundNumberPattern:
    pattern: re.Pattern[str]
    description: str
    certainty: str
    source: str


def _load_fund_number_patterns() -> dict[str, FundNumberPattern]:
    """The patterns are data (``data/fund_number_patterns.csv``, ``*`` for the other funds)."""
    path = Path(__file__).resolve().parent / "data" / "fund_number_patterns.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["fund_code"]: FundNumberPattern(
                re.compile(row["pattern"]), row["description"], row["certainty"], row["source"]
            )
            for row in csv.DictReader(handle)
        }


FUND_NUMBER_PATTERNS = _load_fund_number_patterns()
_GENERIC = FUND_NUMBER_PATTERNS["*"]


def normalise_fund_number(fund_code: str, value: str) -> str:
    """Return the canonical membership number for a fund, or raise IdentifierError."""
    if not isinstance(value, str):
        raise IdentifierError("Le numéro d'immatriculation doit être une chaîne de caractères.")
    cleaned = _FUND_SEPARATORS.sub("", _ascii_digits(unicodedata.normalize("NFKC", value)))
    if cleaned.isascii():  # non-ASCII letters stay as they are and fail the pattern
        cleaned = cleaned.upper()
    rule = FUND_NUMBER_PATTERNS.get(fund_code.upper(), _GENERIC)
    if not cleaned:
        raise IdentifierError("Le numéro d'immatriculation est vide.")
    if not rule.pattern.fullmatch(cleaned):
        raise IdentifierError(
            f"« {value} » n'est pas un numéro d'immatriculation {fund_code} valide : "
            f"{rule.description} attendus."
        )
    return cleaned
