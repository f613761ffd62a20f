"""Search and the duplicate check on a large registry: the capped count, the centre and birth
year carried by the search keys, the rebuild (issue #7, speed at scale)."""

from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text, update

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.clients import services
from mrc.clients.cli import rebuild_search_keys_command
from mrc.clients.merge import merge_clients
from mrc.clients.models import Client, ClientSearchKey
from mrc.database import utcnow
from mrc.extensions import db
from tests.conftest import login, statements_sent
from tests.test_clients import search, why_found


def person(**changes) -> services.ClientData:
    values = dict(given_name="Muhammad", family_name="Usman", given_name_native="محمد",
                  family_name_native="عثمان", sex="male", nationality="PK",
                  migration_status="intending", birth_year=1990, consent_services=True,
                  district="Lahore")
    return services.ClientData(**{**values, **changes})


def record_word_pair_lookups(patcher) -> list:
    """What ``services.word_pair_lookups`` returns each time it is called, from now on."""
    returned = []
    real = services.word_pair_lookups

    def recorded(words):
        returned.append(real(words))
        return returned[-1]

    patcher.setattr(services, "word_pair_lookups", recorded)
    return returned


def register_many(app, user, count: int, **changes) -> list[int]:
    with app.test_request_context():
        actor = Actor(user, "test")
        return [services.register_client(actor, person(phone=f"+92300{user.id:02d}1{n:04d}",
                                                       **changes), confirmed_new=True).id
                for n in range(count)]


def test_more_matches_than_the_limit_say_so_and_list_those_seen_last(app, client, staff,
                                                                     monkeypatch):
    monkeypatch.setattr(services, "SEARCH_MATCH_LIMIT", 3)
    ids = register_many(app, staff.lhr_counsellor, 5)
    # The first registered came back today. The lookup gathers the first four in the key
    # index (the limit and one): the last registered is not among them, yet seen last but one.
    db.session.execute(update(Client).where(Client.id == ids[0])
                       .values(last_visit_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    login(client, staff.lhr_counsellor)
    response = search(client, "usman")
    text = response.get_data(as_text=True)
    assert ("More than 3 people found; the 3 seen most recently are listed. Type more of the "
            "name") in text
    assert "people found</h2>" not in text
    references = dict(db.session.execute(select(Client.id, Client.reference)).all())
    assert list(why_found(response)) == [references[i] for i in (ids[0], ids[4], ids[3])]
    assert set(why_found(response).values()) == {"name as typed"}
    db.session.rollback()  # a fresh read: the search was committed by the request
    summary = db.session.scalars(select(AuditEvent.summary)
                                 .where(AuditEvent.action == "search")).all()[-1]
    assert summary == "by name; more than 3 found; page 1"
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")
        second = services.search_clients(actor, "usman", page=2, per_page=2)
    assert ([c.id for c in second.items], second.total, second.pages) == ([ids[3]], 3, 2)
    # A precise term finds the one person, with an exact count.
    text = search(client, f"0300 {staff.lhr_counsellor.id:02d}10003").get_data(as_text=True)
    assert "1 person found" in text


def test_a_name_whose_keys_are_counted_is_gathered_whole_and_listed_without_a_walk(
        app, staff, monkeypatch):
    """A name of common words whose keys were counted below the last probe limit: the lookup
    gathers everyone who has it, and the page orders them by last visit, so those seen last
    come with no walk of the centre's clients (``recently_seen``). Counted to the last limit,
    the lookup stops at its own and the walk finds the same people."""
    monkeypatch.setattr(services, "SEARCH_MATCH_LIMIT", 3)
    monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (2, 50))
    ids = register_many(app, staff.lhr_counsellor, 5)
    register_many(app, staff.isb_counsellor, 2)  # another centre's namesakes count for nobody
    # The first registered came back today: first, though the key index holds it first too.
    db.session.execute(update(Client).where(Client.id == ids[0])
                       .values(last_visit_at=utcnow() + timedelta(hours=1)))
    db.session.commit()

    def walk(*_args, **_kwargs):
        raise AssertionError("the centre's clients were walked")

    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")
        with monkeypatch.context() as walks_refused:
            walks_refused.setattr(services.SearchPlan, "recently_seen", walk)
            pages = [services.search_clients(actor, "muhammad usman", page=page, per_page=2)
                     for page in (1, 2, 3)]
        assert [(page.more, page.recent_only, page.total, page.pages) for page in pages] == [
            (True, True, 3, 2)] * 3
        assert [[c.id for c in page.items] for page in pages] == [[ids[0], ids[4]], [ids[3]],
                                                                  []]
        assert {tuple(reasons) for reasons in pages[0].reasons.values()} == {("name as typed",)}
        monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (2, 4))
        services.key_rarity.clear()
        walks = []
        recently_seen = services.SearchPlan.recently_seen
        monkeypatch.setattr(services.SearchPlan, "recently_seen", lambda plan, limit: (
            walks.append(limit) or recently_seen(plan, limit)))
        walked = [services.search_clients(actor, "muhammad usman", page=page, per_page=2)
                  for page in (1, 2)]
        assert [[c.id for c in page.items] for page in walked] == [[ids[0], ids[4]], [ids[3]]]
        assert walks == [2, 3]


