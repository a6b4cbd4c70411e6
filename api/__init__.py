"""The HTTP and websocket edge: parse, call a use case, map its error, return."""
