"""Information sheets: versions and publishing, the printed PDF, and printing in practice.

Sheet texts here are small markup strings of our own (the seeded content is tested by
test_sheet_content). PDFs are checked through pdftotext, which gives back the logical text.
"""

import re
import shutil
import subprocess
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.auth.models import Role
from mrc.centres.services import centre_today
from mrc.clients.services import ClientData, register_client
from mrc.extensions import db
from mrc.group_sessions.services import (
    GroupSessionData,
    add_attendee,
    create_group_session,
    local_start,
)
from mrc.partners.models import Partner
from mrc.referrals.services import ReferralData, make_referral
from mrc.sheets import render, services
from mrc.sheets.models import InfoSheet, SheetPrint, SheetVersion
from tests.conftest import centre, login, make_user, post_form

BIDI_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
PHONE_E164, PHONE = "+924235761234", "+92 42 35761234"

# One short text per language: a heading, a sentence, a list item, a table and a QR code.
SENTENCES = {
    "en": "Work abroad only through licensed recruiters.",
    "ur": "بیرون ملک صرف لائسنس یافتہ ریکروٹر کے ذریعے کام کریں۔",
    "ar": "اعمل في الخارج فقط عن طريق مكاتب توظيف مرخصة.",
    "ckb": "تەنها لە ڕێگەی نووسینگەی مۆڵەتدارەوە لە دەرەوە کار بکە.",
    "bn": "শুধু লাইসেন্সপ্রাপ্ত রিক্রুটিং এজেন্সির মাধ্যমে বিদেশে কাজ করুন।",
    "ps": "یوازې د جواز لرونکو ادارو له لارې بهر کار وکړئ.",
    "fa_AF": "فقط از طریق دفترهای دارای جواز در خارج کار کنید.",
}
TITLES = {"en": "Working abroad legally", "ur": "قانونی طریقے سے بیرون ملک کام",
          "ar": "العمل في الخارج بشكل قانوني", "ckb": "کارکردن لە دەرەوە بە یاسایی",
          "bn": "বৈধভাবে বিদেশে কাজ", "ps": "په قانوني ډول بهر کار", "fa_AF": "کار قانونی در خارج"}
QR_URL = "https://beoe.gov.pk"


def body_for(lang: str) -> str:
    return (f"# {TITLES[lang]}\n{SENTENCES[lang]}\n\n- {SENTENCES[lang]}\n\n"
            f"| BEOE | {TITLES[lang]} |\n| OEC | {SENTENCES[lang]} |\n\n@qr {QR_URL}\n")


def pdftotext(pdf: bytes, tmp_path, name="sheet") -> str:
    tool = shutil.which("pdftotext")
    if not tool:
        pytest.skip("pdftotext missing: apt-get install -y poppler-utils")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([tool, str(path), "-"], check=True, capture_output=True,  # noqa: S603
                         text=True).stdout
    return BIDI_MARKS.sub("", out)


def norm(text: str) -> str:
    return " ".join(BIDI_MARKS.sub("", text).split())


@pytest.fixture
def sheet(app):
    """A sheet with a version-1 draft in each of the seven languages."""
    item = InfoSheet(topic="working_abroad_test", position=1,
                     sources="FACTS.md: legal pathways\nseeds/beoe.md")
    db.session.add(item)
    db.session.flush()
    for lang in services.SHEET_LANGUAGES:
        db.session.add(SheetVersion(sheet_id=item.id, language=lang, number=1,
                                    title=TITLES[lang], body=body_for(lang), status="draft"))
    lahore = centre("LHR")
    lahore.phone, lahore.address = PHONE_E164, "12 Example Road, Gulberg"
    lahore.open_from_day, lahore.open_to_day = 0, 4
    lahore.opens_at, lahore.closes_at = time(9), time(16, 30)
    db.session.commit()
    return item


def make_client(user, languages="ur", name="Usman"):
    data = ClientData(given_name=name, family_name="Test", sex="male", nationality="PK",
                      migration_status="potential", birth_year=1990, languages=languages,
                      consent_services=True, consent_referral_sharing=True)
    return register_client(Actor(user), data, confirmed_new=True)


def version(item, lang) -> SheetVersion:
    return services.latest_version(item.id, lang)


