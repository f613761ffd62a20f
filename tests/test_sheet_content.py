"""The seeded information sheets: complete, valid, the same in every language, right per country."""

import unicodedata
from pathlib import Path

import pytest

from mrc.sheets import markup, seeds
from mrc.sheets.markup import QrCode

SHEETS = seeds.seed_documents()
TOPICS = [sheet.topic for sheet in SHEETS]
VERSIONS = [(sheet.topic, lang) for sheet in SHEETS for lang in seeds.LANGUAGES]
COUNTRIES = markup.COUNTRIES

# Names that belong to one country only (FACTS.md gives them for that country). They stay in
# Latin letters in every translation, so the check holds for all seven languages.
OWN_NAMES = {
    "PK": ("BEOE", "OEP", "OEC", "OPF", "FIA", "PARIM", "SAFER", "1979", "2018",
           "beoe.gov.pk", "fia.gov.pk", "opf.org.pk"),
    "BD": ("BMET", "BOESL", "2013", "bmet.gov.bd", "wewb.gov.bd"),
    "IQ": ("MoMD",),
}

SCRIPTS = {  # language -> (Unicode name prefix of its letters, least share of all letters)
    "ur": ("ARABIC", 0.65),
    "ar": ("ARABIC", 0.65),
    "ckb": ("ARABIC", 0.65),
    "ps": ("ARABIC", 0.65),
    "fa_AF": ("ARABIC", 0.65),
    "bn": ("BENGALI", 0.65),
}


def sheet(topic):
    return next(s for s in SHEETS if s.topic == topic)


def shape(body):
    """The line-by-line structure of a body: country tags, kind, cell count and QR target."""
    return [
        (line.tags, line.kind, len(line.cells), line.text if line.kind == "qr" else None)
        for line in markup.lines(body)
        if line is not None
    ]


def printed_text(blocks):
    parts = []
    for block in blocks:
        if isinstance(block, markup.Table):
            parts.extend(cell for row in block.rows for cell in row)
        elif isinstance(block, QrCode):
            parts.append(block.url)
        else:
            parts.append(block.text)
    return "\n".join(parts)


def test_at_least_six_topics_in_order():
    assert len(SHEETS) >= 6
    assert {"working_abroad_legally", "recruitment_fees", "eu_talent_partnerships",
            "before_you_leave", "trafficking_smuggling", "returning_home"} <= set(TOPICS)
    positions = [s.position for s in SHEETS]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert all(len(topic) <= 40 for topic in TOPICS)  # InfoSheet.topic is String(40)


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_has_all_seven_languages(topic):
    assert set(sheet(topic).versions) == set(seeds.LANGUAGES)


@pytest.mark.parametrize("topic, lang", VERSIONS)
def test_every_version_validates(topic, lang):
    title, body = sheet(topic).versions[lang]
    assert title and len(title) <= 200  # SheetVersion.title is String(200)
    assert markup.validate(body) == []


@pytest.mark.parametrize("topic, lang", VERSIONS)
def test_every_language_has_the_english_structure(topic, lang):
    english = sheet(topic).versions["en"][1]
    body = sheet(topic).versions[lang][1]
    assert shape(body) == shape(english)
    for country in COUNTRIES:
        kinds = [type(b).__name__ for b in markup.parse(body, country)]
        assert kinds == [type(b).__name__ for b in markup.parse(english, country)]


@pytest.mark.parametrize("topic", TOPICS)
def test_every_sheet_has_a_list_and_a_qr_code(topic):
    body = sheet(topic).versions["en"][1]
    kinds = {line.kind for line in markup.lines(body) if line is not None}
    assert {"heading", "item", "qr", "text"} <= kinds
    for country in COUNTRIES:
        assert markup.parse(body, country)
    assert any(isinstance(b, QrCode) for b in markup.parse(body, "PK"))
    assert any(isinstance(b, QrCode) for b in markup.parse(body, "BD"))


