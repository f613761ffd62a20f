"""Time to build one printed information sheet per language, ours against WeasyPrint.

Usage: .venv/bin/python benchmarks/sheets.py [--topic working_abroad_legally|all] [--runs 20]

For each of the seven languages it builds the seeded sheet of a topic for the Lahore centre (Dhaka
for Bengali, Erbil for Arabic and Sorani) with the service's renderer (ReportLab + our layout layer)
and prints the median and p95 time of a warm build, the PDF size and pages. When WeasyPrint is
importable it builds the same content (same fonts, header, blocks, QR code, footer) from HTML in
the same run — the tool most teams would pick instead — and prints its figures beside ours.

"Warm" is a long-running worker's state: every language is built once before any is timed
(fonts loaded, the layout layer's caches filled), then the languages are timed in turns, one
build each per round, so a busy machine slows them all alike and the ratios stay comparable.
WeasyPrint is timed one language after the other (its own caches at their best).
WeasyPrint is not a dependency of the service; to compare, install it for the benchmark only:

    python3 -m venv /tmp/wp && /tmp/wp/bin/pip install -e . weasyprint==70.0
    /tmp/wp/bin/python benchmarks/sheets.py

Targets (issue #5): every language at most 50 ms per sheet, none more than 1.5 times the English
sheet, and faster than WeasyPrint.
"""

import argparse
import base64
import html
import re
import statistics
import time

from common import benchmark_app, fresh_schema, percentile
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from mrc.centres.models import Centre
from mrc.centres.services import seed_centres
from mrc.extensions import db
from mrc.i18n import LANGUAGES, RIGHT_TO_LEFT
from mrc.sheets import markup
from mrc.sheets.layout import fonts
from mrc.sheets.models import InfoSheet
from mrc.sheets.render import SheetJob, opening_hours_text, render_sheets
from mrc.sheets.services import latest_version, seed_sheets

CENTRE_FOR = {"bn": "DAC", "ar": "EBL", "ckb": "EBL"}


def timed_in_turns(builds: dict[str, object], runs: int) -> dict[str, tuple[list[float], bytes]]:
    """Milliseconds of ``runs`` builds of each entry, one of each per round, after one warm-up
    build of every entry; with the last PDF built."""
    pdfs = {key: build() for key, build in builds.items()}
    times: dict[str, list[float]] = {key: [] for key in builds}
    for _run in range(runs):
        for key, build in builds.items():
            start = time.perf_counter()
            pdfs[key] = build()
            times[key].append((time.perf_counter() - start) * 1000)
    return {key: (times[key], pdfs[key]) for key in builds}


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def _qr_svg(url: str) -> str:
    from reportlab.graphics import renderSVG
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(url)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(x2 - x1, y2 - y1)
    drawing.add(widget)
    return renderSVG.drawToString(drawing)


