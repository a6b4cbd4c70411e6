"""Citizen pages, rendered on the server: they work without JavaScript and in nl, fr and en."""