# --- versions and publishing ------------------------------------------------------------------

def test_seed_sheets_is_idempotent(app):
    created = services.seed_sheets()
    sheets = db.session.scalar(select(func.count()).select_from(InfoSheet))
    assert sheets >= 6 and created >= sheets  # at least the English version of each topic
    assert db.session.scalar(select(func.count()).select_from(SheetVersion).where(
        SheetVersion.status != "draft")) == 0
    assert services.seed_sheets() == 0
    assert db.session.scalar(select(func.count()).select_from(InfoSheet)) == sheets


def test_init_command_seeds_sheets(runner):
    result = runner.invoke(args=["mrc", "init"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(InfoSheet)) >= 6


def test_draft_edits_in_place_and_published_version_starts_a_new_draft(sheet, staff):
    actor = Actor(staff.lhr_manager)
    first = services.edit_version(actor, sheet, "ur", "نیا عنوان", body_for("ur"))
    assert (first.number, first.status, first.title) == (1, "draft", "نیا عنوان")
    services.publish(actor, first, centre_today(staff.lhr_manager.centre))
    assert first.status == "published" and first.reviewed_by_id == staff.lhr_manager.id
    second = services.edit_version(actor, sheet, "ur", "دوسرا عنوان", body_for("ur"))
    assert (second.number, second.status) == (2, "draft")
    assert first.title == "نیا عنوان"  # the published text is never changed
    # a print takes the published version while the newer one is a draft
    assert services.printable_version(sheet.id, "ur").id == first.id
    services.publish(actor, second, centre_today(staff.lhr_manager.centre))
    assert services.printable_version(sheet.id, "ur").id == second.id
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "info_sheet")).all()
    assert actions.count("publish") == 2 and "create" in actions and "update" in actions


def test_only_editors_publish_with_a_past_review_date(sheet, staff):
    draft = version(sheet, "en")
    with pytest.raises(PermissionError):
        services.publish(Actor(staff.lhr_counsellor), draft, date(2026, 1, 1))
    with pytest.raises(services.SheetError):
        services.publish(Actor(staff.lhr_manager), draft, None)
    future = centre_today(staff.lhr_manager.centre) + timedelta(days=2)
    with pytest.raises(services.SheetError):
        services.publish(Actor(staff.lhr_manager), draft, future)
    assert draft.status == "draft"


