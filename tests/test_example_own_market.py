"""The own-market walk-through (``examples/own_market/README.md``) at a small size, as its commands run it.

A synthetic CRM export of 300 accounts and its history (``make_data.py``), one baseline run with the file, a
calibration of the example's spec with 2 trials × 2 replicates, a sweep of 2 strategies × 2 replicates on the
calibrated market and its report: every step is the real command, in a fresh process, with the salt in the
environment as the README sets it (about 30 s: five commands, each in its own process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

EXAMPLE = Path(__file__).parents[1] / "examples" / "own_market"
BIN = Path(sys.executable).parent
SALT = "example-salt-0123456789abcdef"
ACCOUNTS = 300


def run(tmp_path: Path, *command: str) -> str:
    done = subprocess.run([str(c) for c in command], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CHURNSIM_SALT": SALT})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def walked(tmp_path_factory) -> Path:
    """The walk-through's outputs, small: data/, baseline/, calibration/, strategies/ (with report/)."""
    tmp = tmp_path_factory.mktemp("own_market")
    run(tmp, sys.executable, EXAMPLE / "make_data.py", "--out", "data", "--accounts", ACCOUNTS)
    run(tmp, BIN / "churnsim", "accounts_file=data/accounts.csv", "privacy_salt=${oc.env:CHURNSIM_SALT}",
        "burn_in_months=0", "months=12", "hydra.run.dir=baseline")
    spec = yaml.safe_load((EXAMPLE / "calibration.yaml").read_text())
    spec["base"]["accounts_file"] = "data/accounts.csv"
    spec["targets"]["churn_by_tier"]["csv"] = "data/history.csv"
    spec["replicates"] = 2
    (tmp / "calibration.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    run(tmp, BIN / "churnsim-calibrate", "calibration.yaml", "--out", "calibration", "--trials", 2, "--jobs", 2)
    run(tmp, BIN / "churnsim", "-m", "--config-dir", "calibration", "market=calibrated",
        "accounts_file=data/accounts.csv", "privacy_salt=${oc.env:CHURNSIM_SALT}", "burn_in_months=0", "months=12",
        "strategy=baseline,service_guarantee", "replicate=range(0,2)", "hydra.sweep.dir=strategies")
    run(tmp, BIN / "churnsim-report", "strategies")
    return tmp


def test_the_data_are_a_crm_export_and_a_history(walked):
    accounts = pd.read_csv(walked / "data" / "accounts.csv")
    assert len(accounts) == ACCOUNTS and accounts["account_id"].str.match(r"CUST-\d{6}$").all()
    assert accounts["tier"].isna().any() and accounts["tier"].notna().any()  # some tiers given, some derived
    history = pd.read_csv(walked / "data" / "history.csv")
    assert sorted(history["year"].unique()) == [1, 2, 3] and set(history["tier"]) == {"key", "regular", "small"}


def test_the_baseline_starts_from_the_files_accounts(walked):
    summary = json.loads((walked / "baseline" / "summary.json").read_text())
    assert summary["focal_accounts_start"] == ACCOUNTS
    accounts = pd.read_parquet(walked / "baseline" / "accounts.parquet")
    assert accounts["account_ref"].notna().sum() == ACCOUNTS


def test_the_calibration_fits_the_history_and_churnsim_takes_its_preset(walked):
    fit = pd.read_csv(walked / "calibration" / "fit.csv")
    assert (fit["target"] == "churn_by_tier").sum() == 9  # 3 years × 3 tiers
    assert len(pd.read_csv(walked / "calibration" / "trials.csv")) == 2
    jobs = [p for p in (walked / "strategies").iterdir() if (p / "summary.json").exists()]
    assert len(jobs) == 4  # 2 strategies × 2 replicates, none failed
    config = json.loads((jobs[0] / "run.json").read_text())["config"]
    assert config["market"]["name"] == "own_market"


def test_the_report_has_the_segments(walked):
    report = walked / "strategies" / "report"
    segments = pd.read_csv(report / "segments.csv")
    assert {"tier", "size_band", "relationship"} <= set(segments["dimension"])
    assert "## Segments: whom each strategy keeps" in (report / "report.md").read_text()


def test_no_account_id_or_salt_reaches_an_output(walked):
    for path in walked.rglob("*"):
        if not path.is_file() or path.parent.name == "data":
            continue
        data = path.read_bytes()
        assert b"CUST-" not in data and SALT.encode() not in data, path
        if path.suffix == ".parquet":  # compressed: read the strings too
            table = pd.read_parquet(path)
            for column in table.select_dtypes(include=["object", "string"]).columns:
                assert not table[column].astype(str).str.contains("CUST-").any(), (path, column)
