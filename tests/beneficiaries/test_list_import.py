"""Bulk import of a fund's list of insured people and dependants (CSV, XML): the families
written as the services would write them, idempotence, every refusal on its own with nothing
written, the dry run, the order of the rows, the one-person-one-regime check against the
database and within the file, scoping, the file formats and the CLI."""

import csv
import datetime as dt
from xml.sax.saxutils import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from snigi.beneficiaries import services
from snigi.beneficiaries.identity import EnrolmentRefused, PersonInput, clean_person
from snigi.beneficiaries.list_file import ImportFileError, open_list
from snigi.beneficiaries.list_import import Outcome, beneficiaries_import
from snigi.beneficiaries.list_rows import Reference, check_row
from snigi.beneficiaries.models import Enrolment, Person, StudentCertificate
from snigi.cli import main
from snigi.core.audit import LogEntry
from tests.beneficiaries import samples

pytestmark = pytest.mark.django_db

COLUMNS = (
    "fund", "regime", "fund_number", "quality", "relationship", "cnie", "last_name",
    "first_name", "last_name_ar", "first_name_ar", "sex", "birth_date", "commune", "start",
    "end", "end_reason", "category", "disabled", "student_until",
)  # fmt: skip
CNSS = "AMO_CNSS_SALARIES"


def member(number, quality, relationship, cnie, first, sex, birth, **extra):
    row = {
        "fund": "CNSS", "regime": CNSS, "fund_number": number, "quality": quality,
        "relationship": relationship, "cnie": cnie, "last_name": "Alaoui", "first_name": first,
        "last_name_ar": "العلوي", "first_name_ar": "", "sex": sex, "birth_date": birth,
        "commune": samples.commune_code(), "start": "2020-01-01",
    }  # fmt: skip
    row.update(extra)
    return row


@pytest.fixture
def families():
    """Three CNSS families; the first family's child comes before its insured; the last is an
    insured alone."""
    return [
        member("123456789", "dependant", "child", "", "Sara", "F", "2012-05-20"),
        member("123456789", "insured", "self", "BE123456", "Ahmed", "M", "12/04/1980"),
        member("123456789", "dependant", "spouse", "BE123457", "Fatima", "F", "1983-09-01"),
        member("987654321", "insured", "self", "JB98765", "Khadija", "F", "1975-01-30",
               last_name="Bennani", start="2018-03-01"),
        member("987654321", "dependant", "child", "", "Omar", "M", "2019-07-14",
               last_name="Bennani", start="2018-03-01"),
        member("555000111", "insured", "self", "AY5501", "Yasmine", "F", "1990-11-02",
               last_name="Tazi"),
    ]  # fmt: skip


def run(actor, rows, *, dry_run=False, **options):
    return beneficiaries_import(actor=actor, rows=rows, dry_run=dry_run, **options)


def run_file(actor, path, *, dry_run=False, **options):
    with open_list(path, **options) as listed:
        return beneficiaries_import(actor=actor, rows=listed, dry_run=dry_run)


def outcomes(report):
    return [(r.line, r.outcome, r.reason) for r in report]


def write_csv(tmp_path, rows, *, name="liste.csv", delimiter=";", encoding="utf-8-sig",
              header=COLUMNS):  # fmt: skip
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows([row.get(c, "") for c in COLUMNS] for row in rows)
    return path


def write_xml(tmp_path, rows, *, name="liste.xml", prolog=""):
    records = "".join(
        "<beneficiaire>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in row.items() if v)
        + "</beneficiaire>\n"
        for row in rows
    )  # fmt: skip
    path = tmp_path / name
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<liste>\n{records}</liste>\n',
        encoding="utf-8",
    )
    return path


def imports():
    return LogEntry.objects.filter(object_pk__startswith="import:")


def nothing_written(before):
    return samples.row_counts() == before and not imports().exists()


# --- Families written as the services write them ------------------------------------------


