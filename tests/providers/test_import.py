"""Bulk import of an existing INPE register (CSV): the dry run, the real run (all or nothing,
idempotent), every refusal with its reason, the file's encodings and layouts, and the CLI."""

import csv
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from snigi.cli import main
from snigi.core.audit import LogEntry
from snigi.core.inpe import inpe_from_serial
from snigi.core.models import Commune
from snigi.providers.importer import NEW_CODE, Outcome, providers_import
from snigi.providers.models import ConventionPeriod, InpeSerial, Provider
from snigi.providers.register_file import ImportFileError, RegisterFile
from snigi.providers.selectors import inpe_verify

pytestmark = pytest.mark.django_db

HEADER = (
    "inpe,kind,category,sector,name,cnie,order_number,authorisation_number,"
    "medical_director_inpe,commune,email,status,status_since,attributed_on,convention,"
    "convention_since"
).split(",")
DOCTOR = inpe_from_serial(50_000_001)
CLINIC = inpe_from_serial(50_000_002)
NURSE = inpe_from_serial(50_000_003)


def wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


@pytest.fixture
def commune(db):
    return Commune.objects.order_by("code").first().code


@pytest.fixture
def rows(commune):
    """A small register: a clinic whose director comes later in the file, the director, a
    nurse without a code, a public health centre."""
    return [
        {"inpe": CLINIC, "kind": "etablissement", "category": "CLINIQUE", "sector": "privé",
         "name": "Clinique Al Amal", "authorisation_number": "AUT-1",
         "medical_director_inpe": DOCTOR, "commune": commune, "convention": "adherent",
         "convention_since": "01/03/2021", "attributed_on": "2015-06-30"},
        {"inpe": DOCTOR, "kind": "professionnel", "category": "medecin generaliste",
         "sector": "private", "name": "Alaoui Karima", "cnie": "be 100200",
         "order_number": "ORD-1", "commune": commune, "attributed_on": "20120105"},
        {"inpe": "", "kind": "professional", "category": "INFIRMIER", "sector": "public",
         "name": "Bennani Said", "cnie": "BK300400", "commune": commune},
        {"inpe": "", "kind": "establishment", "category": "CENTRE_SANTE", "sector": "public",
         "name": "Centre de santé Hay Nahda", "authorisation_number": "AUT-2",
         "commune": commune, "status": "ceased", "status_since": "2024-01-31"},
    ]  # fmt: skip


def write(tmp_path, rows, *, header=HEADER, delimiter=",", encoding="utf-8", name="reg.csv"):
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows([row.get(column, "") for column in HEADER] for row in rows)
    return path


def run(ilyas, source, *, dry_run=False, **options):
    if isinstance(source, list):
        return providers_import(actor=ilyas, rows=source, dry_run=dry_run, **options)
    columns = options.pop("columns", None)
    encoding = options.pop("encoding", "")
    with RegisterFile(source, columns=columns, encoding=encoding) as register:
        return providers_import(actor=ilyas, rows=register, dry_run=dry_run, **options)


def outcomes(report):
    return [(r.line, r.outcome, r.code, r.reason) for r in report.rows]


def next_serial():
    return InpeSerial.objects.get(pk=1).next_serial


# --- The real run, the dry run, idempotence ---------------------------------------------------


