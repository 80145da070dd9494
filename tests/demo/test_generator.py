"""The synthetic population generator: determinism, slicing, identifiers, households, names."""

from __future__ import annotations

import csv
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snigi.demo.generator import (
    BLOCK,
    CNIE_CAPACITY,
    CNIE_TIER,
    REFERENCE_DATE,
    CommuneTable,
    PeopleBatch,
    cnie_letter,
    generate_people,
    iter_people,
    spelling_variants,
)
from snigi.demo.names import DATA_DIR, NAME_FILES, load_names

SEED = 7


def _table() -> CommuneTable:
    """6 provinces x 6 communes (2 urban, 4 rural), plus one commune of weight 0."""
    codes, provinces, weights, urban = [], [], [], []
    for p, province in enumerate(["06.141", "04.421", "09.001", "07.351", "11.321", "03.231"]):
        for k in range(6):
            codes.append(f"{province}.{k:02d}")
            provinces.append(province)
            weights.append(float(300_000 - 40_000 * k - 10_000 * p))
            urban.append(k < 2)
    codes.append("99.999.00")
    provinces.append("99.999")
    weights.append(0.0)
    urban.append(True)
    return CommuneTable(codes=codes, province_codes=provinces, weights=weights, urban=urban)


TABLE = _table()


def _ages(batch: PeopleBatch) -> np.ndarray:
    return (REFERENCE_DATE - batch.birth_date).astype(np.int64) / 365.2425


def _equal(a: PeopleBatch, b: PeopleBatch) -> bool:
    return all(
        np.array_equal(x, y)
        for x, y in zip(a.columns().values(), b.columns().values(), strict=True)
    )


def _slice(batch: PeopleBatch, lo: int, hi: int) -> PeopleBatch:
    return PeopleBatch(**{k: v[lo:hi] for k, v in batch.columns().items()})


@pytest.fixture(scope="module")
def big() -> PeopleBatch:
    return generate_people(start=0, count=200_000, seed=SEED, communes=TABLE)


@pytest.fixture(scope="module")
def reference() -> PeopleBatch:
    return generate_people(start=0, count=6 * BLOCK, seed=SEED, communes=TABLE)


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_same_people_and_another_seed_other_people(reference):
    again = generate_people(start=0, count=6 * BLOCK, seed=SEED, communes=TABLE)
    other = generate_people(start=0, count=6 * BLOCK, seed=SEED + 1, communes=TABLE)
    assert _equal(reference, again)
    assert (reference.last_name_lat != other.last_name_lat).mean() > 0.5
    assert (reference.cnie != other.cnie).mean() > 0.5


def test_columns_are_equal_length_arrays_with_documented_types(reference):
    assert all(len(v) == 6 * BLOCK for v in reference.columns().values())
    assert reference.demo_key.dtype == np.int64
    assert reference.household_key.dtype == np.int64
    assert reference.birth_date.dtype == np.dtype("datetime64[D]")
    assert np.array_equal(reference.demo_key, np.arange(6 * BLOCK))
    assert set(reference.role_in_household.tolist()) == {"head", "spouse", "child", "other"}
    assert set(reference.sex.tolist()) == {"M", "F"}


@pytest.mark.parametrize(
    ("start", "count"),
    [
        (0, 1),
        (999, 2),
        (1000, 1000),
        (1500, 2000),
        (2999, 1),
        (123, 4321),
        (5999, 1),
        (4000, 0),
    ],
)
def test_a_slice_is_the_same_rows_as_a_bigger_run(reference, start, count):
    part = generate_people(start=start, count=count, seed=SEED, communes=TABLE)
    assert len(part) == count
    assert _equal(part, _slice(reference, start, start + count))


@settings(max_examples=25, deadline=None)
@given(start=st.integers(0, 5 * BLOCK), count=st.integers(0, BLOCK))
def test_slicing_property(reference, start, count):
    part = generate_people(start=start, count=count, seed=SEED, communes=TABLE)
    assert _equal(part, _slice(reference, start, start + count))


