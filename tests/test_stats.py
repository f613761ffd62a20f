"""Monthly statistics: a hand-built data set and the tables expected from it.

The month under test is March 2026 (previous month February 2026, a year before March 2025).
Lahore (LHR) and Islamabad keep Asia/Karachi (UTC+5), Dhaka (DAC) Asia/Dhaka (UTC+6).
"""

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select, update

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.centres.services import centre_today
from mrc.clients.models import Client
from mrc.counselling.models import CounsellingSession
from mrc.extensions import db
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee, GroupSessionHeadCount
from mrc.partners.models import Partner
from mrc.referrals.models import Referral, ReferralStatusChange
from mrc.sheets.models import InfoSheet, SheetPrint, SheetVersion
from mrc.stats import services
from mrc.stats.exports import neutralise
from mrc.stats.models import MonthSubmission
from mrc.stats.services import Period, StatisticsAccessDenied, monthly_statistics
from tests.conftest import centre, login, post_form

MARCH = date(2026, 3, 1)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


_references = iter(range(1, 1000))


def make_client(user, code, sex, *, created_at, date_of_birth=None, birth_year=None,
                anonymised_at=None, migration_status="potential", destination="") -> Client:
    client = Client(
        reference=f"{code}-TEST-{next(_references):06d}", centre_id=centre(code).id,
        # An anonymised client's names are blank (mrc.clients.privacy erases them).
        given_name="" if anonymised_at else "Test", family_name="", sex=sex,
        date_of_birth=date_of_birth, birth_year=birth_year, nationality="PK",
        migration_status=migration_status, destination_country=destination,
        consent_date=created_at.date(),
        consent_recorded_by_id=user.id, created_by_id=user.id, created_at=created_at,
        anonymised_at=anonymised_at,
    )
    db.session.add(client)
    db.session.flush()
    return client


def counsel(user, client, held_at, channel="walk_in", topics="legal_pathways", *,
            follow_up_on=None, follow_up_done_at=None) -> CounsellingSession:
    session = CounsellingSession(
        centre_id=client.centre_id, client_id=client.id, counsellor_id=user.id, held_at=held_at,
        channel=channel, duration_minutes=30, topics=topics, follow_up_on=follow_up_on,
        follow_up_done_at=follow_up_done_at, created_by_id=user.id,
    )
    db.session.add(session)
    db.session.flush()
    return session


def group_session(user, code, kind, starts_at, attendees=(), head_counts=()) -> GroupSession:
    session = GroupSession(centre_id=centre(code).id, kind=kind, starts_at=starts_at,
                           venue="Hall", venue_type="centre", created_by_id=user.id)
    db.session.add(session)
    db.session.flush()
    for client in attendees:
        db.session.add(GroupSessionAttendee(centre_id=session.centre_id,
                                            group_session_id=session.id, client_id=client.id,
                                            added_by_id=user.id))
    for sex, age_group, count in head_counts:
        db.session.add(GroupSessionHeadCount(centre_id=session.centre_id,
                                             group_session_id=session.id, sex=sex,
                                             age_group=age_group, count=count))
    return session


def refer(user, client, partner, service, created_at, status, changes=()) -> Referral:
    referral = Referral(centre_id=client.centre_id, client_id=client.id, partner_id=partner.id,
                        service=service, urgency="routine", status=status,
                        follow_up_due=created_at.date(), created_by_id=user.id,
                        created_at=created_at)
    db.session.add(referral)
    db.session.flush()
    for from_status, to_status, changed_at in changes:
        db.session.add(ReferralStatusChange(referral_id=referral.id, centre_id=client.centre_id,
                                            from_status=from_status, to_status=to_status,
                                            changed_by_id=user.id, changed_at=changed_at))
    return referral


