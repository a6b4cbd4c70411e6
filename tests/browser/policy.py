"""What a page's Content-Security-Policy refused, as Chromium reports it: every refusal is written to the
console ("Refused to ... because it violates the following Content Security Policy directive") or thrown
(an EvalError), so a page that works under its policy reports nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.async_api import ConsoleMessage, Error, Page, Request


@dataclass
class Watch:
    violations: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def _error(self, error: Error) -> None:
        if "Content Security Policy" in str(error):
            self.violations.append(str(error))

    def _request(self, request: Request) -> None:
        self.requested.append(request.url)


def watch(page: Page) -> Watch:
    """Start recording before the page is opened."""
    seen = Watch()
    page.on("console", seen._console)
    page.on("pageerror", seen._error)
    page.on("request", seen._request)
    return seen
