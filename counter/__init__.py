"""The clerk terminal: call the next citizen, serve, transfer, park, pause — keyboard-first, live."""
