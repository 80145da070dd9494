"""``snigi link`` and ``snigi dedupe``: the command-line contract of the double-enrolment matcher.

    snigi link LEFT RIGHT --out PAIRS.csv      -> left_id,right_id,match_probability
    snigi dedupe FILE --out CLUSTERS.csv       -> record_id,cluster_id

They need no database and do not start Django. Exit status: 0 done, 2 bad input (a clear message
on stderr, nothing written).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

FIELDS = ("id", "id_number", "first_name", "last_name", "birth_date", "sex", "commune")


def _parser(prog: str, link: bool) -> argparse.ArgumentParser:
    if link:
        description = (
            "Relie deux listes un à un et écrit left_id,right_id,match_probability "
            "(une ligne par paire retenue)."
        )
    else:
        description = (
            "Regroupe les enregistrements d'une liste qui désignent la même personne et écrit "
            "record_id,cluster_id (chaque enregistrement, une fois)."
        )
    p = argparse.ArgumentParser(prog=prog, description=description)
    if link:
        p.add_argument("left", help="première liste (CSV, Parquet ou XML)")
        p.add_argument("right", help="seconde liste (CSV, Parquet ou XML)")
    else:
        p.add_argument("file", help="la liste (CSV, Parquet ou XML)")
    p.add_argument("--out", required=True, type=Path, help="fichier CSV écrit")
    group = p.add_argument_group(
        "colonnes",
        "Sans option, les en-têtes usuels sont reconnus (record_id, cnie, first_name/prenom, "
        "last_name/nom, birth_date/date_naissance, sex/sexe, commune). Une valeur vide est "
        "permise partout. --opt '' retire un champ.",
    )
    group.add_argument("--id", help="identifiant de l'enregistrement (défaut : numéro de ligne)")
    group.add_argument("--id-number", help="numéro d'identité (CNIE ou autre), toléré aux fautes")
    group.add_argument("--first-name")
    group.add_argument("--last-name")
    group.add_argument(
        "--birth-date", help="ISO, YYYYMMDD ou DD/MM/YYYY ; l'année seule est permise"
    )
    group.add_argument("--sex")
    group.add_argument("--commune")
    group.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="COL",
        help="autre colonne comparée comme texte (répétable)",
    )
    run = p.add_argument_group("exécution")
    run.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    run.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="probabilité minimale d'un lien (défaut : 0.3 pour link, 0.9 pour dedupe)",
    )
    run.add_argument(
        "--model", type=Path, help="réutiliser un modèle enregistré (pas d'entraînement)"
    )
    run.add_argument(
        "--save-model", type=Path, help="où enregistrer le modèle (défaut : OUT.model.json)"
    )
    run.add_argument(
        "--memory-limit", help="mémoire de DuckDB, par ex. 6GB (défaut : 40 %% de la RAM)"
    )
    run.add_argument("--threads", type=int)
    run.add_argument("--verbose", action="store_true", help="journal de Splink (entraînement)")
    run.add_argument(
        "--work-dir", type=Path, help="fichiers de travail (défaut : dossier temporaire)"
    )
    return p


def main(argv: list[str]) -> int:
    command, args = argv[0], argv[1:]
    prog = f"snigi {command}"
    parser = _parser(prog, link=command == "link")
    ns = parser.parse_args(args)

    def fail(message: str) -> int:
        print(f"{prog}: {message}", file=sys.stderr)
        return 2

    if ns.threshold is not None and not 0.0 < ns.threshold <= 1.0:
        return fail("--threshold doit être compris entre 0 (exclu) et 1.")
    if ns.out.exists() and ns.out.is_dir():
        return fail(f"--out {ns.out} est un dossier.")
    if not ns.out.parent.exists():
        return fail(f"le dossier de --out n'existe pas : {ns.out.parent}")
    if len(set(ns.extra)) < len(ns.extra):
        return fail("une colonne est donnée deux fois à --extra.")
    if ns.work_dir is not None and not ns.work_dir.is_dir():
        return fail(f"--work-dir n'est pas un dossier existant : {ns.work_dir}")
    if ns.memory_limit is not None and not re.fullmatch(
        r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", ns.memory_limit
    ):
        return fail(f"--memory-limit attend par exemple 6GB ou 512MB : {ns.memory_limit}")
    for option, target in (("--save-model", ns.save_model), ("--model", None)):
        if target is not None and not target.parent.is_dir():
            return fail(f"le dossier de {option} n'existe pas : {target.parent}")

    import duckdb
    from splink.internals.exceptions import SplinkException
    from tqdm import tqdm

    from snigi.enrolment_control.engine import STEPS, InputError, Options, dedupe, link
    from snigi.enrolment_control.model import ModelError
    from snigi.enrolment_control.prepare import Mapping

    explicit = {f for f in FIELDS if getattr(ns, f) is not None}
    mapping = Mapping(**{f: getattr(ns, f) or None for f in FIELDS}, extra=tuple(ns.extra))
    options = Options(
        engine=ns.engine,
        threshold=ns.threshold,
        model=ns.model,
        save_model=ns.save_model or ns.out.with_name(ns.out.name + ".model.json"),
        memory_limit=ns.memory_limit,
        threads=ns.threads,
        work_dir=ns.work_dir,
        verbose=ns.verbose,
        explicit=explicit,
    )
    bar = tqdm(total=len(STEPS), desc=prog, unit=" étape", disable=None, file=sys.stderr)

    def progress(step: str) -> None:
        if step:
            bar.set_postfix_str(step)
            if step != STEPS[0]:
                bar.update(1)

    tmp = ns.out.with_name(ns.out.name + ".part")
    try:
        if command == "link":
            result = link(ns.left, ns.right, tmp, mapping, options, progress)
        else:
            result = dedupe(ns.file, tmp, mapping, options, progress)
    except (InputError, ModelError) as exc:
        bar.close()
        tmp.unlink(missing_ok=True)
        return fail(str(exc))
    except (duckdb.Error, SplinkException) as exc:  # resources: memory, disk...
        bar.close()
        tmp.unlink(missing_ok=True)
        lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
        cause = next(
            (x for x in lines if "Error:" in x), lines[-1] if lines else type(exc).__name__
        )
        return fail(f"le calcul a échoué : {cause[:500]}")
    except KeyboardInterrupt:
        bar.close()
        tmp.unlink(missing_ok=True)
        return 130
    bar.update(bar.total - bar.n)
    bar.close()
    tmp.replace(ns.out)
    rows = ", ".join(f"{n:,} ({s})".replace(",", " ") for s, n in result.rows.items())
    what = "paires" if command == "link" else "enregistrements"
    print(
        f"{prog}: {rows} lus ; {result.exact_pairs} paires par numéro d'identité ; "
        f"{result.written} {what} écrits dans {ns.out} ; modèle {result.model_version} "
        f"({result.model_path}).",
        file=sys.stderr,
    )
    if result.unreadable_dates:
        print(
            f"{prog}: {result.unreadable_dates} dates de naissance illisibles, traitées comme "
            "absentes.",
            file=sys.stderr,
        )
    return 0
