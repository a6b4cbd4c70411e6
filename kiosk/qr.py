"""The ticket's QR code drawn on the screen, so a phone can scan it even when no paper comes out."""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from rich.text import Text

# Two modules a character: upper half, lower half (dark modules are drawn in the foreground colour).
_HALVES = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_text(payload: str, *, border: int = 2) -> Text:
    """`payload` as a QR code in half-block characters, black on white (the quiet zone included)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(payload)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    lines = [
        "".join(_HALVES[(top, bottom)] for top, bottom in zip(matrix[i], matrix[i + 1], strict=True))
        for i in range(0, len(matrix), 2)
    ]
    return Text("\n".join(lines), style="black on white", no_wrap=True)