def test_a_csv_list_of_families_is_imported(tmp_path, persona, families):
    karim = persona("karim")
    report = run_file(karim, write_csv(tmp_path, families))
    assert outcomes(report) == [(n, Outcome.NEW, "") for n in range(2, 8)]
    assert report.written
    assert report.stored == {"people": 6, "households": 3, "enrolments": 6, "certificates": 0,
                             "people_updated": 0}  # fmt: skip
    ahmed = Person.objects.get(cnie="BE123456")
    sara = Person.objects.get(first_name_lat="Sara")
    fatima = Person.objects.get(cnie="BE123457")
    assert (ahmed.household_role, sara.household_role, fatima.household_role) == (
        "head",
        "child",
        "spouse",
    )
    assert sara.household_id == fatima.household_id == ahmed.household_id
    assert sara.primary_insured == fatima.primary_insured == ahmed
    assert ahmed.primary_insured is None
    assert ahmed.birth_date == dt.date(1980, 4, 12)  # DD/MM/YYYY
    assert sara.name_key == "ALAOUI|SARA"
    assert sara.cnie is None
    assert (ahmed.regime.code, ahmed.organisation.code) == (CNSS, "CNSS")
    assert (sara.regime.code, sara.organisation.code) == (CNSS, "CNSS")
    insured = Enrolment.objects.get(person=ahmed)
    assert (insured.kind, insured.relationship, insured.fund_number) == (
        "insured",
        "self",
        "123456789",
    )
    assert insured.source == Enrolment.Source.LIST
    child = Enrolment.objects.get(person=sara)
    assert (child.kind, child.relationship, child.insured, child.fund_number) == (
        "dependant",
        "child",
        insured,
        "",
    )
    assert Person.objects.get(cnie="JB98765").household_id != ahmed.household_id
    omar = Enrolment.objects.get(person__first_name_lat="Omar")
    assert omar.start == dt.date(2019, 7, 14)  # born after the insured's start: from birth
    entry = imports().get()
    assert entry.actor == karim
    assert entry.additional_data["import"]["sha256"] == report.sha256
    assert entry.additional_data["import"]["file"] == "liste.csv"
    assert entry.additional_data["import"]["new"] == 6
    assert entry.additional_data["import"]["enrolments"] == 6
    assert entry.timestamp == insured.created_at


def test_an_xml_list_is_imported_as_the_csv_one(tmp_path, persona, families):
    report = run_file(persona("karim"), write_xml(tmp_path, families))
    assert report.unit == "enregistrement"
    assert outcomes(report) == [(n, Outcome.NEW, "") for n in range(1, 7)]
    sara = Person.objects.get(first_name_lat="Sara")
    assert sara.primary_insured.cnie == "BE123456"
    assert Enrolment.objects.count() == 6


def test_a_second_run_of_the_same_file_adds_nothing(tmp_path, persona, families):
    karim = persona("karim")
    path = write_csv(tmp_path, families)
    run_file(karim, path)
    before = samples.row_counts()
    again = run_file(karim, path)
    assert again.counts == {"rows": 6, "new": 0, "present": 6, "refused": 0}
    assert samples.row_counts() == before
    assert imports().count() == 2  # the trace of the second import


def test_the_dry_run_writes_nothing_and_reports_what_the_real_run_does(persona, families):
    karim = persona("karim")
    families.append(dict(families[1]))  # a repeated row: refused in both runs
    before = samples.row_counts()
    dry = run(karim, families, dry_run=True)
    assert nothing_written(before)
    assert dry.summary().startswith("Essai à blanc")
    real = run(karim, families)
    assert outcomes(real) == outcomes(dry)
    assert real.counts["refused"] == 1
    assert nothing_written(before)
    families.pop()
    assert outcomes(run(karim, families, dry_run=True)) == outcomes(run(karim, families))


def test_small_chunks_give_the_same_result_and_progress_is_reported(persona, families,
                                                                   monkeypatch):  # fmt: skip
    """Chunks of two rows: a dependant waits for an insured two chunks later, written while
    the next chunk is checked (a thread on PostgreSQL)."""
    from snigi.beneficiaries import list_import

    families.insert(0, families.pop(2))  # Fatima first, her insured two rows later
    monkeypatch.setattr(list_import, "CHUNK", 2)
    calls = []
    report = run(persona("karim"), families, progress=lambda *call: calls.append(call))
    assert outcomes(report) == [(n, Outcome.NEW, "") for n in range(2, 8)]
    assert calls == [("import", 2, None), ("import", 4, None), ("import", 6, None),
                     ("import", 6, 6)]  # fmt: skip
    fatima = Person.objects.get(cnie="BE123457")
    assert fatima.primary_insured.cnie == "BE123456"
    assert fatima.household_id == fatima.primary_insured.household_id
    assert Enrolment.objects.get(person=fatima).insured.person == fatima.primary_insured
    assert samples.row_counts() == {"Person": 6, "Household": 3, "Enrolment": 6}


