"""Load test: concurrent counsellors registering clients, logging sessions and searching.

Usage: .venv/bin/python benchmarks/load.py [--minutes 5] [--users 50] [--think 0.5] [--ramp 30]
       [--workers 4] [--threads 4] [--database-url postgresql://postgres@127.0.0.1:5432/mrc_load]

Starts gunicorn itself on a fresh instance (SQLite in a temporary folder, or the PostgreSQL
database given, which is emptied first), creates ``--users`` counsellor accounts spread over the
five centres, then runs one thread per counsellor for ``--minutes``. The counsellors arrive
over ``--ramp`` seconds and log in through the real form; then, with a random pause of 0 to
2 x ``--think`` seconds between actions, each registers a client (search, open the form, submit, see the client page), logs a counselling
session for one of the clients it registered, or searches. Every form is the real one with its
CSRF token. Plain threads and http.client keep the script dependency-free and let the final
check compare exact counts with the database.

At the end it checks: no 5xx, no connection error, no refused form; the database holds exactly
as many clients and counselling sessions as were created successfully (none lost, none
duplicated) and every reference is unique. It prints throughput and p50/p95 latency per action
and exits non-zero when a check fails.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

from common import percentile

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CENTRES = ["ISB", "LHR", "BGW", "EBL", "DAC"]
GIVEN = ["Ayesha", "Bilal", "Fatima", "Hassan", "Nusrat", "Rahim", "Sana", "Karwan", "Shirin",
         "Omar", "Rubina", "Tariq", "Zainab", "Imran", "Hawre", "Mitu", "Sabbir", "Layla"]
FAMILY = ["Khan", "Ahmed", "Hussain", "Rahman", "Ali", "Karim", "Aziz", "Chowdhury", "Barzani",
          "Talabani", "Hossain", "Malik", "Qureshi", "Jabbar", "Saleh", "Islam", "Mirza"]
TOPICS = ["legal_pathways", "recruitment_visas", "fraudulent_recruitment", "rights_contracts"]

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'
                   r'|name="csrf_token" value="([^"]+)"')
_HELD_AT = re.compile(r'<input[^>]*name="held_at"[^>]*>')
_VALUE = re.compile(r'value="([^"]*)"')
_CLIENT_URL = re.compile(r"/clients/(\d+)$")


class Results:
    """Latencies per action and every failure, shared by the counsellor threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []
        self.registered: list[int] = []
        self.sessions_logged = 0

    def timing(self, action: str, milliseconds: float) -> None:
        with self.lock:
            self.latencies[action].append(milliseconds)

    def failure(self, text: str) -> None:
        with self.lock:
            self.failures.append(text)


class Failed(Exception):
    pass