def sheet_html(centre: Centre, version, lang: str) -> str:
    """The same sheet as HTML + CSS for WeasyPrint: same fonts, blocks, QR code and footer."""
    font_files = fonts._font_paths()
    faces = "".join(
        f"@font-face {{ font-family: '{key}'; src: url('{path.as_uri()}'); }}\n"
        for key, path in font_files.items())
    main = fonts.main_face(lang).key
    direction = "rtl" if lang in RIGHT_TO_LEFT else "ltr"
    parts = [f"<h2>{html.escape(centre.name)}</h2>",
             f"<p class=small>{html.escape(centre.address or centre.city)}</p>",
             f"<p class=small>{html.escape(_('Phone'))}: <bdi dir=ltr>{html.escape(centre.phone)}"
             "</bdi></p>"]
    hours = opening_hours_text(centre, lang)
    if hours:
        parts.append(f"<p class=small>{html.escape(_('Opening hours'))}: {html.escape(hours)}</p>")
    parts.append(f"<h1>{html.escape(version.title)}</h1>")
    in_list = False
    for block in markup.parse(version.body, centre.country):
        if isinstance(block, markup.ListItem) != in_list:
            parts.append("<ul>" if not in_list else "</ul>")
            in_list = not in_list
        if isinstance(block, markup.Heading):
            parts.append(f"<h3>{html.escape(block.text)}</h3>")
        elif isinstance(block, markup.Paragraph):
            parts.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, markup.ListItem):
            parts.append(f"<li>{html.escape(block.text)}</li>")
        elif isinstance(block, markup.Table):
            rows = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>"
                           for a, b in block.rows)
            parts.append(f"<table>{rows}</table>")
        elif isinstance(block, markup.QrCode):
            svg = base64.b64encode(_qr_svg(block.url).encode()).decode()
            parts.append(f"<p><img src='data:image/svg+xml;base64,{svg}' width=74> "
                         f"<bdi dir=ltr>{html.escape(block.url)}</bdi></p>")
    if in_list:
        parts.append("</ul>")
    footer = html.escape(f"{version.title} · {LANGUAGES.get(lang, lang)}")
    return f"""<!doctype html><html lang="{lang.replace('_', '-')}" dir="{direction}"><head>
<style>{faces}
@page {{ size: A4; margin: 15mm 18mm 22mm;
  @bottom-center {{ content: "{footer} · " counter(page) " / " counter(pages);
                    font-family: '{main}', 'noto-sans'; font-size: 8pt; }} }}
body {{ font-family: '{main}', 'noto-sans', 'noto-sans-arabic', 'hind-siliguri';
        font-size: 10.5pt; }}
h1 {{ font-size: 19pt; color: #1f4e79; }} h2 {{ font-size: 14pt; color: #1f4e79; }}
.small {{ font-size: 9.5pt; color: #666; margin: 0; }}
table {{ border-collapse: collapse; width: 100%; }} td {{ border: 0.5pt solid #b0b7bf; }}
</style></head><body>{''.join(parts)}</body></html>"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topic", default="working_abroad_legally",
                        help="a seeded topic, or 'all' for each in turn")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    try:
        import weasyprint
    except ImportError:
        weasyprint = None

    app = benchmark_app(None, "mrc-sheets-bench-")
    with app.app_context(), app.test_request_context():
        fresh_schema()
        seed_centres()
        seed_sheets()
        topics = (list(db.session.scalars(select(InfoSheet.topic).order_by(InfoSheet.id)))
                  if args.topic == "all" else [args.topic])
        for topic in topics:
            bench_topic(topic, args.runs, weasyprint)
        db.session.remove()
        db.engine.dispose()


def bench_topic(topic: str, runs: int, weasyprint) -> None:
    sheet = db.session.scalar(select(InfoSheet).where(InfoSheet.topic == topic))
    print(f"Sheet '{topic}', A4, {runs} warm builds per language; "
          f"Nastaliq for Urdu: {'yes' if fonts.has_nastaliq() else 'no (Naskh)'}; "
          f"WeasyPrint: {weasyprint.__version__ if weasyprint else 'not installed'}")
    print(f"{'language':10s} {'ours p50':>9s} {'p95':>7s} {'size':>8s} {'pages':>5s}   "
          f"{'WeasyPrint p50':>14s} {'p95':>7s} {'size':>8s}   {'ratio':>5s}")
    ours_builds, their_builds = {}, {}
    for lang in LANGUAGES:
        centre = db.session.scalar(
            select(Centre).where(Centre.code == CENTRE_FOR.get(lang, "LHR")))
        version = latest_version(sheet.id, lang)
        ours_builds[lang] = (lambda centre=centre, version=version:
                             render_sheets(centre, [SheetJob(version, topic)]))
        if weasyprint:
            with force_locale(lang):
                document = sheet_html(centre, version, lang)
            their_builds[lang] = (lambda document=document:
                                  weasyprint.HTML(string=document).write_pdf())
    ours_all = timed_in_turns(ours_builds, runs)
    theirs_all = {}
    for lang, build in their_builds.items():
        theirs_all.update(timed_in_turns({lang: build}, max(5, runs // 2)))
    english = statistics.median(ours_all["en"][0])
    for lang, (ours, pdf) in ours_all.items():
        median = statistics.median(ours)
        line = (f"{lang:10s} {median:7.1f}ms {percentile(ours, 0.95):5.1f}ms "
                f"{len(pdf) / 1024:6.1f}kB {page_count(pdf):5d}")
        if weasyprint:
            theirs, their_pdf = theirs_all[lang]
            line += (f"   {statistics.median(theirs):12.1f}ms "
                     f"{percentile(theirs, 0.95):5.1f}ms {len(their_pdf) / 1024:6.1f}kB   "
                     f"{statistics.median(theirs) / median:4.1f}x")
        print(line + f"   ({median / english:.2f}x English)")


if __name__ == "__main__":
    main()
