"""Statistics exports (XLSX, PDF report, CSV audit) and the server-drawn charts.

Figures come from the hand-built data set of tests/test_stats.py (March 2026 at Lahore).
"""

import csv
import io
import re
import shutil
import subprocess
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from sqlalchemy import select

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.centres.services import centre_today
from mrc.extensions import db
from mrc.stats import charts
from mrc.stats.exports import chart_rows, sheet_names
from mrc.stats.services import add_months, month_start, monthly_statistics
from tests.conftest import centre, login, statements_sent
from tests.test_stats import MARCH, data  # noqa: F401  (fixture: the hand-built data set)

SVG = "{http://www.w3.org/2000/svg}"
BIDI_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def speak(user, locale):
    user.preferred_locale = locale
    db.session.commit()


def exports(action_format: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export",
                                 AuditEvent.summary.like(f"format={action_format} %"))))


def tool(name: str, *args) -> str:
    path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} missing: apt-get install -y poppler-utils")
    return subprocess.run([path, *args], check=True, capture_output=True,  # noqa: S603
                          text=True).stdout


def pdf_text(tmp_path, body: bytes) -> tuple[str, str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(body)
    text = BIDI_MARKS.sub("", tool("pdftotext", str(path), "-"))
    return text, tool("pdffonts", str(path))


# --- XLSX ----------------------------------------------------------------------------------

def test_xlsx_has_a_sheet_per_table_with_the_services_numbers(client, data):
    login(client, data.lhr_manager)
    response = client.get("/stats/export.xlsx?month=2026-03")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "statistics-LHR-2026-03.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    stats = monthly_statistics(Actor(data.lhr_manager), MARCH)

    summary = book.worksheets[0]
    assert summary.title == "Summary"
    assert [summary["A2"].value, summary["B2"].value] == ["Centre",
                                                          "Migrant Resource Centre Lahore"]
    assert summary["A3"].value == "Month" and "2026-03" in summary["B3"].value

    sheets = book.worksheets[1:]
    assert len(sheets) == len(stats.tables)
    assert len({ws.title.casefold() for ws in book.worksheets}) == len(book.worksheets)
    for ws, table in zip(sheets, stats.tables, strict=True):
        assert len(ws.title) <= 31 and not set(ws.title) & set("[]:*?/\\")
        assert ws.freeze_panes == "B2"
        assert ws["A1"].value == table.title
        assert ws["D1"].value == "Change vs previous month"
        assert ws.max_row == len(table.rows) + 1
        for number, row in enumerate(table.rows, start=2):
            assert ws.cell(number, 1).value == row.label
            cells = [ws.cell(number, column) for column in range(2, 7)]
            assert all(cell.data_type == "n" and type(cell.value) is int for cell in cells)
            assert [cell.value for cell in cells] == [
                row.current, row.previous, row.change_previous, row.year_ago, row.change_year]
    sessions = book[sheet_names([t.title for t in stats.tables])[
        [t.key for t in stats.tables].index("sessions")]]
    assert [c.value for c in sessions[2]] == ["Total", 5, 0, 5, 1, 4]
    assert sessions["B1"].value == "This month (March 2026)"

    partners = next(ws for ws in sheets if ws["A1"].value == "Referrals made, by partner")
    evil = next(row[0] for row in partners.iter_rows() if "HYPERLINK" in str(row[0].value))
    assert evil.value == '=HYPERLINK("http://evil")'  # the partner's name, kept as text...
    assert evil.data_type == "s"  # ... never a formula
    assert evil.quotePrefix

    (audited,) = exports("xlsx")
    assert audited.object_type == "statistics"
    assert audited.centre_id == centre("LHR").id
    assert audited.summary == "format=xlsx month=2026-03 centres=LHR"


def test_xlsx_in_urdu_has_translated_headers_and_runs_right_to_left(client, data):
    speak(data.lhr_manager, "ur")
    login(client, data.lhr_manager)
    book = load_workbook(io.BytesIO(client.get("/stats/export.xlsx?month=2026-03").get_data()))
    sessions = next(ws for ws in book.worksheets if ws["A1"].value == "کاؤنسلنگ سیشنز")
    assert sessions.title == "کاؤنسلنگ سیشنز"
    assert sessions["B1"].value.startswith("یہ مہینہ (")
    assert sessions["D1"].value == "گزشتہ مہینے کے مقابلے میں تبدیلی"
    assert sessions.sheet_view.rightToLeft
    assert [c.value for c in sessions[2]][1:] == [5, 0, 5, 1, 4]


def test_sheet_names_are_valid_and_unique():
    long = "Referrals made in the month, by status at the month's end"
    names = sheet_names([long, long, "a/b: c?", "'quoted'", "SUMMARY", "Summary"])
    assert names[0] == long[:31].strip()
    assert names[1].endswith(" (2)") and len(names[1]) <= 31
    assert names[2] == "a b c"
    assert names[3] == "quoted"
    assert names[5] == "Summary (2)"
    assert all(len(n) <= 31 for n in names)


# --- PDF -----------------------------------------------------------------------------------

def test_pdf_report_in_english(client, data, tmp_path):
    login(client, data.lhr_manager)
    response = client.get("/stats/report.pdf?month=2026-03")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "statistics-report-LHR-2026-03.pdf" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"%PDF")
    text, fonts = pdf_text(tmp_path, body)
    flat = " ".join(text.split())
    assert "Monthly statistics" in flat
    assert "Migrant Resource Centre Lahore, March 2026" in flat
    assert "Generated on" in flat and "Page 1" in flat
    assert "Counselling sessions" in flat
    assert "Main figures over 12 months" in flat
    assert re.search(r"\bTotal\s+5\s+0\s+\+5\s+1\s+\+4\b", text)  # counselling sessions
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(row[-5:-3] == ["yes", "yes"] for row in rows), fonts  # emb, sub
    assert exports("pdf")[0].summary == "format=pdf month=2026-03 centres=LHR"


