"""The small markup of information sheets: one text per language, parsed per country.

Lines (after an optional country tag such as ``[PK] `` or ``[PK][BD] ``, which makes the line
print only for centres in one of those countries):

- ``# Heading``
- ``- list item``
- ``| left cell | right cell |`` -- consecutive rows form one two-column table whose first row
  is the header
- ``@qr https://...`` -- target of a QR code
- a blank line ends a paragraph; any other line is paragraph text, and consecutive text lines
  join with a space.

``parse`` is forgiving (a manager's draft must still preview); ``validate`` lists every problem
in words a manager understands, so a version with problems is not published.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext as _

COUNTRIES = ("PK", "IQ", "BD")

# One or more tags at the start of a line, e.g. "[PK]" or "[PK][BD]". Anything between square
# brackets that looks like a code counts as a tag, so that a mistyped "[PAK]" is reported rather
# than printed as text for every country.
_TAGS = re.compile(r"^((?:\[[A-Za-z]{2,3}\]\s*)+)")
_TAG = re.compile(r"\[([A-Za-z]{2,3})\]")


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class ListItem:
    text: str


@dataclass(frozen=True)
class Table:
    rows: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class QrCode:
    url: str


Block = Heading | Paragraph | ListItem | Table | QrCode


@dataclass(frozen=True)
class Line:
    """One non-blank source line, classified (used by ``parse``, ``validate`` and tests)."""

    number: int  # 1-based line number in the body
    tags: tuple[str, ...]  # country codes as written, upper-cased; empty = every country
    kind: str  # "heading", "item", "row", "qr" or "text"
    text: str  # text of the heading/item/paragraph line, or the QR target
    cells: tuple[str, ...] = ()  # the cells of a table row

    def shown_in(self, country: str | None) -> bool:
        return not self.tags or (country or "").upper() in self.tags


def split_line(number: int, raw: str) -> Line | None:
    """Classify one source line; None for a blank line."""
    line = raw.strip()
    if not line:
        return None
    tags: tuple[str, ...] = ()
    match = _TAGS.match(line)
    if match:
        tags = tuple(code.upper() for code in _TAG.findall(match.group(1)))
        line = line[match.end():].strip()
    if line == "#" or line.startswith("# "):
        return Line(number, tags, "heading", line[1:].strip())
    if line == "-" or line.startswith("- "):
        return Line(number, tags, "item", line[1:].strip())
    if line.startswith("|"):
        inner = line[1:-1] if line.endswith("|") and len(line) > 1 else line[1:]
        cells = tuple(cell.strip() for cell in inner.split("|"))
        return Line(number, tags, "row", "", cells)
    if line == "@qr" or line.startswith(("@qr ", "@qr\t")):
        return Line(number, tags, "qr", line[3:].strip())
    return Line(number, tags, "text", line)


def lines(body: str) -> list[Line | None]:
    """Every line of ``body`` classified; None stands for a blank line (a paragraph break)."""
    return [split_line(number, raw) for number, raw in enumerate(body.splitlines(), start=1)]


def is_https_url(url: str) -> bool:
    if not url or any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


def parse(body: str, country: str | None) -> list[Block]:
    """The blocks of ``body`` as printed for a centre in ``country`` (ISO code, e.g. "PK").

    Lines tagged for other countries are left out as if absent, except that a left-out line of
    another kind still ends an open paragraph or table, so every country's sheet keeps the same
    shape. Without a country (None or ""), only untagged lines print. Faulty lines are printed as well as they can be (empty headings and items and QR
    targets that are not https addresses are dropped); ``validate`` reports them.
    """
    blocks: list[Block] = []
    paragraph: list[str] = []
    rows: list[tuple[str, str]] = []

    def flush(keep: str = "") -> None:
        if keep != "text" and paragraph:
            blocks.append(Paragraph(" ".join(paragraph)))
            paragraph.clear()
        if keep != "row" and rows:
            blocks.append(Table(list(rows)))
            rows.clear()

    for line in lines(body):
        if line is None:
            flush()
            continue
        if not line.shown_in(country):
            flush(keep=line.kind)
            continue
        flush(keep=line.kind)
        if line.kind == "text":
            paragraph.append(line.text)
        elif line.kind == "row":
            cells = line.cells
            if any(cells):
                rows.append((cells[0], " ".join(c for c in cells[1:] if c)))
        elif line.kind == "heading" and line.text:
            blocks.append(Heading(line.text))
        elif line.kind == "item" and line.text:
            blocks.append(ListItem(line.text))
        elif line.kind == "qr" and is_https_url(line.text):
            blocks.append(QrCode(line.text))
    flush()
    return blocks


def validate(body: str) -> list[str]:
    """Readable problems of ``body`` in the current language; an empty list means it is fine."""
    problems: list[str] = []
    if not body or not body.strip():
        return [_("The text is empty.")]
    for line in lines(body):
        if line is None:
            continue
        n = line.number
        for tag in line.tags:
            if tag not in COUNTRIES:
                problems.append(
                    _("Line %(line)s: unknown country tag [%(tag)s]; use [PK], [IQ] or [BD].",
                      line=n, tag=tag))
        if len(set(line.tags)) != len(line.tags):
            problems.append(_("Line %(line)s: the same country tag is written twice.", line=n))
        if line.kind == "row":
            if len(line.cells) != 2:
                problems.append(
                    _("Line %(line)s: a table row needs exactly two cells, like | left | right |.",
                      line=n))
            elif not all(line.cells):
                problems.append(_("Line %(line)s: a table cell is empty.", line=n))
        elif line.kind == "qr":
            if not is_https_url(line.text):
                problems.append(
                    _("Line %(line)s: the QR code needs an address starting with https://.",
                      line=n))
        elif not line.text:
            problems.append(_("Line %(line)s: there is no text on this line.", line=n))
    if not problems and not any(line and line.kind != "qr" for line in lines(body)):
        problems.append(_("The text is empty."))
    return problems
