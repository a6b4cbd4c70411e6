"""Ticket printing: the pure layout, and the python-escpos adapter against a real TCP listener on loopback."""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.printing import printer as printer_module
from kiosk.printing.layout import COLUMNS, Block, Cut, Qr, Text, TicketPrint, ticket_blocks
from kiosk.printing.printer import (
    FileSpec,
    InvalidPrinterSpec,
    NoPrinterSpec,
    PrinterState,
    PrinterStatus,
    TcpSpec,
    UsbSpec,
    parse_printer_spec,
    print_ticket,
)

STATUS_URL = "https://loket.example.be/t/7f3a9c2e?office=demo&lang=fr"
LONG_SERVICE = (
    "Verblijfsvergunning voor onderdanen van derde landen / Titre de séjour pour ressortissants de pays tiers"
)


def make_ticket(**changes: object) -> TicketPrint:
    ticket = TicketPrint(
        office_name="Maison communale de Demo — Gemeentehuis Demo",
        number="A012",
        service_name="Carte d'identité",
        issued_at=datetime(2026, 3, 3, 13, 5, tzinfo=UTC),
        timezone="Europe/Brussels",
        people_ahead=3,
        estimated_wait_s=250,
        status_url=STATUS_URL,
        language="fr",
        paper_width=80,
    )
    return dataclasses.replace(ticket, **changes)  # type: ignore[arg-type]


def texts(blocks: Sequence[Block]) -> list[Text]:
    return [block for block in blocks if isinstance(block, Text)]


# --- layout -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("paper_width", [80, 58])
def test_the_number_is_the_largest_text_on_the_ticket(paper_width: int) -> None:
    lines = texts(ticket_blocks(make_ticket(paper_width=paper_width)))
    number = next(line for line in lines if line.text == "A012")
    others = [line for line in lines if line is not number]
    expected = {80: (4, 4), 58: (3, 3)}[paper_width]
    assert number.size == expected
    assert all(line.size[0] < number.size[0] and line.size[1] < number.size[1] for line in others)


@pytest.mark.parametrize("paper_width", [80, 58])
@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_line_fits_the_paper_width_and_long_service_names_wrap(paper_width: int, language: str) -> None:
    ticket = make_ticket(paper_width=paper_width, language=language, service_name=LONG_SERVICE)
    lines = texts(ticket_blocks(ticket))
    columns = COLUMNS[paper_width]
    for line in lines:
        assert len(line.text) * line.size[0] <= columns, line
    service_lines = [line.text for line in lines if line.size == (1, 2)]
    assert len(service_lines) > 1
    assert " ".join(service_lines) == LONG_SERVICE


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "nl",
            [
                "Wachtenden voor u: 3",
                "Geschatte wachttijd: ± 5 min",
                "Scan de code om uw beurt te volgen.",
                "Bewaar dit ticket.",
            ],
        ),
        (
            "fr",
            [
                "Personnes avant vous : 3",
                "Attente estimée : ± 5 min",
                "Scannez le code pour suivre votre tour.",
                "Gardez ce ticket.",
            ],
        ),
        (
            "en",
            [
                "People ahead of you: 3",
                "Estimated wait: ± 5 min",
                "Scan the code to follow your turn.",
                "Keep this ticket.",
            ],
        ),
    ],
)
def test_the_ticket_speaks_the_chosen_language(language: str, expected: list[str]) -> None:
    lines = [line.text for line in texts(ticket_blocks(make_ticket(language=language)))]
    for text in expected:
        assert text in lines


@pytest.mark.parametrize(
    ("issued_at", "shown"),
    [
        (datetime(2026, 3, 3, 13, 5, tzinfo=UTC), "03/03/2026 14:05"),  # winter: UTC+1
        (datetime(2026, 7, 1, 21, 59, tzinfo=UTC), "01/07/2026 23:59"),  # summer: UTC+2
        (datetime(2026, 7, 1, 22, 30, tzinfo=UTC), "02/07/2026 00:30"),  # the Brussels date, not the UTC date
    ],
)
def test_the_time_is_shown_in_the_offices_time_zone(issued_at: datetime, shown: str) -> None:
    lines = [line.text for line in texts(ticket_blocks(make_ticket(issued_at=issued_at)))]
    assert shown in lines


@pytest.mark.parametrize(("paper_width", "qr_size"), [(80, 8), (58, 6)])
def test_the_status_url_is_a_large_qr_code_and_the_ticket_ends_with_a_cut(paper_width: int, qr_size: int) -> None:
    blocks = ticket_blocks(make_ticket(paper_width=paper_width))
    assert [block for block in blocks if isinstance(block, Qr)] == [Qr(STATUS_URL, size=qr_size)]
    assert isinstance(blocks[-1], Cut)


