"""Print text layout: UAX #9 visual order, shaping, line breaking, PDF text and fonts.

No Flask app needed. The visual order of every line is checked against ICU's own UAX #9
reordering of that line (an independent implementation from the run reordering in the layout).
"""

import re
import shutil
import subprocess
import threading

import icu
import pytest
from reportlab.lib.pagesizes import A4, A6
from reportlab.platypus import PageBreak, SimpleDocTemplate, Table

from mrc.sheets.layout import LayoutStyle, ShapedParagraph, has_nastaliq, layout, ltr, main_face
from mrc.sheets.layout.engine import BIDI_CONTROLS, _shape

PHONE = "+92 42 1234567"
BIDI_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def icu_visual(text: str, para_level: int, start: int, end: int) -> str:
    """ICU's UAX #9 visual order of text[start:end] as one line of the paragraph ``text``."""
    u16 = [0]
    for ch in text:
        u16.append(u16[-1] + (2 if ord(ch) > 0xFFFF else 1))
    bidi = icu.Bidi()
    bidi.setPara(icu.UnicodeString(text), para_level)
    line = bidi.setLine(u16[start], u16[end])
    return str(line.writeReordered(icu.Bidi.REMOVE_BIDI_CONTROLS))


def visual_lines(text: str, lang: str, width: float = 10_000, size: float = 12):
    analysis, lines = layout(text, lang, size, width)
    out = []
    for line in lines:
        mine = line.visual_text(text)
        oracle = icu_visual(text, analysis.para_level, line.start, line.content_end)
        assert mine == oracle, f"line {line.start}:{line.content_end} differs from UAX #9"
        out.append(mine)
    return analysis, lines, out


# -- visual order ----------------------------------------------------------------------------

def test_phone_number_in_urdu_keeps_its_order():
    text = f"ہمارا فون نمبر {ltr(PHONE)} ہے۔"
    _, _, (line,) = visual_lines(text, "ur")
    assert PHONE in line
    # Urdu reads right to left: the words before the number are to its right
    assert line.index(PHONE) < line.index("ربمن")


def test_phone_number_without_isolate_is_reordered_which_is_why_ltr_exists():
    _, _, (line,) = visual_lines(f"ہمارا فون نمبر {PHONE} ہے۔", "ur")
    assert PHONE not in line


def test_brackets_in_urdu_are_ordered_and_mirrored():
    text = "دفتر (پیر تا جمعہ) کھلا ہے"
    analysis, lines, (line,) = visual_lines(text, "ur")
    assert ")ہعمج ات ریپ(" in line  # logical "(" is on the right, ")" on the left
    run = lines[0].runs[0]
    cmap = run.face.ttf.face.charToGlyph
    brackets = [g for g in run.glyphs if text[g.cluster] in "()"]
    left, right = brackets[0], brackets[-1]  # glyphs are in visual order
    assert text[left.cluster] == ")" and left.gid == cmap[ord("(")]  # mirrored by shaping
    assert text[right.cluster] == "(" and right.gid == cmap[ord(")")]


def test_date_and_percentage_in_arabic():
    text = "موعدك يوم ٢٠٢٥/٠٣/١٥ ونسبة النجاح ٩٥٪ وفي 2025-03-15 بنسبة 45%."
    _, _, (line,) = visual_lines(text, "ar")
    assert "٢٠٢٥/٠٣/١٥" in line  # Arabic-Indic digits with slashes stay one number
    assert "٪٩٥" in line  # percent sign after the number in reading (right-to-left) order
    # European digits after Arabic letters are Arabic numbers (W2): groups read right to left
    assert "15-03-2025" in line
    _, _, (isolated,) = visual_lines(f"في {ltr('2025-03-15')} بنسبة", "ar")
    assert "2025-03-15" in isolated


def test_latin_name_with_punctuation_in_urdu():
    text = "براہ کرم Dr. Ali Khan, Jr. سے ملیں۔"
    _, _, (line,) = visual_lines(text, "ur")
    assert "Dr. Ali Khan, Jr" in line
    _, _, (isolated,) = visual_lines(f"براہ کرم {ltr('Dr. Ali Khan, Jr.')} سے ملیں۔", "ur")
    assert "Dr. Ali Khan, Jr." in isolated


def test_bengali_with_english_words_stays_logical():
    text = "আমাদের Migrant Resource Centre (MRC) সোমবার থেকে খোলা।"
    analysis, lines, (line,) = visual_lines(text, "bn")
    assert line == text
    faces = {text[r.start:r.end].strip(): r.face.key for r in lines[0].runs}
    assert faces["আমাদের"] == "hind-siliguri"
    assert "noto-sans" in faces.values()


