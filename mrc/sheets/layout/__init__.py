"""Text layout for printed sheets: bidi (UAX #9), line breaking (UAX #14), HarfBuzz shaping.

``ShapedParagraph(text, LayoutStyle(lang=...))`` is a ReportLab Flowable; wrap phone numbers,
IDs and URLs with ``ltr()`` so they keep their order inside right-to-left text.
"""

from .engine import Analysis, Line, Run, analyse, break_lines, layout, ltr, rtl
from .flowable import LayoutStyle, ShapedParagraph
from .fonts import RENDER_LOCK, has_nastaliq, main_face

__all__ = [
    "RENDER_LOCK",
    "Analysis",
    "LayoutStyle",
    "Line",
    "Run",
    "ShapedParagraph",
    "analyse",
    "break_lines",
    "has_nastaliq",
    "layout",
    "ltr",
    "main_face",
    "rtl",
]
