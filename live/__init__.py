"""Live events: the hub (fan-out to websocket clients, healed from the event log), the bus between processes, the
per-office gates, and who follows a status token."""