def test_a_register_is_imported_with_its_directors_conventions_and_audit(tmp_path, ilyas, rows):
    path = write(tmp_path, rows)
    report = run(ilyas, path)
    assert report.written
    assert report.counts == {"rows": 4, "new": 4, "present": 0, "refused": 0}
    assert [r.line for r in report.rows] == [2, 3, 4, 5]
    clinic = Provider.objects.get(inpe=CLINIC)
    doctor = Provider.objects.get(inpe=DOCTOR)
    assert clinic.medical_director == doctor  # defined later in the file
    assert clinic.attributed_on == dt.date(2015, 6, 30)
    assert doctor.cnie == "BE100200"
    assert doctor.category.code == "MEDECIN_GENERALISTE"
    assert doctor.attributed_on == dt.date(2012, 1, 5)
    nurse_code, centre_code = report.rows[2].code, report.rows[3].code
    nurse = Provider.objects.get(inpe=nurse_code)
    assert nurse.name == "Bennani Said"
    assert not nurse.legacy_code
    centre = Provider.objects.get(inpe=centre_code)
    assert (centre.status, centre.status_since) == ("ceased", dt.date(2024, 1, 31))
    period = ConventionPeriod.objects.get(provider=clinic)
    assert (period.status, period.valid_from) == ("adherent", dt.date(2021, 3, 1))
    entry = LogEntry.objects.get_for_object(doctor).get(action=LogEntry.Action.CREATE)
    assert entry.actor == ilyas
    assert entry.additional_data["import"]["sha256"] == report.sha256
    summary = LogEntry.objects.get(object_pk=f"import:{report.sha256[:16]}")
    assert summary.actor == ilyas
    assert summary.additional_data["import"]["file"] == "reg.csv"
    assert summary.additional_data["import"]["new"] == 4


def test_the_dry_run_writes_nothing_and_reports_what_the_real_run_does(tmp_path, ilyas, rows):
    path = write(tmp_path, rows)
    serial, entries = next_serial(), LogEntry.objects.count()
    dry = run(ilyas, path, dry_run=True)
    assert not dry.written
    assert not Provider.objects.exists()
    assert (next_serial(), LogEntry.objects.count()) == (serial, entries)
    assert [r.code for r in dry.rows] == [CLINIC, DOCTOR, NEW_CODE, NEW_CODE]
    assert dry.summary().startswith("Essai à blanc")
    real = run(ilyas, path)
    assert [(r.line, r.outcome, r.reason) for r in real.rows] == [
        (r.line, r.outcome, r.reason) for r in dry.rows
    ]
    assert [r.code for r in real.rows][:2] == [CLINIC, DOCTOR]
    assert all(r.code.isdigit() for r in real.rows)


def test_a_second_run_of_the_same_file_changes_nothing(tmp_path, ilyas, rows):
    path = write(tmp_path, rows)
    first = run(ilyas, path)
    serial, count = next_serial(), Provider.objects.count()
    periods, entries = ConventionPeriod.objects.count(), LogEntry.objects.count()
    second = run(ilyas, path)
    assert second.counts == {"rows": 4, "new": 0, "present": 4, "refused": 0}
    assert {r.outcome for r in second.rows} == {Outcome.PRESENT}
    assert [r.code for r in second.rows] == [r.code for r in first.rows]
    assert (Provider.objects.count(), ConventionPeriod.objects.count()) == (count, periods)
    assert next_serial() == serial
    assert LogEntry.objects.count() == entries + 1  # the trace of the second import only


def test_new_codes_skip_the_codes_the_file_imports_and_progress_is_reported(ilyas, rows):
    InpeSerial.objects.update_or_create(pk=1, defaults={"next_serial": 60_000_000})
    rows[0]["inpe"] = inpe_from_serial(60_000_000)
    rows[1]["inpe"] = rows[0]["medical_director_inpe"] = inpe_from_serial(60_000_001)
    calls = []
    report = run(ilyas, rows, progress=lambda *call: calls.append(call))
    assert [r.code for r in report.rows[2:]] == [inpe_from_serial(60_000_002 + i) for i in (0, 1)]
    assert next_serial() == 60_000_004
    assert ("vérification", 4, 4) in calls
    assert ("écriture", 4, 4) in calls
    assert calls[-1][0] == "journal d'audit"


