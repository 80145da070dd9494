"""The INPE code: 9 digits, permanent, never reused, with a check digit.

Scheme (SNIGI's choice; no public check-digit scheme is known): an 8-digit serial number from
10 000 000 to 99 999 999, allocated in sequence, followed by its **Damm** check digit. The Damm
algorithm (H. M. Damm, 2004) detects every single mistyped digit and every transposition of two
adjacent digits; serials start at 10 000 000 so that no code begins with 0 (spreadsheets drop
leading zeros). Validation normalises spaces and Arabic-Indic digits, then checks the length and
the check digit and says which rule failed.
"""

from __future__ import annotations

import unicodedata

FIRST_SERIAL = 10_000_000
LAST_SERIAL = 99_999_999

# The weakly totally anti-symmetric quasigroup of order 10 used by the Damm algorithm.
DAMM_TABLE = (  # also used, vectorised, by providers.selectors.damm_valid
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


class InpeError(ValueError):
    """A malformed INPE code; the message (French) says why."""


def damm_digit(digits: str) -> int:
    interim = 0
    for char in digits:
        interim = DAMM_TABLE[interim][ord(char) - 48]
    return interim


def inpe_from_serial(serial: int) -> str:
    if not FIRST_SERIAL <= serial <= LAST_SERIAL:
        raise InpeError(f"Numéro de série INPE hors plage : {serial}.")
    body = str(serial)
    return body + str(damm_digit(body))


def inpe_digits(value: str) -> str:
    """The 9 digits of a code as typed (spaces, hyphens and dots removed, Arabic-Indic digits
    folded), without the SNIGI rules on the first digit and the check digit: the shape that codes
    imported from an earlier register (``Provider.legacy_code``) keep."""
    if not isinstance(value, str):
        raise InpeError("Le code INPE doit être une chaîne de caractères.")
    cleaned = "".join(
        str(unicodedata.digit(ch)) if ch.isdigit() else ch
        for ch in unicodedata.normalize("NFKC", value)
        if not ch.isspace() and ch not in "-."
    )
    if not cleaned:
        raise InpeError("Le code INPE est vide.")
    if not cleaned.isascii() or not cleaned.isdigit():
        raise InpeError(f"« {value} » n'est pas un code INPE : seuls des chiffres sont admis.")
    if len(cleaned) != 9:
        raise InpeError(
            f"« {value} » n'est pas un code INPE : 9 chiffres attendus, {len(cleaned)} reçus."
        )
    return cleaned


def normalise_inpe(value: str) -> str:
    """The canonical 9-digit code, or InpeError saying which rule fails."""
    cleaned = inpe_digits(value)
    if cleaned[0] == "0":
        raise InpeError(f"« {value} » n'est pas un code INPE : un code ne commence pas par 0.")
    if damm_digit(cleaned) != 0:
        raise InpeError(
            f"« {value} » n'est pas un code INPE valide : la clé de contrôle ne correspond pas "
            "(chiffre mal saisi ou deux chiffres inversés ?)."
        )
    return cleaned


def is_valid_inpe(value: str) -> bool:
    try:
        normalise_inpe(value)
    except InpeError:
        return False
    return True