def test_a_dependant_of_an_insured_already_in_the_database(persona):
    karim = persona("karim")
    held = samples.insured(karim, fund_number="111222333", start=dt.date(2019, 1, 1),
                           category=Enrolment.Category.PENSIONER)  # fmt: skip
    rows = [member("111222333", "dependant", "child", "", "Yassine", "M", "2015-02-02")]
    assert run(karim, rows).counts["new"] == 1
    child = Enrolment.objects.get(person__first_name_lat="Yassine")
    assert child.insured == held
    assert child.category == Enrolment.Category.PENSIONER  # the insured's
    assert child.person.household_id == held.person.household_id
    assert child.person.primary_insured == held.person


def test_a_person_already_stored_is_reused_and_their_current_regime_follows(persona):
    karim = persona("karim")
    first = samples.insured(karim, fund_number="222333444", start=dt.date(2015, 1, 1),
                            cnie="ZK4321")  # fmt: skip
    services.close_enrolment(actor=karim, enrolment=first, end=dt.date(2019, 12, 31),
                             reason="end_of_work")  # fmt: skip
    samira = persona("samira")
    row = member("X123456", "insured", "self", "ZK4321", "Karima", "F", "1985-03-14",
                 last_name="Bennani", fund="MGPAP", regime="AMO_CNOPS_PUBLIC",
                 start="2021-01-01")  # fmt: skip
    people = Person.objects.count()
    report = run(samira, [row])
    assert report.counts["new"] == 1
    assert report.stored["people_updated"] == 1
    assert Person.objects.count() == people
    person = Person.objects.get(cnie="ZK4321")
    assert (person.regime.code, person.organisation.code) == ("AMO_CNOPS_PUBLIC", "MGPAP")
    assert person.household_role == "head"


def test_a_closed_enrolment_keeps_rights_as_close_enrolment_would(persona):
    row = member("333444555", "insured", "self", "BK1", "Said", "M", "1970-01-01",
                 end="2024-03-31", end_reason="end_of_work")  # fmt: skip
    run(persona("karim"), [row])
    enrolment = Enrolment.objects.get(person__cnie="BK1")
    assert (enrolment.end, enrolment.end_reason) == (dt.date(2024, 3, 31), "end_of_work")
    assert enrolment.rights_until == dt.date(2024, 9, 30)  # 6 months (CNSS rule)


def test_a_student_over_21_needs_a_certificate(persona):
    karim = persona("karim")
    rows = [
        member("444555666", "insured", "self", "BH44", "Hassan", "M", "1970-05-05",
               start="2025-10-01"),
        member("444555666", "dependant", "child", "BH45", "Amine", "M", "2003-01-10",
               start="2025-10-01"),
    ]  # fmt: skip
    refused = run(karim, rows)
    assert "Enfant trop âgé" in refused.rows[1].reason
    rows[1]["student_until"] = "2026-07-31"
    assert run(karim, rows).counts["new"] == 2
    certificate = StudentCertificate.objects.get()
    assert (certificate.academic_year, certificate.valid_until) == (
        "2025-2026",
        dt.date(2026, 7, 31),
    )


# --- Refusals, one by one; one refused row and nothing is written -------------------------


def _insured_elsewhere(actor):
    samples.insured(actor, regime=samples.CNOPS, cnie="AY5501", first_name_lat="Yasmine",
                    last_name_lat="Tazi", birth_date=dt.date(1990, 11, 2))  # fmt: skip


def _number_held(actor):
    samples.insured(actor, fund_number="555000111", cnie="ZZ1")


