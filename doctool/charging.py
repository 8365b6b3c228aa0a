"""Charging figures that change every April, and the sums made with them.

The figures live in dated data files, ``doctool/data/charging/<in_force_from>.toml``; a
letter uses the file in force on its date (the latest ``in_force_from`` on or before it),
so a letter dated 1 March 2026 quotes the 2025/26 figures and one dated 1 May 2026 the
2026/27 figures. A council's profile overrides any figure under ``[charging]``. Nothing
in the code states a figure: letters quote the capital limits from here.

A figure not yet confirmed (an estimate made before the DHSC circular is published) is
marked ``[check]`` in its file: a comment with ``[check]`` marks the figures on the lines
after it, up to a blank line or the next table, and a ``# [check]`` at the end of a line
marks that line's figure. :attr:`Figures.estimated` lists them; rule CL-FIGURES-ESTIMATE
warns on every letter whose figures include one that letters use (:data:`LETTER_FIGURES`),
until the published figure is in the file and its mark is gone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from doctool.datafiles import DATA, load_toml
from doctool.errors import ConfigError
from doctool.model.plan import FinancialAssessment
from doctool.profiles import Profile, _merge

FIGURES = DATA / "charging"

_MONEY = (
    "upper_capital_limit",
    "lower_capital_limit",
    "tariff_step",
    "tariff_income_per_step",
    "personal_expenses_allowance",
    "minor_adaptations_limit",
)
_WHOLE = ("review_within_days", "invoice_every_weeks")

#: The figures a charging letter quotes or works its charge out with (doctool/compose/letter.py):
#: an estimate among them makes CL-FIGURES-ESTIMATE warn. (The Minimum Income Guarantee is
#: not among them: a letter quotes the allowance its record gives.)
LETTER_FIGURES = (*_MONEY, *_WHOLE)

_CHECK = "[check]"
_ASSIGNMENT = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=")
_TABLE = re.compile(r"\s*\[\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\]\s*(#.*)?$")


@dataclass(frozen=True)
class Figures:
    """The charging figures for one year, with any council overrides applied."""

    in_force_from: dt.date
    year: str
    upper_capital_limit: Decimal
    lower_capital_limit: Decimal
    tariff_step: Decimal
    tariff_income_per_step: Decimal
    personal_expenses_allowance: Decimal
    minor_adaptations_limit: Decimal
    review_within_days: int
    invoice_every_weeks: int
    minimum_income_guarantee: dict[str, Decimal] = field(default_factory=dict)
    source: str = ""
    #: Figures marked ``[check]`` in the file (estimates), by name; a Minimum Income Guarantee
    #: amount as ``minimum_income_guarantee.<name>``. A council's own figure is never one.
    estimated: tuple[str, ...] = ()
    file: str = ""  # the figures file's name


def marked_estimates(text: str) -> tuple[str, ...]:
    """The figures a figures file marks ``[check]`` (see the module's docstring)."""
    found: list[str] = []
    table, marked = "", False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            marked = False
        elif stripped.startswith("#"):
            marked = marked or _CHECK in stripped
        elif m := _TABLE.match(line):
            table, marked = m.group(1), False
        elif m := _ASSIGNMENT.match(line):
            comment = line.split("#", 1)[1] if "#" in line else ""
            if marked or _CHECK in comment:
                found.append(f"{table}.{m.group(1)}" if table else m.group(1))
    return tuple(found)


def _money(value: Any, name: str, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigError(f"{where}: {name} must be an amount written as a string, such as \"100.00\"")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{where}: {name} must be an amount written as a string, such as \"100.00\"") from None
    if not amount.is_finite() or amount < 0:
        raise ConfigError(f"{where}: {name} must be an amount of at least 0")
    return amount


def _figures(raw: dict[str, Any], where: str, estimated: tuple[str, ...] = (), file: str = "") -> Figures:
    missing = [k for k in ("in_force_from", "year", *_MONEY, *_WHOLE) if k not in raw]
    if missing:
        raise ConfigError(f"{where}: charging figures are missing {', '.join(missing)}")
    start = raw["in_force_from"]
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        raise ConfigError(f"{where}: in_force_from must be a date such as 2026-04-06")
    for name in _WHOLE:
        if isinstance(raw[name], bool) or not isinstance(raw[name], int) or raw[name] < 1:
            raise ConfigError(f"{where}: {name} must be a whole number of at least 1")
    mig = raw.get("minimum_income_guarantee", {})
    if not isinstance(mig, dict):
        raise ConfigError(f"{where}: minimum_income_guarantee must be a table")
    figures = Figures(
        in_force_from=start,
        year=str(raw["year"]),
        **{name: _money(raw[name], name, where) for name in _MONEY},
        review_within_days=raw["review_within_days"],
        invoice_every_weeks=raw["invoice_every_weeks"],
        minimum_income_guarantee={k: _money(v, k, where) for k, v in mig.items()},
        source=where,
        estimated=estimated,
        file=file or where,
    )
    if figures.lower_capital_limit > figures.upper_capital_limit:
        raise ConfigError(f"{where}: the lower capital limit is above the upper capital limit")
    if figures.tariff_step <= 0:
        raise ConfigError(f"{where}: tariff_step must be more than 0")
    return figures


@cache
def _years() -> tuple[tuple[dt.date, str, dict[str, Any], tuple[str, ...]], ...]:
    """Every figures file as (in_force_from, file name, raw table, figures marked
    ``[check]``), oldest first."""
    years = []
    for path in sorted(FIGURES.glob("*.toml")):
        raw = load_toml(path)
        _figures(raw, path.name)  # fail early, naming the file, if one is malformed
        years.append((raw["in_force_from"], path.name, raw, marked_estimates(path.read_text(encoding="utf-8"))))
    if not years:
        raise ConfigError(f"no charging figures in {FIGURES}")
    return tuple(sorted(years, key=lambda y: y[0]))


def figures_for(date: dt.date, profile: Profile | None = None) -> Figures:
    """The figures in force on ``date``, with the profile's ``[charging]`` overrides.

    For a date before the earliest file, the earliest figures are returned (their
    ``in_force_from`` is then after ``date``: rule CL-FIGURES blocks such a letter).
    """
    in_force = [y for y in _years() if y[0] <= date] or [_years()[0]]
    _start, name, raw, estimated = in_force[-1]
    overrides = profile.section("charging") if profile else {}
    if overrides:
        where = f"{name} with profile {profile.name!r} [charging]"  # type: ignore[union-attr]
        own = {k for k in overrides if k != "minimum_income_guarantee"}
        own |= {f"minimum_income_guarantee.{k}" for k in overrides.get("minimum_income_guarantee", {}) or {}}
        return _figures(_merge(raw, overrides), where, tuple(e for e in estimated if e not in own), name)
    return _figures(raw, name, estimated, name)


def tariff_income(capital: Decimal, figures: Figures) -> Decimal:
    """Weekly tariff income from capital: ``tariff_income_per_step`` for every
    ``tariff_step`` (or part of one) above the lower capital limit, up to the upper limit.

    Above the upper limit a person pays the full cost and tariff income is not used; the
    amount returned is then the tariff on the whole band between the limits.
    """
    counted = min(capital, figures.upper_capital_limit) - figures.lower_capital_limit
    if counted <= 0:
        return Decimal("0.00")
    steps = (counted / figures.tariff_step).to_integral_value(rounding=ROUND_CEILING)
    return (steps * figures.tariff_income_per_step).quantize(Decimal("0.01"))


def above_upper_limit(capital: Decimal, figures: Figures) -> bool:
    """Capital above the upper limit: the person pays the full cost of their care."""
    return capital > figures.upper_capital_limit


@dataclass(frozen=True)
class Working:
    """How a weekly charge is worked out: income - allowances - DRE - housing + tariff
    income, never below nothing and never above the cost of care (``capped``)."""

    income: Decimal
    allowances: Decimal
    dre: Decimal
    housing: Decimal
    tariff: Decimal
    net: Decimal
    charge: Decimal
    capped: bool


def working(fa: FinancialAssessment, figures: Figures) -> Working:
    """The sum a letter shows and its checks verify, from the financial assessment."""
    if fa.tariff_income is not None:
        tariff_amount = fa.tariff_income
    elif fa.capital is not None and not above_upper_limit(fa.capital, figures):
        tariff_amount = tariff_income(fa.capital, figures)
    else:
        tariff_amount = Decimal("0.00")
    income = sum((line.weekly for line in fa.income), Decimal(0))
    allowances = sum((line.weekly for line in fa.allowances), Decimal(0))
    dre = fa.disability_related_expenditure or Decimal(0)
    housing = fa.housing_costs or Decimal(0)
    net = income - allowances - dre - housing + tariff_amount
    charge = max(net, Decimal(0))
    capped = fa.weekly_care_cost is not None and charge > fa.weekly_care_cost
    if capped and fa.weekly_care_cost is not None:
        charge = fa.weekly_care_cost
    return Working(income, allowances, dre, housing, tariff_amount, net, charge, capped)


def clear_cache() -> None:
    """Forget the figures files read so far (for tests that add a file)."""
    _years.cache_clear()


def figures_files() -> list[Path]:
    return sorted(FIGURES.glob("*.toml"))
