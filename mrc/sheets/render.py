"""The printed information sheet and the referral slip: ReportLab platypus on the layout layer.

One PDF may hold several sheets (one per attendee of a group session); each starts on a new
page and numbers its own pages. The footer ("page X of Y") is drawn once the whole document is
laid out: the canvas keeps every page until ``save`` and then draws each page's footer and,
under the text of a draft, a diagonal DRAFT mark. Everything happens under ``RENDER_LOCK``
(ReportLab's font subsets are shared state).
"""

from __future__ import annotations

import hashlib
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from io import BytesIO
from itertools import groupby
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_day_names
from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab import rl_config
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import FILL_NON_ZERO, PATH_OPS, Canvas
from reportlab.pdfgen.pathobject import PDFPathObject
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from mrc.i18n import LANGUAGES, RIGHT_TO_LEFT, isolate, ltr
from mrc.sheets.layout import RENDER_LOCK, LayoutStyle, ShapedParagraph

PAGE_SIZES = {"A4": A4, "letter": letter}
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 15 * mm, 22 * mm
INK = HexColor("#1a1a1a")
ACCENT = HexColor("#1f4e79")
GREY = HexColor("#666666")
RULE = HexColor("#b0b7bf")
SHADE = HexColor("#e8edf2")
DRAFT_INK = Color(0.93, 0.72, 0.72)
QR_SIZE = 26 * mm
DRAFT_MARK = "DRAFT"


@dataclass
class SheetJob:
    """One sheet to print: a language version of a topic."""

    version: object  # mrc.sheets.models.SheetVersion
    topic: str


@dataclass
class _Printed:
    """What the footer of one sheet's pages needs, prepared in the sheet's language."""

    lang: str
    footer: str
    page_pattern: str  # translated "Page %(page)s of %(pages)s"
    draft: bool
    pages: list[int] = field(default_factory=list)  # indexes of its pages in the document


def babel_locale(lang: str) -> Locale:
    return Locale.parse(lang)


def is_rtl(lang: str) -> bool:
    return lang in RIGHT_TO_LEFT


def _style(lang: str, size: float = 10.5, **kw) -> LayoutStyle:
    return LayoutStyle(lang=lang, font_size=size, text_color=kw.pop("text_color", INK), **kw)


# --- flowables ------------------------------------------------------------------------------

class _SheetStart(Flowable):
    """Zero-size marker: the pages from here on belong to sheet ``index``."""

    def __init__(self, index: int):
        super().__init__()
        self.index = index

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        return 0, 0

    def draw(self):
        pass


class _ListItem(Flowable):
    """A paragraph with a bullet hanging on the reading side (right in right-to-left text)."""

    INDENT = 18  # Nastaliq word starts overhang their advance: keep the bullet clear

    def __init__(self, para: ShapedParagraph, rtl: bool, bullet: bool = True):
        super().__init__()
        self.para, self.rtl, self.bullet = para, rtl, bullet
        self.spaceBefore = para.spaceBefore
        self.spaceAfter = para.spaceAfter

    def wrap(self, availWidth, availHeight):  # noqa: N803
        _w, self.height = self.para.wrap(availWidth - self.INDENT, availHeight)
        self.width = availWidth
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        parts = self.para.split(availWidth - self.INDENT, availHeight)
        if len(parts) < 2:
            return [] if not parts else [self]
        return [_ListItem(parts[0], self.rtl), _ListItem(parts[1], self.rtl, bullet=False)]

    def draw(self):
        self.para.drawOn(self.canv, 0 if self.rtl else self.INDENT, 0)
        if self.bullet:
            size = self.para.style.font_size
            # on the first line, about half way up the x-height
            lines = self.para.lines(self.width - self.INDENT)
            first = lines[0] if lines else None
            line_h = self.para._line_height(first) if first else size * 1.25
            y = self.height - line_h / 2
            x = self.width - self.INDENT / 3 if self.rtl else self.INDENT / 3
            self.canv.saveState()
            self.canv.setFillColor(ACCENT)
            self.canv.circle(x, y, size * 0.16, stroke=0, fill=1)
            self.canv.restoreState()


