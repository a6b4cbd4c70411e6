"""QR codes drawn as inline SVG: the booking code on the booked appointment's page, for the kiosk's scanner."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from markupsafe import Markup
from qrcode.constants import ERROR_CORRECT_M


def qr_svg(payload: str) -> Markup:
    """`payload` as an inline SVG QR code (for the kiosk's scanner), without the XML declaration."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(payload)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return Markup(svg[svg.index("<svg") :])  # drawn by qrcode from a booking code: no user text
