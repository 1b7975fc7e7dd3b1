"""Sizing the market from the focal firm's side: ``focal_accounts=N`` instead of ``n_accounts``.

The focal firm's share of the market at month 0 is not its ``initial_share`` weight: burn-in months of switching,
closures and entrants move it (by −8 % to +10 % in the shipped presets). So the share is measured: a pilot run of
the same config at :data:`PILOT_ACCOUNTS` accounts, through burn-in only, same seed, counts the focal firm's accounts
at month 0, and ``n_accounts = round(N × PILOT_ACCOUNTS / that count)``. The same config always gives the same
``n_accounts``; the run's ``summary.json`` reports the realised ``focal_accounts_start`` (within a few per cent of N:
the pilot's sampling error, about 1.3 % at the default share, plus the run's own).
"""

from __future__ import annotations

import dataclasses

from churnsim.core.config import ConfigError, RunConfig
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan

__all__ = ["PILOT_ACCOUNTS", "focal_share_at_start", "sized"]

PILOT_ACCOUNTS = 20_000
"""Accounts of the pilot run that measures the focal firm's share at month 0."""


def focal_share_at_start(cfg: RunConfig) -> float:
    """The focal firm's share of all accounts at month 0 of ``cfg``'s market, measured in a pilot run."""
    pilot = dataclasses.replace(cfg, n_accounts=PILOT_ACCOUNTS, focal_accounts=None,
                                output=dataclasses.replace(cfg.output, tables=[]))
    model = MarketModel(make_plan(pilot))
    for _ in range(cfg.burn_in_months):
        model.step()
    acc = model.accounts
    return float(((acc.supplier == 0) & acc.active()).sum()) / PILOT_ACCOUNTS


def sized(cfg: RunConfig) -> RunConfig:
    """``cfg`` with ``n_accounts`` set from ``focal_accounts`` (unchanged when that is absent).

    Raises:
        ConfigError: the focal firm holds no account at month 0 of this market.
    """
    if cfg.focal_accounts is None:
        return cfg
    share = focal_share_at_start(cfg)  # the pilot's plan validates the config (all but its size)
    if share <= 0:
        raise ConfigError(f"focal_accounts = {cfg.focal_accounts}: the focal firm holds no account at month 0 of this "
                          "market (market.focal.initial_share); set n_accounts instead")
    return dataclasses.replace(cfg, n_accounts=max(1, round(cfg.focal_accounts / share)))
