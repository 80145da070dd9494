"""The letters of e-réclamations, in French and Arabic with the file's reference: the
acknowledgement of receipt, the request for written explanations sent to a provider before the
CPS (art. 30 of decree 2-05-733), the notification of the decision, and the referral letter to
the competent body. Drawn with the bilingual page of ``snigi.core.pdf``; deterministic (the same
file on the same day gives the same bytes)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone, translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from snigi.complaints.models import (
    Channel,
    Complaint,
    ConventionCase,
    Decision,
    Delay,
    Referral,
)
from snigi.complaints.selectors import complaint_get_for_actor
from snigi.core.models import User
from snigi.core.pdf import (
    ANAM_GREEN,
    MARGIN,
    PAGE_WIDTH,
    Page,
    Style,
    arabic_font_coverage,
    wrap,
)
from snigi.core.roles import Capability, role_has

SMALL_FR, SMALL_AR = Style(8.5), Style(9.5, leading=1.7)
BODY_FR, BODY_AR = Style(10), Style(11, leading=1.7)
TITLE_FR, TITLE_AR = (
    Style(15, bold=True, color=ANAM_GREEN),
    Style(15, bold=True, color=ANAM_GREEN, leading=1.8),
)
BOTTOM = MARGIN + 12 * mm

DECISION_AR = {
    Decision.UNFAVOURABLE: "رأي غير موافق",
    Decision.FAVOURABLE: "رأي موافق",
    Decision.INCOMPLETE: "ملف غير مكتمل",
    Decision.REFERRAL: "إحالة على الجهة المختصة",
    Decision.COMMISSIONS: "في انتظار لجنة التتبع الدائمة واللجنة المختصة الدائمة",
    Decision.EXPERTISE: "في انتظار الخبرة الطبية",
    Decision.TRANSPARENCY: "في انتظار رأي لجنة الشفافية",
    Decision.CLASSIFIED: "حفظ الملف من طرف اللجنة",
    Decision.SUSPENSION: "الإخراج من الاتفاقية الوطنية",
}
CHANNEL_AR = {
    Channel.POST: "البريد",
    Channel.HAND: "الإيداع المباشر",
    Channel.EMAIL: "البريد الإلكتروني",
    Channel.FRONT_OFFICE: "مكتب الاستقبال",
    Channel.PHONE: "الخط الهاتفي",
    Channel.ONLINE: "البوابة الإلكترونية",
}
TITLES = {
    "accuse-reception": ("Accusé de réception de votre réclamation", "إشعار بتسلم شكايتكم"),
    "explications": ("Demande d'explications écrites", "طلب توضيحات كتابية"),
    "decision": ("Notification de la décision", "تبليغ القرار"),
    "attribution": ("Transmission d'une réclamation pour attribution",
                    "إحالة شكاية على الجهة المختصة"),
}  # fmt: skip


def _d(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


def _fr(label: object) -> str:
    with translation.override("fr"):
        return str(label)


@dataclass
class Letter:
    """A letter being drawn: a bilingual page that flows onto the next one."""

    kind: str
    complaint: Complaint
    issued_on: datetime.date

    def __post_init__(self) -> None:
        arabic_font_coverage()
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=A4, invariant=1)
        title_fr, _ = TITLES[self.kind]
        self.canvas.setTitle(f"{title_fr} {self.complaint.reference}")
        self.canvas.setAuthor("ANAM / SNIGI")
        self.canvas.setSubject(f"Réclamation {self.complaint.reference}")
        self.canvas.setCreator("SNIGI")
        self.page = Page(self.canvas)
        self._header()

    def _room(self, height: float) -> None:
        if self.page.y - height < BOTTOM:
            self.canvas.showPage()
            self.page = Page(self.canvas)

    def _header(self) -> None:
        page = self.page
        page.pair("Royaume du Maroc", "المملكة المغربية", SMALL_FR, SMALL_AR)
        page.pair("Agence nationale de l'assurance maladie", "الوكالة الوطنية للتأمين الصحي",
                  Style(11, bold=True, color=ANAM_GREEN),
                  Style(12, bold=True, color=ANAM_GREEN, leading=1.7))  # fmt: skip
        page.pair("e-réclamations (SNIGI)", "منظومة الشكايات الإلكترونية", SMALL_FR, SMALL_AR)
        page.y -= 2 * mm
        page.rule(width=1.2)
        page.y -= 4 * mm
        reference = self.complaint.reference
        page.pair(f"Réf. : {reference}", f"المرجع: {reference}", BODY_FR, BODY_AR)
        page.pair(f"Rabat, le {_d(self.issued_on)}", f"الرباط في {_d(self.issued_on)}",
                  BODY_FR, BODY_AR)  # fmt: skip
        page.y -= 3 * mm

    def to(self, name_fr: str, name_ar: str, *extra: str) -> None:
        """The addressee, in both columns."""
        self.pair(f"À : {name_fr}", f"إلى: {name_ar or name_fr}", bold=True)
        for line in extra:
            if line:
                self.pair(line, line)
        self.page.y -= 3 * mm

    def title(self) -> None:
        title_fr, title_ar = TITLES[self.kind]
        self._room(24 * mm)
        self.page.centred(title_fr, TITLE_FR)
        self.page.centred(title_ar, TITLE_AR, rtl=True)
        self.page.y -= 4 * mm

    def pair(self, french: str, arabic: str, *, bold: bool = False) -> None:
        self._room(12 * mm)
        fr, ar = (Style(10, bold=True), Style(11, bold=True, leading=1.7)) if bold else (
            BODY_FR, BODY_AR)  # fmt: skip
        self.page.pair(french, arabic, fr, ar)
        self.page.y -= 2 * mm

    def text(self, label_fr: str, label_ar: str, text: str) -> None:
        """A free text typed in French (reasons, pieces), across the page, under both labels;
        long texts flow onto the next pages."""
        self.pair(label_fr, label_ar, bold=True)
        width = PAGE_WIDTH - 2 * MARGIN
        for paragraph in text.splitlines() or [""]:
            for line in wrap(paragraph, BODY_FR, width, rtl=False):
                self._room(BODY_FR.line_height)
                self.page.y -= BODY_FR.line_height
                self.page.line(line, MARGIN, self.page.y + 2, BODY_FR, align="left", rtl=False)
        self.page.y -= 3 * mm

    def pdf(self) -> bytes:
        self._room(20 * mm)
        self.page.y -= 6 * mm
        self.page.rule()
        self.page.y -= 2 * mm
        self.page.pair(
            "Rappelez la référence dans toute correspondance. Document établi par SNIGI.",
            "يرجى ذكر المرجع في كل مراسلة. وثيقة صادرة عن المنظومة.",
            SMALL_FR,
            SMALL_AR,
        )
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def _requester(letter: Letter) -> None:
    c = letter.complaint
    letter.to(c.requester_name, c.requester_name, c.requester_address)


def acknowledgement_pdf(complaint: Complaint, *, issued_on: datetime.date | None = None) -> bytes:
    letter = Letter("accuse-reception", complaint, issued_on or complaint.received_on)
    _requester(letter)
    letter.title()
    c = complaint
    channel_fr = _fr(Channel(c.channel).label).lower()
    letter.pair(
        f"L'Agence nationale de l'assurance maladie accuse réception de votre réclamation, "
        f"reçue le {_d(c.received_on)} ({channel_fr}) et enregistrée sous la référence "
        f"{c.reference}. Elle sera instruite et une décision vous sera notifiée.",
        f"تشهد الوكالة الوطنية للتأمين الصحي بتسلم شكايتكم بتاريخ {_d(c.received_on)} "
        f"({CHANNEL_AR[Channel(c.channel)]})، المسجلة تحت المرجع {c.reference}. "
        "وستتم دراستها وتبليغكم بالقرار المتخذ بشأنها.",
    )
    letter.text("Objet de la réclamation", "موضوع الشكاية", c.subject)
    return letter.pdf()


def _explanation_days(on: datetime.date) -> int:
    delay = (Delay.objects.filter(code="explanations", valid_from__lte=on)
             .order_by("-valid_from").first())  # fmt: skip
    return delay.days if delay else 15


def explanations_pdf(case: ConventionCase, *, issued_on: datetime.date | None = None) -> bytes:
    complaint, provider = case.complaint, case.provider
    day = issued_on or case.letter_sent_on or timezone.localdate()
    letter = Letter("explications", complaint, day)
    letter.to(provider.name, provider.name_ar or provider.name, f"INPE {provider.inpe}")
    letter.title()
    days = _explanation_days(day)
    letter.pair(
        f"Par décision du directeur général du {_d(case.sent_on)}, la réclamation "
        f"{complaint.reference} relative au non-respect de la convention nationale vous "
        "concernant a été soumise à la Commission Permanente de Suivi (CPS). En application de "
        "l'article 30 du décret n° 2-05-733, vous êtes invité(e) à fournir vos explications "
        f"écrites dans un délai de {days} jours à compter de la réception de la présente lettre "
        "recommandée avec accusé de réception. À défaut de réponse dans ce délai, et sauf cas "
        "de force majeure, vous serez considéré(e) comme n'ayant pas d'explications à fournir.",
        f"بمقتضى قرار المدير العام بتاريخ {_d(case.sent_on)}، أحيلت الشكاية {complaint.reference} "
        "المتعلقة بعدم احترام الاتفاقية الوطنية على لجنة التتبع الدائمة. وتطبيقا للمادة 30 من "
        "المرسوم رقم 2.05.733، أنتم مدعوون لتقديم توضيحاتكم الكتابية داخل أجل "
        f"{days} يوما ابتداء من تاريخ توصلكم بهذه الرسالة المضمونة مع إشعار بالتوصل. وفي حالة "
        "عدم الجواب داخل هذا الأجل، وباستثناء حالة القوة القاهرة، تعتبرون غير راغبين في تقديم "
        "أي توضيحات.",
    )
    letter.text("Objet de la réclamation", "موضوع الشكاية", complaint.subject)
    return letter.pdf()


def decision_pdf(complaint: Complaint, *, issued_on: datetime.date | None = None) -> bytes:
    if not complaint.decision:
        raise ValueError("no decision to notify")
    c = complaint
    letter = Letter("decision", c, issued_on or c.decision_on or timezone.localdate())
    _requester(letter)
    letter.title()
    decision = Decision(c.decision)
    letter.pair(
        f"Votre réclamation {c.reference}, reçue le {_d(c.received_on)}, a fait l'objet le "
        f"{_d(c.decision_on)} de la décision suivante du directeur général : "
        f"{_fr(decision.label)}.",
        f"كانت شكايتكم {c.reference}، الواردة بتاريخ {_d(c.received_on)}، موضوع القرار التالي "
        f"للمدير العام بتاريخ {_d(c.decision_on)}: {DECISION_AR[decision]}.",
    )
    letter.text("Motifs", "الأسباب", c.decision_reason)
    if decision == Decision.INCOMPLETE:
        letter.text("Pièces manquantes", "الوثائق الناقصة", c.missing_pieces)
        letter.pair(
            "Merci de nous les faire parvenir en rappelant la référence, ou de les joindre en "
            "ligne à votre réclamation.",
            "المرجو موافاتنا بها مع ذكر المرجع، أو إرفاقها بشكايتكم عبر البوابة الإلكترونية.",
        )
    if decision == Decision.REFERRAL:
        bodies = ", ".join(r.body.code for r in c.referrals.select_related("body"))
        letter.pair(f"Transmise pour attribution à : {bodies}.",
                    f"أحيلت على الجهة المختصة: {bodies}.")  # fmt: skip
    return letter.pdf()


def referral_pdf(referral: Referral, *, issued_on: datetime.date | None = None) -> bytes:
    c, body = referral.complaint, referral.body
    letter = Letter("attribution", c, issued_on or referral.sent_on)
    letter.to(body.name_fr, body.name_ar, referral.letter_reference)
    letter.title()
    letter.pair(
        f"Nous vous transmettons, pour attribution, la réclamation {c.reference} reçue le "
        f"{_d(c.received_on)}. Nous vous saurions gré de bien vouloir nous faire part de la "
        "suite qui lui sera réservée, en rappelant sa référence.",
        f"يشرفنا أن نحيل عليكم، قصد الاختصاص، الشكاية {c.reference} الواردة بتاريخ "
        f"{_d(c.received_on)}. ونرجو منكم إفادتنا بالمآل الذي سيخصص لها مع ذكر مرجعها.",
    )
    letter.pair(f"Demandeur : {c.requester_name}", f"المشتكي: {c.requester_name}")
    letter.text("Objet de la réclamation", "موضوع الشكاية", c.subject)
    return letter.pdf()


def letter_for_actor(
    *, actor: User, reference: str, kind: str, referral_id: int | None = None
) -> tuple[str, bytes]:
    """(file name, PDF) of one of a file's letters, if the actor may have it (404 otherwise):
    the acknowledgement and the decision for its readers, the requester included; the request
    for explanations and the referral letters for ANAM's staff. The reading is logged."""
    if kind not in TITLES:
        raise Http404
    complaint = complaint_get_for_actor(actor=actor, reference=reference, purpose=f"letter:{kind}")
    staff = role_has(actor.role, Capability.VIEW_COMPLAINTS)
    name = f"{kind}-{complaint.reference}.pdf"
    if kind == "accuse-reception":
        return name, acknowledgement_pdf(complaint)
    if kind == "decision" and complaint.decision:
        return name, decision_pdf(complaint)
    if kind == "explications" and staff:
        case = ConventionCase.objects.filter(complaint=complaint).select_related("provider")
        found = case.first()
        if found is not None:
            return name, explanations_pdf(found)
    if kind == "attribution" and staff and referral_id is not None:
        referral = complaint.referrals.select_related("body").filter(pk=referral_id).first()
        if referral is not None:
            return f"{kind}-{referral.body.code}-{complaint.reference}.pdf", referral_pdf(referral)
    raise Http404("Lettre introuvable.")