@pytest.fixture
def data(app, staff):
    """The hand-built data set (see the module docstring for the calendar)."""
    lhr = dac = staff.lhr_counsellor  # the author does not matter to the figures
    # c1: female, born 20 March 2008: 17 until the 20th, then 18. Registered 10 March.
    # Intending to go to Italy.
    c1 = make_client(lhr, "LHR", "female", created_at=utc(2026, 3, 10, 5),
                     date_of_birth=date(2008, 3, 20), migration_status="intending",
                     destination="IT")
    # c2: male, born 1980 (46 in 2026), anonymised (names blank); registered 23:30 local on
    # 31 March; outgoing to Saudi Arabia.
    c2 = make_client(lhr, "LHR", "male", created_at=utc(2026, 3, 31, 18, 30), birth_year=1980,
                     anonymised_at=utc(2026, 4, 2), migration_status="outgoing",
                     destination="SA")
    # c3: sex and age not stated; registered in February; no destination stated.
    c3 = make_client(lhr, "LHR", "not_stated", created_at=utc(2026, 2, 10, 6))
    # c4: female, born 1970; registered in March 2025 (the month a year before); a returnee
    # from Saudi Arabia.
    c4 = make_client(lhr, "LHR", "female", created_at=utc(2025, 3, 15, 6), birth_year=1970,
                     migration_status="returnee", destination="SA")
    # c5: registered 00:30 local on 1 April: April, not March.
    make_client(lhr, "LHR", "male", created_at=utc(2026, 3, 31, 19, 30), birth_year=1990,
                destination="IT")
    # d1 at Dhaka: registered 23:30 Dhaka time on 31 March (17:30 UTC); going to Malaysia.
    d1 = make_client(dac, "DAC", "male", created_at=utc(2026, 3, 31, 17, 30), birth_year=2000,
                     destination="MY")

    # c1 counselled three times in March (aged 17, 17, then 18).
    counsel(lhr, c1, utc(2026, 3, 10, 6), "walk_in", "legal_pathways",
            follow_up_on=date(2026, 3, 20), follow_up_done_at=utc(2026, 3, 21, 6))
    counsel(lhr, c1, utc(2026, 3, 15, 6), "walk_in", "legal_pathways remittances",
            follow_up_on=date(2026, 4, 10))
    counsel(lhr, c1, utc(2026, 3, 25, 6), "phone", "remittances other")
    # c2: 23:30 local on 31 March counts in March; follow-up due 31 March, never done.
    counsel(lhr, c2, utc(2026, 3, 31, 18, 30), "messaging", "fraudulent_recruitment",
            follow_up_on=date(2026, 3, 31))
    # c3: 00:30 local on 1 March (still February in UTC) counts in March; its follow-up, due
    # 25 March, is done only on 2 April: overdue at the end of March.
    counsel(lhr, c3, utc(2026, 2, 28, 19, 30), "video", "legal_pathways",
            follow_up_on=date(2026, 3, 25), follow_up_done_at=utc(2026, 4, 2, 6))
    # c3 again at 00:30 local on 1 April: April.
    counsel(lhr, c3, utc(2026, 3, 31, 19, 30), "walk_in", "other")
    # c4 counselled a year before.
    counsel(lhr, c4, utc(2025, 3, 20, 6), "walk_in", "rights_contracts")
    # d1 at 00:30 Dhaka time on 1 March (18:30 UTC on 28 February): March at Dhaka...
    counsel(dac, d1, utc(2026, 2, 28, 18, 30), "phone", "legal_pathways")
    # ... and at 00:30 Dhaka time on 1 April (23:30 on 31 March in Karachi): April at Dhaka.
    counsel(dac, d1, utc(2026, 3, 31, 18, 30), "phone", "legal_pathways")

    # A PDO in March: c1 (also counselled) and c4 registered, 3 women and 5 men counted.
    group_session(lhr, "LHR", "pdo", utc(2026, 3, 20, 5), attendees=[c1, c4],
                  head_counts=[("female", "18_24", 3), ("male", None, 5)])
    # Awareness at 00:00 local on 1 April: April.
    group_session(lhr, "LHR", "awareness", utc(2026, 3, 31, 19),
                  head_counts=[("male", None, 7)])
    # Outreach in February: 4 women.
    group_session(lhr, "LHR", "outreach", utc(2026, 2, 15, 5),
                  head_counts=[("female", None, 4)])

    formula = Partner(name="=HYPERLINK(\"http://evil\")", kind="legal_aid", services="legal_aid",
                      country="PK", city="Lahore")
    board = Partner(name="Training Board", kind="training", services="skills_training",
                    country="PK", city="Lahore")
    db.session.add_all([formula, board])
    db.session.flush()
    # Accepted in March, completed in April: "accepted" at the end of March.
    refer(lhr, c1, formula, "legal_aid", utc(2026, 3, 5, 6), "completed",
          [("made", "accepted", utc(2026, 3, 10, 6)),
           ("accepted", "completed", utc(2026, 4, 5, 6))])
    refer(lhr, c2, board, "skills_training", utc(2026, 3, 12, 6), "made")
    # Declined only in April: still "made" at the end of March.
    refer(lhr, c1, formula, "trafficking_complaint", utc(2026, 3, 20, 6), "declined",
          [("made", "declined", utc(2026, 4, 2, 6))])
    # Made in February, completed in March.
    refer(lhr, c3, formula, "legal_aid", utc(2026, 2, 20, 6), "completed",
          [("made", "accepted", utc(2026, 2, 25, 6)),
           ("accepted", "completed", utc(2026, 3, 3, 6))])
    db.session.commit()
    return staff


def lhr_march(staff):
    return monthly_statistics(Actor(staff.lhr_manager), MARCH)


def test_months_follow_the_centres_local_calendar(data):
    karachi = Period.of(MARCH, [centre("LHR")]).bounds[centre("LHR").id]
    dhaka = Period.of(MARCH, [centre("DAC")]).bounds[centre("DAC").id]
    assert karachi == (utc(2026, 2, 28, 19), utc(2026, 3, 31, 19))
    assert dhaka == (utc(2026, 2, 28, 18), utc(2026, 3, 31, 18))


def test_new_clients_by_sex_and_age_group(data):
    table = lhr_march(data).table("new_clients")
    # (March 2026, February 2026, March 2025)
    assert table.row("Total").current == 2  # c1 and c2 (23:30 local); not c5 (00:30 local)
    assert table.values()["Total"] == (2, 1, 1)
    assert table.values()["Female"] == (1, 0, 1)
    assert table.values()["Female, Under 18"] == (1, 0, 0)
    assert table.values()["Female, 50 and over"] == (0, 0, 1)
    assert table.values()["Male, 35 to 49"] == (1, 0, 0)  # anonymised, still counted
    assert table.values()["Not stated, Age not known"] == (0, 1, 0)
    detail = {label for label, values in table.values().items()
              if values != (0, 0, 0) and "," in label}
    assert detail == {"Female, Under 18", "Female, 50 and over", "Male, 35 to 49",
                      "Not stated, Age not known"}
    assert table.row("Total").change_previous == 1
    assert table.row("Total").change_year == 1


def test_clients_counselled_and_sessions(data):
    stats = lhr_march(data)
    unique = stats.table("clients_counselled")
    assert unique.values()["Total"] == (3, 0, 1)  # c1 once although counselled three times
    assert unique.values()["Female, Under 18"] == (1, 0, 0)  # aged at her first session
    assert unique.values()["Female, 18 to 24"] == (0, 0, 0)
    assert unique.values()["Male, 35 to 49"] == (1, 0, 0)
    assert unique.values()["Not stated, Age not known"] == (1, 0, 0)
    assert unique.values()["Female, 50 and over"] == (0, 0, 1)

    sessions = stats.table("sessions")
    assert sessions.values()["Total"] == (5, 0, 1)
    assert sessions.values()["Female, Under 18"] == (2, 0, 0)
    assert sessions.values()["Female, 18 to 24"] == (1, 0, 0)  # after her 18th birthday
    assert sessions.values()["Male, 35 to 49"] == (1, 0, 0)
    assert sessions.values()["Not stated, Age not known"] == (1, 0, 0)
    assert sessions.row("Total").change_previous == 5
    assert sessions.row("Total").change_year == 4

    assert stats.table("sessions_by_channel").values() == {
        "Total": (5, 0, 1),
        "Walk-in": (2, 0, 1),
        "Phone or hotline": (1, 0, 0),
        "Messaging (WhatsApp, Imo, Viber…)": (1, 0, 0),
        "Video call": (1, 0, 0),
    }
    topics = stats.table("sessions_by_topic").values()
    assert topics["Legal pathways"] == (3, 0, 0)
    assert topics["Remittances"] == (2, 0, 0)
    assert topics["Other"] == (1, 0, 0)
    assert topics["Fraudulent recruitment"] == (1, 0, 0)
    assert topics["Rights and contracts"] == (0, 0, 1)
    assert topics["Education abroad"] == (0, 0, 0)


