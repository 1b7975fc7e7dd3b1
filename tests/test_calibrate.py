"""``churnsim-calibrate``: spec checks at the door, recovery of a known parameter, resume, and a preset churnsim takes.

Calibrations here are tiny (the small spec of ``conf/calibration/small.yaml``: 800-2,000 accounts over 24 months,
a handful of trials), so the whole file runs in well under a minute.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from optuna.distributions import FloatDistribution

from churnsim.calibrate import calibrate, main
from churnsim.calibrate.objective import evaluate, with_values
from churnsim.calibrate.spec import load_spec
from churnsim.calibrate.study import open_study
from churnsim.core.hydra_schemas import CONF_DIR

SMALL = CONF_DIR / "calibration" / "small.yaml"
DATA = Path(__file__).parent / "data"
PARAM = "market.behaviour.consider_base_per_month"


def write_spec(tmp_path: Path, name: str = "spec.yaml", **changes) -> Path:
    """The small spec with top-level ``changes`` (a value of None removes the key), written under ``tmp_path``."""
    raw = yaml.safe_load(SMALL.read_text())
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def trials_of(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "trials.csv")


# ---- bad input -------------------------------------------------------------------------------------------------
def refused(capsys, tmp_path: Path, spec: Path) -> str:
    """The one line a refused calibration prints, after checking exit status 2 and that nothing looks complete."""
    with pytest.raises(SystemExit) as stop:
        main([str(spec), "--out", str(tmp_path / "out")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("churnsim-calibrate: error: "), err
    assert not list(tmp_path.rglob("fit.csv")) and not list(tmp_path.rglob("market/*.yaml"))
    return lines[0]


BAD_SPECS = [
    ({"trails": 5}, "trails = 5: unknown key; allowed: name, base, parameters"),
    ({"parameters": {"market.behaviour.consider_base_per_mont": {"low": 0.01, "high": 0.1}}},
     "consider_base_per_mont: unknown key; did you mean consider_base_per_month?"),
    ({"parameters": {"n_accounts": {"low": 100, "high": 200}}}, "parameters.n_accounts: must be a market.* field"),
    ({"parameters": {"market.accounts": {"low": 0.1, "high": 1}}}, "parameters.market.accounts: not a number"),
    ({"parameters": {"market.environment.p_closure": {"low": 0.001, "high": 1.5}}},
     "parameters.market.environment.p_closure.high = 1.5: must be ≤ 1.0"),
    ({"parameters": {"market.accounts.propensity_alpha": {"low": 0.0, "high": 2.0}}},
     "parameters.market.accounts.propensity_alpha.low = 0.0: must be > 0.0"),
    ({"parameters": {PARAM: {"low": 0.1, "high": 0.01}}}, "low must be below high"),
    ({"parameters": {PARAM: {"low": 0.01, "high": 0.1, "logscale": True}}}, f"parameters.{PARAM}.logscale = True: "
                                                                             "unknown key; allowed: low, high, log"),
    ({"targets": {"churn": {"value": 0.2}}}, "targets.churn = {'value': 0.2}: unknown key; allowed: annual_churn_rate"),
    ({"targets": {"annual_churn_rate": {"value": 1.5}}},
     "targets.annual_churn_rate.value = 1.5: must be ≥ 0.0 and ≤ 1"),
    ({"targets": {"survival": {"csv": "nowhere.csv"}}}, "targets.survival.csv = 'nowhere.csv': no such file"),
    ({"targets": {"survival": {"csv": str(DATA / "calibration_bad_columns.csv")}}},
     "columns ['age', 'pct_alive']; must be exactly year,pct_alive"),
    ({"targets": {"survival": {"csv": str(DATA / "calibration_survival.csv")}}, "base": {"months": 12}},
     "base.months = 12: must be ≥ 24"),
    ({"base": {"market": "atlantis"}}, "base: market = atlantis: no such market option; allowed:"),
    ({"base": {"overrides": ["market.accounts.size_sigma=-1"]}}, "market.accounts.size_sigma = -1"),
    ({"replicates": 1}, "replicates = 1: must be a whole number ≥ 2"),
]


@pytest.mark.parametrize(("changes", "expected"), BAD_SPECS)
def test_a_bad_spec_is_refused_in_one_line(capsys, tmp_path, changes, expected):
    assert expected in refused(capsys, tmp_path, write_spec(tmp_path, **changes))


def test_a_missing_or_broken_spec_file_is_refused_in_one_line(capsys, tmp_path):
    assert "spec = " in refused(capsys, tmp_path, tmp_path / "nowhere.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("parameters: [unclosed\n")
    assert "not valid YAML" in refused(capsys, tmp_path, broken)


def test_the_command_refuses_bad_input_without_a_traceback(tmp_path):
    # the console command as a user runs it, in a fresh process
    done = subprocess.run([sys.executable, "-m", "churnsim.calibrate", str(write_spec(tmp_path, trials=0)),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "churnsim-calibrate: error: trials = 0: must be a whole number ≥ 1"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# ---- recovery of a known parameter -----------------------------------------------------------------------------
def test_recovers_a_known_parameter_from_a_target_the_model_made(tmp_path):
    # The target is the annual churn rate the model itself gives with consider_base_per_month = 0.05 (the default
    # is 0.007), averaged over the same replicates (common random numbers), so the loss is lowest near 0.05.
    true_value = 0.05
    base = {"n_accounts": 2000, "months": 24, "burn_in_months": 6, "seed": 3}
    probe = load_spec(write_spec(tmp_path, "probe.yaml", base=base))
    truth = with_values(probe.base, probe.parameters, {PARAM: true_value})
    target = evaluate(probe, truth).mean("annual_churn_rate")[0]
    spec = write_spec(tmp_path, base=base, trials=16, targets={"annual_churn_rate": {"value": target, "scale": 0.01}})
    preset = calibrate(spec, tmp_path / "out", report=lambda line: None)
    fitted = yaml.safe_load(preset.read_text())["behaviour"]["consider_base_per_month"]
    # Annual churn rises by about 4 points when this hazard rises by 25 % here (0.05 → 0.0625), against a replicate
    # noise of the 2-replicate mean of ~1 point and 16 trials over a 500-fold log range: within ±25 % of the truth is
    # a recovery; the search range and the default (0.007) are far outside it.
    assert abs(math.log(fitted / true_value)) < math.log(1.25), fitted  # 0.052 when this was written
    fit = pd.read_csv(tmp_path / "out" / "fit.csv").set_index("target")
    assert abs(fit.loc["annual_churn_rate", "after"] - target) < 0.02  # two points: twice the replicate noise
    assert fit.loc["loss", "after"] < fit.loc["loss", "before"]


# ---- resume ----------------------------------------------------------------------------------------------------
def test_a_stopped_calibration_continues_to_its_total_without_repeating_trials(tmp_path):
    spec = write_spec(tmp_path)
    quiet = {"report": lambda line: None}
    calibrate(spec, tmp_path / "straight", trials=6, **quiet)
    calibrate(spec, tmp_path / "resumed", trials=3, **quiet)
    first = trials_of(tmp_path / "resumed")
    # a run killed in the middle of a trial leaves it RUNNING in the journal
    study = open_study(load_spec(spec), tmp_path / "resumed" / "journal.log")
    study.ask({PARAM: FloatDistribution(0.001, 0.5, log=True)})
    calibrate(spec, tmp_path / "resumed", trials=6, **quiet)
    resumed, straight = trials_of(tmp_path / "resumed"), trials_of(tmp_path / "straight")
    complete = resumed[resumed["state"] == "COMPLETE"]
    assert len(complete) == 6 and (resumed["state"] == "FAIL").sum() == 1  # the killed trial, replaced
    pd.testing.assert_frame_equal(complete.head(3).drop(columns="seconds"), first.drop(columns="seconds"))
    assert complete[PARAM].nunique() == 6  # no trial repeated
    # and the same trials as a calibration run straight through (same spec and seeds ⇒ same results)
    assert complete[PARAM].tolist() == straight[PARAM].tolist()
    assert complete["loss"].tolist() == straight["loss"].tolist()


def test_ctrl_c_stops_in_one_line_and_leaves_only_the_journal(tmp_path):
    # the real command, interrupted as a user would (SIGINT) once it has finished three trials
    out = tmp_path / "out"
    command = [sys.executable, "-m", "churnsim.calibrate", str(SMALL), "--out", str(out), "--trials", "200"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"},
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)) as process:
        for line in process.stdout:
            if line.startswith("[3/"):
                process.send_signal(signal.SIGINT)
                break
        _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in err
    assert err.strip() == f"churnsim-calibrate: error: stopped; run the same command again to continue from the " \
                          f"trials in {out}"
    assert sorted(p.name for p in out.iterdir()) == ["journal.log"]  # nothing that looks like a result
    calibrate(SMALL, out, trials=6, report=lambda line: None)  # continues: at least the first three are kept
    complete = trials_of(out).query("state == 'COMPLETE'")
    assert len(complete) == 6 and complete[PARAM].nunique() == 6


def test_a_journal_of_another_spec_is_not_continued(capsys, tmp_path):
    calibrate(write_spec(tmp_path), tmp_path / "out", trials=1, report=lambda line: None)
    with pytest.raises(SystemExit) as stop:
        main([str(write_spec(tmp_path, "other.yaml", replicates=3)), "--out", str(tmp_path / "out")])
    line = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and "\n" not in line
    assert "holds a calibration with replicates = 2, this spec has replicates = 3" in line


# ---- outputs ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("calibration") / "out"
    calibrate(SMALL, out, trials=4, report=lambda line: None)
    return out


def test_outputs_are_complete_and_atomic(calibrated):
    names = sorted(str(p.relative_to(calibrated)) for p in calibrated.rglob("*") if p.is_file())
    assert names == ["fit.csv", "fit.png", "journal.log", "market/calibrated.yaml", "trials.csv"]  # no temp
    fit = pd.read_csv(calibrated / "fit.csv")
    assert fit["target"].tolist() == ["annual_churn_rate", "loss"]
    assert fit.loc[0, "observed"] == 0.30 and (fit[["before_se", "after_se"]] > 0).all().all()
    trials = trials_of(calibrated)
    assert len(trials) == 4 and (trials["loss_se"] > 0).all()
    assert fit.loc[1, "after"] == trials["loss"].min()


def test_churnsim_takes_the_calibrated_preset_as_it_is(calibrated, tmp_path):
    preset = calibrated / "market" / "calibrated.yaml"
    fitted = yaml.safe_load(preset.read_text())["behaviour"]["consider_base_per_month"]
    assert fitted == trials_of(calibrated).sort_values("loss")[PARAM].iloc[0]
    done = subprocess.run([sys.executable, "-m", "churnsim.app", "--config-dir", str(calibrated),
                           "market=calibrated", "n_accounts=200", "months=3", "burn_in_months=1",
                           "output.tables=[]", "hydra.run.dir=run"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    config = json.loads((tmp_path / "run" / "run.json").read_text())["config"]
    assert config["market"]["name"] == "small_calibrated"  # the spec's name
    assert config["market"]["behaviour"]["consider_base_per_month"] == fitted