@pytest.mark.parametrize(
    "changes",
    [
        {"issued_at": datetime(2026, 3, 3, 13, 5)},
        {"language": "de"},
        {"paper_width": 76},
        {"people_ahead": -1},
    ],
    ids=["naive-time", "language", "paper", "negative"],
)
def test_a_ticket_with_impossible_values_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        make_ticket(**changes)


# --- printer specs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("tcp://192.168.1.50:9100", TcpSpec("192.168.1.50", 9100)),
        ("tcp://printer.local", TcpSpec("printer.local", 9100)),
        ("tcp://[::1]:9101", TcpSpec("::1", 9101)),
        ("usb:04b8:0e15", UsbSpec(0x04B8, 0x0E15)),
        ("usb:0x0416:0x5011", UsbSpec(0x0416, 0x5011)),
        ("file:/dev/usb/lp0", FileSpec("/dev/usb/lp0")),
        ("file:///dev/usb/lp0", FileSpec("/dev/usb/lp0")),
        ("none", NoPrinterSpec()),
    ],
)
def test_printer_specs_are_parsed(spec: str, parsed: object) -> None:
    assert parse_printer_spec(spec) == parsed


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "lpt1",
        "tcp://",
        "tcp://host:port",
        "tcp://host:70000",
        "tcp://host:0",
        "usb:04b8",
        "usb:xyz:0e15",
        "file:lp0",
    ],
)
def test_an_invalid_spec_raises_a_clear_error_naming_it_and_the_accepted_forms(spec: str) -> None:
    with pytest.raises(InvalidPrinterSpec) as raised:
        parse_printer_spec(spec)
    message = str(raised.value)
    assert repr(spec) in message
    for form in ("tcp://HOST[:PORT]", "usb:VID:PID", "file:", "none"):
        assert form in message
    assert isinstance(raised.value, ValueError)
    with pytest.raises(InvalidPrinterSpec):
        print_ticket(spec, make_ticket())


# --- a real TCP printer on loopback -------------------------------------------------------------------------

DLE_EOT = b"\x10\x04"
# Status bytes always have bits 1 and 4 set (0x12). DLE EOT 2, offline cause: bit 2 = cover open.
# DLE EOT 4, paper sensor: bits 2-3 = near end, bits 5-6 = paper out (python-escpos masks 0x1E and 0x72).
COVER_CLOSED, COVER_OPEN = 0x12, 0x16
PAPER_OK, PAPER_NEAR_END, PAPER_OUT = 0x12, 0x1E, 0x72