def test_group_sessions_and_people_reached(data):
    table = lhr_march(data).table("group_sessions").values()
    assert table["Pre-departure orientation: sessions held"] == (1, 0, 0)
    assert table["Pre-departure orientation: people reached"] == (10, 0, 0)
    assert table["Pre-departure orientation: registered participants"] == (2, 0, 0)
    assert table["Pre-departure orientation: counted without registering"] == (8, 0, 0)
    assert table["Pre-departure orientation: people reached, Female"] == (5, 0, 0)
    assert table["Pre-departure orientation: people reached, Male"] == (5, 0, 0)
    # The awareness session began at midnight local on 1 April.
    assert table["Awareness session: sessions held"] == (0, 0, 0)
    assert table["Awareness session: people reached"] == (0, 0, 0)
    assert table["Community outreach: sessions held"] == (0, 1, 0)
    assert table["Community outreach: people reached, Female"] == (0, 4, 0)


def test_referrals(data):
    stats = lhr_march(data)
    kinds = stats.table("referrals_by_partner_kind").values()
    assert kinds["Total"] == (3, 1, 0)
    assert kinds["Legal aid"] == (2, 1, 0)
    assert kinds["Training provider"] == (1, 0, 0)
    assert kinds["Government"] == (0, 0, 0)
    assert stats.table("referrals_by_partner").values() == {
        "Total": (3, 1, 0),
        "=HYPERLINK(\"http://evil\")": (2, 1, 0),
        "Training Board": (1, 0, 0),
    }
    services_ = stats.table("referrals_by_service").values()
    assert services_["Legal advice and aid"] == (1, 1, 0)
    assert services_["Skills training and certification"] == (1, 0, 0)
    assert services_["Reporting trafficking or smuggling"] == (1, 0, 0)
    status = stats.table("referral_status").values()
    # Completed and declined only in April: accepted and made at the end of March.
    assert status["Accepted by the partner"] == (1, 1, 0)
    assert status["Made"] == (2, 0, 0)
    assert status["Completed"] == (0, 0, 0)
    assert status["Declined by the partner"] == (0, 0, 0)
    outcomes = stats.table("outcomes").values()
    assert outcomes["Referrals completed in the month"] == (1, 0, 0)


def test_referral_status_after_the_month_end_change(data):
    # In April the later changes have happened: completed and declined.
    status = monthly_statistics(Actor(data.lhr_manager), date(2026, 4, 1)).table("referral_status")
    assert status.values()["Made"] == (0, 2, 0)  # nothing made in April
    april_completed = monthly_statistics(Actor(data.lhr_manager), date(2026, 4, 1))
    assert april_completed.table("outcomes").values()["Referrals completed in the month"] == (
        1, 1, 0)


def test_follow_ups(data):
    outcomes = lhr_march(data).table("outcomes").values()
    assert outcomes["Follow-ups done in the month"] == (1, 0, 0)
    # c2's (due 31 March, open) and c3's (due 25 March, done 2 April); not c1's due 10 April.
    assert outcomes["Follow-ups overdue at the month's end"] == (2, 0, 0)


def test_an_empty_month_is_all_zeros(data):
    stats = monthly_statistics(Actor(data.lhr_manager), date(2026, 1, 15))
    assert stats.month == date(2026, 1, 1)
    assert stats.previous_month == date(2025, 12, 1)
    assert stats.year_ago_month == date(2025, 1, 1)
    for table in stats.tables:
        for row in table.rows:
            assert (row.current, row.previous, row.year_ago) == (0, 0, 0), (table.key, row.label)


def test_a_quiet_month_still_has_the_overdue_follow_ups(data):
    stats = monthly_statistics(Actor(data.lhr_manager), date(2026, 7, 1))
    assert stats.table("sessions").values()["Total"] == (0, 0, 0)
    # Overdue follow-ups are a stock, not activity: c2's and c1's second are still open.
    assert stats.table("outcomes").values()["Follow-ups overdue at the month's end"] == (2, 2, 0)


def test_dhaka_and_all_centres(data):
    admin = Actor(data.admin)
    dhaka = monthly_statistics(admin, MARCH, centre("DAC").id)
    assert dhaka.table("new_clients").values()["Male, 25 to 34"] == (1, 0, 0)
    # 00:30 on 1 March counts; 00:30 on 1 April does not.
    assert dhaka.table("sessions").values()["Total"] == (1, 0, 0)
    assert dhaka.table("clients_counselled").values()["Total"] == (1, 0, 0)

    everywhere = monthly_statistics(admin, MARCH)
    assert len(everywhere.centres) == 5
    assert everywhere.table("new_clients").values()["Total"] == (3, 1, 1)
    assert everywhere.table("sessions").values()["Total"] == (6, 0, 1)
    assert everywhere.table("clients_counselled").values()["Total"] == (4, 0, 1)


def test_who_may_see_which_centre(data):
    assert [c.code for c in monthly_statistics(Actor(data.lhr_manager), MARCH).centres] == ["LHR"]
    with pytest.raises(StatisticsAccessDenied):
        monthly_statistics(Actor(data.lhr_manager), MARCH, centre("ISB").id)
    with pytest.raises(StatisticsAccessDenied):
        monthly_statistics(Actor(data.lhr_counsellor), MARCH)
    isb = monthly_statistics(Actor(data.isb_manager), MARCH)
    assert isb.table("sessions").values()["Total"] == (0, 0, 0)


