"""Every export of the monthly statistics: CSV, XLSX (openpyxl) and a PDF report (ReportLab).

Each export computes the same ``services.monthly_statistics`` the page shows (so the same
access rules apply: ``StatisticsAccessDenied``), writes one audit event (action "export",
object type "statistics", summary with the format, month and centre codes; nothing personal)
and commits. Texts are in the current locale (the manager's language).
"""

import csv
import io
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.centres.services import centre_today
from mrc.database import utcnow
from mrc.extensions import db
from mrc.i18n import RIGHT_TO_LEFT, format_item_list, isolate, ltr
from mrc.sheets.layout import RENDER_LOCK, LayoutStyle, ShapedParagraph, main_face
from mrc.stats import charts
from mrc.stats.services import MonthlyStatistics, monthly_statistics

# ---------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _numbers(row) -> list[int]:
    return [row.current, row.previous, row.change_previous, row.year_ago, row.change_year]


def _audit(actor: Actor, fmt: str, stats: MonthlyStatistics, centre_id: int | None) -> None:
    audit.record(actor, "export", object_type="statistics",
                 centre_id=centre_id or (actor.user.centre_id if actor.user.centre_id else None),
                 summary=f"format={fmt} month={_months(stats)} centres="
                         + ",".join(c.code for c in stats.centres))
    db.session.commit()


def _months_title(stats: MonthlyStatistics) -> str:
    """What the row naming the period is called: "Month", or "Months" for a range."""
    return str(_l("Month") if stats.month_count == 1 else _l("Months"))


def _months(stats: MonthlyStatistics) -> str:
    """``2026-03``, or ``2026-01..2026-03`` for several months."""
    if stats.end_month == stats.month:
        return f"{stats.month:%Y-%m}"
    return f"{stats.month:%Y-%m}..{stats.end_month:%Y-%m}"


def _today(actor: Actor) -> date:
    """The date of the export at the actor's centre (UTC for admins without one)."""
    centre = actor.user.centre
    return centre_today(centre) if centre else utcnow().date()


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------

def export_csv(actor: Actor, month: date, centre_id: int | None = None,
               last_month: date | None = None) -> str:
    """The statistics as CSV text (with BOM), one section per table; audited."""
    stats = monthly_statistics(actor, month, centre_id, last_month)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([neutralise(str(_l("Centre"))),
                     neutralise(format_item_list(c.name for c in stats.centres))])
    writer.writerow([neutralise(_months_title(stats)), _months(stats)])
    headers = stats.column_titles
    for table in stats.tables:
        writer.writerow([])
        writer.writerow([neutralise(table.title)] + [neutralise(h) for h in headers])
        for row in table.rows:
            writer.writerow([neutralise(row.label), *_numbers(row)])
    _audit(actor, "csv", stats, centre_id)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------------

