"""The `loket` command: serve, demo, migrate, token, user, office export, booking, purge, staffing, kiosk,
counter, display, simulate."""

from __future__ import annotations

import os
import secrets
import sys
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from scheduler import routing
from scheduler.errors import DomainError
from scheduler.forecast import Demand, clock
from scheduler.model import PROMISE, Role
from scheduler.scenario import Scenario, parse_scenario
from scheduler.staffing import ExtraCounters, StaffingAdvice, interval_json
from scheduler.workload import Arrival
from settings import Settings

if TYPE_CHECKING:
    from kiosk.sync import SyncReport

app = typer.Typer(help="Loket: counter queues and appointments for public offices.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for kiosks, displays, clerks, managers and admins.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts that log in with a password (clerks, managers, admins).", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
office_app = typer.Typer(help="Offices: their configuration as an office file.", no_args_is_help=True)
app.add_typer(office_app, name="office")

DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database-url", help="sqlite:///FILE or postgresql://USER@HOST:PORT/DB [env: LOKET_DATABASE_URL]"),
]


def _fail(message: str) -> NoReturn:
    typer.secho(f"loket: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(2)


def _settings(database_url: str | None) -> Settings:
    settings = Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


def _database(settings: Settings):  # type: ignore[no-untyped-def]
    from store import migrate
    from store.database import Database
    from store.engine import make_engine

    try:
        migrate.upgrade(settings.database_url)
    except Exception as exc:  # a database we cannot reach or write: say which and why
        _fail(f"cannot prepare the database {settings.database_url}: {exc}")
    return Database(make_engine(settings.database_url, pool_size=2))


def _load_office_file(path: Path) -> Scenario:
    try:
        with path.open("rb") as f:
            return parse_scenario(tomllib.load(f))
    except OSError as exc:
        _fail(f"cannot read office file {path}: {exc.strerror}")
    except tomllib.TOMLDecodeError as exc:
        _fail(f"office file {path} is not valid TOML: {exc}")
    except DomainError as exc:
        _fail(f"office file {path}: {exc.detail}")


def _now() -> datetime:
    return datetime.now(UTC)


@app.command()
def migrate(database_url: DatabaseOpt = None) -> None:
    """Create or upgrade the database schema."""
    settings = _settings(database_url)
    _database(settings)
    typer.echo(f"database {settings.database_url} is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Processes (above 1 needs PostgreSQL)")] = 1,
    office_file: Annotated[
        list[Path] | None, typer.Option(help="Scenario TOML that creates or updates an office (repeatable)")
    ] = None,
    database_url: DatabaseOpt = None,
    public_url: Annotated[str | None, typer.Option(help="Base URL printed on tickets [env: LOKET_PUBLIC_URL]")] = None,
    limit_concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Connections one process holds before new requests get 503 [env: LOKET_LIMIT_CONCURRENCY; "
            "default: half the file-handle limit, at most 10000]",
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Addresses of the reverse proxies whose X-Forwarded-For/-Proto are believed, comma-separated, "
            "or '*' [env: FORWARDED_ALLOW_IPS; default: 127.0.0.1,::1]",
        ),
    ] = None,
) -> None:
    """Run the office server."""
    from store.admin import apply_scenario
    from store.engine import is_postgres, normalise_url

    settings = _settings(database_url)
    try:
        routing.policy_named(settings.policy)
    except DomainError as exc:
        _fail(f"LOKET_POLICY: {exc.detail}")
    if workers > 1 and not is_postgres(normalise_url(settings.database_url)):
        _fail(
            "--workers above 1 needs PostgreSQL (LOKET_DATABASE_URL=postgresql://...): with SQLite the live "
            "events of one process cannot reach the clients of another"
        )
    scenarios = [_load_office_file(p) for p in office_file or []]
    db = _database(settings)
    for scenario in scenarios:
        typer.echo(f"office {apply_scenario(db, scenario)} set up from its office file")
    db.engine.dispose()
    if limit_concurrency is not None:
        settings = settings.model_copy(update={"limit_concurrency": limit_concurrency})
    _run(settings, host, port, workers, public_url, forwarded_allow_ips)


#: The demo office's manager account (`make demo` prints its password): logs in to /admin and /manage.
DEMO_MANAGER = "manager"

