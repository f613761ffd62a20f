"""Paragraph layout: bidi levels, itemisation, HarfBuzz shaping, line breaking, visual order.

Like a browser: UAX #9 levels for the whole paragraph (ICU, isolates honoured), runs split by
level, script and font, UAX #14 break opportunities (ICU line BreakIterator), greedy filling on
HarfBuzz-measured advances, and per line: trailing spaces dropped, runs reordered (UAX #9 L2)
and each run shaped on its own with explicit direction, script and language.

ICU works in UTF-16 code units; everything here is indexed by code point.

A paragraph's analysis and its lines for a width are remembered (bounded LRU caches, see
ANALYSIS_CACHE_SIZE and LINES_CACHE_SIZE): the same sheet texts are printed again and again, and
shaping dominates the time of a build. Everything cached is immutable (frozen dataclasses,
tuples, read-only mappings), so no caller can change what another build gets.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import NamedTuple

import icu
import uharfbuzz as hb

from mrc.i18n import ltr, rtl  # noqa: F401  (re-exported by the package)

from .fonts import (
    LANG_SCRIPT,
    RENDER_LOCK,
    RTL_LANGS,
    SCRIPT_LANG,
    FontFace,
    fallback_faces,
    lang_key,
    main_face,
    script_face,
)

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"

# Explicit bidi formatting characters: they steer the algorithm but are not drawn.
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
HARD_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")
# Characters dropped at the end of a line (UAX #9 L1 whitespace that a browser hangs).
TRAILING = frozenset(" \t\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a"
                     "\u205f\u3000") | BIDI_CONTROLS | HARD_BREAKS

# Bounds of the layout caches (paragraphs, least recently used dropped first). Measured on the
# six seeded sheets in all seven languages (880 paragraphs): a paragraph takes about 7 kB as an
# analysis, 15 kB as lines and 8 kB as its lines' drawing operators (layout.flowable, kept as
# long as the lines), so about 30 MB per process when the caches are full.
ANALYSIS_CACHE_SIZE = 1024
LINES_CACHE_SIZE = 1024


def _utf16_index(text: str) -> list[int]:
    """UTF-16 offset of every code point (plus one past the end)."""
    out, pos = [], 0
    for ch in text:
        out.append(pos)
        pos += 2 if ord(ch) > 0xFFFF else 1
    out.append(pos)
    return out


def _script(ch: str) -> str:
    name = icu.Script.getScript(ch).getShortName()
    return "" if name in ("Zyyy", "Zinh", "Zzzz") else name


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, a key of the lines cache
class Analysis:
    """Everything about a paragraph that does not depend on the line width."""

    text: str
    lang: str
    size: float
    para_level: int
    levels: tuple[int, ...]
    faces: tuple[FontFace | None, ...]  # None: not drawn (bidi controls, hard breaks)
    scripts: tuple[str, ...]
    langs: tuple[str, ...]
    breaks: MappingProxyType[int, bool]  # break opportunity before index -> mandatory
    widths: tuple[float, ...]  # logical advance per code point, points


class Glyph(NamedTuple):
    gid: int
    cluster: int  # code point index in the paragraph text
    x_advance: float  # points
    x_offset: float
    y_offset: float
    units_advance: int


@dataclass(frozen=True)
class Run:
    start: int
    end: int
    level: int
    face: FontFace
    script: str
    lang: str
    glyphs: tuple[Glyph, ...] = ()

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1

    @cached_property  # computed once: runs are immutable (a frozen dataclass has a __dict__)
    def width(self) -> float:
        return sum(g.x_advance for g in self.glyphs)


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, a key of the drawing cache
class Line:
    start: int
    end: int  # exclusive: where the next line starts
    content_end: int  # end without the trailing spaces dropped at the line end
    runs: tuple[Run, ...]  # visual order, left to right
    ascent: float
    descent: float

    @cached_property  # computed once: lines are immutable
    def width(self) -> float:
        return sum(r.width for r in self.runs)

    def visual_text(self, text: str) -> str:
        """The line's characters in visual (left-to-right) order, without bidi controls."""
        parts = []
        for run in self.runs:
            s = text[run.start:run.end]
            parts.append(s[::-1] if run.rtl else s)
        return "".join(parts)


def _shape(face: FontFace, text: str, start: int, end: int, right_to_left: bool, script: str,
           lang: str, size: float) -> tuple[Glyph, ...]:
    buf = hb.Buffer()
    buf.add_codepoints([ord(c) for c in text[start:end]])
    buf.direction = "rtl" if right_to_left else "ltr"
    buf.script = script or "Zyyy"
    buf.language = lang
    hb.shape(face.hb_font, buf)
    scale = size / face.upem
    return tuple(
        Glyph(info.codepoint, start + info.cluster, pos.x_advance * scale, pos.x_offset * scale,
              pos.y_offset * scale, pos.x_advance)
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True)
    )