# (case, row index, change, state before, reason): row 2 is a spouse, row 5 an insured alone.
REFUSALS = [
    ("bad CNIE", 2, {"cnie": "12-AB"}, None, "n'est pas un numéro CNIE valide"),
    ("insured's CNIE missing", 5, {"cnie": ""}, None, "CNIE de l'assuré est obligatoire"),
    ("future birth", 2, {"birth_date": "2099-01-01"}, None, "est dans le futur"),
    ("unknown commune", 2, {"commune": "999.999"}, None, "Commune inconnue"),
    ("unknown fund", 5, {"fund": "CNXX"}, None, "Organisme inconnu : « CNXX »"),
    ("unknown regime", 5, {"regime": "AMO_MARS"}, None, "Régime inconnu"),
    ("fund off regime", 5, {"fund": "CNOPS"}, None, "ne gère pas le régime"),
    ("bad number", 5, {"fund_number": "12345"}, None, "9 chiffres"),
    ("child too old", 0, {"birth_date": "1995-01-01"}, None, "Enfant trop âgé"),
    ("insured missing", 0, {"fund_number": "555555555"}, None, "Assuré introuvable"),
    ("number held", 5, {}, _number_held, "déjà attribué à une autre personne"),
    ("other regime", 5, {}, _insured_elsewhere, "Double immatriculation"),
    ("start too early", 5, {"start": "2001-01-01"}, None, "Date d'effet hors limites"),
    ("bad date", 2, {"start": "31/02/2020"}, None, "start : date invalide"),
    (
        "duplicate",
        5,
        {
            "cnie": "JB98765",
            "first_name": "Khadija",
            "last_name": "Bennani",
            "birth_date": "1975-01-30",
            "fund_number": "987654321",
            "start": "2018-03-01",
        },
        None,
        "Répète la ligne 5",
    ),
]


@pytest.mark.parametrize(
    ("index", "change", "setup", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in REFUSALS],
)
def test_each_refusal_on_its_own_writes_nothing(persona, families, index, change, setup, reason):
    karim = persona("karim")
    if setup is not None:
        setup(persona("salma") if setup is _insured_elsewhere else karim)
    families[index].update(change)
    before = samples.row_counts()
    report = run(karim, families)
    refused = [r for r in report if r.outcome is Outcome.REFUSED]
    assert [r.line for r in refused] == [index + 2]
    assert reason in refused[0].reason
    assert not report.written
    assert report.summary().startswith("Import annulé")
    assert nothing_written(before)


def test_a_refused_row_gives_all_its_reasons(persona, families):
    families[1].update(cnie="1234", commune="999.999", start="2001-01-01")
    reason = run(persona("karim"), families).rows[1].reason
    assert "numéro CNIE" in reason
    assert "Commune inconnue" in reason
    assert "Date d'effet hors limites" in reason


def test_the_dependants_of_a_refused_insured_are_refused(persona, families):
    families[1]["commune"] = "999.999"
    report = run(persona("karim"), families)
    assert [r.line for r in report if r.outcome is Outcome.REFUSED] == [2, 3, 4]
    assert "est refusé" in report.rows[0].reason  # Sara: her insured (line 3) is refused
    assert "est refusé" in report.rows[2].reason


def test_the_one_regime_check_within_the_file(persona):
    rows = [
        member("666777888", "insured", "self", "CD1", "Nadia", "F", "1980-01-01"),
        member("X667788", "insured", "self", "CD1", "Nadia", "F", "1980-01-01",
               fund="CNOPS", regime="AMO_CNOPS_PUBLIC", start="2022-01-01"),
    ]  # fmt: skip
    report = run(persona("samira"), rows)
    assert report.rows[0].outcome is Outcome.NEW
    assert "Double immatriculation" in report.rows[1].reason
    assert "Voir la ligne 2 du fichier" in report.rows[1].reason
    rows[0].update(end="2021-12-31", end_reason="regime_change")  # closed before: no conflict
    assert run(persona("samira"), rows).counts["new"] == 2


def test_a_spouse_insured_in_their_own_right_is_refused(persona):
    salma = persona("salma")
    samples.insured(salma, regime=samples.CNOPS, cnie="BE123457")
    rows = [
        member("123456789", "insured", "self", "BE123456", "Ahmed", "M", "1980-04-12"),
        member("123456789", "dependant", "spouse", "BE123457", "Karima", "F", "1985-03-14",
               last_name="Bennani"),
    ]  # fmt: skip
    reason = run(persona("karim"), rows).rows[1].reason
    assert "le conjoint Karima Bennani, assuré à titre personnel" in reason