def test_month_helpers():
    assert services.parse_month("2026-03") == MARCH
    assert services.parse_month("March") is None
    assert services.default_month(date(2026, 1, 5)) == date(2025, 12, 1)
    assert services.add_months(date(2026, 3, 1), -12) == date(2025, 3, 1)
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("-2") == "'-2"
    assert neutralise("@SUM") == "'@SUM"
    assert neutralise("+9") == "'+9"
    assert neutralise("Plain") == "Plain"
    assert neutralise(-2) == -2


# --- Pages ---------------------------------------------------------------------------------

def test_manager_sees_own_centre_only(client, data):
    login(client, data.lhr_manager)
    page = client.get(f"/stats/?month=2026-03&centre={centre('ISB').id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Migrant Resource Centre Lahore" in html
    assert "Islamabad" not in html.split("<main", 1)[1]
    assert "Training Board" in html  # LHR's referral partner, i.e. LHR figures
    assert 'type="month"' in html
    assert 'name="centre"' not in html  # no centre choice for managers
    assert "Change vs previous month" in html
    assert "March 2026" in html and "February 2026" in html and "March 2025" in html
    assert "+5" in html  # sessions: 5 against 0 the month before


def test_default_month_is_last_month(client, data):
    login(client, data.lhr_manager)
    html = client.get("/stats/").get_data(as_text=True)
    last = services.default_month(centre_today(centre("LHR")))
    assert f'value="{last:%Y-%m}"' in html


def test_counsellor_is_refused(client, data):
    login(client, data.lhr_counsellor)
    assert client.get("/stats/").status_code == 403
    assert client.get("/stats/export.csv").status_code == 403
    assert "/stats/" not in client.get("/").get_data(as_text=True)


def test_admin_sees_all_centres_or_one(client, data):
    login(client, data.admin)
    html = client.get("/stats/?month=2026-03").get_data(as_text=True)
    assert 'name="centre"' in html
    assert "Migrant Resource Centre Dhaka" in html.split("stats-scope", 1)[1].split("</p>", 1)[0]
    assert 'href="/stats/"' in client.get("/").get_data(as_text=True)
    one = client.get(f"/stats/?month=2026-03&centre={centre('DAC').id}").get_data(as_text=True)
    scope = one.split("stats-scope", 1)[1].split("</p>", 1)[0]
    assert "Dhaka" in scope and "Lahore" not in scope
    everywhere = client.get("/stats/export.csv?centre=&month=2026-03")
    assert everywhere.status_code == 200
    assert "statistics-all-2026-03.csv" in everywhere.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(everywhere.get_data().decode("utf-8-sig"))))
    assert rows[0][1].count("Migrant Resource Centre") == 5
    header = next(row for row in rows if row and row[0] == "Counselling sessions")
    assert rows[rows.index(header) + 1][:2] == ["Total", "6"]


def shows_no_figures(html: str) -> bool:
    """The statistics page shows the form only: no months, tables, charts or downloads."""
    return not any(mark in html for mark in (
        "stats-scope", "stats-table", "stats-chart", "/stats/export.csv", "/stats/report.pdf"))


def test_a_month_out_of_range_shows_an_error_and_no_figures(client, data):
    login(client, data.lhr_manager)
    page = client.get("/stats/?month=0001-01")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Choose a month between 2000 and 2100." in html
    assert shows_no_figures(html)  # not last month's figures under a month never asked for
    assert shows_no_figures(client.get("/stats/?month=bad").get_data(as_text=True))
    assert not shows_no_figures(client.get("/stats/?month=2026-03").get_data(as_text=True))


def test_months_that_have_not_started_are_refused(client, data):
    this_month = services.month_start(centre_today(centre("LHR")))
    next_month = services.add_months(this_month, 1)
    login(client, data.lhr_manager)
    for query in (f"month={next_month:%Y-%m}", "month=2030-01",
                  f"month=2026-01&to={next_month:%Y-%m}"):
        html = client.get(f"/stats/?{query}").get_data(as_text=True)
        assert "This month has not started yet." in html, query
        assert shows_no_figures(html), query
    # The month in progress has figures so far.
    html = client.get(f"/stats/?month={this_month:%Y-%m}").get_data(as_text=True)
    assert "This month has not started yet." not in html
    assert not shows_no_figures(html)
    # Managers' months are their centre's: Dhaka's month may begin hours before Lahore's.
    dhaka = services.current_month([centre("DAC")])
    assert services.current_month([centre("LHR"), centre("DAC")]) == max(this_month, dhaka)


