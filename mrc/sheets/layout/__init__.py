"""Text layout for printed sheets: bidi (UAX #9), line breaking (UAX #14), HarfBuzz shaping.

``ShapedParagraph(text, LayoutStyle(lang=...))`` is a ReportLab Flowable; wrap phone numbers,
IDs and URLs with ``ltr()`` so they keep their order inside right-to-left text.
"""

from . import engine, flowable, fonts
from .engine import Analysis, Line, Run, analyse, break_lines, layout, ltr, rtl
from .flowable import LayoutStyle, ShapedParagraph
from .fonts import RENDER_LOCK, has_nastaliq, main_face


def clear_caches() -> None:
    """Forget every remembered paragraph layout, line drawing and font subset (each cache is
    bounded; this is for tests, or to give the memory back)."""
    with RENDER_LOCK:
        engine.clear_caches()
        flowable.clear_caches()
        fonts.clear_subset_caches()


__all__ = [
    "RENDER_LOCK",
    "Analysis",
    "LayoutStyle",
    "Line",
    "Run",
    "ShapedParagraph",
    "analyse",
    "break_lines",
    "clear_caches",
    "has_nastaliq",
    "layout",
    "ltr",
    "main_face",
    "rtl",
]
