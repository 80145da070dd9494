"""Deterministic, vectorised generator of a synthetic Moroccan population (Django-free).

Identity and slicing
    The index space of a seed is cut into blocks of ``BLOCK`` (1,000) people. Block ``b`` is drawn
    from its own ``numpy.random.Generator(PCG64(SeedSequence([seed, PEOPLE_STREAM, b])))``, always
    whole, and households never cross a block edge. So person ``i`` is the same whatever ``start``,
    ``count`` or ``chunk_size``: ``generate_people(start=a, count=n)`` equals rows ``a..a+n`` of
    any bigger run. ``demo_key`` is ``i``; ``household_key`` is the ``demo_key`` of the household's
    first member, who is its head. A slice may start or end inside a household.

Households (plausible orders of magnitude, not statistics)
    Communes are drawn per household with probability proportional to ``weight / mean size``
    (so that people, not households, follow the weights). Size by area (RGPH 2014: 4.6 on average,
    about 4.2 in towns and 5.3 in the countryside, truncated at 12). Members in order: head,
    spouse, children (eldest first), others (the head's parents, relatives, grandchildren).
    Heads are men in about 84% of households (most women heads live alone or are widowed).
    Children are born to a parent aged 17 to 46 (the younger of head and spouse), so they are at
    least 17 years younger than the head. Ages are relative to ``REFERENCE_DATE`` (2026-01-01).

Names
    First names by sex, family names from ``data/*.csv`` (see ``snigi.demo.names``), Amazigh
    family names twice as likely in rural communes. Children carry the family name of the
    household, which is the head's when the head is a man. When the head is a woman (mostly
    widowed or divorced) her children carry their father's name, as in Morocco, and she keeps her
    own. A wife keeps her maiden name. A Latin spelling variant replaces the canonical spelling with
    probability ``variant_rate`` (per person for first names, per household for its family name),
    to exercise double-enrolment matching.

CNIE numbers (adults aged 18 or more at the reference date; minors get "")
    ``<letter of the province of issue><optional letter><5 or 6 digits>``, at most 8 characters,
    e.g. ``BE123456``, ``A93817``, ``JB04211``. The first letter comes from the province
    (``data/cnie_prefixes.csv``, keyed by the 3-digit HCP province code, i.e. the last group of
    digits of the code, e.g. "06.141" -> 141 -> B for Casablanca; a plausible mapping, not the
    official one; an unknown code gets a letter by hash). The rest encodes a keyed bijection (a
    Feistel network) of the index, so numbers look random and no two indices share a number: the
    tail space is 27 x 1,100,000 = 29.7 million per letter. Indices from 29.7 to 59.4 million use
    the reserved letter V (no province has it); the generator refuses indices past 59.4 million.

Outputs are NumPy arrays; text columns are fixed-width Unicode (dtype ``<U..``): call
``.tolist()`` for Python strings. ``birth_date`` is ``datetime64[D]``.
"""

from __future__ import annotations

import csv
import functools
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields

import numpy as np

from snigi.demo.names import DATA_DIR, NameTable, load_names, spelling_variants

__all__ = [
    "BLOCK",
    "CNIE_CAPACITY",
    "REFERENCE_DATE",
    "CommuneTable",
    "PeopleBatch",
    "cnie_letter",
    "generate_people",
    "iter_people",
    "spelling_variants",
]

BLOCK = 1000
PEOPLE_STREAM = 0x5045_4F50  # "PEOP": keeps these draws apart from other demo generators
CNIE_STREAM = 0x434E_4945  # "CNIE"
REFERENCE_DATE = np.datetime64("2026-01-01", "D")
ADULT_BORN_ON_OR_BEFORE = np.datetime64("2008-01-01", "D")  # 18 years old on REFERENCE_DATE
DAYS_PER_YEAR = 365.2425
ROLES = np.array(["head", "spouse", "child", "other"])
HEAD, SPOUSE, CHILD, OTHER = range(4)

