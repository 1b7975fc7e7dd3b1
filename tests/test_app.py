"""The ``churnsim`` command end to end at tiny size, and composition of every shipped preset."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from churnsim.core.config import CompetitorsConfig, MarketConfig, RunConfig
from churnsim.core.hydra_schemas import CONF_DIR, load_config
from churnsim.core.rng import run_seed
from churnsim.core.schemas import SCHEMA_VERSION, check_table
from churnsim.outputs import OUTPUT_FILES

TINY = ["n_accounts=300", "months=6", "burn_in_months=2"]
SUMMARY_KEYS = {  # issue 2, item 6: what summary.json holds for the focal firm at least
    "customer_retention_annual", "revenue_retention_annual", "churn_by_reason", "churn_controllable_share",
    "revenue_total", "strategy_cost", "net_profit", "net_profit_npv", "top20_revenue_share", "market_share_final",
}


def churnsim(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the command as a user would, in a fresh process, from ``cwd`` (outside the repository)."""
    return subprocess.run([sys.executable, "-m", "churnsim.app", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_run_writes_every_output_with_its_schema(tmp_path):
    done = churnsim(tmp_path, *TINY, "seed=3", "replicate=2", "hydra.run.dir=run")
    assert done.returncode == 0, done.stderr
    run_dir = tmp_path / "run"
    default = ["monthly", "events", "accounts"]  # the CLV export's tables only when asked for
    assert sorted(p.name for p in run_dir.iterdir() if p.is_file()) == sorted(
        [f"{name}.parquet" for name in default] + ["run.json", "summary.json"])  # no temp files left
    assert set(OUTPUT_FILES) >= {p.name for p in run_dir.iterdir() if p.is_file()}
    for name in default:
        check_table(name, pd.read_parquet(run_dir / f"{name}.parquet"))  # declared columns, order and dtypes
    run = json.loads((run_dir / "run.json").read_text())
    assert (run["seed"], run["replicate"], run["run_seed"]) == (3, 2, run_seed(3, 2))
    assert run["schema_version"] == SCHEMA_VERSION
    assert run["config"]["n_accounts"] == 300 and run["config"]["market"]["name"] == "generic_b2b"
    assert {"python", "churnsim", "mesa", "numpy", "pandas", "pyarrow", "hydra-core"} <= set(run["versions"])
    assert SUMMARY_KEYS <= set(json.loads((run_dir / "summary.json").read_text()))


def test_default_run_dir_is_unique_per_microsecond(tmp_path):
    done = churnsim(tmp_path, *TINY, "output.tables=[monthly]")
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "outputs").glob("*/*")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d/\d\d-\d\d-\d\d-\d{6}", run_dir.relative_to(tmp_path / "outputs").as_posix())
    assert str(run_dir) in done.stdout
    assert sorted(p.name for p in run_dir.iterdir() if p.is_file()) == ["monthly.parquet", "run.json", "summary.json"]


def test_multirun_writes_one_complete_run_per_job(tmp_path):
    done = churnsim(tmp_path, "-m", *TINY, "seed=0,1", "output.tables=[]")
    assert done.returncode == 0, done.stderr
    seeds = sorted(json.loads(p.read_text())["seed"] for p in (tmp_path / "multirun").glob("*/*/*/run.json"))
    assert seeds == [0, 1]
    assert len(list((tmp_path / "multirun").glob("*/*/*/summary.json"))) == 2
    (sweep_dir,) = (tmp_path / "multirun").glob("*/*")
    last = done.stdout.strip().splitlines()[-1]  # where the sweep is, and what to do next
    assert last == f"churnsim: wrote {sweep_dir.relative_to(tmp_path)} (2 jobs); compare them: churnsim-report " \
                   f"{sweep_dir.relative_to(tmp_path)}"


def test_help_starts_with_what_the_tool_does_and_three_examples(tmp_path):
    lines = churnsim(tmp_path, "--help").stdout.splitlines()
    assert lines[0].startswith("churnsim: an agent-based simulation of a B2B market")
    examples = lines[lines.index("Examples:") + 1:lines.index("Examples:") + 4]
    assert [line.split()[0] for line in examples] == ["churnsim"] * 3
    assert lines.index("Examples:") < lines.index("== Configuration groups ==")


@pytest.mark.parametrize("command", ["churnsim.report.cli", "churnsim.calibrate", "churnsim.sensitivity"])
def test_the_other_commands_help_shows_no_markup(tmp_path, command):
    done = subprocess.run([sys.executable, "-m", command, "--help"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "usage:" in done.stdout
    assert "``" not in done.stdout and ":func:" not in done.stdout and ":mod:" not in done.stdout


@pytest.mark.parametrize(("override", "field", "value"), [
    ("montsh=5", "montsh", "5"),
    ("market.accounts.size_sigmaa=1", "market.accounts.size_sigmaa", "1"),
    ("++market.accounts.extra=1", "market.accounts.extra", "1"),
    ("months=abc", "months", "abc"),
    ("market.accounts.size_median=-1", "market.accounts.size_median", "-1"),
    ("market.environment.p_closure=1.5", "market.environment.p_closure", "1.5"),
    ("months=0", "months", "0"),
    ("market=nowhere", "market", "nowhere"),
])
def test_bad_input_exits_with_one_line_naming_field_value_and_what_is_allowed(tmp_path, override, field, value):
    done = churnsim(tmp_path, *TINY, "hydra.run.dir=run", override)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"{field} = {value}" in lines[0]
    assert "must be" in lines[0] or "allowed:" in lines[0]
    assert not list(tmp_path.rglob("summary.json"))


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


PRESETS = list(itertools.product(_options("market"), _options("competitors")))


@pytest.mark.parametrize(("market", "competitors"), PRESETS)
def test_every_preset_composes_and_validates(market, competitors):
    cfg = load_config([f"market={market}", f"competitors={competitors}"])
    assert (cfg.market.name, cfg.competitors.name) == (market, competitors)


def test_default_composition_is_the_dataclass_defaults():
    cfg, defaults = load_config(), RunConfig()
    assert (cfg.seed, cfg.replicate, cfg.months, cfg.burn_in_months, cfg.n_accounts) == (
        defaults.seed, defaults.replicate, defaults.months, defaults.burn_in_months, defaults.n_accounts)
    assert cfg.market == MarketConfig() and cfg.competitors == CompetitorsConfig() and cfg.output == defaults.output