def test_the_limit_counts_the_own_centre_only(app, staff, monkeypatch):
    monkeypatch.setattr(services, "SEARCH_MATCH_LIMIT", 2)
    register_many(app, staff.isb_counsellor, 4)
    register_many(app, staff.lhr_counsellor, 1)
    with app.test_request_context():
        lahore = services.search_clients(Actor(staff.lhr_counsellor, "test"), "muhammad usman",
                                         page=1, per_page=25)
        assert (lahore.total, lahore.more, len(lahore.items)) == (1, False, 1)
        # Cross-script: the Urdu spelling finds the same person.
        assert services.search_clients(Actor(staff.lhr_counsellor, "test"), "محمد عثمان",
                                       page=1, per_page=25).total == 1
        everywhere = services.search_clients(Actor(staff.admin, "test"), "muhammad usman",
                                             page=1, per_page=25)
        assert (everywhere.total, everywhere.more) == (2, True)


def test_search_pages_are_ordered_and_counted(app, staff):
    ids = register_many(app, staff.lhr_counsellor, 5)
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")
        pages = [services.search_clients(actor, "usm", page=page, per_page=2)
                 for page in (1, 2, 3, 4)]
    assert [page.total for page in pages] == [5, 5, 5, 5]
    assert [page.pages for page in pages[:3]] == [3, 3, 3]
    # Most recently seen first: the last registered.
    assert [c.id for page in pages for c in page.items] == sorted(ids, reverse=True)
    assert pages[3].items == []


def test_keys_carry_the_centre_and_birth_year_and_follow_changes(app, staff):
    [client_id] = register_many(app, staff.lhr_counsellor, 1)
    keys = db.session.scalars(select(ClientSearchKey)
                              .where(ClientSearchKey.client_id == client_id)).all()
    lahore = staff.lhr_counsellor.centre_id
    assert keys and {(key.centre_id, key.birth_year) for key in keys} == {(lahore, 1990)}
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")
        client = db.session.get(Client, client_id)
        services.update_client(actor, client, person(birth_year=1975, phone=client.phone))
        assert {key.birth_year for key in db.session.scalars(select(ClientSearchKey).where(
            ClientSearchKey.client_id == client_id))} == {1975}
        # The duplicate check looks near the new birth year only.
        found = services.find_duplicates(actor, person(given_name="Mohammed", birth_year=1976))
        assert [candidate.client.id for candidate in found] == [client_id]
        assert services.find_duplicates(actor, person(given_name="Mohammed",
                                                      birth_year=1990)) == []


def test_duplicate_rules_narrow_to_the_birth_years_before_their_limit(app, staff, monkeypatch):
    monkeypatch.setattr(services, "_GATHERED_PER_RULE", 2)
    register_many(app, staff.lhr_counsellor, 5, birth_year=1970)
    [wanted] = register_many(app, staff.lhr_counsellor, 1, birth_year=1990,
                             father_name="Aslam")
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")
        found = services.find_duplicates(actor, person(family_name="Usmaan", given_name_native="",
                                                       family_name_native="", birth_year=1991))
    assert [candidate.client.id for candidate in found] == [wanted]


def test_rebuild_fills_the_centre_and_birth_year(app, staff):
    [client_id] = register_many(app, staff.lhr_counsellor, 1)
    db.session.execute(update(ClientSearchKey).values(centre_id=None, birth_year=None))
    db.session.commit()
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")
        assert services.search_clients(actor, "usman", page=1, per_page=25).total == 0
    result = CliRunner().invoke(rebuild_search_keys_command, obj=app.extensions.get("script_info"),
                                catch_exceptions=False, standalone_mode=False)
    assert "Rebuilt the search keys of 1 clients" in result.output
    with app.test_request_context():
        assert [c.id for c in services.search_clients(actor, "usman", page=1,
                                                      per_page=25).items] == [client_id]


