"""The Splink model: comparisons, blocking rules, unsupervised training, saving (Django-free).

The comparisons read the normalised columns of the ``records`` table (``prepare.py``). Each
field only takes part when it is mapped. Custom levels are written in DuckDB SQL with
``base_dialect_str="duckdb"`` so that Splink translates them for Spark; string distances use
Splink's own levels, which every backend implements.

Blocking: the first rule pairs records that share an identity number. The others read *block
keys* (``b_*`` columns built by ``engine.py``) that are NULL for records already settled by the
exact identity pass and for key values too frequent to compare all-to-all (a very common name
with a placeholder birth date): a NULL key blocks nothing, so each rule stays tractable.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.exceptions import SplinkException

from snigi.enrolment_control.prepare import Mapping

MODEL_FORMAT = "snigi-enrolment-control-model/1"
logger = logging.getLogger(__name__)
DUCK = "duckdb"


def _custom(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label, base_dialect_str=DUCK)


# Jaro-Winkler across two different columns is written by hand, per engine: Splink's own
# levels compare a column with itself.
JARO_WINKLER = {"duckdb": "jaro_winkler_similarity", "spark": "jaro_winkler"}


def _name(
    prefix: str, other: str, label: str, swap_counts: bool, dialect: str
) -> cl.CustomComparison:
    """Levels of one name. A swap of first and last names shows in both name comparisons: only
    the last name's level carries weight (``swap_counts``), the first name's is neutral, so
    that the swap is not counted twice."""
    p, o = prefix, other
    swapped = _custom(
        f'"{p}_sound_l" = "{o}_sound_r" AND "{o}_sound_l" = "{p}_sound_r"',
        "first and last names swapped",
    )
    swapped_skel = _custom(
        f'"{p}_skel_l" = "{o}_skel_r" AND "{o}_skel_l" = "{p}_skel_r"',
        "first and last names swapped (same skeletons)",
    )
    jw = JARO_WINKLER[dialect]
    swapped_fuzzy = cll.CustomLevel(
        # unquoted: double quotes would be string literals on Spark
        f"{jw}({p}_sound_l, {o}_sound_r) >= 0.88 AND {jw}({o}_sound_l, {p}_sound_r) >= 0.88",
        "first and last names swapped, one misspelt",
        base_dialect_str=dialect,
    )
    crossed = _custom(
        f'"{p}_sound_l" = "{o}_sound_r" OR "{o}_sound_l" = "{p}_sound_r"',
        "one name found in the other field (half a swap)",
    )
    if swap_counts:
        swapped = swapped.configure(tf_adjustment_column=f"{p}_root")
    else:
        neutral = {
            "m_probability": 0.01,
            "u_probability": 0.01,
            "fix_m_probability": True,
            "fix_u_probability": True,
        }
        swapped = swapped.configure(**neutral)
        swapped_skel = swapped_skel.configure(**neutral)
        swapped_fuzzy = swapped_fuzzy.configure(**neutral)
        crossed = crossed.configure(**neutral)
    return cl.CustomComparison(
        output_column_name=label,
        comparison_levels=[
            cll.NullLevel(f"{p}_root"),
            cll.ExactMatchLevel(f"{p}_root").configure(tf_adjustment_column=f"{p}_root"),
            cll.ExactMatchLevel(f"{p}_sound"),
            swapped,
            cll.JaroWinklerLevel(f"{p}_sound", 0.92),
            cll.ExactMatchLevel(f"{p}_skel"),
            swapped_skel,
            swapped_fuzzy,
            crossed,
            _custom(
                f'length("{p}_root_l") >= 4 AND length("{p}_root_r") >= 4 AND '
                f'(instr("{p}_root_l", "{p}_root_r") > 0 OR instr("{p}_root_r", "{p}_root_l") > 0)',
                "one contains the other (compound name cut)",
            ),
            _custom(
                f'(length("{p}_clean_l") = 1 OR length("{p}_clean_r") = 1) AND '
                f'left("{p}_clean_l", 1) = left("{p}_clean_r", 1)',
                "an initial and a name starting with it",
            ),
            cll.JaroWinklerLevel(f"{p}_sound", 0.8),
            cll.ElseLevel(),
        ],
    )


def _birth_date() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            _custom('"dob_y_l" IS NULL OR "dob_y_r" IS NULL', "missing").configure(
                is_null_level=True
            ),
            cll.ExactMatchLevel("dob").configure(tf_adjustment_column="dob"),
            _custom(
                '"dob_y_l" = "dob_y_r" AND "dob_m_l" = "dob_d_r" AND "dob_d_l" = "dob_m_r"',
                "day and month swapped",
            ),
            cll.DamerauLevenshteinLevel("dob", 1),
            # 1 January is what registers write when only the year is known.
            _custom(
                '"dob_y_l" = "dob_y_r" AND ("dob_m_l" IS NULL OR "dob_m_r" IS NULL OR '
                '("dob_m_l" = 1 AND "dob_d_l" = 1) OR ("dob_m_r" = 1 AND "dob_d_r" = 1))',
                "same year, one known only by its year (or on 1 January)",
            ),
            _custom('"dob_y_l" = "dob_y_r"', "same year"),
            _custom('abs("dob_y_l" - "dob_y_r") <= 1', "a year apart"),
            cll.ElseLevel(),
        ],
    )


def _id_number() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="id_number",
        comparison_levels=[
            _custom('"idn_l" IS NULL AND "idn_r" IS NULL', "no number on either").configure(
                is_null_level=True
            ),
            # Informative, unlike a missing name: minors have no CNIE, most adults have one.
            _custom('"idn_l" IS NULL OR "idn_r" IS NULL', "a number on one side only"),
            cll.ExactMatchLevel("idn"),
            cll.DamerauLevenshteinLevel("idn", 1),
            cll.DamerauLevenshteinLevel("idn", 2),
            cll.ElseLevel(),
        ],
    )


def comparisons(mapping: Mapping, dialect: str = DUCK) -> list[Any]:
    out: list[Any] = []
    if mapping.id_number:
        out.append(_id_number())
    if mapping.first_name:
        out.append(_name("fn", "ln", "first_name", swap_counts=False, dialect=dialect))
    if mapping.last_name:
        out.append(_name("ln", "fn", "last_name", swap_counts=True, dialect=dialect))
    if mapping.birth_date:
        out.append(_birth_date())
    if mapping.sex:
        out.append(cl.ExactMatch("sex"))
    if mapping.commune:
        out.append(cl.ExactMatch("commune").configure(term_frequency_adjustments=True))
    for i in range(len(mapping.extra)):
        out.append(
            cl.CustomComparison(
                output_column_name=f"extra_{i}",  # the column's name is in the model
                comparison_levels=[
                    cll.NullLevel(f"x{i}"),
                    cll.ExactMatchLevel(f"x{i}"),
                    cll.JaroWinklerLevel(f"x{i}", 0.9),
                    cll.ElseLevel(),
                ],
            )
        )
    return out


# Block keys (built in engine.py) and the rules reading them.
BLOCK_KEYS: dict[str, str] = {
    "b_ln_dob": "ln_skel || '|' || dob",
    "b_fn_dob": "fn_skel || '|' || dob",
    "b_dob_c": "dob || '|' || commune",
    "b_names_y": "fn_skel || '|' || ln_skel || '|' || dob_y",
    "b_pref_y": "left(fn_skel, 3) || '|' || left(ln_skel, 3) || '|' || dob_y || '|' || sex",
    "b_names": "fn_skel || '|' || ln_skel",
    "b_names_c": "fn_sound || '|' || ln_sound || '|' || commune",
    "b_ln_c": "ln_skel || '|' || commune || '|' || sex",
    "b_fn_c": "fn_skel || '|' || commune || '|' || sex",
    "b_ln_y": "ln_skel || '|' || dob_y || '|' || sex",
    "b_fn_y": "fn_skel || '|' || dob_y || '|' || sex",
    "b_ida": "left(idn, 5) || '|' || coalesce(dob_y::VARCHAR, sex, '')",
    "b_idb": "right(idn, 5) || '|' || coalesce(dob_y::VARCHAR, sex, '')",
    "b_fl": "fn_skel || '|' || ln_skel || '|' || coalesce(dob_y::VARCHAR, '')",
    "b_lf": "ln_skel || '|' || fn_skel || '|' || coalesce(dob_y::VARCHAR, '')",
}

# Keys without the full date or the commune gather many records per value: they are capped
# this many times lower (they find few pairs the others miss, at the most comparisons).
LOOSE_KEYS = {"b_names": 6, "b_ln_y": 6, "b_fn_y": 6, "b_ln_c": 6, "b_fn_c": 6}

# Which mapped fields each key needs (a key on a field that is not mapped is never built).
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "b_ln_dob": ("last_name", "birth_date"),
    "b_fn_dob": ("first_name", "birth_date"),
    "b_dob_c": ("birth_date", "commune"),
    "b_names_y": ("first_name", "last_name", "birth_date"),
    "b_pref_y": ("first_name", "last_name", "birth_date", "sex"),
    "b_names": ("first_name", "last_name"),
    "b_names_c": ("first_name", "last_name", "commune"),
    "b_ln_c": ("last_name", "commune", "sex"),
    "b_fn_c": ("first_name", "commune", "sex"),
    "b_ln_y": ("last_name", "birth_date", "sex"),
    "b_fn_y": ("first_name", "birth_date", "sex"),
    "b_ida": ("id_number",),
    "b_idb": ("id_number",),
    "b_fl": ("first_name", "last_name"),
    "b_lf": ("first_name", "last_name"),
}


def block_keys(mapping: Mapping) -> list[str]:
    mapped = set(mapping.compared)
    return [k for k, needs in KEY_FIELDS.items() if mapped.issuperset(needs)]


def blocking_rules(mapping: Mapping) -> list[Any]:
    rules: list[Any] = []
    if mapping.id_number:
        rules.append(block_on("b_idn"))  # idn, NULL when a placeholder held by many
    for key in block_keys(mapping):
        if key == "b_fl":
            rules.append("l.b_fl = r.b_lf")
        elif key != "b_lf":
            rules.append(block_on(key))
    if not rules:  # only extra columns: compare those that agree exactly
        rules = [block_on(f"x{i}") for i in range(len(mapping.extra))]
    return rules


def settings(link_type: str, mapping: Mapping, dialect: str = DUCK) -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,
        comparisons=comparisons(mapping, dialect),
        blocking_rules_to_generate_predictions=blocking_rules(mapping),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        max_iterations=20,
    )


def train(linker: Any, mapping: Mapping, n_records: int) -> None:
    """Unsupervised training: the prior from near-certain rules, u by random sampling, m by EM
    on blocks that leave each comparison free in turn."""
    deterministic = []
    if mapping.id_number and mapping.birth_date:
        deterministic.append("l.b_idn = r.b_idn AND l.dob_y = r.dob_y")
    if mapping.first_name and mapping.last_name and mapping.birth_date:
        deterministic.append("l.fn_root = r.fn_root AND l.ln_root = r.ln_root AND l.dob = r.dob")
    if deterministic:
        try:
            linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
        except (SplinkException, ValueError, ZeroDivisionError) as exc:
            logger.info("prior left at its default: %s", exc)
    prior = linker._settings_obj._probability_two_random_records_match
    if not 0 < prior < 1:  # no near-certain pair found: one match per record at most
        linker._settings_obj._probability_two_random_records_match = 1 / max(n_records, 2)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=min(5e6, max(1e6, n_records * 2)), seed=1
    )
    sessions = []
    if mapping.id_number:
        sessions.append("l.b_idn = r.b_idn")
    # The two name comparisons read both names (swap levels): a block on neither name is needed
    # for them to be trained when the identity number is missing or absent.
    if mapping.birth_date and mapping.commune:
        sessions.append("l.dob = r.dob AND l.commune = r.commune")
    elif mapping.birth_date and mapping.sex:
        sessions.append("l.dob = r.dob AND l.sex = r.sex")
    if mapping.last_name and mapping.birth_date:
        sessions.append("l.ln_skel = r.ln_skel AND l.dob = r.dob")
    if mapping.first_name and mapping.last_name:
        sex = " AND l.sex = r.sex" if mapping.sex else ""
        sessions.append(f"l.fn_root = r.fn_root AND l.ln_root = r.ln_root{sex}")
    if not sessions:
        sessions = [f"l.x{i} = r.x{i}" for i in range(len(mapping.extra))][:1]
    settings_obj = linker._settings_obj
    prior = settings_obj._probability_two_random_records_match
    for rule in sessions:
        # Splink's EM session drops the comparisons it cannot train from the model in place and
        # puts them back only when it succeeds: keep a copy to restore after a failure.
        saved = settings_obj.core_model_settings.copy()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=2e6
            )
        except (SplinkException, ValueError) as exc:  # no pair in that block: nothing to learn
            logger.info("EM on %s skipped: %s", rule, exc)
            settings_obj.core_model_settings = saved
        settings_obj._probability_two_random_records_match = prior  # the prior stays estimated
    _fill_untrained(linker)


# A level never seen among non-matches (u) is given this rarity. A level never seen among
# matches weighs nothing (m = u), so that it neither makes nor breaks a pair, except the last
# level of a comparison ("all other comparisons"): disagreement stays evidence against.
U_FLOOR = 1e-6
M_FLOOR_ELSE = 1e-3


def _fill_untrained(linker: Any) -> None:
    from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT

    unknown = (None, LEVEL_NOT_OBSERVED_TEXT)
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            if level._u_probability in unknown:
                level.u_probability = U_FLOOR
            if level._m_probability in unknown:
                level.m_probability = (
                    min(M_FLOOR_ELSE, level.u_probability)
                    if level._is_else_level
                    else level.u_probability
                )


def _parameters(splink: dict[str, Any]) -> dict[str, Any]:
    """What training learnt: the prior, and m and u per level of each comparison."""
    return {
        "probability_two_random_records_match": splink.get("probability_two_random_records_match"),
        "comparisons": [
            {
                "name": c.get("output_column_name"),
                "levels": [
                    {k: level.get(k) for k in ("m_probability", "u_probability")}
                    for level in c["comparison_levels"]
                ],
            }
            for c in splink["comparisons"]
        ],
    }


def save(linker: Any, path: Path, mapping: Mapping, meta: dict[str, Any]) -> str:
    """Write the trained model: the mapped fields and what training learnt (prior, m and u of
    every level); its version is a hash of the fields and the parameters."""
    parameters = _parameters(linker.misc.save_model_to_json())
    fields = {"fields": mapping.compared, "extra": list(mapping.extra)}
    digest = hashlib.sha256(
        json.dumps({**fields, **parameters}, sort_keys=True).encode()
    ).hexdigest()[:12]
    document = {
        "format": MODEL_FORMAT,
        "version": digest,
        **fields,
        **meta,
        "parameters": parameters,
    }
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    return digest


class ModelError(ValueError):
    pass


def load(path: Path, mapping: Mapping, link_type: str, dialect: str) -> tuple[dict[str, Any], str]:
    """Splink settings for this run and engine (``dialect``: duckdb or spark), with the
    parameters of a saved model; checked against the mapped fields."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"modèle illisible {path} : {exc}") from None
    if not isinstance(document, dict) or document.get("format") != MODEL_FORMAT:
        raise ModelError(f"{path} n'est pas un modèle SNIGI ({MODEL_FORMAT}).")
    wanted: Sequence[str] = document.get("fields", [])
    if list(wanted) != mapping.compared or document.get("extra", []) != list(mapping.extra):
        raise ModelError(
            f"le modèle {path} compare {', '.join([*wanted, *document.get('extra', [])])} ; "
            f"cette exécution compare {', '.join([*mapping.compared, *mapping.extra])}."
        )
    built = settings(link_type, mapping, dialect).create_settings_dict(dialect)
    saved = document.get("parameters", {})
    try:
        prior = float(saved["probability_two_random_records_match"])
        if not 0 < prior < 1:
            raise ValueError(prior)
        built["probability_two_random_records_match"] = prior
        for comparison, learnt in zip(built["comparisons"], saved["comparisons"], strict=True):
            for level, values in zip(
                comparison["comparison_levels"], learnt["levels"], strict=True
            ):
                if level.get("is_null_level"):
                    continue
                for key in ("m_probability", "u_probability"):
                    if values.get(key) is not None:
                        level[key] = values[key]
    except (KeyError, TypeError, ValueError):
        raise ModelError(
            f"le modèle {path} ne correspond pas aux comparaisons de cette version de SNIGI."
        ) from None
    return built, str(document.get("version", ""))