@lru_cache(maxsize=64)
def qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of ``url`` (ReportLab's encoder, level M) as rows of dark/light modules.

    Encoding tries eight masks and is the slowest part of a sheet: done once per address.
    """
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    return tuple(tuple(bool(module) for module in row) for row in code.modules)


class QrFlowable(Flowable):
    """A QR code drawn as one filled path (quiet zone of four modules included)."""

    BORDER = 4

    def __init__(self, url: str, size: float):
        super().__init__()
        self.url = url
        self.width = self.height = size

    def wrap(self, availWidth, availHeight):  # noqa: N803
        return self.width, self.height

    def draw(self):
        self.canv.saveState()
        self.canv.setFillColor(INK)
        self.canv.addLiteral(qr_path(self.url, self.width, self.BORDER))
        self.canv.restoreState()


@lru_cache(maxsize=64)
def qr_path(url: str, size: float, border: int) -> str:
    """The PDF operators that fill the dark modules of ``url``'s QR code, ``size`` points
    wide: a rectangle per run of dark modules in a row, formatted once (an Iraqi address has
    a larger code than the cost of the rest of a sheet's drawing warrants)."""
    rows = qr_modules(url)
    box = size / (len(rows) + 2 * border)
    path = PDFPathObject()
    for r, row in enumerate(rows):
        c = 0
        for dark, run in groupby(row):
            count = len(list(run))
            if dark:
                path.rect((c + border) * box, size - (r + border + 1) * box, count * box, box)
            c += count
    return f"{path.getCode()} {PATH_OPS[0, 1, FILL_NON_ZERO]}"


def _qr(url: str, lang: str, width: float) -> Table:
    code = QrFlowable(url, QR_SIZE)
    label = ShapedParagraph(_("Official source:"), _style(lang, 9.5, text_color=GREY))
    link = ShapedParagraph(ltr(url), _style(lang, 10))
    text = [label, link]
    rtl = is_rtl(lang)
    cells = [[text, code]] if rtl else [[code, text]]
    widths = [width - QR_SIZE - 6 * mm, QR_SIZE + 6 * mm]
    table = Table(cells, colWidths=widths if rtl else list(reversed(widths)))
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def _table(rows: list[tuple[str, str]], lang: str, width: float, header: bool = True) -> Table:
    rtl = is_rtl(lang)
    cells = []
    for number, (left, right) in enumerate(rows):
        colour = ACCENT if (header and number == 0) else INK
        first = ShapedParagraph(left, _style(lang, 10, text_color=colour))
        second = ShapedParagraph(right, _style(lang, 10, text_color=colour))
        # the first column is on the reading side: the right in right-to-left text
        cells.append([second, first] if rtl else [first, second])
    widths = [width * 0.42, width * 0.58]
    table = Table(cells, colWidths=list(reversed(widths)) if rtl else widths, repeatRows=0)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    table.setStyle(TableStyle(commands))
    table.spaceBefore, table.spaceAfter = 4, 8
    return table


# --- the sheet's parts ----------------------------------------------------------------------

def opening_hours_text(centre, lang: str) -> str:
    """"9:00 AM to 4:30 PM (Monday to Friday)" in ``lang`` (inside ``force_locale``)."""
    if centre is None or None in (centre.open_from_day, centre.open_to_day, centre.opens_at,
                                  centre.closes_at):
        return ""
    loc = babel_locale(lang)
    days = get_day_names("wide", locale=loc)
    return _("%(opens)s to %(closes)s (%(first_day)s to %(last_day)s)",
             opens=isolate(format_time(centre.opens_at, "short", locale=loc)),
             closes=isolate(format_time(centre.closes_at, "short", locale=loc)),
             first_day=days[centre.open_from_day], last_day=days[centre.open_to_day])


def _header(centre, lang: str) -> list[Flowable]:
    """The centre's name, address, phone and opening hours, in the sheet's language."""
    from mrc.core import format_phone

    if centre is None:
        return []
    # typed by an admin in any script: isolated so a Latin address keeps its order in Urdu
    out = [ShapedParagraph(isolate(centre.name),
                           _style(lang, 14, text_color=ACCENT, space_after=2))]
    lines = [isolate(centre.address or centre.city)]
    if centre.phone:
        lines.append(_("Phone") + ": " + ltr(format_phone(centre.phone)))
    if centre.email:
        lines.append(_("Email") + ": " + ltr(centre.email))
    hours = opening_hours_text(centre, lang)
    if hours:
        lines.append(_("Opening hours") + ": " + hours)
    for text in lines:
        if text:
            out.append(ShapedParagraph(text, _style(lang, 9.5, text_color=GREY)))
    out.append(HRFlowable(width="100%", thickness=0.8, color=RULE, spaceBefore=5,
                          spaceAfter=8))
    return out


def _body(blocks, lang: str, width: float) -> list[Flowable]:
    rtl = is_rtl(lang)
    out: list[Flowable] = []
    for block in blocks:
        kind = type(block).__name__
        if kind == "Heading":
            out.append(ShapedParagraph(block.text, _style(lang, 13, text_color=ACCENT,
                                                          space_before=8, space_after=3)))
        elif kind == "Paragraph":
            out.append(ShapedParagraph(block.text, _style(lang, 10.5, space_after=5)))
        elif kind == "ListItem":
            out.append(_ListItem(ShapedParagraph(block.text, _style(lang, 10.5, space_after=2)),
                                 rtl))
        elif kind == "Table" and block.rows:
            out.append(_table(list(block.rows), lang, width))
        elif kind == "QrCode":
            out.append(Spacer(1, 4))
            out.append(KeepTogether([_qr(block.url, lang, width)]))
            out.append(Spacer(1, 6))
    return out


def _footer_text(parts: list[str]) -> str:
    return " · ".join(part for part in parts if part)


# --- the document ---------------------------------------------------------------------------

class _SheetDocument(BaseDocTemplate):
    """Remembers which sheet each page belongs to (for per-sheet page numbers)."""

    def __init__(self, buffer, printed: list[_Printed], **kw):
        super().__init__(buffer, **kw)
        self.printed = printed
        self.current = 0
        self.page_sheet: list[int] = []
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="sheet", frames=[frame],
                                            onPageEnd=self._page_end)])

    def afterFlowable(self, flowable):  # noqa: N802 (ReportLab's name)
        if isinstance(flowable, _SheetStart):
            self.current = flowable.index

    def _page_end(self, canv, doc):
        self.page_sheet.append(self.current)


