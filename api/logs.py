"""Log set-up for `loket serve`: uvicorn's format, with secrets taken out of logged URLs."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

_SECRET = re.compile(r"(?<=[?&]token=)[^&\s\"]+")
# The ticket's status token and the booking's manage token are path segments: each is the key to a citizen's
# ticket or appointment.
_PATH_SECRET = re.compile(r"(/t/|/api/status/|/booking/|/api/bookings/)[^/?\s\"]+")


def redact(text: str) -> str:
    return _PATH_SECRET.sub(r"\1***", _SECRET.sub("***", text))


class RedactTokens(logging.Filter):
    """Tokens in `?token=` (websocket clients, displays) and in the paths of citizens' pages must not land in
    the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


def log_config() -> dict[str, Any]:
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": RedactTokens}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_tokens")
    return config
