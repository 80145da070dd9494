"""Noise for the synthetic beneficiary lists (Django-free): strings, then whole records.

Each function models one real-world way two registration desks write the same Moroccan name or
CNIE number differently: a second known spelling, a transliteration habit (French or English
rendering of Arabic sounds), the Arabic article and the family particles (EL, BEN, AIT, OU...),
abbreviations, compound first names, case and French accents, slips on an AZERTY keyboard (the
layout used in Moroccan offices), CNIE keying and formatting errors. None is derived from any
matcher's rules. Every random choice comes from uniforms passed in by the caller.
``*_variants`` give weighted options ``[(spelling, weight), ...]``; ``VariantPicker`` draws one
per selected record, vectorised; ``noisy_records`` applies ``synthetic.Noise`` to a batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np

from snigi.demo.generator import REFERENCE_DATE
from snigi.demo.names import spelling_variants

if TYPE_CHECKING:
    from snigi.enrolment_control.synthetic import ListStyle, Noise

Options = list[tuple[str, float]]


class VariantPicker:
    """Replaces selected values by one of their weighted options (an option may be the value
    itself, meaning "no change"). Non-string values (missing) are left alone."""

    def __init__(self, options: Callable[[str], Options]) -> None:
        self._options_of = options
        self._ids: dict[str, int] = {}
        self._options: list[tuple[str, ...]] = []
        self._cum: list[np.ndarray] = []

    def _id(self, value: str) -> int:
        if value in self._ids:
            return self._ids[value]
        merged: dict[str, float] = {}
        for option, weight in self._options_of(value):
            if option and weight > 0:
                merged[option] = merged.get(option, 0.0) + weight
        cum = np.cumsum(np.array(list(merged.values()), dtype=np.float64))
        cum = cum / cum[-1:].sum() if len(cum) else cum
        cum[-1:] = 1.0  # exactly: a uniform below 1 never falls past the last option
        self._ids[value] = len(self._options)
        self._options.append(tuple(merged))
        self._cum.append(cum)
        return self._ids[value]

    def apply(self, values: np.ndarray, rows: np.ndarray, v: np.ndarray) -> None:
        """``values[rows]`` (object array, in place) := an option picked by ``v`` (uniforms)."""
        if len(rows) == 0:
            return
        texts = values[rows].tolist()
        ids = np.fromiter(map(self._ids.get, texts, repeat(-1)), dtype=np.int64, count=len(texts))
        for i in np.flatnonzero(ids < 0).tolist():  # first sightings, and missing values (-2)
            ids[i] = self._id(texts[i]) if isinstance(texts[i], str) else -2
        keep = ids >= 0
        rows, v, ids = rows[keep], v[keep], ids[keep]
        uniq, inv = np.unique(ids, return_inverse=True)
        sizes = np.array([len(self._options[i]) for i in uniq.tolist()], dtype=np.int64)
        has = sizes[inv] > 0
        if not has.any():
            return
        grid = np.concatenate([self._cum[i] + j for j, i in enumerate(uniq.tolist())])
        flat = np.array([o for i in uniq.tolist() for o in self._options[i]] + [""], dtype=object)
        u = np.minimum(v[has].astype(np.float64), 1.0 - 1e-9)
        values[rows[has]] = flat[np.searchsorted(grid, inv[has] + u, side="right")]


def _others(name: str, options: Options) -> Options:
    return [(o, w) for o, w in options if o != name and o.strip()]


# --------------------------------------------------------------------------- spellings


def known_variants(name: str) -> Options:
    """Another spelling of the same name row in the name tables (MOHAMED -> MOHAMMED)."""
    return _others(name, [(s, 1.0) for s in spelling_variants(name)])


_C = "BCDFGHJKLMNPQRSTVWXZ"
# (pattern, replacement, weight): transliteration habits of Arabic and Amazigh sounds in Latin.
_TRANSLIT_RULES = tuple(
    (re.compile(p), r, w)
    for p, r, w in (
        (r"OU(?=[AEIY])", "W", 1.0),  # OUALI -> WALI
        (r"W", "OU", 1.0),  # WALID -> OUALID
        (rf"(?<=[{_C}Y])OU(?=[{_C}])", "U", 0.5),  # YOUSSEF -> YUSSEF
        (r"(?<![AEIOUQ])U", "OU", 0.5),  # YUSUF -> YOUSUF
        (r"K(?=[AOU])", "Q", 1.0),  # KACEM -> QACEM
        (r"K(?=[AOU])", "C", 0.3),  # KADIRI -> CADIRI
        (r"Q", "K", 1.0),  # SQALLI -> SKALLI
        (r"C(?=[AOU])", "K", 0.5),
        (r"CH", "SH", 1.0),  # CHAKIR -> SHAKIR
        (r"SH", "CH", 1.0),
        (r"DH", "D", 1.0),  # RIDHA -> RIDA
        (r"(?<=[AEIOU])D(?=[AEIOU]|$)", "DH", 0.3),  # HAFID -> HAFIDH
        (r"GH", "RH", 1.0),  # GHAZI -> RHAZI
        (r"(?<=[AEIOU])RH", "GH", 0.5),
        (r"KH", "H", 0.25),  # KHADIJA -> HADIJA (rare)
        (r"([BDFGKLMNPRSTZ])\1", r"\1", 1.2),  # BENNANI -> BENANI
        (r"(?<=[AEIOU])([BDFKLMNRSTZ])(?=[AEIOU])", r"\1\1", 0.8),  # HADAD -> HADDAD
        (r"E", "A", 0.6),  # MERYEM -> MARYEM
        (r"A(?![IY])", "E", 0.4),
        (r"O(?!U)", "OU", 0.6),  # MOHAMED -> MOUHAMED
        (r"OU", "O", 0.6),
        (r"(?<=[AEOU])I|I(?=[ -]|$)", "Y", 0.5),  # SAIDI -> SAIDY, AICHA -> AYCHA
        (r"Y", "I", 0.8),
        (rf"I(?=[{_C}])", "EE", 0.1),  # NABIL -> NABEEL
        (r"(?<=[BDFGJKLMNRSTZ])(?=[ -]|$)", "E", 0.5),  # AMIN -> AMINE
        (r"(?<=[BDFGJKLMNRSTZ])E(?=[ -]|$)", "", 0.5),  # HANANE -> HANAN
        (r"(?<!D)J", "DJ", 0.4),  # JILALI -> DJILALI
        (r"DJ", "J", 1.0),
    )
)


def transliteration_variants(name: str) -> Options:
    """Every single application of one transliteration rule, weighted by rule."""
    out: Options = []
    for pattern, replacement, weight in _TRANSLIT_RULES:
        matches = list(pattern.finditer(name))
        for m in matches:
            spelt = name[: m.start()] + m.expand(replacement) + name[m.end() :]
            out.append((spelt, weight / len(matches)))
    return _others(name, out)


# --------------------------------------------------------------------------- particles

_SUN = ("CH", "SH", "TH", "DH", "T", "D", "R", "Z", "S", "N", "L")  # sun letters, transliterated
_SPACED = re.compile(r"^(EL|AL|BENT|BEN|AIT|AYT|OULAD|OULD|OU|ID)[ -](.+)$")
_ASSIMILATED = re.compile(r"^E(CH|SH|[TDRZSN])[ -]?(\1.+)$")  # ES SAIDI, ETTAHIRI, ECHCHAOUI
_GLUED = ("EL", "BENT", "BEN", "AIT", "AYT", "OULAD", "OULD", "OU", "ID")
_NISBA = re.compile(r"^[A-Z]{3,}[IY]$")  # SAIDI, FASSI: may take the article


def _decompose(name: str, family: bool) -> tuple[str, str, bool] | None:
    """(particle, rest, written): EL ALAOUI -> (EL, ALAOUI, True); SAIDI -> (EL, SAIDI, False)."""
    m = _SPACED.match(name)
    if m:
        return m[1], m[2], True
    if not family:
        return None
    m = _ASSIMILATED.match(name)
    if m:
        return "EL", m[2], True
    known = set(spelling_variants(name))
    for particle in _GLUED:
        rest = name[len(particle) :]
        if not name.startswith(particle) or len(rest) < 3:
            continue
        if particle == "EL" or {f"{particle} {rest}", f"{particle}-{rest}", rest} & known:
            return particle, rest, True
    if _NISBA.match(name):
        return "EL", name, False
    return None


def _article_forms(rest: str) -> Options:
    forms = [(f"EL {rest}", 3.0), (f"EL{rest}", 2.0), (f"EL-{rest}", 1.0), (f"AL {rest}", 0.4)]
    sun = next((s for s in _SUN if rest.startswith(s)), None)
    if sun:
        forms += [(f"E{sun} {rest}", 1.5), (f"E{sun}{rest}", 1.5), (f"E{sun}-{rest}", 0.3)]
    elif rest[0] in "AEIOU":
        forms.append((f"L{rest}", 0.7))  # EL AMRANI -> LAMRANI
    return forms


_ABD_ARTICLE = re.compile(r"^ABD ?(?:EL|AL|UL)[ -]?([A-Z]{3,})$")  # ABDELKADER, ABD EL KADER
_ABD_SUN = re.compile(r"^ABD ?E(CH|SH|[TDRZSN]) ?(\1[A-Z]{2,})$")  # ABDERRAHIM, ABDE RRAHIM


def _abd_forms(name: str) -> Options:
    m = _ABD_SUN.match(name)
    if m:
        s, rest = m[1], m[2]
        return [
            (f"ABDE{s}{rest}", 2.0),
            (f"ABD E{s}{rest}", 1.5),
            (f"ABDE {s}{rest}", 1.5),
            (f"ABDE{s} {rest}", 1.0),
            (f"ABD E{s} {rest}", 1.0),
            (f"ABDEL {rest}", 0.3),
        ]
    m = _ABD_ARTICLE.match(name)
    if m and m[1] not in ("LAH", "LAHE", "LAHI"):  # ABDELLAH is ABD + ALLAH
        rest = m[1]
        return [
            (f"ABDEL{rest}", 2.0),
            (f"ABDEL {rest}", 2.0),
            (f"ABD EL {rest}", 1.5),
            (f"ABDEL-{rest}", 0.7),
            (f"ABDAL{rest}", 0.3),
            (f"ABDUL{rest}", 0.3),
        ]
    return []


def particle_variants(name: str, family: bool) -> Options:
    """The particle written, omitted, glued, hyphenated or assimilated (EL SAFI / ESSAFI)."""
    parts = _decompose(name, family)
    if parts is None:
        return _others(name, _abd_forms(name))
    particle, rest, written = parts
    if particle in ("EL", "AL"):
        forms = _article_forms(rest)
        if not written:  # the article is added less often than it is dropped or reshaped
            return [(o, w) for o, w in forms] + [(name, 3.0 * sum(w for _, w in forms))]
        forms.append((rest, 3.0))
    elif particle in ("BEN", "BENT"):
        forms = [(f"{particle} {rest}", 3), (f"{particle}{rest}", 3), (f"{particle}-{rest}", 1)]
        forms.append((rest, 0.5))
    elif particle in ("AIT", "AYT"):
        forms = [(f"AIT {rest}", 3), (f"AYT {rest}", 1), (f"AIT{rest}", 2), (f"AIT-{rest}", 2)]
        forms.append((rest, 0.7))
    elif particle in ("OULAD", "OULD"):
        other = "OULD" if particle == "OULAD" else "OULAD"
        forms = [(f"{particle} {rest}", 3), (f"{particle}{rest}", 2), (f"{particle}-{rest}", 1)]
        forms += [(f"{other} {rest}", 0.5), (rest, 0.5)]
    else:  # OU, ID
        forms = [(f"{particle} {rest}", 3), (f"{particle}{rest}", 2), (f"{particle}-{rest}", 1.5)]
        forms.append((rest, 0.5))
    return _others(name, [(o, float(w)) for o, w in forms])


# --------------------------------------------------------------------------- first names


def _is_mohamed(name: str) -> bool:
    return spelling_variants(name)[0] == "MOHAMED"


def _two_parts(name: str) -> tuple[str, str] | None:
    """FATIMA ZAHRA, FATIMA-ZAHRA, or a glued compound with a spaced known spelling."""
    for spelt in (name, *spelling_variants(name)):
        m = re.fullmatch(r"([A-Z]+)[ -]([A-Z]+)", spelt)
        if m and re.sub(r"[ -]", "", spelt) == re.sub(r"[ -]", "", name):
            return m[1], m[2]
    return None


def compound_variants(name: str, male: bool) -> Options:
    """A compound first name written in part (FATIMA ZAHRA -> ZAHRA / FATIMA, NOUREDDINE ->
    NOUR), or a man's single first name written with the MOHAMED that often precedes it."""
    parts = _two_parts(name)
    if parts:
        head, tail = parts
        tail = re.sub(r"^E(CH|SH|[TDRZSN])(?=\1)", "", tail)  # EZZAHRA -> ZAHRA, EDDINE -> DINE
        out: Options = [] if head in ("EL", "AL") else [(head, 1.0)]
        if tail not in ("DINE", "DDINE") and len(tail) >= 3:
            out.append((tail, 1.0))
        return _others(name, out)
    if male and not _is_mohamed(name):
        return [(f"MOHAMED {name}", 1.0)]
    if name in ("ZAHRA", "ZOHRA"):
        return [(f"FATIMA {name}", 1.0)]
    return []