def test_chunks_concatenate_to_the_whole_run(reference):
    chunks = list(iter_people(count=6 * BLOCK, seed=SEED, communes=TABLE, chunk_size=777))
    assert [len(c) for c in chunks] == [777] * 7 + [6 * BLOCK - 7 * 777]
    joined = PeopleBatch(
        **{k: np.concatenate([getattr(c, k) for c in chunks]) for k in reference.columns()}
    )
    assert _equal(joined, reference)


def test_generator_does_not_import_django():
    code = (
        "import sys, snigi.demo.generator as g; "
        "g.generate_people(start=0, count=10, seed=1, communes=g.CommuneTable(['c'], ['141'], "
        "[1.0], [True])); print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        generate_people(start=-1, count=5, seed=1, communes=TABLE)
    with pytest.raises(ValueError, match="CNIE"):
        generate_people(start=CNIE_CAPACITY - 1, count=2, seed=1, communes=TABLE)
    with pytest.raises(ValueError, match="weights"):
        generate_people(
            start=0, count=5, seed=1, communes=CommuneTable(["a"], ["141"], [0.0], [True])
        )
    with pytest.raises(ValueError, match="equal length"):
        generate_people(
            start=0,
            count=5,
            seed=1,
            communes=CommuneTable(["a", "b"], ["141"], [1.0, 1.0], [True, False]),
        )


# --------------------------------------------------------------------------- identifiers


def test_cnie_unique_and_well_formed_for_adults_empty_for_minors(big):
    adult = big.birth_date <= np.datetime64("2008-01-01")
    cnie = big.cnie[adult]
    assert 0.6 < adult.mean() < 0.8
    assert len(np.unique(cnie)) == len(cnie)
    pattern = re.compile(r"^[A-Z]{1,2}[0-9]{5,6}$")
    assert all(pattern.match(c) and len(c) <= 8 for c in cnie.tolist())
    assert (big.cnie[~adult] == "").all()
    assert (big.phone[~adult] == "").all()
    assert all(re.fullmatch(r"0[67][0-9]{8}", p) for p in big.phone[adult].tolist())


def test_cnie_first_letter_is_the_province_letter(big):
    adult = big.cnie != ""
    first = np.array([c[0] for c in big.cnie[adult].tolist()])
    letters = {p: cnie_letter(p) for p in set(big.province_code.tolist())}
    expected = np.array([letters[p] for p in big.province_code[adult].tolist()])
    assert np.array_equal(first, expected)
    assert cnie_letter("06.141") == cnie_letter("141") == "B"  # Casablanca
    assert cnie_letter("04.421") == "A"  # Rabat
    assert cnie_letter("XYZ") == cnie_letter("XYZ")
    assert cnie_letter("XYZ") not in "OV"


def test_cnie_stays_unique_across_the_overflow_tier():
    lo = CNIE_TIER - 3 * BLOCK
    batch = generate_people(start=lo, count=6 * BLOCK, seed=SEED, communes=TABLE)
    cnie = batch.cnie[batch.cnie != ""]
    assert len(np.unique(cnie)) == len(cnie)
    beyond = batch.demo_key >= CNIE_TIER
    assert all(c.startswith("V") for c in batch.cnie[beyond & (batch.cnie != "")].tolist())
    assert not any(c.startswith("V") for c in batch.cnie[~beyond].tolist())


# --------------------------------------------------------------------------- households


def test_households_are_consecutive_and_start_with_their_head(big):
    keys = big.household_key
    assert (np.diff(keys) >= 0).all()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    assert np.array_equal(keys[starts], big.demo_key[starts])  # key = the head's demo_key
    assert (big.role_in_household[starts] == "head").all()
    assert (big.role_in_household == "head").sum() == len(starts)
    ends = np.r_[starts[1:], len(keys)]
    assert (keys // BLOCK == (big.demo_key // BLOCK)).all()  # never across a block edge
    sizes = ends - starts
    assert 3.8 < sizes.mean() < 5.2


def test_household_members_share_address_and_children_the_family_name(big):
    head = np.searchsorted(big.demo_key, big.household_key)
    for column in (big.commune_code, big.province_code, big.address_line):
        assert (column == column[head]).all()
    child = big.role_in_household == "child"
    male_head = big.sex[head] == "M"
    # Father heads: children carry his name.
    assert (
        big.last_name_lat[child & male_head] == big.last_name_lat[head][child & male_head]
    ).all()
    assert (big.last_name_ar[child & male_head] == big.last_name_ar[head][child & male_head]).all()
    # Mother heads keep their name; siblings share one (their father's).
    by_household: dict[int, set[str]] = {}
    for key, name in zip(
        big.household_key[child & ~male_head].tolist(),
        big.last_name_lat[child & ~male_head].tolist(),
        strict=True,
    ):
        by_household.setdefault(key, set()).add(name)
    assert by_household
    assert all(len(names) == 1 for names in by_household.values())
    # Wives keep their maiden name (mostly different from the husband's).
    wife = (big.role_in_household == "spouse") & (big.sex == "F")
    assert (big.last_name_lat[wife] != big.last_name_lat[head][wife]).mean() > 0.9


def test_ages_within_households_are_plausible(big):
    age = _ages(big)
    head = np.searchsorted(big.demo_key, big.household_key)
    child = big.role_in_household == "child"
    assert (age[head][child] - age[child] >= 15).all()
    spouse = big.role_in_household == "spouse"
    assert (big.sex[spouse] != big.sex[head][spouse]).all()
    assert (age[spouse] >= 18).all()
    assert (np.abs(age[spouse] - age[head][spouse]) <= 30).all()
    # Children eldest first within each household.
    same = (big.household_key[1:] == big.household_key[:-1]) & child[1:] & child[:-1]
    assert (big.birth_date[1:][same] >= big.birth_date[:-1][same]).all()
    assert (age >= 0).all()
    assert (age < 101).all()
    assert (big.role_in_household[head] == "head").all()
    assert (age[head] >= 20).all()


def test_sex_ratio_and_age_structure_are_plausible(big):
    age = _ages(big)
    assert 0.47 < (big.sex == "M").mean() < 0.53
    assert 0.20 < (age < 15).mean() < 0.32
    assert 0.08 < (age >= 60).mean() < 0.18
    assert 24 < np.median(age) < 34
    heads = big.role_in_household == "head"
    assert 0.08 < (big.sex[heads] == "F").mean() < 0.25


def test_communes_come_from_the_table_with_their_province(big):
    codes = list(TABLE.codes)
    assert set(big.commune_code.tolist()) <= set(codes)
    assert "99.999.00" not in set(big.commune_code.tolist())  # weight 0: never drawn
    province_of = dict(zip(codes, TABLE.province_codes, strict=True))
    assert all(
        province_of[c] == p
        for c, p in zip(big.commune_code.tolist(), big.province_code.tolist(), strict=True)
    )
    # People follow the weights (+- sampling noise): the heaviest commune is the most populated.
    values, counts = np.unique(big.commune_code, return_counts=True)
    assert values[np.argmax(counts)] == codes[0]


def test_addresses_look_moroccan(big):
    urban = {c for c, u in zip(TABLE.codes, TABLE.urban, strict=True) if u}
    is_urban = np.isin(big.commune_code, list(urban))
    assert all(re.fullmatch(r"N° \d+ \S.*, .+", a) for a in big.address_line[is_urban][:2000])
    assert all(a.startswith(("Douar", "Ksar")) for a in big.address_line[~is_urban][:2000])


# --------------------------------------------------------------------------- names


def _canonical_share(batch: PeopleBatch) -> tuple[float, int]:
    male, female = load_names("first_names_male.csv"), load_names("first_names_female.csv")
    variant_of = {}
    for table in (male, female):
        for start, n in zip(table.offset.tolist(), table.n_spellings.tolist(), strict=True):
            group = table.spellings[start : start + n].tolist()
            if n > 1:
                variant_of.update({s: s != group[0] for s in group})
    flags = [variant_of[n] for n in batch.first_name_lat.tolist() if n in variant_of]
    return float(np.mean(flags)), len(flags)


def test_variant_rate_is_near_the_parameter(big):
    share, n = _canonical_share(big)
    assert n > 150_000
    assert abs(share - 0.08) < 0.005
    none = generate_people(start=0, count=20_000, seed=SEED, communes=TABLE, variant_rate=0.0)
    many = generate_people(start=0, count=20_000, seed=SEED, communes=TABLE, variant_rate=0.3)
    assert _canonical_share(none)[0] == 0.0
    assert abs(_canonical_share(many)[0] - 0.3) < 0.02


def test_names_match_sex_and_their_arabic_spelling(big):
    male, female = load_names("first_names_male.csv"), load_names("first_names_female.csv")
    family = load_names("family_names.csv")

    def arabic_of(table):
        groups = np.repeat(np.arange(len(table)), table.n_spellings)
        return dict(zip(table.spellings.tolist(), table.arabic[groups].tolist(), strict=True))

    male_ar, female_ar, family_ar = arabic_of(male), arabic_of(female), arabic_of(family)
    rows = zip(
        big.sex[:20_000].tolist(),
        big.first_name_lat[:20_000].tolist(),
        big.first_name_ar[:20_000].tolist(),
        big.last_name_lat[:20_000].tolist(),
        big.last_name_ar[:20_000].tolist(),
        strict=True,
    )
    for sex, first, first_ar, last, last_ar in rows:
        assert (male_ar if sex == "M" else female_ar)[first] == first_ar
        assert family_ar[last] == last_ar
    # Zipf-like: MOHAMED and FATIMA lead.
    men = spelling_variants("MOHAMED")
    assert 0.06 < np.isin(big.first_name_lat[big.sex == "M"], men).mean() < 0.2
    first_f, counts = np.unique(big.first_name_lat[big.sex == "F"], return_counts=True)
    assert first_f[np.argmax(counts)] == "FATIMA"


def test_no_two_members_of_a_household_share_sex_and_first_name(big):
    canonical = np.array([spelling_variants(n)[0] for n in big.first_name_lat[:50_000].tolist()])
    keys = list(
        zip(
            big.household_key[:50_000].tolist(),
            big.sex[:50_000].tolist(),
            canonical.tolist(),
            strict=True,
        )
    )
    assert len(set(keys)) == len(keys)


def test_name_lists_are_big_enough_and_consistent():
    sizes = {f: len(load_names(f)) for f in NAME_FILES}
    assert sizes["first_names_male.csv"] >= 150
    assert sizes["first_names_female.csv"] >= 150
    assert sizes["family_names.csv"] >= 400
    arabic = re.compile(r"^[\u0600-\u06FF ]+$")
    for filename in NAME_FILES:
        table = load_names(filename)
        assert (table.weight > 0).all()
        assert all(arabic.match(a) for a in table.arabic.tolist()), filename
        assert all(re.fullmatch(r"[A-Z][A-Z' -]*[A-Z]", s) for s in table.spellings.tolist())
        assert len(set(table.spellings.tolist())) == len(table.spellings), filename
        assert {"arab", "amazigh"} <= set(table.origin.tolist())
    assert "sahrawi" in set(load_names("family_names.csv").origin.tolist())


def test_spelling_variants_round_trip():
    for filename in NAME_FILES:
        with (DATA_DIR / filename).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                group = row["spellings"].split("|")
                for spelling in group:
                    variants = spelling_variants(spelling)
                    assert set(group) <= set(variants), spelling
                    assert spelling_variants(spelling.lower()) == variants
    assert spelling_variants("Mohammed")[:5] == [
        "MOHAMED",
        "MOHAMMED",
        "MOHAMMAD",
        "MHAMED",
        "MUHAMMAD",
    ]
    assert {"EL IDRISSI", "IDRISSI", "ELIDRISSI", "EL IDRISI"} <= set(spelling_variants("idrissi"))
    assert {"BENJELLOUN", "BEN JELLOUN", "BENJELLOUNE"} <= set(spelling_variants("Ben  Jelloun"))
    assert spelling_variants("chaouy")[:2] == ["CHAOUI", "CHAOUY"]
    assert "AIT ALI" in spelling_variants("Aït-Ali")
    assert spelling_variants("Zzyzx") == ["ZZYZX"]
