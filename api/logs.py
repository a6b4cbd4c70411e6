"""Log set-up for `loket serve`: uvicorn's format, with secrets taken out of logged URLs."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

_SECRET = re.compile(r"(?<=[?&]token=)[^&\s\"]+")


class RedactTokens(logging.Filter):
    """Websocket clients may carry their token in `?token=`; it must not land in access logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_SECRET.sub("***", a) if isinstance(a, str) else a for a in record.args)
        record.msg = _SECRET.sub("***", str(record.msg))
        return True


def log_config() -> dict[str, Any]:
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": RedactTokens}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_tokens")
    return config
