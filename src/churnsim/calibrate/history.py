"""The firm's churn history (``targets.churn_by_tier.csv``): a ``year,tier,churn_rate`` CSV, read and checked.

One row per year and tier: ``year`` 1, 2, … (year k is months 12(k−1) … 12k−1 of the run, counted from month 0:
number calendar years from 1, say 2022 → 1), ``tier`` ``key``, ``regular`` or ``small``, and ``churn_rate`` the
share of that tier's customers at the start of the year that left during it (0..1: 8 % is 0.08). Years may have
gaps and a year need not list every tier; other columns are ignored, and so are lines starting with ``#``.

Every problem of the file is reported at once, in one :class:`~churnsim.core.config.ConfigError`: one clause per
column and check, with how many rows and up to five examples by file line number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from churnsim.core.codes import TIERS
from churnsim.core.config import MAX_MONTHS, ConfigError

__all__ = ["COLUMNS", "ChurnHistory", "read_history"]

COLUMNS = ("year", "tier", "churn_rate")
"""The columns read, all required."""

MAX_YEAR = MAX_MONTHS // 12
_EXAMPLES = 5


@dataclass(frozen=True)
class ChurnHistory:
    """A checked history, ordered by year, then tier (key, regular, small)."""

    years: tuple[int, ...]
    tiers: tuple[str, ...]
    churn_rates: tuple[float, ...]


def read_history(where: str, value: object, spec_dir: Path) -> ChurnHistory:
    """Read and check the history CSV ``value`` (relative to ``spec_dir``); ``where`` names the spec key.

    Raises:
        ConfigError: ``<where> = '<value>': ...``, every problem of the file in one line.
    """
    if not isinstance(value, str):
        raise ConfigError(f"{where} = {value!r}: must be the path of a year,tier,churn_rate CSV file")
    path = spec_dir / value
    head = f"{where} = {value!r}"
    if not path.is_file():
        raise ConfigError(f"{head}: no such file ({path}); must be a year,tier,churn_rate CSV, relative to the "
                          "spec file")
    try:
        text = path.read_text(encoding="utf-8-sig")
        table = pd.read_csv(path, comment="#", dtype=str, skipinitialspace=True, encoding="utf-8-sig",
                            keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise ConfigError(f"{head}: empty; must hold a header year,tier,churn_rate and one row per year and "
                          "tier") from None
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ConfigError(f"{head}: not a readable CSV ({' '.join(str(err).split())})") from err
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ConfigError(f"{head}: missing column{'s' * (len(missing) > 1)} {', '.join(missing)} (columns: "
                          f"{', '.join(table.columns)}); must have year,tier,churn_rate")
    if table.empty:
        raise ConfigError(f"{head}: no rows; must hold one row per year and tier")
    lines = _line_numbers(text)[1:len(table) + 1]
    raw = {c: table[c].str.strip() for c in COLUMNS}
    year = pd.to_numeric(raw["year"], errors="coerce")
    rate = pd.to_numeric(raw["churn_rate"], errors="coerce")
    bad_year = year.isna() | (year % 1 != 0) | (year < 1) | (year > MAX_YEAR)
    bad_tier = ~raw["tier"].isin(TIERS)
    not_number = rate.isna()
    outside = ~not_number & ~rate.between(0.0, 1.0)
    pairs = pd.Series(list(zip(year, raw["tier"], strict=True)))
    repeated = ~bad_year & ~bad_tier & pairs.duplicated(keep="first")
    checks = [
        ("year", bad_year, f"not a whole number from 1 to {MAX_YEAR} (year 1 is the run's first 12 months)"),
        ("tier", bad_tier, f"not {', '.join(TIERS[:-1])} or {TIERS[-1]}"),
        ("churn_rate", not_number, "not a number"),
        ("churn_rate", outside, "outside 0..1 (a share: 8 % is 0.08)"),
        ("year,tier", repeated, "with a year and tier already given on an earlier line"),
    ]
    problems = [_clause(column, mask.to_numpy(), text_of, lines, raw) for column, mask, text_of in checks
                if mask.any()]
    if problems:
        raise ConfigError(f"{head}: {'; '.join(problems)}")
    order = sorted(range(len(table)), key=lambda i: (int(year[i]), TIERS.index(raw["tier"][i])))
    return ChurnHistory(tuple(int(year[i]) for i in order), tuple(str(raw["tier"][i]) for i in order),
                        tuple(float(rate[i]) for i in order))


def _line_numbers(text: str) -> list[int]:
    """File line numbers (1-based) of the header and the data rows pandas reads (comment and blank lines skipped)."""
    return [i + 1 for i, line in enumerate(text.splitlines()) if line.split("#", 1)[0].strip()]


def _clause(column: str, mask: np.ndarray, what: str, lines: list[int], raw: dict[str, pd.Series]) -> str:
    """``column: N rows <what> (line L: 'value', ...)`` with up to five examples."""
    rows = np.flatnonzero(mask)
    shown = []
    for i in rows[:_EXAMPLES]:
        cell = ",".join(_cell(raw[c][i]) for c in column.split(","))
        shown.append(f"line {lines[i]}: {cell}")
    more = ", …" if len(rows) > _EXAMPLES else ""
    return f"{column}: {len(rows)} row{'s' * (len(rows) > 1)} {what} ({', '.join(shown)}{more})"


def _cell(value: object) -> str:
    return "empty" if value is None or (isinstance(value, float) and np.isnan(value)) else repr(str(value))