def abbreviation_variants(name: str) -> Options:
    """MOHAMED -> MED / MOHD / M., FATIMA ZAHRA -> FZ, ABDELKADER -> ABD. KADER, KARIM -> K."""
    if _is_mohamed(name):
        return [("MED", 3.0), ("MOHD", 2.0), ("M.", 1.0), ("MHD", 1.0), ("MD", 0.5)]
    parts = [p for p in re.split(r"[ -]", name) if p]
    if len(parts) == 2 and parts[0] not in ("EL", "AL"):
        a, b = parts
        out: Options = [(f"{a[0]}{b[0]}", 2.0), (f"{a[0]}. {b}", 1.0), (f"{a} {b[0]}.", 1.0)]
        out.append((a, 1.0))
        if _is_mohamed(a):
            out += [(f"MED {b}", 2.0), (f"MD {b}", 1.0)]
        return _others(name, out)
    m = _ABD_SUN.match(name) or _ABD_ARTICLE.match(name)
    if m and m[m.lastindex or 1] not in ("LAH", "LAHE", "LAHI"):
        rest = m[m.lastindex or 1]
        return _others(name, [("ABDEL", 1.0), (f"ABD. {rest}", 1.0), (f"A. {rest}", 1.0)])
    return _others(name, [(f"{parts[-1][0]}.", 2.0), (parts[-1][0], 1.0)]) if parts else []