def test_csv_export(client, data):
    login(client, data.lhr_manager)
    response = client.get("/stats/export.csv?month=2026-03")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    assert "statistics-LHR-2026-03.csv" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Centre", "Migrant Resource Centre Lahore"]
    assert rows[1] == ["Month", "2026-03"]
    titles = [row[0] for row in rows if len(row) == 6 and row[3] == "Change vs previous month"]
    assert "New clients registered" in titles and "Referrals made, by partner" in titles
    header = next(row for row in rows if row and row[0] == "Counselling sessions")
    assert header[1:] == ["This month (March 2026)", "Previous month (February 2026)",
                          "Change vs previous month", "A year before (March 2025)",
                          "Change vs a year before"]
    partner = next(row for row in rows if row and "HYPERLINK" in row[0])
    assert partner == ["'=HYPERLINK(\"http://evil\")", "2", "1", "1", "0", "2"]
    total = rows[rows.index(header) + 1]
    assert total == ["Total", "5", "0", "5", "1", "4"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.object_type == "statistics"
    assert event.centre_id == centre("LHR").id
    assert "2026-03" in event.summary


def test_csv_keeps_numbers_as_numbers_and_negative_changes(client, data):
    login(client, data.lhr_manager)
    body = client.get("/stats/export.csv?month=2026-04").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header = next(row for row in rows if row and row[0] == "Counselling sessions")
    # April: c3 at 00:30 on 1 April; March had 5: change -4, written as a number, not "'-4".
    assert rows[rows.index(header) + 1] == ["Total", "1", "5", "-4", "0", "1"]


# --- Anonymised clients, attendees who are also counselled ---------------------------------

def test_anonymised_clients_are_still_counted(data):
    c2 = db.session.scalar(select(Client).where(Client.anonymised_at.is_not(None)))
    assert (c2.given_name, c2.family_name) == ("", "")
    stats = lhr_march(data)
    # c2 (male, 46, outgoing to Saudi Arabia) in every table of March.
    assert stats.table("new_clients").values()["Male, 35 to 49"] == (1, 0, 0)
    assert stats.table("clients_counselled").values()["Male, 35 to 49"] == (1, 0, 0)
    assert stats.table("new_clients_by_migration_status").values()["Outgoing migrant"] == (
        1, 0, 0)
    assert stats.table("new_clients_by_destination").values()["Saudi Arabia"] == (1, 0, 1)
    assert stats.table("referrals_by_partner").values()["Training Board"] == (1, 0, 0)


def test_attendees_who_are_also_counselled_count_in_both_places(data):
    stats = lhr_march(data)
    # c1 and c4 attended the PDO; c1 was also counselled, c4 was not (in March).
    pdo = stats.table("group_sessions").values()
    assert pdo["Pre-departure orientation: registered participants"] == (2, 0, 0)
    assert pdo["Pre-departure orientation: people reached"] == (10, 0, 0)
    # Counselled: c1, c2, c3 (attending a group session is not counselling).
    assert stats.table("clients_counselled").values()["Total"] == (3, 0, 1)
    assert stats.table("clients_counselled").values()["Female, Under 18"] == (1, 0, 0)
    # ... and c1 once, although she was also counselled three times.
    assert stats.table("clients_counselled_by_destination").values()["Italy"] == (1, 0, 0)


# --- The tables added with issue #6 --------------------------------------------------------

def test_new_clients_by_migration_status_and_destination(data):
    stats = lhr_march(data)
    assert stats.table("new_clients_by_migration_status").values() == {
        "Total": (2, 1, 1),
        "Potential migrant": (0, 1, 0),  # c3 in February
        "Intending migrant": (1, 0, 0),  # c1
        "Outgoing migrant": (1, 0, 0),  # c2
        "Returnee": (0, 0, 1),  # c4 a year before
        "Family member of a migrant": (0, 0, 0),
    }
    destinations = stats.table("new_clients_by_destination")
    # Most first (March, then the comparisons); "not stated" last; c5 (April) not counted.
    assert [(row.label, row.current, row.previous, row.year_ago, row.code)
            for row in destinations.rows] == [
        ("Total", 2, 1, 1, "total"),
        ("Saudi Arabia", 1, 0, 1, "SA"),
        ("Italy", 1, 0, 0, "IT"),
        ("Not stated", 0, 1, 0, "none"),
    ]


def test_clients_counselled_by_destination_and_the_top_destinations(data):
    stats = lhr_march(data)
    assert stats.table("clients_counselled_by_destination").values() == {
        "Total": (3, 0, 1),  # c1 (three sessions) once, c2, c3
        "Saudi Arabia": (1, 0, 1),  # c2; c4 a year before
        "Italy": (1, 0, 0),
        "Not stated": (1, 0, 0),  # c3
    }
    # Stated destinations only, most clients first (ties by country code).
    top = stats.table("top_destinations")
    assert [(row.label, row.current, row.previous, row.year_ago) for row in top.rows] == [
        ("Italy", 1, 0, 0), ("Saudi Arabia", 1, 0, 1)]
    dhaka = monthly_statistics(Actor(data.admin), MARCH, centre("DAC").id)
    assert dhaka.table("top_destinations").values() == {"Malaysia": (1, 0, 0)}


def test_top_destinations_keep_ten(data):
    for number, code in enumerate(["AE", "QA", "OM", "KW", "BH", "MY", "JP", "KR", "DE", "FR",
                                   "GB"]):
        client = make_client(data.lhr_counsellor, "LHR", "male", created_at=utc(2026, 1, 5),
                             birth_year=1990, destination=code)
        for day in range(number + 1):  # AE once ... GB eleven times: the same person once
            counsel(data.lhr_counsellor, client, utc(2026, 3, 2 + day, 6))
    db.session.commit()
    top = lhr_march(data).table("top_destinations")
    # Eleven new destinations and IT and SA, one client each: ten, ties by ISO code.
    assert [row.code for row in top.rows] == ["AE", "BH", "DE", "FR", "GB", "IT", "JP", "KR",
                                              "KW", "MY"]


def test_most_asked_about_topics(data):
    rows = lhr_march(data).table("top_topics").rows
    assert [(row.label, row.current) for row in rows[:5]] == [
        ("Legal pathways", 3), ("Remittances", 2), ("Fraudulent recruitment", 1), ("Other", 1),
        ("Recruitment and visas", 0)]
    assert len(rows) == 10


def _sheet_prints(staff, client, group):
    """Prints at Lahore: March (by local calendar), and one each side of it."""
    versions = {}
    for topic, position, titles in [
        ("working_abroad_legally", 1, {"en": "Working abroad legally", "ur": "قانونی طریقے"}),
        ("recruitment_fees", 2, {"en": "Recruitment fees and fraud"}),
    ]:
        sheet = InfoSheet(topic=topic, position=position)
        db.session.add(sheet)
        db.session.flush()
        for language, title in titles.items():
            version = SheetVersion(sheet_id=sheet.id, language=language, number=1, title=title,
                                   status="published")
            db.session.add(version)
            db.session.flush()
            versions[topic, language] = version

    def printed(topic, language, at, copies=1, **target):
        version = versions.get((topic, language), versions[topic, "en"])
        db.session.add(SheetPrint(centre_id=centre("LHR").id, sheet_version_id=version.id,
                                  topic=topic, language=language, copies=copies,
                                  printed_by_id=staff.lhr_counsellor.id, printed_at=at,
                                  **target))

    printed("working_abroad_legally", "en", utc(2026, 3, 10, 6), client_id=client.id)
    printed("working_abroad_legally", "ur", utc(2026, 3, 20, 5), 20, group_session_id=group.id)
    printed("recruitment_fees", "ur", utc(2026, 2, 28, 19, 30), 5)  # 00:30 on 1 March: March
    printed("recruitment_fees", "bn", utc(2026, 3, 31, 19, 30), 7)  # 00:30 on 1 April: April
    printed("recruitment_fees", "en", utc(2026, 2, 12, 6), 2)  # February
    db.session.commit()


def _c1() -> Client:
    """c1 of ``data``: of the two Lahore clients going to Italy, the one registered in March
    (c5 registered on 1 April; without an order the database returns either)."""
    return db.session.scalar(select(Client).where(Client.destination_country == "IT")
                             .order_by(Client.created_at).limit(1))


def test_information_sheets_printed_by_topic_and_language(data):
    c1 = _c1()
    pdo = db.session.scalar(select(GroupSession).where(GroupSession.kind == "pdo"))
    _sheet_prints(data, c1, pdo)
    stats = lhr_march(data)
    assert [(row.label, row.current, row.previous, row.year_ago, row.code)
            for row in stats.table("sheets_by_topic").rows] == [
        ("Total", 26, 2, 0, "total"),
        ("Working abroad legally", 21, 0, 0, "topic:working_abroad_legally"),
        ("Recruitment fees and fraud", 5, 2, 0, "topic:recruitment_fees"),
    ]
    assert [(row.label, row.current, row.previous, row.year_ago, row.code)
            for row in stats.table("sheets_by_language").rows] == [
        ("Total", 26, 2, 0, "total"),
        ("Urdu", 25, 0, 0, "language:ur"),
        ("English", 1, 2, 0, "language:en"),
    ]
    april = monthly_statistics(Actor(data.lhr_manager), date(2026, 4, 1))
    assert april.table("sheets_by_language").values()["Bangla"] == (7, 0, 0)
    assert monthly_statistics(Actor(data.isb_manager), MARCH).table(
        "sheets_by_topic").values() == {"Total": (0, 0, 0)}


def test_sheet_topics_are_named_in_the_users_language(client, data):
    c1 = _c1()
    _sheet_prints(data, c1, db.session.scalar(select(GroupSession)))
    data.lhr_manager.preferred_locale = "ur"
    db.session.commit()
    login(client, data.lhr_manager)
    html = client.get("/stats/?month=2026-03").get_data(as_text=True)
    section = html.split('id="sheets_by_topic"', 1)[1].split("</section>", 1)[0]
    assert "قانونی طریقے" in section  # the Urdu title; no Urdu version: the English one
    assert "Recruitment fees and fraud" in section
    countries = html.split('id="top_destinations"', 1)[1].split("</section>", 1)[0]
    assert "اٹلی" in countries  # Italy, by CLDR in Urdu


# --- A range of months ---------------------------------------------------------------------

def test_a_range_of_three_months(data):
    stats = monthly_statistics(Actor(data.lhr_manager), date(2026, 1, 1),
                               last_month=date(2026, 3, 31))
    assert (stats.month, stats.end_month, stats.month_count) == (
        date(2026, 1, 1), date(2026, 3, 1), 3)
    # Compared with October to December 2025 and with January to March 2025.
    assert (stats.previous_month, stats.previous_end_month) == (date(2025, 10, 1),
                                                                 date(2025, 12, 1))
    assert (stats.year_ago_month, stats.year_ago_end_month) == (date(2025, 1, 1),
                                                                 date(2025, 3, 1))
    assert stats.current_label == "January 2026 to March 2026"
    assert stats.previous_label == "October 2025 to December 2025"
    assert stats.year_ago_label == "January 2025 to March 2025"
    assert stats.table("new_clients").values()["Total"] == (3, 0, 1)  # c3, c1, c2; c4
    assert stats.table("sessions").values()["Total"] == (5, 0, 1)
    assert stats.table("clients_counselled").values()["Total"] == (3, 0, 1)
    groups = stats.table("group_sessions").values()
    assert groups["Pre-departure orientation: sessions held"] == (1, 0, 0)
    assert groups["Community outreach: people reached, Female"] == (4, 0, 0)
    assert stats.table("referrals_by_partner_kind").values()["Total"] == (4, 0, 0)
    # Status at the end of the range (31 March): c3's referral completed on 3 March.
    status = stats.table("referral_status").values()
    assert (status["Completed"], status["Accepted by the partner"], status["Made"]) == (
        (1, 0, 0), (1, 0, 0), (2, 0, 0))
    outcomes = stats.table("outcomes").values()
    assert outcomes["Referrals completed in these months"] == (1, 0, 0)
    assert outcomes["Follow-ups done in these months"] == (1, 0, 0)
    assert outcomes["Follow-ups overdue at the end of the last month"] == (2, 0, 0)
    # The last local instant of the range is its end: c5 at 00:30 on 1 April is out.
    assert stats.table("new_clients_by_destination").values()["Italy"] == (1, 0, 0)


def test_ranges_are_checked(data):
    manager = Actor(data.lhr_manager)
    with pytest.raises(services.InvalidMonths):
        monthly_statistics(manager, MARCH, last_month=date(2026, 2, 1))
    with pytest.raises(services.InvalidMonths):
        monthly_statistics(manager, date(2024, 1, 1), last_month=date(2026, 1, 1))  # 25
    longest = monthly_statistics(manager, date(2024, 2, 1), last_month=date(2026, 1, 1))
    assert longest.month_count == 24
    assert longest.previous_label == "February 2022 to January 2024"
    same = monthly_statistics(manager, MARCH, last_month=MARCH)
    assert same.last_month is None and same.current_label == "March 2026"


def test_titles_name_a_range_as_months(data):
    one = lhr_march(data)
    several = monthly_statistics(Actor(data.lhr_manager), date(2026, 1, 1),
                                 last_month=date(2026, 6, 1))
    assert one.column_titles == [
        "This month (March 2026)", "Previous month (February 2026)",
        "Change vs previous month", "A year before (March 2025)", "Change vs a year before"]
    assert several.column_titles == [
        "These months (January 2026 to June 2026)",
        "The months before (July 2025 to December 2025)",
        "Change vs the months before", "A year before (January 2025 to June 2025)",
        "Change vs a year before"]
    assert one.table("referral_status").title == (
        "Referrals made in the month, by status at the month's end")
    assert several.table("referral_status").title == (
        "Referrals made in these months, by status at the end of the last month")
    assert [row.label for row in one.table("outcomes").rows] == [
        "Referrals completed in the month", "Follow-ups done in the month",
        "Follow-ups overdue at the month's end"]
    assert [row.label for row in several.table("outcomes").rows] == [
        "Referrals completed in these months", "Follow-ups done in these months",
        "Follow-ups overdue at the end of the last month"]
    titles = [table.title for table in several.tables] + [
        row.label for table in several.tables for row in table.rows]
    assert not [text for text in titles if "the month" in text]


def test_range_form_errors_beside_the_fields(client, data):
    login(client, data.lhr_manager)
    html = client.get("/stats/?month=2026-03&to=2026-01").get_data(as_text=True)
    assert 'name="to"' in html
    assert "The last month cannot be before the first month." in html
    assert shows_no_figures(html)  # neither March alone nor anything else
    html = client.get("/stats/?month=2024-01&to=2026-01").get_data(as_text=True)
    assert "Choose at most 24 months." in html
    assert shows_no_figures(html)
    html = client.get("/stats/?month=&to=2026-03").get_data(as_text=True)
    assert "Choose the first month too." in html  # not last month with "to" dropped
    assert shows_no_figures(html)
    html = client.get("/stats/?month=2026-01&to=2026-03").get_data(as_text=True)
    scope = html.split("stats-scope", 1)[1].split("</p>", 1)[0]
    assert "January 2026 to March 2026" in scope
    assert "October 2025 to December 2025" in html
    assert "Submit this month" not in html  # ranges are not submitted


def test_a_range_is_named_as_months_on_the_page(client, data):
    login(client, data.lhr_manager)
    html = unescape(client.get("/stats/?month=2026-01&to=2026-06").get_data(as_text=True))
    head = html.split('id="sessions"', 1)[1].split("</thead>", 1)[0]
    for title in ("These months (January 2026 to June 2026)",
                  "The months before (July 2025 to December 2025)",
                  "Change vs the months before", "A year before (January 2025 to June 2025)"):
        assert title in head, title
    assert "Referrals made in these months, by status at the end of the last month" in html
    assert "Follow-ups done in these months" in html
    assert "Clients counselled in these months, by sex and age group" in html  # the chart
    assert "any of the three periods" in html
    main = html.split("<main", 1)[1]
    assert "in the month" not in main and "month's end" not in main
    assert "This month (" not in main and "Previous month" not in main
    html = unescape(client.get("/stats/?month=2026-03").get_data(as_text=True))
    head = html.split('id="sessions"', 1)[1].split("</thead>", 1)[0]
    assert "This month (March 2026)" in head and "Change vs previous month" in head
    assert "Referrals made in the month, by status at the month's end" in html
    assert "Clients counselled in the month, by sex and age group" in html
    assert "any of the three months" in html


# --- Closing a month -----------------------------------------------------------------------

def _submission(code="LHR", month=MARCH):
    return db.session.scalar(select(MonthSubmission).where(
        MonthSubmission.centre_id == centre(code).id, MonthSubmission.month == month))


def _entered_when_it_happened():
    """The fixture's records as if each was entered (and last changed) when it happened."""
    db.session.execute(update(Client).values(updated_at=Client.created_at))
    db.session.execute(update(CounsellingSession).values(
        created_at=CounsellingSession.held_at, updated_at=CounsellingSession.held_at))
    db.session.execute(update(GroupSession).values(
        created_at=GroupSession.starts_at, updated_at=GroupSession.starts_at))
    db.session.execute(update(GroupSessionAttendee).values(added_at=utc(2026, 3, 20, 5)))
    db.session.execute(update(Referral).values(updated_at=Referral.created_at))
    db.session.commit()


def test_a_manager_submits_the_month_and_later_edits_show(client, data):
    _entered_when_it_happened()
    login(client, data.lhr_manager)
    page = client.get("/stats/?month=2026-03").get_data(as_text=True)
    assert "/stats/submit?month=2026-03" in page
    confirm = client.get(f"/stats/submit?month=2026-03&centre={centre('LHR').id}")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert 'value="2026-03"' in html and 'name="csrf_token"' in html
    assert 'name="centre"' not in html  # managers submit their own centre

    response = post_form(client, "/stats/submit", {"month": "2026-03"},
                         token_from="/stats/submit?month=2026-03")
    assert response.status_code == 302
    assert "/stats/?month=2026-03" in response.headers["Location"]
    submission = _submission()
    assert submission.submitted_by_id == data.lhr_manager.id
    figures = json.loads(submission.figures)
    board = db.session.scalar(select(Partner).where(Partner.name == "Training Board"))
    assert figures["sessions"]["total"] == 5
    assert figures["new_clients"]["female:under_18"] == 1
    # Every row of the page, also those with figures only in the comparison months.
    assert figures["new_clients_by_destination"] == {"total": 2, "SA": 1, "IT": 1, "none": 0}
    assert figures["referrals_by_partner"][f"partner:{board.id}"] == 1
    assert figures["group_sessions"]["pdo:people"] == 10
    assert figures["outcomes"]["follow_ups_overdue"] == 2
    assert set(figures) == {table.key for table in lhr_march(data).tables}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "submit"))
    assert (event.object_type, event.object_id) == ("statistics", submission.id)
    assert event.centre_id == centre("LHR").id and "2026-03" in event.summary

    html = client.get("/stats/?month=2026-03").get_data(as_text=True)
    assert f"Submitted by \u2068{data.lhr_manager.display_name}\u2069 on " in html
    assert "No record of this month was created or changed after the submission." in html
    assert "<mark>" not in html
    assert "/stats/submit?" not in html

    # A minute later a session of 12 March is logged, c1's record is corrected and c3 is
    # added to the March PDO's attendance.
    submission.submitted_at = submission.submitted_at - timedelta(minutes=1)
    c1 = _c1()
    counsel(data.lhr_counsellor, c1, utc(2026, 3, 12, 6), "phone", "remittances")
    c1.destination_country = "DE"
    c3 = db.session.scalar(select(Client).where(Client.sex == "not_stated"))
    pdo = db.session.scalar(select(GroupSession).where(GroupSession.kind == "pdo"))
    db.session.add(GroupSessionAttendee(centre_id=pdo.centre_id, group_session_id=pdo.id,
                                        client_id=c3.id, added_by_id=data.lhr_counsellor.id))
    db.session.commit()

    stats = lhr_march(data)
    assert stats.submission.id == submission.id
    total = stats.table("sessions").row("Total")
    assert (total.submitted, total.current, total.differs) == (5, 6, True)
    assert stats.table("new_clients").row("Total").differs is False
    destination = stats.table("new_clients_by_destination")
    assert (destination.row("Italy").submitted, destination.row("Italy").current) == (1, 0)
    assert (destination.row("Germany").submitted, destination.row("Germany").current) == (0, 1)
    people = stats.table("group_sessions").row(
        "Pre-departure orientation: registered participants")
    assert (people.submitted, people.current) == (2, 3)
    assert stats.changed_since_submission == {"clients": 1, "counselling_sessions": 1,
                                              "group_sessions": 1, "referrals": 0}

    html = client.get("/stats/?month=2026-03").get_data(as_text=True)
    assert "Records of this month were created or changed after the submission." in html
    assert "Clients: 1" in html and "Counselling sessions: 1" in html
    assert "Group sessions: 1" in html
    assert "Referrals: 0" not in html
    sessions = html.split('id="sessions"', 1)[1].split("</section>", 1)[0]
    assert "Submitted" in sessions and "(now)" in sessions
    total_row = sessions.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert 'class="level-0 differs"' in total_row
    assert ">5</td>" in total_row and "<mark>6</mark>" in total_row
    assert "(changed since submitted)" in total_row


