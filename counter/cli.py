"""`loket counter`: the clerk terminal, in the language chosen with --language or the environment's.

`python -m counter` runs the same (see counter/__main__.py)."""

from __future__ import annotations

from collections.abc import Mapping

from counter.app import CounterApp, CounterConfig
from i18n import DEFAULT_LANGUAGE, LANGUAGES


class CounterProblem(Exception):
    """Something a person must fix (a bad option): said in one line."""


def parse_language(text: str | None) -> str | None:
    """`--language`: nl, fr or en (any case); None when not given."""
    if text is None or not text.strip():
        return None
    language = text.strip().lower()
    if language not in LANGUAGES:
        raise CounterProblem(f"--language: {text!r} is not one of {', '.join(LANGUAGES)}")
    return language


def environment_language(environ: Mapping[str, str]) -> str:
    """The login screen's language when none is chosen: LC_ALL, else LANG (e.g. `fr_BE.UTF-8` -> fr), as the
    C library reads them; English when they name none of nl, fr, en (or `C`, `POSIX`)."""
    for name in ("LC_ALL", "LANG"):
        value = environ.get(name, "").strip()
        if value:
            primary = value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
            return primary if primary in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def config(
    server: str, office: str | None, counter: int | None, language: str | None, environ: Mapping[str, str]
) -> CounterConfig:
    return CounterConfig(
        server=server,
        office=office,
        counter=counter,
        language=parse_language(language),
        login_language=environment_language(environ),
    )


def run(server: str, office: str | None, counter: int | None, language: str | None, environ: Mapping[str, str]) -> None:
    """Run the clerk terminal until the clerk quits (Ctrl+Q)."""
    CounterApp(config(server, office, counter, language, environ)).run()