def test_a_page_of_results_is_not_loaded_one_client_at_a_time(client, staff):
    """The search's audit commit would expire the clients found; the page must not then
    reload them, least of all each with a query of its own."""
    from tests.conftest import post_form

    actor = Actor(staff.lhr_counsellor)
    for number in range(12):
        services.register_client(actor, services.ClientData(
            given_name="Ali", family_name=f"Raza{number}", sex="male", nationality="PK",
            migration_status="intending", birth_year=1980 + number, consent_services=True),
            confirmed_new=True)
    login(client, staff.lhr_counsellor)
    client.get("/clients/")
    with statements_sent() as statements:
        page = post_form(client, "/clients/", {"term": "ali"}, token_from="/clients/")
    html = page.get_data(as_text=True)
    assert all(f"Raza{number}" in html for number in range(12))
    reads_of_clients = [sql for sql in statements if sql.lstrip().startswith("SELECT clients.")]
    # The list the form was taken from, and the search: the page reads nothing more.
    assert len(reads_of_clients) == 2, reads_of_clients


def counting_statements(function) -> tuple[object, list[str]]:
    """``function()``'s result and the key-counting statements it sent."""
    with statements_sent() as sent:
        result = function()
    return result, [sql for sql in sent if sql.startswith("SELECT (SELECT count(*)")]


def test_key_counts_are_remembered_and_only_choose_which_key_drives(app, staff, monkeypatch):
    monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (2, 4))
    usmans = register_many(app, staff.lhr_counsellor, 3)
    [ali] = register_many(app, staff.lhr_counsellor, 1, family_name="Ali",
                          family_name_native="علی")
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")

        def found(term):
            return sorted(c.id for c in services.search_clients(actor, term, page=1,
                                                                per_page=25).items)

        first, counted = counting_statements(lambda: found("muhammad usman"))
        assert first == sorted(usmans) and counted
        again, counted_again = counting_statements(lambda: found("muhammad usman"))
        assert again == first and counted_again == []
        # A count remembered wrongly (the common word said to be the rarest) makes another
        # key drive the lookup, never another result.
        for (lookup, centre_id, years), _entry in list(services.key_rarity._entries.items()):
            wrong = 0 if "muhammad" in str(lookup.value) or lookup.value == "mhmd" else 4
            services.key_rarity.put((lookup, centre_id, years), wrong, 4)
        assert found("muhammad usman") == first
        assert found("muhammad ali") == [ali]
        candidates = services.find_duplicates(actor, person(given_name="Mohammed"))
        assert {candidate.client.id for candidate in candidates} == set(usmans)


def test_the_remembered_counts_say_what_they_know_for_an_hour():
    memory = services._RarityMemory(size=2, seconds=3600)
    memory.put("rare", 3, counted_to=1000)  # exact: fewer than the limit counted to
    memory.put("common", 1000, counted_to=1000)  # at least 1000
    assert memory.get("rare", 1000) == 3 and memory.get("rare", 20_000) == 3
    assert memory.get("common", 1000) == 1000
    assert memory.get("common", 20_000) is None  # to be counted further
    memory.put("third", 5, counted_to=1000)  # the least recently used goes
    assert memory.get("rare", 1000) is None and memory.get("third", 1000) == 5
    memory.seconds = 0
    assert memory.get("third", 1000) is None


