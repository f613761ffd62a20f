"""The client registry: register, update, view, search and duplicate candidates.

Every function takes the acting user, scopes through ``mrc.security.scoped``, writes the audit
event and commits (or leaves nothing behind on error).
"""

import re
import threading
import time as time_module
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property, lru_cache

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Integer, bindparam, case, func, literal, select, text, true, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.centres.services import centre_today
from mrc.clients import matching
from mrc.clients.models import Client, ClientReferenceCounter, ClientSearchKey
from mrc.clients.search_keys import (
    client_keys,
    identifier_key,
    key_pair,
    key_pairs,
    name_sound_keys,
    name_words,
    phone_key_candidates,
    spelling_variants,
    typo_keys,
)
from mrc.database import commit_keeping_loaded, utcnow
from mrc.extensions import db
from mrc.i18n import normalise_digits
from mrc.security import SENSITIVE_CLIENT_FIELDS, Scope, can_see_sensitive, scoped

SENSITIVE_FIELDS = SENSITIVE_CLIENT_FIELDS
# What the protected part of the client page and form shows, by field name (for the audit log).
PROTECTED_SECTION = ("assigned_counsellor_id", *SENSITIVE_CLIENT_FIELDS)


@dataclass
class ClientData:
    """Everything a counsellor types about a client, already validated by the form."""

    given_name: str
    sex: str
    nationality: str
    migration_status: str
    birth_year: int
    family_name: str = ""
    given_name_native: str = ""
    family_name_native: str = ""
    father_name: str = ""
    date_of_birth: date | None = None
    national_id: str = ""
    phone: str = ""
    province: str = ""
    district: str = ""
    education: str = ""
    occupation: str = ""
    skills: str = ""
    languages: str = ""
    destination_country: str = ""
    destination_sector: str = ""
    heard_about: str = ""
    consent_services: bool = False
    consent_follow_up: bool = False
    consent_referral_sharing: bool = False
    consent_statistics: bool = False
    assigned_counsellor_id: int | None = None
    trafficking_indication: bool = False
    smuggling_indication: bool = False
    protection_concern: bool = False

    @classmethod
    def from_client(cls, client: Client) -> "ClientData":
        return cls(**{f.name: getattr(client, f.name) for f in fields(cls)})


class ConsentMissing(ValueError):
    pass


CONSENT_REQUIRED = _l("The person must agree to their data being recorded before anything is saved.")


@dataclass
class DuplicateCandidate:
    client: Client
    reasons: list[str] = field(default_factory=list)
    score: int = 0


class PossibleDuplicates(Exception):
    """Registration stopped because people who may be the same person already exist."""

    def __init__(self, candidates: list[DuplicateCandidate]):
        super().__init__(f"{len(candidates)} possible duplicates")
        self.candidates = candidates


# --- who may see what -------------------------------------------------------------------------

def counsellors_of(centre_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.centre_id == centre_id, User.active.is_(True),
                   User.role.in_([Role.COUNSELLOR, Role.MANAGER]))
            .order_by(User.display_name)
        )
    )


# --- references -------------------------------------------------------------------------------

def next_reference(centre: Centre, year: int) -> str:
    """``LHR-2026-000123``: the next number of the centre's year, safe under concurrency."""

    def bump():
        return db.session.execute(
            update(ClientReferenceCounter)
            .where(ClientReferenceCounter.centre_id == centre.id,
                   ClientReferenceCounter.year == year)
            .values(last_number=ClientReferenceCounter.last_number + 1)
            .returning(ClientReferenceCounter.last_number)
        ).scalar()

    number = bump()
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.add(ClientReferenceCounter(centre_id=centre.id, year=year, last_number=1))
            number = 1
        except IntegrityError:  # another request created the counter first
            number = bump()
    return f"{centre.code}-{year}-{number:06d}"


# --- writing ----------------------------------------------------------------------------------

def merged_records(root_ids, *columns) -> list[tuple[int, object]]:
    """(root id, row of ``columns``) of every record merged into one of ``root_ids``,
    directly or through a record that was itself merged later (a merge of a merge)."""
    found: list[tuple[int, object]] = []
    root_of = {client_id: client_id for client_id in root_ids}
    while root_of:
        rows = db.session.execute(
            select(Client.id, Client.merged_into_id, *columns)
            .where(Client.merged_into_id.in_(list(root_of)), Client.anonymised_at.is_(None))
        ).all()
        found += [(root_of[row.merged_into_id], row) for row in rows]
        root_of = {row.id: root_of[row.merged_into_id] for row in rows}
    return found


# What ``client_keys`` and ``keys_of_records`` read of a record.
KEYED_COLUMNS = (Client.given_name, Client.family_name, Client.given_name_native,
                  Client.family_name_native, Client.phone, Client.national_id,
                  Client.father_name, Client.birth_year)


def search_keys_of(client: Client) -> list[ClientSearchKey]:
    """The search keys the registry stores for ``client``: its keys (``client_keys``), and
    those of the records merged into it (so that the person is still found by what only the
    duplicate had: its phone, ID or spelling), each with the centre and the birth year of the
    record they come from, which narrow lookups inside the key index."""
    records = [client]
    if client.id is not None:
        records += [row for _root, row in merged_records([client.id], *KEYED_COLUMNS)]
    return [ClientSearchKey(kind=kind, value=value, centre_id=client.centre_id,
                            birth_year=birth_year)
            for kind, value, birth_year in keys_of_records(records)]


def keys_of_records(records) -> list[tuple[str, str, int | None]]:
    """The distinct (kind, value, birth year) search keys of one person's records: the
    client's own, then those of the records merged into it (``KEYED_COLUMNS`` of each), and
    the ``pair`` keys of two sounds and ``words`` keys of two name words of different records
    (the person is found by a name whose one word only the duplicate had), with the client's
    birth year."""
    keys = {(kind, value, record.birth_year): None
            for record in records for kind, value in client_keys(record)}
    if len(records) > 1:
        for pair_kind, kind_paired in (("pair", "sound"), ("words", "name")):
            held = {value for kind, value, _year in keys if kind == pair_kind}
            paired = [value for kind, value, _year in keys if kind == kind_paired]
            keys.update({(pair_kind, pair, records[0].birth_year): None
                         for pair in key_pairs(paired) if pair not in held})
    return list(keys)


def refresh_search_keys(client: Client) -> None:
    """Write ``client``'s search keys anew (``search_keys_of``); after every change of it, and
    after a merge into it or its undoing."""
    client.search_keys.clear()
    db.session.flush()
    client.search_keys.extend(search_keys_of(client))


def _apply(client: Client, data: ClientData, *, with_sensitive: bool) -> list[str]:
    changed = []
    for f in fields(ClientData):
        if f.name in SENSITIVE_FIELDS or f.name == "assigned_counsellor_id":
            if not with_sensitive:
                continue
        value = getattr(data, f.name)
        if getattr(client, f.name) != value:
            setattr(client, f.name, value)
            changed.append(f.name)
    return changed


