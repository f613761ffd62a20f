"""The seeded information sheets, read from the text files in ``mrc/sheets/content/``.

``content/topics.toml`` lists each topic's code, position and sources (the lines of the shared
FACTS page and the seed documents each fact comes from; "(verify)" marks general public
knowledge a centre confirms before it publishes). ``content/<topic>/<lang>.txt`` holds one
language version: a first line ``title: ...`` and then the body in the markup of
``mrc.sheets.markup``. Seeded versions are drafts; a manager reviews and publishes them.
"""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONTENT = Path(__file__).resolve().parent / "content"
LANGUAGES = ("en", "ur", "ar", "ckb", "bn", "ps", "fa_AF")


@dataclass
class SeedSheet:
    topic: str
    position: int
    sources: list[str]
    versions: dict[str, tuple[str, str]] = field(default_factory=dict)  # lang -> (title, body)


def read_version(path: Path) -> tuple[str, str]:
    """(title, body) of one language file; raises ValueError without a ``title:`` first line."""
    text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    first, _sep, body = text.partition("\n")
    key, colon, title = first.partition(":")
    if key.strip().lower() != "title" or not colon or not title.strip():
        raise ValueError(f"{path}: the first line must be 'title: ...'")
    return title.strip(), body.strip("\n") + "\n"


def topics() -> list[dict]:
    """The ``[[topic]]`` tables of topics.toml, ordered by position."""
    with (CONTENT / "topics.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return sorted(data["topic"], key=lambda t: t["position"])


def allowed_sources() -> list[str]:
    """The source names a topic may cite (the FACTS page and the seed documents)."""
    with (CONTENT / "topics.toml").open("rb") as fh:
        return list(tomllib.load(fh)["allowed_sources"])


def seed_documents() -> list[SeedSheet]:
    """Every seeded sheet with all of its language versions present in the content folder."""
    sheets = []
    for topic in topics():
        code = topic["code"]
        versions = {}
        for lang in LANGUAGES:
            path = CONTENT / code / f"{lang}.txt"
            if path.exists():
                versions[lang] = read_version(path)
        sheets.append(SeedSheet(code, int(topic["position"]), list(topic["sources"]), versions))
    return sheets