#: File handles kept for what is not a client connection: the database pool, logs, the listening socket.
RESERVED_HANDLES = 100
MAX_DERIVED_CONCURRENCY = 10_000


def _file_handle_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit (workers inherit it) and return it.

    Distributions start services with a soft limit of 1024 and a much higher hard limit: at 1024 a few
    hundred slow clients make `accept` fail, and the server stops answering instead of refusing."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):  # e.g. above the kernel's nr_open: keep what we have
            pass
    return soft


def _concurrency_bound(settings: Settings) -> int:
    """Connections one process holds before uvicorn answers new requests 503 (and closes them).

    Half the file handles: the other half is headroom for connections accepted past the bound, each of
    which needs a handle until its 503 is sent."""
    handles = _file_handle_limit()
    if settings.limit_concurrency is not None:
        return settings.limit_concurrency
    return max(16, min(MAX_DERIVED_CONCURRENCY, (handles - RESERVED_HANDLES) // 2))


def _run(
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    public_url: str | None,
    forwarded_allow_ips: str | None = None,
) -> None:
    import uvicorn

    from api.logs import log_config

    limit_concurrency = _concurrency_bound(settings)
    typer.echo(f"at most {limit_concurrency} connections per process; more get 503")

    # Workers are separate processes: they read their settings from the environment.
    os.environ["LOKET_DATABASE_URL"] = settings.database_url
    os.environ["LOKET_PUBLIC_URL"] = public_url or (
        settings.public_url if "LOKET_PUBLIC_URL" in os.environ else f"http://{host}:{port}"
    )
    os.environ["LOKET_WORKER"] = "1"  # migrations ran above, once
    uvicorn.run(
        "server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ws="auto",
        # Events are a few hundred bytes: compressing each one for every client costs more CPU than it saves.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=1,
        limit_concurrency=limit_concurrency,
        # None: uvicorn's default (FORWARDED_ALLOW_IPS, else loopback only).
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="info",
        log_config=log_config(),
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    database_url: DatabaseOpt = None,
    serve: Annotated[bool, typer.Option(help="Serve the office after setting it up")] = True,
) -> None:
    """Set up the demo office with clerks and tokens, print how to use them, and serve it."""
    from seed import demo_scenario
    from store.admin import add_user, apply_scenario, create_token, revoke_tokens

    settings = _settings(database_url or os.environ.get("LOKET_DATABASE_URL") or "sqlite:///loket-demo.db")
    db = _database(settings)
    scenario = demo_scenario()
    office = apply_scenario(db, scenario)
    now = _now()
    clerk_names = [f"clerk{spec.name}" for spec in scenario.counters]
    # The previous run printed its tokens and passwords to a terminal (and maybe a shared screen or a log):
    # they stop working now, so only the ones printed below open the demo office.
    people = [*clerk_names, DEMO_MANAGER]
    for label in [
        *(f"demo {role.value}" for role in Role),
        *(f"{how} {name}" for name in people for how in ("login", "web login")),
    ]:
        revoke_tokens(db, now, label=label, office=office)
    tokens = {
        role: create_token(db, role, office, now, label=f"demo {role.value}") for role in Role if role is not Role.ADMIN
    }
    clerks = []
    for spec in scenario.counters:
        password = secrets.token_urlsafe(9)
        add_user(db, f"clerk{spec.name}", office, Role.CLERK, password, now)
        clerks.append((f"clerk{spec.name}", password, spec.name, ", ".join(spec.services)))
    manager_password = secrets.token_urlsafe(9)
    add_user(db, DEMO_MANAGER, office, Role.MANAGER, manager_password, now)
    db.engine.dispose()
    base = f"http://127.0.0.1:{port}"
    lines = [
        "",
        f"Loket demo office '{office}' on {settings.database_url}",
        f"  API docs        {base}/docs",
        f"  queue (JSON)    curl -H 'Authorization: Bearer {tokens[Role.DISPLAY]}' {base}/api/offices/{office}/queue",
        f"  live events     {base.replace('http', 'ws')}/ws/offices/{office}?token={tokens[Role.DISPLAY]}",
        f"  display (TV)    {base}/display/{office}?token={tokens[Role.DISPLAY]}&lang=nl,fr",
        f"  administration  {base}/login?next=/admin/{office}   (log in as {DEMO_MANAGER} {manager_password})",
        f"  dashboard       {base}/manage/{office}",
        "",
        "In other terminals",
        f"  kiosk           .venv/bin/loket kiosk --server {base} --token {tokens[Role.KIOSK]} --office {office}",
        f"  clerk terminal  .venv/bin/loket counter --server {base}   (log in as a clerk below)",
        f"  display         .venv/bin/loket display --server {base} --token {tokens[Role.DISPLAY]} --office {office}",
        "",
        "Tokens",
        *(f"  {role.value:<8} {token}" for role, token in tokens.items()),
        "",
        "Clerks (POST /api/login with these; one per counter)",
        *(f"  {user:<8} {pw:<14} counter {name:<2} {skills}" for user, pw, name, skills in clerks),
        "",
        "Try it",
        f"  curl -X POST -H 'Authorization: Bearer {tokens[Role.KIOSK]}' -H 'Content-Type: application/json' "
        f'-d \'{{"service":"A","language":"nl"}}\' {base}/api/offices/{office}/tickets',
        f"  curl -X POST -H 'Authorization: Bearer {tokens[Role.MANAGER]}' {base}/api/counters/1/open",
        f"  curl -X POST -H 'Authorization: Bearer {tokens[Role.MANAGER]}' {base}/api/counters/1/call-next",
        "",
    ]
    typer.echo("\n".join(lines))
    if serve:
        _run(settings, "127.0.0.1", port, 1, None)


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="What the token may do")],
    office: Annotated[
        str | None, typer.Option(help="The office it is for (all offices: admin without --office)")
    ] = None,
    label: Annotated[str, typer.Option(help="A note to recognise it by, e.g. 'kiosk hall'")] = "",
    ttl_hours: Annotated[float | None, typer.Option(min=0.01, help="Expires after this many hours")] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Create a bearer token and print it (only the token, on stdout)."""
    from store.admin import create_token

    db = _database(_settings(database_url))
    try:
        ttl = timedelta(hours=ttl_hours) if ttl_hours else None
        typer.echo(create_token(db, role, office, _now(), label=label, ttl=ttl))
    except DomainError as exc:
        _fail(exc.detail)


@token_app.command("list")
def token_list(database_url: DatabaseOpt = None) -> None:
    """List the tokens (id, role, office, label, dates; never the secrets, which are not kept)."""
    from store.admin import tokens

    db = _database(_settings(database_url))
    typer.echo("id\trole\toffice\tlabel\tcreated\texpires\trevoked")
    for row in tokens(db):
        dates = (
            d.isoformat(timespec="seconds") if d else "-" for d in (row.created_at, row.expires_at, row.revoked_at)
        )
        typer.echo("\t".join([str(row.id), row.role, row.office or "*", row.label or "-", *dates]))


@token_app.command("revoke")
def token_revoke(
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the token itself from stdin (never a command line)")
    ] = False,
    token_id: Annotated[int | None, typer.Option("--id", help="The token's id (see loket token list)")] = None,
    label: Annotated[str | None, typer.Option(help="Every live token with this label")] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Revoke a token: servers refuse it within LOKET_TOKEN_CACHE_S seconds."""
    from store.admin import revoke_token, revoke_tokens

    if sum((stdin, token_id is not None, label is not None)) != 1:
        _fail("say which token: --stdin (the token on standard input), --id ID or --label LABEL")
    db = _database(_settings(database_url))
    if stdin:
        secret = sys.stdin.readline().strip()
        if not secret:
            _fail("no token on standard input")
        if not revoke_token(db, secret, _now()):
            _fail("no such live token (unknown, or revoked already)")
        typer.echo("revoked 1 token", err=True)
        return
    count = revoke_tokens(db, _now(), token_id=token_id, label=label)
    if count == 0:
        _fail(f"no live token with {'id ' + str(token_id) if token_id is not None else 'label ' + repr(label)}")
    typer.echo(f"revoked {count} token{'s' if count > 1 else ''}", err=True)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The login name")],
    office: Annotated[str | None, typer.Option(help="The user's office (none for an admin of all offices)")] = None,
    role: Annotated[Role, typer.Option(help="clerk, manager or admin")] = Role.CLERK,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
    language: Annotated[
        str | None, typer.Option(help="The language their terminal and pages speak: nl, fr or en")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Create a user, or set a user's office, role, password (and language)."""
    from scheduler import administration
    from store.admin import add_user

    if not password_stdin:
        _fail("give the password on standard input with --password-stdin (it never goes on a command line)")
    try:
        chosen = None if language is None else administration.language(language, "--language")
    except DomainError as exc:
        _fail(exc.detail)
    password = sys.stdin.readline().rstrip("\r\n")
    db = _database(_settings(database_url))
    try:
        add_user(db, name, office, role, password, _now(), language=chosen)
    except DomainError as exc:
        _fail(exc.detail)
    typer.echo(f"user {name} ({role.value}{', office ' + office if office else ''}) saved", err=True)


def _toml_value(value: object) -> str:
    """A value written inline (arrays and tables on one line), its scalars as tomli_w writes them."""
    import tomli_w

    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return tomli_w.dumps({"v": value})[len("v = ") : -1]


def _toml_key(key: str) -> str:
    import tomli_w

    return tomli_w.dumps({key: 0})[: -len(" = 0\n")]


def _office_toml(data: dict[str, object]) -> str:
    """An office file as people write them: settings first, then [hours] and [walk_in_by_hour] one line per key,
    then each [[service]] (its checklist a line per language), [[counter]] and [[improvement]], arrays inline."""
    lines = [
        f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict | list) or k == "closed"
    ]
    for table in ("hours", "walk_in_by_hour"):
        found = data.get(table)
        if isinstance(found, dict):
            lines += ["", f"[{table}]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in found.items())]
    for array in ("service", "counter", "improvement"):
        items = data.get(array)
        for item in items if isinstance(items, list) else []:
            lines += ["", f"[[{array}]]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items() if k != "checklist"]
            if item.get("checklist"):  # a line per language: these lists are long
                lines += [f"[{array}.checklist]"]
                lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item["checklist"].items()]
    return "\n".join(lines) + "\n"


@office_app.command("export")
def office_export(
    office: Annotated[str, typer.Argument(help="The office's id, e.g. town")],
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output")] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Write an office's current configuration as an office file (`loket serve --office-file` reads it back)."""
    from scheduler.scenario import office_file
    from store.administration import scenario_of

    db = _database(_settings(database_url))
    try:
        with db.transaction() as session:
            scenario = scenario_of(session, office)
    except DomainError as exc:
        _fail(exc.detail)
    text = f"# Office {office}, exported {_now().isoformat(timespec='seconds')} by `loket office export`.\n"
    text += _office_toml(office_file(scenario))
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}")
    typer.echo(f"office {office} written to {out}", err=True)


booking_app = typer.Typer(help="Appointments booked at the desk.", no_args_is_help=True)
app.add_typer(booking_app, name="booking")


@booking_app.command("add")
def booking_add(
    office: Annotated[str, typer.Option(help="The office the appointment is at")],
    service: Annotated[str, typer.Option(help="The service's code, e.g. A")],
    at: Annotated[
        str, typer.Option("--at", help="When it starts, e.g. 2026-12-01T10:30 (office-local time unless an offset)")
    ],
    language: Annotated[str, typer.Option(help="The citizen's language: nl, fr or en")] = "nl",
    database_url: DatabaseOpt = None,
) -> None:
    """Book an appointment and print its code (what the citizen types at the kiosk to check in)."""
    from zoneinfo import ZoneInfo

    from scheduler import bookings
    from service import public_holidays

    try:
        slot = datetime.fromisoformat(at)
    except ValueError:
        _fail(f"--at {at!r} is not a date and time like 2026-12-01T10:30")
    db = _database(_settings(database_url))
    now = _now()
    try:
        if slot.tzinfo is None:
            slot = slot.replace(tzinfo=ZoneInfo(db.read(lambda repo: repo.office(office)).timezone))
        code = bookings.new_code()
        days = public_holidays.belgian(slot.date() - timedelta(days=1), slot.date() + timedelta(days=1))
        booking, _events = db.write(
            office,
            now,
            lambda repo: bookings.book(
                repo, office, service, slot, language, now, code=code, holidays=days, reachable=False
            ),
        )
    except DomainError as exc:
        _fail(exc.detail)
    finally:
        db.engine.dispose()
    typer.echo(booking.code)


@app.command()
def purge(
    days: Annotated[
        int | None,
        typer.Option(help="Erase what is older than this many days [default: LOKET_PURGE_AFTER_DAYS, 30]", min=0),
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Erase the personal data of past bookings: name, e-mail, phone and the manage link, for every
    appointment more than DAYS ago. The server also does this by itself every day; anonymous counts stay."""
    from service.housekeeping import purge_bookings

    settings = _settings(database_url)
    after = timedelta(days=settings.purge_after_days if days is None else days)
    db = _database(settings)
    try:
        erased = purge_bookings(db, _now(), after)
    finally:
        db.engine.dispose()
    typer.echo(f"erased the personal data of {erased} bookings older than {after.days} days")


@app.command()
def staffing(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario TOML: services, counters and their shifts")],
    arrivals_files: Annotated[
        list[Path], typer.Argument(help="Arrivals CSV of one day, or of several same weekdays (averaged)")
    ],
    interval: Annotated[int, typer.Option(min=5, help="Minutes per row, from the opening time")] = 60,
    target_wait: Annotated[int, typer.Option(min=0, help="Seconds a citizen may wait")] = int(PROMISE.total_seconds()),
    target_share: Annotated[float, typer.Option(min=0.0, max=0.999, help="Share that must wait at most that")] = 0.9,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Counters planned and needed per skill and hour, and how many more to open (Erlang C)."""
    import json

    from i18n.advice import advice_lines
    from scheduler import staffing as plan
    from scheduler.forecast import forecast

    scenario = _load_office_file(scenario_file)
    days = [_read_staffing_arrivals(path) for path in arrivals_files]
    try:
        expected = forecast(scenario, days, interval_s=interval * 60)
        advice = plan.advise(scenario, expected, target_wait_s=target_wait, target_share=target_share)
    except ValueError as exc:
        _fail(str(exc))
    names = {s.code: s.names.get("en", s.code) for s in scenario.services}
    runs = [plan.run_json(run) for run in plan.advice_runs(advice)]
    sentences = advice_lines(runs, names)
    if as_json:
        typer.echo(json.dumps({**staffing_json(advice), "advice": sentences}, ensure_ascii=False))
    else:
        typer.echo(staffing_table(advice, sentences))


def _read_staffing_arrivals(path: Path) -> list[Demand]:
    """The citizens who came, from a workload's arrivals CSV (FORMAT.md)."""
    from scheduler.forecast import visits_from_workload

    return visits_from_workload(_read_arrivals(path))


# The staffing advice as text for people at a terminal, or as JSON for scripts (the scheduler gives it as data).


def staffing_json(advice: StaffingAdvice) -> dict[str, object]:
    """The advice as one JSON object for scripts (`loket staffing --json`); the words are added by the caller."""
    return {
        "scenario": advice.scenario,
        "target_wait_s": advice.target_wait_s,
        "target_share": advice.target_share,
        "interval_s": advice.forecast.interval_s,
        "services": {
            s.code: {
                "mean_service_s": round(s.mean_service_s, 1),
                "scv_service": round(s.scv_service, 3),
                "observed": s.observed,
            }
            for s in advice.forecast.services
        },
        "intervals": [interval_json(iv) for iv in advice.intervals],
    }


#: Below this, planned and needed counters are equal (the planned are sums of shares of an interval).
_SHORT_EPS = 1e-9


def _count(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.1f}"


def _extra_text(extra: Sequence[ExtraCounters]) -> str:
    return ", ".join(f"{e.counters}×{'/'.join(e.skills)}" if e.counters > 1 else "/".join(e.skills) for e in extra)


def _wrap(title: str, items: Sequence[str], width: int = 110) -> list[str]:
    lines = [title]
    for j, item in enumerate(items):
        piece = item + ("," if j < len(items) - 1 else "")
        if len(lines[-1]) + 1 + len(piece) > width:
            lines.append(" " * 8)
        lines[-1] += " " + piece
    return lines


def staffing_table(advice: StaffingAdvice, sentences: Sequence[str] = ()) -> str:
    """A plain-text table: per interval, counters planned/needed per skill ('!' = short), and what to open;
    then the advice in `sentences` (said by the caller, `i18n.advice`)."""
    head = ["time", "came", *advice.services, "all", "open more"]
    rows = [head]
    for iv in advice.intervals:
        cells = [f"{clock(iv.start_s)}-{clock(iv.end_s)}", _count(sum(iv.arrivals.values()))]
        for code in advice.services:
            short = "!" if iv.planned[code] + _SHORT_EPS < iv.needed[code] else ""
            cells.append(f"{_count(iv.planned[code])}/{iv.needed[code]}{short}")
        short = "!" if iv.planned_total + _SHORT_EPS < iv.needed_total else ""
        cells.append(f"{_count(iv.planned_total)}/{iv.needed_total}{short}")
        cells.append(_extra_text(iv.extra) or "-")
        rows.append(cells)
    widths = [max(len(r[j]) for r in rows) for j in range(len(head))]
    table = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    wait = f"{advice.target_wait_s / 60:g} min"
    lines = [
        f"{advice.scenario}: counters planned/needed per skill so that {advice.target_share:.0%} wait at most {wait}",
        "",
        *table,
        "",
        "planned: counters open with the skill (share of the interval; a counter with several skills counts for each)",
        "needed:  counters the service would need as its own pooled queue (Erlang C, Allen-Cunneen correction);",
        "         'all': the whole office as one pool. '!' = fewer planned than needed.",
        "open more: extra counters (one skill each; greedy, then any that the others make unnecessary dropped)",
        "         so that every group of services sharing counters has enough: an approximation, re-simulate it.",
        *_wrap(
            "service times:",
            [
                f"{s.code} {s.mean_service_s:.0f} s (cs² {s.scv_service:.2f}{'' if s.observed else ', planned'})"
                for s in advice.forecast.services
            ],
        ),
    ]
    lines += ["", *sentences] if sentences else ["", "The planned counters suffice all day."]
    return "\n".join(lines)


@app.command()
def kiosk(
    server: Annotated[str, typer.Option(help="The Loket server, e.g. http://127.0.0.1:8000")],
    token: Annotated[str, typer.Option(help="A kiosk token of the office (loket token create --role kiosk)")],
    office: Annotated[str, typer.Option(help="The office's id, e.g. demo")],
    printer: Annotated[str, typer.Option(help="tcp://HOST[:9100], usb:VID:PID, file:/dev/usb/lp0, or none")] = "none",
    paper: Annotated[int, typer.Option(help="Paper width in mm: 80 or 58")] = 80,
    name: Annotated[
        str, typer.Option(help="This kiosk's name: its printer reports and its blocks of offline numbers")
    ] = "kiosk",
    issue: Annotated[
        str | None,
        typer.Option(help="Issue and print one ticket for this service (offline too), print its number last, exit"),
    ] = None,
    language: Annotated[str, typer.Option(help="With --issue: nl, fr or en")] = "nl",
    journal: Annotated[
        str | None,
        typer.Option(
            help="The journal of offline tickets and blocks "
            "(default: $XDG_STATE_HOME/loket/kiosk-OFFICE-NAME.jsonl, else ~/.local/state/loket/...)"
        ),
    ] = None,
    sync: Annotated[
        bool,
        typer.Option("--sync", help="Upload the journal's offline tickets, reserve blocks where low, print a summary"),
    ] = False,
    web: Annotated[bool, typer.Option("--web", help="Serve the kiosk to a browser (textual-serve)")] = False,
    web_host: Annotated[str, typer.Option(help="With --web: the address to listen on")] = "127.0.0.1",
    web_port: Annotated[int, typer.Option(help="With --web: the port")] = 8001,
) -> None:
    """The kiosk: a citizen picks a language and a service, or checks in, and gets a ticket."""
    import sys

    from kiosk.app import KioskConfig
    from kiosk.cli import KioskProblem, SyncProblem, issue_one, run_app, serve_web, sync_now
    from kiosk.journal import default_path

    journal_file = journal or str(default_path(office, name, os.environ))
    config = KioskConfig(
        server=server, token=token, office=office, printer=printer, paper=paper, name=name, journal=journal_file
    )
    try:
        if sync:
            try:
                synced = sync_now(config)
            except SyncProblem as exc:
                _sync_lines(exc.report)
                raise
            _sync_lines(synced.report)
            for reserved in synced.reserved:
                typer.echo(f"reserved {reserved}")
            typer.echo(f"loket: {synced.report.summary()} (journal {journal_file})")
        elif issue is not None:
            if language not in ("nl", "fr", "en"):
                _fail("--language must be nl, fr or en")
            printed = issue_one(config, issue, language)
            if printed.offline:
                typer.secho(
                    f"loket: the server cannot be reached: issued offline from this kiosk's block, journalled in "
                    f"{journal_file} (synced when the server answers: loket kiosk ... --sync)",
                    err=True,
                )
            typer.echo(printed.status_url)
            typer.echo(printed.number)  # the last line: the number
            if printed.printer not in ("ok", "no_printer"):
                typer.secho(f"loket: the ticket was issued but not printed: {printed.printer}", err=True)
        elif web:
            serve_web(config, sys.argv[1:], web_host, web_port)
        else:
            run_app(config)
    except KioskProblem as exc:
        _fail(str(exc))


def _sync_lines(report: SyncReport) -> None:
    """Each ticket `--sync` stored or the server refused, a line each."""
    for number, ticket_id in report.synced:
        note = report.notes.get(number)
        cancelled = " (cancelled: its day had ended)" if number in report.cancelled else ""
        typer.echo(f"synced {number} (ticket {ticket_id}){f' ({note})' if note else ''}{cancelled}")
    for number, code, detail in report.refused:
        typer.echo(f"refused {number}: {code}: {detail}")


@app.command("counter")
def counter_terminal(
    server: Annotated[str, typer.Option(help="The Loket server, e.g. http://127.0.0.1:8000")],
    office: Annotated[str | None, typer.Option(help="The office, for accounts not bound to one (admins)")] = None,
    counter: Annotated[int | None, typer.Option(help="Preselect this counter (its id)")] = None,
    language: Annotated[
        str | None,
        typer.Option(help="nl, fr or en; remembered for the clerk once logged in (else LC_ALL/LANG, then theirs)"),
    ] = None,
) -> None:
    """The clerk terminal: log in, choose your counter, then call and serve with one key per action."""
    from counter.cli import CounterProblem, run

    try:
        run(server, office, counter, language, os.environ)
    except CounterProblem as exc:
        _fail(str(exc))


@app.command("display")
def display_terminal(
    server: Annotated[str, typer.Option(help="The Loket server, e.g. http://127.0.0.1:8000")],
    token: Annotated[str, typer.Option(help="A display token of the office (loket token create --role display)")],
    office: Annotated[str, typer.Option(help="The office's id, e.g. demo")],
    languages: Annotated[
        str, typer.Option(help="Label languages, taking turns every 10 s: nl, fr, en, comma-separated")
    ] = "nl,fr",
) -> None:
    """The waiting-room display in a terminal: the latest call very large, the calls before it, the waits."""
    from display.cli import DisplayProblem, run

    try:
        run(server, token, office, languages)
    except DisplayProblem as exc:
        _fail(str(exc))


@app.command("simulate")
def simulate_day(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario TOML: services, counters and their shifts")],
    arrivals_file: Annotated[Path, typer.Argument(help="Arrivals CSV: the citizens of the day (workloads/FORMAT.md)")],
    policy: Annotated[
        str, typer.Option(help=f"Who a free counter calls: {', '.join(routing.POLICIES)}")
    ] = routing.DEFAULT_POLICY,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with the metrics")] = False,
    return_share: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Share of walk-ins offered 'come back at HH:MM' (wait over 5 min) who accept"
        ),
    ] = 0.0,
    remote_share: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of walk-ins (chosen by id) who join the queue from elsewhere at their arrival time and "
            "come when told",
        ),
    ] = 0.0,
    travel_min: Annotated[
        str, typer.Option(help="Remote joiners' trips: A-B minutes, each drawn from the citizen's id")
    ] = "5-30",
) -> None:
    """Replay one office day through the scheduler's own code and print its metrics."""
    import json

    from scheduler import simulate as replay

    try:
        routing.policy_named(policy)
    except DomainError as exc:
        _fail(f"--policy: {exc.detail}")
    trips = _travel_range(travel_min)
    scenario = _load_office_file(scenario_file)
    arrivals = _read_arrivals(arrivals_file)
    try:
        metrics = replay.simulate(
            scenario, arrivals, policy, return_share=return_share, remote_share=remote_share, travel_min=trips
        ).metrics()
    except DomainError as exc:
        _fail(f"{arrivals_file}: {exc.detail}")
    if as_json:
        typer.echo(json.dumps({"scenario": scenario.name, **metrics}))
    else:
        typer.echo(_metrics_table(scenario.name, metrics))