def test_one_refused_row_writes_nothing_at_all(tmp_path, ilyas, rows):
    rows[2]["commune"] = "999.999"
    serial = next_serial()
    report = run(ilyas, write(tmp_path, rows))
    assert not report.written
    assert report.counts["refused"] == 1
    assert report.rows[2].outcome is Outcome.REFUSED
    assert "Commune inconnue" in report.rows[2].reason
    assert report.summary().startswith("Import annulé : rien n'est enregistré")
    assert not Provider.objects.exists()
    assert not ConventionPeriod.objects.exists()
    assert next_serial() == serial


def test_only_the_inpe_officer_imports(persona, rows):
    with pytest.raises(PermissionDenied):
        providers_import(actor=persona("karim"), rows=rows, dry_run=True)


# --- Refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "overrides", "reason"),
    [
        (2, {"inpe": "12345"}, "9 chiffres attendus"),
        (2, {"inpe": "10000A006"}, "seuls des chiffres"),
        (2, {"inpe": wrong_check_digit(NURSE)}, "clé de contrôle"),
        (2, {"category": "CHIRURGIEN"}, "Catégorie inconnue pour ce type : CHIRURGIEN"),
        (2, {"category": "CLINIQUE"}, "Catégorie inconnue pour ce type"),
        (2, {"commune": "999.999"}, "Commune inconnue : 999.999"),
        (2, {"cnie": ""}, "CNIE est vide"),
        (2, {"cnie": "123"}, "n'est pas un numéro CNIE valide"),
        (2, {"name": " "}, "Le nom est obligatoire"),
        (2, {"kind": "médecin"}, "kind inconnu : « médecin »"),
        (2, {"sector": "mixte"}, "sector inconnu"),
        (2, {"email": "karima@"}, "email"),
        (2, {"status": "deceased"}, "status_since (date d'effet) obligatoire"),
        (2, {"status": "suspendu", "status_since": "2024-01-01"}, "status inconnu"),
        (2, {"attributed_on": "31/02/2020"}, "attributed_on : date invalide « 31/02/2020 »"),
        (2, {"attributed_on": "2020.01.05"}, "date invalide"),
        (2, {"attributed_on": "2999-01-01"}, "attributed_on dans le futur"),
        (2, {"convention": "adherent"}, "convention_since obligatoire"),
        (2, {"convention_since": "2020-01-01"}, "convention_since sans convention"),
        (2, {"medical_director_inpe": DOCTOR}, "un professionnel n'a pas de directeur"),
        (0, {"authorisation_number": ""}, "autorisation d'ouverture"),
        (0, {"medical_director_inpe": ""}, "Le directeur médical doit détenir un code INPE"),
        (0, {"medical_director_inpe": NURSE}, "Directeur médical inconnu"),
        (0, {"medical_director_inpe": "5000"}, "medical_director_inpe : « 5000 »"),
        (0, {"convention": "oui", "convention_since": "2020-01-01"}, "convention inconnu"),
    ],
)
def test_every_bad_row_is_refused_with_its_reason(ilyas, rows, row, overrides, reason):
    rows[row] |= overrides
    report = run(ilyas, rows)
    refused = [r for r in report.rows if r.outcome is Outcome.REFUSED]
    assert [r.line for r in refused] == [row + 2]
    assert reason in refused[0].reason
    assert not Provider.objects.exists()


def test_a_director_that_is_refused_or_not_an_active_professional_refuses_the_clinic(ilyas, rows):
    rows[1]["commune"] = "999.999"
    report = run(ilyas, rows, dry_run=True)
    assert "Le directeur médical" in report.rows[0].reason
    assert "est refusé (ligne 3)" in report.rows[0].reason
    rows[1] |= {"commune": rows[0]["commune"], "status": "ceased", "status_since": "2020-01-01"}
    report = run(ilyas, rows, dry_run=True)
    assert "n'est pas un professionnel actif" in report.rows[0].reason


def test_a_director_already_registered_is_found(ilyas, rows, register):
    director = register()
    rows[0]["medical_director_inpe"] = director.inpe
    run(ilyas, rows)
    assert Provider.objects.get(inpe=CLINIC).medical_director == director


