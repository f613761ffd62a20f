"""The layout layer's caches: a warm build is the same PDF as a cold one, and does not shape.

A long-running worker prints the same sheets again and again, so paragraph analyses, lines,
line drawings and font subsets are remembered (bounded caches). These tests build a seeded
sheet with every cache empty and again with every cache full, with ReportLab's invariant mode
(fixed creation date and document id), and compare the bytes.
"""

from functools import lru_cache

import pytest
from reportlab import rl_config
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