def register_client(actor: Actor, data: ClientData, *, confirmed_new: bool = False) -> Client:
    """Register a client at the actor's centre.

    Raises ``ConsentMissing`` when the person did not agree to their data being recorded, and
    ``PossibleDuplicates`` when similar people exist and the counsellor has not confirmed that
    this is a new person. Nothing is saved in either case.
    """
    user = actor.user
    if user.centre is None:
        raise ConsentMissing(_l("Only staff of a centre can register clients."))
    if not data.consent_services:
        raise ConsentMissing(CONSENT_REQUIRED)
    if not confirmed_new:
        candidates = find_duplicates(actor, data)
        if candidates:
            raise PossibleDuplicates(candidates)
    centre = user.centre
    today = centre_today(centre)
    client = Client(
        reference=next_reference(centre, today.year),
        centre_id=centre.id,
        consent_date=today,
        consent_recorded_by_id=user.id,
        created_by_id=user.id,
        last_visit_at=utcnow(),
    )
    _apply(client, data, with_sensitive=True)
    if client.assigned_counsellor_id is None:
        client.assigned_counsellor_id = user.id
    db.session.add(client)
    refresh_search_keys(client)
    db.session.flush()
    audit.record(actor, "create", object_type="client", object_id=client.id,
                 centre_id=client.centre_id,
                 summary="registered" + (" after duplicate warning" if confirmed_new else ""))
    db.session.commit()
    return client


def update_client(actor: Actor, client: Client, data: ClientData) -> list[str]:
    """Save changes to a client the actor can see; returns the names of the changed fields."""
    if not data.consent_services:
        raise ConsentMissing(CONSENT_REQUIRED)
    # Someone who may not see the flags cannot change (or clear) them either.
    changed = _apply(client, data, with_sensitive=can_see_sensitive(actor.user, client))
    if changed:
        from mrc.clients.privacy import record_corrections  # imported late: it imports us

        record_corrections(actor, client, changed)  # before the next flush: reads old values
        refresh_search_keys(client)
        audit.record(actor, "update", object_type="client", object_id=client.id,
                     centre_id=client.centre_id, summary="changed: " + ", ".join(changed))
    db.session.commit()
    return changed


def view_client(actor: Actor, client: Client) -> bool:
    """Record that the actor opened the client's record; True when the page may show the
    protected section (``mrc.security.can_see_sensitive``), whose view is recorded as well."""
    audit.record(actor, "view", object_type="client", object_id=client.id,
                 centre_id=client.centre_id)
    with_sensitive = can_see_sensitive(actor.user, client)
    if with_sensitive:
        record_sensitive_view(actor, client, PROTECTED_SECTION)
    db.session.commit()
    return with_sensitive


def record_sensitive_view(actor: Actor, client: Client, field_names) -> None:
    """Add a ``view_sensitive`` audit event naming the fields shown (never their values)."""
    audit.record(actor, "view_sensitive", object_type="client", object_id=client.id,
                 centre_id=client.centre_id, summary="fields: " + ", ".join(field_names))


# --- finding ----------------------------------------------------------------------------------

# A reference as printed ("LHR-2026-000126"), its number perhaps typed without the zeros.
_REFERENCE = re.compile(r"^([A-Za-z]{3})-(\d{4})-(\d{1,6})$")
# A reference without its centre's code ("2026-000126", "2026-126"), as read off a slip.
_YEAR_AND_NUMBER = re.compile(r"^((?:19|20)\d\d)-(\d{1,6})$")
_NUMBERISH = re.compile(r"^[\d\s+()./-]+$")

# A search gathers at most this many matching people (and one more, to know that there are
# more): a common name matches tens of thousands, and counting or sorting all of them is what
# made search slow on a national database. The page says "more than 1,000: refine the search".
SEARCH_MATCH_LIMIT = 1000
# A name that more than SEARCH_MATCH_LIMIT people have: the pages show this many, those seen
# last (``search_clients``); a longer list helps nobody find a person.
RECENTLY_SEEN_SHOWN = 100
# Counting a key's rows (to start from the rarest) stops at the first limit, and at the
# second when every key reached the first: beyond it, rarer is all we need to know (but for
# how many times more common than the driving key another key is: ``rarest_first``).
_RARITY_PROBE_LIMITS = (1000, 20_000)


def _reference(code: str, year: str, number: str) -> str:
    return f"{code.upper()}-{year}-{int(number):06d}"


@dataclass(frozen=True)
class KeyLookup:
    """Clients having a search key: ``kind`` and ``value`` (one value; a tuple: any of them;
    ``prefix``: any value starting with it)."""

    kind: str
    value: str | tuple[str, ...]
    prefix: bool = False

    @property
    def exact(self) -> bool:
        return not self.prefix and isinstance(self.value, str)


def intersect_up_to() -> int:
    """How many times the driving key's entries another key of a lookup may have to be read
    whole and intersected with the driver's rather than probed per row of it.

    A probe per row of the driving key costs PostgreSQL about as much as reading ten entries
    of a key range, SQLite five (measured on the 1M-client archive): "Aisha Begum" on
    PostgreSQL, 4,900 probes took 16 ms, reading both keys' 14,000 entries 4.5 ms."""
    return 10 if db.engine.dialect.name == "postgresql" else 5


