"""Setting an office up and managing who may use it: offices from scenario files, users, tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlmodel import Session, select

from scheduler.access import Principal
from scheduler.errors import Conflict, Invalid, NotFound
from scheduler.model import Role
from scheduler.scenario import Scenario
from store.database import Database
from store.repository import hours_row
from store.tables import CounterRow, OfficeRow, ServiceRow, TokenRow, UserRow

CLERK_TOKEN_TTL = timedelta(hours=12)
_hasher = PasswordHash.recommended  # a factory, called per use: no import-time state


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """A bearer token or status code: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def apply_scenario(db: Database, scenario: Scenario, title: str | None = None) -> str:
    """Create the office of a scenario file, or update its services and counters in place.

    Counters are matched by name and keep their id and state, so terminals stay bound to them;
    a counter or service missing from the file is kept (tickets refer to it) but a counter loses
    its skills.
    """
    with db.transaction() as session:
        office = session.get(OfficeRow, scenario.name, with_for_update=True)
        if office is None:
            office = OfficeRow(id=scenario.name, name=title or scenario.title, timezone=scenario.timezone)
        else:
            office.name = title or scenario.title
            office.timezone = scenario.timezone
        office.timed_return = scenario.timed_return
        office.clerks_choose_services = scenario.clerks_choose_services
        office.no_show_min_recalls = scenario.no_show_min_recalls
        office.no_show_delay_s = scenario.no_show_delay_s
        office.hours = hours_row(scenario.hours)
        office.closed_days = sorted(d.isoformat() for d in scenario.closed)
        office.walk_in_share = scenario.walk_in_share
        office.late_places = scenario.late_places
        office.improvements = [{"code": code, "names": names} for code, names in scenario.improvements]
        office.happiness_at_kiosk = scenario.happiness_at_kiosk
        office.notify_before_min = scenario.notify_before_min
        office.remote_join = scenario.remote_join
        office.remote_share_max = scenario.remote_share_max
        office.remote_grace_min = scenario.remote_grace_min
        office.walk_in_by_hour = {str(hour): share for hour, share in sorted(scenario.walk_in_by_hour.items())}
        session.add(office)
        session.flush()
        for position, spec in enumerate(scenario.services):
            service = session.get(ServiceRow, (scenario.name, spec.code)) or ServiceRow(
                office=scenario.name, code=spec.code, names={}
            )
            service.names = dict(spec.names)
            service.duration_s = spec.duration_s
            service.bookable = spec.bookable
            service.slot_s = spec.slot_s
            service.checklist = {lang: list(items) for lang, items in spec.checklist.items()}
            service.position = position
            session.add(service)
        existing = {c.name: c for c in session.exec(select(CounterRow).where(CounterRow.office == scenario.name))}
        named = set()
        for counter_spec in scenario.counters:
            named.add(counter_spec.name)
            counter = existing.get(counter_spec.name) or CounterRow(
                office=scenario.name, name=counter_spec.name, services=[]
            )
            if not scenario.clerks_choose_services or set(counter.services) != set(counter_spec.services):
                counter.serving = None  # the clerk's choice was among other skills, or is no longer theirs
            counter.services = list(counter_spec.services)
            counter.shifts = [[a.isoformat(), b.isoformat()] for a, b in counter_spec.shifts]
            session.add(counter)
        for name, counter in existing.items():
            if name not in named:
                counter.services = []
                counter.serving = None
                session.add(counter)
    return scenario.name


def add_user(db: Database, username: str, office: str | None, role: Role, password: str, now: datetime) -> None:
    if role not in (Role.CLERK, Role.MANAGER, Role.ADMIN):
        raise Invalid("a user is a clerk, a manager or an admin", code="invalid_role")
    if role is not Role.ADMIN and office is None:
        raise Invalid("clerks and managers belong to an office", code="office_required")
    if len(password) < 8:
        raise Invalid("a password has at least 8 characters", code="weak_password")
    with db.transaction() as session:
        if office is not None and session.get(OfficeRow, office) is None:
            raise NotFound(f"no office {office!r}", code="office_not_found")
        user = session.get(UserRow, username)
        if user is None:
            user = UserRow(username=username, office=office, role=role.value, password_hash="", created_at=now)
        user.office, user.role = office, role.value
        user.password_hash = _hasher().hash(password)
        session.add(user)


def create_token(
    db: Database,
    role: Role,
    office: str | None,
    now: datetime,
    *,
    label: str = "",
    username: str | None = None,
    ttl: timedelta | None = None,
) -> str:
    """A new bearer token; only its digest is kept, so this is the one time it can be seen."""
    if office is None and role is not Role.ADMIN:
        raise Invalid(f"a {role.value} token belongs to an office: give --office", code="office_required")
    secret = new_secret()
    with db.transaction() as session:
        if office is not None and session.get(OfficeRow, office) is None:
            raise NotFound(f"no office {office!r}", code="office_not_found")
        session.add(
            TokenRow(
                digest=digest(secret),
                role=role.value,
                office=office,
                label=label,
                username=username,
                created_at=now,
                expires_at=now + ttl if ttl else None,
            )
        )
    return secret


def principal_for(db: Database, secret: str, now: datetime) -> Principal | None:
    """Who holds this token, or None if it is unknown, expired or revoked."""
    with Session(db.reader) as session:
        row = session.exec(select(TokenRow).where(TokenRow.digest == digest(secret))).first()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return Principal(role=Role(row.role), office=row.office, username=row.username)


def login(db: Database, username: str, password: str, now: datetime) -> tuple[str, Principal]:
    """Check a user's password and hand out a token for their terminal."""
    with Session(db.reader) as session:
        user = session.get(UserRow, username)
    hasher = _hasher()
    if user is None:
        hasher.hash(password)  # spend the same time as for a known user: no user enumeration by timing
        raise Conflict("unknown user or wrong password", code="bad_credentials")
    if not hasher.verify(password, user.password_hash):
        raise Conflict("unknown user or wrong password", code="bad_credentials")
    role = Role(user.role)
    token = create_token(db, role, user.office, now, label=f"login {username}", username=username, ttl=CLERK_TOKEN_TTL)
    return token, Principal(role=role, office=user.office, username=username)


def revoke_token(db: Database, secret: str, now: datetime) -> bool:
    with db.transaction() as session:
        row = session.exec(select(TokenRow).where(TokenRow.digest == digest(secret))).first()
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = now
        session.add(row)
        return True


def tokens(db: Database) -> list[TokenRow]:
    """Every token, oldest first (digests only: the secrets were never kept)."""
    with Session(db.reader) as session:
        return list(session.exec(select(TokenRow).order_by(TokenRow.id)).all())  # type: ignore[arg-type]


def revoke_tokens(
    db: Database,
    now: datetime,
    *,
    token_id: int | None = None,
    label: str | None = None,
    office: str | None = None,
) -> int:
    """Revoke the token with this id, or every live token with this label (of this office, if one is
    given); how many were revoked."""
    if (token_id is None) == (label is None):
        raise Invalid("revoke by id or by label", code="revoke_what")
    with db.transaction() as session:
        query = select(TokenRow).where(TokenRow.revoked_at == None)  # noqa: E711 - SQL IS NULL
        query = query.where(TokenRow.id == token_id) if token_id is not None else query.where(TokenRow.label == label)
        if office is not None:
            query = query.where(TokenRow.office == office)
        rows = list(session.exec(query).all())
        for row in rows:
            row.revoked_at = now
            session.add(row)
        return len(rows)