class Counsellor(threading.Thread):
    """One simulated counsellor with its own cookies, talking to gunicorn over HTTP."""

    def __init__(self, port: int, username: str, password: str, user_id: int, seed: int,
                 results: Results, start_at: float, stop_at: float, think: float):
        super().__init__(daemon=True)
        self.port, self.username, self.password, self.user_id = port, username, password, user_id
        self.rng = random.Random(seed)
        self.results, self.start_at, self.stop_at, self.think = results, start_at, stop_at, think
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.my_clients: list[tuple[int, str]] = []

    # --- HTTP ----------------------------------------------------------------------------
    def request(self, action: str, method: str, path: str, form=None,
                expect: int = 200) -> tuple[str, str]:
        """Send one request; returns (body, Location). Raises Failed on any unexpected answer."""
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            raise Failed(f"{action}: connection error {type(error).__name__}: {error}") from error
        finally:
            connection.close()
        self.results.timing(action, (time.perf_counter() - started) * 1000)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "1970" not in header:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        if response.status != expect:
            raise Failed(f"{action}: HTTP {response.status} (expected {expect})"
                         + (f" errors: {_form_errors(text)}" if response.status == 200 else ""))
        match = _CSRF.search(text)
        if match:
            self.token = match.group(1) or match.group(2)
        return text, response.headers.get("Location", "")

    # --- actions -------------------------------------------------------------------------
    def login(self) -> None:
        self.request("login page", "GET", "/login")
        self.request("login", "POST", "/login", {"csrf_token": self.token,
                                                 "username": self.username,
                                                 "password": self.password}, expect=302)
        self.request("home", "GET", "/")

    def register(self) -> None:
        given, family = self.rng.choice(GIVEN), self.rng.choice(FAMILY)
        term = f"{given} {family}"
        self.request("search", "POST", "/clients/", {"csrf_token": self.token, "term": term})
        self.request("open registration", "POST", "/clients/register",
                     {"csrf_token": self.token, "start": "1", "term": term})
        _, location = self.request("register", "POST", "/clients/register", [
            ("csrf_token", self.token), ("given_name", given), ("family_name", family),
            ("sex", self.rng.choice(["female", "male"])),
            ("birth_year", str(self.rng.randint(1960, 2006))),
            ("nationality", self.country), ("migration_status", "intending"),
            ("languages", "en"), ("consent_services", "y"), ("consent_statistics", "y"),
            ("assigned_counsellor_id", str(self.user_id)), ("confirmed_new", "yes"),
        ], expect=302)
        match = _CLIENT_URL.search(location)
        if not match:
            raise Failed(f"register: redirected to {location!r}, not to a client")
        client_id = int(match.group(1))
        with self.results.lock:
            self.results.registered.append(client_id)
        self.my_clients.append((client_id, family))
        self.request("view client", "GET", f"/clients/{client_id}")

    def log_session(self) -> None:
        if not self.my_clients:
            return self.register()
        client_id, _ = self.rng.choice(self.my_clients)
        page, _ = self.request("open session form", "GET",
                               f"/clients/{client_id}/counselling/new")
        tag = _HELD_AT.search(page)
        held_at = _VALUE.search(tag.group(0)).group(1) if tag else ""
        self.request("log session", "POST", f"/clients/{client_id}/counselling/new", [
            ("csrf_token", self.token), ("held_at", held_at),
            ("counsellor_id", str(self.user_id)), ("channel", "walk_in"),
            ("duration_minutes", str(self.rng.randint(10, 90))),
            *[("topics", topic) for topic in self.rng.sample(TOPICS, 2)],
            ("notes", "Discussed the options and the documents needed."),
        ], expect=302)
        with self.results.lock:
            self.results.sessions_logged += 1

    def search(self) -> None:
        if self.my_clients and self.rng.random() < 0.5:
            term = self.rng.choice(self.my_clients)[1]
        else:
            term = self.rng.choice(FAMILY)[:3]
        self.request("search", "POST", "/clients/", {"csrf_token": self.token, "term": term})

    def run(self) -> None:
        self.country = {"ISB": "PK", "LHR": "PK", "BGW": "IQ", "EBL": "IQ", "DAC": "BD"}[
            self.username.split("-")[1].upper()]
        time.sleep(max(0.0, self.start_at - time.time()))
        try:
            self.login()
        except Failed as failure:
            self.results.failure(f"{self.username} {failure}")
            return
        actions = [self.register] * 3 + [self.log_session] * 4 + [self.search] * 3
        while time.time() < self.stop_at:
            try:
                self.rng.choice(actions)()
            except Failed as failure:
                self.results.failure(f"{self.username} {failure}")
            time.sleep(self.rng.uniform(0, 2 * self.think))


def _form_errors(page: str) -> str:
    found = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{1,120})', page)
    return "; ".join(text.strip() for text in found[:3]) or "(none shown)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(port: int, workers: int, seconds: int = 120) -> None:
    """Until every worker has answered the login page (gunicorn binds before they boot)."""
    deadline, answered = time.time() + seconds, 0
    while answered < 2 * workers:
        if time.time() > deadline:
            raise SystemExit("gunicorn did not start; see its log")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", "/login")
            answered += connection.getresponse().status == 200
        except OSError:
            time.sleep(0.5)
        finally:
            connection.close()


def prepare(environment: dict, users: int, password: str) -> list[tuple[str, int]]:
    """Fresh schema and centres (``flask mrc init``), then the counsellor accounts."""
    from sqlalchemy import MetaData

    os.environ.update(environment)
    from mrc import create_app
    from mrc.auth.models import Role
    from mrc.auth.services import create_user
    from mrc.centres.models import Centre
    from mrc.extensions import db

    app = create_app()
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            metadata = MetaData()
            metadata.reflect(bind=db.engine)
            metadata.drop_all(bind=db.engine)
        db.engine.dispose()
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "mrc", "init"], cwd=ROOT,
                   env=environment, check=True, stdout=subprocess.DEVNULL)
    accounts = []
    with app.app_context():
        centre_ids = {c.code: c.id for c in db.session.scalars(db.select(Centre))}
        for number in range(users):
            code = CENTRES[number % len(CENTRES)]
            username = f"load-{code.lower()}-{number:03d}"
            user = create_user(None, username=username, display_name=f"Load {number}",
                               password=password, role=Role.COUNSELLOR,
                               centre_id=centre_ids[code])
            accounts.append((username, user.id))
        db.session.remove()
        db.engine.dispose()
    return accounts