def test_pdf_report_in_urdu(client, data, tmp_path):
    speak(data.lhr_manager, "ur")
    login(client, data.lhr_manager)
    body = client.get("/stats/report.pdf?month=2026-03").get_data()
    assert body.startswith(b"%PDF")
    text, fonts = pdf_text(tmp_path, body)
    flat = " ".join(text.split())
    assert "ماہانہ اعداد و شمار" in flat  # Monthly statistics
    assert "کاؤنسلنگ سیشنز" in flat  # Counselling sessions
    assert "Monthly statistics" not in flat
    assert "صفحہ 1" in flat and "Page" not in flat  # the footer's page number
    # the columns are mirrored: the label on the right, this month beside it, then leftwards
    lines = BIDI_MARKS.sub("", tool("pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"))
    lines = lines.splitlines()
    header = next(i for i, line in enumerate(lines)
                  if "کاؤنسلنگ سیشنز" in line and "یہ مہینہ" in line)
    assert (lines[header].index("کاؤنسلنگ سیشنز") > lines[header].index("یہ مہینہ")
            > lines[header].index("گزشتہ مہینہ"))
    total = next(line for line in lines[header + 1:] if "کل" in line)
    assert re.findall(r"[+-]?\d+", total) == ["+4", "1", "+5", "0", "5"]  # counselling sessions
    assert all(line.split()[-5:-3] == ["yes", "yes"] for line in fonts.splitlines()[2:])


# --- Charts --------------------------------------------------------------------------------

