"""CLV export: tables that agree with the run's own tables, and a shifted-beta-geometric fit that round-trips."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import small_config

from churnsim.clv import CLV_TABLES, export, fit_sbg, sbg_survival
from churnsim.core.config import ConfigError
from churnsim.core.schemas import SCHEMAS
from churnsim.engine.run import simulate
from churnsim.outputs import finished_run

REGULAR = Path(__file__).parent / "data" / "fader_hardie_2007_regular.csv"  # copy of shared/data; source in header


@pytest.fixture(scope="module")
def run():
    """A default small run (every trigger and environment event on), exported and simulated: the same run."""
    cfg = small_config(months=18)
    return export(cfg, start_date="2021-03-15"), simulate(small_config(months=18)).tables


def propensity_only_config():
    """Churn from the latent propensity alone: no environment events, triggers, delight, contagion or threats; no
    burn-in, so the month-0 customers carry the Beta prior of propensities, unselected by earlier churn."""
    cfg = small_config(n_accounts=4000, months=36, burn_in_months=0)
    env, b = cfg.market.environment, cfg.market.behaviour
    env.p_closure = env.p_acquisition = env.p_upstream_integration = env.p_contraction = 0.0
    b.consider_base_per_month = 0.3  # enough churn in 36 months for a curve to fit
    b.trigger_contract_end = b.trigger_offer = b.trigger_dissatisfaction = 0.0
    b.trigger_rep_left = b.trigger_threat_refused = 0.0
    b.delight_hazard_ratio = 1.0
    b.contagion_hr_per_contact = 1.0
    cfg.market.threats.rate_per_month = 0.0
    return cfg


def test_sbg_recovers_fader_hardie_regular():
    regular = pd.read_csv(REGULAR, comment="#")
    alpha, beta = fit_sbg(regular["pct_alive"].to_numpy()[:8])  # years 0-7, as in the paper
    # the paper reports three decimals (±0.0005 rounding); the published percentages are themselves rounded to
    # 0.1, so 0.005 leaves room for that and the optimiser, while a wrong likelihood lands far away
    assert alpha == pytest.approx(0.704, abs=0.005)
    assert beta == pytest.approx(1.182, abs=0.005)
    # the fit projects the years it did not see (8-12) within 1.5 points, as in the paper's Figure 3
    projected = 100 * sbg_survival(alpha, beta, 12)[8:]
    assert np.abs(projected - regular["pct_alive"].to_numpy()[8:13]).max() < 1.5


def test_round_trip_through_sbg():
    ex = export(propensity_only_config())
    cohort = ex.cohorts[(ex.cohorts["cohort_month"] == 0) & ~ex.cohorts["acquired"]]
    n_alive = cohort["n_alive"].to_numpy()
    assert n_alive[0] > 1000 and n_alive[-1] < 0.7 * n_alive[0]  # a cohort large enough, and churning
    alpha, beta = fit_sbg(n_alive)
    fitted = sbg_survival(alpha, beta, len(n_alive) - 1)
    # ~1,150 customers: the binomial s.e. of a survival share is at most 0.015; 0.04 allows 2.5 s.e. and the
    # misspecification (the monthly churn chance is a scaled Beta, not a Beta). A constant churn rate misses by more.
    assert np.abs(fitted - n_alive / n_alive[0]).max() < 0.04
    geometric = (n_alive[-1] / n_alive[0]) ** (np.arange(len(n_alive)) / (len(n_alive) - 1))
    assert np.abs(geometric - n_alive / n_alive[0]).max() > np.abs(fitted - n_alive / n_alive[0]).max()
    truth = ex.customers[~ex.customers["acquired"] & (ex.customers["cohort_month"] == 0)]
    lost = truth["churn_month"] >= 0
    assert truth.loc[lost, "propensity"].mean() > truth.loc[~lost, "propensity"].mean() + 0.1


def test_orders_are_the_runs_focal_revenue(run):
    ex, tables = run
    acc = tables["accounts"].set_index("account")
    per_customer = ex.orders.groupby("customer_id")["monetary_value"].sum()
    assert np.allclose(per_customer, acc.loc[per_customer.index, "revenue_focal"])
    assert acc.loc[~acc.index.isin(per_customer.index), "revenue_focal"].eq(0).all()
    assert list(ex.orders.columns) == [c.name for c in SCHEMAS["clv_orders"]]
    assert list(ex.orders.columns[-4:]) == ["customer_id", "month", "date", "monetary_value"]
    assert ex.orders["date"].min() == pd.Timestamp("2021-03-01") and (ex.orders["date"].dt.day == 1).all()
    assert (ex.orders["monetary_value"] > 0).all()


def test_alive_flags_agree_with_accounts_and_events(run):
    ex, tables = run
    acc, events = tables["accounts"].set_index("account"), tables["events"]
    last = ex.alive[ex.alive["month"] == ex.alive["month"].max()].set_index("customer_id")["alive"]
    focal_at_end = (acc["status"] == "active") & (acc["last_supplier"] == "focal")
    assert last.to_dict() == focal_at_end.loc[last.index].to_dict()
    # every first loss is a switch or exit away from the focal firm in that month, and vice versa (an account lost
    # in month 0 before it bought anything is no customer of the export)
    lost = ex.customers[ex.customers["churn_month"] >= 0]
    cohort = events["account"].map(ex.customers.set_index("customer_id")["cohort_month"])
    away = events[events["event"].isin(["switch", "exit"]) & (events["from_supplier"] == "focal")
                  & (events["month"] > cohort)]
    first_away = away.groupby("account")["month"].min()
    assert first_away.loc[lost["customer_id"]].to_list() == lost["churn_month"].to_list()
    assert set(first_away.index) == set(lost["customer_id"])
    exited = acc[(acc["status"] == "exited") & acc.index.isin(lost["customer_id"])]
    assert len(exited) > 0
    flags = ex.alive.set_index(["customer_id", "month"])["alive"]
    assert not flags.loc[[(a, m) for a, m in exited["end_month"].items()]].any()
    # the first-spell survivors of the cohort table are the customers still in their first spell
    cohorts = ex.cohorts.set_index(["cohort_month", "acquired", "period"])["n_alive"]
    for (month, acquired), members in ex.customers.groupby(["cohort_month", "acquired"]):
        still = ((members["churn_month"] == -1) | (members["churn_month"] > ex.alive["month"].max())).sum()
        assert cohorts.loc[(month, acquired, ex.alive["month"].max() - month)] == still


def test_write_and_bad_input(run, tmp_path):
    ex, _ = run
    paths = ex.write(tmp_path)
    assert {p.name for p in paths} == {"orders.csv", "cohorts.csv", "customers.csv", "alive.csv"}
    assert (pd.read_csv(tmp_path / "orders.csv")["run_seed"] == ex.run_seed).all()
    with pytest.raises(ConfigError, match="output.start_date = 'not a date': must be a date"):
        export(small_config(), start_date="not a date")
    with pytest.raises(ConfigError, match="n_alive"):
        fit_sbg([100, 120, 90])


def test_churnsim_writes_the_export_as_tables_of_the_run(tmp_path):
    """`churnsim output.tables=[...]` writes the CLV tables beside the run's own, equal to :func:`export`'s."""
    cfg = small_config(months=12)
    args = [f"n_accounts={cfg.n_accounts}", "months=12", f"burn_in_months={cfg.burn_in_months}", f"seed={cfg.seed}",
            "output.tables=[monthly,clv_orders,clv_cohorts,clv_customers,clv_alive]", "output.start_date=2022-07-01",
            f"hydra.run.dir={tmp_path / 'run'}"]
    done = subprocess.run([sys.executable, "-m", "churnsim.app", *args], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert finished_run(tmp_path / "run") is not None
    ex = export(cfg, start_date="2022-07-01")
    for name, frame in zip(CLV_TABLES, (ex.orders, ex.cohorts, ex.customers, ex.alive), strict=True):
        written = pd.read_parquet(tmp_path / "run" / f"{name}.parquet")
        pd.testing.assert_frame_equal(written, frame, check_categorical=False, check_dtype=False)
    bad = subprocess.run([sys.executable, "-m", "churnsim.app", *args[:-3], "output.tables=[clv_orders]",
                          "output.start_date=July", f"hydra.run.dir={tmp_path / 'bad'}"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        "churnsim: error: output.start_date = 'July': must be a date such as 2020-01-01"]
    assert not (tmp_path / "bad" / "summary.json").exists()
