"""`/ideas/{office}`: citizens' ideas for the office, to read, propose and vote (issue 17).

Complete without JavaScript: the list (most votes first, with each idea's state and the office's answer), a
vote button per idea and a form to propose, all plain forms posting to the page itself (the same-origin rules
of every citizen form apply: api/origin.py) and answered with a 303 back to it, or the page again with the
refusal in words and what was typed kept. The status page and the happiness question link here with
`?token=`, the visit's status token (or a booking's manage token), which is traded for a cookie of this page
(web/token_cookie.py) so that it leaves the address bar. Without a token the page still lists the ideas and
says where to open it from. The rules and writes are service/ideas.py, as for the JSON API (api/ideas.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PartsDep, client_of
from api.errors import refusal_of
from i18n import messages, pgettext
from i18n.messages import N_, NC_
from scheduler import ideas as rules
from scheduler.errors import DomainError, NotFound
from scheduler.model import Office
from service import ideas
from service.changes import read
from service.parts import Parts
from web.page import LANGUAGE_NAMES, Page, form_fields, path
from web.token_cookie import to_trade, token_of, traded

router = APIRouter(tags=["citizen pages"], include_in_schema=False)

#: The page's cookie holding the visit's token (its path is the page's own: /ideas/{office}).
COOKIE = "loket_visit"
#: What a 303 back to the page says was done (`?done=`).
DONE = ("proposed", "voted")

# Refusals, in words.
SAYING = {
    "not_a_visitor": N_(
        "We could not find your visit to this office in the last 30 days. To propose an idea or vote, open this "
        "page from your ticket's status page or from your booking."
    ),
    "already_voted": N_("You already voted for this idea."),
    "idea_not_found": N_("This idea is no longer on the list."),
    "too_many_ideas": N_("You already proposed 3 ideas for this visit. Thank you! You can still vote."),
    "too_many_requests": N_("Too many ideas were sent from your connection in the last hour. Please try again later."),
    "text_required": N_("Write your idea."),
    "text_too_long": N_("Your idea is too long: write at most 500 characters."),
    "invalid_language": N_("Choose the language of your idea."),
}
#: The field of the propose form a refusal is about.
FIELD_OF = {"text_required": "text", "text_too_long": "text", "invalid_language": "language"}
# Translators: the state of a citizen's idea, as the office's answer set it.
STATES = {
    "open": NC_("idea state", "Open"),
    "planned": NC_("idea state", "Planned"),
    "done": NC_("idea state", "Done"),
    "declined": NC_("idea state", "Declined"),
}


async def _office(parts: Parts, office: str) -> Office:
    return await read(parts, lambda repo: repo.office(office))


def _render(
    page: Page,
    office: Office,
    listed: list[rules.Idea],
    token: str | None,
    *,
    done: str | None = None,
    problem: tuple[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The page; `problem`: (field or "" for the page, refusal code)."""
    field, code = problem or ("", "")
    words = page._(SAYING.get(code, messages.BOOK_SOMETHING_WRONG)) if code else ""
    shown: list[dict[str, Any]] = [
        {
            **rules.public_view(i),
            "day_words": page.day(i.day),
            "state_words": pgettext(page.language, *STATES[i.state.value]),
        }
        for i in listed
    ]
    return page.render(
        "ideas.html",
        status=status,
        office=office,
        ideas=shown,
        visitor=token is not None,
        done=done if done in DONE else None,
        errors={field: words} if field else {},
        summary=[(field, words)] if words else [],
        values={"language": page.language, **(values or {})},
        languages=[(code, LANGUAGE_NAMES[code]) for code in rules.LANGUAGES],
        max_text=rules.MAX_TEXT,
        per_visit=rules.IDEAS_PER_VISIT,
        action=page.url(path("ideas", office.id)),
    )


@router.get("/ideas/{office}", response_class=HTMLResponse)
async def ideas_page(
    office: str, request: Request, parts: PartsDep, lang: str | None = None, done: str | None = None
) -> Response:
    """The office's ideas in the citizen's language (`?lang=`); `?token=` is traded for the page's cookie."""
    page = Page.of(request, lang)
    try:
        found = await _office(parts, office)
        listed = await ideas.listed(parts, office)
    except DomainError as exc:
        return page.refusal(exc)
    token = token_of(request, COOKIE)
    if to_trade(request) and token:
        return traded(request, COOKIE, token, max_age=None)
    return _render(page, found, listed, token, done=done)


@router.post("/ideas/{office}", response_class=HTMLResponse)
async def ideas_form(office: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    """A vote (`vote` = the idea's id) or a proposal (`text`, `language`), as the visit the cookie (or a `token`
    field) proves."""
    page = Page.of(request, lang)
    form = await form_fields(request)
    token = request.cookies.get(COOKIE) or form.get("token", "")[:64] or None
    values = {"text": form.get("text", "")[: rules.MAX_TEXT * 2], "language": form.get("language", "")[:8]}
    voting = form.get("vote", "")
    try:
        found = await _office(parts, office)
    except DomainError as exc:
        return page.refusal(exc)
    headers: dict[str, str] = {}
    try:
        if token is None:
            raise rules.NotAVisitor("no visit's token came with the form")
        if voting:
            if not voting.isdigit() or len(voting) > 18:
                raise NotFound(f"no idea {voting!r}", code="idea_not_found")
            # An idea of another office: the token would have to prove a visit there too (NotAVisitor).
            await ideas.vote(parts, int(voting), token)
            return page.redirect(path("ideas", office), done="voted")
        await ideas.propose(parts, office, token, values["text"], values["language"], client_of(request))
        return page.redirect(path("ideas", office), done="proposed")
    except DomainError as exc:
        status, headers = refusal_of(exc)
        problem = (FIELD_OF.get(exc.code, ""), exc.code)
    listed = await ideas.listed(parts, office)
    response = _render(page, found, listed, token, problem=problem, values=values, status=status)
    response.headers.update(headers)
    return response