def test_markup_problems_refuse_the_save_and_show_beside_the_field(client, sheet, staff):
    login(client, staff.lhr_manager)
    url = f"/sheets/{sheet.id}/en/edit"
    response = post_form(client, url, {"title": "T", "body": "@qr http://not-secure.example\n"},
                         token_from=url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error" id="body-error"' in page
    assert version(sheet, "en").body == body_for("en")


def test_edit_publish_and_preview_through_the_pages(client, sheet, staff, tmp_path):
    login(client, staff.lhr_manager)
    url = f"/sheets/{sheet.id}/ur/edit"
    assert client.get(url).status_code == 200
    response = post_form(client, url, {"title": "نیا عنوان", "body": body_for("ur")},
                         token_from=url)
    assert response.status_code == 302
    preview = client.get(f"/sheets/{sheet.id}/ur/preview")
    assert preview.mimetype == "application/pdf" and preview.data.startswith(b"%PDF")
    assert "DRAFT" in pdftotext(preview.data, tmp_path)
    today = centre_today(staff.lhr_manager.centre).isoformat()
    response = post_form(client, f"/sheets/{sheet.id}/ur/publish", {"review_date": today},
                         token_from=url)
    assert response.status_code == 302
    assert version(sheet, "ur").status == "published"
    listing = client.get("/sheets/").get_data(as_text=True)
    assert "Published" in listing
    assert "seeds/beoe.md" in client.get(f"/sheets/{sheet.id}").get_data(as_text=True)


def test_counsellor_sees_the_list_but_cannot_edit(client, sheet, staff):
    login(client, staff.lhr_counsellor)
    assert client.get("/sheets/").status_code == 200
    assert client.get(f"/sheets/{sheet.id}/en/edit").status_code == 403


# --- the printed sheet ------------------------------------------------------------------------

def test_draft_prints_with_a_draft_mark_and_published_without(sheet, staff, tmp_path):
    draft = version(sheet, "en")
    job = [render.SheetJob(draft, sheet.topic)]
    assert "DRAFT" in pdftotext(render.render_sheets(centre("LHR"), job), tmp_path, "d")
    services.publish(Actor(staff.lhr_manager), draft, centre_today(centre("LHR")))
    text = pdftotext(render.render_sheets(centre("LHR"), job), tmp_path, "p")
    assert "DRAFT" not in text
    assert SENTENCES["en"] in norm(text)


@pytest.mark.parametrize("lang,phone_in_text", [("ur", True), ("bn", True)])
def test_urdu_and_bengali_sheets_give_back_their_logical_text(sheet, tmp_path, lang,
                                                              phone_in_text):
    pdf = render.render_sheets(centre("LHR"), [render.SheetJob(version(sheet, lang), "t")])
    text = pdftotext(pdf, tmp_path)
    body = norm(text)
    assert norm(TITLES[lang]) in body
    assert norm(SENTENCES[lang]) in body
    # the centre's phone, digit groups in order, in the right-to-left header too
    assert PHONE in body
    assert QR_URL in body


def test_urdu_opening_hours_in_urdu_with_days_in_order(sheet, tmp_path):
    from flask_babel import force_locale

    with force_locale("ur"):
        hours = render.opening_hours_text(centre("LHR"), "ur")
    assert "پیر" in hours and "جمعہ" in hours  # Monday, Friday
    assert hours.index("پیر") < hours.index("جمعہ")  # logical order: Monday first


def test_table_columns_are_mirrored_in_right_to_left(sheet):
    from mrc.sheets.layout import ShapedParagraph

    rows = [("left", "right")]
    ltr_table = render._table(rows, "en", 400)
    rtl_table = render._table(rows, "ur", 400)
    first = lambda table: [c.text for c in table._cellvalues[0]  # noqa: E731
                           if isinstance(c, ShapedParagraph)]
    assert first(ltr_table) == ["left", "right"]
    assert first(rtl_table) == ["right", "left"]


def test_sheet_has_a_qr_code_of_its_url(sheet):
    from reportlab.graphics.barcode.qr import QrCodeWidget

    from mrc.sheets import markup

    blocks = markup.parse(body_for("en"), "PK")
    story = render._body(blocks, "en", 400)
    codes = [cell for item in story if hasattr(item, "_content")
             for table in item._content for row in table._cellvalues for cell in row
             if isinstance(cell, render.QrFlowable)]
    assert [code.url for code in codes] == [QR_URL]
    # the same modules as ReportLab's own widget draws
    widget = QrCodeWidget(QR_URL, barLevel="M")
    widget.qr.make()
    assert render.qr_modules(QR_URL) == tuple(tuple(bool(m) for m in row)
                                               for row in widget.qr.modules)


def test_qr_code_is_drawn_in_the_pdf(sheet, monkeypatch):
    drawn = []
    original = render.QrFlowable.draw

    def draw(self):
        drawn.append(self.url)
        original(self)

    monkeypatch.setattr(render.QrFlowable, "draw", draw)
    pdf = render.render_sheets(centre("LHR"), [render.SheetJob(version(sheet, "ur"), "t")])
    assert pdf.startswith(b"%PDF") and drawn == [QR_URL]


def test_qr_code_path_fills_exactly_the_dark_modules(sheet):
    size, border = 80.0, render.QrFlowable.BORDER
    modules = render.qr_modules(QR_URL)
    box = size / (len(modules) + 2 * border)
    path = render.qr_path(QR_URL, size, border)
    assert path.endswith(" f")
    dark = set()
    for x, y, width, height in re.findall(r"(\S+) (\S+) (\S+) (\S+) re", path):
        row = round((size - float(y)) / box) - border - 1
        first = round(float(x) / box) - border
        assert round(float(height) / box) == 1
        dark |= {(row, column) for column in range(first, first + round(float(width) / box))}
    assert dark == {(r, c) for r, line in enumerate(modules) for c, on in enumerate(line) if on}


def test_several_sheets_number_their_own_pages(sheet, tmp_path):
    jobs = [render.SheetJob(version(sheet, "en"), "t")] * 3
    text = pdftotext(render.render_sheets(centre("LHR"), jobs, "letter"), tmp_path)
    assert text.count("Page 1 of 1") == 3
    assert text.count("\f") == 3  # three pages


def test_fonts_are_embedded_and_subset(sheet, tmp_path):
    tool = shutil.which("pdffonts")
    if not tool:
        pytest.skip("pdffonts missing")
    path = tmp_path / "f.pdf"
    path.write_bytes(render.render_sheets(centre("LHR"), [render.SheetJob(version(sheet, "bn"),
                                                                           "t")]))
    out = subprocess.run([tool, str(path)], check=True, capture_output=True,  # noqa: S603
                         text=True).stdout
    # ReportLab's document always lists Helvetica (its initial font, never drawn with here)
    rows = [line.split() for line in out.splitlines()[2:] if not line.startswith("Helvetica")]
    assert {row[0].split("+")[1] for row in rows} >= {"NotoSans-Regular", "HindSiliguri-Regular"}
    for row in rows:
        assert "+" in row[0] and row[-5:-3] == ["yes", "yes"], out


# --- printing in practice ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", list(services.SHEET_LANGUAGES))
def test_print_from_the_client_page_in_each_language(client, sheet, staff, lang, tmp_path):
    person = make_client(staff.lhr_counsellor, languages="pa " + lang)
    login(client, staff.lhr_counsellor)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert f'<option selected value="{lang}">' in page  # the client's language is proposed
    response = post_form(client, f"/sheets/client/{person.id}",
                         {"sheet_id": sheet.id, "language": lang, "paper": "A4"},
                         token_from=f"/clients/{person.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    row = db.session.scalar(select(SheetPrint).where(SheetPrint.client_id == person.id))
    assert (row.language, row.copies, row.centre_id) == (lang, 1, person.centre_id)
    assert row.topic == sheet.topic and row.printed_by_id == staff.lhr_counsellor.id
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "print", AuditEvent.object_type == "client",
        AuditEvent.object_id == person.id)) == 1
    timeline = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "timeline-sheet" in timeline
    assert norm(SENTENCES[lang]) in norm(pdftotext(response.data, tmp_path))