def test_duplicates_within_the_file_name_the_first_line(ilyas, rows):
    rows += [
        rows[1] | {"cnie": "BE999999", "order_number": "ORD-9"},  # same code
        rows[2] | {"order_number": "ORD-X"},  # same CNIE, no code
        rows[1] | {"inpe": "", "cnie": "BE999998"},  # same order number
        rows[3] | {"name": "Autre centre"},  # same authorisation
    ]
    report = run(ilyas, rows)
    reasons = [r.reason for r in report.rows[4:]]
    assert f"code {DOCTOR} en double avec la ligne 3" in reasons[0]
    assert "CNIE BK300400 en double avec la ligne 4" in reasons[1]
    assert "numéro d'Ordre ORD-1 en double avec la ligne 3" in reasons[2]
    assert "autorisation AUT-2 en double avec la ligne 5" in reasons[3]
    assert [r.outcome for r in report.rows[:4]] == [Outcome.NEW] * 4
    assert not Provider.objects.exists()


def test_a_holder_already_registered_is_present_or_refused_if_different(ilyas, rows, register):
    doctor = register(cnie="BK300400", order_number="ORD-77", name="Bennani Said",
                      category_code="INFIRMIER", sector="public")  # fmt: skip
    rows[2]["order_number"] = "ORD-77"
    report = run(ilyas, rows, dry_run=True)
    assert (report.rows[2].outcome, report.rows[2].code) == (Outcome.PRESENT, doctor.inpe)
    rows[2]["name"] = "Bennani Saïd"
    report = run(ilyas, rows, dry_run=True)
    assert report.rows[2].outcome is Outcome.REFUSED
    assert f"Déjà enregistré sous le code {doctor.inpe}" in report.rows[2].reason
    assert "autre contenu : name" in report.rows[2].reason
    rows[2] |= {"name": "Bennani Said", "inpe": NURSE}  # a new code for a registered CNIE
    report = run(ilyas, rows, dry_run=True)
    assert f"CNIE BK300400 déjà enregistré sous le code {doctor.inpe}" in report.rows[2].reason


def test_a_code_registered_with_another_content_is_refused_naming_the_fields(ilyas, rows):
    run(ilyas, rows)
    rows[1] |= {"name": "Alaoui Karima Zineb", "email": "k@example.ma"}
    rows[0]["convention"] = "non_adherent"
    report = run(ilyas, rows)
    assert "autre contenu : name, email" in report.rows[1].reason
    assert "autre contenu : convention" in report.rows[0].reason
    assert Provider.objects.get(inpe=DOCTOR).name == "Alaoui Karima"


# --- Codes from an earlier register -----------------------------------------------------------


def test_a_code_outside_the_scheme_is_kept_as_legacy_with_the_flag_only(ilyas, rows):
    legacy = wrong_check_digit(DOCTOR)
    rows[1]["inpe"] = rows[0]["medical_director_inpe"] = legacy
    refused = run(ilyas, rows)
    assert "--legacy-codes" in refused.rows[1].reason
    assert not Provider.objects.exists()
    report = run(ilyas, rows, legacy_codes=True)
    assert report.rows[1].outcome is Outcome.NEW
    assert "registre antérieur" in report.rows[1].reason
    doctor = Provider.objects.get(inpe=legacy)
    assert doctor.legacy_code
    assert not Provider.objects.get(inpe=CLINIC).legacy_code
    verification = inpe_verify(f"{legacy[:3]} {legacy[3:]}")
    assert (verification.provider, verification.active) == (doctor, True)
    again = run(ilyas, rows)  # known now: no flag needed to find it present
    assert {r.outcome for r in again.rows} == {Outcome.PRESENT}


