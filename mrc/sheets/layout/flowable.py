"""``ShapedParagraph``: a ReportLab Flowable that draws laid-out lines glyph by glyph.

Glyphs are written by glyph id through ReportLab's TrueType subsetting (unmapped glyphs get a
Private Use code point), each placed with its own move (``Td``) so HarfBuzz's x/y offsets are
exact.
Every run is wrapped in ``/Span <</ActualText …>> BDC … EMC`` so text extraction returns the
logical text; right-to-left runs get one span per shaping cluster, which poppler (pdftotext)
also returns in logical order.
"""

from __future__ import annotations

import itertools
import sys
import weakref
from dataclasses import dataclass, replace

from reportlab.lib.colors import Color, black
from reportlab.platypus import Flowable

from .engine import LINES_CACHE_SIZE, Analysis, Line, Run, analyse, break_lines
from .fonts import RENDER_LOCK, RTL_LANGS, FontFace, lang_key


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


# Narrowest box (in ems) that text extraction gets for a span of ActualText.
MIN_SPAN_WIDTH = 0.05


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
        size = style.font_size
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
                out.append(f"1 0 0 1 {_fmt(x)} {_fmt(baseline)} Tm")
                _write_line(out, doc, line, text, size)
            canv.saveState()
            canv.setFillColor(style.text_color)
            canv.addLiteral("BT\n" + "\n".join(out) + "\nET")
            canv.restoreState()


# What a line writes into the content stream, apart from the font subsets and bytes, which
# ReportLab assigns per document in the order glyphs are first used: (glyph, operator) pairs,
# glyph None for an operator written as it is (a span's BDC or EMC), else the (face, code
# point) of a glyph to show after the operator (a move; code 32 is the space). Moves are
# relative (Td) to the previous glyph's origin, starting from the line's origin, so the same
# operators serve wherever the line is drawn. Remembered as long as the line itself (lines are
# cached by the engine and immutable; a line belongs to one paragraph, of one text and size),
# so bounded by LINES_CACHE_SIZE: about 7 kB per line of sheet text.
_Glyph = tuple[FontFace, int]
_Op = tuple[_Glyph | None, str]
# One (face, code point) tuple per glyph, shared by every line that shows it (as many as the
# fonts have glyphs, so bounded by them).
_glyph_keys: dict[_Glyph, _Glyph] = {}


def _mpt(v: float) -> int:
    """A position in thousandths of a point (the precision written to the PDF)."""
    return round(v * 1000)


def _fmt_mpt(v: int) -> str:
    whole, frac = divmod(abs(v), 1000)
    sign = "-" if v < 0 else ""
    return f"{sign}{whole}.{frac:03d}".rstrip("0") if frac else f"{sign}{whole}"


_remembered_ops: weakref.WeakKeyDictionary[Line, tuple[_Op, ...]] = weakref.WeakKeyDictionary()


def _ops_of(line: Line, text: str, size: float) -> tuple[_Op, ...]:
    """The operators of ``line`` (of the paragraph ``text`` at ``size``), remembered. Call with
    RENDER_LOCK held (glyphs without a code point get one)."""
    ops = _remembered_ops.get(line)
    if ops is None:
        ops = _remembered_ops[line] = _line_ops(line, text, size)
    return ops