class KeySql:
    """SQL over ``client_search_keys`` written directly, every value a bound parameter.

    These lookups run several times per keystroke-sized request and each costs microseconds
    in the database; building them as SQLAlchemy expressions (aliases, EXISTS, unions) cost
    ten times more Python than the lookups themselves. The SQL is plain enough for SQLite and
    PostgreSQL alike.
    """

    def __init__(self, counts: dict[KeyLookup, int] | None = None):
        self.params: dict[str, object] = {}
        # How many keys each lookup matched (``rarest_first``), to choose how to combine them.
        self.counts = counts or {}
        postgresql = db.engine.dialect.name == "postgresql"
        # PostgreSQL turns EXISTS into a semi-join, and with its poor estimate of a prefix
        # range it then scans a whole key range per row; OFFSET 0 keeps the EXISTS a probe of
        # (client_id, kind, value) per row, as SQLite does anyway.
        self.probe_end = " OFFSET 0" if postgresql else ""
        self.intersect_up_to = intersect_up_to()

    def bind(self, value) -> str:
        name = f"k{len(self.params)}"
        self.params[name] = value
        return ":" + name

    def conditions(self, alias: str, lookup: KeyLookup, centre_id: int | None = None,
                   years: tuple[int, int] | None = None) -> str:
        """The WHERE conditions on the key table ``alias``, narrowed to a centre and birth
        years when given (the columns after kind and value in the lookup index)."""
        parts = [f"{alias}.kind = {self.bind(lookup.kind)}"]
        if lookup.prefix:
            # A prefix range keeps this an index range scan in both databases.
            parts.append(f"{alias}.value >= {self.bind(lookup.value)} AND "
                         f"{alias}.value < {self.bind(lookup.value + chr(0x10FFFF))}")
        elif isinstance(lookup.value, tuple):
            parts.append(f"{alias}.value IN ({', '.join(map(self.bind, lookup.value))})")
        else:
            parts.append(f"{alias}.value = {self.bind(lookup.value)}")
        if centre_id is not None:
            parts.append(f"{alias}.centre_id = {self.bind(centre_id)}")
        if years is not None:
            parts.append(f"{alias}.birth_year BETWEEN {self.bind(years[0])} AND "
                         f"{self.bind(years[1])}")
        return " AND ".join(parts)

    def clients_with_keys(self, lookups: list[KeyLookup], *, centre_id: int | None,
                          limit: int | None, years: tuple[int, int] | None = None,
                          exclude_id: int | None = None, rank: int = 0) -> str:
        """SELECT client_id, rank: up to ``limit`` clients (None: all) having every key of
        ``lookups``, of one centre (None: all), born in ``years`` (inclusive) when given.

        The first lookup drives (give the rarest first, see ``rarest_first``): a range of the
        key index narrowed to the centre and the birth years; every other key is an
        index-only probe of (client_id, kind, value) per row, LIMIT stopping the scan, or,
        when the driver is common too and the key not many times more so (``_read_whole``),
        its range read whole and intersected with the driver's. No client row is read.
        """
        driver, *others = lookups
        intersected = [lookup for lookup in others if self._read_whole(lookup, driver)]
        driver_where = self.conditions("k0", driver, centre_id, years)
        if exclude_id is not None:
            driver_where += f" AND k0.client_id <> {self.bind(exclude_id)}"
        where = []
        if intersected:
            # Every key of one client carries the client's centre: the ranges read whole are
            # narrowed to it. INTERSECT gives each client once.
            parts = [f"SELECT k0.client_id FROM client_search_keys AS k0 "  # nosec B608
                     f"WHERE {driver_where}"]
            parts += [f"SELECT i{number}.client_id FROM client_search_keys AS i{number} "  # nosec B608
                      f"WHERE {self.conditions(f'i{number}', lookup, centre_id)}"
                      for number, lookup in enumerate(intersected, start=1)]
            source, distinct = f"({' INTERSECT '.join(parts)}) AS k0", ""
        else:
            source = "client_search_keys AS k0"
            distinct = "" if driver.exact else "DISTINCT "  # several keys in a range or a list
            where.append(driver_where)
        # Only aliases and bound-parameter names are formatted in; every value is bound.
        where += [self.probe(f"k{number}", lookup, "k0.client_id")
                  for number, lookup in enumerate(others, start=1) if lookup not in intersected]
        where_clause = f"WHERE {' AND '.join(where)}" if where else ""
        limit_clause = "" if limit is None else f" LIMIT {self.bind(limit)}"
        return (f"SELECT {distinct}k0.client_id AS client_id, {int(rank)} AS rank "  # nosec B608
                f"FROM {source} {where_clause}{limit_clause}")

    def probe(self, alias: str, lookup: KeyLookup, client_id: str) -> str:
        """EXISTS: the client whose id is the column ``client_id`` has the key of ``lookup``
        (an index-only probe of (client_id, kind, value), through ``alias``)."""
        # Only aliases, column names and bound-parameter names are formatted in.
        return (f"EXISTS (SELECT 1 FROM client_search_keys AS {alias} WHERE "  # nosec B608
                f"{alias}.client_id = {client_id} AND "
                f"{self.conditions(alias, lookup)}{self.probe_end})")

    def _read_whole(self, lookup: KeyLookup, driver: KeyLookup) -> bool:
        """Whether ``lookup`` is better read whole and intersected with the driving key than
        probed for each of its rows: when the driver matched many keys (counted past the first
        probe limit) and ``lookup`` not ``intersect_up_to`` times more (``rarest_first``
        counts it that far). Never without the counts (``KeySql()``)."""
        driver_count, count = self.counts.get(driver), self.counts.get(lookup)
        return (driver_count is not None and count is not None
                and driver_count >= _RARITY_PROBE_LIMITS[0]
                and count <= self.intersect_up_to * driver_count)

    def recently_seen_with_keys(self, groups: Sequence[Sequence[KeyLookup]], *,
                                centre_id: int | None, limit: int,
                                drivers_read_whole: bool = False) -> str:
        """SELECT client_id, rank 0: the ``limit`` clients of one centre (None: all) seen
        last, of those still held (neither merged nor anonymised), that have every key of any
        of ``groups``: the index of clients by when last seen is read backwards and each
        client's keys probed (index only) until ``limit`` are found.

        For a search that found more clients than it gathers: reading every match to sort
        them would read tens of thousands; here a common name is met often, so the walk
        stops early. With ``drivers_read_whole`` (for several groups only: inside OR,
        neither database turns IN into a join, which one group's would become), the driving
        key of each group is read whole once instead of probed per client: the database keeps
        its clients in memory (a hashed subplan in PostgreSQL) and checks each client walked
        there, for names rare among those seen lately, whose walk is long."""
        # Each alias is named after the number of values bound so far: unique in the query.
        alternatives = []
        for driver, *others in groups:
            if drivers_read_whole:
                alias = f"d{len(self.params)}"
                first = (f"c.id IN (SELECT {alias}.client_id "  # nosec B608
                         f"FROM client_search_keys AS {alias} "
                         f"WHERE {self.conditions(alias, driver, centre_id)})")
            else:
                first = self.probe(f"k{len(self.params)}", driver, "c.id")
            checks = [first, *(self.probe(f"k{len(self.params)}", lookup, "c.id")
                               for lookup in others)]
            alternatives.append("(" + " AND ".join(checks) + ")")
        where = ["c.anonymised_at IS NULL", "c.merged_into_id IS NULL",
                 f"({' OR '.join(alternatives)})"]
        if centre_id is not None:
            where.append(f"c.centre_id = {self.bind(centre_id)}")
        # Only aliases and bound-parameter names are formatted in; every value is bound.
        return (f"SELECT c.id AS client_id, 0 AS rank FROM clients AS c "  # nosec B608
                f"WHERE {' AND '.join(where)} "
                f"ORDER BY c.last_visit_at DESC, c.id DESC LIMIT {self.bind(limit)}")

    def clients_with_references(self, references: list[str], *, limit: int) -> str:
        """SELECT client_id, rank 0: the clients with any of ``references`` (unique index)."""
        values = ", ".join(map(self.bind, references))
        return (f"SELECT id AS client_id, 0 AS rank FROM clients "  # nosec B608
                f"WHERE reference IN ({values}) LIMIT {self.bind(limit)}")

    @staticmethod
    def union(selects: list[str]) -> str:
        # Each part keeps its own LIMIT: SQLite allows that only inside a subquery.
        if len(selects) == 1:
            return selects[0]
        # The parts are this class's own SQL (values bound).
        return " UNION ALL ".join(f"SELECT client_id, rank FROM ({part}) AS m{number}"  # nosec B608
                                  for number, part in enumerate(selects))

    @staticmethod
    def subquery(sql: str, name: str):
        """``sql`` (columns client_id, rank) as a FROM clause for SQLAlchemy statements; the
        statement is executed with ``params``."""
        return _key_subquery(sql, name)


# Parsing the text for its parameters and binding their values each time was a tenth of a
# duplicate check: the text of each shape of lookup is parsed once, the values are given when
# the statement is executed. Values are never part of the text, so shapes repeat (a hundred
# duplicate checks of random clients sent about fifty).
@lru_cache(maxsize=512)
def _key_text(sql: str):
    return text(sql)


@lru_cache(maxsize=512)
def _key_subquery(sql: str, name: str):
    return _key_text(sql).columns(client_id=Integer, rank=Integer).subquery(name)