# --------------------------------------------------------------------------- case, accents


def case_variants(name: str) -> Options:
    """Title or lower case, French accents (AÏT, RÉDA, HAFÇA), stray spaces."""
    title = name.title()
    out: Options = [(title, 3.0), (name.lower(), 1.0)]
    if "AI" in name:
        accented = re.sub("(?<=[Aa])i", "ï", title, count=1)
        out += [(name.replace("AI", "AÏ", 1), 1.0), (accented, 2.0)]
    m = re.search(r"(?<=[A-Z])E(?=[BDFJKLMNRSTVZ][AEIOU])", name)
    if m:
        out.append((name[: m.start()] + "É" + name[m.end() :], 0.7))
    if re.search(r"[BDFGHJKLMNPRTVZ]SA$", name):
        out.append((name[:-2] + "ÇA", 0.3))
    if " " in name:
        out.append((name.replace(" ", "  ", 1), 1.5))
    out += [(name + " ", 1.5), (" " + name, 0.5)]
    return _others(name, out)


_ARABIC_HAMZA = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})


def arabic_variants(name: str) -> Options:
    """An Arabic-script name as written (2:1), or without its article, hamza or final ta marbuta."""
    out: Options = [(name, 2.0)]
    if name.startswith("ال") and len(name) > 4:
        out.append((name[2:], 1.0))
    if name.translate(_ARABIC_HAMZA) != name:
        out.append((name.translate(_ARABIC_HAMZA), 1.0))
    if name.endswith("ة"):
        out.append((name[:-1] + "ه", 1.0))
    return out