def _line_ops(line: Line, text: str, size: float) -> tuple[_Op, ...]:
    ops: list[_Op] = []
    pen_x = 0.0  # where the next glyph goes, points from the line's origin
    at = (0, 0)  # the current text position, thousandths of a point from the line's origin

    def show(face: FontFace, code: int, x: float, y: float) -> None:
        nonlocal at
        to = (_mpt(x), _mpt(y))
        step = "" if to == at else f"{_fmt_mpt(to[0] - at[0])} {_fmt_mpt(to[1] - at[1])} Td "
        at = to
        ops.append((_glyph_keys.setdefault((face, code), (face, code)), sys.intern(step)))

    for run in line.runs:
        face = run.face
        space_w = face.ttf.face.getCharWidth(32) * size / 1000
        # Text extraction (poppler) gives a span the box from its first glyph's origin to its
        # last glyph's origin plus advance. Where kerning, x/y offsets (Nastaliq's cascade) or
        # marks would make that box wrong, an invisible space (the space glyph has no outline)
        # on the baseline marks the span's true start or end. The boxes follow each other from
        # left to right, each at least MIN_SPAN_WIDTH wide: Nastaliq gives some letters a
        # negative advance (ح in تحریری), and a box of zero or negative width is put out of
        # order by poppler ("ت ح ریری").
        box_end = pen_x
        space_gid = face.ttf.face.charToGlyph.get(32)
        for glyphs, actual in _spans(run, text):
            codes = [face.code_for_glyph(g.gid, g.units_advance) for g in glyphs]
            if actual == " " and len(glyphs) == 1 and glyphs[0].gid == space_gid:
                # a space says what it is (ToUnicode) and needs no span; poppler finds the
                # gap between words from the boxes either side anyway
                g = glyphs[0]
                show(face, codes[0], pen_x + g.x_offset, g.y_offset)
                pen_x += g.x_advance
                box_end = pen_x
                continue
            ops.append((None, sys.intern(f"/Span<</ActualText{_actual_text(actual)}>>BDC")))
            box_start = max(pen_x, box_end)
            first = glyphs[0]
            if _mpt(pen_x + first.x_offset) != _mpt(box_start) or _mpt(first.y_offset) != 0:
                show(face, 32, box_start, 0)
            last_x = 0.0
            for g, code in zip(glyphs, codes, strict=True):
                last_x = pen_x + g.x_offset
                show(face, code, last_x, g.y_offset)
                pen_x += g.x_advance
            box_end = max(pen_x, box_start + MIN_SPAN_WIDTH * size)
            last = glyphs[-1]
            drawn_width = face.ttf.face.getCharWidth(codes[-1]) * size / 1000
            if _mpt(last_x + drawn_width) != _mpt(box_end) or _mpt(last.y_offset) != 0:
                show(face, 32, box_end - space_w, 0)
            ops.append((None, "EMC"))
    return tuple(ops)


def clear_caches() -> None:
    _remembered_ops.clear()
    _remembered_writing.clear()
    _state_after.clear()


def _spans(run: Run, text: str) -> list[tuple[tuple, str]]:
    """The glyphs and logical text of each ActualText span of ``run``: the whole run left to
    right, one span per shaping cluster right to left (poppler re-reverses a span's text on a
    right-to-left line)."""
    if not run.rtl:
        return [(run.glyphs, text[run.start:run.end])]
    # glyphs of a cluster are contiguous in HarfBuzz output
    starts = sorted({g.cluster for g in run.glyphs} | {run.end})
    next_start = dict(zip(starts, starts[1:], strict=False))
    groups: list[list] = []
    for g in run.glyphs:
        if groups and groups[-1][0].cluster == g.cluster:
            groups[-1].append(g)
        else:
            groups.append([g])
    return [(tuple(grp), text[grp[0].cluster:next_start[grp[0].cluster]]) for grp in groups]


# How far a document's glyph encoding has come: ReportLab gives each glyph its subset and byte
# in the order the document first uses it, so the glyphs a document has used, in their order,
# decide every line's bytes. A state is a number, 0 for a new document; the state after a line
# that used new glyphs is the number of (state before, the new glyphs with their encoding).
# Printing the same sheet again goes through the same states, and each line's writing at a
# state is remembered: Urdu's Nastaliq lines are thousands of glyphs per sheet, each looked up
# and written one by one otherwise. Numbers are never reused, so clearing forgets, never mixes.
_STATE = "_mrc_layout_state"
_GLYPHS = "_mrc_layout_glyphs"
_Encoding = tuple[tuple[_Glyph, tuple[str, str]], ...]  # glyph -> (PDF font name, shows it)
_state_after: dict[tuple[int, _Encoding], int] = {}
_state_numbers = itertools.count(1)
# A line's writing at the states it was drawn at (a few: the same sheet for several centres).
WRITINGS_PER_LINE = 8
# As many states as the remembered writings can lead to (lines are remembered by the engine's
# LINES_CACHE_SIZE): beyond, all are forgotten at once.
STATES_REMEMBERED = WRITINGS_PER_LINE * LINES_CACHE_SIZE


# What a line's new glyphs asked of ReportLab, per font: the code points, and the subsets and
# bytes and PDF font names it answered.
_Request = tuple[FontFace, str, tuple[tuple[int, bytes], ...], tuple[str, ...]]


