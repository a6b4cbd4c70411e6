"""Secrets in websocket URLs never reach the access log."""

from __future__ import annotations

import logging

from api.logs import RedactTokens


def test_access_log_hides_the_token_in_a_websocket_url() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/ws/offices/demo?since=4&token=s3cr3t-Token_x", "1.1", 101),
        None,
    )
    assert RedactTokens().filter(record)
    line = record.getMessage()
    assert "s3cr3t" not in line
    assert "/ws/offices/demo?since=4&token=***" in line
