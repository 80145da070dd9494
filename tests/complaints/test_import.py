"""``snigi import-complaints``: a past year's register loaded, every row accounted for, nothing
written when a row is refused, nothing added by a second run; its report counted by hand."""

from __future__ import annotations

import csv
import datetime

import pytest
from django.core.exceptions import PermissionDenied

from snigi.cli import main
from snigi.complaints import services
from snigi.complaints.history_import import Outcome, complaints_import
from snigi.complaints.history_rows import open_register, parse_date
from snigi.complaints.models import Complaint, Event, Referral, Status
from snigi.complaints.statistics import build_report
from snigi.core.audit import LogEntry
from tests.complaints.conftest import letter

pytestmark = pytest.mark.django_db
D = datetime.date

REGISTER_2012 = """\
référence;date de réception;type de demandeur;demandeur;canal;nature;décision;date de décision;organismes;retour
2012/001;03/01/2012;Assuré;Fatima Z.;Courrier;Demande de remboursement;Avis défavorable;2012-01-13;;
2012/002;2012-01-20;insured;;post;reimbursement_device;favourable;20/02/2012;;
2012/003;15/02/2012;OG;CNOPS;Courriel;Révision du remboursement;Attribution;25/02/2012;"CNOPS;CNSS";"non;oui"
;01/03/2012;Professionnel de santé;;Dépôt en main propre;Violation de la convention nationale;En attente de la CPS et de la CSP;11/03/2012;;
;01/03/2012;Professionnel de santé;;Dépôt en main propre;Violation de la convention nationale;En attente de la CPS et de la CSP;11/03/2012;;
2012/006;10/04/2012;Association;;Ligne téléphonique;Demande d'exonération du TM;Dossiers incomplets;20/04/2012;;
2012/007;30/12/2012;Assuré;;Portail en ligne;Autres;;;;
"""  # noqa: E501 - a register's rows, as written


@pytest.fixture
def head(persona):
    return persona("rachida")  # the head of the legal division


