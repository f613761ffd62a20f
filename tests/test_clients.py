"""The client registry through its pages: register, validate, search, duplicates, edit."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from mrc.audit.models import AuditEvent
from mrc.clients.models import Client
from mrc.extensions import db
from mrc.auth.models import Role
from tests.conftest import login, make_user, post_form

VALID = {
    "consent_services": "y",
    "given_name": "Muhammad",
    "family_name": "Usman",
    "given_name_native": "محمد",
    "family_name_native": "عثمان",
    "sex": "male",
    "birth_year": "1994",
    "nationality": "PK",
    "national_id": "35202-1234567-1",
    "phone": "0300 1234567",
    "district": "Lahore",
    "migration_status": "intending",
}


def register(test_client, **changes):
    data = {**VALID, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return post_form(test_client, "/clients/register", data, token_from="/clients/")


def search(test_client, term, page=1):
    return post_form(test_client, "/clients/", {"term": term, "page": str(page)},
                     token_from="/clients/")


def client_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Client))


@pytest.fixture
def counsellor(client, staff):
    login(client, staff.lhr_counsellor)
    return client


def test_register_creates_client_with_reference_and_normalised_data(counsellor, staff):
    response = register(counsellor)
    assert response.status_code == 302
    client_row = db.session.scalar(select(Client))
    assert re.fullmatch(r"LHR-\d{4}-000001", client_row.reference)
    assert client_row.phone == "+923001234567"
    assert client_row.national_id == "35202-1234567-1"
    assert client_row.consent_recorded_by_id == staff.lhr_counsellor.id
    assert client_row.assigned_counsellor_id == staff.lhr_counsellor.id
    page = counsellor.get(response.headers["Location"]).get_data(as_text=True)
    assert client_row.reference in page and "عثمان" in page
    assert "+92 300 1234567" in page


def test_references_count_up_per_centre(counsellor, staff, app):
    register(counsellor)
    register(counsellor, given_name="Ayesha", family_name="Bibi", given_name_native="",
             family_name_native="", sex="female", phone="0321 7654321", national_id="",
             confirmed_new="yes")
    references = sorted(db.session.scalars(select(Client.reference)))
    assert [ref[-6:] for ref in references] == ["000001", "000002"]


def test_registration_needs_consent_and_saves_nothing_without_it(counsellor):
    response = register(counsellor, consent_services=None)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="consent_services-error"' in text
    assert client_count() == 0


def test_missing_consent_is_refused_together_with_the_other_errors(counsellor):
    """The consent was checked only once every field was right: a second round of errors."""
    text = register(counsellor, consent_services=None, phone="12").get_data(as_text=True)
    assert 'id="consent_services-error"' in text and 'id="phone-error"' in text
    assert client_count() == 0


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("given_name", "A" * 5000, "at most 100 characters"),
        ("given_name", "", "The given name is required."),
        ("given_name", "محمد", "Latin letters"),
        ("given_name", "Muhammad\u202eUsman", "invisible characters"),
        ("family_name_native", "عثمان\u200b", "invisible characters"),
        ("national_id", "35202-12345", "13 digits"),
        ("phone", "12345", "not a valid phone number"),
        ("birth_year", "2090", "cannot be in the future"),
        ("birth_year", "2020", "between 10 and 100"),
        ("birth_year", "", "at least the year of birth"),
        ("date_of_birth", "2090-01-01", "cannot be in the future"),
        ("sex", "", "Choose the sex."),
    ],
)
def test_bad_input_shows_message_beside_field_and_saves_nothing(counsellor, field, value, message):
    response = register(counsellor, **{field: value})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    error = re.search(rf'id="{field}-error">(.*?)</p>', text, re.S)
    assert error, f"no error beside {field}"
    assert message in error.group(1)
    assert client_count() == 0
    # What the user typed stays in the form.
    if value and field != "sex":
        assert value[:50] in text


def test_arabic_indic_and_bengali_digits_are_accepted(counsellor):
    response = register(counsellor, phone="۰۳۰۰ ۱۲۳۴۵۶۷", birth_year="১৯৯৪",
                        national_id="٣٥٢٠٢-١٢٣٤٥٦٧-١")
    assert response.status_code == 302
    row = db.session.scalar(select(Client))
    assert (row.phone, row.birth_year, row.national_id) == ("+923001234567", 1994, "35202-1234567-1")


def test_bangladeshi_nid_lengths(counsellor):
    ok = register(counsellor, nationality="BD", national_id="1234567890")
    assert ok.status_code == 302
    bad = register(counsellor, nationality="BD", national_id="12345678901", phone="0300 7654321",
                   given_name="Rokeya", family_name="Begum", given_name_native="",
                   family_name_native="")
    assert "10, 13 or 17 digits" in bad.get_data(as_text=True)


def why_found(response) -> dict[str, str]:
    """The "Why it matched" cell of each row of a page of search results, by reference."""
    reasons = {}
    for row in re.findall(r"<tr>(.*?)</tr>", response.get_data(as_text=True), re.S):
        reference = re.search(r'dir="ltr">([A-Z]{3}-\d{4}-\d{6})</a>', row)
        if reference:
            reasons[reference.group(1)] = re.findall(r"<td>(.*?)</td>", row, re.S)[-1]
    return reasons


@pytest.mark.parametrize(
    ("term", "reason"),
    [(term, "same phone number") for term in (
        "+923001234567", "923001234567", "0300 1234567", "+92 300 1234567", "0300-1234567")]
    + [(term, "same national ID") for term in ("35202-1234567-1", "3520212345671")]
    + [(term, "name as typed") for term in (
        "usman", "MUHAMMAD usm", "Mūhammad", "محمد", "محمّد عثمان")]
    + [(term, "same reference") for term in (
        "lhr-{year}-000001", "LHR-{year}-1", "{year}-000001", "{year}-1")],
)
def test_search_finds_the_client_by_any_key_and_says_why(counsellor, term, reason):
    register(counsellor)
    reference = db.session.scalar(select(Client.reference))
    response = search(counsellor, term.format(year=reference[4:8]))
    assert why_found(response) == {reference: reason}


def test_a_reference_without_its_centre_code_is_of_the_searchers_centre(app, counsellor, staff):
    """Read off a slip, "2026-000001" is the searcher's centre's: an Islamabad counsellor's
    "2026-000001" is Islamabad's own, and an admin's finds both centres' first clients."""
    register(counsellor)
    islamabad = app.test_client()
    login(islamabad, staff.isb_counsellor)
    register(islamabad, phone="0300 7654321", national_id="35202-7654321-1")
    lahore_ref, islamabad_ref = (db.session.scalar(select(Client.reference).where(
        Client.reference.startswith(code))) for code in ("LHR", "ISB"))
    year = lahore_ref[4:8]
    assert islamabad_ref == f"ISB-{year}-000001"
    found = search(islamabad, f"{year}-000001").get_data(as_text=True)
    assert islamabad_ref in found and lahore_ref not in found
    admin = app.test_client()
    login(admin, staff.admin)
    found = search(admin, f"{year}-1").get_data(as_text=True)
    assert islamabad_ref in found and lahore_ref in found
    assert "2 people found" in found


