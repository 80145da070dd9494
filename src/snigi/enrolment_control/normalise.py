"""Normalisation of Moroccan register values for record linkage (Django-free).

Names
    Every name gives four forms, from the most to the least specific:

    ``clean``
        Arabic script transliterated (``data/arabic_letters.csv``), lower case, accents and
        apostrophes removed, every other non-letter removed: spaces and hyphens between particles
        no longer count (``EL-ALAOUI``, ``El Alaoui`` and ``ELALAOUI`` give ``elalaoui``).
    ``root``
        ``clean`` without its leading article (``data/particles.csv``: ``el``, ``al``, ``l'`` as
        a first word, ``el`` glued before at least four letters, the sun-letter forms ``es safi``
        and ``essafi``), then replaced by its canonical name when ``data/name_variants.csv``
        knows it (``med`` -> ``mohamed``). Other particles (ben, ait, ou, oulad...) are kept:
        only their spacing and hyphens stop counting.
    ``sound``
        ``root`` rewritten by ``data/sound_rules.csv`` in order: transliteration pairs (ou/w/u,
        k/q/c, ch/sh, dh/d, gh/rh, dj/j...), vowel classes and doubled letters collapsed.
    ``skeleton``
        ``sound`` without vowels after its first letter (a leading vowel becomes ``a``): the
        consonant frame shared by most spellings of a name, and by its Arabic-script form.

    The three tables are data an officer extends (see ``README.md``); the code only applies them.
    They are read once per process; ``reload_tables()`` re-reads them.

Birth dates
    ISO (``YYYY-MM-DD``, with or without a time), ``YYYYMMDD``, ``DD/MM/YYYY`` (also with ``-``
    or ``.``), two-digit years, and dates known only by their year (``YYYY``, ``00/00/YYYY``,
    ``YYYY-00-00``). An impossible day (31/02/1980) is kept as written: registers hold them and
    the typo comparison still uses the digits.

Identity numbers and free text are normalised in SQL (see ``id_sql`` and ``text_sql``): they
have one value per person, too many to go through Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    replacement: str
    note: str


@dataclass(frozen=True)
class Tables:
    arabic: dict[int, str]
    articles: frozenset[str]  # dropped as a first word
    glued_articles: frozenset[str]  # also dropped glued before at least 4 letters
    assimilated: dict[str, str]  # es -> s: dropped before a word starting with its consonant
    sounds: tuple[Rule, ...]
    variants: dict[str, str]


class TableError(ValueError):
    """A normalisation table cannot be used (bad pattern, duplicate variant...)."""


def _read(name: str, directory: Path) -> list[dict[str, str]]:
    with (directory / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _rules(name: str, directory: Path) -> tuple[Rule, ...]:
    rules = []
    for line, row in enumerate(_read(name, directory), start=2):
        try:
            pattern = re.compile(row["pattern"])
        except re.error as exc:
            raise TableError(
                f"{name}, line {line}: invalid pattern {row['pattern']!r}: {exc}"
            ) from None
        rules.append(Rule(pattern, row["replacement"] or "", row.get("note") or ""))
    return tuple(rules)


def load_tables(directory: Path = DATA_DIR) -> Tables:
    arabic: dict[int, str] = {}
    for row in _read("arabic_letters.csv", directory):
        letter = row["arabic"].strip()
        if len(letter) != 1:
            raise TableError(f"arabic_letters.csv: {letter!r} is not one character")
        arabic[ord(letter)] = row["latin"].strip().lower()
    variants: dict[str, str] = {}
    for line, row in enumerate(_read("name_variants.csv", directory), start=2):
        canonical = _compact(row["canonical"])
        for variant in [canonical, *(_compact(v) for v in row["variants"].split("|"))]:
            if not variant:
                continue
            if variants.get(variant, canonical) != canonical:
                raise TableError(
                    f"name_variants.csv, line {line}: {variant!r} is already a variant of "
                    f"{variants[variant]!r}"
                )
            variants[variant] = canonical
    articles, glued, assimilated = set(), set(), {}
    for line, row in enumerate(_read("particles.csv", directory), start=2):
        particle, kind = _compact(row["particle"]), row["kind"].strip()
        if kind == "article":
            articles.add(particle)
            if particle == "el":
                glued.add(particle)
        elif kind == "assimilated":
            consonant = particle.lstrip("aeiou")[:1]
            if not consonant:
                raise TableError(f"particles.csv, line {line}: {particle!r} has no consonant")
            assimilated[particle] = consonant
        elif kind != "joined":
            raise TableError(
                f"particles.csv, line {line}: kind {kind!r} is not article, assimilated or joined"
            )
    return Tables(
        arabic=arabic,
        articles=frozenset(articles),
        glued_articles=frozenset(glued),
        assimilated=assimilated,
        sounds=_rules("sound_rules.csv", directory),
        variants=variants,
    )


@functools.cache
def tables() -> Tables:
    return load_tables()


def reload_tables() -> None:
    tables.cache_clear()
    name_forms.cache_clear()


_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_ARABIC_ARTICLE = re.compile(r"(?:(?<=\s)|^)\u0627\u0644(.?)")  # al- at the start of a word
# Sun letters: the article's l is assimilated (ABDERRAHMANE, NOUREDDINE, ESSAFI).
_SUN_LETTERS = frozenset("تثدذرزسشصضطظلن")


def _arabic_article(match: re.Match[str]) -> str:
    following = match.group(1)
    if following in _SUN_LETTERS:
        return "e" + following + following
    return "el " + following


_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed]")  # harakat, shadda, sukun...
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_NOT_LETTER = re.compile(r"[^a-z]+")
_VOWELS = re.compile(r"[aeiouy]+")


def _words(raw: str) -> list[str]:
    """Lower-case Latin words, accents dropped: "Aït-Ben Haddou" -> ['ait', 'ben', 'haddou'].

    An apostrophe joins (M'HAMED -> mhamed) except after a lone l (L'AMRANI -> l, amrani).
    """
    text = unicodedata.normalize("NFKD", raw)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"(?:^|(?<=[^a-z]))l['’‘`´ʼ]", "l ", text)
    return [w for w in _NOT_LETTER.split(_APOSTROPHES.sub("", text)) if w]


def _compact(raw: str) -> str:
    """Lower-case Latin letters only, accents dropped: 'Aït-Ben Haddou' -> 'aitbenhaddou'."""
    return "".join(_words(raw))


def _strip_article(words: list[str], t: Tables) -> list[str]:
    if len(words) > 1 and words[0] in t.articles:
        return words[1:]
    if len(words) > 1 and (consonant := t.assimilated.get(words[0])):
        if words[1].startswith(consonant):
            return words[1:]
    first = words[0]
    for article in t.glued_articles:
        if first.startswith(article) and len(first) - len(article) >= 4:
            return [first[len(article) :], *words[1:]]
    for particle, consonant in t.assimilated.items():
        rest = first[len(particle) :]
        if first.startswith(particle) and rest.startswith(consonant) and len(rest) >= 3:
            return [rest, *words[1:]]
    return words


@dataclass(frozen=True)
class NameForms:
    clean: str
    root: str
    sound: str
    skeleton: str


def _apply(rules: tuple[Rule, ...], text: str) -> str:
    for rule in rules:
        text = rule.pattern.sub(rule.replacement, text)
    return text


@functools.lru_cache(maxsize=1 << 18)
def name_forms(raw: str | None) -> NameForms | None:
    """The four forms of a name, or None when it holds no letter."""
    if raw is None:
        return None
    t = tables()
    if _ARABIC.search(raw):
        raw = unicodedata.normalize("NFKC", raw)  # presentation forms to letters
        raw = _ARABIC_MARKS.sub("", raw)
        raw = _ARABIC_ARTICLE.sub(_arabic_article, raw).translate(t.arabic)
    words = _words(raw)
    if not words:
        return None
    clean = "".join(words)
    root = "".join(_strip_article(words, t))
    root = t.variants.get(clean) or t.variants.get(root) or root
    sound = _apply(t.sounds, root)
    # A leading vowel is kept as "a": OMAR and عمر (ain written a) share "amr".
    skeleton = ("a" if sound[:1] in "aeiouy" else sound[:1]) + _VOWELS.sub("", sound[1:])
    return NameForms(clean, root, sound, skeleton)


@dataclass(frozen=True)
class BirthDate:
    """A birth date as written: ``month``/``day`` are None when only the year is known."""

    year: int
    month: int | None
    day: int | None

    @property
    def partial(self) -> bool:
        return self.month is None or self.day is None

    @property
    def valid(self) -> bool:
        if self.partial:
            return True
        try:
            dt.date(self.year, self.month or 1, self.day or 1)
        except ValueError:
            return False
        return True

    @property
    def digits(self) -> str:
        """YYYYMMDD with 00 for an unknown part: the string the typo comparison uses."""
        return f"{self.year:04d}{self.month or 0:02d}{self.day or 0:02d}"

    @property
    def iso(self) -> str | None:
        return (
            None
            if self.partial or not self.valid
            else f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        )


_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:[ T].*)?$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")


def _year(text: str, today: dt.date) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year <= today.year % 100 else 1900
    return year


@functools.lru_cache(maxsize=1 << 16)
def parse_birth_date(raw: str | None, today: dt.date | None = None) -> BirthDate | None:
    """The birth date in ``raw``, or None when it is empty or unreadable.

    Day and month 0 mean "unknown" (``00/00/1980``). A year before 1880, or a date after
    ``today``, makes the value unreadable; a month above 12 or a day above 31 too (a swapped
    American date ``12/31/1980`` is read as such: day 31, month 12).
    """
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    today = today or dt.datetime.now(dt.UTC).date()
    if m := _ISO.match(text) or _COMPACT.match(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _DMY.match(text):
        day, month, year = int(m[1]), int(m[2]), _year(m[3], today)
        if month > 12 >= day:  # 12/31/1980: month first
            day, month = month, day
    elif m := _YEAR.match(text):
        year, month, day = int(m[1]), 0, 0
    elif m := _MONTH_YEAR.match(text):
        year, month, day = int(m[2]), int(m[1]), 0
    else:
        return None
    if not 1880 <= year <= today.year or month > 12 or day > 31:
        return None
    if month == 0:
        day = 0
    if year == today.year and month and day:
        try:
            if dt.date(year, month, day) > today:
                return None  # later this year: not born yet
        except ValueError:
            pass
    return BirthDate(year, month or None, day or None)


SEX_VALUES = {
    "M": ("m", "h", "1", "homme", "male", "masculin", "man", "ذكر"),
    "F": ("f", "2", "femme", "female", "feminin", "féminin", "woman", "أنثى", "انثى"),
}


def id_sql(expr: str) -> str:
    """DuckDB expression: an identity number upper-cased, without separators, with the letters
    typed for digits (O for 0, I or L for 1) corrected after its letter prefix; NULL when empty.

    ``' be-12o456 '`` -> ``BE120456``; ``A 93817`` -> ``A93817``.
    """
    compact = f"upper(regexp_replace(coalesce({expr}, ''), '[^0-9A-Za-z]', '', 'g'))"
    letters = f"regexp_extract({compact}, '^[A-Z]*')"
    return (
        f"nullif(CASE WHEN regexp_matches({compact}, '[0-9]') "
        f"THEN {letters} || translate(substr({compact}, length({letters}) + 1), 'OIL', '011') "
        f"ELSE {compact} END, '')"
    )


def text_sql(expr: str) -> str:
    """DuckDB expression: free text lower-cased, accents dropped, separators collapsed."""
    return (
        f"nullif(trim(regexp_replace(lower(strip_accents(coalesce({expr}, ''))), "
        f"'[^0-9a-z\u0600-\u06ff]+', ' ', 'g')), '')"
    )


def sex_sql(expr: str) -> str:
    """DuckDB expression: 'M', 'F' or NULL (H for homme, 1/2, French, English and Arabic words)."""
    cases = " ".join(
        f"WHEN lower(trim({expr})) IN ({', '.join(repr(v) for v in values)}) THEN '{code}'"
        for code, values in SEX_VALUES.items()
    )
    return f"CASE {cases} ELSE NULL END"


def normalise_id(raw: str | None) -> str | None:
    """``id_sql`` on one value (for tests and single lookups)."""
    import duckdb

    with duckdb.connect() as con:
        row = con.execute(f"SELECT {id_sql('$1::VARCHAR')}", [raw]).fetchall()[0]
    return None if row is None else row[0]