def test_letter_paper(client, sheet, staff):
    person = make_client(staff.lhr_counsellor)
    login(client, staff.lhr_counsellor)
    response = post_form(client, f"/sheets/client/{person.id}",
                         {"sheet_id": sheet.id, "language": "en", "paper": "letter"})
    assert b"/MediaBox [ 0 0 612 792 ]" in response.data


def test_client_language_defaults_to_the_centre_language(sheet, staff):
    person = make_client(staff.lhr_counsellor, languages="pa")
    assert services.client_language(person) == "ur"  # Lahore's default locale


def test_other_centres_client_answers_404(client, sheet, staff):
    other = make_client(staff.isb_counsellor)
    login(client, staff.lhr_counsellor)
    response = post_form(client, f"/sheets/client/{other.id}",
                         {"sheet_id": sheet.id, "language": "en", "paper": "A4"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(SheetPrint)) == 0


def test_group_session_prints_one_sheet_per_attendee_in_their_language(client, sheet, staff,
                                                                      tmp_path):
    user = staff.lhr_counsellor
    data = GroupSessionData(kind="awareness",
                            starts_at=local_start(user.centre, centre_today(user.centre),
                                                  time(10)),
                            venue="Community hall", venue_type="community")
    group_session = create_group_session(Actor(user), data)
    people = [make_client(user, "ur", "Usman"), make_client(user, "bn", "Rahim"),
              make_client(user, "en", "Sara")]
    for person in people:
        add_attendee(Actor(user), group_session, person)
    login(client, user)
    page = client.get(f"/group-sessions/{group_session.id}").get_data(as_text=True)
    assert f"/sheets/group-session/{group_session.id}" in page
    response = post_form(client, f"/sheets/group-session/{group_session.id}",
                         {"sheet_id": sheet.id, "paper": "A4"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    rows = db.session.scalars(select(SheetPrint).where(
        SheetPrint.group_session_id == group_session.id)).all()
    assert sorted((r.client_id, r.language) for r in rows) == sorted(
        [(people[0].id, "ur"), (people[1].id, "bn"), (people[2].id, "en")])
    text = pdftotext(response.data, tmp_path)
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) == 3  # one page per attendee
    for lang in ("ur", "bn", "en"):
        assert norm(SENTENCES[lang]) in norm(text)


def test_outreach_copies_are_one_pdf_counted_n_times(client, sheet, staff):
    login(client, staff.lhr_counsellor)
    response = post_form(client, "/sheets/copies", {"sheet_id": sheet.id, "language": "ur",
                                                    "copies": "۳۰", "paper": "A4"},
                         token_from="/sheets/copies")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    row = db.session.scalar(select(SheetPrint))
    assert (row.copies, row.client_id, row.group_session_id) == (30, None, None)
    by_topic = services.prints_by_topic_and_language(Actor(staff.lhr_manager))
    assert by_topic == [(sheet.topic, "ur", 30)]
    # another centre's manager sees none of them
    assert services.prints_by_topic_and_language(Actor(staff.isb_manager)) == []


def test_copies_out_of_range_are_refused(client, sheet, staff):
    login(client, staff.lhr_counsellor)
    # One message each: text that is not a number is not also told the allowed range.
    for copies, message in (("0", "Enter a number of copies from 1 to 1000."),
                            ("x", "Enter a whole number.")):
        response = post_form(client, "/sheets/copies", {"sheet_id": sheet.id, "language": "ur",
                                                        "copies": copies, "paper": "A4"})
        assert response.status_code == 200 and response.mimetype == "text/html"
        error = re.search(r'id="copies-error">(.*?)</p>', response.get_data(as_text=True))
        assert error and error.group(1) == message, copies
    assert db.session.scalar(select(func.count()).select_from(SheetPrint)) == 0


def _referral(staff, person):
    partner = Partner(name="Legal Aid Society Lahore", kind="legal_aid", services="legal_aid",
                      country="PK", centre_id=None, city="Lahore", address="5 Mall Road",
                      phone="+924299990000", hours="Mon–Fri 9–5")
    db.session.add(partner)
    db.session.commit()
    data = ReferralData(partner_id=partner.id, service="legal_aid", reason="Contract.",
                        urgency="routine", follow_up_due=centre_today(person.centre))
    return make_referral(Actor(staff.lhr_counsellor), person, data)


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_referral_slip_shows_partner_and_reference(client, sheet, staff, tmp_path, lang):
    person = make_client(staff.lhr_counsellor, languages=lang)
    referral = _referral(staff, person)
    login(client, staff.lhr_counsellor)
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert f"/sheets/referral/{referral.id}/slip" in page
    response = post_form(client, f"/sheets/referral/{referral.id}/slip",
                         {"language": lang, "paper": "A4"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = norm(pdftotext(response.data, tmp_path))
    assert "Legal Aid Society Lahore" in text
    assert f"{person.reference}/{referral.id}" in text
    assert "+92 42 99990000" in text
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "print", AuditEvent.object_type == "referral")) == 1


def test_other_centres_referral_and_group_session_answer_404(client, sheet, staff):
    other = make_client(staff.isb_counsellor)
    referral = _referral(staff, make_client(staff.lhr_counsellor))
    login(client, make_user(Role.COUNSELLOR, "ISB", username="isb-2"))
    assert post_form(client, f"/sheets/referral/{referral.id}/slip",
                     {"language": "en", "paper": "A4"}).status_code == 404
    assert other.id  # the ISB counsellor's own client is fine
    assert post_form(client, f"/sheets/client/{other.id}",
                     {"sheet_id": sheet.id, "language": "en", "paper": "A4"}).status_code == 200


def test_centre_opening_hours_are_edited_by_the_admin(client, staff):
    login(client, staff.admin)
    lahore = centre("LHR")
    url = f"/centres/{lahore.id}"
    response = post_form(client, url, {
        "name": lahore.name, "city": lahore.city, "default_locale": "ur",
        "timezone": "Asia/Karachi", "active": "y", "open_from_day": "6", "open_to_day": "3",
        "opens_at": "09:30", "closes_at": "17:00"}, token_from=url)
    assert response.status_code == 302
    db.session.refresh(lahore)
    assert (lahore.open_from_day, lahore.open_to_day) == (6, 3)
    assert (lahore.opens_at, lahore.closes_at) == (time(9, 30), time(17))