def test_search_does_not_find_other_people(counsellor):
    register(counsellor)
    for term in ["usmani", "0300 7654321", "Ahmed", "LHR-2000-000001"]:
        text = search(counsellor, term).get_data(as_text=True)
        assert "0 people found" in text, term
        assert "<tbody>" not in text


def test_search_terms_stay_out_of_urls_and_audit(counsellor):
    register(counsellor)
    response = search(counsellor, "usman")
    assert response.request.path == "/clients/"
    assert "usman" not in response.request.query_string.decode()
    summaries = db.session.scalars(
        select(AuditEvent.summary).where(AuditEvent.action == "search")
    ).all()
    assert summaries and all("usman" not in s.lower() for s in summaries)


def test_search_results_paginate(counsellor, app):
    app.config["CLIENTS_PER_PAGE"] = 2
    try:
        for number in range(5):
            register(counsellor, phone=f"0300 123456{number}", national_id="",
                     birth_year=str(1980 + 3 * number), confirmed_new="yes")
        first = search(counsellor, "usman").get_data(as_text=True)
        third = search(counsellor, "usman", page=3).get_data(as_text=True)
    finally:
        app.config["CLIENTS_PER_PAGE"] = 25
    assert "5 people found" in first and "Page 1 of 3" in first
    assert "Page 3 of 3" in third
    assert len(re.findall(r"LHR-\d{4}-\d{6}</a>", third)) == 1


def test_duplicate_warning_lists_candidates_with_reasons(counsellor):
    register(counsellor)
    response = register(counsellor, phone="+92 300 1234567", national_id="")
    text = response.get_data(as_text=True)
    assert "This person may be registered already" in text
    assert "same phone number, same name, same birth year, and same district" in text
    assert client_count() == 1
    # What was typed is still there, and the counsellor can confirm a new person.
    assert 'value="Muhammad"' in text
    confirmed = register(counsellor, phone="+92 300 1234567", national_id="", confirmed_new="yes")
    assert confirmed.status_code == 302
    assert client_count() == 2


