"""Kiosk app: issues walk-in tickets on a touch screen and prints them."""