# --------------------------------------------------------------------------- keyboard

_AZERTY = ("AZERTYUIOP", "QSDFGHJKLM", "WXCVBN,")
_ROW_SHIFT = (0.0, 0.25, 0.75)


def _keyboard() -> dict[str, str]:
    pos = {c: (r, i + _ROW_SHIFT[r]) for r, row in enumerate(_AZERTY) for i, c in enumerate(row)}
    return {
        c: "".join(
            d
            for d, (r2, x2) in pos.items()
            if d != c and abs(r2 - r) <= 1 and abs(x2 - x) <= (1.0 if r2 == r else 0.8)
        )
        for c, (r, x) in pos.items()
    }


_NEIGHBOURS = _keyboard()


def _at(u: float, n: int) -> int:
    return min(int(u * n), n - 1)


def keyboard_typo(name: str, kind: float, where: float, key: float) -> str:
    """One slip on an AZERTY keyboard: a neighbouring key (35 %), a letter dropped (25 %), a key
    struck twice or with its neighbour (20 %), two adjacent letters swapped (20 %)."""
    letters = [i for i, c in enumerate(name) if c in _NEIGHBOURS and c != ","]
    if not letters:
        return name
    i = letters[_at(where, len(letters))]
    c = name[i]
    if kind >= 0.8:  # transposition with the next (or previous) differing letter
        for j in (i + 1, i - 1):
            if 0 <= j < len(name) and name[j] in _NEIGHBOURS and name[j] != c:
                a, b = min(i, j), max(i, j)
                return name[:a] + name[b] + name[a] + name[b + 1 :]
    if 0.35 <= kind < 0.6 and len(letters) > 2:
        return name[:i] + name[i + 1 :]
    if 0.6 <= kind < 0.8:
        extra = c if key < 0.4 else _NEIGHBOURS[c][_at((key - 0.4) / 0.6, len(_NEIGHBOURS[c]))]
        return name[: i + 1] + extra + name[i + 1 :]
    return name[:i] + _NEIGHBOURS[c][_at(key, len(_NEIGHBOURS[c]))] + name[i + 1 :]


