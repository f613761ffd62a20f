"""Demo clients: valid by the registry's own rules, realistic in script, and reproducible."""

import re
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from mrc import create_app
from mrc.actor import Actor
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.centres.services import centre_today, seed_centres
from mrc.clients.demo import generate_demo_clients
from mrc.clients.models import Client, ClientSearchKey
from mrc.clients.services import search_clients, search_keys_of
from mrc.clients.validation import check_birth, clean_name, clean_national_id, clean_phone
from mrc.extensions import db
from tests.conftest import FAST_TEST_SETTINGS

CENTRE_CODES = ("ISB", "LHR", "BGW", "EBL", "DAC")
REFERENCE = re.compile(r"^[A-Z]{3}-\d{4}-\d{6}$")
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
BENGALI_SCRIPT = re.compile("[\u0980-\u09ff]")


@contextmanager
def fresh_database(directory):
    """An app on its own SQLite file with the seed centres and one counsellor per centre."""
    directory.mkdir(parents=True, exist_ok=True)
    app = create_app({**FAST_TEST_SETTINGS,
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(directory / "t.sqlite3")})
    with app.app_context():
        db.create_all()
        seed_centres()
        for centre in db.session.scalars(select(Centre)):
            db.session.add(User(username=f"c-{centre.code}", display_name="C", password_hash="x",
                                role=Role.COUNSELLOR, centre_id=centre.id))
        db.session.commit()
        yield
        db.session.remove()
        db.engine.dispose()


def centre_and_counsellor(code: str) -> tuple[Centre, User]:
    centre = db.session.scalar(select(Centre).where(Centre.code == code))
    user = db.session.scalar(select(User).where(User.centre_id == centre.id))
    return centre, user


def generated_people(code: str) -> list[tuple]:
    clients = db.session.scalars(
        select(Client).join(Centre).where(Centre.code == code).order_by(Client.id)
    )
    return [(c.given_name, c.family_name, c.given_name_native, c.phone, c.national_id,
             c.birth_year) for c in clients]


def test_every_centre_gets_valid_realistic_clients(tmp_path):
    with fresh_database(tmp_path):
        for code in CENTRE_CODES:
            centre, counsellor = centre_and_counsellor(code)
            reported = []
            created = generate_demo_clients(centre, counsellor, 200, seed=7,
                                            progress=reported.append)
            assert created == 200
            assert reported == [200]

            clients = list(db.session.scalars(select(Client).where(Client.centre_id == centre.id)))
            assert len(clients) == 200
            today = centre_today(centre)
            script = BENGALI_SCRIPT if centre.country == "BD" else ARABIC_SCRIPT
            with_native_names = 0
            for client in clients:
                assert REFERENCE.match(client.reference), client.reference
                assert client.reference.startswith(code + "-")
                for latin in (client.given_name, client.family_name):
                    assert clean_name(latin, latin=True) == latin
                for native in (client.given_name_native, client.family_name_native):
                    assert clean_name(native, latin=False) == native
                if client.phone:
                    assert clean_phone(client.phone, centre.country) == client.phone
                if client.national_id:
                    assert clean_national_id(client.national_id, client.nationality) \
                        == client.national_id
                assert check_birth(client.date_of_birth, client.birth_year, today) \
                    == client.birth_year
                assert client.consent_services
                assert client.consent_date == client.created_at.astimezone(
                    ZoneInfo(centre.timezone)).date()
                assert client.created_at <= client.last_visit_at
                assert client.assigned_counsellor_id == counsellor.id
                if script.search(client.given_name_native) and script.search(
                        client.family_name_native):
                    with_native_names += 1
            assert with_native_names > 0.4 * len(clients), (code, with_native_names)

        references = db.session.scalars(select(Client.reference)).all()
        assert len(references) == len(set(references)) == 200 * len(CENTRE_CODES)


def test_same_seed_gives_same_people(tmp_path):
    runs = {}
    for run, seed in (("first", 3), ("again", 3), ("other", 4)):
        with fresh_database(tmp_path / run):
            for code in ("LHR", "DAC"):
                generate_demo_clients(*centre_and_counsellor(code), 50, seed=seed)
            runs[run] = {code: generated_people(code) for code in ("LHR", "DAC")}

    assert runs["first"] == runs["again"]
    assert runs["first"]["LHR"] != runs["other"]["LHR"]
    assert runs["first"]["DAC"] != runs["other"]["DAC"]


def test_clients_are_found_by_their_search_keys(tmp_path):
    with fresh_database(tmp_path):
        generate_demo_clients(*centre_and_counsellor("EBL"), 30, seed=1)
        client = db.session.scalars(select(Client).where(Client.phone != "")).first()
        assert client is not None
        phone_keys = db.session.scalar(
            select(func.count()).select_from(ClientSearchKey).where(
                ClientSearchKey.client_id == client.id,
                ClientSearchKey.kind == "phone",
                ClientSearchKey.value == client.phone.lstrip("+"),
            )
        )
        assert phone_keys == 1
        name_keys = db.session.scalars(
            select(ClientSearchKey.value).where(ClientSearchKey.client_id == client.id,
                                                ClientSearchKey.kind == "name")
        ).all()
        assert client.given_name.split()[0].lower() in name_keys
        # The keys are the registry's own, centre and birth year included (without them no
        # search of the centre finds anyone) ...
        stored = set(db.session.execute(
            select(ClientSearchKey.kind, ClientSearchKey.value, ClientSearchKey.centre_id,
                   ClientSearchKey.birth_year).where(ClientSearchKey.client_id == client.id)))
        assert stored == {(key.kind, key.value, key.centre_id, key.birth_year)
                          for key in search_keys_of(client)}
        # ... and the centre's counsellor finds the client by name, in Latin and own script.
        with current_app.test_request_context():
            actor = Actor(centre_and_counsellor("EBL")[1], "test")
            for term in (client.full_name, client.full_name_native):
                found = search_clients(actor, term, page=1, per_page=50)
                assert client.id in {match.id for match in found.items}, term

