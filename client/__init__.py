"""A typed async client for Loket servers: HTTP calls (`LoketClient`) and live office events (`OfficeFeed`).

Kiosk, counter and display apps and the tests talk to the server only through this package.
"""

from client.errors import ClientError, LoketError, Unreachable
from client.http import CounterActionName, Json, LoketClient, TicketActionName
from client.live import OfficeFeed
from client.models import EventType, IssuedTicket, LiveMessage, Snapshot, Ticket

__all__ = [
    "ClientError",
    "CounterActionName",
    "EventType",
    "IssuedTicket",
    "Json",
    "LiveMessage",
    "LoketClient",
    "LoketError",
    "OfficeFeed",
    "Snapshot",
    "Ticket",
    "TicketActionName",
    "Unreachable",
]