# Household size 1..12, per area (RGPH 2014 means: about 4.2 urban, 5.3 rural).
URBAN_SIZE = np.array([7, 12, 17, 21, 18, 11, 6.5, 3.5, 2, 1, 0.6, 0.4])
RURAL_SIZE = np.array([4.5, 8, 10.5, 13.5, 15, 14, 11, 8.5, 6, 4, 2.5, 2.5])
# Age of heads living with others / alone, by 5-year band from 20 to 89.
HEAD_AGE_BANDS = np.array([1, 3, 6, 9, 11, 12, 12, 12, 11, 9, 6, 4, 2.5, 1.5])
SINGLE_AGE_BANDS = np.array([5, 10, 9, 7, 6, 6, 7, 8, 10, 10, 8, 7, 5, 2])
P_FEMALE_HEAD_SINGLE, P_FEMALE_HEAD = 0.42, 0.12
MOBILE_07_SHARE = 0.3

# CNIE number space (see the module docstring).
_CNIE_A, _CNIE_B = 5400, 5500
CNIE_TIER = _CNIE_A * _CNIE_B  # 29.7 million = 27 second letters x 1.1 million digit strings
OVERFLOW_LETTERS = ("V",)
CNIE_CAPACITY = CNIE_TIER * (1 + len(OVERFLOW_LETTERS))
_HOME_LETTERS = "ABCDEFGHIJKLMNPQRSTUWXYZ"  # no O (reads as 0), no V (overflow)


@dataclass(frozen=True)
class CommuneTable:
    codes: Sequence[str]  # commune codes
    province_codes: Sequence[str]
    weights: Sequence[float]  # e.g. population 2014; need not sum to 1
    urban: Sequence[bool]