def test_a_fund_agent_imports_only_their_own_funds_lists(persona):
    row = member("X123456", "insured", "self", "AB12", "Leila", "F", "1990-01-01",
                 fund="CNOPS", regime="AMO_CNOPS_PUBLIC")  # fmt: skip
    reason = run(persona("karim"), [row]).rows[0].reason
    assert "pas pour CNOPS" in reason
    assert run(persona("salma"), [row]).counts["new"] == 1


def test_only_accounts_that_enrol_import(persona, families):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(persona("ilyas"), families, dry_run=True)


def test_the_database_is_asked_per_chunk_not_per_row(persona, families):
    karim = persona("karim")
    many = [member(f"{100_000_000 + n}", "insured", "self", f"QA{n}", "Ali", "M", "1980-01-01",
                   first_name=f"Ali{chr(65 + n % 26)}{n}") for n in range(60)]  # fmt: skip
    run(karim, families, dry_run=True)  # the rules and reference data are cached
    with CaptureQueriesContext(connection) as few:
        run(karim, families, dry_run=True)
    with CaptureQueriesContext(connection) as more:
        run(karim, many, dry_run=True)
    assert len(more.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(
    ("fields", "cnie_required"),
    [
        ({}, True),
        ({"last_name_lat": "  el   Alaoui "}, True),
        ({"cnie": "be 123 456"}, True),
        ({"cnie": "BE-١٢٣٤٥٦"}, True),
        ({"cnie": ""}, True),
        ({"cnie": ""}, False),
        ({"sex": "f"}, True),
        ({"sex": "X"}, True),
        ({"first_name_lat": ""}, True),
        ({"first_name_ar": "x" * 81}, True),
        ({"commune": "999.999"}, True),
        ({"birth_date": dt.date(1899, 12, 31)}, True),
    ],
)
def test_the_identity_check_is_clean_persons(persona, fields, cnie_required):
    """The import's fast path gives ``clean_person``'s result, or its errors."""
    data = {
        "last_name_lat": "Alaoui", "first_name_lat": "Sara", "last_name_ar": "",
        "first_name_ar": "", "sex": "F", "birth_date": dt.date(1990, 1, 2),
        "commune": samples.commune_code(), "cnie": "BE123456", **fields,
    }  # fmt: skip
    reference = Reference.load(persona("samira"))
    values = {"last_name": data["last_name_lat"], "first_name": data["first_name_lat"],
              "last_name_ar": data["last_name_ar"], "first_name_ar": data["first_name_ar"],
              "sex": data["sex"], "birth_date": data["birth_date"].isoformat(),
              "commune": data["commune"], "cnie": data["cnie"], "fund": "CNSS", "regime": CNSS,
              "fund_number": "123456789", "start": "2020-01-01",
              "quality": "insured" if cnie_required else "dependant",
              "relationship": "" if cnie_required else "spouse"}  # fmt: skip
    row = check_row(samples_row(values), reference)
    try:
        clean = clean_person(PersonInput(**data), cnie_required=cnie_required,
                             today=reference.today)  # fmt: skip
    except EnrolmentRefused as exc:
        expected = [m for messages in exc.errors.values() for m in messages]
        assert expected
        assert all(message in row.problems for message in expected)
        return
    assert not row.problems
    assert (row.cnie, row.last_name, row.first_name, row.last_name_ar, row.first_name_ar,
            row.sex, row.birth, row.commune) == (
        clean.cnie, clean.last_name_lat, clean.first_name_lat, clean.last_name_ar,
        clean.first_name_ar, clean.sex, clean.birth_date, clean.commune,
    )  # fmt: skip


def samples_row(values):
    from snigi.beneficiaries.list_file import ListRow

    return ListRow(2, values)


# --- Files ------------------------------------------------------------------------------------


def test_headers_are_matched_ignoring_case_and_accents_or_named(tmp_path, persona, families):
    header = [c.upper() for c in COLUMNS]
    header[1] = "Régime"
    header[2] = "Numéro d'immatriculation"
    path = write_csv(tmp_path, families, header=header, delimiter=",", encoding="utf-8")
    with pytest.raises(ImportFileError, match="Colonnes obligatoires absentes : fund_number"):
        open_list(path)
    columns = {"fund_number": "Numéro d'immatriculation"}
    report = run_file(persona("karim"), path, columns=columns)
    assert report.counts["new"] == 6


def test_another_encoding_is_read_when_given(tmp_path, persona, families):
    for row in families:
        row["last_name_ar"] = ""
    families[1]["first_name"] = "Aïcha"
    path = write_csv(tmp_path, families, encoding="cp1252", name="latin.csv")
    with pytest.raises(ImportFileError, match="ligne 3 : octets illisibles en UTF-8"):
        run_file(persona("karim"), path)
    assert run_file(persona("karim"), path, encoding="cp1252").counts["new"] == 6
    assert Person.objects.filter(first_name_lat="Aïcha").exists()


def test_an_xml_list_with_a_doctype_is_refused(tmp_path):
    prolog = '<!DOCTYPE liste [<!ENTITY a "aaaaaaaaaa">]>\n'
    path = write_xml(tmp_path, [{"fund": "&a;"}], prolog=prolog)
    with pytest.raises(ImportFileError, match="DOCTYPE"):
        open_list(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "fichier vide"),
        (b"nom;prenom\nAlaoui;Ahmed\n", "Colonnes obligatoires absentes"),
        (b"%PDF-1.4\n...", "n'est pas un fichier CSV ou XML"),
        (b"<liste></liste>", "aucun enregistrement"),
        (b"<liste><a><fund>CNSS</fund></b></liste>", "XML illisible"),
        (b"<liste><a><b>x</b></a></liste>", "Colonnes obligatoires absentes"),
    ],
)
def test_a_file_that_is_not_a_list_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "liste.txt"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        with open_list(path) as listed:
            list(listed)