class FakeNetworkPrinter:
    """A raw-TCP "printer" on 127.0.0.1: records every byte and answers DLE EOT n status requests."""

    def __init__(self, *, cover: int = COVER_CLOSED, paper: int = PAPER_OK, answers: bool = True) -> None:
        self.replies = {1: 0x16, 2: cover, 3: 0x12, 4: paper}
        self.answers = answers
        self.received = bytearray()
        self.status_requests: list[int] = []
        self.closed = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def spec(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        with self._server:
            connection, _ = self._server.accept()
            with connection:
                scanned = 0
                while chunk := connection.recv(65536):
                    self.received += chunk
                    while (found := self.received.find(DLE_EOT, scanned)) != -1 and found + 2 < len(self.received):
                        n = self.received[found + 2]
                        scanned = found + 3
                        if n in self.replies:
                            self.status_requests.append(n)
                            if self.answers:
                                connection.sendall(bytes([self.replies[n]]))
        self.closed.set()

    def stop(self) -> None:
        """Unblock and end the server thread if no client ever connected."""
        if self._thread.is_alive() and not self.closed.is_set():
            with socket.create_connection(("127.0.0.1", self.port)):
                pass
        self._thread.join(timeout=5)

    def output(self) -> bytes:
        """Everything received, once the client has closed the connection."""
        assert self.closed.wait(timeout=5), "the printer connection was not closed"
        return bytes(self.received)


@pytest.fixture
def fake_printer() -> Iterator[FakeNetworkPrinter]:
    fake = FakeNetworkPrinter()
    yield fake
    fake.stop()


def qr_payloads(data: bytes) -> list[bytes]:
    """The data of every GS ( k <pL> <pH> cn=49 fn=80 m=48 (store QR data) command."""
    payloads = []
    position = 0
    while (found := data.find(b"\x1d(k", position)) != -1:
        length = data[found + 3] + 256 * data[found + 4]
        body = data[found + 5 : found + 5 + length]
        if body[:3] == b"1P0":
            payloads.append(body[3:])
        position = found + 5 + length
    return payloads


def test_a_ticket_reaches_a_network_printer_with_its_number_accents_and_qr(fake_printer: FakeNetworkPrinter) -> None:
    state = print_ticket(fake_printer.spec, make_ticket())
    data = fake_printer.output()

    assert state == PrinterState(PrinterStatus.OK)
    assert fake_printer.status_requests == [2, 4]
    assert data.startswith(b"\x10\x04\x02\x10\x04\x04\x1b@")  # status first, then ESC @
    assert b"A012" in data
    select_cp858 = b"\x1bt\x13"  # ESC t 19: CP858 in the TM-T20II profile
    assert b"Carte d'identit\x82" in data
    assert data.index(select_cp858) < data.index(b"Carte d'identit\x82")
    assert b"Attente estim\x82e : \xf1 5 min" in data
    assert b"Maison communale de Demo - Gemeentehuis Demo" in data  # the em dash is not in CP858
    assert qr_payloads(data) == [STATUS_URL.encode()]
    assert b"\x1ba\x01\x1d(k" in data  # centred (ESC a 1) right before the native QR commands
    assert b"\x1d(k\x03\x001C\x08" in data  # module size 8 on 80 mm
    assert b"\x1dV" in data  # cut


def test_a_58_mm_ticket_uses_a_58_mm_profile_with_the_same_code_page(fake_printer: FakeNetworkPrinter) -> None:
    state = print_ticket(fake_printer.spec, make_ticket(paper_width=58))
    data = fake_printer.output()
    assert state.printed
    assert data.index(b"\x1bt\x13") < data.index(b"Carte d'identit\x82")
    assert b"\x1d(k\x03\x001C\x06" in data
    assert qr_payloads(data) == [STATUS_URL.encode()]


@pytest.mark.parametrize(
    ("cover", "paper", "expected"),
    [
        (COVER_CLOSED, PAPER_OUT, PrinterState(PrinterStatus.PAPER_OUT)),
        (COVER_OPEN, PAPER_OK, PrinterState(PrinterStatus.COVER_OPEN)),
        (COVER_CLOSED, PAPER_NEAR_END, PrinterState(PrinterStatus.OK, paper_low=True)),
    ],
    ids=["paper-out", "cover-open", "paper-near-end"],
)
def test_the_printer_status_is_checked_before_printing(cover: int, paper: int, expected: PrinterState) -> None:
    fake = FakeNetworkPrinter(cover=cover, paper=paper)
    state = print_ticket(fake.spec, make_ticket())
    data = fake.output()
    assert state == expected
    assert (b"A012" in data) is expected.printed


def test_a_printer_that_never_answers_status_requests_still_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printer_module, "TIMEOUT_S", 0.2)
    fake = FakeNetworkPrinter(answers=False)
    state = print_ticket(fake.spec, make_ticket())
    assert state == PrinterState(PrinterStatus.OK)
    assert qr_payloads(fake.output()) == [STATUS_URL.encode()]


def test_a_closed_port_is_unreachable_at_once_without_raising() -> None:
    with socket.socket() as bound_not_listening:  # connections to it are refused; nobody else can take the port
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        state = print_ticket(f"tcp://127.0.0.1:{port}", make_ticket())
    assert state.status is PrinterStatus.UNREACHABLE
    assert "127.0.0.1" in state.detail


def test_no_printer_is_a_state_not_an_error() -> None:
    assert print_ticket("none", make_ticket()) == PrinterState(PrinterStatus.NO_PRINTER)
    assert print_ticket(None, make_ticket()) == PrinterState(PrinterStatus.NO_PRINTER)


def test_a_file_printer_receives_the_same_bytes(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    state = print_ticket(f"file:{device}", make_ticket())
    assert state.printed
    data = device.read_bytes()
    assert data.startswith(b"\x1b@\x1bt\x13")  # no status request on a write-only device
    assert qr_payloads(data) == [STATUS_URL.encode()]


def test_a_missing_device_file_is_unreachable_without_raising(tmp_path: Path) -> None:
    state = print_ticket(f"file:{tmp_path}/no-such-dir/lp0", make_ticket())
    assert state.status is PrinterStatus.UNREACHABLE


def test_a_reused_printer_selects_the_code_page_again_for_every_ticket(fake_printer: FakeNetworkPrinter) -> None:
    printer = printer_module.open_printer(fake_printer.spec)
    assert printer is not None
    try:
        assert print_ticket(printer, make_ticket()).printed
        assert print_ticket(printer, make_ticket(number="A013")).printed
    finally:
        printer.close()
    data = fake_printer.output()
    second = data.index(b"A013")
    assert data.count(b"\x1b@\x1bt\x13") == 2
    assert data.rindex(b"\x1b@\x1bt\x13") < second