@dataclass(frozen=True)
class _Writing:
    text: str  # the line's operators, ready for the content stream
    new: _Encoding  # the glyphs the line used first, with their encoding
    requests: tuple[_Request, ...]  # how they were encoded
    after: int  # the document's state after the line


_remembered_writing: weakref.WeakKeyDictionary[Line, dict[int, _Writing]] = (
    weakref.WeakKeyDictionary())


def _write_line(out: list[str], doc, line: Line, text: str, size: float) -> None:
    """Append ``line``'s operators to ``out``, remembered per document state. Call with
    RENDER_LOCK held."""
    state = doc.__dict__.get(_STATE, 0)
    writings = _remembered_writing.get(line) if state is not None else None
    writing = writings.get(state) if writings else None
    if writing is not None:
        # ReportLab must still learn the line's new glyphs for this document, and answers as
        # it did before. It answers otherwise only if something else used our fonts in this
        # document: its state then says nothing, and nothing is remembered.
        if all(_ask(doc, face, codes) == (split, names)
               for face, codes, split, names in writing.requests):
            doc.__dict__.setdefault(_GLYPHS, {}).update(writing.new)
            out.append(writing.text)
            doc.__dict__[_STATE] = writing.after
            return
        doc.__dict__[_STATE] = state = None
    ops = _ops_of(line, text, size)
    encoded = doc.__dict__.get(_GLYPHS, {})
    new, requests = _encode_new_glyphs(dict.fromkeys(
        glyph for glyph, _op in ops if glyph is not None and glyph not in encoded), doc)
    parts: list[str] = []
    _write_ops(parts, doc, ops, size)
    out.extend(parts)
    if state is None:
        return
    after = state
    if new:
        if len(_state_after) >= STATES_REMEMBERED:
            _state_after.clear()
        after = _state_after.setdefault((state, new), next(_state_numbers))
    if writings is None:
        writings = _remembered_writing[line] = {}
    elif len(writings) >= WRITINGS_PER_LINE:
        writings.clear()
    writings[state] = _Writing("\n".join(parts), new, requests, after)
    doc.__dict__[_STATE] = after


def _write_ops(out: list[str], doc, ops: tuple[_Op, ...], size: float) -> None:
    """Append a line's operators to ``out`` with the font subsets and bytes of ``doc`` (every
    glyph of the line encoded already)."""
    encoded = doc.__dict__[_GLYPHS]
    size_s = _fmt(size)
    current_font = None
    write = out.append
    for glyph, op in ops:
        if glyph is None:
            write(op)
            continue
        font_name, show = encoded[glyph]
        if font_name != current_font:
            write(f"{font_name} {size_s} Tf")
            current_font = font_name
        write(op + show)


def _ask(doc, face: FontFace, codes: str) -> tuple[tuple[tuple[int, bytes], ...], tuple[str, ...]]:
    """ReportLab's subsets and bytes for ``codes`` of ``face`` in ``doc`` (assigned on first
    use), and the PDF font names of those subsets."""
    split = tuple(face.ttf.splitString(codes, doc))
    return split, tuple(face.ttf.getSubsetInternalName(subset, doc) for subset, _data in split)


def _encode_new_glyphs(glyphs, doc) -> tuple[_Encoding, tuple[_Request, ...]]:
    """Have ``doc`` encode ``glyphs`` (used by a line, new to the document, in order of first
    use): the PDF font name of their subset and the operator that shows each; and what was
    asked of ReportLab. ReportLab assigns subsets and bytes per document, in the order of first
    use: one ``splitString`` per font for the line."""
    encoded = doc.__dict__.setdefault(_GLYPHS, {})
    new: dict[FontFace, list[_Glyph]] = {}  # face -> its new glyphs, in order of use
    for glyph in glyphs:
        new.setdefault(glyph[0], []).append(glyph)
    result, requests = [], []
    for face, face_glyphs in new.items():
        keys = iter(face_glyphs)
        codes = "".join(chr(code) for _face, code in face_glyphs)
        split, names = _ask(doc, face, codes)
        requests.append((face, codes, split, names))
        for (_subset, data), font_name in zip(split, names, strict=True):
            for byte in data:
                glyph = next(keys)
                encoded[glyph] = found = (font_name, f"<{byte:02x}> Tj")
                result.append((glyph, found))
    return tuple(result), tuple(requests)