# --------------------------------------------------------------------------- CNIE

_LOOKALIKE = {"0": "O", "O": "0", "1": "I", "I": "1"}


def cnie_typo(cnie: str, kind: float, where: float, key: float) -> str:
    """A keying error: one digit substituted (40 %), two adjacent characters transposed (25 %),
    O/0 or I/1 confusion (15 %), the first letter dropped or doubled (20 %)."""
    if 0.4 <= kind < 0.65:
        spots = [i for i in range(len(cnie) - 1) if cnie[i] != cnie[i + 1]]
        if spots:
            i = spots[_at(where, len(spots))]
            return cnie[:i] + cnie[i + 1] + cnie[i] + cnie[i + 2 :]
    if 0.65 <= kind < 0.8:
        spots = [i for i, c in enumerate(cnie) if c in _LOOKALIKE]
        if spots:
            i = spots[_at(where, len(spots))]
            return cnie[:i] + _LOOKALIKE[cnie[i]] + cnie[i + 1 :]
    if kind >= 0.8 and cnie[:1].isalpha():
        return cnie[1:] if key < 0.5 else cnie[0] + cnie
    digits = [i for i, c in enumerate(cnie) if c.isdigit()]
    if not digits:
        return cnie
    i = digits[_at(where, len(digits))]
    d = int(cnie[i])
    new = (
        (d + (9 if key < 0.3 else 1)) % 10
        if key < 0.6
        else (d + 1 + _at((key - 0.6) / 0.4, 9)) % 10
    )
    return cnie[:i] + str(new) + cnie[i + 1 :]