def test_chart_data_matches_the_tables_and_reads_kept_months(app, data):
    stats = monthly_statistics(Actor(data.lhr_manager), MARCH)
    charts.monthly_charts(stats)
    db.session.commit()  # a new transaction sees the months kept by the first call
    with statements_sent() as statements:
        chart = charts.monthly_charts(stats)
    # Twelve ended months: sums of kept figures, no session or client read again.
    assert not [sql for sql in statements if "counselling_sessions" in sql or
                "FROM clients" in sql]

    trend = {series.key: series.values for series in chart.trend.series}
    assert len(chart.trend.months) == 12
    assert chart.trend.months[0].isoformat() == "2025-04-01"
    assert chart.trend.months[-1] == MARCH
    assert all(len(values) == 12 for values in trend.values())
    for key, table in [("new_clients", "new_clients"), ("sessions", "sessions"),
                       ("clients_counselled", "clients_counselled")]:
        total = stats.table(table).row("Total")
        assert trend[key][-2:] == [total.previous, total.current], key
    reached = stats.table("group_sessions").values()
    people = sum(v[0] for label, v in reached.items() if label.endswith(": people reached"))
    assert trend["people_reached"][-2:] == [4, people] == [4, 10]
    assert trend["referrals"][-2:] == [1, 3]
    assert trend["sessions"] == [0] * 11 + [5]

    values = chart.sex_age.values
    assert values[("female", "under_18")] == 1
    assert values[("male", "35_49")] == 1
    assert values[("not_stated", "unknown")] == 1
    assert sum(values.values()) == stats.table("clients_counselled").row("Total").current


def svg_of(html: str, key: str) -> ElementTree.Element:
    match = re.search(rf'<svg [^>]*class="chart chart-{key}".*?</svg>', html, re.S)
    assert match, key
    return ElementTree.fromstring(match.group(0))


def test_charts_on_the_page(client, data):
    login(client, data.lhr_manager)
    html = client.get("/stats/?month=2026-03").get_data(as_text=True)
    trend = svg_of(html, "trend")
    assert trend.get("role") == "img"
    assert trend.find(f"{SVG}title").text == "Main figures over 12 months"
    lines = [line.get("points").split() for line in trend.iter(f"{SVG}polyline")]
    assert [len(points) for points in lines] == [12] * 5 + [2] * 5  # the series, the legend
    texts = [t.text for t in trend.iter(f"{SVG}text")]
    assert {"Counselling sessions", "Referrals made", "Apr", "Mar", "2025"} <= set(texts)
    sessions = [tuple(map(float, p.split(","))) for p in lines[2]]
    assert sessions[0][0] < sessions[-1][0]  # time runs left to right
    assert sessions[-1][1] < sessions[0][1]  # 5 sessions in March, none in April 2025

    bars = svg_of(html, "sex_age")
    rects = [r for r in bars.iter(f"{SVG}rect") if r.get("class") == "chart-bar"
             and r.get("data-value") is not None]
    heights = {(float(r.get("x")), int(r.get("data-value"))): float(r.get("height"))
               for r in rects}
    assert sorted(v for _x, v in heights) == [0] * 21 + [1, 1, 1]
    ratios = {round(h / v, 3) for (_x, v), h in heights.items() if v}
    assert len(ratios) == 1  # heights proportional to the figures
    assert all(h == 0 for (_x, v), h in heights.items() if not v)
    labels = {t.text for t in bars.iter(f"{SVG}text")}
    assert {"Under 18", "Age not known", "Female", "Not stated"} <= labels
    # black and white: four different fills (solid, hatched, dotted, white)
    assert len({r.get("fill") for r in rects}) == 4
    # each chart is followed by its figures as a table
    after = html.split('class="chart chart-trend"', 1)[1]
    assert "<table" in after.split("</figure>", 1)[0]
    assert "Content-Security-Policy" in client.get("/stats/").headers
    assert " style=" not in html.split("<main", 1)[1]  # CSP: no inline styles


def test_charts_mirror_in_urdu(client, data):
    speak(data.lhr_manager, "ur")
    login(client, data.lhr_manager)
    html = client.get("/stats/?month=2026-03").get_data(as_text=True)
    trend = svg_of(html, "trend")
    assert trend.get("direction") == "rtl"
    first_series = next(trend.iter(f"{SVG}polyline")).get("points").split()
    xs = [float(point.split(",")[0]) for point in first_series]
    assert xs == sorted(xs, reverse=True)  # the oldest month on the right
    assert "مارچ" in {t.text for t in trend.iter(f"{SVG}text")}
    assert "کاؤنسلنگ سیشنز" in {t.text for t in trend.iter(f"{SVG}text")}