def test_a_month_is_submitted_once(client, data):
    services.submit_month(Actor(data.lhr_manager), MARCH)
    login(client, data.lhr_manager)
    response = post_form(client, "/stats/submit", {"month": "2026-03"},
                         token_from="/stats/submit?month=2026-03")
    assert response.status_code == 200
    assert ("This month was already submitted; a submitted month cannot be submitted again."
            in response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(MonthSubmission.id))) == 1
    with pytest.raises(services.AlreadySubmitted):
        services.submit_month(Actor(data.admin), MARCH, centre("LHR").id)


def test_only_ended_months_of_one_centre_are_submitted(client, data):
    this_month = services.month_start(centre_today(centre("LHR")))
    with pytest.raises(services.SubmissionRefused):
        services.submit_month(Actor(data.lhr_manager), this_month)
    with pytest.raises(services.SubmissionRefused):
        services.submit_month(Actor(data.admin), MARCH)  # all centres
    with pytest.raises(StatisticsAccessDenied):
        services.submit_month(Actor(data.lhr_counsellor), MARCH)
    with pytest.raises(StatisticsAccessDenied):
        services.submit_month(Actor(data.lhr_manager), MARCH, centre("ISB").id)
    login(client, data.lhr_manager)
    response = post_form(client, "/stats/submit", {"month": f"{this_month:%Y-%m}"},
                         token_from="/stats/submit")
    assert "A month can be submitted once it has ended." in response.get_data(as_text=True)
    response = post_form(client, "/stats/submit", {"month": ""}, token_from="/stats/submit")
    assert "Choose a month." in response.get_data(as_text=True)
    html = client.get(f"/stats/?month={this_month:%Y-%m}").get_data(as_text=True)
    assert "/stats/submit?" not in html
    assert db.session.scalar(select(func.count(MonthSubmission.id))) == 0