# --- The command ------------------------------------------------------------------------------


def test_the_command_imports_and_writes_the_report(tmp_path, persona, families, capsys):
    persona("karim")
    path, out = write_csv(tmp_path, families), tmp_path / "compte-rendu.csv"
    argv = ["snigi", "import-beneficiaries", str(path), "--as", "karim", "--report", str(out)]
    assert main([*argv, "--dry-run"]) == 0
    assert "Essai à blanc" in capsys.readouterr().out
    assert not Enrolment.objects.exists()
    assert main(argv) == 0
    assert "Import enregistré. 6 lignes : 6 nouvelles" in capsys.readouterr().out
    assert Enrolment.objects.count() == 6
    with out.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert lines[0] == ["ligne", "résultat", "numéro", "cnie", "motif"]
    assert lines[2] == ["3", "nouveau", "123456789", "BE123456", ""]


def test_the_command_exits_1_when_a_row_is_refused(tmp_path, persona, families, capsys):
    persona("karim")
    families[3]["commune"] = "999.999"
    path = write_xml(tmp_path, families)
    assert main(["snigi", "import-beneficiaries", str(path), "--as", "karim"]) == 1
    out = capsys.readouterr().out
    assert "enregistrement 4 : refusée – Commune inconnue" in out
    assert "Import annulé" in out
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["--as", "nobody"], None, "compte inconnu : nobody"),
        (["--as", "ilyas"], None, "n'a pas le droit d'immatriculer"),
        (["--as", "karim", "--column", "fund"], None, "--column attend CHAMP=EN-TÊTE"),
        (["--as", "karim", "--encoding", "klingon"], None, "Encodage inconnu"),
        (["--as", "karim"], b'<?xml version="1.0"?><!DOCTYPE x><x/>', "DOCTYPE"),
        (["--as", "karim"], "fund;régime\n".encode("cp1252"), "octets illisibles en UTF-8"),
        (["--as", "karim"], b"a,b\n1,2\n", "Colonnes obligatoires absentes"),
    ],
)
def test_the_command_exits_2_with_one_line(tmp_path, persona, families, capsys, args, content,
                                           message):  # fmt: skip
    persona("karim")
    persona("ilyas")
    path = write_csv(tmp_path, families)
    if content is not None:
        path.write_bytes(content)
    assert main(["snigi", "import-beneficiaries", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_the_command_says_when_the_file_is_missing(tmp_path, persona, capsys):
    persona("karim")
    missing = tmp_path / "absent.csv"
    assert main(["snigi", "import-beneficiaries", str(missing), "--as", "karim"]) == 2
    assert "impossible de lire" in capsys.readouterr().err
