"""Hostile and bad input against every form of the app.

The forms come from the permission matrix (``tests/test_permissions.py`` and the feature
``tests/matrix_*.py`` modules), which must already list every route: so a new form is fuzzed
here without anyone remembering to add it. The fields of each form are read from the pages
that show it (every page of the matrix, and the answer to a first valid post), with their
defaults, so that one hostile field at a time reaches the deeper checks.

For every post: no 5xx; a refused post (anything but a redirect) changes no row; what is
shown back is escaped (no raw ``<script>``, no evaluated template syntax). Stored hostile text
is then shown on every page, in the CSV exports (formula cells neutralised) and in the PDFs.
Hypothesis runs derandomised with few examples, so the file stays quick and reproducible.
"""

import csv
import io
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from mrc.actor import Actor
from mrc.clients.services import ClientData, register_client
from mrc.extensions import db
from tests.conftest import csrf_token, login
from tests.test_permissions import (
    ADMIN,
    ALL_ROUTES,
    ANONYMOUS,
    COUNSELLOR,
    MANAGER,
    OK,
    POST_BODIES,
    REDIRECT,
    _objects,
)

SCRIPT = '<script>alert("mrc")</script>'
TEMPLATE = "{{ 9999*9999 }}{% print 9999*9999 %}"
EVALUATED = "99980001"
FORMULAS = ['=HYPERLINK("http://example.com","x")', "+1+1", "-1+1", "@SUM(A1)"]

# Applied to every field of a form at once.
SAMPLES = [
    f"{SCRIPT} {TEMPLATE} Robert') OR 1=1; DROP TABLE clients; --",
    "a\x00b\x01\x07\x1b[31m\x7f",
    "\u202a\u202b\u202c\u202d\u202e name \u2066\u2067\u2068\u2069",
    "2026-02-30",
    "0000-01-01T00:00",
    "99999-12-31",
    "-" + "9" * 40,
    FORMULAS[0],
    "x" * 10_000,
]
MEGABYTE = "ب" * 200_000 + "x" * 400_000  # 1 MB in UTF-8
VALUES = st.one_of(
    st.sampled_from(SAMPLES + FORMULAS + ["", " ", "\r\n", "😀" * 30, "ب" * 10_000]),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40),
)
ALL_FIELDS = "*"
FUZZ = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

# Rows that a refused post may still write: the audit of the attempt, failed logins.
MAY_CHANGE = {"audit_events", "login_failures", "user_sessions"}


def _poster(own: dict) -> str:
    """The role that gets furthest into a form: the one whose own-centre post is accepted."""
    if own.get(ANONYMOUS) == OK:
        return ANONYMOUS
    for wanted in (OK, REDIRECT):
        for role in (MANAGER, COUNSELLOR, ADMIN):
            if own.get(role) == wanted:
                return role
    return MANAGER


POST_ROUTES = sorted({(endpoint, path, _poster(own))
                      for endpoint, method, path, own, _other in ALL_ROUTES if method == "POST"})
GET_PAGES = [(path, own) for _endpoint, method, path, own, _other in ALL_ROUTES
             if method == "GET"]
DOWNLOADS = (".pdf", ".csv", ".xlsx", ".json")


