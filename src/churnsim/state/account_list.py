"""The firm's own account list (``accounts_file=PATH``): read, checked at the door, pseudonymised.

A CRM export, CSV or Parquet, one row per account of the focal firm at month 0. Columns:

- ``account_id`` (required): any string or integer, unique;
- ``monthly_revenue`` (required): k€ a month at the firm's current prices, > 0;
- ``tier`` (optional): ``key``, ``regular`` or ``small``; where absent (the column, or a cell), derived from the
  revenue rank by the market preset's tier shares (the largest ``key`` share of the file's accounts are key, ...);
- ``region`` (optional): any label; labels are numbered in sorted order and must be at most
  ``market.accounts.n_regions``; where absent, drawn as for a generated account;
- ``tenure_months`` (optional): whole months with the firm, ≥ 0;
- ``rep_id`` (optional): accounts sharing a value share a salesperson;
- ``contract_end_month`` (optional): the last month of the account's contract, counted from month 0 (≥ 0);
- ``satisfaction`` (optional): its last survey score on the five-level scale, 1 (very dissatisfied) … 5.

Other columns are ignored. The file is validated against a declared schema (pandera), lazily: every problem of the
file is reported at once, one clause per column and check with how many rows and up to five examples (file line
numbers for CSV, row numbers for Parquet), in one :class:`~churnsim.core.config.ConfigError`. Nothing of the file
reaches an output but its SHA-256, its row count and each account's pseudonym: ``account_ref``, the first 16 hex
digits of SHA-256(salt ‖ id), with the salt from the config (``privacy_salt``), which no output records.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from churnsim.core.codes import NO_CONTRACT, TIERS
from churnsim.core.config import ConfigError

__all__ = ["COLUMNS", "AccountList", "pseudonym", "read_account_list"]

COLUMNS = ("account_id", "monthly_revenue", "tier", "region", "tenure_months", "rep_id", "contract_end_month",
           "satisfaction")
"""The columns read; the first two are required."""

_EXAMPLES = 5
_NUMBERS = ("monthly_revenue", "tenure_months", "contract_end_month", "satisfaction")


@dataclass(frozen=True)
class AccountList:
    """A checked account list, as arrays in file order (``-1`` or :data:`NO_CONTRACT` where a cell was empty).

    Attributes:
        ref: each account's pseudonym (16 hex digits).
        revenue: monthly revenue, k€.
        tier: index into :data:`~churnsim.core.codes.TIERS`, or -1 (derived from revenue when the run is built).
        region: 0-based region number, or -1 (drawn).
        tenure: months with the firm, or -1 (drawn).
        rep: salesperson group (accounts with the same ``rep_id``), 0-based, or -1 (assigned as usual).
        contract_end: last month of the contract, or ``NO_CONTRACT``.
        satisfaction: survey score 1..5, or 0 (none).
        sha256: the file's SHA-256.
    """

    ref: np.ndarray
    revenue: np.ndarray
    tier: np.ndarray
    region: np.ndarray
    tenure: np.ndarray
    rep: np.ndarray
    contract_end: np.ndarray
    satisfaction: np.ndarray
    sha256: str

    def __len__(self) -> int:
        return len(self.revenue)


def pseudonym(account_id: str, salt: str) -> str:
    """The account's pseudonym in every output: the first 16 hex digits of SHA-256(salt ‖ id)."""
    return hashlib.sha256(f"{salt}\x1f{account_id}".encode()).hexdigest()[:16]


def read_account_list(path: str | Path, salt: str, n_regions: int) -> AccountList:
    """Read and check the account list at ``path``.

    Raises:
        ConfigError: ``accounts_file = PATH: ...``: the file is missing, unreadable or empty, or any row breaks the
            schema (every problem at once, in one line).
    """
    import pandera.pandas as pa  # here: only a run given an account list pays for importing pandera

    path = Path(path)
    where = f"accounts_file = {path}"
    frame, sha = _read(path, where)
    csv = path.suffix.lower() != ".parquet"
    missing = [c for c in COLUMNS[:2] if c not in frame.columns]
    if missing:
        raise ConfigError(f"{where}: missing required column{'s' * (len(missing) > 1)} {', '.join(missing)}; "
                          f"columns: {', '.join(COLUMNS)} (the first two required)")
    if frame.empty:
        raise ConfigError(f"{where}: no rows; allowed: one row per account of the firm at month 0")
    frame = frame[[c for c in COLUMNS if c in frame.columns]]
    raw = frame.copy()
    not_numbers = {}
    for column in _NUMBERS:  # a cell that is not a number is named once, as such, and checked no further
        if column in frame:
            numbers = pd.to_numeric(frame[column], errors="coerce")
            not_numbers[column] = frame[column].notna() & numbers.isna()
            frame[column] = numbers.astype(float)
    whole = pa.Check(lambda s: s % 1 == 0, name="whole number")
    schema = pa.DataFrameSchema({
        "account_id": pa.Column(str, unique=True, nullable=False, coerce=True),
        "monthly_revenue": pa.Column(float, [pa.Check.gt(0), pa.Check(np.isfinite, name="finite")], nullable=False),
        "tier": pa.Column(str, pa.Check.isin(list(TIERS)), nullable=True, required=False),
        "region": pa.Column(str, nullable=True, required=False, coerce=True),
        "tenure_months": pa.Column(float, [pa.Check.ge(0), whole], nullable=True, required=False),
        "rep_id": pa.Column(str, nullable=True, required=False, coerce=True),
        "contract_end_month": pa.Column(float, [pa.Check.ge(0), whole], nullable=True, required=False),
        "satisfaction": pa.Column(float, pa.Check.isin([1.0, 2.0, 3.0, 4.0, 5.0]), nullable=True, required=False),
    }, strict=False)
    nulls = {c: frame[c].isna().to_numpy() for c in ("region", "rep_id") if c in frame}
    try:
        checked = schema.validate(frame, lazy=True)
        problems = _problems(None, raw, not_numbers, csv)
    except pa.errors.SchemaErrors as err:
        problems = _problems(err.failure_cases, raw, not_numbers, csv)
    if problems:
        raise ConfigError(f"{where}: {problems}")
    n = len(checked)
    if "region" in checked:
        labels = checked["region"].where(~nulls["region"])
        names = sorted(labels.dropna().unique())
        if len(names) > n_regions:
            raise ConfigError(f"{where}: region: {len(names)} distinct regions, more than the market's {n_regions}; "
                              f"allowed: at most {n_regions} (or set market.accounts.n_regions={len(names)})")
        region = labels.map({name: k for k, name in enumerate(names)}).fillna(-1).to_numpy(np.int16)
    else:
        region = np.full(n, -1, np.int16)
    rep = np.full(n, -1, np.int32)
    if "rep_id" in checked:
        codes, _ = pd.factorize(checked["rep_id"].where(~nulls["rep_id"]), sort=True)
        rep = codes.astype(np.int32)  # -1 where empty
    return AccountList(
        ref=np.array([pseudonym(i, salt) for i in checked["account_id"]], dtype=object),
        revenue=checked["monthly_revenue"].to_numpy(np.float64),
        tier=(checked["tier"].map({t: k for k, t in enumerate(TIERS)}).fillna(-1).to_numpy(np.int8)
              if "tier" in checked else np.full(n, -1, np.int8)),
        region=region,
        tenure=_whole(checked, "tenure_months", -1),
        rep=rep,
        contract_end=_whole(checked, "contract_end_month", NO_CONTRACT),
        satisfaction=_whole(checked, "satisfaction", 0).astype(np.int8),
        sha256=sha)