def test_some_sheet_has_a_two_column_table():
    assert any(isinstance(b, markup.Table) and len(b.rows) >= 2
               for s in SHEETS for b in markup.parse(s.versions["en"][1], "IQ"))


def test_eu_sheet_links_to_the_eu_immigration_portal():
    body = sheet("eu_talent_partnerships").versions["en"][1]
    for country in COUNTRIES:
        urls = [b.url for b in markup.parse(body, country) if isinstance(b, QrCode)]
        assert urls == ["https://home-affairs.ec.europa.eu/policies/migration-and-asylum/"
                        "eu-immigration-portal_en"]


@pytest.mark.parametrize("topic, lang", VERSIONS)
def test_no_country_sees_another_countrys_lines(topic, lang):
    body = sheet(topic).versions[lang][1]
    for country in COUNTRIES:
        text = printed_text(markup.parse(body, country))
        assert text.strip()
        shown = [line for line in markup.lines(body) if line and line.shown_in(country)]
        shown_text = "\n".join(line.text + " ".join(line.cells) for line in shown)
        for line in markup.lines(body):
            if line and not line.shown_in(country):
                for part in (line.text, *line.cells):
                    if part and part not in shown_text:
                        assert part not in text, (country, line.number)
        for other, names in OWN_NAMES.items():
            if other != country:
                for name in names:
                    assert name not in text, (country, name)


def test_sources_are_listed_and_allowed():
    allowed = seeds.allowed_sources()
    assert allowed
    for s in SHEETS:
        assert s.sources, s.topic
        assert set(s.sources) <= set(allowed), s.topic


def test_every_qr_target_is_a_listed_source():
    allowed = "\n".join(seeds.allowed_sources())
    for s in SHEETS:
        for line in markup.lines(s.versions["en"][1]):
            if line and line.kind == "qr":
                assert f"QR {line.text}" in allowed
                assert any(source.startswith(f"QR {line.text}") for source in s.sources)


def test_cited_seed_files_exist_where_the_shared_folder_is_present():
    seeds_dir = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if not seeds_dir.is_dir():
        pytest.skip("the shared seed documents are not on this machine")
    for source in seeds.allowed_sources():
        if source.startswith("seeds/"):
            assert (seeds_dir / source.split()[0].removeprefix("seeds/")).is_file(), source


@pytest.mark.parametrize("topic, lang", [v for v in VERSIONS if v[1] in SCRIPTS])
def test_translations_are_in_their_script(topic, lang):
    title, body = sheet(topic).versions[lang]
    script, share = SCRIPTS[lang]
    # Latin names (BEOE, EU Immigration Portal) and URLs are expected; count the rest.
    text = title + "\n" + "\n".join(
        part for line in markup.lines(body) if line and line.kind != "qr"
        for part in (line.text, *line.cells))
    letters = [ch for ch in text if ch.isalpha()]
    native = [ch for ch in letters if unicodedata.name(ch, "").startswith(script)]
    assert len(native) / len(letters) >= share, (topic, lang)
    assert native, (topic, lang)
    # Each line is mostly in the script too: an untranslated English line is caught.
    for line in markup.lines(body):
        if line and line.kind != "qr":
            line_letters = [ch for ch in line.text + "".join(line.cells) if ch.isalpha()]
            line_native = [ch for ch in line_letters
                           if unicodedata.name(ch, "").startswith(script)]
            assert len(line_native) >= len(line_letters) / 2, (topic, lang, line.number)
    # Every non-Latin letter is in the language's own script (no stray Arabic in Bengali).
    foreign = [ch for ch in letters
               if not unicodedata.name(ch, "").startswith((script, "LATIN"))]
    assert not foreign, (topic, lang, sorted(set(foreign))[:10])


def test_files_are_packaged():
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert '"sheets/content/*.toml"' in pyproject
    assert '"sheets/content/*/*.txt"' in pyproject