def check_database(results: Results) -> list[str]:
    """Counts in the database against the successful creates; unique references."""
    from sqlalchemy import func, select

    from mrc import create_app
    from mrc.clients.models import Client
    from mrc.counselling.models import CounsellingSession
    from mrc.extensions import db

    problems = []
    app = create_app()
    with app.app_context():
        clients = db.session.scalar(select(func.count()).select_from(Client))
        sessions = db.session.scalar(select(func.count()).select_from(CounsellingSession))
        duplicated = db.session.execute(
            select(Client.reference, func.count()).group_by(Client.reference)
            .having(func.count() > 1)).all()
        present = set(db.session.scalars(select(Client.id)))
        db.session.remove()
        db.engine.dispose()
    print(f"database: {clients} clients (registered successfully: {len(results.registered)}), "
          f"{sessions} counselling sessions (logged successfully: {results.sessions_logged})")
    if clients != len(results.registered):
        problems.append(f"{clients} clients in the database, {len(results.registered)} created")
    if len(set(results.registered)) != len(results.registered):
        problems.append("a client id was answered to two registrations")
    if set(results.registered) - present:
        problems.append(f"{len(set(results.registered) - present)} registered clients missing")
    if sessions != results.sessions_logged:
        problems.append(f"{sessions} sessions in the database, {results.sessions_logged} logged")
    if duplicated:
        problems.append(f"duplicated references: {duplicated[:5]}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=0.5,
                        help="mean pause in seconds between a counsellor's actions")
    parser.add_argument("--ramp", type=float, default=30,
                        help="seconds over which the counsellors arrive and log in")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", help="PostgreSQL database to empty and use")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mrc-load-"))
    password = "load test " + secrets.token_hex(8)
    environment = {**os.environ, "MRC_INSTANCE_PATH": str(folder / "instance"),
                   "SECRET_KEY": secrets.token_hex(32)}
    environment.pop("DATABASE_URL", None)
    if args.database_url:
        environment["DATABASE_URL"] = args.database_url
    accounts = prepare(environment, args.users, password)
    engine = "PostgreSQL" if args.database_url else "SQLite"

    port = free_port()
    log = open(folder / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(args.workers), "--threads",
         str(args.threads), "--bind", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(port, workers=args.workers)
        print(f"{engine}, gunicorn {args.workers} workers x {args.threads} threads, "
              f"{args.users} counsellors arriving over {args.ramp:g} s, {args.minutes:g} min, "
              f"think {args.think:g} s, "
              f"{os.cpu_count()} CPUs")
        results = Results()
        start_at = time.time() + 1
        stop_at = start_at + args.minutes * 60
        threads = [Counsellor(port, username, password, user_id, seed, results,
                              start_at + seed * args.ramp / args.users, stop_at, args.think)
                   for seed, (username, user_id) in enumerate(accounts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.time() - start_at
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    print(f"\n{'action':<20}{'count':>8}{'per min':>10}{'p50 ms':>10}{'p95 ms':>10}")
    for action, values in sorted(results.latencies.items()):
        print(f"{action:<20}{len(values):>8}{len(values) / elapsed * 60:>10.1f}"
              f"{statistics.median(values):>10.0f}{percentile(values, 0.95):>10.0f}")
    total = sum(len(values) for values in results.latencies.values())
    print(f"{'all requests':<20}{total:>8}{total / elapsed * 60:>10.1f}")

    problems = check_database(results)
    if results.failures:
        kinds = Counter(re.sub(r"^\S+ ", "", text) for text in results.failures)
        problems.append(f"{len(results.failures)} failed actions")
        for text, count in kinds.most_common(10):
            print(f"  {count} x {text}")
    server_errors = [line for line in (folder / "gunicorn.log").read_text().splitlines()
                     if "Traceback" in line or "Error" in line]
    if server_errors:
        problems.append(f"{len(server_errors)} error lines in {folder / 'gunicorn.log'}")
    print("\nFAILED: " + "; ".join(problems) if problems else
          "\nOK: 0 errors, 0 lost or duplicated records, references unique")
    if not problems:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