SHEET_NAME_LENGTH = 31
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_names(titles: list[str]) -> list[str]:
    """Valid, unique (case-insensitively) sheet names of at most 31 characters."""
    names, taken = [], set()
    for title in titles:
        base = " ".join(title.translate(SHEET_NAME_FORBIDDEN).split()).strip("'") or "Sheet"
        name, number = base[:SHEET_NAME_LENGTH].strip(), 1
        while name.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            name = base[:SHEET_NAME_LENGTH - len(suffix)].strip() + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _text_cell(sheet, row: int, column: int, value: str):
    """A text cell that is never a formula, whatever it starts with ("=", "+", "@"...).

    openpyxl would store a string starting with "=" as a formula; the cell is typed as a
    string instead and marked quote-prefixed, as Excel does for text typed after an apostrophe.
    """
    cell = sheet.cell(row=row, column=column, value=value)
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def export_xlsx(actor: Actor, month: date, centre_id: int | None = None,
                last_month: date | None = None) -> bytes:
    """The statistics as an Excel workbook: a summary sheet, then one sheet per table with a
    frozen header row and whole numbers as numbers; audited."""
    stats = monthly_statistics(actor, month, centre_id, last_month)
    rtl = str(get_locale()) in RIGHT_TO_LEFT
    headers = stats.column_titles
    bold = Font(bold=True)
    book = Workbook()
    summary = book.active
    names = sheet_names([str(_l("Summary"))] + [table.title for table in stats.tables])
    summary.title = names[0]
    summary.sheet_view.rightToLeft = rtl
    lines = [
        (str(_l("Monthly statistics")), ""),
        (str(_l("Centre")), format_item_list(c.name for c in stats.centres)),
        (_months_title(stats), f"{stats.current_label} ({_months(stats)})"),
        (str(_l("Generated on %(date)s", date=format_date(_today(actor), "long"))), ""),
    ]
    for number, (key, value) in enumerate(lines, start=1):
        _text_cell(summary, number, 1, key).font = bold
        if value:
            _text_cell(summary, number, 2, value)
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 60

    for table, name in zip(stats.tables, names[1:], strict=True):
        sheet = book.create_sheet(name)
        sheet.sheet_view.rightToLeft = rtl
        for column, text in enumerate([table.title, *headers], start=1):
            cell = _text_cell(sheet, 1, column, text)
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for number, row in enumerate(table.rows, start=2):
            label = _text_cell(sheet, number, 1, row.label)
            label.alignment = Alignment(indent=row.level)
            if row.level == 0:
                label.font = bold
            for column, value in enumerate(_numbers(row), start=2):
                sheet.cell(row=number, column=column, value=int(value))
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].width = 48
        for column in range(2, len(headers) + 2):
            sheet.column_dimensions[get_column_letter(column)].width = 20
    out = io.BytesIO()
    book.save(out)
    _audit(actor, "xlsx", stats, centre_id)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# PDF report
# ---------------------------------------------------------------------------------------------

MARGIN = 16 * mm
LINE = Color(0.75, 0.75, 0.75)
SHADE = Color(0.93, 0.93, 0.93)


# Cells and pages name a font even when only shaped text is drawn: ours, embedded, not
# ReportLab's default Helvetica, which is never embedded.
def _font() -> str:
    return main_face("en").ttf.fontName


@dataclass
class _Report:
    """What every page of the report repeats in its footer."""

    lang: str
    footer: str


def _number(value: int, signed: bool = False) -> str:
    """A figure in the locale's digits; isolated left-to-right so "+5" keeps its sign in
    front in right-to-left tables."""
    text = format_decimal(value)
    return ltr(f"+{text}" if signed and value > 0 else text)


def _table(table, headers: list[str], lang: str, rtl: bool, width: float) -> Table:
    """One statistics table; every cell laid out by the print layer; mirrored in RTL."""
    def cell(text, size=8.5, align="start"):
        return ShapedParagraph(text, LayoutStyle(lang=lang, font_size=size, align=align))

    label_width = width * 0.34
    widths = [label_width] + [(width - label_width) / len(headers)] * len(headers)
    data = [[cell(table.title, 8.5)] + [cell(h, 7.5, "end") for h in headers]]
    levels = []
    for row in table.rows:
        if row.level == 2 and row.is_empty:
            continue  # as on the page: detail rows with nothing in any month are left out
        label = ("    " if row.level == 2 else "") + row.label
        values = _numbers(row)
        data.append([cell(label)] + [cell(_number(v, signed=i in (2, 4)), align="end")
                                     for i, v in enumerate(values)])
        levels.append(row.level)
    style = [
        ("FONT", (0, 0), (-1, -1), _font()),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), SHADE)
              for i, level in enumerate(levels, start=1) if level == 0]
    if rtl:  # right-to-left reading: the label column on the right, months from right to left
        data = [list(reversed(r)) for r in data]
        widths = list(reversed(widths))
    return Table(data, colWidths=widths, repeatRows=1, style=TableStyle(style))


def _footer(report: _Report):
    def draw(canvas, doc):
        # not inside the f-string: Babel's extractor does not look into one, and the words
        # stayed English in every language
        page = _l("Page %(number)s", number=format_decimal(doc.page))
        text = f"{report.footer} · {page}"
        para = ShapedParagraph(text, LayoutStyle(lang=report.lang, font_size=8, align="center"))
        width = doc.pagesize[0] - 2 * MARGIN
        with RENDER_LOCK:
            para.wrapOn(canvas, width, MARGIN)
            para.drawOn(canvas, MARGIN, MARGIN / 2 - 4)
    return draw


