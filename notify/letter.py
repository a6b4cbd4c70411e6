"""The layout of an e-mail to a citizen, written once and rendered as plain text and as HTML.

The words come from ``notify.compose`` (already translated); this module only places them. Every value is
escaped in the HTML: service and office names, the citizen's name and the checklist are typed by people.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Link:
    sentence: str  # what the link does, e.g. "To see, move or cancel your appointment:"
    url: str


@dataclass(frozen=True)
class Letter:
    language: str
    subject: str
    greeting: str
    lead: str
    details: tuple[tuple[str, str], ...]  # (label, value), e.g. ("Service", "Passports")
    checklist_title: str
    checklist: tuple[str, ...]  # left out, title and all, when empty
    notes: tuple[str, ...]
    links: tuple[Link, ...]
    closing: str
    signature: str


def as_text(letter: Letter, labelled: str) -> str:
    """Plain text; ``labelled`` is the translated "%(label)s: %(value)s" (French puts a space before the colon)."""
    blocks = [letter.greeting, letter.lead]
    blocks.append("\n".join(labelled % {"label": label, "value": value} for label, value in letter.details))
    if letter.checklist:
        blocks.append("\n".join([letter.checklist_title, *(f"- {item}" for item in letter.checklist)]))
    blocks.extend(letter.notes)
    # Each link alone on its line: mail programs make it clickable, and long links survive line wrapping.
    blocks.extend(f"{link.sentence}\n{link.url}" for link in letter.links)
    blocks.append(f"{letter.closing}\n{letter.signature}")
    return "\n\n".join(blocks) + "\n"


def as_html(letter: Letter) -> str:
    """A plain HTML page (no images, no styles beyond spacing) with the same content as ``as_text``."""
    rows = "\n".join(
        f'<tr><th scope="row" style="text-align:left;padding-right:1em">{escape(label)}</th>'
        f"<td>{escape(value)}</td></tr>"
        for label, value in letter.details
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(letter.language)}">',
        f'<head><meta charset="utf-8"><title>{escape(letter.subject)}</title></head>',
        "<body>",
        f"<p>{escape(letter.greeting)}</p>",
        f"<p>{escape(letter.lead)}</p>",
        f"<table>\n{rows}\n</table>",
    ]
    if letter.checklist:
        items = "".join(f"<li>{escape(item)}</li>" for item in letter.checklist)
        parts += [f"<p>{escape(letter.checklist_title)}</p>", f"<ul>{items}</ul>"]
    parts += [f"<p>{escape(note)}</p>" for note in letter.notes]
    for link in letter.links:
        anchor = f'<a href="{escape(link.url)}">{escape(link.url)}</a>'
        parts.append(f"<p>{escape(link.sentence)}<br>{anchor}</p>")
    parts += [f"<p>{escape(letter.closing)}<br>{escape(letter.signature)}</p>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
