"""How money, dates and periods are written, in one place so every document agrees.

"5 January 2027", "£1,234.50", "£1,234.50 a week". Easy read drops the pence when
there are none ("£120") and names the day ("Monday 5 January 2027").
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from doctool.model.common import Period

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

PERIOD_PHRASE = {
    Period.weekly: "a week",
    Period.four_weekly: "every 4 weeks",
    Period.annual: "a year",
    "weekly": "a week",
    "four_weekly": "every 4 weeks",
    "monthly": "a month",
    "annual": "a year",
    "one_off": "as one payment",
}

#: Weeks in each period, to compare amounts stated over different periods.
WEEKS_IN = {"weekly": Decimal(1), "four_weekly": Decimal(4), "monthly": Decimal(52) / 12, "annual": Decimal(52)}

PENNY = Decimal("0.01")


def long_date(value: dt.date) -> str:
    """5 January 2027."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def day_date(value: dt.date) -> str:
    """Monday 5 January 2027 (easy read)."""
    return f"{_DAYS[value.weekday()]} {long_date(value)}"


def money(value: Decimal) -> str:
    """£1,234.50."""
    q = value.quantize(PENNY, rounding=ROUND_HALF_UP)
    return f"£{q:,.2f}"


def easy_money(value: Decimal) -> str:
    """£120 when whole pounds, otherwise £120.50."""
    q = value.quantize(PENNY, rounding=ROUND_HALF_UP)
    return f"£{q:,.0f}" if q == q.to_integral_value() else f"£{q:,.2f}"


def money_per(value: Decimal, period: Period | str) -> str:
    """£1,234.50 a week."""
    return f"{money(value)} {PERIOD_PHRASE[period]}"


def per_week(value: Decimal, period: Period | str) -> Decimal:
    """Convert an amount over ``period`` into a weekly amount (unrounded)."""
    key = period.value if isinstance(period, Period) else period
    return value / WEEKS_IN[key]


def add_days(value: dt.date, days: int) -> dt.date:
    """``days`` later (or earlier), clamped to the calendar's ends instead of raising OverflowError."""
    try:
        return value + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def add_months(value: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's end (31 Aug + 6 -> 28/29 Feb)."""
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    if year > dt.MAXYEAR:
        return dt.date.max  # later than any real date: comparisons still work
    if year < dt.MINYEAR:
        return dt.date.min
    for day in (value.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