def plain_settings(link_type: str, mapping: Mapping) -> SettingsCreator:
    """Splink with generic settings on the raw columns, as a newcomer would write it: the
    benchmark's baseline (names lower-cased only, dates as ISO strings)."""
    comps: list[Any] = []
    blocks: list[Any] = []
    if mapping.id_number:
        comps.append(cl.DamerauLevenshteinAtThresholds("p_id", [1, 2]))
        blocks.append(block_on("p_id"))
    if mapping.first_name:
        comps.append(cl.NameComparison("p_first"))
    if mapping.last_name:
        comps.append(cl.NameComparison("p_last").configure(term_frequency_adjustments=True))
    if mapping.birth_date:
        comps.append(cl.DamerauLevenshteinAtThresholds("p_dob", [1, 2]))
        if mapping.first_name:
            blocks.append(block_on("p_first", "p_dob"))
        if mapping.last_name:
            blocks.append(block_on("p_last", "p_dob"))
    if mapping.sex:
        comps.append(cl.ExactMatch("p_sex"))
    if mapping.commune:
        comps.append(cl.ExactMatch("p_commune"))
    return SettingsCreator(
        link_type=link_type,
        comparisons=comps,
        blocking_rules_to_generate_predictions=blocks,
        retain_matching_columns=False,
    )