def test_line_break_inside_mixed_runs():
    text = (f"مزید معلومات کے لیے Migrant Resource Centre Lahore Office سے رابطہ کریں "
            f"یا {ltr(PHONE)} پر فون کریں۔")
    analysis, lines, visual = visual_lines(text, "ur", width=120, size=12)
    assert len(lines) >= 3
    assert any("Migrant" in v and "Office" not in v for v in visual)  # Latin run split
    # nothing lost, nothing doubled; no line wider than the column
    assert "".join(text[ln.start:ln.end] for ln in lines) == text
    assert all(ln.width <= 120 + 1e-6 for ln in lines)
    assert any(PHONE in v for v in visual)  # the isolate's spaces are not break points
    # each line is shaped on its own: a word at a line end still joins within itself
    assert all(r.glyphs for ln in lines for r in ln.runs)


def test_hard_line_break():
    analysis, lines, visual = visual_lines("پہلی سطر\nدوسری سطر Ali", "ur")
    assert visual == ["رطس یلہپ", "Ali رطس یرسود"]


def test_long_url_breaks_rather_than_overflowing():
    url = "https://example.org/" + "a" * 60
    analysis, lines = layout(f"دیکھیں {ltr(url)}", "ur", 10, 100)
    assert all(ln.width <= 100 + 1e-6 for ln in lines)
    assert "".join(analysis.text[ln.start:ln.end] for ln in lines) == analysis.text


def test_neutrals_take_the_font_of_their_neighbours():
    text = f"فون {ltr(PHONE)} اور 45%"
    analysis, _ = layout(text, "ur", 12, 10_000)
    main = main_face("ur")
    space_before_phone = text.index(" ")
    assert analysis.faces[space_before_phone] is main
    assert analysis.faces[text.index("%")] is not None
    assert analysis.faces[text.index("%")].covers("%")
    assert all(analysis.faces[i] is None for i, c in enumerate(text) if c in BIDI_CONTROLS)


# -- shaping ---------------------------------------------------------------------------------

def test_bengali_conjunct_is_one_glyph():
    face = main_face("bn")
    glyphs = _shape(face, "ক্ষ", 0, 3, False, "Beng", "bn", 12)
    assert len(glyphs) == 1  # unshaped: three glyphs (ka, virama, ssa)
    assert glyphs[0].gid not in {face.ttf.face.charToGlyph[ord(c)] for c in "ক্ষ"}


def test_arabic_medial_form_differs_from_isolated():
    face = main_face("ar")
    beh = face.ttf.face.charToGlyph[ord("ب")]
    glyphs = _shape(face, "ببب", 0, 3, True, "Arab", "ar", 12)
    middle = next(g for g in glyphs if g.cluster == 1)
    assert middle.gid != beh


def test_urdu_uses_nastaliq_with_its_tall_line_height():
    if not has_nastaliq():
        pytest.skip("fonts-noto-core (Noto Nastaliq Urdu) is not installed: Urdu uses Naskh")
    assert main_face("ur").key == "noto-nastaliq-urdu"
    para = ShapedParagraph("ہمارا دفتر", LayoutStyle("ur", 12))
    _, height = para.wrap(300, 1000)
    assert height >= 12 * 2.4  # Nastaliq ascent + descent is 2.5 em


def test_urdu_falls_back_to_naskh_without_nastaliq(monkeypatch, tmp_path):
    from mrc.sheets.layout import fonts

    monkeypatch.setattr(fonts, "NASTALIQ_PATH", tmp_path / "missing.ttf")
    assert main_face("ur").key == "amiri"
    path = build_pdf(tmp_path / "naskh.pdf", [ShapedParagraph(URDU, LayoutStyle("ur", 14))])
    assert norm(pdftotext(path)) == norm(URDU)


# -- flowable and PDF ------------------------------------------------------------------------

URDU = "ہمارا دفتر (پیر تا جمعہ) صبح نو بجے سے شام پانچ بجے تک کھلا رہتا ہے۔"
BENGALI = "আমাদের অফিস সোমবার থেকে শুক্রবার খোলা থাকে। লক্ষ্য: Migrant Resource Centre সবার জন্য।"
URDU_PHONE = f"مزید معلومات کے لیے {ltr(PHONE)} پر فون کریں۔"
# Nastaliq gives ح in تحریری and ج in ہجرت a negative advance: pdftotext once split them
# ("ت ح ریری") when their text spans had boxes of negative width.
URDU_NEGATIVE_ADVANCE = "معاہدہ تحریری شکل میں لیں۔ غیر قانونی ہجرت خطرناک ہے۔"