class _RarityMemory:
    """How many keys each lookup matched when last counted, for an hour, for the lookups seen
    last (one per worker process, shared by its threads).

    Counts only choose which key drives a lookup (``rarest_first``): a count an hour old, or
    one that the database has since outgrown, can make a lookup slower, never its result
    different. Common names come back in search after search, and counting their keys again
    was a fifth of a search by a common full name. The keys stay in the worker's memory only.
    """

    def __init__(self, size: int = 20_000, seconds: float = 3600.0):
        self.size, self.seconds = size, seconds
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, limit: int) -> int | None:
        """The count of ``key`` if it is known up to ``limit`` (an exact count below the
        limit it was counted to, or counted to ``limit`` or beyond)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            count, counted_to, at = entry
            if time_module.monotonic() - at > self.seconds:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
        return count if count < counted_to or counted_to >= limit else None

    def put(self, key, count: int, counted_to: int) -> None:
        with self._lock:
            self._entries[key] = (count, counted_to, time_module.monotonic())
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


key_rarity = _RarityMemory()


def rarest_first(groups: list[list[KeyLookup]], *, centre_id: int | None,
                 years: tuple[int, int] | None = None
                 ) -> tuple[list[list[KeyLookup]], dict[KeyLookup, int]]:
    """Each group of lookups (the keys one client must all have) ordered by how many keys
    each matches, single values before lists on a tie: the rarest then drives the lookup;
    and the counts (up to the limit they were counted to; none for a group of one key but a
    ``pair`` or ``words`` key: two sounds or two words, counted as when they were two keys).

    Counting is index only and stops at a limit: first a low one; only when every key of a
    group reaches it (a name of common words only) are they counted again up to a higher one.
    A key that reaches the last limit in a group whose driver does not is counted on to
    ``intersect_up_to`` times the driver's count, which is what ``KeySql._read_whole`` asks
    ("kamran" 5,196 keys nationally, "muhammad" 20,000 or 120,000: probing "muhammad" per
    "kamran" took SQLite 20 ms, reading it whole 79). The keys not counted lately
    (``key_rarity``) are counted in one statement per limit.
    """
    groups = [list(dict.fromkeys(group)) for group in groups]
    counts: dict[KeyLookup, int] = {}
    reached = 0  # the limit every key of a group must have reached to be counted again
    for limit in _RARITY_PROBE_LIMITS:
        tied = list(dict.fromkeys(
            lookup for group in groups
            if (len(group) > 1 or group[0].kind in ("pair", "words"))
            and all(counts.get(other, 0) >= reached for other in group)
            for lookup in group))
        reached = limit
        if not tied:
            break
        counts.update(_key_counts({lookup: limit for lookup in tied}, centre_id, years))
    last = _RARITY_PROBE_LIMITS[-1]
    further: dict[KeyLookup, int] = {}
    for group in groups:
        driver_count = min((counts.get(lookup, 0) for lookup in group), default=0)
        if len(group) > 1 and _RARITY_PROBE_LIMITS[0] <= driver_count < last:
            for lookup in group:
                if counts[lookup] >= last:
                    further[lookup] = max(further.get(lookup, 0),
                                          intersect_up_to() * driver_count + 1)
    counts.update(_key_counts(further, centre_id, years))
    return [sorted(group, key=lambda lookup: (counts.get(lookup, 0), not lookup.exact))
            for group in groups], counts


def _key_counts(limits: dict[KeyLookup, int], centre_id: int | None,
                years: tuple[int, int] | None, *, remembered: bool = True
                ) -> dict[KeyLookup, int]:
    """How many keys each lookup matches, counted up to its limit in ``limits``: from
    ``key_rarity`` where known (unless not ``remembered``), the others counted (index only)
    in one statement."""
    counts, to_count = {}, []
    for lookup, limit in limits.items():
        known = key_rarity.get((lookup, centre_id, years), limit) if remembered else None
        if known is None:
            to_count.append(lookup)
        else:
            counts[lookup] = known
    if not to_count:
        return counts
    sql = KeySql()
    # Only aliases and bound-parameter names are formatted in; every value is bound.
    probes = [f"(SELECT count(*) FROM (SELECT 1 AS one FROM client_search_keys AS k WHERE "  # nosec B608
              f"{sql.conditions('k', lookup, centre_id, years)} "
              f"LIMIT {sql.bind(limits[lookup])}) AS p{number})"
              for number, lookup in enumerate(to_count)]
    row = db.session.execute(_key_text(f"SELECT {', '.join(probes)}"), sql.params).one()
    for lookup, count in zip(to_count, row, strict=True):
        counts[lookup] = count
        key_rarity.put((lookup, centre_id, years), count, limits[lookup])
    return counts


# On SQLite, how many keys a walk's driving keys may have in all to be read whole
# (``SearchPlan.walk_reads_drivers``). Of the admin's 25 national name prefixes of the search
# benchmark that walk, those below gained five to seven times; the first that lost had 7,636.
_SQLITE_DRIVERS_READ_WHOLE = 5_000

# The bound parameter of ``closest_unless_too_many``: ``SearchPlan`` gives it with the
# parameters of its statements.
_MOST_LISTED = "most_listed"


def closest_unless_too_many(closeness):
    """ORDER BY ``closeness`` (0 for the closest matches), unless more clients were found than
    ``SEARCH_MATCH_LIMIT``: those seen last are then listed, however close.

    For a statement selecting ``func.count().over()`` (the clients found), executed with a
    ``SearchPlan``'s parameters: statements are kept, and a bound limit is read when the
    statement runs."""
    return case((func.count().over() > bindparam(_MOST_LISTED, type_=Integer), 0),
                else_=closeness)


# Why a search found someone: the duplicate warning's reasons, and two of its own.
SEARCH_REASONS = {
    **matching.REASONS,
    "reference": _l("same reference"),
    "name_typed": _l("name as typed"),
}


@dataclass
class SearchPlan:
    """What a search term asks for: ``matches``, a subquery of (client_id, rank) of at most
    about ``SEARCH_MATCH_LIMIT`` clients (or all of them: ``complete``), rank 0 for the
    closest matches (the name as spelled, a reference, a phone or ID) and 1 for the others
    (sounding the same); the kind of search (for the audit summary); and, for callers that
    filter clients themselves, the WHERE ``condition`` and ORDER BY (closest first, then most
    recently seen). A statement using any of them is executed with ``parameters``.
    ``reasons`` says why a client was found."""

    matches: object
    kind: str
    parameters: dict = field(default_factory=dict)
    # The closest matches alone (a name searched by its sound keys too), for ``order_by``.
    closest: object = None
    # What was looked for: the term (digits normalised) and, for a number, the phone keys,
    # ID key and references it may stand for.
    term: str = ""
    phone_keys: tuple[str, ...] = ()
    national_id: str = ""
    references: tuple[str, ...] = ()
    # For a name: the keys a client must all have, of the spelling and of each reading, and
    # the centre searched (None: all), for ``recently_seen``.
    key_groups: tuple[tuple[KeyLookup, ...], ...] = ()
    centre_id: int | None = None
    # Whether ``matches`` gathers every client found, however many: ordered by last visit,
    # its first rows are then those seen last, with no walk (``walks_to_those_seen_last``).
    complete: bool = False
    # For a name not gathered whole whose spelling alone may be had by more people than
    # ``SEARCH_MATCH_LIMIT``: a statement counting them up to one more, and its parameters.
    spelled_count: tuple[object, dict] | None = None
    # How many keys each lookup of ``key_groups`` matched (``rarest_first``), where counted.
    key_counts: dict = field(default_factory=dict)
    # The ``words`` lookups of the name as typed, where they replace its prefixes' in
    # ``matches`` (``word_pair_lookups``).
    words_lookups: tuple[KeyLookup, ...] | None = None
    # Whether the key counts alone say that more people have the name than
    # ``SEARCH_MATCH_LIMIT``, with no need to count them (``search_plan``).
    known_too_common: bool = False

    def __post_init__(self):
        # Every statement built on ``matches`` may order by ``closest_unless_too_many``.
        self.parameters = {**self.parameters, _MOST_LISTED: SEARCH_MATCH_LIMIT}

    def spelled_too_common(self) -> bool:
        """Whether the name as typed alone is had by more clients than
        ``SEARCH_MATCH_LIMIT`` (counted index only, when ``spelled_count`` is there): those
        seen last are then listed through ``recently_seen`` whatever ``matches`` gathers,
        which need not be read ("muhammad ali" of all centres: 30 ms to count, 90 to gather
        both readings and sort them, on SQLite)."""
        if self.known_too_common:
            return True
        if self.spelled_count is None:
            return False
        statement, parameters = self.spelled_count
        return db.session.scalar(statement, parameters) > SEARCH_MATCH_LIMIT

    def lists_those_seen_last(self, found: int) -> bool:
        """Whether a search that found ``found`` clients through ``matches`` lists instead the
        clients seen last of all it would find: a name that more people have than
        ``SEARCH_MATCH_LIMIT``."""
        return found > SEARCH_MATCH_LIMIT and bool(self.key_groups)

    def walks_to_those_seen_last(self, found: int) -> bool:
        """Whether those seen last must then be found by ``recently_seen``: ``matches``
        stopped at its limit, and which clients it gathered says nothing about who was seen
        last. When it is ``complete``, ordered by ``order_by`` (or the registry's page, see
        ``_search_statements``) its first rows are those seen last."""
        return self.lists_those_seen_last(found) and not self.complete

    def recently_seen(self, limit: int) -> tuple[object, dict]:
        """For a name search that found more clients than ``matches`` gathers (which of them
        it gathers is arbitrary): the ``limit`` clients seen last among all it would find,
        all rank 0, as ``matches`` and the parameters to execute it with."""
        sql = KeySql()
        read_whole = self.walk_reads_drivers()
        groups = self.groups_read_whole if read_whole else self.groups_someone_has
        walk = sql.recently_seen_with_keys(groups, centre_id=self.centre_id, limit=limit,
                                           drivers_read_whole=read_whole)
        return sql.subquery(walk, "matches"), {**sql.params, _MOST_LISTED: SEARCH_MATCH_LIMIT}

    @cached_property
    def groups_someone_has(self) -> tuple[tuple[KeyLookup, ...], ...]:
        """``key_groups`` but those whose driving key nobody has. A walk probes each group
        for every client it passes: a reading of a typed prefix often sounds like no whole
        name (the "muha" of "Muha Raz" sounds "mha", "muhammad" "mhmd"), and its probes were
        a third of the walk's. A remembered count of none may be an hour old: those keys are
        looked for again here (one probe of the index each), so that a client registered
        since is not missed."""
        unheld = [group[0] for group in self.key_groups if self.key_counts.get(group[0]) == 0]
        if not unheld:
            return self.key_groups
        held = _key_counts(dict.fromkeys(unheld, 1), self.centre_id, None, remembered=False)
        kept = tuple(group for group in self.key_groups if held.get(group[0], 1))
        return kept or self.key_groups

    @property
    def groups_read_whole(self) -> tuple[tuple[KeyLookup, ...], ...]:
        """``groups_someone_has`` with the ``words`` lookups of the name as typed, where there
        are some, in place of its prefixes: a walk that reads its drivers whole reads the few
        who have the words ("Mahm Al-" of all centres: 2,438 keys, where "mahm" was counted
        past 20,000), a walk that probes per client probes the prefixes (one range each,
        where a list of pairs is a step down the index per pair). The spelling's group comes
        first and stays: its driver, counted to 1,000 when words are looked up, is held."""
        groups = self.groups_someone_has
        if self.words_lookups:
            return (self.words_lookups, *groups[1:])
        return groups

    def walk_reads_drivers(self) -> bool:
        """Whether ``recently_seen`` had better read each group's driving key whole than
        probe it per client walked (``KeySql.recently_seen_with_keys``): for a name of
        several words whose every driving key is counted below the last probe limit (the
        drivers of groups of several keys were; a group of one sound key, a reading, is
        counted here, when a walk is due). Such a name is had by few of those seen lately: an
        admin's "Ibra Al-" walked 20,677 clients of all centres for its first page
        (PostgreSQL 145 ms); reading its drivers whole took 9 ms. A key counted to the limit
        may be far more common: the sound of "Md.", 123,000 keys of all centres ("Md. Mah"
        took 95 ms so, 66 walked; in Dhaka "Md. Al", whose reading is that one sound, 30-40
        so, 3-4 walked).
        SQLite builds such a set several times slower: there the driving keys together must
        be fewer than ``_SQLITE_DRIVERS_READ_WHOLE`` ("Ibra Al-", 1,547 keys: 88 ms walked,
        11 so; "Murt Al", 10,076: 2 walked, 38 so). Measured on the 1M-client archive with a
        scratch script."""
        groups, last = self.groups_read_whole, _RARITY_PROBE_LIMITS[-1]
        # Several groups: the spelling of several words (its prefixes, or its ``words``
        # lookups) and its readings.
        if len(groups) < 2:
            return False
        spelling = groups[0]
        if ((len(spelling) < 2 and spelling[0].kind != "words")
                or any(self.key_counts.get(group[0], last) >= last
                       for group in groups if len(group) > 1)):
            return False
        # Groups of one key (a reading, or the words as typed) counted here when not yet.
        sounds = _key_counts({group[0]: last for group in groups if len(group) == 1},
                             self.centre_id, None)
        if any(count >= last for count in sounds.values()):
            return False
        if db.engine.dialect.name == "postgresql":
            return True
        drivers = [self.key_counts[group[0]] for group in groups if len(group) > 1]
        return sum(drivers) + sum(sounds.values()) < _SQLITE_DRIVERS_READ_WHOLE

    def reasons(self, client: Client, rank: int | None) -> list[str]:
        """Why ``client``, found with ``rank`` in ``matches`` (None: not known, as from
        ``recently_seen``), was found: keys of ``SEARCH_REASONS``."""
        if self.kind == "reference":
            return ["reference"]
        if self.kind == "number":
            reasons = []
            if client.reference in self.references:
                reasons.append("reference")
            if client.phone and client.phone.lstrip("+") in self.phone_keys:
                reasons.append("phone")
            if client.national_id and identifier_key(client.national_id) == self.national_id:
                reasons.append("national_id")
            return reasons
        latin, native = client.full_name, client.full_name_native
        if rank is None:
            words = name_words(latin, native)
            rank = 0 if all(any(word.startswith(typed) for word in words)
                            for typed in name_words(self.term)) else 1
        if rank == 0:
            return ["name_typed"]
        return [matching.sounds_alike_reason(self.term, latin, native)]

    # Built when asked for: the registry's search orders by the rank in ``matches`` instead.
    @property
    def condition(self):
        return Client.id.in_(select(self.matches.c.client_id))

    @property
    def order_by(self) -> list:
        """The closest first (``closest_unless_too_many``), then the most recently seen; for a
        statement selecting ``func.count().over()``."""
        recent_first = [Client.last_visit_at.desc(), Client.id.desc()]
        if self.closest is None:
            return recent_first
        closest_first = case((Client.id.in_(select(self.closest.c.client_id)), 0), else_=1)
        return [closest_unless_too_many(closest_first), *recent_first]


_REFERENCE_MATCHES = (select(Client.id.label("client_id"), literal(0).label("rank"))
                      .where(Client.reference == bindparam("reference")).subquery("matches"))


def search_plan(term: str, default_region: str, *, centre_id: int | None = None,
                limit: int | None = None) -> SearchPlan | None:
    """How to search for ``term`` among the clients of ``centre_id`` (None: all centres);
    None when the term holds nothing to search for.

    A reference finds that client (typed without the number's zeros, or without the centre's
    code: "2026-126" is the reference of that number at the searched centre or centres); a term
    of digits finds phones (any format) and ID numbers;
    anything else finds clients whose names have words starting with every typed word, or whose
    names sound the same in any script ("mohammed usman" finds "محمد عثمان"); the first kind
    comes first. Each kind gathers at most ``limit`` clients (default: one more than
    ``SEARCH_MATCH_LIMIT``, so that the caller knows when there are more), or, for a name
    whose keys are all counted below the last probe limit, all of them (``complete``).
    """
    if limit is None:
        limit = SEARCH_MATCH_LIMIT + 1
    term = normalise_digits(term).strip()
    reference = _REFERENCE.match(term)
    if reference:
        return SearchPlan(_REFERENCE_MATCHES, "reference",
                          {"reference": _reference(*reference.groups())}, term=term)
    if _NUMBERISH.match(term) and len(re.sub(r"\D", "", term)) >= 5:
        sql = KeySql()
        phone_keys = phone_key_candidates(term, default_region)
        lookups = [KeyLookup("phone", tuple(phone_keys))] if phone_keys else []
        national_id = identifier_key(term)
        lookups.append(KeyLookup("nid", national_id))
        selects = [sql.clients_with_keys([lookup], centre_id=centre_id, limit=limit)
                   for lookup in lookups]
        year_and_number = _YEAR_AND_NUMBER.match(term)
        references = []
        if year_and_number:  # also a phone or ID number, as far as anyone can tell
            references = [_reference(code, *year_and_number.groups())
                          for code in db.session.scalars(select(Centre.code).where(
                              true() if centre_id is None else Centre.id == centre_id))]
            if references:
                selects.insert(0, sql.clients_with_references(references, limit=limit))
        return SearchPlan(sql.subquery(sql.union(selects), "matches"), "number", sql.params,
                          term=term, phone_keys=tuple(phone_keys),
                          national_id=national_id, references=tuple(references))
    words = name_words(term)
    if not words:
        return None
    spelled = [KeyLookup("name", word, prefix=True) for word in words]
    # Each reading of the term ("kadhim" is also "kazim") with all its sound keys.
    readings = [reading_lookups([key for key in name_sound_keys(variant) if len(key) >= 2])
                for variant in spelling_variants(term)]
    readings = [lookups for lookups in readings if lookups]
    groups, counts = rarest_first([spelled, *readings], centre_id=centre_id)
    spelled, *readings = groups
    # Words as typed that many people's names have: those who have them all are looked up
    # by their ``words`` keys instead (``word_pair_lookups``).
    looked_up = spelled
    if len(words) > 1 and counts.get(spelled[0], 0) >= _RARITY_PROBE_LIMITS[0]:
        pairs = word_pair_lookups(words)
        if pairs:
            [looked_up], pair_counts = rarest_first([pairs], centre_id=centre_id)
            counts = {**counts, **pair_counts}
    # When the key driving each lookup was counted below the last probe limit, gathering all
    # it finds reads no more than that many keys; ordered by last visit, its first rows are
    # then those seen last, which otherwise takes a walk of the centre's clients ("muhammad
    # ali" in Lahore, 1,585 people of 200,000: the walk probed 15,000 clients for page 4).
    complete = all(counts.get(group[0], _RARITY_PROBE_LIMITS[-1]) < _RARITY_PROBE_LIMITS[-1]
                   for group in (looked_up, *readings))
    gathered = None if complete else limit
    sql = KeySql(counts)
    ranked = [sql.clients_with_keys(looked_up, centre_id=centre_id, limit=gathered)]
    ranked += [sql.clients_with_keys(sounds, centre_id=centre_id, limit=gathered, rank=1)
               for sounds in readings]
    spelled_count = None
    if not complete and counts.get(looked_up[0], 0) > SEARCH_MATCH_LIMIT:
        # The spelled lookup's own SQL and parameters, counted.
        spelled_count = (_key_text(f"SELECT count(*) FROM ({ranked[0]}) AS spelled"),  # nosec B608
                         sql.params)
    plan = SearchPlan(sql.subquery(sql.union(ranked), "matches"), "name", sql.params,
                      closest=sql.subquery(ranked[0], "closest") if readings else None,
                      term=term, key_groups=tuple(map(tuple, groups)),
                      words_lookups=None if looked_up is spelled else tuple(looked_up),
                      centre_id=centre_id, complete=complete, spelled_count=spelled_count,
                      key_counts=counts)
    # A lookup of one key that more than twice the limit have (a client holds a key once,
    # or once more for each record merged into it) finds more people than the pages list:
    # gathering them all only to list those seen last read and sorted thousands of clients
    # ("Md. Ala" of all centres, 7,495: PostgreSQL 80 ms). When the walk to them reads its
    # drivers whole, it goes there at once.
    if complete and any(
            len(group) == 1 and group[0].exact
            and counts.get(group[0], 0) > 2 * SEARCH_MATCH_LIMIT
            for group in (looked_up, *readings)) and plan.walk_reads_drivers():
        plan.complete, plan.known_too_common = False, True
    return plan


# How many name words a typed word may stand for, and how many pairs of them one lookup may
# list, for a name as typed to be looked up by its ``words`` keys (``word_pair_lookups``).
_WORDS_PER_TYPED_WORD = 40
_WORD_PAIRS_PER_LOOKUP = 400


def word_pair_lookups(typed: list[str]) -> list[KeyLookup] | None:
    """The lookups of the ``words`` keys of every two words typed one after the other: each
    typed word stands for the name words starting with it (``words_starting``), and a lookup
    lists every pair of them. Together they find those whose names have a word starting with
    each typed word, as the prefix lookups intersected do: "huss kha" of all centres is 24
    pairs, 410 keys, where the prefixes are 20,000 and 62,622 keys.

    None (the prefixes are looked up instead) when a typed word starts another (one name
    word may then stand for both, which no pair holds), stands for too many words, or a pair
    would not fit the key column."""
    if any(first.startswith(second) for index, first in enumerate(typed)
           for other, second in enumerate(typed) if index != other):
        return None
    standing_for = words_starting(typed, _WORDS_PER_TYPED_WORD)
    if standing_for is None:
        return None
    lookups = []
    for first, second in zip(typed, typed[1:]):
        pairs = [key_pair(one, other) for one in standing_for[first]
                 for other in standing_for[second]]
        if None in pairs or not pairs or len(pairs) > _WORD_PAIRS_PER_LOOKUP:
            return None
        lookups.append(KeyLookup("words", pairs[0] if len(pairs) == 1 else padded(pairs)))
    return list(dict.fromkeys(lookups))


def padded(values: list[str]) -> tuple[str, ...]:
    """``values``, the last repeated up to a power of two: a list of one to hundreds of pairs
    then makes one of a few texts of a statement, which are compiled once (each length was a
    statement compiled anew, a millisecond of such a search)."""
    length = 1 << (len(values) - 1).bit_length()
    return (*values, *[values[-1]] * (length - len(values)))


def words_starting(prefixes: list[str], most: int) -> dict[str, list[str]] | None:
    """The distinct name words of all centres starting with each of ``prefixes``, in one
    statement; None when one of them starts more than ``most``.

    Each word is one step down the key index to the next word (a skip scan written as a
    recursive query): "kha" is 8 words of 62,622 keys."""
    sql, parts = KeySql(), []
    names = sql.bind("name")
    for number, prefix in enumerate(prefixes):
        low, high = sql.bind(prefix), sql.bind(prefix + chr(0x10FFFF))
        # Only aliases and bound-parameter names are formatted in; every value is bound.
        parts.append(
            f"w{number}(word, taken) AS ("  # nosec B608
            f"SELECT (SELECT k.value FROM client_search_keys AS k WHERE k.kind = {names} "
            f"AND k.value >= {low} AND k.value < {high} ORDER BY k.value LIMIT 1), 1 "
            f"UNION ALL SELECT (SELECT k.value FROM client_search_keys AS k "
            f"WHERE k.kind = {names} AND k.value > w{number}.word AND k.value < {high} "
            f"ORDER BY k.value LIMIT 1), w{number}.taken + 1 FROM w{number} "
            f"WHERE w{number}.word IS NOT NULL AND w{number}.taken <= {most})")
    chosen = " UNION ALL ".join(f"SELECT {number} AS typed, word, taken FROM w{number} "  # nosec B608
                                f"WHERE word IS NOT NULL" for number in range(len(prefixes)))
    rows = db.session.execute(_key_text(f"WITH RECURSIVE {', '.join(parts)} {chosen}"),
                              sql.params).all()
    found: dict[str, list[str]] = {prefix: [] for prefix in prefixes}
    for typed, word, taken in rows:
        if taken > most:
            return None
        found[prefixes[typed]].append(word)
    return found


def reading_lookups(sounds: list[str]) -> list[KeyLookup]:
    """The lookups of a reading of several sound keys, all of which a client must have: the
    ``pair`` keys of each key and the next (together they hold every key). Each pair is had
    only by those who have both sounds: "muhammad ali" in Lahore is 1,717 pair keys, where the
    sounds of Muhammad and Ali are 31,095 and 11,798, which were read whole and intersected
    (PostgreSQL 16 ms of the search's 43). One sound alone, or a pair too long for the key
    column, is looked up as a sound key."""
    if len(sounds) < 2:
        return [KeyLookup("sound", key) for key in sounds]
    pairs = [key_pair(first, second) for first, second in zip(sounds, sounds[1:])]
    if None in pairs:
        return [KeyLookup("sound", key) for key in sounds]
    return [KeyLookup("pair", pair) for pair in dict.fromkeys(pairs)]


class SearchResults(Pagination):
    """A page of search results. ``total`` counts the matches gathered; ``more`` is True when
    there were more than ``SEARCH_MATCH_LIMIT`` (``limit``; ``total`` is then that limit, or,
    for a name, the number of those seen last that the pages hold: ``recent_only``);
    ``reasons``: why each client on the page was found, by client id."""

    def __init__(self, *, items: list, total: int, more: bool, page: int, per_page: int,
                 reasons: dict[int, list[str]], recent_only: bool = False):
        self.more = more
        self.reasons = reasons
        # More were found by a name than are gathered: the pages hold the
        # ``RECENTLY_SEEN_SHOWN`` seen last of them all (``total``).
        self.recent_only = recent_only
        self.limit = SEARCH_MATCH_LIMIT
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False,
                         count=True, items=items, total=total)

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


@lru_cache(maxsize=512)
def _search_statements(matches, scope: Scope):
    """For the clients ``matches`` found, in ``scope``, not anonymised: a page of them, the
    closest first (unless more were found than ``SEARCH_MATCH_LIMIT``), then the most
    recently seen, each row with the number found and the rank ``matches`` gave the client
    (bound: ``skip`` and ``page_size``, and the limit of ``closest_unless_too_many``, which
    a ``SearchPlan``'s parameters give); and that number alone, for a page past the last.

    Built once per shape of search and scope: a statement object works out its cache key
    once; building the statement and its key for each search was most of the Python of a
    lookup by phone."""
    ranked = (select(matches.c.client_id, func.min(matches.c.rank).label("rank"))
              .group_by(matches.c.client_id).subquery())
    found = (scoped(Client, scope)
             .join(ranked, ranked.c.client_id == Client.id)
             .where(Client.anonymised_at.is_(None)))
    page = (found.add_columns(func.count().over(), ranked.c.rank)
            .order_by(closest_unless_too_many(ranked.c.rank),
                      Client.last_visit_at.desc(), Client.id.desc())
            .offset(bindparam("skip", type_=Integer))
            .limit(bindparam("page_size", type_=Integer)))
    return page, select(func.count()).select_from(found.subquery())


def search_clients(actor: Actor, term: str, *, page: int, per_page: int):
    """A page of clients in the actor's scope matching ``term``: the closest matches first,
    then the most recently seen. At most ``SEARCH_MATCH_LIMIT`` are gathered (``more``); a
    name that more people have lists the ``RECENTLY_SEEN_SHOWN`` of them seen last."""
    user = actor.user
    region = user.centre.country if user.centre else "PK"
    # Admins search every centre; everyone else their own (the key lookup narrows to it, and
    # ``scoped`` below is the guarantee).
    centre_id = None if user.role == Role.ADMIN else user.centre_id
    plan = search_plan(term, region, centre_id=centre_id)
    if plan is None:
        return None
    page = max(page, 1)
    skip = (page - 1) * per_page
    listing = {"skip": skip, "page_size": per_page}
    page_of_found, count_of_found = _search_statements(plan.matches, Scope.of(user))
    if plan.spelled_too_common():
        rows, found = [], SEARCH_MATCH_LIMIT + 1
    else:
        rows = db.session.execute(page_of_found, {**plan.parameters, **listing}).all()
        if rows:
            found = rows[0][1]
        else:
            found = db.session.scalar(count_of_found, plan.parameters)
    more = found > SEARCH_MATCH_LIMIT
    recent_only = plan.lists_those_seen_last(found)
    total = min(found, SEARCH_MATCH_LIMIT)
    if recent_only:
        total = min(RECENTLY_SEEN_SHOWN, total)
        # The page came ordered by last visit; the pages hold the first ``total`` only.
        rows = rows[:max(0, total - skip)]
    ranks: list = [rank for _client, _found, rank in rows]
    if plan.walks_to_those_seen_last(found):
        # Which clients the lookup gathered is arbitrary (the key index's order: the oldest
        # first); the pages show the most recently seen of all it would find instead.
        recent, parameters = plan.recently_seen(limit=min(skip + per_page, total))
        page_of_recent, _count = _search_statements(recent, Scope.of(user))
        rows = db.session.execute(page_of_recent, {**parameters, **listing}).all()
        ranks = [None] * len(rows)
    items = [row[0] for row in rows]
    reasons = {client.id: plan.reasons(client, rank)
               for client, rank in zip(items, ranks, strict=True)}
    # Each reason translated once: a page holds a few kinds of reason, 25 times over.
    labels = {key: str(SEARCH_REASONS[key])
              for key in {key for keys in reasons.values() for key in keys}}
    result = SearchResults(items=items, total=total, more=more, page=page, per_page=per_page,
                           reasons={client_id: [labels[key] for key in keys]
                                    for client_id, keys in reasons.items()},
                           recent_only=recent_only)
    # Never the term itself: it is personal data.
    found_text = f"more than {SEARCH_MATCH_LIMIT}" if more else str(total)
    audit.record(actor, "search", object_type="client",
                 summary=f"by {plan.kind}; {found_text} found; page {page}")
    commit_keeping_loaded(db.session, items)
    return result


def list_clients(actor: Actor, *, page: int, per_page: int):
    statement = (
        scoped(Client, actor.user)
        .where(Client.anonymised_at.is_(None), Client.merged_into_id.is_(None))
        .order_by(Client.last_visit_at.desc(), Client.id.desc())
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def recent_clients(actor: Actor, limit: int = 10) -> list[Client]:
    """The clients this user registered or is assigned, most recently changed first.

    Each of the two is read from its own index in that order and stops at ``limit`` (as an
    OR, both databases read every client: 160 ms on PostgreSQL on a million clients)."""
    user = actor.user
    latest = union(*[
        select(part.c.id) for part in (
            scoped(Client, user).with_only_columns(Client.id)
            .where(column == user.id, Client.merged_into_id.is_(None))
            .order_by(Client.updated_at.desc(), Client.id.desc()).limit(limit).subquery()
            for column in (Client.created_by_id, Client.assigned_counsellor_id))])
    return list(db.session.scalars(
        scoped(Client, user).where(Client.id.in_(latest))
        .order_by(Client.updated_at.desc(), Client.id.desc()).limit(limit)))


def registered_today_count(actor: Actor) -> int:
    centre = actor.user.centre
    if centre is None:
        return 0
    from mrc.centres.services import centre_now

    start = centre_now(centre).replace(hour=0, minute=0, second=0, microsecond=0)
    statement = scoped(Client, actor.user).where(Client.created_at >= start)
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


MAX_DUPLICATE_CANDIDATES = 10
# What ``matching.Scorer`` reads of a stored client (``matching.Person.FIELDS``). The rows
# read for scoring (id, reference, these) and those of ``merged_records`` (id, merged into,
# these) have them after two columns.
_PERSON_COLUMNS = tuple(getattr(Client, name) for name in matching.Person.FIELDS)
_PERSON_VALUES = slice(2, 2 + len(_PERSON_COLUMNS))
_GATHERED_PER_RULE = 50
# Whether any record was merged into a candidate: a probe of the small partial index of merged
# records per candidate, so that the statement reading those records (most candidates have
# none) is sent only when there are some.
_MERGED_RECORD = aliased(Client, name="merged_record")
_HAS_MERGED_RECORDS = (select(literal(1))
                       .where(_MERGED_RECORD.merged_into_id == Client.id)
                       .exists().label("has_merged_records"))


@lru_cache(maxsize=512)
def _people_gathered(gathered, scope: Scope):
    """The statement reading the people ``gathered`` in ``scope`` on the columns the score
    reads.

    Built once per shape of lookup and scope: a statement object works out its cache key once,
    and building it and working that key out again cost each check 0.4 ms (a sixth of its
    Python; SQLite, the 1M-client archive)."""
    return (scoped(Client, scope)
            .with_only_columns(Client.id, Client.reference, *_PERSON_COLUMNS,
                               _HAS_MERGED_RECORDS)
            .where(Client.id.in_(select(gathered.c.client_id)),
                   Client.anonymised_at.is_(None)))


def find_duplicates(actor: Actor, data: ClientData, *, exclude_id: int | None = None
                    ) -> list[DuplicateCandidate]:
    """People in the actor's scope who may be the person described by ``data``, best first,
    each with the reasons it matched (``mrc.clients.matching``).

    Candidates are gathered through the key index only — the same phone, the same national ID;
    or, with a birth year within one year: the same name words, the same sound keys (any
    spelling, any script), all sound keys but one the same and that one a typing mistake away
    (``typo`` keys), or the same father's name and one name word sounding the same. They are
    then scored; only those with enough evidence are returned (at most
    ``MAX_DUPLICATE_CANDIDATES``), so that a common name alone does not flood the warning.

    Each rule gathers at most ``_GATHERED_PER_RULE`` people, starting from its rarest key,
    within the centre and the birth years inside the key index; all rules and the reading of
    the people they found are one statement.
    """
    user = actor.user
    region = user.centre.country if user.centre else "PK"
    centre_id = None if user.role == Role.ADMIN else user.centre_id
    years = (data.birth_year - 1, data.birth_year + 1)
    rules: list[tuple[list[KeyLookup], tuple[int, int] | None]] = []

    phone_keys = phone_key_candidates(data.phone, region) if data.phone else []
    if phone_keys:
        rules.append(([KeyLookup("phone", tuple(phone_keys))], None))
    if data.national_id:
        rules.append(([KeyLookup("nid", identifier_key(data.national_id))], None))
    all_sounds: list[str] = []
    for given, family in ((data.given_name, data.family_name),
                          (data.given_name_native, data.family_name_native)):
        full_name = " ".join(part for part in (given, family) if part)
        words = name_words(full_name)
        if words:
            rules.append(([KeyLookup("name", word) for word in words], years))
        for variant in spelling_variants(full_name):
            sounds = name_sound_keys(variant)
            all_sounds += [key for key in sounds if key not in all_sounds]
            if sounds:
                rules.append(([KeyLookup("sound", key) for key in sounds], years))
            if len(sounds) < 2:
                continue  # one word one typo away is too often just another name
            for mistyped in sounds:
                neighbours = typo_keys(mistyped)
                if neighbours:
                    rules.append(([KeyLookup("sound", key) for key in sounds if key != mistyped]
                                  + [KeyLookup("typo", tuple(neighbours))], years))
    for variant in spelling_variants(data.father_name) if data.father_name else []:
        father_keys = [key for key in name_sound_keys(variant)
                       if key not in matching.UNINFORMATIVE_FATHER_KEYS]
        if father_keys and all_sounds:
            rules.append(([KeyLookup("father", key) for key in father_keys]
                          + [KeyLookup("sound", tuple(all_sounds))], years))
    if not rules:
        return []
    # The same rule twice (a name without "dh" has one reading) gathers nothing new.
    rules = list({(tuple(lookups), span): (lookups, span) for lookups, span in rules}.values())
    # The name keys are counted near the birth year, so that each rule starts from its
    # rarest key (phone and ID rules have one key each).
    ordered, _counts = rarest_first([lookups for lookups, _span in rules], centre_id=centre_id,
                                    years=years)
    # Every other key is probed, never read whole (no counts given): each rule's driver is
    # narrowed to three birth years, the other keys are not, so they are many times more
    # common than the counts (made near the birth year) would say.
    sql = KeySql()
    gathered = sql.subquery(sql.union([
        sql.clients_with_keys(lookups, centre_id=centre_id, years=span, exclude_id=exclude_id,
                              limit=_GATHERED_PER_RULE)
        for lookups, (_lookups, span) in zip(ordered, rules)
    ]), "gathered")
    scorer = matching.Scorer(matching.Person.of(data), new_phone_keys=phone_keys)
    # Dozens of people are scored on the columns the score reads; only the few shown are
    # loaded as records.
    rows = db.session.execute(_people_gathered(gathered, Scope.of(user)), sql.params).all()
    best: dict[int, matching.Evidence] = {}
    references = {row.id: row.reference for row in rows}
    # A person found through what only a record merged into theirs had (its phone, ID or
    # spelling) is weighed on that record too; the record shown is the one that stays.
    with_merged = [row.id for row in rows if row.has_merged_records]
    for root_id, row in [(row.id, row) for row in rows] + (merged_records(
            with_merged, *_PERSON_COLUMNS) if with_merged else []):
        evidence = scorer.score(matching.Person.of_values(row[_PERSON_VALUES]))
        if root_id not in best or evidence.score > best[root_id].score:
            best[root_id] = evidence
    scored = [(client_id, references[client_id], evidence)
              for client_id, evidence in best.items() if evidence.score >= matching.SHOW_FROM]
    scored.sort(key=lambda candidate: (-candidate[2].score, candidate[1]))
    scored = scored[:MAX_DUPLICATE_CANDIDATES]
    if not scored:
        return []
    clients = {client.id: client for client in db.session.scalars(
        scoped(Client, user).where(Client.id.in_([client_id for client_id, _r, _e in scored])))}
    # The reasons in the user's language, now that they are few.
    return [DuplicateCandidate(clients[client_id], [str(reason) for reason in evidence.reasons],
                               evidence.score)
            for client_id, _reference, evidence in scored if client_id in clients]