def test_an_admin_submits_for_a_chosen_centre(client, data):
    login(client, data.admin)
    assert "/stats/submit?" not in client.get("/stats/?month=2026-03").get_data(as_text=True)
    html = client.get(f"/stats/?month=2026-03&centre={centre('DAC').id}").get_data(as_text=True)
    assert f"/stats/submit?month=2026-03&amp;centre={centre('DAC').id}" in html
    confirm = client.get(f"/stats/submit?month=2026-03&centre={centre('DAC').id}")
    assert 'name="centre"' in confirm.get_data(as_text=True)
    response = post_form(client, "/stats/submit", {"month": "2026-03", "centre": "0"},
                         token_from="/stats/submit")
    assert "Choose the centre whose month you submit." in response.get_data(as_text=True)
    response = post_form(client, "/stats/submit", {"month": "2026-03", "centre": "abc"},
                         token_from="/stats/submit")  # a tampered form: one message
    assert re.search(r'id="centre-error">(.*?)</p>',
                     response.get_data(as_text=True)).group(1) == "Not a valid choice."
    response = post_form(client, "/stats/submit",
                         {"month": "2026-03", "centre": str(centre("DAC").id)},
                         token_from="/stats/submit")
    assert response.status_code == 302
    submission = _submission("DAC")
    assert submission.submitted_by_id == data.admin.id
    assert json.loads(submission.figures)["new_clients"]["total"] == 1
    assert _submission("LHR") is None