def cnie_format(cnie: str, v: float) -> str:
    """Lower case (30 %), a space (30 %), hyphen (15 %) or dot (5 %) between the letters and the
    digits, a stray leading (5 %) or trailing (15 %) space."""
    m = re.match(r"^([^\d]*)(\d.*)$", cnie)
    letters, digits = (m[1], m[2]) if m else (cnie, "")
    if v < 0.3:
        return cnie.lower()
    if v < 0.8 and letters and digits:
        sep = " " if v < 0.6 else "-" if v < 0.75 else "."
        return f"{letters}{sep}{digits}"
    return f" {cnie}" if v < 0.85 else f"{cnie} "


# --------------------------------------------------------------------------- records

DATE_FORMATS = ("iso", "compact", "dmy", "year")  # YYYY-MM-DD, YYYYMMDD, DD/MM/YYYY, YYYY
# One row of uniforms per random decision of a record copy (drawn by the caller, per segment).
UNIFORMS = {
    name: i
    for i, name in enumerate(
        "first_variant last_variant first_particle last_particle first_translit last_translit "
        "first_compound first_abbrev first_typo last_typo first_typo_at last_typo_at "
        "first_typo_key last_typo_key arabic arabic_last swap first_missing first_case last_case "
        "cnie_relative cnie_missing cnie_typo cnie_typo_at cnie_typo_key cnie_format "
        "date_year_only date_swap date_typo date_typo_at date_invalid date_missing date_format "
        "sex_wrong sex_missing commune_moved commune_pick commune_missing bucket".split()
    )
}
_KNOWN = VariantPicker(known_variants)
_TRANSLIT = VariantPicker(transliteration_variants)
_PARTICLE = [VariantPicker(partial(particle_variants, family=f)) for f in (False, True)]
_COMPOUND = [VariantPicker(partial(compound_variants, male=m)) for m in (False, True)]
_ABBREV = VariantPicker(abbreviation_variants)
_CASE = VariantPicker(case_variants)
_ARABIC = VariantPicker(arabic_variants)
_DIGIT_CUM = np.cumsum([2, 2, 2, 2, 0, 0, 0.5, 2]) / 10.5  # DDMMYYYY digits a typo may hit
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_TO_SHORT_MONTH = np.array([0, 2, 2, 4, 4, 6, 6, 6, 9, 9, 11, 11, 11])  # for invalid dates
_LAST_YEAR = int(REFERENCE_DATE.astype("datetime64[Y]").astype(int)) + 1970 - 1