def _choose_faces(text: str, lang: str) -> tuple[list[FontFace | None], list[str], list[str]]:
    """Font, script and HarfBuzz language per code point (a browser's font matching)."""
    n = len(text)
    lang_script = LANG_SCRIPT.get(lang, "Latn")
    main = main_face(lang)
    raw = [_script(c) for c in text]
    # Common/inherited characters take the script of the preceding (else following) letters.
    scripts = list(raw)
    last = ""
    for i, s in enumerate(raw):
        if s:
            last = s
        else:
            scripts[i] = last
    nxt = lang_script
    for i in range(n - 1, -1, -1):
        if raw[i]:
            nxt = raw[i]
        elif not scripts[i]:
            scripts[i] = nxt

    def strong_face(ch: str, script: str) -> FontFace:
        preferred = main if script == lang_script else script_face(script)
        if preferred.covers(ch):
            return preferred
        for f in fallback_faces():
            if f.covers(ch):
                return f
        return preferred

    faces: list[FontFace | None] = [None] * n
    for i, ch in enumerate(text):
        if ch in BIDI_CONTROLS or ch in HARD_BREAKS:
            continue
        if raw[i]:
            faces[i] = strong_face(ch, raw[i])
    # Neutrals (spaces, punctuation, digits, marks) take a neighbour's font when it covers them.
    for i, ch in enumerate(text):
        if faces[i] is not None or ch in BIDI_CONTROLS or ch in HARD_BREAKS:
            continue
        candidates = []
        j = i - 1
        while j >= 0 and faces[j] is None and (text[j] in BIDI_CONTROLS):
            j -= 1
        if j >= 0 and faces[j] is not None:
            candidates.append(faces[j])
        if unicodedata.category(ch) not in ("Mn", "Me", "Mc"):
            k = i + 1
            while k < n and faces[k] is None:
                if text[k] in HARD_BREAKS:
                    break
                k += 1
            if k < n and faces[k] is not None:
                candidates.append(faces[k])
        candidates.append(main if scripts[i] == lang_script else script_face(scripts[i]))
        faces[i] = next((f for f in candidates if f.covers(ch)), None) or strong_face(
            ch, scripts[i])
    langs = [lang if s == lang_script else SCRIPT_LANG.get(s, "en") for s in scripts]
    return faces, scripts, langs


def analyse(text: str, lang: str, size: float, base_rtl: bool | None = None) -> Analysis:
    """Bidi levels, fonts, break opportunities and logical advances of one paragraph."""
    lang = lang_key(lang)
    if base_rtl is None:
        base_rtl = lang in RTL_LANGS
    # the main font is part of the key: Urdu falls back to Naskh when Nastaliq is missing
    return _analyse(text, lang, float(size), base_rtl, main_face(lang))


@lru_cache(maxsize=ANALYSIS_CACHE_SIZE)
def _analyse(text: str, lang: str, size: float, base_rtl: bool, main: FontFace) -> Analysis:
    para_level = 1 if base_rtl else 0
    u16 = _utf16_index(text)
    with RENDER_LOCK:
        if text:
            bidi = icu.Bidi()
            bidi.setPara(icu.UnicodeString(text), para_level)
            levels16 = bidi.getLevels()
            levels = [levels16[u16[i]] for i in range(len(text))]
        else:
            levels = []
        inverse = {pos: i for i, pos in enumerate(u16)}
        breaks: dict[int, bool] = {}
        it = icu.BreakIterator.createLineInstance(icu.Locale(lang))
        it.setText(icu.UnicodeString(text))
        for pos16 in it:
            i = inverse.get(pos16)
            if i is None or i == 0 or i >= len(text):
                continue
            breaks[i] = text[i - 1] in HARD_BREAKS
        # An isolated item (ltr()/rtl(): a phone number, an ID, a URL) is kept on one line
        # like CSS nowrap; a too-long one still breaks between clusters (_emergency_break).
        depth = 0
        for i, ch in enumerate(text):
            if depth > 0:
                breaks.pop(i, None)
            if ch in (LRI, RLI, FSI):
                depth += 1
            elif ch == PDI and depth:
                depth -= 1
        faces, scripts, langs = _choose_faces(text, lang)
        widths = [0.0] * len(text)
        for run in _itemize(faces, levels, scripts, langs, 0, len(text)):
            for g in _shape(run.face, text, run.start, run.end, run.rtl, run.script, run.lang,
                            size):
                widths[g.cluster] += g.x_advance
    return Analysis(text, lang, size, para_level, tuple(levels), tuple(faces), tuple(scripts),
                    tuple(langs), MappingProxyType(breaks), tuple(widths))


