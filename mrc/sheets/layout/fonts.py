"""Fonts for printed sheets: one TrueType face loaded once for HarfBuzz and ReportLab.

Every face is a glyf-based .ttf (ReportLab cannot embed CFF). Variable Noto fonts draw their
default instance, which is what HarfBuzz measures too (no variation coordinates are set).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import uharfbuzz as hb
from reportlab import rl_config
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# ReportLab's font registry and the Private Use code points given to unmapped glyphs are
# process-global: every layout and drawing call holds this lock.
RENDER_LOCK = threading.RLock()

NASTALIQ_PATH = Path("/usr/share/fonts/truetype/noto/NotoNastaliqUrdu-Regular.ttf")

_PUA_FIRST, _PUA_LAST = 0xE000, 0xF8FF

# Font subsets remembered (all faces together), each the TrueType file ReportLab embeds for up
# to 256 code points, kept as built and as compressed: about 60 kB for one of Noto Nastaliq
# Urdu and 20 kB for the other faces, so at most 4 MB. A subset depends on the order in which
# a document first uses its glyphs: the 42 seeded sheets (6 topics, 7 languages) make 52.
SUBSET_CACHE_SIZE = 64


@lru_cache(maxsize=SUBSET_CACHE_SIZE)
def _built_subset(face: FontFace, codes: tuple[int, ...]) -> bytes:
    return face.make_subset(list(codes))


@lru_cache(maxsize=SUBSET_CACHE_SIZE)
def _compressed(data: bytes) -> bytes:
    return zlib.compress(data)


class _RememberedFlate:
    """ReportLab's Flate stream filter for font files, remembering what it compressed (a font
    subset is the same bytes object every time it comes from the subset cache)."""

    pdfname = "FlateDecode"

    @staticmethod
    def encode(data: bytes) -> bytes:
        return _compressed(data)

    @staticmethod
    def decode(encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


class _FormattedWidths(pdfdoc.PDFObject):
    """A font subset's /Widths array, formatted once: ReportLab formats its up to 256 numbers
    one by one for every PDF (in Python: its C accelerator is not installed), which made up
    most of what writing an Urdu sheet's two Nastaliq subsets costs."""

    def __init__(self, formatted: bytes):
        self.formatted = formatted

    def format(self, document) -> bytes:
        return self.formatted


@lru_cache(maxsize=SUBSET_CACHE_SIZE)
def _formatted_widths(widths: tuple[int, ...], multiline: bool) -> _FormattedWidths:
    # numbers format the same in every document; the line breaks follow rl_config.pdfMultiLine
    return _FormattedWidths(pdfdoc.PDFArray(widths).format(None))


def clear_subset_caches() -> None:
    _built_subset.cache_clear()
    _compressed.cache_clear()
    _formatted_widths.cache_clear()


def _package_font(package: str, filename: str) -> Path:
    return Path(str(resources.files(package).joinpath("files", filename)))