class _Forms(HTMLParser):
    """The post forms of a page: action and fields with the values a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = self._select = self._textarea = None

    def _field(self, name, value=None, *, add=False):
        fields = self._form["fields"]
        values = fields.setdefault(name, [])
        if value is not None and (add or not values):
            values.append(value)

    def handle_starttag(self, tag, attrs):
        a = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = {"action": a.get("action", ""), "fields": {}}
                self.forms.append(self._form)
            return
        name = a.get("name")
        if self._form is None:
            return
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self._field(name, a.get("value", "on") if "checked" in a else None, add=True)
            elif kind not in ("submit", "button", "image", "file", "reset"):
                self._field(name, a.get("value", ""))
        elif tag == "button" and name:
            self._field(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self._field(name)
        elif tag == "option" and self._select:
            values = self._form["fields"][self._select]
            if "selected" in a:
                values[:] = [a.get("value", "")]
            elif not values:
                values.append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["fields"][name] = [""]

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms_on(page_url: str, response) -> list[tuple[str, dict]]:
    if response.status_code != 200 or not response.mimetype == "text/html":
        return []
    parser = _Forms()
    parser.feed(response.get_data(as_text=True))
    return [(urlsplit(urljoin(page_url, form["action"] or page_url)).path, form["fields"])
            for form in parser.forms]


def _row_counts() -> dict[str, int]:
    db.session.rollback()
    tables = [table for table in db.metadata.sorted_tables if table.name not in MAY_CHANGE]
    counts = db.session.execute(select(*[
        select(func.count()).select_from(table).scalar_subquery() for table in tables])).one()
    return dict(zip([table.name for table in tables], counts, strict=True))


def _assert_shown_safely(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        assert SCRIPT not in page, f"{what}: unescaped script"
        assert EVALUATED not in page, f"{what}: template syntax evaluated"


_CRAWLED: dict[str, dict[str, list[dict]]] = {}


class FormUnderTest:
    """One POST route with a logged-in test client and the fields of its form."""

    def __init__(self, client, staff, path: str, role: str):
        self.client, self.role, self._token = client, role, ""
        self.user = {COUNSELLOR: staff.lhr_counsellor, MANAGER: staff.lhr_manager,
                     ADMIN: staff.admin}.get(role)
        self.objects = _objects(staff)["own"]
        self.path, self.url = path, path.format(**self.objects)
        self.log_in()
        self.fields = self._find_fields()

    def log_in(self) -> None:
        if self.user is not None:
            login(self.client, self.user)
        self._token = ""

    def token(self) -> str:
        if not self._token:
            self._token = csrf_token(self.client, "/login" if self.user is None else "/")
        return self._token

    def _crawl(self) -> dict[str, list[dict]]:
        """The forms on every page the role may open, by the path template they post to.

        Read once per role and kept: the objects of later tests are made in the same order.
        """
        if self.role not in _CRAWLED:
            templates = {path.format(**self.objects): path for _, path, _ in POST_ROUTES}
            found: dict[str, list[dict]] = {}
            for path, own in GET_PAGES:
                if own.get(self.role) != OK or path.endswith(DOWNLOADS):
                    continue
                url = path.format(**self.objects)
                for action, fields in _forms_on(url, self.client.get(url)):
                    if action in templates:
                        found.setdefault(templates[action], []).append(fields)
            _CRAWLED[self.role] = found
        return _CRAWLED[self.role]

    def _find_fields(self) -> dict[str, list[str]]:
        found = [{name: list(values) for name, values in fields.items()}
                 for fields in self._crawl().get(self.path, [])]
        first = self.post(self.body(dict(POST_BODIES.get(self.path, {}))))
        found += [fields for action, fields in _forms_on(self.url, first) if action == self.url]
        # A form shown only in some states (a follow-up due, an attendee listed) may be on no
        # page here: its route is still fuzzed, with the matrix's body and an unknown field.
        fields = max(found, key=len, default={})
        fields.pop("csrf_token", None)
        for name, value in POST_BODIES.get(self.path, {}).items():
            fields[name] = [value]
        return fields or {"unexpected": [""]}

    def body(self, values: dict) -> list[tuple[str, str]]:
        pairs = [("csrf_token", self.token())]
        for name, value in values.items():
            pairs += [(name, item) for item in (value if isinstance(value, list) else [value])]
        return pairs

    def post(self, pairs):
        response = self.client.post(self.url, data=MultiDict(pairs))
        if response.status_code in (302, 303) and "/login" in response.headers["Location"]:
            self.log_in()  # the post ended the session (logging out): sign in again
        return response

    def hostile_post(self, field: str, value: str) -> None:
        """Post ``value`` in ``field`` (or in every field) and check the answer."""
        values = {name: list(defaults) for name, defaults in self.fields.items()}
        for name in (values if field == ALL_FIELDS else [field]):
            values[name] = [value]
        pairs = self.body(values)
        before = _row_counts()
        response = self.post(pairs)
        what = f"POST {self.path} {field}={value[:60]!r}"
        _assert_shown_safely(response, what)
        if 300 <= response.status_code < 400:
            location = urlsplit(response.headers["Location"])
            if not location.netloc:
                _assert_shown_safely(self.client.get(location.path), what + " then GET")
        else:
            assert _row_counts() == before, f"{what}: refused ({response.status_code}) but wrote"


@pytest.mark.parametrize("endpoint, path, role", POST_ROUTES, ids=[r[0] for r in POST_ROUTES])
def test_every_form_answers_hostile_input_cleanly(client, staff, endpoint, path, role):
    form = FormUnderTest(client, staff, path, role)
    for sample in SAMPLES:
        form.hostile_post(ALL_FIELDS, sample)
    form.hostile_post(sorted(form.fields)[0], MEGABYTE)

    @FUZZ
    @given(field=st.sampled_from(sorted(form.fields)), value=VALUES)
    def one_field(field, value):
        form.hostile_post(field, value)

    one_field()


# --- request size -----------------------------------------------------------------------------

def test_a_body_over_the_limit_gets_a_translated_413(client, staff):
    login(client, staff.lhr_counsellor)
    token = csrf_token(client, "/")
    big = "x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/clients/", data={"csrf_token": token, "term": big},
                           headers={"Accept-Language": "ur"})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'dir="rtl"' in page and "413" in page


def test_a_megabyte_text_field_in_a_multipart_form_gets_413_not_500(client, staff):
    login(client, staff.lhr_counsellor)
    token = csrf_token(client, "/")
    # Encoded by hand: the test client would spool a body this large to an unclosed file.
    boundary = "mrcboundary"
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   f"{value}\r\n" for name, value in
                   (("csrf_token", token), ("term", "x" * 1_000_000))) + f"--{boundary}--\r\n"
    response = client.post("/clients/", data=body.encode(),
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_nul_is_refused_with_a_message_beside_the_field(client, staff):
    login(client, staff.lhr_counsellor)
    token = csrf_token(client, "/")
    before = _row_counts()
    response = client.post("/clients/register", data={
        "csrf_token": token, "given_name": "Ay\x00esha", "family_name": "Khan", "sex": "female",
        "nationality": "PK", "migration_status": "potential", "birth_year": "1990",
        "consent_services": "y", "confirmed_new": "yes"})
    assert response.status_code == 200
    assert "invisible control characters" in response.get_data(as_text=True)
    assert _row_counts() == before


# --- stored hostile text on every page, in CSV and in PDF --------------------------------------

def _hostile_client(staff, number: int):
    names = [SCRIPT, TEMPLATE, FORMULAS[0], "\u202eKhan\u202c \u2067علی\u2069", "+92 " + SCRIPT]
    data = ClientData(given_name=names[number % len(names)], family_name=FORMULAS[number % 4],
                      given_name_native="<b>علی</b> & {{ x }}", sex="female",
                      nationality="PK", migration_status="potential", birth_year=1990,
                      occupation=FORMULAS[(number + 1) % 4], consent_services=True,
                      consent_statistics=True)
    return register_client(Actor(staff.lhr_counsellor), data, confirmed_new=True)


def test_stored_hostile_text_is_escaped_on_every_page_and_in_every_pdf(client, staff):
    from mrc.group_sessions.models import GroupSession
    from mrc.group_sessions.services import add_attendee

    objects = _objects(staff)["own"]
    hostile = [_hostile_client(staff, number) for number in range(5)]
    group_session = db.session.get(GroupSession, objects["own_group_session"])
    for person in hostile:
        add_attendee(Actor(staff.lhr_counsellor), group_session, person)
    login(client, staff.lhr_manager)
    urls = [path.format(**objects) for path, own in GET_PAGES if own.get(MANAGER) == OK]
    urls += [path.format(**{**objects, "own_client": person.id}) for person in hostile
             for path, own in GET_PAGES if "{own_client}" in path and own.get(MANAGER) == OK]
    pdfs = 0
    for url in urls:
        response = client.get(url)
        _assert_shown_safely(response, f"GET {url}")
        if response.mimetype == "application/pdf":
            assert response.status_code == 200 and response.data.startswith(b"%PDF")
            pdfs += 1
    assert pdfs, "no PDF was rendered with the hostile names"


def _export_urls(app, suffix: str) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if rule.rule.endswith(suffix) and not rule.arguments)


def test_every_export_neutralises_formula_cells(app, client, staff):
    from mrc.centres.models import Centre

    for number in range(4):
        _hostile_client(staff, number)
    for number, centre in enumerate(db.session.scalars(select(Centre).order_by(Centre.id))):
        centre.name = FORMULAS[number % len(FORMULAS)]
    db.session.commit()
    assert _export_urls(app, ".csv"), "the statistics CSV export is expected"
    for user in (staff.lhr_manager, staff.admin):
        login(client, user)
        for url in _export_urls(app, ".csv"):
            response = client.get(url)
            assert response.status_code == 200, url
            for row in csv.reader(io.StringIO(response.get_data(as_text=True))):
                for cell in row:
                    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                        assert _is_number(cell), f"{url}: formula cell {cell!r}"
        for url in _export_urls(app, ".xlsx"):
            openpyxl = pytest.importorskip("openpyxl")
            response = client.get(url)
            assert response.status_code == 200, url
            for sheet in openpyxl.load_workbook(io.BytesIO(response.data)).worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", f"{url}: formula cell {cell.value!r}"
        for url in _export_urls(app, ".pdf"):
            response = client.get(url)
            assert response.status_code == 200 and response.data.startswith(b"%PDF"), url
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", ""))
    except ValueError:
        return False
    return True
