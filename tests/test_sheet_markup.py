"""The markup of information sheets: parsing per country and readable validation problems."""

import pytest
from flask_babel import force_locale

from mrc.sheets.markup import Heading, ListItem, Paragraph, QrCode, Table, parse, validate

BODY = """\
Intro line one
and line two.
[PK] Only in Pakistan.

# Steps
- first
[PK][BD] - second
[IQ] - third

| Left | Right |
| a | b |
[BD] | c | d |
| e | f |

@qr https://example.org/page?x=1
"""


def test_parse_blocks_in_order_for_iraq():
    assert parse(BODY, "IQ") == [
        Paragraph("Intro line one and line two."),
        Heading("Steps"),
        ListItem("first"),
        ListItem("third"),
        Table([("Left", "Right"), ("a", "b"), ("e", "f")]),
        QrCode("https://example.org/page?x=1"),
    ]


def test_country_tags_select_lines():
    pk = parse(BODY, "PK")
    assert pk[0] == Paragraph("Intro line one and line two. Only in Pakistan.")
    assert [b.text for b in pk if isinstance(b, ListItem)] == ["first", "second"]
    bd = parse(BODY, "bd")  # country codes are not case-sensitive
    assert [b.text for b in bd if isinstance(b, ListItem)] == ["first", "second"]
    table = next(b for b in bd if isinstance(b, Table))
    assert table.rows == [("Left", "Right"), ("a", "b"), ("c", "d"), ("e", "f")]


def test_blank_line_splits_paragraphs_and_tables():
    body = "one\ntwo\n\nthree\n| a | b |\n\n| c | d |\n"
    assert parse(body, "PK") == [
        Paragraph("one two"),
        Paragraph("three"),
        Table([("a", "b")]),
        Table([("c", "d")]),
    ]


def test_left_out_heading_still_ends_a_paragraph():
    body = "one\n[PK] # Only PK\ntwo\n"
    assert parse(body, "IQ") == [Paragraph("one"), Paragraph("two")]
    assert parse(body, "PK") == [Paragraph("one"), Heading("Only PK"), Paragraph("two")]


def test_right_to_left_text_and_urls_kept_verbatim():
    body = "# ہجرت\n- پاسپورٹ اپنے پاس رکھیں۔\n@qr https://beoe.gov.pk\n"
    assert parse(body, "PK") == [
        Heading("ہجرت"), ListItem("پاسپورٹ اپنے پاس رکھیں۔"), QrCode("https://beoe.gov.pk"),
    ]


def test_valid_body_has_no_problems():
    assert validate(BODY) == []


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        ("[AF] text", "unknown country tag [AF]"),
        ("[PAK] - item", "unknown country tag [PAK]"),
        ("[PK][PK] text", "twice"),
        ("| only one |", "exactly two cells"),
        ("| a | b | c |", "exactly two cells"),
        ("| a |  |", "cell is empty"),
        ("@qr http://example.org", "https://"),
        ("@qr example.org", "https://"),
        ("@qr https://", "https://"),
        ("@qr", "https://"),
        ("# ", "no text"),
        ("-", "no text"),
        ("[PK]", "no text"),
    ],
)
def test_problems_are_reported(body, fragment):
    problems = validate("Intro.\n" + body if body.strip() else body)
    assert len(problems) == 1, problems
    assert fragment in problems[0]
    if body.strip():
        assert problems[0].startswith("Line 2:")


def test_parse_drops_what_validate_reports():
    body = "# \n- \n@qr http://insecure.example\n[XX] hidden everywhere\nshown\n"
    assert parse(body, "PK") == [Paragraph("shown")]
    assert len(validate(body)) == 4


def test_problems_use_the_request_language(app):
    # The catalogues get these msgids at merge time; here only that placeholders are filled
    # and the result is a plain string inside a request in another language.
    with app.test_request_context(), force_locale("ur"):
        problems = validate("| a | b | c |")
    assert len(problems) == 1
    assert isinstance(problems[0], str) and "%(" not in problems[0]
    assert "1" in problems[0]


def test_without_a_country_only_untagged_lines_print():
    assert parse("all\n[PK] pk only\n", None) == [Paragraph("all")]
    assert parse("all\n[PK] pk only\n", "") == [Paragraph("all")]
