"""``ShapedParagraph``: a ReportLab Flowable that draws laid-out lines glyph by glyph.

Glyphs are written by glyph id through ReportLab's TrueType subsetting (unmapped glyphs get a
Private Use code point), each placed with one ``Tm`` so HarfBuzz's x/y offsets are exact.
Every run is wrapped in ``/Span <</ActualText …>> BDC … EMC`` so text extraction returns the
logical text; right-to-left runs get one span per shaping cluster, which poppler (pdftotext)
also returns in logical order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from reportlab.lib.colors import Color, black
from reportlab.platypus import Flowable

from .engine import Analysis, Line, Run, analyse, break_lines
from .fonts import RENDER_LOCK, RTL_LANGS, lang_key


@dataclass(frozen=True)
class LayoutStyle:
    lang: str = "en"
    font_size: float = 11
    leading: float | None = None  # minimum line height; None: 1.25 × font size
    align: str = "start"  # start | end | center (start is the right edge in RTL)
    base_rtl: bool | None = None  # None: from the language
    text_color: Color = black
    space_before: float = 0
    space_after: float = 0

    @property
    def rtl(self) -> bool:
        return self.base_rtl if self.base_rtl is not None else lang_key(self.lang) in RTL_LANGS

    def with_(self, **kw) -> LayoutStyle:
        return replace(self, **kw)


def _actual_text(s: str) -> str:
    data = s.encode("utf-16-be")
    return "<FEFF" + data.hex().upper() + ">"


def _fmt(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".") or "0"


class ShapedParagraph(Flowable):
    """A paragraph of plain text in any of the supported languages, laid out like a browser."""

    def __init__(self, text: str, style: LayoutStyle | None = None, *,
                 _analysis: Analysis | None = None, _start: int = 0, _stop: int | None = None):
        super().__init__()
        self.text = text
        self.style = style or LayoutStyle()
        self._analysis = _analysis
        self._start = _start
        self._stop = _stop
        self._lines: list[Line] = []
        self._width = 0.0
        self.spaceBefore = self.style.space_before
        self.spaceAfter = self.style.space_after

    # -- layout -------------------------------------------------------------------------
    @property
    def analysis(self) -> Analysis:
        if self._analysis is None:
            self._analysis = analyse(self.text, self.style.lang, self.style.font_size,
                                     self.style.base_rtl)
        return self._analysis

    def _line_height(self, line: Line) -> float:
        minimum = self.style.leading or self.style.font_size * 1.25
        return max(minimum, line.ascent + line.descent)

    def lines(self, width: float) -> list[Line]:
        if not self._lines or abs(width - self._width) > 1e-6:
            self._lines = break_lines(self.analysis, width, self._start, self._stop)
            self._width = width
        return self._lines

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        lines = self.lines(availWidth)
        self.width = availWidth
        self.height = sum(self._line_height(ln) for ln in lines)
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        lines = self.lines(availWidth)
        used, k = 0.0, 0
        for ln in lines:
            h = self._line_height(ln)
            if used + h > availHeight + 1e-6:
                break
            used += h
            k += 1
        if k == 0:
            return []
        if k == len(lines):
            return [self]
        first = ShapedParagraph(self.text, self.style.with_(space_after=0),
                                _analysis=self.analysis, _start=self._start,
                                _stop=lines[k].start)
        first._lines, first._width = lines[:k], availWidth
        # the remainder starts after the last kept line (break_lines re-fills it for its frame)
        rest = ShapedParagraph(self.text, self.style.with_(space_before=0),
                               _analysis=self.analysis, _start=lines[k].start,
                               _stop=self._stop)
        return [first, rest]

    # -- drawing ------------------------------------------------------------------------
    def draw(self):
        canv = self.canv
        doc = canv._doc
        style = self.style
        text = self.analysis.text
        out: list[str] = []
        with RENDER_LOCK:
            y = self.height
            for line in self._lines:
                h = self._line_height(line)
                extra = h - (line.ascent + line.descent)
                baseline = y - extra / 2 - line.ascent
                y -= h
                free = self.width - line.width
                if style.align == "center":
                    x = free / 2
                elif (style.align == "end") != style.rtl:
                    x = free
                else:
                    x = 0.0
                for run in line.runs:
                    x = self._draw_run(out, doc, run, text, x, baseline)
            canv.saveState()
            canv.setFillColor(style.text_color)
            canv.addLiteral("BT\n" + "\n".join(out) + "\nET")
            canv.restoreState()

    @staticmethod
    def _encoded(face, glyph, doc) -> tuple[str, str]:
        """(PDF font name of the subset, hex byte) that draw ``glyph`` in ``doc``; remembered
        per document, as ReportLab's subset assignment is."""
        cache = doc.__dict__.setdefault("_mrc_layout_glyphs", {})
        found = cache.get((face.key, glyph.gid))
        if found is None:
            code = face.code_for_glyph(glyph.gid, glyph.units_advance)
            subset, byte = face.ttf.splitString(chr(code), doc)[0]
            found = (face.ttf.getSubsetInternalName(subset, doc), byte.hex())
            cache[(face.key, glyph.gid)] = found
        return found

    def _draw_run(self, out: list[str], doc, run: Run, text: str, x: float,
                  baseline: float) -> float:
        face = run.face
        size = self.style.font_size
        glyphs = run.glyphs
        if run.rtl:
            # one span per cluster: glyphs of a cluster are contiguous in HarfBuzz output
            starts = sorted({g.cluster for g in glyphs} | {run.end})
            next_start = dict(zip(starts, starts[1:], strict=False))
            groups: list[list] = []
            for g in glyphs:
                if groups and groups[-1][0].cluster == g.cluster:
                    groups[-1].append(g)
                else:
                    groups.append([g])
            spans = [(grp, text[grp[0].cluster:next_start[grp[0].cluster]]) for grp in groups]
        else:
            spans = [(glyphs, text[run.start:run.end])]
        # Invisible space glyphs on the baseline at both ends of every span give text
        # extraction (poppler uses the first and last glyph of a span) the span's true box,
        # whatever HarfBuzz's kerning and Nastaliq's vertical offsets did to the glyphs.
        space_sub, space_byte = face.ttf.splitString(" ", doc)[0]
        space_font = face.ttf.getSubsetInternalName(space_sub, doc)
        space_w = face.ttf.face.getCharWidth(32) * size / 1000
        anchor = (f"{space_font} {_fmt(size)} Tf 3 Tr 1 0 0 1 {{}} {_fmt(baseline)} Tm "
                  f"<{space_byte.hex()}> Tj 0 Tr")
        for grp, actual in spans:
            out.append(f"/Span <</ActualText {_actual_text(actual)}>> BDC")
            out.append(anchor.format(_fmt(x)))
            current_font = space_font
            for g in grp:
                font_name, byte = self._encoded(face, g, doc)
                if font_name != current_font:
                    out.append(f"{font_name} {_fmt(size)} Tf")
                    current_font = font_name
                out.append(f"1 0 0 1 {_fmt(x + g.x_offset)} {_fmt(baseline + g.y_offset)} Tm "
                           f"<{byte}> Tj")
                x += g.x_advance
            out.append(anchor.format(_fmt(x - space_w)))
            out.append("EMC")
        return x
