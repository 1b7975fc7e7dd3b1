"""The firm's own account list (``accounts_file``, issue 16): round trips, every bad input, privacy.

A synthetic CRM export (no real data) is written per test; runs are tiny (a few hundred accounts, a few months).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from churnsim.core.config import ConfigError
from churnsim.core.hydra_schemas import load_config
from churnsim.engine.model import MarketModel
from churnsim.engine.plan import make_plan
from churnsim.state.account_list import pseudonym, read_account_list

CHURNSIM = str(Path(sys.executable).with_name("churnsim"))
SALT = "test-salt-0123456789"


def crm(n: int = 300, seed: int = 5) -> pd.DataFrame:
    """A CRM export: ids, revenue (k€/month), some tiers given, regions, tenure, 12 reps, survey scores, contracts."""
    g = np.random.Generator(np.random.PCG64(seed))
    frame = pd.DataFrame({
        "account_id": [f"C{100000 + i}" for i in range(n)],
        "monthly_revenue": np.exp(np.log(10) + 1.6 * g.standard_normal(n)).round(2),
        "tier": [("key" if i % 10 == 0 else None) for i in range(n)],
        "region": g.choice(["north", "south", "east", "west"], n),
        "tenure_months": g.integers(0, 120, n),
        "rep_id": [f"rep{k}" for k in g.integers(0, 12, n)],
        "contract_end_month": [(6 if i % 7 == 0 else None) for i in range(n)],
        "satisfaction": g.integers(1, 6, n),
    })
    return frame


def _plan(path: Path, *overrides: str):
    return make_plan(load_config([f"accounts_file={path}", f"privacy_salt={SALT}", "burn_in_months=0", "months=6",
                                  *overrides]))


def test_the_files_accounts_are_the_focal_firms_at_month_0_with_their_revenue_tier_and_rep(tmp_path):
    frame = crm()
    frame.to_csv(tmp_path / "crm.csv", index=False)
    plan = _plan(tmp_path / "crm.csv")
    model = MarketModel(plan)
    acc, m = model.accounts, len(frame)
    assert (acc.supplier[:m] == 0).all() and (acc.supplier[m:plan.cfg.n_accounts] != 0).all()
    # the generic market's focal share weight is 0.3 of 1.0: 300 accounts are 30 % of a market of 1,000
    assert plan.cfg.n_accounts == 1000
    price = plan.suppliers.price[0]
    assert np.allclose(acc.size0[:m] * price, frame["monthly_revenue"], rtol=1e-6)  # float32 sizes
    given = frame["tier"].notna().to_numpy()
    assert (acc.tier[:m][given] == 0).all()
    # accounts sharing a rep_id share a salesperson slot, and different rep_ids have different slots
    slots = pd.Series(acc.rep[:m]).groupby(frame["rep_id"]).nunique()
    assert (slots == 1).all()
    assert pd.Series(acc.rep[:m]).groupby(frame["rep_id"]).first().nunique() == frame["rep_id"].nunique()
    assert (acc.since_month[:m] == -frame["tenure_months"].to_numpy()).all()
    ends = frame["contract_end_month"].notna().to_numpy()
    assert (acc.contract_end[:m][ends] == 6).all()
    regions = acc.region[:m]
    assert pd.Series(regions).groupby(frame["region"]).nunique().eq(1).all()


def test_tiers_left_out_follow_the_revenue_rank_by_the_presets_shares(tmp_path):
    frame = crm(1000).drop(columns=["tier"])
    frame.to_parquet(tmp_path / "crm.parquet")
    plan = _plan(tmp_path / "crm.parquet")
    acc = MarketModel(plan).accounts
    key, regular, _ = plan.cfg.market.accounts.tier_shares
    tiers = acc.tier[:1000]
    assert (tiers == 0).sum() == pytest.approx(key * 1000, abs=1)
    assert (tiers == 1).sum() == pytest.approx(regular * 1000, abs=1)
    revenue = frame["monthly_revenue"].to_numpy()
    assert revenue[tiers == 0].min() >= revenue[tiers == 1].max() >= revenue[tiers == 2].max()


def test_a_survey_score_sets_where_satisfaction_starts(tmp_path):
    frame = crm(2000)
    frame.to_csv(tmp_path / "crm.csv", index=False)
    model = MarketModel(_plan(tmp_path / "crm.csv"))
    model.step()  # month 0: experience moves the memory by a third; the score still shows
    acc, score = model.accounts, frame["satisfaction"].to_numpy()
    means = [float(acc.satisfaction[:2000][score == k].mean()) for k in range(1, 6)]
    assert means == sorted(means) and means[4] - means[0] > 0.05  # band midpoints are 0.05 apart


def test_outputs_name_the_files_accounts_only_by_pseudonym_and_keep_the_salt_out(tmp_path):
    frame = crm()
    frame.to_csv(tmp_path / "crm.csv", index=False)
    done = subprocess.run([CHURNSIM, f"accounts_file={tmp_path / 'crm.csv'}", "privacy_salt=${oc.env:CRM_SALT}",
                           "burn_in_months=0", "months=6", f"hydra.run.dir={tmp_path / 'run'}"],
                          capture_output=True, text=True, env={"CRM_SALT": SALT, "PATH": ""}, timeout=300)
    assert done.returncode == 0, done.stderr
    run = tmp_path / "run"
    accounts = pd.read_parquet(run / "accounts.parquet")
    own = accounts[accounts["account_ref"].notna()].set_index("account")
    assert len(own) == len(frame)
    assert list(own["account_ref"].astype(str)) == [pseudonym(i, SALT) for i in frame["account_id"]]
    record = json.loads((run / "run.json").read_text())
    assert record["accounts_file"] == {"sha256": hashlib.sha256((tmp_path / "crm.csv").read_bytes()).hexdigest(),
                                       "rows": len(frame)}
    assert record["config"]["privacy_salt"].startswith("sha256:")
    for path in run.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SALT.encode() not in data, path
            assert b"C100000" not in data, path  # no raw id anywhere


BAD = [
    ("account_id,monthly_revenue\nA,1\nA,2\nB,3\n", "account_id: duplicate id in 2 rows (line 2: 'A', line 3: 'A')"),
    ("account_id,monthly_revenue\nA,-1\nB,0\nC,2\n", "monthly_revenue: not above 0 in 2 rows (line 2: -1, line 3: 0)"),
    ("account_id,monthly_revenue\nA,\nB,2\n", "monthly_revenue: missing in 1 row (line 2: empty)"),
    ("account_id,monthly_revenue,tier\nA,1,gold\nB,2,key\n", "tier: not one of key, regular, small in 1 row "
                                                            "(line 2: 'gold')"),
    ("account_id,monthly_revenue,tenure_months\nA,1,ten\nB,2,3\n", "tenure_months: not a number in 1 row "
                                                                   "(line 2: 'ten')"),
    ("id,revenue\nA,1\n", "missing required columns account_id, monthly_revenue"),
    ("account_id,monthly_revenue\n", "no rows"),
    ("", "empty file"),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_a_bad_account_list_is_refused_with_every_problem_named(tmp_path, text, expected):
    (tmp_path / "crm.csv").write_text(text)
    with pytest.raises(ConfigError) as err:
        read_account_list(tmp_path / "crm.csv", SALT, 8)
    assert str(err.value).startswith(f"accounts_file = {tmp_path / 'crm.csv'}: ")
    assert expected in str(err.value)


def test_every_problem_of_a_file_is_reported_at_once_with_at_most_five_examples(tmp_path):
    rows = [f"A{i},{-i}" for i in range(1, 9)] + ["A1,5", "B,x"]
    (tmp_path / "crm.csv").write_text("account_id,monthly_revenue\n" + "\n".join(rows) + "\n")
    with pytest.raises(ConfigError) as err:
        read_account_list(tmp_path / "crm.csv", SALT, 8)
    message = str(err.value)
    assert "3 problems" in message
    assert "account_id: duplicate id in 2 rows" in message
    assert "monthly_revenue: not a number in 1 row (line 11: 'x')" in message
    assert "monthly_revenue: not above 0 in 8 rows (line 2: '-1', line 3: '-2', line 4: '-3', line 5: '-4', " \
           "line 6: '-5', ...)" in message


def test_the_command_refuses_bad_input_in_one_line_and_writes_nothing(tmp_path):
    (tmp_path / "bad.csv").write_text("account_id,monthly_revenue\nA,1\nA,-2\n")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    (tmp_path / "good.csv").write_text("account_id,monthly_revenue\nA,1\nB,2\n")
    cases = [
        ([f"accounts_file={tmp_path / 'bad.csv'}", f"privacy_salt={SALT}", "burn_in_months=0"], "2 problems"),
        ([f"accounts_file={tmp_path / 'bad.parquet'}", f"privacy_salt={SALT}", "burn_in_months=0"],
         "cannot be read as Parquet"),
        ([f"accounts_file={tmp_path / 'none.csv'}", f"privacy_salt={SALT}", "burn_in_months=0"], "no such file"),
        ([f"accounts_file={tmp_path / 'good.csv'}", "burn_in_months=0"], "privacy_salt = (none): required"),
        ([f"accounts_file={tmp_path / 'good.csv'}", "privacy_salt=short", "burn_in_months=0"], "(too short)"),
        ([f"accounts_file={tmp_path / 'good.csv'}", f"privacy_salt={SALT}"], "burn_in_months = 24: must be 0"),
    ]
    for k, (overrides, expected) in enumerate(cases):
        done = subprocess.run([CHURNSIM, *overrides, f"hydra.run.dir={tmp_path / f'run{k}'}"], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 2, (overrides, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr and expected in lines[0], (overrides, lines)
        assert not (tmp_path / f"run{k}" / "summary.json").exists()