def _read(path: Path, where: str) -> tuple[pd.DataFrame, str]:
    if not path.is_file():
        raise ConfigError(f"{where}: {'not a file' if path.exists() else 'no such file'}; allowed: a CSV or Parquet "
                          "file with columns account_id, monthly_revenue (and optional tier, region, tenure_months, "
                          "rep_id, contract_end_month, satisfaction)")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{where}: cannot be read ({err.strerror})") from None
    sha = hashlib.sha256(data).hexdigest()
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            # ids, labels and reps as text (an id 007 stays 007); numbers are checked by the schema
            frame = pd.read_csv(path, dtype={"account_id": str, "region": str, "rep_id": str, "tier": str},
                                skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise ConfigError(f"{where}: empty file; allowed: a header line and one row per account") from None
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(f"{where}: cannot be read as {'Parquet' if path.suffix.lower() == '.parquet' else 'CSV'} "
                          f"({first})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, sha


def _whole(frame: pd.DataFrame, column: str, empty: int) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), empty, np.int32)
    return frame[column].fillna(empty).to_numpy(np.float64).astype(np.int32)


def _problems(cases: pd.DataFrame | None, raw: pd.DataFrame, not_numbers: dict[str, pd.Series], csv: bool) -> str:
    """One clause per (column, check): what is wrong, in how many rows, up to five examples ("" if nothing)."""
    found: dict[tuple[str, str], list[int]] = {}
    for column, bad in not_numbers.items():
        if bad.any():
            found[(column, "not a number")] = list(np.flatnonzero(bad.to_numpy()))
    if cases is not None:
        for (column, check), group in cases[cases["index"].notna()].groupby(["column", "check"], sort=False):
            rows = sorted({int(i) for i in group["index"]})
            if column in not_numbers:
                rows = [i for i in rows if not not_numbers[column].iloc[i]]  # already named: not a number
            if rows:
                found.setdefault((str(column), _what(str(check))), []).extend(rows)
    clauses = []
    for column in COLUMNS:  # in the file format's order
        for (col, what), rows in found.items():
            if col != column:
                continue
            rows = sorted(set(rows))
            shown = ", ".join(f"{'line' if csv else 'row'} {_line(i, csv)}: {_value(raw, column, i)}"
                              for i in rows[:_EXAMPLES])
            clauses.append(f"{column}: {what} in {len(rows)} row{'s' * (len(rows) > 1)} ({shown}"
                           f"{', ...' if len(rows) > _EXAMPLES else ''})")
    if not clauses:
        return ""
    return f"{len(clauses)} problem{'s' * (len(clauses) > 1)}: " + "; ".join(clauses)


def _what(check: str) -> str:
    """What a pandera check name means, in words."""
    if check == "not_nullable":
        return "missing"
    if check == "field_uniqueness":
        return "duplicate id"
    if check.startswith("isin("):
        allowed = check[len("isin("):-1].strip("[]").replace("'", "").replace(".0", "")
        return f"not one of {allowed}"
    for prefix, words in (("greater_than_or_equal_to(", "below "), ("greater_than(", "not above ")):
        if check.startswith(prefix):
            return words + check[len(prefix):-1]
    if check == "finite":
        return "not a finite number"
    if check == "whole number":
        return "not a whole number"
    return f"fails {check}"


def _line(index: int, csv: bool) -> int:
    return index + 2 if csv else index  # CSV: the header is line 1


def _value(frame: pd.DataFrame, column: str, index: int) -> str:
    value = frame.loc[index, column] if column in frame else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "empty"
    return repr(value) if isinstance(value, str) else str(value)