def test_duplicate_warning_by_native_name_and_near_birth_year(counsellor):
    register(counsellor)
    text = register(counsellor, given_name="Mohd", family_name="Usmaan", phone="", national_id="",
                    birth_year="1995").get_data(as_text=True)
    assert "same name, born within a year, and same district" in text
    no_warning = register(counsellor, given_name="Mohd", family_name="Usmaan", phone="",
                          national_id="", birth_year="1990")
    assert no_warning.status_code == 302


def test_register_page_is_reached_from_a_search(counsellor):
    response = counsellor.get("/clients/register")
    assert response.status_code == 302 and response.headers["Location"].endswith("/clients/")
    start = post_form(counsellor, "/clients/register", {"term": "Rokeya Begum", "start": "1"},
                      token_from="/clients/")
    text = start.get_data(as_text=True)
    assert 'value="Rokeya"' in text and 'value="Begum"' in text
    native = post_form(counsellor, "/clients/register", {"term": "রোকেয়া বেগম", "start": "1"},
                       token_from="/clients/")
    assert 'value="রোকেয়া"' in native.get_data(as_text=True)


def test_edit_saves_changes_and_audits_field_names_only(counsellor):
    register(counsellor)
    row = db.session.scalar(select(Client))
    response = post_form(counsellor, f"/clients/{row.id}/edit",
                         {**VALID, "phone": "0321 7654321", "district": "Kasur"},
                         token_from=f"/clients/{row.id}/edit")
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(Client, row.id)
    assert row.phone == "+923217654321" and row.district == "Kasur"
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert "phone" in update.summary and "Kasur" not in update.summary and "765" not in update.summary
    found = search(counsellor, "0321 7654321").get_data(as_text=True)
    assert row.reference in found
    assert row.reference not in search(counsellor, "0300 1234567").get_data(as_text=True)


def test_edit_with_bad_input_keeps_the_saved_record(counsellor):
    register(counsellor)
    row = db.session.scalar(select(Client))
    response = post_form(counsellor, f"/clients/{row.id}/edit",
                         {**VALID, "given_name": "X" * 200, "district": "Kasur"},
                         token_from=f"/clients/{row.id}/edit")
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Client, row.id).district == "Lahore"


def test_sensitive_flags_hidden_from_other_counsellors(app, client, staff, counsellor):
    register(counsellor, trafficking_indication="y")
    row = db.session.scalar(select(Client))
    assert row.trafficking_indication is True
    from tests.conftest import make_user
    from mrc.auth.models import Role

    colleague = make_user(Role.COUNSELLOR, "LHR", username="lhr-colleague")
    other = app.test_client()
    login(other, colleague)
    page = other.get(f"/clients/{row.id}").get_data(as_text=True)
    assert "Indications of trafficking" not in page
    # Saving the form without the flags does not clear them.
    post_form(other, f"/clients/{row.id}/edit", {**VALID, "district": "Kasur"},
              token_from=f"/clients/{row.id}/edit")
    db.session.expire_all()
    assert db.session.get(Client, row.id).trafficking_indication is True
    manager = app.test_client()
    login(manager, staff.lhr_manager)
    assert "Indications of trafficking" in manager.get(f"/clients/{row.id}").get_data(as_text=True)


def test_viewing_a_client_is_audited(counsellor, staff):
    register(counsellor)
    row = db.session.scalar(select(Client))
    counsellor.get(f"/clients/{row.id}")
    views = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "view", AuditEvent.object_id == row.id)
    ).all()
    assert views and views[-1].user_id == staff.lhr_counsellor.id


def test_consent_date_is_today_in_the_centre(counsellor):
    register(counsellor)
    row = db.session.scalar(select(Client))
    from mrc.centres.services import centre_today

    assert row.consent_date == centre_today(row.centre)
    assert isinstance(row.consent_date, date)


def test_phone_examples_are_of_the_centres_country(client, app):
    """A counsellor in Dhaka is shown a Bangladeshi example number, not a Pakistani one."""
    login(client, make_user(Role.COUNSELLOR, "DAC"))
    page = register(client, nationality="BD", national_id="", phone="12").get_data(as_text=True)
    assert "\u206601712-345678\u2069" in page  # the help text
    assert "\u2066+880 1712-345678\u2069" in page  # the help text and the error beside the field
    assert "+92 300" not in page and "0300" not in page
