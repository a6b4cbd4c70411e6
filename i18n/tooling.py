"""Catalog upkeep: extract the messages into the template, merge them into the catalogs.

Used by ``python -m i18n`` and the tests; the server never imports it.
"""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, check_and_call_extract_file, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from i18n.catalog import DOMAIN, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
# Citizen-facing code, relative to ROOT; paths that do not exist (yet) are skipped.
SOURCES = ("api", "web", "server.py", "i18n", "kiosk", "counter", "display", "notify")
MAPPING_FILE = "babel.cfg"
LOCALE_DIR = "i18n/locale"
TEMPLATE_FILE = f"{LOCALE_DIR}/{DOMAIN}.pot"
PROJECT = "Loket"
HEADER_COMMENT = """\
# Citizen-facing messages of PROJECT, in English, Dutch and French.
# Refreshed by `python -m i18n update`: translate the msgstr lines, leave the rest.
# This file is distributed under the same license as the PROJECT project.
#"""
WIDTH = 100

# (path relative to ROOT, line, msgid or (singular, plural), translator comments, context)
Extracted = tuple[str, int, str | tuple[str, ...], list[str], str | None]
MethodMap = list[tuple[str, str]]
OptionsMap = dict[str, dict[str, Any]]


def catalog_file(language: str) -> str:
    """The catalog of ``language``, relative to the repository root."""
    return f"{LOCALE_DIR}/{language}/LC_MESSAGES/{DOMAIN}.po"


def read_mapping(root: Path = ROOT) -> tuple[MethodMap, OptionsMap]:
    """The extraction methods and options of ``babel.cfg``."""
    path = root / MAPPING_FILE
    with path.open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(path))  # type: ignore[no-untyped-call]
    return method_map, options_map


def extract_messages(root: Path = ROOT) -> Iterator[Extracted]:
    """Every message in the citizen-facing sources under ``root``, as babel.cfg says."""
    method_map, options_map = read_mapping(root)
    for source in SOURCES:
        path = root / source
        if path.is_dir():
            for filename, lineno, message, comments, context in extract_from_dir(path, method_map, options_map):
                yield f"{source}/{filename}", lineno, message, comments, context
        elif path.is_file():
            yield from check_and_call_extract_file(
                path,
                method_map,
                options_map,
                callback=None,
                keywords=DEFAULT_KEYWORDS,
                comment_tags=(),
                strip_comment_tags=False,
                dirpath=root,
            )


def build_template(root: Path = ROOT) -> Catalog:
    """The message template (``loket.pot``) for the sources under ``root``."""
    template = Catalog(
        domain=DOMAIN,
        header_comment=HEADER_COMMENT,
        project=PROJECT,
        version=_version(root),
        charset="utf-8",
        fuzzy=False,
    )
    for filename, lineno, message, comments, context in extract_messages(root):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def merge(template: Catalog, language: str, current: Catalog | None) -> Catalog:
    """``current`` (or a new catalog) brought in line with ``template``.

    New messages come in untranslated, messages gone from the template are
    dropped, and a message whose English changed keeps its old translation
    marked fuzzy for a translator to check. (The old English is not written as
    ``#|``: Babel would read it back as a translator comment and keep it forever.)
    In English every untranslated or fuzzy message simply becomes its msgid.
    """
    catalog = current or Catalog(
        locale=language,
        domain=DOMAIN,
        header_comment=HEADER_COMMENT,
        project=template.project,
        version=template.version,
        charset="utf-8",
        fuzzy=False,
    )
    catalog.project, catalog.version = template.project, template.version
    catalog.update(template)
    catalog.obsolete.clear()
    if language == "en":
        for message in catalog:
            if not message.id:
                continue
            if message.fuzzy or not _translated(message.string):
                message.string = message.id
                message.flags.discard("fuzzy")
    return catalog


def write_template(root: Path = ROOT) -> bool:
    """Refresh only the template under ``root``; whether it changed."""
    return _write(root / TEMPLATE_FILE, build_template(root))


def update(root: Path = ROOT) -> list[str]:
    """Refresh the template and the catalogs under ``root``; the files that changed."""
    template = build_template(root)
    changed = []
    if _write(root / TEMPLATE_FILE, template):
        changed.append(TEMPLATE_FILE)
    for language in LANGUAGES:
        path = root / catalog_file(language)
        current = read_catalog(path, language) if path.exists() else None
        if _write(path, merge(template, language, current)):
            changed.append(catalog_file(language))
    return changed


@dataclass(frozen=True)
class Progress:
    language: str
    messages: int
    untranslated: int
    fuzzy: int


def progress(root: Path = ROOT) -> list[Progress]:
    """How far each catalog under ``root`` is translated."""
    report = []
    for language in LANGUAGES:
        catalog = read_catalog(root / catalog_file(language), language)
        messages = [message for message in catalog if message.id]
        report.append(
            Progress(
                language=language,
                messages=len(messages),
                untranslated=sum(not _translated(message.string) for message in messages),
                fuzzy=sum(message.fuzzy for message in messages),
            )
        )
    return report


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN, abort_invalid=True)


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if string is None or isinstance(string, str):
        return bool(string)
    return bool(string) and all(string)


_DATE_HEADER = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date): .*$', re.MULTILINE)


def _write(path: Path, catalog: Catalog) -> bool:
    """Write ``catalog`` to ``path`` unless only its dates would change."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, ignore_obsolete=True, include_lineno=False)
    new = buffer.getvalue()
    if path.exists() and _DATE_HEADER.sub(b"", path.read_bytes()) == _DATE_HEADER.sub(b"", new):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(new)
    return True


def _version(root: Path) -> str | None:
    try:
        with (root / "pyproject.toml").open("rb") as pyproject:
            version = tomllib.load(pyproject).get("project", {}).get("version")
    except FileNotFoundError:
        return None
    return version if isinstance(version, str) else None