def _travel_range(text: str) -> tuple[int, int]:
    """`--travel-min A-B` as (A, B) minutes, or a readable message and exit code 2."""
    low, dash, high = text.strip().partition("-")
    if dash and low.strip().isdigit() and high.strip().isdigit() and int(low) <= int(high):
        return int(low), int(high)
    _fail(f"--travel-min: expected A-B minutes with A <= B, e.g. 5-30, not {text!r}")


def _read_arrivals(path: Path) -> tuple[Arrival, ...]:
    """The citizens of an arrivals CSV, or a readable message and exit code 2."""
    from scheduler.workload import parse_arrivals

    try:
        with path.open(newline="", encoding="utf-8") as f:
            return parse_arrivals(f)
    except OSError as exc:
        _fail(f"cannot read arrivals file {path}: {exc.strerror}")
    except UnicodeDecodeError as exc:
        _fail(f"arrivals file {path} is not UTF-8 text: {exc}")
    except DomainError as exc:
        _fail(f"{path}: {exc.detail}")


def _metrics_table(name: str, m: dict[str, float | int | str | None]) -> str:
    def share(key: str) -> str:
        value = m[key]
        return "-" if value is None else f"{100 * float(value):.1f}%"

    def seconds(key: str) -> str:
        value = m[key]
        return "-" if value is None else f"{float(value):.0f} s"

    rows = [
        ("came", str(m["came"]), f"{m['no_shows']} appointments never came"),
        ("served", str(m["served"]), ""),
        ("abandoned", str(m["abandoned"]), f"gave up, or sent home at closing ({m['sent_home']})"),
        ("walkin_sl5", share("walkin_sl5"), f"of {m['walkins']} walk-ins called within 5 min"),
        ("appointment_punctuality", share("appointment_punctuality"), f"of {m['appointments']} appointments"),
        ("mean_wait_s", seconds("mean_wait_s"), ""),
        ("p95_wait_s", seconds("p95_wait_s"), "nearest rank"),
        ("max_wait_s", seconds("max_wait_s"), ""),
        ("estimate_mae_s", seconds("estimate_mae_s"), "wait announced at check-in vs real wait"),
        ("estimate_mae_ql_s", seconds("estimate_mae_ql_s"), "the same for the queue-length baseline"),
        ("estimate_in_range", share("estimate_in_range"), "real waits inside the announced 80% range"),
    ]
    if m["timed_returns"]:
        rows += [
            ("timed_returns", str(m["timed_returns"]), "walk-ins who came back at the time offered"),
            ("in_room_walkin_sl5", share("in_room_walkin_sl5"), "walk-ins called within 5 min in the room"),
            ("in_room_mean_wait_s", seconds("in_room_mean_wait_s"), "waits counted from their return"),
            ("in_room_max_wait_s", seconds("in_room_max_wait_s"), ""),
        ]
    if m["remote_count"]:
        rows += [
            ("remote_count", str(m["remote_count"]), "walk-ins who joined from elsewhere"),
            ("remote_missed", str(m["remote_missed"]), "did not check in in time (no-shows)"),
            ("remote_in_room_sl5", share("remote_in_room_sl5"), "of those who came, called within 5 min of walking in"),
            ("in_room_sl5", share("in_room_sl5"), "everybody, within 5 min of being in the room"),
        ]
    lines = [f"{name}, policy {m['policy']}"]
    lines += [f"  {key:<24} {value:>8}  {note}".rstrip() for key, value, note in rows]
    return "\n".join(lines)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