def _data_table(rows: list[list[str]], lang: str, rtl: bool, width: float) -> Table:
    """A compact table of a chart's figures (what the chart shows, readable as text)."""
    def cell(text, align):
        return ShapedParagraph(text, LayoutStyle(lang=lang, font_size=7, align=align))

    # twelve month columns: narrow padding and a narrower label column, so that a month's
    # name in Arabic script ("تشرینی یەکەم 26", "سېپتمبر 26") wraps between words, not in one
    first = width * 0.22
    others = (width - first) / (len(rows[0]) - 1)
    data = [[cell(r[0], "start")] + [cell(v, "end") for v in r[1:]] for r in rows]
    widths = [first] + [others] * (len(rows[0]) - 1)
    if rtl:
        data = [list(reversed(r)) for r in data]
        widths = list(reversed(widths))
    return Table(data, colWidths=widths, style=TableStyle([
        ("FONT", (0, 0), (-1, -1), _font()),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))


def chart_rows(data: charts.Charts) -> tuple[list[list[str]], list[list[str]]]:
    """The charts' figures as text tables (header row first): trend, then sex and age."""
    trend = [[""] + [format_date(m, "MMM yy") for m in data.trend.months]]
    trend += [[s.label] + [format_decimal(v) for v in s.values] for s in data.trend.series]
    sex_age = [[""] + [label for _code, label in data.sex_age.groups]]
    sex_age += [[label] + [format_decimal(data.sex_age.values[(sex, group)])
                           for group, _label in data.sex_age.groups]
                for sex, label in data.sex_age.sexes]
    return trend, sex_age


def report_pdf(actor: Actor, month: date, centre_id: int | None = None,
               last_month: date | None = None) -> bytes:
    """The monthly report as a PDF in the current locale: title, centres, month, date
    generated, the two charts with their figures, every table; page numbers; audited."""
    stats = monthly_statistics(actor, month, centre_id, last_month)
    chart_data = charts.monthly_charts(stats)
    locale = str(get_locale())
    lang = locale
    rtl = locale in RIGHT_TO_LEFT
    centres = format_item_list(c.name for c in stats.centres)
    month_name = stats.current_label
    scope = str(_l("%(centres)s, %(month)s", centres=isolate(centres), month=month_name))
    width = A4[0] - 2 * MARGIN
    headers = stats.column_titles

    def para(text, size, **kw):
        return ShapedParagraph(text, LayoutStyle(lang=lang, font_size=size, **kw))

    trend_rows, sex_age_rows = chart_rows(chart_data)
    trend = charts.trend_figure(chart_data.trend, rtl)
    sex_age = charts.sex_age_figure(chart_data.sex_age, rtl)
    story = [
        para(str(_l("Monthly statistics")), 18, space_after=4),
        para(scope, 12, space_after=2),
        para(str(_l("Generated on %(date)s", date=format_date(_today(actor), "long"))), 9,
             space_after=10),
        KeepTogether([para(trend.title, 11, space_after=4), charts.ChartFlowable(trend, lang),
                      Spacer(1, 4), _data_table(trend_rows, lang, rtl, width), Spacer(1, 10)]),
        KeepTogether([para(sex_age.title, 11, space_after=4), charts.ChartFlowable(sex_age, lang),
                      Spacer(1, 4), _data_table(sex_age_rows, lang, rtl, width), Spacer(1, 10)]),
    ]
    for table in stats.tables:
        story += [_table(table, headers, lang, rtl, width), Spacer(1, 10)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN,
                            title=str(_l("Monthly statistics")), lang=locale.replace("_", "-"),
                            initialFontName=_font())
    footer = _footer(_Report(lang, f"{isolate(centres)} · {month_name}"))
    with RENDER_LOCK:
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
    _audit(actor, "pdf", stats, centre_id)
    return out.getvalue()
