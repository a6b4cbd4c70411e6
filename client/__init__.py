"""A typed async client for Loket servers: HTTP calls (`LoketClient`) and live office events (`OfficeFeed`).

Kiosk, counter and display apps and the tests talk to the server only through this package.
"""

from client.errors import ClientError, LoketError, Unreachable
from client.http import CounterActionName, Json, LoketClient, TicketActionName
from client.live import OfficeFeed

__all__ = [
    "ClientError",
    "CounterActionName",
    "Json",
    "LoketClient",
    "LoketError",
    "OfficeFeed",
    "TicketActionName",
    "Unreachable",
]