def test_a_legacy_code_starting_with_zero_is_kept(ilyas, rows):
    rows[1]["inpe"] = rows[0]["medical_director_inpe"] = "012345678"
    run(ilyas, rows, legacy_codes=True)
    assert Provider.objects.get(inpe="012345678").legacy_code
    assert inpe_verify("012345678").provider.name == "Alaoui Karima"


# --- The file: encodings, delimiters, headers ------------------------------------------------


def test_a_semicolon_file_with_a_bom_is_read(tmp_path, ilyas, rows):
    path = write(tmp_path, rows, delimiter=";", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = run(ilyas, path)
    assert report.counts["new"] == 4
    assert Provider.objects.get(inpe=DOCTOR).name == "Alaoui Karima"


def test_a_tab_separated_file_is_read(tmp_path, ilyas, rows):
    assert run(ilyas, write(tmp_path, rows, delimiter="\t"), dry_run=True).counts["new"] == 4


def test_an_undecodable_file_is_a_clear_error_naming_the_line(tmp_path, ilyas, rows):
    rows[0]["sector"] = "private"
    rows[1]["name"] = "Chraïbi Hélène"
    path = write(tmp_path, rows, encoding="cp1252")
    with pytest.raises(ImportFileError, match=r"reg.csv, ligne 3 : octets illisibles en UTF-8"):
        run(ilyas, path, dry_run=True)
    assert run(ilyas, path, encoding="cp1252").counts["new"] == 4
    assert Provider.objects.get(inpe=DOCTOR).name == "Chraïbi Hélène"
    with pytest.raises(ImportFileError, match="Encodage inconnu"):
        RegisterFile(path, encoding="klingon")


def test_a_utf16_file_is_recognised_by_its_bom(tmp_path, ilyas, rows):
    path = write(tmp_path, rows, delimiter="\t", encoding="utf-16")
    assert run(ilyas, path, dry_run=True).counts["new"] == 4


def test_a_missing_required_column_is_an_error_before_any_row(tmp_path, rows):
    header = [column if column != "commune" else "ville" for column in HEADER]
    with pytest.raises(ImportFileError, match="Colonnes obligatoires absentes : commune"):
        RegisterFile(write(tmp_path, rows, header=header))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFileError, match="fichier vide"):
        RegisterFile(empty)


def test_french_headers_are_mapped_with_column_and_extra_columns_listed(tmp_path, ilyas, rows):
    french = {"inpe": "Code INPE", "kind": "Type", "category": "Catégorie", "sector": "Secteur",
              "name": "Raison sociale / Nom", "commune": "COMMUNE (code)",
              "medical_director_inpe": "Directeur médical"}  # fmt: skip
    header = [french.get(column, column.upper()) for column in HEADER] + ["Remarque"]
    columns = {field: title.lower() for field, title in french.items() if field != "commune"}
    columns["commune"] = "Commune (CODE)"
    with pytest.raises(ImportFileError, match="Colonnes obligatoires absentes : kind, category"):
        RegisterFile(write(tmp_path, rows, header=header))
    report = run(ilyas, write(tmp_path, rows, header=header), columns=columns)
    assert report.counts["new"] == 4
    assert report.ignored_columns == ["Remarque"]
    assert Provider.objects.get(inpe=CLINIC).medical_director.inpe == DOCTOR
    with pytest.raises(ImportFileError, match="Colonne « Nom » .pour name. absente"):
        RegisterFile(write(tmp_path, rows, header=header), columns={"name": "Nom"})
    with pytest.raises(ImportFileError, match="Champ inconnu dans --column : nom"):
        RegisterFile(write(tmp_path, rows, header=header), columns={"nom": "Nom"})


