"""``churnsim-calibrate``: fit market parameters to observed churn targets with Optuna, resumably.

A calibration spec (YAML, :mod:`churnsim.calibrate.spec`) names the base config, the ``market.*`` parameters to
fit with their bounds, and the targets: annual churn rate, share of uncontrollable departures, revenue retention, a
cohort survival curve (``year,pct_alive`` CSV), the firm's churn by year and tier (``year,tier,churn_rate`` CSV,
:mod:`churnsim.calibrate.history`), optionally around the firm's own account list. Each trial runs R replicates
(in worker processes with ``--jobs``, with the same results) on common random numbers and scores the mean of a
weighted sum of squared standardised errors, reporting its own noise (:mod:`churnsim.calibrate.objective`). The
study lives in an Optuna journal file, so a stopped calibration continues where it stopped
(:mod:`churnsim.calibrate.study`). The result is a market preset ``churnsim`` takes as is, with a before/after
table and figure (:mod:`churnsim.calibrate.results`).
"""

from churnsim.calibrate.cli import calibrate, main

__all__ = ["calibrate", "main"]
