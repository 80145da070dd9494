"""Intake of the bodies' lists: formats, every row accounted for, all or nothing, idempotence,
one list per body, kind and date, least privilege, and the ``snigi import-list`` command."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from snigi.cli import main
from snigi.core.audit import LogEntry
from snigi.core.models import Organisation
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import ListEntry, SubmittedList

HEADER = ["record_id", "cnie", "first_name", "last_name", "birth_date", "sex", "commune"]
ROWS = [
    ["C1", "BE123456", "MOHAMED", "EL ALAOUI", "12/03/1980", "M", "141.001"],
    ["C2", "", "FATIMA ZAHRA", "BENNANI", "2015-06-01", "F", "141.001"],
    ["C3", "AB9876", "Aïcha", "AIT BENHADDOU", "1975", "F", ""],
    ["C4", "", "", "IDRISSI", "", "", ""],
]
DAY = dt.date(2026, 11, 30)


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def cnss(db) -> Organisation:
    return Organisation.objects.get(code="CNSS")


def test_a_list_is_received_whole(persona, cnss, tmp_path: Path) -> None:
    karim = persona("karim")
    report = receive_list(actor=karim, path=write(tmp_path / "l.csv", ROWS), organisation=cnss,
                          kind="insured", situation_date=DAY)  # fmt: skip
    assert (report.rows, report.new, report.present, report.refused) == (4, 4, 0, [])
    submitted = SubmittedList.objects.get()
    assert (submitted.organisation, submitted.kind, submitted.rows) == (cnss, "insured", 4)
    assert submitted.received_by == karim
    entries = list(ListEntry.objects.filter(submitted_list=submitted).order_by("line"))
    assert [e.record_id for e in entries] == ["C1", "C2", "C3", "C4"]
    assert [e.line for e in entries] == [2, 3, 4, 5]  # the file's lines, header on line 1
    assert entries[2].first_name == "Aïcha"
    assert entries[2].birth_date == "1975"  # kept as written; normalised at each control
    assert LogEntry.objects.filter(object_pk=str(submitted.pk), actor=karim).exists()


def test_the_same_file_again_writes_nothing(persona, cnss, tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", ROWS)
    receive_list(actor=persona("karim"), path=path, organisation=cnss, kind="insured",
                 situation_date=DAY)  # fmt: skip
    again = receive_list(actor=persona("karim"), path=path, organisation=cnss, kind="insured",
                         situation_date=DAY)  # fmt: skip
    assert (again.new, again.present) == (0, 4)
    assert SubmittedList.objects.count() == 1
    assert ListEntry.objects.count() == 4


def test_another_file_for_the_same_date_is_refused(persona, cnss, tmp_path: Path) -> None:
    receive_list(actor=persona("karim"), path=write(tmp_path / "a.csv", ROWS),
                 organisation=cnss, kind="insured", situation_date=DAY)  # fmt: skip
    with pytest.raises(ValidationError, match="une liste est gardée par organisme et par date"):
        receive_list(actor=persona("karim"), path=write(tmp_path / "b.csv", ROWS[:2]),
                     organisation=cnss, kind="insured", situation_date=DAY)  # fmt: skip
    later = receive_list(actor=persona("karim"), path=write(tmp_path / "b.csv", ROWS[:2]),
                         organisation=cnss, kind="insured",
                         situation_date=DAY + dt.timedelta(days=1))  # fmt: skip
    assert later.new == 2
    assert SubmittedList.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["", "X1", "A", "B", "", "", ""], "identifiant vide"),
        (["C1", "X1", "A", "B", "", "", ""], "identifiant déjà utilisé"),
        (["C9", "", "", "", "1980-01-01", "M", ""], "ni CNIE ni nom"),
        (["C9", "", "ALI", "B", "31/13/1980", "", ""], "date de naissance illisible"),
        (["C9", "", "ALI", "B", "", "Z", ""], "sexe illisible"),
        (["C9", "", "ALI", "B", "", "", "999.999"], "commune inconnue : 999.999"),
        (["C9", "", "A" * 121, "B", "", "", ""], "valeur trop longue : first_name"),
    ],
)
def test_a_bad_row_is_refused_with_its_reason_and_nothing_is_written(
    persona, cnss, tmp_path: Path, row: list[str], reason: str
) -> None:
    report = receive_list(actor=persona("karim"), path=write(tmp_path / "l.csv", [*ROWS, row]),
                          organisation=cnss, kind="insured", situation_date=DAY)  # fmt: skip
    assert report.new == 0
    assert [r.line for r in report.refused] == [6] or reason == "identifiant déjà utilisé"
    assert any(reason in r.reason for r in report.refused), report.refused
    assert "Import annulé" in report.summary()
    assert SubmittedList.objects.count() == 0
    assert ListEntry.objects.count() == 0


def test_parquet_and_xml_lists(persona, cnss, tmp_path: Path) -> None:
    table = pa.table({h: [r[i] for r in ROWS] for i, h in enumerate(HEADER)})
    pq.write_table(table, tmp_path / "l.parquet")
    report = receive_list(actor=persona("karim"), path=tmp_path / "l.parquet", organisation=cnss,
                          kind="members", situation_date=DAY)  # fmt: skip
    assert report.new == 4
    records = "".join(
        "<assure " + " ".join(f'{h}="{v}"' for h, v in zip(HEADER, r, strict=True)) + "/>"
        for r in ROWS
    )
    (tmp_path / "l.xml").write_text(f"<liste>{records}</liste>", encoding="utf-8")
    xml = receive_list(actor=persona("karim"), path=tmp_path / "l.xml", organisation=cnss,
                       kind="dependants", situation_date=DAY)  # fmt: skip
    assert xml.new == 4
    assert SubmittedList.objects.get(kind="dependants").file_format == "xml"
    assert ListEntry.objects.filter(submitted_list__kind="dependants", cnie="BE123456").exists()


def test_columns_by_other_names(persona, cnss, tmp_path: Path) -> None:
    header = ["ID", "CIN", "PRENOM", "NOM", "DATE_NAISSANCE", "SEXE", "COMMUNE"]
    path = write(tmp_path / "l.csv", ROWS, header)
    report = receive_list(actor=persona("karim"), path=path, organisation=cnss, kind="insured",
                          situation_date=DAY, columns={"record_id": "ID"})  # fmt: skip
    assert report.new == 4
    assert ListEntry.objects.get(record_id="C1").last_name == "EL ALAOUI"
    with pytest.raises(ValidationError, match="colonne inconnue « MATRICULE »"):
        receive_list(actor=persona("karim"), path=path, organisation=cnss, kind="insured",
                     situation_date=DAY + dt.timedelta(days=1),
                     columns={"record_id": "MATRICULE"})  # fmt: skip


def test_a_fund_agent_submits_only_for_its_own_body(persona, tmp_path: Path) -> None:
    cnops = Organisation.objects.get(code="CNOPS")
    with pytest.raises(PermissionDenied):
        receive_list(actor=persona("karim"), path=write(tmp_path / "l.csv", ROWS),
                     organisation=cnops, kind="insured", situation_date=DAY)  # fmt: skip
    with pytest.raises(PermissionDenied):
        receive_list(actor=persona("dr_amine"), path=write(tmp_path / "l.csv", ROWS),
                     organisation=cnops, kind="insured", situation_date=DAY)  # fmt: skip
    assert SubmittedList.objects.count() == 0


def test_the_import_list_command(persona, cnss, tmp_path: Path, capsys) -> None:
    persona("karim")
    path = write(tmp_path / "l.csv", ROWS)
    args = ["snigi", "import-list", str(path), "--as", "karim", "--body", "CNSS",
            "--kind", "insured", "--date", "2026-11-30"]  # fmt: skip
    assert main(args) == 0
    assert "Import enregistré. 4 lignes : 4 nouvelles" in capsys.readouterr().out
    assert main(args) == 0
    assert "4 déjà présentes" in capsys.readouterr().out
    bad = write(tmp_path / "bad.csv", [*ROWS, ["C9", "", "", "", "", "", ""]])
    report = tmp_path / "report.csv"
    code = main(["snigi", "import-list", str(bad), "--as", "karim", "--body", "CNSS",
                 "--kind", "members", "--date", "2026-11-30", "--report", str(report)])  # fmt: skip
    assert code == 1
    assert "ligne 6 : refusée – ni CNIE ni nom" in capsys.readouterr().out
    assert "ni CNIE ni nom" in report.read_text(encoding="utf-8-sig")
    assert main(["snigi", "import-list", str(path), "--as", "karim", "--body", "NOPE",
                 "--kind", "insured", "--date", "2026-11-30"]) == 2  # fmt: skip
    assert "organisme inconnu : NOPE" in capsys.readouterr().err
    assert SubmittedList.objects.count() == 1


def test_the_regime_must_be_the_body_s_and_in_force(persona, cnss, tmp_path: Path) -> None:
    from snigi.core.models import Regime

    hind = persona("hind")
    path = write(tmp_path / "l.csv", ROWS)
    with pytest.raises(ValidationError, match="CNOPS"):
        receive_list(actor=hind, path=path, organisation=cnss, kind="insured", situation_date=DAY,
                     regime=Regime.objects.get(code="AMO_CNOPS_PUBLIC"))  # fmt: skip
    anam = Organisation.objects.get(code="ANAM")
    with pytest.raises(ValidationError, match="en vigueur le 30/11/2026"):
        receive_list(actor=hind, path=path, organisation=anam, kind="insured",
                     situation_date=DAY, regime=Regime.objects.get(code="RAMED"))  # fmt: skip
    # a mutual's list under the regime its parent fund manages
    mgpap = Organisation.objects.get(code="MGPAP")
    report = receive_list(actor=hind, path=path, organisation=mgpap, kind="members",
                          situation_date=DAY, regime=Regime.objects.get(code="AMO_CNOPS_PUBLIC"),
                          file_name="adherents MGPAP.csv")  # fmt: skip
    assert report.submitted_list is not None
    assert report.submitted_list.file_name == "adherents MGPAP.csv"
    assert SubmittedList.objects.count() == 1


def test_a_nul_character_refuses_its_row(persona, cnss, tmp_path: Path) -> None:
    rows = [*ROWS, ["C5", "", "SAID\x00", "TAZI", "", "", ""]]
    report = receive_list(actor=persona("karim"), path=write(tmp_path / "l.csv", rows),
                          organisation=cnss, kind="insured", situation_date=DAY)  # fmt: skip
    assert [(r.line, r.record_id, r.reason) for r in report.refused] == [
        (6, "C5", "caractère NUL dans une valeur")
    ]
    assert not ListEntry.objects.exists()


def test_a_header_alone_is_refused(persona, cnss, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="aucune ligne"):
        receive_list(actor=persona("karim"), path=write(tmp_path / "l.csv", []),
                     organisation=cnss, kind="insured", situation_date=DAY)  # fmt: skip
    assert not SubmittedList.objects.exists()