@dataclass(eq=False)
class FontFace:
    """A font usable both for shaping (HarfBuzz) and drawing (ReportLab TrueType subsets)."""

    key: str
    path: Path
    ttf: TTFont = field(init=False, repr=False)
    hb_font: hb.Font = field(init=False, repr=False)
    upem: int = field(init=False)
    ascent: float = field(init=False)  # per 1 pt of font size, positive
    descent: float = field(init=False)  # per 1 pt of font size, positive (below baseline)
    coverage: frozenset[int] = field(init=False, repr=False)
    make_subset: Callable[[list[int]], bytes] = field(init=False, repr=False)  # ReportLab's
    _gid_codes: dict[int, int] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.ttf = TTFont(f"MRCLayout-{self.key}", str(self.path))
        pdfmetrics.registerFont(self.ttf)
        face = hb.Face(hb.Blob.from_file_path(str(self.path)))
        self.hb_font = hb.Font(face)
        self.upem = face.upem
        ext = self.hb_font.get_font_extents("ltr")
        self.ascent = ext.ascender / self.upem
        self.descent = -ext.descender / self.upem
        self.coverage = frozenset(self.ttf.face.charToGlyph)
        self._remember_subsets()

    def _remember_subsets(self) -> None:
        """ReportLab builds, compresses and describes every font subset anew for every PDF,
        the largest part of writing an Urdu sheet (Nastaliq's glyphs fill two subsets). The
        same code points give the same subset, as a code point's glyph never changes once
        assigned (code_for_glyph only adds Private Use code points): remember the subset's
        font file as built and as compressed, and its /Widths array as formatted, for the
        faces of this module only."""
        ttf_face = self.ttf.face
        self.make_subset = ttf_face.makeSubset
        ttf_face.makeSubset = lambda subset: _built_subset(self, tuple(subset))
        add_subset_objects = ttf_face.addSubsetObjects

        def add_subset_with_remembered_flate(doc, fontname, subset):
            descriptor = add_subset_objects(doc, fontname, subset)
            # the font file stream, under the name ReportLab's addSubsetObjects gives it
            font_file = doc.idToObject[f"fontFile:{ttf_face.filename}({fontname})"]
            font_file.filters = [_RememberedFlate]
            return descriptor

        ttf_face.addSubsetObjects = add_subset_with_remembered_flate
        add_objects = self.ttf.addObjects

        def add_objects_with_remembered_widths(doc):
            add_objects(doc)
            # the subsets' font dictionaries ReportLab's addObjects has just added
            for pdf_font in doc.idToObject["BasicFonts"].dict.values():
                widths = getattr(pdf_font, "Widths", None)
                if isinstance(widths, pdfdoc.PDFArray):
                    pdf_font.Widths = _formatted_widths(tuple(widths.sequence),
                                                        bool(rl_config.pdfMultiLine))

        self.ttf.addObjects = add_objects_with_remembered_widths

    def covers(self, ch: str) -> bool:
        return ord(ch) in self.coverage

    def code_for_glyph(self, gid: int, advance_units: int) -> int:
        """A code point that ReportLab's subsetter maps to glyph ``gid``.

        Glyphs with a cmap entry use their (lowest) code point; contextual forms and ligatures
        get a Private Use code point, as ReportLab's own ``TTFont.__addPrivate`` does. Call with
        RENDER_LOCK held (this mutates the shared font face).
        """
        code = self._gid_codes.get(gid)
        if code is not None:
            return code
        if gid == 0:
            code = 0  # ReportLab writes byte 0 (.notdef) for unmapped code points
        else:
            face = self.ttf.face
            codes = [c for c in face.glyphToChar.get(gid, ()) if c != 0xA0]
            if codes:
                code = min(codes)
            else:
                code = _PUA_FIRST
                while code in face.charToGlyph:
                    code += 1
                if code > _PUA_LAST:
                    raise RuntimeError(f"no Private Use code point left in {self.key}")
                face.charToGlyph[code] = gid
                face.glyphToChar.setdefault(gid, []).append(code)
                face.charWidths[code] = round(advance_units * 1000 / self.upem)
        self._gid_codes[gid] = code
        return code


# Keys of the faces this module knows about.
LATIN = "noto-sans"
ARABIC = "noto-sans-arabic"
NASKH = "amiri"
NASTALIQ = "noto-nastaliq-urdu"
BENGALI = "hind-siliguri"


def _font_paths() -> dict[str, Path]:
    paths = {
        LATIN: _package_font("fontpkg_noto_sans", "NotoSans[wdth,wght].ttf"),
        ARABIC: _package_font("fontpkg_noto_sans_arabic", "NotoSansArabic[wdth,wght].ttf"),
        NASKH: _package_font("fontpkg_amiri", "Amiri-Regular.ttf"),
        BENGALI: _package_font("fontpkg_hind_siliguri", "HindSiliguri-Regular.ttf"),
    }
    if NASTALIQ_PATH.is_file():
        paths[NASTALIQ] = NASTALIQ_PATH
    return paths


@cache
def get_face(key: str) -> FontFace:
    with RENDER_LOCK:
        return FontFace(key, _font_paths()[key])


def has_nastaliq() -> bool:
    return _font_file_exists(NASTALIQ_PATH)


@cache
def _font_file_exists(path: Path) -> bool:
    """Looked up once per process (fonts are installed before the service starts): every
    paragraph asks which font Urdu uses."""
    return path.is_file()


# ISO 15924 script of each supported language, and its main font.
LANG_SCRIPT = {"en": "Latn", "ur": "Arab", "ar": "Arab", "fa": "Arab", "ps": "Arab",
               "ckb": "Arab", "bn": "Beng"}
RTL_LANGS = frozenset({"ur", "ar", "fa", "ps", "ckb"})
# Language given to HarfBuzz for text in a script that is not the paragraph's own.
SCRIPT_LANG = {"Latn": "en", "Arab": "ar", "Beng": "bn"}


def lang_key(lang: str) -> str:
    return (lang or "en").replace("_", "-").split("-")[0].lower()


def main_face(lang: str) -> FontFace:
    """The main font of a language: Nastaliq for Urdu (Naskh when absent), Noto Sans Arabic for
    the other Arabic-script languages, Hind Siliguri for Bengali, Noto Sans otherwise."""
    lang = lang_key(lang)
    if lang == "ur":
        return get_face(NASTALIQ if has_nastaliq() else NASKH)
    script = LANG_SCRIPT.get(lang, "Latn")
    return script_face(script)


def script_face(script: str) -> FontFace:
    return get_face({"Arab": ARABIC, "Beng": BENGALI}.get(script, LATIN))


def fallback_faces() -> list[FontFace]:
    return [get_face(LATIN), get_face(ARABIC), get_face(BENGALI), get_face(NASKH)]