def test_all_centres_show_which_centres_submitted_the_month(client, data):
    services.submit_month(Actor(data.lhr_manager), MARCH)
    login(client, data.admin)
    html = client.get("/stats/?month=2026-03").get_data(as_text=True)
    section = html[html.index("Submissions of this month"):]
    section = section[:section.index("</table>")]
    lahore = section[section.index(centre("LHR").name):]
    lahore = lahore[:lahore.index("</tr>")]
    assert "Submitted by" in lahore and data.lhr_manager.display_name in lahore
    dhaka = section[section.index(centre("DAC").name):]
    assert "Not submitted yet" in dhaka[:dhaka.index("</tr>")]
    assert f"/stats/?month=2026-03&amp;centre={centre('DAC').id}" in section
    # One centre's page shows its own submission instead; a range shows no submissions.
    assert "Submissions of this month" not in client.get(
        f"/stats/?month=2026-03&centre={centre('LHR').id}").get_data(as_text=True)
    assert "Submissions of this month" not in client.get(
        "/stats/?month=2026-02&to=2026-03").get_data(as_text=True)


def test_counsellors_cannot_submit(client, data):
    login(client, data.lhr_counsellor)
    assert client.get("/stats/submit?month=2026-03").status_code == 403
    response = post_form(client, "/stats/submit", {"month": "2026-03"}, token_from="/")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(MonthSubmission.id))) == 0
