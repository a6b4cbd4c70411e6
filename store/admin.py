"""Setting an office up and managing who may use it: offices from scenario files, users, tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from pwdlib import PasswordHash
from sqlalchemy import func
from sqlmodel import Session, col, select

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


def add_user(
    db: Database,
    username: str,
    office: str | None,
    role: Role,
    password: str,
    now: datetime,
    language: str | None = None,
) -> None:
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
        if language is not None:
            user.language = language
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
    return Principal(role=Role(row.role), office=row.office, username=row.username, label=row.label or None)


def login(db: Database, username: str, password: str, now: datetime, how: str = "login") -> tuple[str, Principal]:
    """Check a user's password and hand out a token for their terminal (or, `how="web login"`, their browser:
    the token's label, "login ann" or "web login ann", tells `loket token list` which)."""
    with Session(db.reader) as session:
        user = session.get(UserRow, username)
    hasher = _hasher()
    if user is None:
        hasher.hash(password)  # spend the same time as for a known user: no user enumeration by timing
        raise Conflict("unknown user or wrong password", code="bad_credentials")
    if not hasher.verify(password, user.password_hash):
        raise Conflict("unknown user or wrong password", code="bad_credentials")
    role = Role(user.role)
    token = create_token(db, role, user.office, now, label=f"{how} {username}", username=username, ttl=CLERK_TOKEN_TTL)
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


# --- staff and devices of one office (the administration: service/administration.py) -------------------------
def user_view(row: UserRow) -> dict[str, Any]:
    return {
        "username": row.username,
        "role": row.role,
        "office": row.office,
        "language": row.language,
        "created_at": row.created_at.isoformat(),
    }


def token_view(row: TokenRow) -> dict[str, Any]:
    """A token as the administration shows it: never its secret nor the digest."""
    return {
        "id": row.id,
        "role": row.role,
        "label": row.label,
        "username": row.username,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


def user_language(db: Database, username: str) -> str | None:
    """The language a staff member chose (None: unknown user, or not chosen yet)."""
    with Session(db.reader) as session:
        user = session.get(UserRow, username)
    return user.language if user is not None else None


def set_language(session: Session, username: str, language: str) -> dict[str, Any]:
    user = session.get(UserRow, username)
    if user is None:
        raise NotFound(f"no user {username!r}", code="user_not_found", extra={"field": "username"})
    user.language = language
    session.add(user)
    return user_view(user)


def office_users(session: Session, office: str) -> list[dict[str, Any]]:
    query = select(UserRow).where(UserRow.office == office).order_by(col(UserRow.username))
    return [user_view(u) for u in session.exec(query)]


def office_user(session: Session, office: str, username: str) -> UserRow:
    user = session.get(UserRow, username)
    if user is None or user.office != office:
        raise NotFound(f"office {office} has no user {username!r}", code="user_not_found", extra={"field": "username"})
    return user


def _managers(session: Session, office: str) -> int:
    query = select(func.count()).select_from(UserRow).where(UserRow.office == office, UserRow.role == "manager")
    return int(session.exec(query).one())


def add_office_user(session: Session, office: str, spec: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A new clerk or manager of `office`; `user_exists` (409) when the username is taken (in any office)."""
    if session.get(OfficeRow, office) is None:
        raise NotFound(f"no office {office!r}", code="office_not_found")
    if session.get(UserRow, spec["username"]) is not None:
        raise Conflict(f"username {spec['username']!r} is taken", code="user_exists", extra={"field": "username"})
    user = UserRow(
        username=spec["username"],
        office=office,
        role=spec["role"],
        password_hash=_hasher().hash(spec["password"]),
        created_at=now,
        language=spec["language"],
    )
    session.add(user)
    session.flush()
    return user_view(user)


def _revoke_of(session: Session, username: str, now: datetime) -> int:
    rows = list(
        session.exec(select(TokenRow).where(TokenRow.username == username, TokenRow.revoked_at == None))  # noqa: E711
    )
    for row in rows:
        row.revoked_at = now
        session.add(row)
    return len(rows)


def change_office_user(
    session: Session, office: str, username: str, changes: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new role, password or language; the user's tokens are revoked when the role or password changes (a
    token carries its role). The office's last manager keeps the role (`last_manager`, 409). Returns the view
    and the audit detail (never the password: only that it changed)."""
    user = office_user(session, office, username)
    before = {"role": user.role, "language": user.language}
    if changes.get("role", user.role) != "manager" and user.role == "manager" and _managers(session, office) <= 1:
        raise Conflict(
            f"{username} is the last manager of {office}: name another manager first",
            code="last_manager",
            extra={"field": "role"},
        )
    if "role" in changes:
        user.role = changes["role"]
    if "language" in changes:
        user.language = changes["language"]
    if "password" in changes:
        user.password_hash = _hasher().hash(changes["password"])
    revoked = _revoke_of(session, username, now) if "password" in changes or before["role"] != user.role else 0
    session.add(user)
    session.flush()
    after = {"role": user.role, "language": user.language}
    keys = [k for k in after if before[k] != after[k]]
    detail: dict[str, Any] = {"before": {k: before[k] for k in keys}, "after": {k: after[k] for k in keys}}
    if "password" in changes:
        detail["password"] = "reset"
    if revoked:
        detail["tokens_revoked"] = revoked
    return user_view(user), detail


def remove_office_user(session: Session, office: str, username: str, now: datetime) -> dict[str, Any]:
    """Delete one of the office's staff; their tokens are revoked (and kept, without the username, for the
    record). The office's last manager stays (`last_manager`, 409). Returns the audit detail."""
    user = office_user(session, office, username)
    if user.role == "manager" and _managers(session, office) <= 1:
        raise Conflict(
            f"{username} is the last manager of {office}: name another manager first",
            code="last_manager",
            extra={"field": "username"},
        )
    revoked = _revoke_of(session, username, now)
    for token in session.exec(select(TokenRow).where(TokenRow.username == username)):
        token.username = None
        session.add(token)
    session.flush()
    session.delete(user)
    session.flush()
    return {"before": {"role": user.role, "language": user.language}, "tokens_revoked": revoked}


def office_tokens(session: Session, office: str, limit: int = 200) -> list[dict[str, Any]]:
    """The office's tokens, newest first (devices' and staff's logins)."""
    query = select(TokenRow).where(TokenRow.office == office).order_by(col(TokenRow.id).desc()).limit(limit)
    return [token_view(t) for t in session.exec(query)]


def add_office_token(
    session: Session, office: str, role: Role, label: str, now: datetime
) -> tuple[str, dict[str, Any]]:
    """A new device token of the office: its secret (shown once) and its view."""
    if session.get(OfficeRow, office) is None:
        raise NotFound(f"no office {office!r}", code="office_not_found")
    secret = new_secret()
    row = TokenRow(digest=digest(secret), role=role.value, office=office, label=label, created_at=now)
    session.add(row)
    session.flush()
    return secret, token_view(row)


def revoke_office_token(session: Session, office: str, token_id: int, now: datetime) -> dict[str, Any]:
    row = session.get(TokenRow, token_id)
    if row is None or row.office != office:
        raise NotFound(f"office {office} has no token {token_id}", code="token_not_found", extra={"field": "id"})
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        session.flush()
    return token_view(row)