def test_records_merged_into_candidates_are_found_through_an_index(app, staff):
    """SQLite's statistics counted every NULL merged_into_id as one value shared by all
    clients, and with an index of them all it scanned the table for "merged into one of
    these" (150 ms a duplicate check on a million clients). The index holds merged records
    only; with the statistics of a million unmerged clients, the lookup still uses it."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's statistics: PostgreSQL's keep NULLs apart (null_frac)")
    register_many(app, staff.lhr_counsellor, 2)
    db.session.commit()
    try:
        db.session.execute(text("ANALYZE"))
        # What ANALYZE says of these two clients, as if each were half a million.
        for index, stat in db.session.execute(text(
                "SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'clients'")).all():
            scaled = " ".join(str(int(number) * 500_000) for number in stat.split())
            db.session.execute(text("UPDATE sqlite_stat1 SET stat = :stat "
                                    "WHERE tbl = 'clients' AND idx IS :index"),
                               {"stat": scaled, "index": index})
        db.session.execute(text("ANALYZE sqlite_schema"))  # reads the statistics again
        with statements_sent() as sent:
            services.merged_records([1, 2, 3], Client.reference)
        statement = sent[0]
        plan = " ".join(row[-1] for row in db.session.connection().exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", (1,) * statement.count("?")))
        assert "ix_clients_merged_into_id" in plan, plan
    finally:  # other tests plan without these statistics
        db.session.execute(text("DELETE FROM sqlite_stat1"))
        db.session.commit()


def test_common_keys_read_whole_and_intersected_find_what_probes_find(app, staff, monkeypatch):
    """When every key of a name is common, those not many times more common than the driving
    key are read whole and intersected with it instead of probed row by row (a plan chosen
    from the key counts); the clients found must be the same either way, and the same as
    through the ``words`` keys of the words typed, which are looked up in their stead."""
    monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (2, 50))
    usmans = register_many(app, staff.lhr_counsellor, 3)
    register_many(app, staff.lhr_counsellor, 2, family_name="Ali", family_name_native="علی")
    register_many(app, staff.lhr_counsellor, 2, given_name="Usman", family_name="Ghani",
                  given_name_native="عثمان", family_name_native="غنی")
    register_many(app, staff.isb_counsellor, 2)
    anonymised = register_many(app, staff.lhr_counsellor, 1)
    db.session.execute(update(Client).where(Client.id.in_(anonymised))
                       .values(anonymised_at=Client.created_at))
    db.session.commit()
    terms = ["muhammad usman", "muha usm", "usman", "محمد عثمان", "usman muhammad",
             "usman ghani", "muhammad ali", "mohammed usmaan"]

    def results(actor):
        found = {}
        for term in terms:
            services.key_rarity.clear()
            page = services.search_clients(actor, term, page=1, per_page=25)
            found[term] = (page.total, sorted(c.id for c in page.items))
        return found

    with app.test_request_context():
        for user in (staff.lhr_counsellor, staff.admin):
            actor = Actor(user, "test")
            pair_lookups = record_word_pair_lookups(monkeypatch)
            through_word_pairs = results(actor)
            assert [("words", "muhammad usman")] in [
                [(lookup.kind, lookup.value) for lookup in lookups] for lookups in pair_lookups]
            monkeypatch.setattr(services, "word_pair_lookups", lambda _words: None)
            with statements_sent() as sent:
                intersected = results(actor)
            assert any(" INTERSECT " in sql for sql in sent)
            with monkeypatch.context() as probes_only:
                probes_only.setattr(services.KeySql, "_read_whole", lambda *_args: False)
                with statements_sent() as sent:
                    probed = results(actor)
                assert not any(" INTERSECT " in sql for sql in sent)
            assert intersected == probed == through_word_pairs
            monkeypatch.undo()
            monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (2, 50))
            if user is staff.lhr_counsellor:
                assert intersected["muhammad usman"] == (3, sorted(usmans))
            else:  # both centres' Muhammad Usmans
                assert intersected["muhammad usman"][0] == 5


def test_a_key_past_the_last_limit_is_counted_on_before_it_is_read_whole(app, staff,
                                                                          monkeypatch):
    """A key counted to the last limit in a name whose driving key was not is counted on to
    ``intersect_up_to`` times the driver's count: read whole and intersected when it has no
    more keys than that, probed per row of the driver when it has more ("muhammad" of all
    centres against a rarer word). The same clients are found either way."""
    monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (2, 4))
    # The words as typed looked up as prefixes, not by their ``words`` keys.
    monkeypatch.setattr(services, "word_pair_lookups", lambda _words: None)
    usmans = register_many(app, staff.lhr_counsellor, 3)
    register_many(app, staff.lhr_counsellor, 4, family_name="Ali", family_name_native="علی")
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")

        def search(term):
            services.key_rarity.clear()
            with statements_sent() as sent:
                page = services.search_clients(actor, term, page=1, per_page=50)
            return sorted(c.id for c in page.items), any(" INTERSECT " in sql for sql in sent)

        # "muhammad": 7 keys, past the last limit (4), no more than 5 (SQLite) or 10
        # (PostgreSQL) times the 3 of "usman".
        assert search("muhammad usman") == (sorted(usmans), True)
        register_many(app, staff.lhr_counsellor, 30, family_name="Ali",
                      family_name_native="علی")
        # 37: more than either.
        assert search("muhammad usman") == (sorted(usmans), False)
        groups, counts = services.rarest_first(
            [[services.KeyLookup("name", "muhammad", prefix=True),
              services.KeyLookup("name", "usman", prefix=True)]],
            centre_id=staff.lhr_counsellor.centre_id)
        assert [lookup.value for lookup in groups[0]] == ["usman", "muhammad"]
        assert counts[groups[0][1]] == services.intersect_up_to() * 3 + 1


def test_a_name_as_typed_that_more_people_have_than_the_limit_is_walked_straight_away(
        app, staff, monkeypatch):
    """A name not gathered whole (its keys counted past the last limit) whose spelling alone
    more clients have than the limit, counted index only: those seen last are listed without
    reading every reading's lookup and a page of them first (no UNION of lookups is sent)."""
    monkeypatch.setattr(services, "SEARCH_MATCH_LIMIT", 3)
    monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (2, 4))
    ids = register_many(app, staff.lhr_counsellor, 5)
    db.session.execute(update(Client).where(Client.id == ids[0])
                       .values(last_visit_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")
        with statements_sent() as sent:
            first = services.search_clients(actor, "muhammad usman", page=1, per_page=2)
        assert (first.more, first.recent_only, first.total) == (True, True, 3)
        assert [c.id for c in first.items] == [ids[0], ids[4]]
        assert not any(" UNION ALL SELECT client_id, rank " in sql for sql in sent)
        # Five as typed, not more than a limit of five: gathered and counted as before.
        monkeypatch.setattr(services, "SEARCH_MATCH_LIMIT", 5)
        with statements_sent() as sent:
            every = services.search_clients(actor, "muhammad usman", page=1, per_page=25)
        assert (every.more, every.recent_only, every.total) == (False, False, 5)
        assert any(" UNION ALL SELECT client_id, rank " in sql for sql in sent)


def test_a_walk_reads_each_driving_key_whole_and_finds_what_probes_find(app, staff,
                                                                         monkeypatch):
    """A name of several words whose driving keys were counted below the last limit, and
    whose reading is one sound key, counted below it too: the walk to those seen last reads
    each group's driving key whole once instead of probing it per client walked (on SQLite,
    when they have fewer keys in all than a limit). Either way it lists the same clients of
    the centre, in the same order."""
    monkeypatch.setattr(services, "SEARCH_MATCH_LIMIT", 3)
    names = dict(given_name="Usman", family_name="Ali", given_name_native="",
                 family_name_native="")
    ids = register_many(app, staff.lhr_counsellor, 5, **names)
    register_many(app, staff.isb_counsellor, 2, **names)  # seen later, of another centre
    db.session.execute(update(Client).where(Client.id == ids[0])
                       .values(last_visit_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    with app.test_request_context():
        centre_id = staff.lhr_counsellor.centre_id
        plan = services.search_plan("usman al", "PK", centre_id=centre_id)
        assert [len(group) for group in plan.key_groups] == [2, 1]
        assert plan.walk_reads_drivers()
        with statements_sent() as sent:
            pages = [services.search_clients(Actor(staff.lhr_counsellor, "test"), "usman al",
                                             page=page, per_page=2) for page in (1, 2)]
        assert [[c.id for c in page.items] for page in pages] == [[ids[0], ids[4]], [ids[3]]]
        assert all(page.recent_only for page in pages)
        walks = [sql for sql in sent if "ORDER BY c.last_visit_at DESC" in sql]
        assert len(walks) == 2
        assert all("c.id IN (SELECT" in sql for sql in walks)
        listed = []
        for drivers_read_whole in (False, True):
            sql = services.KeySql()
            walk = sql.recently_seen_with_keys(plan.key_groups, centre_id=centre_id, limit=3,
                                               drivers_read_whole=drivers_read_whole)
            listed.append(db.session.execute(text(walk), sql.params).scalars().all())
        assert listed == [[ids[0], ids[4], ids[3]]] * 2
        # A key counted to the last limit may be far more common: the walk probes. A driving
        # key ("usman", 5 keys)...
        monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (2, 5))
        services.key_rarity.clear()
        assert not services.search_plan("usman al", "PK", centre_id=centre_id
                                        ).walk_reads_drivers()
        # ... or the one sound of the reading, counted when the walk is due ("asmn": 5 + 3).
        monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (2, 7))
        services.key_rarity.clear()
        assert services.search_plan("usman al", "PK", centre_id=centre_id
                                    ).walk_reads_drivers()
        # On SQLite the driving keys, 5 of the spelling and 5 of the sound, must be fewer
        # in all than a limit.
        with monkeypatch.context() as sqlite_limit:
            sqlite_limit.setattr(services, "_SQLITE_DRIVERS_READ_WHOLE", 10)
            assert services.search_plan("usman al", "PK", centre_id=centre_id
                                        ).walk_reads_drivers() == (db.engine.dialect.name
                                                                   == "postgresql")
            sqlite_limit.setattr(services, "_SQLITE_DRIVERS_READ_WHOLE", 11)
            assert services.search_plan("usman al", "PK", centre_id=centre_id
                                        ).walk_reads_drivers()
    register_many(app, staff.lhr_counsellor, 3, given_name="Usmaan", family_name="Ahmed",
                  given_name_native="", family_name_native="")
    with app.test_request_context():
        services.key_rarity.clear()
        assert not services.search_plan("usman al", "PK", centre_id=centre_id
                                        ).walk_reads_drivers()


def test_a_walk_leaves_out_a_reading_nobody_has_and_looks_again_for_a_remembered_none(
        app, staff, monkeypatch):
    """The reading of typed prefixes often sounds like no whole name ("muha usm": the pair
    of sounds "asm mha"): the walk to those seen last probes the spelling only. A count of
    none remembered from an earlier search is looked at again, so someone registered since
    with that sound is listed."""
    monkeypatch.setattr(services, "SEARCH_MATCH_LIMIT", 3)
    monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (2, 4))
    ids = register_many(app, staff.lhr_counsellor, 5)  # Muhammad Usman
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")
        services.key_rarity.clear()
        plan = services.search_plan("muha usm", "PK", centre_id=staff.lhr_counsellor.centre_id)
        assert [{(lookup.kind, lookup.value) for lookup in group}
                for group in plan.key_groups] == [{("name", "usm"), ("name", "muha")},
                                                  {("pair", "asm mha")}]
        assert plan.groups_someone_has == plan.key_groups[:1]
        with statements_sent() as sent:
            first = services.search_clients(actor, "muha usm", page=1, per_page=2)
        assert first.recent_only
        assert [c.id for c in first.items] == [ids[4], ids[3]]
        walks = [sql for sql in sent if "ORDER BY c.last_visit_at DESC" in sql]
        assert [sql.count("EXISTS") for sql in walks] == [2]
    # Sounds as typed, spelled otherwise, seen last.
    [moha] = register_many(app, staff.lhr_counsellor, 1, given_name="Moha", family_name="Osm",
                           given_name_native="", family_name_native="")
    db.session.execute(update(Client).where(Client.id == moha)
                       .values(last_visit_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    with app.test_request_context():
        again = services.search_clients(Actor(staff.lhr_counsellor, "test"), "muha usm",
                                        page=1, per_page=2)
        assert [c.id for c in again.items] == [moha, ids[4]]


def pair_keys(client_ids, kind: str = "pair") -> set[tuple[int, str]]:
    return set(db.session.execute(
        select(ClientSearchKey.client_id, ClientSearchKey.value)
        .where(ClientSearchKey.kind == kind, ClientSearchKey.client_id.in_(client_ids))).all())


def test_a_reading_of_two_sounds_is_one_pair_key_of_those_who_have_both(app, staff):
    """Every two sounds of a client's names make a ``pair`` key (in any script, sorted);
    a search's reading of two sounds looks up that one key, and finds the same people as the
    two sound keys did: the one who has both, not those who have either."""
    usman, = register_many(app, staff.lhr_counsellor, 1)  # Muhammad Usman, محمد عثمان
    others = [register_many(app, staff.lhr_counsellor, 1, given_name=given, family_name=family,
                            given_name_native="", family_name_native="")[0]
              for given, family in (("Muhammad", "Raza"), ("Usman", "Khan"))]
    assert pair_keys([usman]) == {(usman, "asmn mhmd")}
    with app.test_request_context():
        plan = services.search_plan("mohammed osman", "PK",
                                    centre_id=staff.lhr_counsellor.centre_id)
        assert [[(lookup.kind, lookup.value) for lookup in group]
                for group in plan.key_groups[1:]] == [[("pair", "asmn mhmd")]]
        found = services.search_clients(Actor(staff.lhr_counsellor, "test"), "mohammed osman",
                                        page=1, per_page=25)
    assert [client.id for client in found.items] == [usman]
    # Each of the others has one of the two sounds only, so not their pair.
    assert "asmn mhmd" not in {value for _id, value in pair_keys(others)}


def test_a_survivor_holds_the_pairs_of_sounds_of_the_records_merged_into_it(app, staff):
    """The person is found by two names of which the duplicate had one: "Usman" (the
    survivor's) with "Raza" (the duplicate's) is a pair the survivor holds."""
    survivor, = register_many(app, staff.lhr_counsellor, 1)
    duplicate, = register_many(app, staff.lhr_counsellor, 1, given_name="Ali",
                               family_name="Raza", given_name_native="", family_name_native="")
    merge_clients(Actor(staff.lhr_manager), db.session.get(Client, survivor),
                  db.session.get(Client, duplicate))
    assert {value for _id, value in pair_keys([survivor])} == {
        "asmn mhmd", "ala rza", "ala asmn", "ala mhmd", "asmn rza", "mhmd rza"}
    with app.test_request_context():
        found = services.search_clients(Actor(staff.lhr_counsellor, "test"), "osman raza",
                                        page=1, per_page=25)
    assert [client.id for client in found.items] == [survivor]


def test_the_migration_writes_the_pairs_the_application_writes(app, staff):
    ids = register_many(app, staff.lhr_counsellor, 2)
    ids += register_many(app, staff.isb_counsellor, 1, given_name="Rokeya", family_name="Begum",
                         given_name_native="রোকেয়া", family_name_native="বেগম")
    written = {kind: pair_keys(ids, kind) for kind in ("pair", "words")}
    assert [len(written[kind]) for kind in ("pair", "words")] == [3, 18]
    db.session.remove()
    downgrade(revision="0025")
    assert pair_keys(ids) == pair_keys(ids, "words") == set()
    upgrade(revision="heads")
    assert {kind: pair_keys(ids, kind) for kind in ("pair", "words")} == written


def test_two_words_as_typed_are_looked_up_by_the_words_keys_of_those_who_have_both(
        app, staff, monkeypatch):
    """Every two name words of a client (any script, sorted) make a ``words`` key. A name of
    common words as typed looks up the pairs of the words each typed word starts, not each
    prefix's keys intersected ("huss kha" of all centres: 410 keys, where the prefixes are
    20,000 and 62,622), and finds the same people."""
    monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (1, 50))
    usman, = register_many(app, staff.lhr_counsellor, 1)  # Muhammad Usman, محمد عثمان
    assert {value for _id, value in pair_keys([usman], "words")} == {
        "muhammad usman", "muhammad محمد", "muhammad عثمان", "usman محمد", "usman عثمان",
        "عثمان محمد"}
    others = [register_many(app, staff.lhr_counsellor, 1, given_name=given, family_name=family,
                            given_name_native="", family_name_native="")[0]
              for given, family in (("Muhammad", "Raza"), ("Mustafa", "Usmani"),
                                    ("Usman", "Khan"))]
    terms = ["muh usm", "mu usm", "usm mu", "محمد عثمان", "muhammad usman khan", "usm kh",
             "mu raz", "mus usmani"]
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")
        assert services.word_pair_lookups(["muh", "usma"]) == [
            services.KeyLookup("words", ("muhammad usman", "muhammad usmani"))]
        # Three words: the pairs of the first and second, and of the second and third.
        assert services.word_pair_lookups(["muh", "raz", "kh"]) == [
            services.KeyLookup("words", "muhammad raza"),
            services.KeyLookup("words", "khan raza")]
        # "mu" stands for Muhammad and Mustafa, "usm" for Usman and Usmani: four pairs.
        assert services.word_pair_lookups(["mu", "usm"]) == [services.KeyLookup(
            "words", ("muhammad usman", "muhammad usmani", "mustafa usman", "mustafa usmani"))]

        def found(term):
            services.key_rarity.clear()
            page = services.search_clients(actor, term, page=1, per_page=25)
            return sorted(client.id for client in page.items)

        with monkeypatch.context() as spy:
            looked_up = record_word_pair_lookups(spy)
            by_words = {term: found(term) for term in terms}
        assert all(looked_up)
        monkeypatch.setattr(services, "word_pair_lookups", lambda _words: None)
        assert by_words == {term: found(term) for term in terms}
    assert by_words["mu usm"] == sorted([usman, others[1]])
    assert by_words["usm kh"] == [others[2]]
    assert by_words["muhammad usman khan"] == []


def test_words_as_typed_are_looked_up_as_prefixes_where_no_pair_can_stand_for_them(
        app, staff, monkeypatch):
    """A typed word that starts another one typed may be one name word standing for both (Ali
    for "al ali"), which no pair holds; a typed word starting more words than a lookup may
    list is looked up as a prefix too."""
    register_many(app, staff.lhr_counsellor, 1, given_name="Ali", family_name="Khan",
                  given_name_native="", family_name_native="")
    register_many(app, staff.lhr_counsellor, 1, given_name="Alina", family_name="Kamal",
                  given_name_native="", family_name_native="")
    with app.test_request_context():
        with statements_sent() as sent:
            assert services.word_pair_lookups(["al", "ali"]) is None
        assert sent == []
        assert services.word_pair_lookups(["ali", "k"]) == [services.KeyLookup(
            "words", ("ali kamal", "ali khan", "alina kamal", "alina khan"))]
        monkeypatch.setattr(services, "_WORDS_PER_TYPED_WORD", 1)
        assert services.word_pair_lookups(["ali", "k"]) is None
        assert services.words_starting(["ali", "k"], 2) == {
            "ali": ["ali", "alina"], "k": ["kamal", "khan"]}
        assert services.words_starting(["zz"], 2) == {"zz": []}
        assert services.word_pair_lookups(["ali", "zz"]) is None


def test_a_list_of_pairs_is_padded_to_one_of_a_few_lengths():
    assert services.padded(["a"]) == ("a",)
    assert services.padded(["a", "b", "c"]) == ("a", "b", "c", "c")
    assert len(services.padded([str(n) for n in range(5)])) == 8


def test_a_survivor_holds_the_pairs_of_words_of_the_records_merged_into_it(app, staff,
                                                                          monkeypatch):
    """Typed as the survivor's given name with the duplicate's family name, the person is
    found through the ``words`` key the survivor holds across both records."""
    monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (1, 50))
    survivor, = register_many(app, staff.lhr_counsellor, 1, given_name_native="",
                              family_name_native="")
    duplicate, = register_many(app, staff.lhr_counsellor, 1, given_name="Ali",
                               family_name="Raza", given_name_native="", family_name_native="")
    merge_clients(Actor(staff.lhr_manager), db.session.get(Client, survivor),
                  db.session.get(Client, duplicate))
    assert {value for _id, value in pair_keys([survivor], "words")} == {
        "muhammad usman", "ali raza", "ali usman", "ali muhammad", "raza usman",
        "muhammad raza"}
    with app.test_request_context():
        found = services.search_clients(Actor(staff.lhr_counsellor, "test"), "usm raz",
                                        page=1, per_page=25)
    assert [client.id for client in found.items] == [survivor]


def test_a_walk_that_reads_its_drivers_whole_reads_the_words_keys_of_the_name_as_typed(
        app, staff, monkeypatch):
    """A name as typed looked up by its ``words`` keys, more people having it than a search
    gathers (its reading, one sound, not counted when looked up): the walk to those seen last
    reads those keys whole (the few who have the words,
    where a prefix may be counted past the last limit), or probes the prefixes per client;
    it lists the same clients, in the same order, either way."""
    monkeypatch.setattr(services, "SEARCH_MATCH_LIMIT", 3)
    monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (1, 50))
    names = dict(given_name="Usman", family_name="Ali", given_name_native="",
                 family_name_native="")
    ids = register_many(app, staff.lhr_counsellor, 5, **names)
    register_many(app, staff.isb_counsellor, 2, **names)  # of another centre
    db.session.execute(update(Client).where(Client.id == ids[2])
                       .values(last_visit_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    with app.test_request_context():
        centre_id = staff.lhr_counsellor.centre_id
        services.key_rarity.clear()
        plan = services.search_plan("usman al", "PK", centre_id=centre_id)
        assert plan.words_lookups == (services.KeyLookup("words", "ali usman"),)
        assert plan.groups_read_whole[0] == plan.words_lookups
        assert plan.walk_reads_drivers()
        with statements_sent() as sent:
            first = services.search_clients(Actor(staff.lhr_counsellor, "test"), "usman al",
                                            page=1, per_page=2)
        assert first.recent_only
        assert [c.id for c in first.items] == [ids[2], ids[4]]
        walks = [sql for sql in sent if "ORDER BY c.last_visit_at DESC" in sql]
        assert len(walks) == 1 and "c.id IN (SELECT" in walks[0]
        listed = []
        for groups, read_whole in ((plan.groups_someone_has, False),
                                   (plan.groups_read_whole, True)):
            sql = services.KeySql()
            walk = sql.recently_seen_with_keys(groups, centre_id=centre_id, limit=3,
                                               drivers_read_whole=read_whole)
            listed.append(db.session.execute(text(walk), sql.params).scalars().all())
        assert listed == [[ids[2], ids[4], ids[3]]] * 2


def test_a_key_more_than_twice_the_limit_have_walks_to_those_seen_last_at_once(
        app, staff, monkeypatch):
    """Every key counted below the last limit, but one of them, a lookup on its own, had by
    more than twice the limit: more people have the name than the pages list, so no one is
    gathered or counted; the walk (reading its drivers whole) lists those seen last."""
    monkeypatch.setattr(services, "SEARCH_MATCH_LIMIT", 3)
    monkeypatch.setattr(services, "_RARITY_PROBE_LIMITS", (1, 50))
    names = dict(given_name="Usman", family_name="Ali", given_name_native="",
                 family_name_native="")
    ids = register_many(app, staff.lhr_counsellor, 7, **names)
    db.session.execute(update(Client).where(Client.id == ids[1])
                       .values(last_visit_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    with app.test_request_context():
        services.key_rarity.clear()
        plan = services.search_plan("usman ali", "PK", centre_id=staff.lhr_counsellor.centre_id)
        assert (plan.known_too_common, plan.complete) == (True, False)
        with statements_sent() as sent:
            first = services.search_clients(Actor(staff.lhr_counsellor, "test"), "usman ali",
                                            page=1, per_page=2)
        assert (first.more, first.recent_only, first.total) == (True, True, 3)
        assert [c.id for c in first.items] == [ids[1], ids[6]]
        assert not any(" UNION ALL SELECT client_id, rank " in sql or "count(*) FROM" in sql
                       for sql in sent)
    # Six have it: not more than twice the limit, so they are gathered and counted.
    db.session.execute(update(Client).where(Client.id == ids[0])
                       .values(anonymised_at=utcnow()))
    db.session.execute(ClientSearchKey.__table__.delete()
                       .where(ClientSearchKey.client_id == ids[0]))
    db.session.commit()
    with app.test_request_context():
        services.key_rarity.clear()
        plan = services.search_plan("usman ali", "PK", centre_id=staff.lhr_counsellor.centre_id)
        assert (plan.known_too_common, plan.complete) == (False, True)