def _write(tmp_path, text, name="registre-2012.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(path, actor, *, dry_run=False):
    with open_register(path) as register:
        return complaints_import(actor=actor, rows=register, dry_run=dry_run)


def test_a_register_is_loaded_and_its_report_counted(tmp_path, head):
    report = _import(_write(tmp_path, REGISTER_2012), head)
    assert report.counts == {"rows": 7, "new": 7, "present": 0, "refused": 0}
    assert report.written
    assert [row.line for row in report.rows] == [2, 3, 4, 5, 6, 7, 8]
    assert Complaint.objects.filter(imported=True).count() == 7
    stats = build_report(D(2012, 1, 1), D(2012, 12, 31))
    groups = {line.code: line.count for line in stats.groups}
    assert groups == {
        "reimbursement": 2, "convention_violation": 2, "reimbursement_revision": 1,
        "arbitration": 0, "tm_exemption": 1, "ramed": 0, "other": 1,
    }  # fmt: skip
    columns = [code for code, _label in stats.cross.columns]
    rows = {r.code: dict(zip(columns, r.counts, strict=True)) for r in stats.cross.rows}
    assert rows["commissions"]["convention_violation"] == 2
    assert rows["incomplete"]["tm_exemption"] == 1
    assert rows[""]["other"] == 1
    assert {x.code: (x.referred, x.answered) for x in stats.referrals.lines} == {
        "CNOPS": (1, 0), "CNSS": (1, 1),
    }  # fmt: skip
    incomplete = {x.code: (x.count, x.awaiting) for x in stats.incomplete}
    assert incomplete["others"] == (1, 1)
    delays = {x.code: (x.files, x.average_days) for x in stats.delays.groups}
    assert delays["reimbursement"] == (2, 20.5)  # 10 days, and 31 from 20/01 to 20/02
    assert (stats.delays.overall.files, stats.delays.overall.average_days) == (6, 13.5)
    requesters = {x.code: x.count for x in stats.requesters}
    assert (requesters["insured"], requesters["fund"], requesters["professional"]) == (3, 1, 2)


def test_imported_files_get_a_reference_a_status_and_an_event(tmp_path, head, staff):
    services.complaint_receive(actor=staff.mail, data=letter(received_on=D(2012, 1, 2)))
    report = _import(_write(tmp_path, REGISTER_2012), head)
    assert [row.reference for row in report.rows] == [f"REC-2012-{n:06d}" for n in range(2, 9)]
    first = Complaint.objects.get(reference="REC-2012-000002")
    assert (first.imported, first.status, first.decision) == (True, Status.CLOSED, "unfavourable")
    assert first.closed_on == D(2012, 1, 13)
    assert first.nature.code == "reimbursement_medicine"  # the group's first nature
    assert first.requester_name == "Fatima Z."
    assert first.target_on == D(2012, 2, 2)
    statuses = dict(Complaint.objects.filter(imported=True).values_list("reference", "status"))
    assert statuses["REC-2012-000004"] == Status.PENDING  # CNOPS has not answered
    assert statuses["REC-2012-000008"] == Status.ENTERED  # no decision yet
    cnss = Referral.objects.get(complaint__reference="REC-2012-000004", body__code="CNSS")
    assert (cnss.sent_on, cnss.answered_on) == (D(2012, 2, 25), D(2012, 2, 25))
    event = Event.objects.get(complaint=first)
    assert event.kind == "imported"
    assert "ligne 2" in event.note
    assert "Clé d'import : réf. 2012/001" in event.note
    assert LogEntry.objects.filter(object_pk__startswith="import:").count() == 1


def test_a_second_run_adds_nothing_even_respelt(tmp_path, head):
    _import(_write(tmp_path, REGISTER_2012), head)
    again = _import(_write(tmp_path, REGISTER_2012), head)
    assert again.counts == {"rows": 7, "new": 0, "present": 7, "refused": 0}
    assert not again.written
    respelt = REGISTER_2012.replace("01/03/2012", "2012-03-01").replace("11/03/2012", "20120311")
    third = _import(_write(tmp_path, respelt, "copie.csv"), head)
    assert third.counts["present"] == 7
    assert Complaint.objects.count() == 7
    assert again.rows[3].reference == "REC-2012-000004"


def test_a_reference_imported_with_another_content_is_refused(tmp_path, head):
    _import(_write(tmp_path, REGISTER_2012), head)
    changed = REGISTER_2012.replace("Avis défavorable;2012-01-13", "Avis favorable;2012-01-13")
    report = _import(_write(tmp_path, changed), head)
    refused = report.refused
    assert [(r.line, r.reference) for r in refused] == [(2, "REC-2012-000001")]
    assert "autre contenu" in refused[0].reason
    assert Complaint.objects.count() == 7


BAD = """\
date de réception;type de demandeur;canal;nature;décision;date de décision;organismes;retour;ref
31/02/2012;Assuré;Courrier;Autres;;;;;
2012-01-05;Martien;Pigeon;Inconnue;Avis favorable;;;;
2012-01-05;Assuré;Courrier;Autres;Attribution;2012-01-04;;;
2012-01-05;Assuré;Courrier;Autres;Avis favorable;2012-01-15;CNOPS;oui;
2012-01-05;Assuré;Courrier;Autres;Attribution;2012-01-15;XYZ;peut-être;
2012-01-05;Assuré;Courrier;Autres;;;;;A-1
2012-01-06;Assuré;Courrier;Autres;;;;;A-1
"""


def test_every_refused_row_has_its_line_and_reasons_and_nothing_is_written(tmp_path, head):
    report = _import(_write(tmp_path, BAD), head)
    outcome = {r.line: (r.outcome, r.reason) for r in report.rows}
    assert len(outcome) == 7
    assert "date invalide « 31/02/2012 »" in outcome[2][1]
    for fragment in ("Type de demandeur inconnu", "Canal inconnu", "Nature inconnue",
                     "Date de décision : obligatoire"):  # fmt: skip
        assert fragment in outcome[3][1]
    assert "précède la réception" in outcome[4][1]
    assert "indiquez l'organisme" in outcome[4][1]
    assert "sans décision d'attribution" in outcome[5][1]
    assert "Organisme inconnu : « XYZ »" in outcome[6][1]
    assert "« peut-être » (oui ou non)" in outcome[6][1]
    assert outcome[7][0] is Outcome.NEW
    assert "déjà vue à la ligne 7" in outcome[8][1]
    assert report.summary().startswith("Import annulé : rien n'est enregistré. 7 lignes")
    assert not Complaint.objects.exists()
    assert not Event.objects.exists()


def test_a_dry_run_writes_nothing(tmp_path, head):
    report = _import(_write(tmp_path, REGISTER_2012), head, dry_run=True)
    assert report.counts["new"] == 7
    assert report.summary().startswith("Essai à blanc")
    assert not Complaint.objects.exists()


def test_only_the_head_of_the_legal_division_imports(tmp_path, persona):
    with pytest.raises(PermissionDenied):
        _import(_write(tmp_path, REGISTER_2012), persona("othmane"))


def test_dates_french_and_iso():
    assert parse_date("2012-03-31") == parse_date("31/03/2012") == D(2012, 3, 31)
    assert parse_date("1/3/2012") == parse_date("01-03-2012") == D(2012, 3, 1)
    assert parse_date("20120331") == D(2012, 3, 31)
    assert parse_date("31/02/2012") is None
    assert parse_date("mars 2012") is None


def test_the_command(tmp_path, head, capsys):
    path = _write(tmp_path, REGISTER_2012)
    out = tmp_path / "compte-rendu.csv"
    status = main(["snigi", "import-complaints", str(path), "--as", "rachida", "--report",
                   str(out)])  # fmt: skip
    assert status == 0
    assert "Import enregistré. 7 lignes : 7 nouvelles" in capsys.readouterr().out
    with out.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert lines[0] == ["ligne", "résultat", "référence", "référence d'origine", "motif"]
    assert lines[1][:4] == ["2", "nouveau", "REC-2012-000001", "2012/001"]
    assert main(["snigi", "import-complaints", str(path), "--as", "rachida"]) == 0
    assert "7 déjà présentes" in capsys.readouterr().out
    bad = _write(tmp_path, BAD, "bad.csv")
    assert main(["snigi", "import-complaints", str(bad), "--as", "rachida"]) == 1
    printed = capsys.readouterr().out
    assert "ligne 2 : refusée – Date de réception : date invalide" in printed
    assert main(["snigi", "import-complaints", str(path), "--as", "personne"]) == 2
    missing = _write(tmp_path, "nature;canal\nAutres;Courrier\n", "missing.csv")
    assert main(["snigi", "import-complaints", str(missing), "--as", "rachida"]) == 2
    assert "Colonnes obligatoires absentes" in capsys.readouterr().err
    assert Complaint.objects.count() == 7