def _valid(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    dim = _DAYS[np.clip(m, 0, 12)] + ((m == 2) & leap)
    return (m >= 1) & (m <= 12) & (d >= 1) & (d <= dim) & (y >= 1900) & (y <= _LAST_YEAR)


def _date_typo(y: np.ndarray, m: np.ndarray, d: np.ndarray, at: np.ndarray, v: np.ndarray) -> None:
    """One digit of DDMMYYYY changed (a neighbouring digit 70 %), in place, if still valid."""
    rows = np.arange(len(y))
    done = np.zeros(len(y), dtype=bool)
    for attempt in range(6):
        digits = np.stack(
            [d // 10, d % 10, m // 10, m % 10] + [y // 10**k % 10 for k in (3, 2, 1, 0)]
        )
        pos = np.searchsorted(_DIGIT_CUM, (at + 0.618034 * attempt) % 1.0, side="right")
        w = (v + 0.381966 * attempt) % 1.0
        step = np.where(w < 0.7, np.where(w < 0.35, 9, 1), 1 + np.minimum((w - 0.7) / 0.3 * 9, 8))
        digits[pos, rows] = (digits[pos, rows] + step.astype(np.int64)) % 10
        nd, nm = digits[0] * 10 + digits[1], digits[2] * 10 + digits[3]
        ny = digits[4] * 1000 + digits[5] * 100 + digits[6] * 10 + digits[7]
        ok = ~done & _valid(ny, nm, nd)
        y[ok], m[ok], d[ok] = ny[ok], nm[ok], nd[ok]
        done |= ok


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits as an (n, width) matrix of ASCII codes."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers % 10 + 48).astype(np.uint8)


def text(parts: Sequence[object], n: int) -> np.ndarray:
    """Concatenate ASCII matrices and literal strings, row by row, into a ``<U`` array."""
    cols = [
        np.tile(np.frombuffer(p.encode(), np.uint8), (n, 1)) if isinstance(p, str) else p
        for p in parts
    ]
    matrix = np.ascontiguousarray(np.hstack([np.asarray(c) for c in cols]), dtype=np.uint8)
    return matrix.view(f"S{matrix.shape[1]}").ravel().astype(f"U{matrix.shape[1]}")


def _render_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray, fmt: np.ndarray) -> np.ndarray:
    out = np.empty(len(y), dtype=object)
    for code in np.unique(fmt).tolist():
        sel = np.flatnonzero(fmt == code)
        yy, mm, dd = digits(y[sel], 4), digits(m[sel], 2), digits(d[sel], 2)
        layout = ([yy, "-", mm, "-", dd], [yy, mm, dd], [dd, "/", mm, "/", yy], [yy])[code]
        out[sel] = text(layout, len(sel)).astype(object)
    return out


def noisy_records(
    p: dict[str, np.ndarray],
    idx: np.ndarray,
    u: np.ndarray,
    noise: Noise,
    style: ListStyle,
    move: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    codes: np.ndarray,
) -> dict[str, np.ndarray]:
    """One noisy copy of the people ``p[...][idx]`` (object arrays, None = missing), its random
    decisions read from ``u[UNIFORMS[name], row]``. Communes are indices into ``codes``;
    ``move(communes, same_province, pick)`` gives other ones."""

    def hit(name: str, rate: float) -> tuple[np.ndarray, np.ndarray]:
        x = u[UNIFORMS[name]]
        rows = np.flatnonzero(x < rate)
        return rows, x[rows] / np.float32(rate)  # given a hit, x / rate is uniform again

    def pick(picker: VariantPicker, values: np.ndarray, name: str, rate: float) -> None:
        picker.apply(values, *hit(name, rate))

    # Names: spelling, particle, transliteration, compound, abbreviation, typo, script, order.
    first, last, male = p["first"][idx], p["last"][idx], p["male"][idx]
    for field, values in (("first", first), ("last", last)):
        pick(_KNOWN, values, f"{field}_variant", noise.name_variant)
        pick(_PARTICLE[field == "last"], values, f"{field}_particle", noise.name_particle)
        pick(_TRANSLIT, values, f"{field}_translit", noise.name_transliteration)
    rows, v = hit("first_compound", noise.first_name_compound)
    for m in (False, True):
        _COMPOUND[m].apply(first, rows[male[rows] == m], v[male[rows] == m])
    pick(_ABBREV, first, "first_abbrev", noise.first_name_abbreviation)
    for field, values in (("first", first), ("last", last)):
        rows, v = hit(f"{field}_typo", noise.name_typo)
        at, key = u[UNIFORMS[f"{field}_typo_at"], rows], u[UNIFORMS[f"{field}_typo_key"], rows]
        for r, a, b, c in zip(rows.tolist(), v.tolist(), at.tolist(), key.tolist(), strict=True):
            values[r] = keyboard_typo(values[r], a, b, c)
    rows, v = hit("arabic", noise.name_arabic)
    first[rows], last[rows] = p["first_ar"][idx[rows]], p["last_ar"][idx[rows]]
    _ARABIC.apply(first, rows, v)
    _ARABIC.apply(last, rows, u[UNIFORMS["arabic_last"], rows])
    rows, _ = hit("swap", noise.name_swap)
    first[rows], last[rows] = last[rows], first[rows].copy()
    first[hit("first_missing", noise.first_name_missing)[0]] = None
    pick(_CASE, first, "first_case", noise.name_case)
    pick(_CASE, last, "last_case", noise.name_case)

    # CNIE: a relative's number, missing, keying error, formatting.
    cnie = p["cnie"][idx]
    rows, _ = hit("cnie_relative", noise.cnie_relative)
    rows = rows[p["rank"][idx[rows]] > 0]
    cnie[rows] = p["cnie"][p["head"][idx[rows]]]
    rows, _ = hit("cnie_missing", noise.cnie_missing)
    cnie[rows] = None
    present = cnie.astype(bool)  # None is missing (there are no empty strings)
    rows, v = hit("cnie_typo", noise.cnie_typo)
    at, key = u[UNIFORMS["cnie_typo_at"], rows], u[UNIFORMS["cnie_typo_key"], rows]
    for r, a, b, c in zip(rows.tolist(), v.tolist(), at.tolist(), key.tolist(), strict=True):
        cnie[r] = cnie_typo(cnie[r], a, b, c) if present[r] else None
    rows, v = hit("cnie_format", noise.cnie_format)
    for r, a in zip(rows.tolist(), v.tolist(), strict=True):
        cnie[r] = cnie_format(cnie[r], a) if present[r] else None

    # Birth date: year only, day/month swapped, digit typo, invalid, other format, missing.
    y, mo, d = p["year"][idx], p["month"][idx], p["day"][idx]
    year_only = u[UNIFORMS["date_year_only"]] < noise.date_year_only
    swap = (u[UNIFORMS["date_swap"]] < noise.date_day_month_swap) & (d <= 12) & (d != mo)
    mo[swap & ~year_only], d[swap & ~year_only] = d[swap & ~year_only], mo[swap & ~year_only]
    rows, v = hit("date_typo", noise.date_typo)
    rows, v = rows[~year_only[rows]], v[~year_only[rows]]
    ty, tm, td = y[rows], mo[rows], d[rows]
    _date_typo(ty, tm, td, u[UNIFORMS["date_typo_at"], rows].astype(float), v.astype(float))
    y[rows], mo[rows], d[rows] = ty, tm, td
    rows, v = hit("date_invalid", noise.date_invalid)
    rows, v = rows[~year_only[rows]], v[~year_only[rows]]
    mo[rows] = np.where(np.isin(mo[rows], [2, 4, 6, 9, 11]), mo[rows], _TO_SHORT_MONTH[mo[rows]])
    d[rows] = np.where(mo[rows] == 2, np.where(v < 0.5, 30, 31), 31)
    main = DATE_FORMATS.index(style.date_format)
    fmt = np.full(len(idx), main)
    rows, v = hit("date_format", noise.date_other_format)
    fmt[rows] = (main + 1 + (v * 2).astype(np.int64).clip(0, 1)) % 3
    if style.year_only == "year":
        fmt[year_only] = 3
    mo[year_only] = d[year_only] = 1 if style.year_only == "first_jan" else 0
    birth = _render_dates(y, mo, d, fmt)
    birth[u[UNIFORMS["date_missing"]] < noise.date_missing] = None

    # Sex, commune.
    sex = np.where(male ^ (u[UNIFORMS["sex_wrong"]] < noise.sex_wrong), style.male, "F")
    sex = sex.astype(object)
    sex[u[UNIFORMS["sex_missing"]] < noise.sex_missing] = None
    commune = p["commune"][idx]
    rows, v = hit("commune_moved", noise.commune_moved)
    commune[rows] = move(commune[rows], v < 0.75, u[UNIFORMS["commune_pick"], rows])
    commune = codes[commune].astype(object)
    commune[u[UNIFORMS["commune_missing"]] < noise.commune_missing] = None
    return {
        "cnie": cnie,
        "first_name": first,
        "last_name": last,
        "birth_date": birth,
        "sex": sex,
        "commune": commune,
    }