def test_a_row_with_more_cells_than_the_header_is_refused(tmp_path, ilyas, rows):
    path = write(tmp_path, rows)
    cells = [rows[2].get(column, "") for column in HEADER]
    cells[4] = "Bennani, Said"  # a comma in an unquoted value: one cell too many
    path.write_text(path.read_text() + ",".join(cells) + "\n")
    report = run(ilyas, path, dry_run=True)
    assert report.rows[-1].line == 6
    assert "cellules pour 16 colonnes" in report.rows[-1].reason
    assert report.counts["new"] == 4


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path, ilyas, rows):
    path = write(tmp_path, rows[1:2])
    path.write_text(path.read_text() + "\n,,,\n" + path.read_text().splitlines()[1] + "\n")
    report = run(ilyas, path, dry_run=True)
    assert [(r.line, r.outcome) for r in report.rows] == [(2, Outcome.NEW), (5, Outcome.REFUSED)]


# --- The command ------------------------------------------------------------------------------


def test_the_command_dry_run_real_run_and_rerun(tmp_path, ilyas, rows, capsys):
    path = write(tmp_path, rows, delimiter=";", encoding="utf-8-sig")
    out = tmp_path / "report.csv"
    argv = ["snigi", "import-providers", str(path), "--as", "ilyas"]
    assert main([*argv, "--dry-run", "--report", str(out)]) == 0
    assert "Essai à blanc" in capsys.readouterr().out
    assert not Provider.objects.exists()
    with out.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert lines[0] == ["ligne", "résultat", "code", "motif"]
    assert lines[1] == ["2", "nouveau", CLINIC, ""]
    assert lines[3] == ["4", "nouveau", NEW_CODE, ""]
    assert main(argv) == 0
    assert "Import enregistré. 4 lignes : 4 nouvelles" in capsys.readouterr().out
    assert main(argv) == 0
    assert "4 déjà présentes" in capsys.readouterr().out
    assert Provider.objects.count() == 4


def test_the_command_exits_1_when_a_row_is_refused(tmp_path, ilyas, rows, capsys):
    rows[2]["cnie"] = "123"
    path = write(tmp_path, rows)
    assert main(["snigi", "import-providers", str(path), "--as", "ilyas"]) == 1
    out = capsys.readouterr().out
    assert "ligne 4 : refusée" in out
    assert "Import annulé" in out
    assert not Provider.objects.exists()


def test_the_command_maps_columns_and_reads_other_encodings(tmp_path, ilyas, rows, capsys):
    header = ["Code"] + HEADER[1:]
    path = write(tmp_path, rows, header=header, encoding="latin-1")
    argv = ["snigi", "import-providers", str(path), "--as", "ilyas", "--column", "inpe=code"]
    assert main([*argv, "--encoding", "latin-1"]) == 0
    assert Provider.objects.filter(inpe=DOCTOR).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--as", "ilyas"], "impossible de lire"),
        (["{path}", "--as", "nobody"], "compte inconnu : nobody"),
        (["{path}", "--as", "karim"], "le compte karim n'a pas le droit"),
        (["{path}", "--as", "ilyas", "--encoding", "klingon"], "Encodage inconnu"),
        (["{path}", "--as", "ilyas", "--column", "name"], "--column attend CHAMP=EN-TÊTE"),
        (["{path}", "--as", "ilyas", "--column", "name=Nom"], "Colonne « Nom »"),
        (["{bad}", "--as", "ilyas"], "ligne 3 : octets illisibles"),
        (["{short}", "--as", "ilyas"], "Colonnes obligatoires absentes"),
    ],
)
def test_the_command_reports_unusable_input_in_one_line(
    tmp_path, ilyas, persona, rows, capsys, args, message
):
    persona("karim")
    paths = {
        "path": write(tmp_path, rows),
        "short": write(tmp_path, rows, header=HEADER[:5], name="short.csv"),
        "bad": write(tmp_path, [rows[2], rows[1] | {"name": "Hélène"}], encoding="cp1252",
                     name="bad.csv"),
    }  # fmt: skip
    args = [str(tmp_path / a) if a == "missing.csv" else a.format(**paths) for a in args]
    assert main(["snigi", "import-providers", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
