"""Belgian public holidays for the office calendar, from the `holidays` package (the scheduler gets them as dates)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _year(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("BE", years=year))


def belgian(*days: date) -> frozenset[date]:
    """The Belgian public holidays of the years of `days`."""
    return frozenset().union(*(_year(d.year) for d in days))


def around(day: date) -> frozenset[date]:
    """The public holidays of `day`'s year and its neighbours': an office-local day may lie a date away from UTC's."""
    return belgian(day - timedelta(days=1), day + timedelta(days=1))