def build_pdf(path, story, pagesize=A4):
    SimpleDocTemplate(str(path), pagesize=pagesize).build(story)
    return path


def pdftotext(path) -> str:
    tool = shutil.which("pdftotext")
    if not tool:
        pytest.skip("pdftotext missing: apt-get install -y poppler-utils")
    out = subprocess.run([tool, str(path), "-"], check=True, capture_output=True,  # noqa: S603
                         text=True).stdout
    return BIDI_MARKS.sub("", out)


def norm(s: str) -> str:
    return " ".join(BIDI_MARKS.sub("", s).split())


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "layout.pdf"
    return build_pdf(path, [
        ShapedParagraph(URDU, LayoutStyle("ur", 14, space_after=12)),
        ShapedParagraph(BENGALI, LayoutStyle("bn", 12, space_after=12)),
        ShapedParagraph(URDU_PHONE, LayoutStyle("ur", 14, align="center", space_after=12)),
        ShapedParagraph(URDU_NEGATIVE_ADVANCE, LayoutStyle("ur", 10.5, space_after=12)),
        # on its own page: poppler's column detection would cut page 1's centred line in blocks
        PageBreak(),
        Table([[ShapedParagraph(URDU, LayoutStyle("ur", 11)),
                ShapedParagraph(BENGALI, LayoutStyle("bn", 11))]], colWidths=[200, 200]),
    ])


def test_pdftotext_returns_logical_text(sample_pdf):
    text = pdftotext(sample_pdf)
    pages = text.split("\f")
    body = norm(pages[0])
    assert norm(URDU) in body
    assert norm(BENGALI) in body
    # poppler moves the spaces around a left-to-right island; the characters are in order
    squeezed = re.sub(r"\s+", "", body)
    assert re.sub(r"\s+", "", BIDI_MARKS.sub("", URDU_PHONE)) in squeezed
    assert norm(URDU_NEGATIVE_ADVANCE) in body
    # the same paragraphs wrapped in two table cells
    cells = norm(pages[1])
    assert norm(URDU) in cells
    assert norm(BENGALI) in cells


def test_fonts_are_embedded_and_subset(sample_pdf):
    tool = shutil.which("pdffonts")
    if not tool:
        pytest.skip("pdffonts missing: apt-get install -y poppler-utils")
    out = subprocess.run([tool, str(sample_pdf)], check=True, capture_output=True,  # noqa: S603
                         text=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    ours = {r[0].split("+", 1)[1]: r for r in rows if "+" in r[0]}
    expected = {"HindSiliguri-Regular", main_face("ur").ttf.face.name.decode().split("+")[-1]}
    assert expected <= set(ours), out
    for name in expected:
        emb, sub = ours[name][-5], ours[name][-4]
        assert (emb, sub) == ("yes", "yes"), out


def test_long_paragraph_splits_across_pages(tmp_path):
    text = " ".join([URDU] * 12)
    path = build_pdf(tmp_path / "long.pdf", [ShapedParagraph(text, LayoutStyle("ur", 14))],
                     pagesize=A6)
    out = pdftotext(path)
    assert out.count("\f") >= 2  # more than one page
    assert norm(out) == norm(text)


def test_split_keeps_every_line():
    text = " ".join([BENGALI] * 6)
    para = ShapedParagraph(text, LayoutStyle("bn", 12))
    _, height = para.wrap(200, 10_000)
    total = len(para.lines(200))
    first, rest = para.split(200, height / 2)
    first.wrap(200, height / 2)
    rest.wrap(200, 10_000)
    assert len(first.lines(200)) + len(rest.lines(200)) == total
    assert first.lines(200)[-1].end == rest.lines(200)[0].start


def test_concurrent_builds(tmp_path):
    errors = []

    def build(i):
        try:
            build_pdf(tmp_path / f"t{i}.pdf", [ShapedParagraph(URDU_PHONE, LayoutStyle("ur")),
                                               ShapedParagraph(BENGALI, LayoutStyle("bn"))])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    if shutil.which("pdftotext"):
        for i in range(4):
            assert norm(BENGALI) in norm(pdftotext(tmp_path / f"t{i}.pdf"))
