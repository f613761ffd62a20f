"""The layout layer's caches: a warm build is the same PDF as a cold one, and does not shape.

A long-running worker prints the same sheets again and again, so paragraph analyses, lines,
line drawings and font subsets are remembered (bounded caches). These tests build a seeded
sheet with every cache empty and again with every cache full, with ReportLab's invariant mode
(fixed creation date and document id), and compare the bytes.
"""

import io
from functools import lru_cache

import pytest
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.platypus import Flowable, SimpleDocTemplate
from sqlalchemy import select

from mrc.extensions import db
from mrc.sheets import render, services
from mrc.sheets.layout import clear_caches, engine, flowable, fonts
from mrc.sheets.models import InfoSheet
from tests.conftest import centre

CENTRE_FOR = {"bn": "DAC", "ar": "EBL", "ckb": "EBL"}


@pytest.fixture
def invariant(monkeypatch):
    monkeypatch.setattr(rl_config, "invariant", 1)


def seeded_job(lang: str) -> list[render.SheetJob]:
    services.seed_sheets()
    sheet = db.session.scalar(
        select(InfoSheet).where(InfoSheet.topic == "working_abroad_legally"))
    return [render.SheetJob(services.latest_version(sheet.id, lang), sheet.topic)]


@pytest.mark.parametrize("lang", ["ur", "ar", "bn", "en"])
def test_warm_build_is_the_same_pdf_as_a_cold_build(app, invariant, monkeypatch, lang):
    job = seeded_job(lang)
    where = centre(CENTRE_FOR.get(lang, "LHR"))
    clear_caches()
    cold = render.render_sheets(where, job)

    shaped = []
    real_shape = engine._shape
    monkeypatch.setattr(engine, "_shape", lambda *a: shaped.append(a) or real_shape(*a))

    drawn = []
    real_line_ops = flowable._line_ops
    monkeypatch.setattr(flowable, "_line_ops", lambda *a: drawn.append(a) or real_line_ops(*a))
    warm = render.render_sheets(where, job)

    assert not shaped  # every paragraph's layout came from the cache
    assert not drawn  # and every line's drawing operators
    assert fonts._built_subset.cache_info().hits > 0
    assert warm == cold


def test_cache_misses_give_the_same_pdf_as_hits(app, invariant, monkeypatch):
    """With caches of one entry (nearly every lookup a miss) the PDF is the same."""
    job = seeded_job("ur")
    where = centre("LHR")
    full = render.render_sheets(where, job)
    for module, name in [(engine, "_analyse"), (engine, "_break_lines"),
                         (fonts, "_built_subset"), (fonts, "_compressed"),
                         (fonts, "_formatted_widths")]:
        monkeypatch.setattr(module, name, lru_cache(maxsize=1)(getattr(module, name).__wrapped__))
    flowable.clear_caches()  # lines come anew, and so their operators
    assert render.render_sheets(where, job) == full


def test_cached_layouts_cannot_be_changed():
    analysis, lines = engine.layout("سفر سے پہلے (پیر تا جمعہ)", "ur", 12, 300)
    with pytest.raises(AttributeError):
        analysis.widths = ()
    with pytest.raises(TypeError):
        analysis.breaks[1] = True
    assert isinstance(lines, tuple) and isinstance(lines[0].runs, tuple)
    assert isinstance(lines[0].runs[0].glyphs, tuple)
    with pytest.raises(AttributeError):
        lines[0].runs[0].glyphs[0].gid = 1
    # the same call gives the very same (immutable) objects back
    again = engine.layout("سفر سے پہلے (پیر تا جمعہ)", "ur", 12, 300)
    assert again[0] is analysis and again[1] is lines


def test_a_sheet_printed_again_after_others_is_the_same_pdf(app, invariant):
    """Lines are written from what they wrote before at the same point of a document: a sheet
    printed after other sheets and centres (other glyphs first used) is still the same PDF."""
    job = seeded_job("ur")
    lahore, islamabad = centre("LHR"), centre("ISB")
    clear_caches()
    first = render.render_sheets(lahore, job)
    other_centre = render.render_sheets(islamabad, job)
    other_language = render.render_sheets(lahore, seeded_job("ar"))
    assert render.render_sheets(lahore, job) == first
    assert render.render_sheets(islamabad, job) == other_centre
    clear_caches()
    assert render.render_sheets(islamabad, job) == other_centre
    assert render.render_sheets(lahore, seeded_job("ar")) == other_language


class _UsesAFontFirst(Flowable):
    """Shows a glyph of the Nastaliq face through ReportLab before any paragraph does, as
    other code drawing with our fonts would: the document's glyph encoding then starts
    elsewhere than the remembered writings assume."""

    def wrap(self, availWidth, availHeight):  # noqa: N803
        return 10, 10

    def draw(self):
        face = fonts.main_face("ur")
        self.canv.setFont(face.ttf.fontName, 10)
        self.canv.drawString(0, 0, "\u0628\u06cc")  # ReportLab's own encoding of two letters


def _paragraphs_pdf(first=None) -> bytes:
    buffer = io.BytesIO()
    story = ([first] if first else []) + [
        flowable.ShapedParagraph(text, flowable.LayoutStyle("ur", 12))
        for text in ("سفر سے پہلے (پیر تا جمعہ)", "فون: \u2066+92 42 1234567\u2069",
                     "بیرون ملک ملازمت کا قانونی راستہ")]
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()


def test_remembered_writing_is_not_used_when_the_document_encoded_glyphs_otherwise(invariant):
    clear_caches()
    _paragraphs_pdf()  # every line's writing remembered from an ordinary document
    warm = _paragraphs_pdf(_UsesAFontFirst())
    clear_caches()
    cold = _paragraphs_pdf(_UsesAFontFirst())
    assert warm == cold