def _itemize(faces: Sequence[FontFace | None], levels: Sequence[int], scripts: Sequence[str],
             langs: Sequence[str], start: int, end: int) -> list[Run]:
    """Logical runs (without glyphs) of uniform level, font, script and language; undrawn
    characters split runs."""
    runs: list[Run] = []
    current = None  # (level, face, script, lang) of the run being extended; None: undrawn
    run_start = start
    for i in range(start, end + 1):
        drawn = i < end and faces[i] is not None
        key = (levels[i], faces[i], scripts[i], langs[i]) if drawn else None
        if key != current:
            if current is not None:
                runs.append(Run(run_start, i, *current))
            current, run_start = key, i
    return runs


def _reorder(runs: list[Run], para_level: int) -> list[Run]:
    """UAX #9 L2: reverse sequences of runs at each level from the highest to the lowest odd."""
    if not runs:
        return runs
    runs = list(runs)
    levels = [r.level for r in runs]
    highest = max(levels)
    lowest_odd = min(lv for lv in levels + [para_level]) | 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(runs):
            if runs[i].level >= level:
                j = i
                while j < len(runs) and runs[j].level >= level:
                    j += 1
                runs[i:j] = runs[i:j][::-1]
                i = j
            else:
                i += 1
    return runs


def _trim(a: Analysis, start: int, end: int) -> int:
    while end > start and a.text[end - 1] in TRAILING:
        end -= 1
    return end


def _make_line(a: Analysis, start: int, end: int) -> Line:
    trimmed = _trim(a, start, end)
    runs = [replace(run, glyphs=_shape(run.face, a.text, run.start, run.end, run.rtl, run.script,
                                       run.lang, a.size))
            for run in _itemize(a.faces, a.levels, a.scripts, a.langs, start, trimmed)]
    faces = {r.face for r in runs} or {main_face(a.lang)}
    ascent = max(f.ascent for f in faces) * a.size
    descent = max(f.descent for f in faces) * a.size
    return Line(start, end, trimmed, tuple(_reorder(runs, a.para_level)), ascent, descent)


def break_lines(a: Analysis, width: float, start: int = 0,
                stop: int | None = None) -> tuple[Line, ...]:
    """Greedy line filling at break opportunities; too-long words break between clusters."""
    return _break_lines(a, float(width), start, len(a.text) if stop is None else stop)


@lru_cache(maxsize=LINES_CACHE_SIZE)
def _break_lines(a: Analysis, width: float, start: int, n: int) -> tuple[Line, ...]:
    prefix = [0.0]
    for w in a.widths:
        prefix.append(prefix[-1] + w)
    opportunities = sorted(b for b in a.breaks if b < n) + [n]
    with RENDER_LOCK:
        lines: list[Line] = []
        pos = start
        while pos < n:
            line_end = None
            for b in opportunities[bisect_right(opportunities, pos):]:
                visible = prefix[_trim(a, pos, b)] - prefix[pos]
                if line_end is not None and visible > width + 1e-6:
                    break
                line_end = b
                if a.breaks.get(b):  # mandatory break
                    break
            assert line_end is not None
            if prefix[_trim(a, pos, line_end)] - prefix[pos] > width + 1e-6:
                line_end = _emergency_break(a, pos, line_end, width)
            lines.append(_make_line(a, pos, line_end))
            pos = line_end
        if not lines:
            lines.append(_make_line(a, start, start))
        return tuple(lines)


def _emergency_break(a: Analysis, start: int, end: int, width: float) -> int:
    """Break an over-long word before the first cluster that does not fit (at least one)."""
    filled = 0.0
    for i in range(start, end):
        w = a.widths[i]
        if i > start and w > 0 and filled + w > width:
            # do not separate a base from its combining marks
            while i < end and unicodedata.combining(a.text[i]):
                i += 1
            return i
        filled += w
    return end


def clear_caches() -> None:
    _analyse.cache_clear()
    _break_lines.cache_clear()


def layout(text: str, lang: str, size: float, width: float,
           base_rtl: bool | None = None) -> tuple[Analysis, tuple[Line, ...]]:
    a = analyse(text, lang, size, base_rtl)
    return a, break_lines(a, width)
