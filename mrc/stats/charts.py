"""Charts of the monthly statistics: a 12-month trend and clients counselled by sex and age.

The trend's figures are the totals of the tables of each month (``services.period_counts``:
kept monthly figures for ended months, so twelve months cost a few small sums), and the bars are
the table of clients counselled: chart and tables cannot disagree. The geometry of a chart is
laid out once (``Figure``: rectangles, lines, markers, labels in chart units, y downwards) and
drawn twice: as inline SVG on the page (``svg``) and with ReportLab in
the PDF report (``ChartFlowable``). Series and bars differ by dash, marker and fill pattern as
well as colour, so a black and white print stays readable. Right-to-left pages get the mirror
image: time runs from right to left.
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from reportlab.lib.colors import Color, black, white
from reportlab.platypus import Flowable

from mrc.clients.choices import SEX
from mrc.i18n import text_direction
from mrc.sheets.layout import LayoutStyle, ShapedParagraph
from mrc.stats.services import (
    AGE_GROUP_CODES,
    AGE_GROUP_LABELS,
    MonthlyStatistics,
    Period,
    add_months,
    period_counts,
)

TREND_MONTHS = 12
TREND_FIGURES = [
    ("new_clients", _l("New clients")),
    ("clients_counselled", _l("Clients counselled")),
    ("sessions", _l("Counselling sessions")),
    ("people_reached", _l("People reached by group sessions")),
    ("referrals", _l("Referrals made")),
]


# ---------------------------------------------------------------------------------------------
# Data: the totals of the tables
# ---------------------------------------------------------------------------------------------

@dataclass
class Series:
    key: str
    label: str
    values: list[int]


@dataclass
class Trend:
    months: list[date]
    series: list[Series]


@dataclass
class SexAge:
    """Clients counselled in the months chosen: ``values[(sex, age group)]``."""

    month: date
    month_count: int  # more than 1: a range, named as months in the title
    sexes: list[tuple[str, str]]
    groups: list[tuple[str, str]]
    values: dict[tuple[str, str], int]


@dataclass
class Charts:
    trend: Trend
    sex_age: SexAge


def _totals(counts: dict[str, dict]) -> dict[str, int]:
    """The trend's figures of one month from its counts (``services.period_counts``): the
    totals of the tables, so that chart and tables always agree."""
    sexes = {code for code, _label in SEX}

    def people(name):  # registered or counted, of a known sex, any kind of session
        return sum(value for (_kind, sex), value in counts.get(name, {}).items() if sex in sexes)

    return {
        "new_clients": sum(counts.get("new_clients_by_sex_age", {}).values()),
        "clients_counselled": sum(counts.get("counselled_clients_by_sex_age", {}).values()),
        "sessions": sum(counts.get("sessions_by_sex_age", {}).values()),
        "people_reached": people("group_attendees_by_kind_sex")
        + people("group_head_counts_by_kind_sex"),
        "referrals": sum(counts.get("referrals_by_service", {}).values()),
    }


def monthly_charts(stats: MonthlyStatistics) -> Charts:
    """The chart data for ``stats`` (its centres were already checked for the actor)."""
    months = [add_months(stats.end_month, offset) for offset in range(1 - TREND_MONTHS, 1)]
    totals = [_totals(period_counts(Period.of(month, stats.centres), stats.centres,
                                    reported=False))
              for month in months]
    trend = Trend(months, [Series(key, str(label), [month[key] for month in totals])
                           for key, label in TREND_FIGURES])
    # The bars: the table of clients counselled in the months chosen (one month, or the range).
    counselled = {row.code: row.current for row in stats.table("clients_counselled").rows}
    sex_age = SexAge(
        month=stats.month,
        month_count=stats.month_count,
        sexes=[(code, str(label)) for code, label in SEX],
        groups=[(code, str(AGE_GROUP_LABELS[code])) for code in AGE_GROUP_CODES],
        values={(sex, group): counselled.get(f"{sex}:{group}", 0)
                for sex, _label in SEX for group in AGE_GROUP_CODES},
    )
    return Charts(trend, sex_age)


# ---------------------------------------------------------------------------------------------
# Geometry, shared by the SVG and the PDF drawing
# ---------------------------------------------------------------------------------------------

@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    pattern: int
    value: int | None = None  # None: a legend key, not a figure


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str  # "axis" | "grid"


@dataclass
class Polyline:
    points: list[tuple[float, float]]
    series: int


@dataclass
class Marker:
    x: float
    y: float
    series: int
    value: int


@dataclass
class Label:
    x: float
    y: float  # baseline
    text: str
    anchor: str  # physical: "left" | "middle" | "right"
    size: float = 10


@dataclass
class Figure:
    key: str
    title: str
    width: float
    height: float
    rtl: bool
    shapes: list = field(default_factory=list)

    def mirror(self) -> "Figure":
        """The right-to-left figure: every x reflected, anchors swapped."""
        w = self.width
        swap = {"left": "right", "right": "left", "middle": "middle"}
        shapes = []
        for s in self.shapes:
            if isinstance(s, Rect):
                shapes.append(Rect(w - s.x - s.width, s.y, s.width, s.height, s.pattern, s.value))
            elif isinstance(s, Line):
                shapes.append(Line(w - s.x1, s.y1, w - s.x2, s.y2, s.kind))
            elif isinstance(s, Polyline):
                shapes.append(Polyline([(w - x, y) for x, y in s.points], s.series))
            elif isinstance(s, Marker):
                shapes.append(Marker(w - s.x, s.y, s.series, s.value))
            else:
                shapes.append(Label(w - s.x, s.y, s.text, swap[s.anchor], s.size))
        return Figure(self.key, self.title, w, self.height, True, shapes)


WIDTH = 640
PLOT_TOP, PLOT_HEIGHT = 16, 200
PLOT_LEFT, PLOT_RIGHT = 52, 12
LEGEND_ROW = 18


def nice_scale(largest: int) -> tuple[int, int]:
    """(top of the axis, step between ticks): 1, 2 or 5 × 10^n, at most 5 steps."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= step * factor * 5:
                size = step * factor
                return max(size, -(-largest // size) * size), size
        step *= 10


def _axes(fig: Figure, top: int, step: int, plot_width: float) -> None:
    bottom = PLOT_TOP + PLOT_HEIGHT
    for tick in range(0, top + 1, step):
        y = bottom - tick / top * PLOT_HEIGHT
        fig.shapes.append(Line(PLOT_LEFT, y, PLOT_LEFT + plot_width, y,
                               "axis" if tick == 0 else "grid"))
        fig.shapes.append(Label(PLOT_LEFT - 6, y + 4, format_decimal(tick), "right", 9))
    fig.shapes.append(Line(PLOT_LEFT, PLOT_TOP, PLOT_LEFT, bottom, "axis"))


def _legend(fig: Figure, top: float, entries: list[tuple[str, object]]) -> None:
    """One legend row per entry: its key (a shape at x 0..24) and its label."""
    for index, (text, key) in enumerate(entries):
        y = top + index * LEGEND_ROW
        fig.shapes.extend(key(PLOT_LEFT, y))
        fig.shapes.append(Label(PLOT_LEFT + 32, y + 4, text, "left", 10))


def trend_figure(trend: Trend, rtl: bool = False) -> Figure:
    fig = Figure("trend", str(_l("Main figures over 12 months")), WIDTH, 0, False)
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    top, step = nice_scale(max((v for s in trend.series for v in s.values), default=0))
    _axes(fig, top, step, plot_width)
    bottom = PLOT_TOP + PLOT_HEIGHT
    slot = plot_width / len(trend.months)
    xs = [PLOT_LEFT + (i + 0.5) * slot for i in range(len(trend.months))]
    # A month named in two words (Sorani "کانوونی دووەم") takes two lines: on one, the
    # names of neighbouring months ran into each other.
    names = [format_date(month, "MMM").split(" ", 1) for month in trend.months]
    year_y = bottom + (37 if any(len(name) > 1 for name in names) else 26)
    for x, month, name in zip(xs, trend.months, names, strict=True):
        for line, text in enumerate(name):
            fig.shapes.append(Label(x, bottom + 14 + 11 * line, text, "middle", 9))
        if month.month == 1 or month == trend.months[0]:
            fig.shapes.append(Label(x, year_y, format_date(month, "yyyy"), "middle", 9))
    for index, series in enumerate(trend.series):
        points = [(x, bottom - value / top * PLOT_HEIGHT)
                  for x, value in zip(xs, series.values, strict=True)]
        fig.shapes.append(Polyline(points, index))
        fig.shapes.extend(Marker(x, y, index, value)
                          for (x, y), value in zip(points, series.values, strict=True))
    legend_top = year_y + 20
    _legend(fig, legend_top, [
        (series.label, lambda x, y, i=index: [Polyline([(x, y), (x + 24, y)], i),
                                              Marker(x + 12, y, i, 0)])
        for index, series in enumerate(trend.series)
    ])
    fig.height = legend_top + len(trend.series) * LEGEND_ROW
    return fig.mirror() if rtl else fig


def sex_age_figure(data: SexAge, rtl: bool = False) -> Figure:
    title = (_l("Clients counselled in the month, by sex and age group")
             if data.month_count == 1 else
             _l("Clients counselled in these months, by sex and age group"))
    fig = Figure("sex_age", str(title), WIDTH, 0, False)
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    top, step = nice_scale(max(data.values.values(), default=0))
    _axes(fig, top, step, plot_width)
    bottom = PLOT_TOP + PLOT_HEIGHT
    slot = plot_width / len(data.groups)
    bar = (slot - 16) / len(data.sexes)
    for g, (group, group_label) in enumerate(data.groups):
        left = PLOT_LEFT + g * slot + 8
        for s, (sex, _label) in enumerate(data.sexes):
            value = data.values[(sex, group)]
            height = value / top * PLOT_HEIGHT
            x = left + s * bar
            fig.shapes.append(Rect(x + 1, bottom - height, bar - 2, height, s, value))
            fig.shapes.append(Label(x + bar / 2, bottom - height - 3, format_decimal(value),
                                    "middle", 8))
        fig.shapes.append(Label(left + (slot - 16) / 2, bottom + 14, group_label, "middle", 9))
    legend_top = bottom + 34
    _legend(fig, legend_top, [
        (label, lambda x, y, s=s: [Rect(x, y - 6, 24, 12, s)])
        for s, (_sex, label) in enumerate(data.sexes)
    ])
    fig.height = legend_top + len(data.sexes) * LEGEND_ROW
    return fig.mirror() if rtl else fig


# ---------------------------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------------------------

# Line dashes and marker shapes tell the series apart without colour.
DASHES = ["", "7 4", "2 3", "9 3 2 3", "4 2"]
MARKERS = ["circle", "square", "triangle", "diamond", "cross"]
# Bar fills: solid dark, hatched, dotted, white (all outlined).
PATTERNS = ["solid", "hatch", "dots", "blank"]


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _marker_svg(m: Marker) -> str:
    x, y, r = m.x, m.y, 4
    shape = MARKERS[m.series % len(MARKERS)]
    cls = f'class="chart-marker series-{m.series}"'
    if shape == "circle":
        return f'<circle {cls} cx="{_n(x)}" cy="{_n(y)}" r="{r}"/>'
    if shape == "square":
        return f'<rect {cls} x="{_n(x - r)}" y="{_n(y - r)}" width="{2 * r}" height="{2 * r}"/>'
    if shape == "triangle":
        points = [(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)]
    elif shape == "diamond":
        points = [(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)]
    else:
        return (f'<path {cls} d="M{_n(x - r)} {_n(y - r)}L{_n(x + r)} {_n(y + r)}'
                f'M{_n(x - r)} {_n(y + r)}L{_n(x + r)} {_n(y - r)}"/>')
    return f'<polygon {cls} points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in points)}"/>'


def _patterns_svg(prefix: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{prefix}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#1f5f8b" stroke-width="3"/></pattern>'
        f'<pattern id="{prefix}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" fill="#fff"/>'
        '<circle cx="2.5" cy="2.5" r="1.3" fill="#8a4b08"/></pattern>'
        "</defs>"
    )


def _fill(prefix: str, pattern: int) -> str:
    name = PATTERNS[pattern % len(PATTERNS)]
    return {"solid": "#24292f", "hatch": f"url(#{prefix}-hatch)",
            "dots": f"url(#{prefix}-dots)", "blank": "#fff"}[name]


def svg(fig: Figure) -> Markup:
    """The figure as an accessible inline ``<svg role="img">`` titled by its ``<title>``."""
    prefix = f"chart-{fig.key}"
    anchors = ({"left": "end", "middle": "middle", "right": "start"} if fig.rtl
               else {"left": "start", "middle": "middle", "right": "end"})
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{fig.key}" role="img" '
        f'aria-labelledby="{prefix}-title" viewBox="0 0 {_n(fig.width)} {_n(fig.height)}" '
        f'direction="{"rtl" if fig.rtl else "ltr"}">',
        f'<title id="{prefix}-title">{escape(fig.title)}</title>',
        _patterns_svg(prefix),
    ]
    for s in fig.shapes:
        if isinstance(s, Line):
            out.append(f'<line class="chart-{s.kind}" x1="{_n(s.x1)}" y1="{_n(s.y1)}" '
                       f'x2="{_n(s.x2)}" y2="{_n(s.y2)}"/>')
        elif isinstance(s, Rect):
            out.append(f'<rect class="chart-bar" x="{_n(s.x)}" y="{_n(s.y)}" '
                       f'width="{_n(s.width)}" height="{_n(s.height)}" '
                       f'fill="{_fill(prefix, s.pattern)}"'
                       + ("" if s.value is None else f' data-value="{s.value}"') + "/>")
        elif isinstance(s, Polyline):
            dash = DASHES[s.series % len(DASHES)]
            points = " ".join(f"{_n(x)},{_n(y)}" for x, y in s.points)
            out.append(f'<polyline class="chart-line series-{s.series}" points="{points}"'
                       + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        elif isinstance(s, Marker):
            out.append(_marker_svg(s))
        else:
            out.append(f'<text x="{_n(s.x)}" y="{_n(s.y)}" text-anchor="{anchors[s.anchor]}" '
                       f'font-size="{_n(s.size)}">{escape(s.text)}</text>')
    out.append("</svg>")
    # Every text in it went through escape() above.
    return Markup("".join(out))  # nosec B704


# ---------------------------------------------------------------------------------------------
# PDF (ReportLab), labels through the print layout layer so every script is shaped
# ---------------------------------------------------------------------------------------------

GREY = Color(0.55, 0.55, 0.55)
SERIES_GREYS = [Color(0, 0, 0), Color(0.12, 0.37, 0.55), Color(0.54, 0.29, 0.03),
                Color(0.2, 0.5, 0.2), Color(0.45, 0.2, 0.5)]


class ChartFlowable(Flowable):
    """A ``Figure`` scaled to the frame width; labels are ``ShapedParagraph``s in ``lang``."""

    def __init__(self, fig: Figure, lang: str):
        super().__init__()
        self.fig = fig
        self.lang = lang

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        self.scale = min(1.0, availWidth / self.fig.width)
        self.width = self.fig.width * self.scale
        self.height = self.fig.height * self.scale
        return self.width, self.height

    def _xy(self, x: float, y: float) -> tuple[float, float]:
        return x * self.scale, self.height - y * self.scale

    def draw(self):
        canv = self.canv
        canv.saveState()
        for s in self.fig.shapes:
            if isinstance(s, Line):
                canv.setStrokeColor(black if s.kind == "axis" else GREY)
                canv.setLineWidth(0.8 if s.kind == "axis" else 0.3)
                canv.line(*self._xy(s.x1, s.y1), *self._xy(s.x2, s.y2))
            elif isinstance(s, Rect):
                self._bar(s)
            elif isinstance(s, Polyline):
                canv.setStrokeColor(SERIES_GREYS[s.series % len(SERIES_GREYS)])
                canv.setLineWidth(1.4)
                dash = DASHES[s.series % len(DASHES)]
                canv.setDash([float(d) for d in dash.split()] if dash else [])
                path = canv.beginPath()
                path.moveTo(*self._xy(*s.points[0]))
                for point in s.points[1:]:
                    path.lineTo(*self._xy(*point))
                canv.drawPath(path, stroke=1, fill=0)
                canv.setDash([])
            elif isinstance(s, Marker):
                self._marker(s)
            else:
                self._label(s)
        canv.restoreState()

    def _bar(self, s: Rect) -> None:
        canv = self.canv
        x, y = self._xy(s.x, s.y + s.height)
        w, h = s.width * self.scale, s.height * self.scale
        if h <= 0:
            return
        name = PATTERNS[s.pattern % len(PATTERNS)]
        canv.setStrokeColor(black)
        canv.setLineWidth(0.6)
        canv.setFillColor(black if name == "solid" else white)
        canv.rect(x, y, w, h, stroke=1, fill=1)
        if name in ("hatch", "dots"):
            canv.saveState()
            clip = canv.beginPath()
            clip.rect(x, y, w, h)
            canv.clipPath(clip, stroke=0, fill=0)
            canv.setLineWidth(0.8)
            canv.setFillColor(black)
            if name == "hatch":
                offset = -h
                while offset < w:
                    canv.line(x + offset, y, x + offset + h, y + h)
                    offset += 4
            else:
                for i in range(int(w // 4) + 1):
                    for j in range(int(h // 4) + 1):
                        canv.circle(x + 2 + i * 4, y + 2 + j * 4, 0.7, stroke=0, fill=1)
            canv.restoreState()

    def _marker(self, m: Marker) -> None:
        canv = self.canv
        x, y = self._xy(m.x, m.y)
        r = 3 * self.scale + 0.5
        colour = SERIES_GREYS[m.series % len(SERIES_GREYS)]
        canv.setStrokeColor(colour)
        canv.setFillColor(white)
        canv.setLineWidth(1)
        shape = MARKERS[m.series % len(MARKERS)]
        if shape == "circle":
            canv.circle(x, y, r, stroke=1, fill=1)
        elif shape == "square":
            canv.rect(x - r, y - r, 2 * r, 2 * r, stroke=1, fill=1)
        elif shape == "cross":
            canv.line(x - r, y - r, x + r, y + r)
            canv.line(x - r, y + r, x + r, y - r)
        else:
            points = ([(x, y + r + 1), (x + r + 1, y - r), (x - r - 1, y - r)]
                      if shape == "triangle" else
                      [(x, y + r + 1), (x + r + 1, y), (x, y - r - 1), (x - r - 1, y)])
            path = canv.beginPath()
            path.moveTo(*points[0])
            for point in points[1:]:
                path.lineTo(*point)
            path.close()
            canv.drawPath(path, stroke=1, fill=1)

    def _label(self, s: Label) -> None:
        size = max(6.0, s.size * self.scale)
        x, y = self._xy(s.x, s.y)
        # a label beside its key may run to the figure's edge: wrapped, a long legend label
        # (Sorani, Pashto) grew upwards over the row above it
        box = {"middle": 90, "left": self.width - x, "right": x}[s.anchor]
        rtl = self.fig.rtl
        align = {"middle": "center",
                 "left": "end" if rtl else "start",
                 "right": "start" if rtl else "end"}[s.anchor]
        para = ShapedParagraph(s.text, LayoutStyle(lang=self.lang, font_size=size, align=align,
                                                   leading=size * 1.2))
        _w, h = para.wrapOn(self.canv, box, 100)
        left = {"left": x, "middle": x - box / 2, "right": x - box}[s.anchor]
        # the baseline sits about a third of the line above the paragraph's bottom
        para.drawOn(self.canv, left, y - h * 0.3)


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------

@dataclass
class PageCharts:
    """What ``templates/stats/_charts.html`` shows: the data, the figures and their SVG."""

    data: Charts
    trend: Figure
    sex_age: Figure

    @property
    def trend_svg(self) -> Markup:
        return svg(self.trend)

    @property
    def sex_age_svg(self) -> Markup:
        return svg(self.sex_age)


def page_charts(stats: MonthlyStatistics) -> PageCharts:
    """The charts of ``stats`` in the current locale and text direction."""
    data = monthly_charts(stats)
    rtl = text_direction() == "rtl"
    return PageCharts(data, trend_figure(data.trend, rtl), sex_age_figure(data.sex_age, rtl))