@pytest.mark.parametrize("rtl", [False, True])
def test_a_long_legend_label_stays_on_one_line_in_the_pdf(app, tmp_path, rtl):
    # In Sorani "people reached through group sessions" is long; wrapped in a narrow box it
    # grew upwards over the legend row above it.
    from datetime import date

    from reportlab.platypus import SimpleDocTemplate

    long_label = "People reached through group sessions and counted once in every month"
    trend = charts.Trend([date(2026, m, 1) for m in range(1, 13)],
                         [charts.Series("first", "First series", [1] * 12),
                          charts.Series("long", long_label, [2] * 12)])
    path = tmp_path / "chart.pdf"
    with app.test_request_context():
        figure = charts.trend_figure(trend, rtl)
        SimpleDocTemplate(str(path), pagesize=A4).build([charts.ChartFlowable(figure, "en")])
    lines = [" ".join(line.split()) for line in
             BIDI_MARKS.sub("", tool("pdftotext", "-layout", str(path), "-")).splitlines()]
    assert any(long_label in line for line in lines), lines


@pytest.mark.parametrize("locale", ["ckb", "ps", "ar", "fa_AF", "ur"])
def test_month_names_over_the_chart_figures_wrap_between_words(app, locale):
    # Twelve narrow month columns: "تشرینی یەکەم 26" came out as "تشرین / ی / یەکەم / 26".
    from datetime import date

    from flask_babel import force_locale

    from mrc.stats.exports import _data_table

    months = [date(2025 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(11, 23)]
    data = charts.Charts(charts.Trend(months, [charts.Series("new", "New clients", [1] * 12)]),
                         charts.SexAge(months[-1], 1, [], [], {}))
    with app.test_request_context(), force_locale(locale):
        trend_rows, _sex_age = chart_rows(data)
        table = _data_table(trend_rows, locale, True, A4[0] - 32 * mm)
    for paragraph, width, cell in zip(table._cellvalues[0], table._colWidths,
                                      table._cellStyles[0], strict=True):
        words = set(paragraph.text.split())
        inner = width - cell.leftPadding - cell.rightPadding
        lines = [paragraph.text[ln.start:ln.content_end] for ln in paragraph.lines(inner)]
        assert all(set(line.split()) <= words for line in lines), (paragraph.text, lines)


def test_a_month_named_in_two_words_takes_two_lines_under_the_trend_chart(app):
    # Sorani: "تشرینی دووەم کانوونی یەکەم کانوونی دووەم" ran together under the axis.
    from datetime import date

    from flask_babel import force_locale

    months = [date(2025 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(3, 15)]
    trend = charts.Trend(months, [charts.Series("new", "New clients", [1] * 12)])
    with app.test_request_context(), force_locale("ckb"):
        figure = charts.trend_figure(trend)
    bottom = charts.PLOT_TOP + charts.PLOT_HEIGHT
    under_axis = [s for s in figure.shapes  # the months and years, not the legend
                  if isinstance(s, charts.Label) and s.y > bottom and s.anchor == "middle"]
    assert not [s.text for s in under_axis if " " in s.text]
    columns = {}
    for label in under_axis:
        columns.setdefault(label.x, []).append(label)
    december = list(columns.values())[9]  # March to February: the tenth month
    assert [s.text for s in december][1:] == ["یەکەم"] and len(december) == 2
    years = [s for s in under_axis if s.text.isdigit()]
    assert years and all(year.y > december[-1].y for year in years)


def test_nice_scale():
    assert charts.nice_scale(0) == (1, 1)
    assert charts.nice_scale(5) == (5, 1)
    assert charts.nice_scale(7) == (8, 2)
    assert charts.nice_scale(23) == (25, 5)
    assert charts.nice_scale(480) == (500, 100)


# --- Access and audit ----------------------------------------------------------------------

def test_every_export_is_audited_without_personal_data(client, data):
    login(client, data.lhr_manager)
    for path in ("export.csv", "export.xlsx", "report.pdf"):
        assert client.get(f"/stats/{path}?month=2026-03").status_code == 200
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")))
    assert sorted(e.summary for e in events) == [
        f"format={fmt} month=2026-03 centres=LHR" for fmt in ("csv", "pdf", "xlsx")]
    assert all(e.object_type == "statistics" and e.user_id == data.lhr_manager.id
               for e in events)


def test_counsellor_is_refused_and_managers_find_statistics_at_home(app, client, data):
    login(client, data.lhr_counsellor)
    assert client.get("/stats/export.xlsx").status_code == 403
    assert client.get("/stats/report.pdf").status_code == 403
    assert not list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")))
    client = app.test_client()
    login(client, data.lhr_manager)
    main = client.get("/").get_data(as_text=True).split("<main", 1)[1]
    assert 'href="/stats/"' in main


def test_manager_cannot_export_another_centre_and_admin_exports_all(app, client, data):
    login(client, data.lhr_manager)
    other = client.get(f"/stats/export.xlsx?month=2026-03&centre={centre('ISB').id}")
    book = load_workbook(io.BytesIO(other.get_data()))  # managers' centre is always their own
    assert book.worksheets[0]["B2"].value == "Migrant Resource Centre Lahore"
    client = app.test_client()
    login(client, data.admin)
    response = client.get("/stats/report.pdf?centre=&month=2026-03")
    assert "statistics-report-all-2026-03.pdf" in response.headers["Content-Disposition"]
    assert response.get_data().startswith(b"%PDF")
    codes = ",".join(c.code for c in monthly_statistics(Actor(data.admin), MARCH).centres)
    assert len(codes.split(",")) == 5
    assert exports("pdf")[0].summary == f"format=pdf month=2026-03 centres={codes}"


def test_exports_of_a_range_of_months(client, data):
    login(client, data.lhr_manager)
    response = client.get("/stats/export.xlsx?month=2026-02&to=2026-03")
    assert "statistics-LHR-2026-02-to-2026-03.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    assert "2026-02..2026-03" in book.worksheets[0]["B3"].value
    sessions = next(ws for ws in book.worksheets if ws["A1"].value == "Counselling sessions")
    assert sessions["B2"].value == 5  # February (none) and March (five)
    assert exports("xlsx")[0].summary == "format=xlsx month=2026-02..2026-03 centres=LHR"
    page = client.get("/stats/?month=2026-02&to=2026-03").get_data(as_text=True)
    assert f"/stats/report.pdf?centre={centre('LHR').id}&amp;month=2026-02&amp;to=2026-03" in page
    months = [t.text for t in svg_of(page, "trend").iter(f"{SVG}text")]
    assert "Mar" in months and months.count("2026") == 1  # the trend ends with the range


# --- A range is named as months; invalid periods download nothing ---------------------------

RANGE_TITLES = ["These months (January 2026 to June 2026)",
                "The months before (July 2025 to December 2025)",
                "Change vs the months before",
                "A year before (January 2025 to June 2025)",
                "Change vs a year before"]
MARCH_TITLES = ["This month (March 2026)", "Previous month (February 2026)",
                "Change vs previous month", "A year before (March 2025)",
                "Change vs a year before"]
RANGE_WORDING = ["Referrals made in these months, by status at the end of the last month",
                 "Referrals completed in these months", "Follow-ups done in these months",
                 "Follow-ups overdue at the end of the last month"]
ONE_MONTH_WORDING = ["in the month", "month's end", "This month (", "Previous month ("]


def test_csv_of_a_range_names_its_months(client, data):
    login(client, data.lhr_manager)
    body = client.get(f"/stats/export.csv?centre={centre('LHR').id}&month=2026-01&to=2026-06")
    rows = list(csv.reader(io.StringIO(body.get_data().decode("utf-8-sig"))))
    assert rows[1] == ["Months", "2026-01..2026-06"]
    header = next(row for row in rows if row and row[0] == "Counselling sessions")
    assert header[1:] == RANGE_TITLES
    texts = [cell for row in rows for cell in row]
    assert all(title in texts for title in RANGE_WORDING)
    assert not [text for text in texts if any(word in text for word in ONE_MONTH_WORDING)]


def test_xlsx_of_a_range_and_of_one_month_name_their_months(client, data):
    login(client, data.lhr_manager)
    for query, titles, period in [("month=2026-01&to=2026-06", RANGE_TITLES, "Months"),
                                  ("month=2026-03", MARCH_TITLES, "Month")]:
        book = load_workbook(io.BytesIO(client.get(f"/stats/export.xlsx?{query}").get_data()))
        assert book.worksheets[0]["A3"].value == period
        for sheet in book.worksheets[1:]:
            assert [cell.value for cell in sheet[1]][1:] == titles, sheet.title
        texts = [str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows()
                 for cell in row]
        if period == "Months":
            assert all(title in texts for title in RANGE_WORDING)
            assert not [t for t in texts if any(word in t for word in ONE_MONTH_WORDING)]
        else:
            assert "Referrals made in the month, by status at the month's end" in texts


def test_pdf_of_a_range_and_of_one_month_name_their_months(client, data, tmp_path):
    login(client, data.lhr_manager)
    body = client.get(f"/stats/report.pdf?centre={centre('LHR').id}&month=2026-01&to=2026-06")
    text, _fonts = pdf_text(tmp_path, body.get_data())
    flat = " ".join(text.split())  # header cells wrap over several lines
    assert all(title in flat for title in RANGE_TITLES)
    assert all(title in flat for title in RANGE_WORDING)
    assert "Clients counselled in these months, by sex and age group" in flat
    assert not [word for word in ONE_MONTH_WORDING if word in flat]
    text, _fonts = pdf_text(tmp_path, client.get("/stats/report.pdf?month=2026-03").get_data())
    flat = " ".join(text.split())
    assert all(title in flat for title in MARCH_TITLES)
    assert "Referrals made in the month, by status at the month's end" in flat
    assert "Clients counselled in the month, by sex and age group" in flat
    assert "These months" not in flat and "months before" not in flat


def test_an_invalid_period_downloads_nothing_and_the_page_says_why(client, data):
    next_month = add_months(month_start(centre_today(centre("LHR"))), 1)
    invalid = {
        "month=bad": "Not a valid date value.",
        "month=2026-06&to=2026-01": "The last month cannot be before the first month.",
        "month=2030-01": "This month has not started yet.",
        f"month={next_month:%Y-%m}": "This month has not started yet.",
        f"month=2026-01&to={next_month:%Y-%m}": "This month has not started yet.",
        "month=2024-01&to=2026-01": "Choose at most 24 months.",
        "month=&to=2026-03": "Choose the first month too.",
    }
    login(client, data.lhr_manager)
    for path in ("export.csv", "export.xlsx", "report.pdf"):
        for query, error in invalid.items():
            response = client.get(f"/stats/{path}?{query}")
            assert response.status_code == 302, (path, query)
            page = client.get(response.headers["Location"])
            assert page.request.path == "/stats/"
            html = page.get_data(as_text=True)
            assert error in html, (path, query)
            assert "stats-table" not in html and "/stats/export.csv" not in html
    assert not exports("csv") + exports("xlsx") + exports("pdf")
    # The page tells the manager in their language.
    speak(data.lhr_manager, "ur")
    response = client.get("/stats/export.csv?month=2030-01")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "یہ مہینہ ابھی شروع نہیں ہوا۔" in html