def _canvas_class(doc_ref: list, pagesize):
    width, _height = pagesize

    class _DeferredCanvas(Canvas):
        """Keeps every page until ``save`` so the footers can say "page X of Y"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._kept: list[dict] = []
            # _build turns ReportLab's compression off, so that every stream gets this
            # document's own filter instead (font files keep theirs, see layout.fonts)
            self._doc.defaultStreamFilters = [_FastFlate]

        def showPage(self):  # noqa: N802 (ReportLab's name)
            self._kept.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            doc = doc_ref[0]
            for number, index in enumerate(doc.page_sheet):
                doc.printed[index].pages.append(number)
            for number, state in enumerate(self._kept):
                self.__dict__.update(state)
                printed = doc.printed[doc.page_sheet[number]]
                if printed.draft:
                    content, self._code = self._code, []
                    _draw_draft_mark(self, pagesize)
                    self._code.extend(content)
                _draw_footer(self, printed, number, width)
                Canvas.showPage(self)
            Canvas.save(self)

    return _DeferredCanvas


def _draw_draft_mark(canv: Canvas, pagesize) -> None:
    width, height = pagesize
    mark = ShapedParagraph(DRAFT_MARK, LayoutStyle("en", 110, text_color=DRAFT_INK,
                                                   base_rtl=False))
    w, h = mark.wrap(width, height)
    used = max(line.width for line in mark.lines(width))
    canv.saveState()
    canv.translate(width / 2, height / 2)
    canv.rotate(45)
    mark.drawOn(canv, -used / 2, -h / 2)
    canv.restoreState()


def _draw_footer(canv: Canvas, printed: _Printed, number: int, width: float) -> None:
    page = printed.pages.index(number) + 1
    text_width = width - 2 * MARGIN_X
    y = MARGIN_BOTTOM - 12 * mm
    canv.saveState()
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.5)
    canv.line(MARGIN_X, MARGIN_BOTTOM - 6 * mm, width - MARGIN_X, MARGIN_BOTTOM - 6 * mm)
    canv.restoreState()
    pages = printed.page_pattern % {"page": page, "pages": len(printed.pages)}
    right = ShapedParagraph(pages, _style(printed.lang, 8, text_color=GREY, align="end"))
    right.wrap(text_width, 100)
    used = max(line.width for line in right.lines(text_width)) + 6 * mm
    left = ShapedParagraph(printed.footer, _style(printed.lang, 8, text_color=GREY))
    _w, h = left.wrap(text_width - used, 100)
    rtl = is_rtl(printed.lang)
    left.drawOn(canv, MARGIN_X + (used if rtl else 0), y - h + 8)
    right.drawOn(canv, MARGIN_X, y - right.height + 8)


STREAM_COMPRESSION_LEVEL = 3
# Compressed streams remembered by a digest of their content (least recently used dropped
# first): a sheet printed again, or for every attendee of a group session, has the same page
# contents and character maps. At most about 30 kB each.
STREAMS_REMEMBERED = 256
_compressed_streams: OrderedDict[bytes, bytes] = OrderedDict()


class _FastFlate:
    """Flate at zlib level STREAM_COMPRESSION_LEVEL instead of ReportLab's 6 (an Urdu sheet's
    page content, a span per letter for text extraction, takes half the time to compress, and
    the PDF is 5 to 8 % larger), each content compressed once. Used with RENDER_LOCK held."""

    pdfname = "FlateDecode"

    @staticmethod
    def encode(data: str | bytes) -> bytes:
        if isinstance(data, str):
            data = data.encode("utf8")  # as ReportLab's own filter does
        key = hashlib.blake2b(data, digest_size=16).digest()
        compressed = _compressed_streams.get(key)
        if compressed is None:
            compressed = _compressed_streams[key] = zlib.compress(data, STREAM_COMPRESSION_LEVEL)
            if len(_compressed_streams) > STREAMS_REMEMBERED:
                _compressed_streams.popitem(last=False)
        else:
            _compressed_streams.move_to_end(key)
        return compressed

    @staticmethod
    def decode(encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


def _build(stories: list[tuple[_Printed, list[Flowable]]], paper: str) -> bytes:
    pagesize = PAGE_SIZES.get(paper, A4)
    buffer = BytesIO()
    printed = [item for item, _story in stories]
    with RENDER_LOCK:
        doc = _SheetDocument(buffer, printed, pagesize=pagesize, leftMargin=MARGIN_X,
                             rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                             bottomMargin=MARGIN_BOTTOM, title="", author="",
                             creator="MRC", producer="MRC", pageCompression=0)
        story: list[Flowable] = []
        for index, (_item, flowables) in enumerate(stories):
            if index:
                story.append(PageBreak())
            story.append(_SheetStart(index))
            story.extend(flowables)
        # Binary (Flate only) streams: ASCII85 on top costs a quarter more bytes and, without
        # ReportLab's C accelerator, a third of the build time. Restored for other callers.
        use_a85, rl_config.useA85 = rl_config.useA85, 0
        try:
            doc.build(story, canvasmaker=_canvas_class([doc], pagesize))
        finally:
            rl_config.useA85 = use_a85
    return buffer.getvalue()


def frame_width(paper: str) -> float:
    return PAGE_SIZES.get(paper, A4)[0] - 2 * MARGIN_X


def _sheet_story(centre, job: SheetJob, paper: str) -> tuple[_Printed, list[Flowable]]:
    from mrc.sheets import markup

    version = job.version
    lang = version.language
    country = centre.country if centre is not None else ""
    width = frame_width(paper)
    with force_locale(lang):
        story = _header(centre, lang)
        story.append(ShapedParagraph(version.title, _style(lang, 19, text_color=ACCENT,
                                                           space_after=8)))
        story.extend(_body(markup.parse(version.body, country), lang, width))
        if version.is_draft:
            reviewed = _("Draft, not reviewed")
        else:
            reviewed = _("Reviewed %(date)s",
                         date=format_date(version.review_date, "long",
                                          locale=babel_locale(lang)))
        footer = _footer_text([version.title, _("Version %(number)s", number=version.number),
                               LANGUAGES.get(lang, lang), reviewed])
        item = _Printed(lang=lang, footer=footer,
                        page_pattern=_("Page %(page)s of %(pages)s"), draft=version.is_draft)
    return item, story


def render_sheets(centre, jobs: list[SheetJob], paper: str = "A4") -> bytes:
    """A PDF of ``jobs``, each sheet on new pages with the ``centre``'s details in its header.

    ``centre`` may be None (an admin's preview): no header then. Page numbering restarts with
    every sheet.
    """
    with RENDER_LOCK:
        return _build([_sheet_story(centre, job, paper) for job in jobs], paper)


def render_referral_slip(referral, lang: str, paper: str = "A4") -> bytes:
    """The slip a client takes to the partner: partner's details, service, date, counsellor
    and reference, in ``lang``."""
    from mrc.core import format_phone
    from mrc.referrals.choices import SERVICES, label_for

    centre = referral.centre
    partner = referral.partner
    width = frame_width(paper)
    with RENDER_LOCK, force_locale(lang):
        loc = babel_locale(lang)
        made_on: date = referral.created_at.astimezone(ZoneInfo(centre.timezone)).date()
        rows = [
            (_("Partner"), isolate(partner.name)),
            (_("Address"),
             isolate(", ".join(p for p in (partner.address, partner.city) if p) or "—")),
            (_("Phone"), ltr(format_phone(partner.phone)) if partner.phone else "—"),
            (_("Opening hours"), isolate(partner.hours or "—")),
            (_("Service"), str(label_for(SERVICES, referral.service))),
            (_("Date"), format_date(made_on, "long", locale=loc)),
            (_("Counsellor"), isolate(referral.created_by.display_name)),
            (_("Reference"), ltr(f"{referral.client.reference}/{referral.id}")),
        ]
        story = _header(centre, lang)
        title = _("Referral slip")
        story.append(ShapedParagraph(title, _style(lang, 19, text_color=ACCENT, space_after=6)))
        story.append(ShapedParagraph(
            _("Please show this slip to the organisation below."),
            _style(lang, 10.5, space_after=8)))
        story.append(_table(rows, lang, width, header=False))
        footer = _footer_text([title, LANGUAGES.get(lang, lang),
                               format_date(made_on, "long", locale=loc)])
        item = _Printed(lang=lang, footer=footer,
                        page_pattern=_("Page %(page)s of %(pages)s"), draft=False)
        return _build([(item, story)], paper)
