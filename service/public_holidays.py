"""Belgian public holidays for the office calendar, from the `holidays` package (the scheduler gets them as dates)."""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays


@cache
def _year(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("BE", years=year))


def belgian(*days: date) -> frozenset[date]:
    """The Belgian public holidays of the years of `days`."""
    return frozenset().union(*(_year(d.year) for d in days))