@dataclass(frozen=True)
class PeopleBatch:
    """Equal-length arrays, one row per person ``demo_key`` (text: fixed-width ``<U`` arrays)."""

    demo_key: np.ndarray  # int64, the global index
    household_key: np.ndarray  # int64, demo_key of the household's head (its first member)
    role_in_household: np.ndarray  # head | spouse | child | other
    sex: np.ndarray  # M | F
    birth_date: np.ndarray  # datetime64[D]
    first_name_lat: np.ndarray
    last_name_lat: np.ndarray
    first_name_ar: np.ndarray
    last_name_ar: np.ndarray
    cnie: np.ndarray  # "" for minors
    commune_code: np.ndarray
    province_code: np.ndarray
    address_line: np.ndarray
    phone: np.ndarray  # 06XXXXXXXX / 07XXXXXXXX for adults, "" for minors

    def __len__(self) -> int:
        return len(self.demo_key)

    def columns(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class _Names:
    male: NameTable
    female: NameTable
    family: NameTable
    cum_male: np.ndarray
    cum_female: np.ndarray
    cum_family_urban: np.ndarray
    cum_family_rural: np.ndarray


def _cumulative(weights: np.ndarray) -> np.ndarray:
    cum = np.cumsum(weights, dtype=np.float64)
    return cum / cum[-1]


@functools.cache
def _names() -> _Names:
    male = load_names("first_names_male.csv")
    female = load_names("first_names_female.csv")
    family = load_names("family_names.csv")
    rural = family.weight * np.where(family.origin == "amazigh", 2.0, 1.0)
    return _Names(
        male,
        female,
        family,
        _cumulative(male.weight),
        _cumulative(female.weight),
        _cumulative(family.weight),
        _cumulative(rural),
    )


@functools.cache
def _address_parts() -> dict[str, np.ndarray]:
    parts: dict[str, list[str]] = {}
    with (DATA_DIR / "address_parts.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            parts.setdefault(row["kind"], []).append(row["value"])
    return {kind: np.array(values, dtype=object) for kind, values in parts.items()}


@functools.cache
def _province_letters() -> dict[str, str]:
    with (DATA_DIR / "cnie_prefixes.csv").open(encoding="utf-8", newline="") as fh:
        return {row["province_code"]: row["letter"] for row in csv.DictReader(fh)}


def cnie_letter(province_code: str) -> str:
    """First letter of the CNIE numbers issued in a province (plausible, not official)."""
    groups = re.findall(r"\d+", province_code)
    if groups:
        letter = _province_letters().get(groups[-1][-3:].zfill(3))
        if letter:
            return letter
    return _HOME_LETTERS[zlib.crc32(province_code.encode()) % len(_HOME_LETTERS)]


@dataclass(frozen=True)
class _Communes:
    codes: np.ndarray
    province_codes: np.ndarray
    urban: np.ndarray
    letters: np.ndarray  # uint8, first CNIE letter per commune
    cum: np.ndarray  # cumulative household-draw probabilities


_URBAN_P = URBAN_SIZE / URBAN_SIZE.sum()
_RURAL_P = RURAL_SIZE / RURAL_SIZE.sum()
_URBAN_CUM, _RURAL_CUM = _cumulative(_URBAN_P), _cumulative(_RURAL_P)
_SIZES = np.arange(1, 13)


def _prepare(communes: CommuneTable) -> _Communes:
    codes = np.asarray(communes.codes, dtype=str)
    provinces = np.asarray(communes.province_codes, dtype=str)
    weights = np.asarray(communes.weights, dtype=np.float64)
    urban = np.asarray(communes.urban, dtype=bool)
    n = len(codes)
    if n == 0 or not (len(provinces) == len(weights) == len(urban) == n):
        raise ValueError("CommuneTable: columns must be non-empty and of equal length")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError("CommuneTable: weights must be finite, non-negative, not all zero")
    mean_size = np.where(urban, _URBAN_P @ _SIZES, _RURAL_P @ _SIZES)
    letters = {p: cnie_letter(p) for p in set(provinces.tolist())}
    return _Communes(
        codes=codes,
        province_codes=provinces,
        urban=urban,
        letters=np.array([ord(letters[p]) for p in provinces.tolist()], dtype=np.uint8),
        cum=_cumulative(weights / mean_size),
    )


# --------------------------------------------------------------------------- one block


def _pick(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)


def _spelling(
    table: NameTable, group: np.ndarray, u_variant: np.ndarray, u_which: np.ndarray, rate: float
) -> np.ndarray:
    """Index into ``table.spellings``: the canonical one, or a variant with probability ``rate``."""
    extra = table.n_spellings[group] - 1
    use_variant = (u_variant < rate) & (extra > 0)
    k = np.where(use_variant, 1 + (u_which * np.maximum(extra, 1)).astype(np.int64), 0)
    return table.offset[group] + k


def _household_sizes(rng: np.random.Generator, com: _Communes) -> tuple[np.ndarray, np.ndarray]:
    communes, sizes, total = [], [], 0
    while total < BLOCK:
        c = _pick(com.cum, rng.random(400))
        u = rng.random(400)
        s = np.where(com.urban[c], _pick(_URBAN_CUM, u), _pick(_RURAL_CUM, u))
        communes.append(c)
        sizes.append(s + 1)
        total += int(sizes[-1].sum())
    commune, size = np.concatenate(communes), np.concatenate(sizes)
    n = int(np.searchsorted(np.cumsum(size), BLOCK)) + 1
    commune, size = commune[:n], size[:n].copy()
    size[-1] -= int(size.sum()) - BLOCK  # the last household is cut at the block's edge
    return commune, size


def _band_age(rng: np.random.Generator, bands: np.ndarray, n: int) -> np.ndarray:
    return 20 + 5 * _pick(_cumulative(bands), rng.random(n)) + 5 * rng.random(n)


@dataclass(frozen=True)
class _Households:
    commune: np.ndarray
    size: np.ndarray
    head_female: np.ndarray
    has_spouse: np.ndarray
    head_age: np.ndarray
    spouse_age: np.ndarray
    family: np.ndarray  # family-name group of the children
    family_spelling: np.ndarray
    street: np.ndarray  # (5, h) draws for the address


def _households(rng: np.random.Generator, com: _Communes, rate: float) -> _Households:
    names = _names()
    commune, size = _household_sizes(rng, com)
    h = len(size)
    single = size == 1
    head_female = rng.random(h) < np.where(single, P_FEMALE_HEAD_SINGLE, P_FEMALE_HEAD)
    has_spouse = ~single & (
        rng.random(h) < np.where(head_female, 0.10, np.where(size == 2, 0.80, 0.93))
    )
    head_age = np.where(
        single, _band_age(rng, SINGLE_AGE_BANDS, h), _band_age(rng, HEAD_AGE_BANDS, h)
    )
    gap = np.clip(rng.normal(6.0, 4.5, h), -4, 25)
    spouse_age = np.clip(np.where(head_female, head_age + gap, head_age - gap), 18, 99)
    u = rng.random((3, h))
    family = np.where(
        com.urban[commune], _pick(names.cum_family_urban, u[0]), _pick(names.cum_family_rural, u[0])
    )
    return _Households(
        commune=commune,
        size=size,
        head_female=head_female,
        has_spouse=has_spouse,
        head_age=head_age,
        spouse_age=spouse_age,
        family=family,
        family_spelling=_spelling(names.family, family, u[1], u[2], rate),
        street=rng.integers(0, 1 << 30, (5, h)),
    )


def _roles_and_ages(
    rng: np.random.Generator, hh: np.ndarray, pos: np.ndarray, H: _Households, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    head_age = H.head_age[hh]
    old_head = head_age >= 58
    role = np.where(
        pos == 0,
        HEAD,
        np.where(
            (pos == 1) & H.has_spouse[hh],
            SPOUSE,
            np.where(u[0] < np.where(old_head, 0.40, 0.09), OTHER, CHILD),
        ),
    )
    # Children are born to the younger parent aged 17..46. Others are grandchildren or
    # children-in-law (old heads), or the head's parents and relatives (younger heads).
    parent_age = np.where(H.has_spouse, np.minimum(H.head_age, H.spouse_age), H.head_age)[hh]
    birth_age = 17 + 29 * rng.beta(2.0, 3.2, BLOCK)
    birth_age = np.where(birth_age < parent_age, birth_age, 17 + (parent_age - 17) * u[1])
    grandchild = np.where(u[2] < 0.65, u[3] * np.clip(head_age - 40, 1, 22), 20 + 20 * u[3])
    relative = np.where(u[2] < 0.6, np.minimum(head_age + 20 + 15 * u[3], 99), 5 + 30 * u[3])
    age = np.select(
        [role == HEAD, role == SPOUSE, role == CHILD],
        [head_age, H.spouse_age[hh], parent_age - birth_age],
        np.where(old_head, grandchild, relative),
    )
    male = np.select(
        [role == HEAD, role == SPOUSE, role == CHILD],
        [~H.head_female[hh], H.head_female[hh], u[4] < 0.51],
        u[4] < 0.45,
    )
    return role, age, male


def _first_names(hh: np.ndarray, male: np.ndarray, u: np.ndarray) -> np.ndarray:
    """First-name groups; two members of a household of the same sex never share one."""
    names = _names()
    draw = u.copy()
    first = np.zeros(len(hh), dtype=np.int64)
    for attempt in range(4):
        first = np.where(male, _pick(names.cum_male, draw), _pick(names.cum_female, draw))
        key = (hh * 2 + male) * 1_000_000 + first
        order = np.argsort(key, kind="stable")
        repeated = np.zeros(len(hh), dtype=bool)
        repeated[order[1:]] = key[order[1:]] == key[order[:-1]]
        if not repeated.any():
            break
        draw = np.where(repeated, (draw + 0.6180339887 * (attempt + 1)) % 1.0, draw)
    return first


def _block(seed: int, block: int, com: _Communes, rate: float) -> dict[str, np.ndarray]:
    """The ``BLOCK`` people of one block, as numbers (strings are assembled per chunk)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, PEOPLE_STREAM, block])))
    names = _names()
    H = _households(rng, com, rate)
    # Person level: every draw has the block's full length, used or not.
    hh = np.repeat(np.arange(len(H.size)), H.size)
    pos = np.arange(BLOCK) - np.repeat(np.cumsum(H.size) - H.size, H.size)
    u = rng.random((12, BLOCK))
    role, age, male = _roles_and_ages(rng, hh, pos, H, u)
    order = np.lexsort((-age, role, hh))  # head, spouse, children eldest first, others
    role, age, male, hh, u = role[order], age[order], male[order], hh[order], u[:, order]
    first = _first_names(hh, male, u[5])
    first_m = _spelling(names.male, np.where(male, first, 0), u[6], u[7], rate)
    first_f = _spelling(names.female, np.where(male, 0, first), u[6], u[7], rate)
    urban = com.urban[H.commune]
    own = np.where(
        urban[hh], _pick(names.cum_family_urban, u[8]), _pick(names.cum_family_rural, u[8])
    )
    own_spelling = _spelling(names.family, own, u[9], u[10], rate)
    # Women heads and wives keep their own name; half the others belong to another family.
    keeps_own = ((role <= SPOUSE) & ~male) | ((role == OTHER) & (u[11] < 0.5))
    return {
        "household": block * BLOCK + (np.cumsum(H.size) - H.size)[hh],
        "role": role.astype(np.int8),
        "male": male,
        "days": (age * DAYS_PER_YEAR).astype(np.int64) + 1,
        "first_lat": np.where(male, first_m, -1 - first_f),  # >= 0 male table, < 0 female table
        "family": np.where(keeps_own, own, H.family[hh]),
        "family_spelling": np.where(keeps_own, own_spelling, H.family_spelling[hh]),
        "first": first,
        "commune": H.commune[hh],
        "street": H.street[:, hh],
        "phone": rng.integers(0, 10**8, BLOCK),
        "mobile07": rng.random(BLOCK) < MOBILE_07_SHARE,
    }


# --------------------------------------------------------------------------- strings


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits as a (n, width) uint8 matrix of ASCII codes."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers % 10 + 48).astype(np.uint8)


def _ascii(matrix: np.ndarray) -> np.ndarray:
    """Rows of ASCII codes (trailing NULs dropped) as a ``<U`` array."""
    matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
    return matrix.view(f"S{matrix.shape[1]}").ravel().astype(f"U{matrix.shape[1]}")


def _mix(x: np.ndarray, key: np.uint64) -> np.ndarray:
    z = x.astype(np.uint64) ^ key
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@functools.cache
def _cnie_keys(seed: int) -> np.ndarray:
    return np.random.SeedSequence([seed, CNIE_STREAM]).generate_state(8, np.uint64)


def _cnie_permute(index: np.ndarray, seed: int) -> np.ndarray:
    """A keyed bijection of [0, CNIE_TIER) (balanced Feistel network on 5400 x 5500)."""
    keys = _cnie_keys(seed)
    a, b = np.uint64(_CNIE_A), np.uint64(_CNIE_B)
    x, y = (index // _CNIE_B).astype(np.uint64), (index % _CNIE_B).astype(np.uint64)
    for r in range(4):
        x = (x + _mix(y, keys[2 * r]) % a) % a
        y = (y + _mix(x, keys[2 * r + 1]) % b) % b
    return (x * b + y).astype(np.int64)


def _cnie(index: np.ndarray, letters: np.ndarray, seed: int) -> np.ndarray:
    tier = index // CNIE_TIER
    q = _cnie_permute(index % CNIE_TIER, seed)
    second, rest = q // 1_100_000, q % 1_100_000
    six = rest < 1_000_000
    n = len(index)
    out = np.zeros((n, 8), dtype=np.uint8)
    overflow = np.frombuffer("".join(OVERFLOW_LETTERS).encode(), dtype=np.uint8)
    out[:, 0] = np.where(tier == 0, letters, overflow[np.maximum(tier - 1, 0)])
    out[:, 1] = np.where(second > 0, 64 + second, 0)  # 65 = "A"
    start = 1 + (second > 0)
    digits = np.where(
        six[:, None], _digits(rest, 6), np.pad(_digits(rest - 1_000_000, 5), ((0, 0), (0, 1)))
    )
    width = np.where(six, 6, 5)
    rows = np.arange(n)
    for k in range(6):
        keep = k < width
        out[rows[keep], start[keep] + k] = digits[keep, k]
    return _ascii(out)


def _phones(numbers: np.ndarray, mobile07: np.ndarray) -> np.ndarray:
    out = np.empty((len(numbers), 10), dtype=np.uint8)
    out[:, 0] = ord("0")
    out[:, 1] = np.where(mobile07, ord("7"), ord("6"))
    out[:, 2:] = _digits(numbers, 8)
    return _ascii(out)


def _addresses(street: np.ndarray, urban: np.ndarray) -> list[str]:
    parts = _address_parts()
    kinds, names, quarters = parts["street_type"], parts["street"], parts["quarter"]
    douar_prefix, douars = parts["douar_prefix"], parts["douar"]
    number = (street[0] % 120 + 1).tolist()
    kind = kinds[street[1] % len(kinds)].tolist()
    name = names[street[2] % len(names)].tolist()
    quarter = quarters[street[3] % len(quarters)].tolist()
    prefix = douar_prefix[street[1] % len(douar_prefix)].tolist()
    douar = douars[street[4] % len(douars)].tolist()
    return [
        f"N° {n} {k} {s}, {q}" if u else f"{p} {d}"
        for n, k, s, q, p, d, u in zip(
            number, kind, name, quarter, prefix, douar, urban.tolist(), strict=True
        )
    ]


# --------------------------------------------------------------------------- public API


def generate_people(
    *, start: int, count: int, seed: int, communes: CommuneTable, variant_rate: float = 0.08
) -> PeopleBatch:
    """People ``start .. start+count-1`` of ``seed``: always the same rows for the same index."""
    if start < 0 or count < 0 or seed < 0:
        raise ValueError("start, count and seed must be non-negative")
    if start + count > CNIE_CAPACITY:
        raise ValueError(f"indices past {CNIE_CAPACITY:,} exhaust the CNIE number space")
    if not 0.0 <= variant_rate <= 1.0:
        raise ValueError("variant_rate must be within [0, 1]")
    com = _prepare(communes)
    first_block = start // BLOCK
    end_block = max(-(-(start + count) // BLOCK), first_block + 1)
    blocks = [_block(seed, b, com, variant_rate) for b in range(first_block, end_block)]
    lo = start - first_block * BLOCK
    cols = {
        k: np.concatenate([blk[k] for blk in blocks], axis=-1)[..., lo : lo + count]
        for k in blocks[0]
    }
    return _assemble(np.arange(start, start + count, dtype=np.int64), cols, com, seed)


def _assemble(
    index: np.ndarray, c: dict[str, np.ndarray], com: _Communes, seed: int
) -> PeopleBatch:
    names = _names()
    birth = REFERENCE_DATE - c["days"].astype("timedelta64[D]")
    adult = birth <= ADULT_BORN_ON_OR_BEFORE
    male = c["male"]
    fm, ff = c["first_lat"], -1 - c["first_lat"]
    first_lat = np.where(
        male,
        names.male.spellings[np.where(male, fm, 0)],
        names.female.spellings[np.where(male, 0, ff)],
    )
    first_ar = np.where(
        male,
        names.male.arabic[np.where(male, c["first"], 0)],
        names.female.arabic[np.where(male, 0, c["first"])],
    )
    commune = c["commune"]
    # One address per household: built on each household's first row in the slice.
    new = np.ones(len(index), dtype=bool)
    new[1:] = c["household"][1:] != c["household"][:-1]
    starts = np.flatnonzero(new)
    addresses = np.array(_addresses(c["street"][:, starts], com.urban[commune[starts]]) or [""])
    cnie = _cnie(index, com.letters[commune], seed)
    phone = _phones(c["phone"], c["mobile07"])
    return PeopleBatch(
        demo_key=index,
        household_key=c["household"].astype(np.int64),
        role_in_household=ROLES[c["role"]],
        sex=np.where(male, "M", "F"),
        birth_date=birth,
        first_name_lat=first_lat,
        last_name_lat=names.family.spellings[c["family_spelling"]],
        first_name_ar=first_ar,
        last_name_ar=names.family.arabic[c["family"]],
        cnie=np.where(adult, cnie, ""),
        commune_code=com.codes[commune],
        province_code=com.province_codes[commune],
        address_line=addresses[np.cumsum(new) - 1] if len(index) else addresses[:0],
        phone=np.where(adult, phone, ""),
    )


def iter_people(
    *,
    count: int,
    seed: int,
    communes: CommuneTable,
    chunk_size: int = 100_000,
    variant_rate: float = 0.08,
) -> Iterator[PeopleBatch]:
    """People ``0 .. count-1`` of ``seed`` in chunks of ``chunk_size`` (the last may be shorter)."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    for start in range(0, count, chunk_size):
        yield generate_people(
            start=start,
            count=min(chunk_size, count - start),
            seed=seed,
            communes=communes,
            variant_rate=variant_rate,
        )
