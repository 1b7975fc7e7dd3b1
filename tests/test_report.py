"""``churnsim-report`` on real sweeps made with the ``churnsim`` command at tiny size, and the sweep's progress lines.

The sweeps run in fresh processes from a temporary directory, as a user would run them; extra strategies come from
a temporary config directory (``--config-dir``), never from ``conf/``.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from churnsim.core.hydra_schemas import CONF_DIR
from churnsim.report.compare import t_interval
from churnsim.report.load import load_sweep
from churnsim.report.segments import job_segments
from churnsim.report.series import job_series

TINY = ["n_accounts=300", "months=6", "burn_in_months=2"]
FIGURES = ["retention.png", "worth_it.png", "departures.png", "survival.png"]
REPORT_FILES = ["jobs.csv", "summary.csv", "segments.csv", "report.md", "report.html", *FIGURES]
# The app with its simulation failing for one job, to make a sweep with a genuinely failed job.
FAILING_APP = """
import sys
import churnsim.app as app
real = app.simulate
def simulate(plan, **kwargs):
    if plan.cfg.strategy.name == "contracts" and plan.cfg.replicate == 1:
        raise RuntimeError("injected failure\\nsecond line")
    return real(plan, **kwargs)
app.simulate = simulate
app.main()
"""


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def churnsim(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return _run(cwd, "-m", "churnsim.app", *args)


def report(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return _run(cwd, "-m", "churnsim.report", *args)


def strategy_dir(root: Path, **strategies: str) -> Path:
    """A config directory holding ``strategy/<file>.yaml`` with no components and the given names."""
    (root / "conf" / "strategy").mkdir(parents=True, exist_ok=True)
    for file, name in strategies.items():
        (root / "conf" / "strategy" / f"{file}.yaml").write_text(f"name: {json.dumps(name)}\ncomponents: []\n")
    return root / "conf"


EVIL = "<script>alert('x')</script>"
MODEL_MODULES = ("churnsim.model", "churnsim.mechanisms", "churnsim.strategies", "mesa")
REPORT_IN_PROCESS = """
import sys
from churnsim.report import main
main(sys.argv[1:])
print("imported:", sorted(m for m in sys.modules if m.startswith({modules!r})))
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """baseline, baseline_twin and evil (baseline under other names) and contracts × replicates 0 and 1."""
    root = tmp_path_factory.mktemp("sweep")
    conf = strategy_dir(root, baseline_twin="baseline_twin", evil=EVIL)
    done = churnsim(root, "-m", "--config-dir", str(conf), "strategy=baseline,baseline_twin,contracts,evil",
                    "replicate=0,1", *TINY, "hydra.sweep.dir=sweep", "hydra/launcher=basic")  # jobs in order
    assert done.returncode == 0, done.stderr
    return root / "sweep", done


@pytest.fixture(scope="module")
def reported(sweep, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The report of ``sweep``, made in a fresh process that then prints which model modules it imported."""
    out = tmp_path_factory.mktemp("report") / "out"
    done = _run(out.parent, "-c", REPORT_IN_PROCESS.format(modules=MODEL_MODULES), str(sweep[0]), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out, done


def test_sweep_prints_one_progress_line_per_job(sweep):
    lines = [line for line in sweep[1].stdout.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in lines] == [f"[{k}/8" for k in range(1, 9)]
    assert lines[5].startswith("[6/8] strategy=contracts replicate=1 done in ")


def test_report_writes_every_output_and_prints_the_ranking(reported):
    out, done = reported
    assert sorted(p.name for p in out.iterdir()) == sorted(REPORT_FILES)
    jobs = pd.read_csv(out / "jobs.csv")
    assert len(jobs) == 8 and (jobs["status"] == "complete").all()
    assert sorted(jobs["job"].astype(str)) == [str(k) for k in range(8)]
    assert jobs.groupby("strategy")["replicate"].apply(sorted).to_dict() == {
        "baseline": [0, 1], "baseline_twin": [0, 1], "contracts": [0, 1], EVIL: [0, 1]}
    assert {"seed", "run_seed", "competitors", "market", "net_profit_npv", "customer_retention_annual"} <= set(jobs)
    summary = pd.read_csv(out / "summary.csv")
    assert sorted(summary["rank"]) == [1, 2, 3, 4] and (summary["n_replicates"] == 2).all()
    assert "rank  strategy" in done.stdout and "contracts" in done.stdout
    assert str(out / "report.html") in done.stdout
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(FIGURES) and 'src="retention.png"' not in html


def test_the_report_breaks_each_strategys_cost_down_by_component(reported):
    """Issue 14, point 6: the contracts strategy's cost, per component, in jobs.csv and in the report."""
    out, _ = reported
    jobs = pd.read_csv(out / "jobs.csv")
    column = "strategy_cost_by_component.contracts"
    contracts = jobs[jobs["strategy"] == "contracts"]
    np.testing.assert_allclose(contracts[column], contracts["strategy_cost"], rtol=1e-12)  # its one component
    assert jobs.loc[jobs["strategy"] == "baseline", column].isna().all()  # baseline has none
    text = (out / "report.md").read_text()
    section = text.split("## Strategy cost and actions by component")[1].split("\n## ")[0]
    assert "| contracts | contracts |" in section and "contracts signed" in section and "| baseline |" not in section
    assert "At month 0 the focal firm holds " in text and " of the market's " in text


def test_segments_split_the_month_0_customers_four_ways_and_pair_with_baseline(reported, sweep):
    """Issue 14, point 7: segments.csv by tier, region, size band and relationship owner."""
    out, _ = reported
    seg = pd.read_csv(out / "segments.csv")
    assert set(seg["dimension"]) == {"tier", "region", "size_band", "relationship"}
    assert set(seg.loc[seg["dimension"] == "size_band", "segment"]) == {"Q1", "Q2", "Q3", "Q4"}
    assert set(seg.loc[seg["dimension"] == "relationship", "segment"]) <= {"rep-owned", "firm-owned"}
    # every dimension splits the same cohort: the same accounts and the same kept share, whichever the split
    for _, g in seg[seg["strategy"] == "contracts"].groupby("dimension"):
        assert g["accounts.mean"].sum() == pytest.approx(
            seg[(seg["strategy"] == "contracts") & (seg["dimension"] == "tier")]["accounts.mean"].sum())
    per_job = job_segments(load_sweep(sweep[0]))
    per_job["kept"] = per_job["accounts"] * per_job["retention"]
    kept = per_job.groupby(["strategy", "replicate", "dimension"])["kept"].sum().unstack()  # never lost, per split
    np.testing.assert_allclose(kept.to_numpy(), kept[["tier"]].to_numpy() * np.ones((1, 4)), rtol=1e-12)
    twin = seg[seg["strategy"] == "baseline_twin"]
    assert (twin["retention.delta"] == 0).all() and (twin["revenue.delta"] == 0).all()  # baseline by another name
    assert (twin["value.delta"] == 0).all() and seg["value.mean"].notna().all()
    text = (out / "report.md").read_text()
    assert "## Segments: whom each strategy keeps" in text and "| contracts | tier: key |" in text


def test_jobs_reduced_in_parallel_give_what_the_serial_readers_give(sweep):
    from churnsim.report.perjob import job_parts

    loaded = load_sweep(sweep[0])
    series, segments = job_parts(loaded, n_jobs=2)
    serial = job_series(loaded)
    for name in ("monthly", "departures", "survival"):
        pd.testing.assert_frame_equal(getattr(series, name), getattr(serial, name))
    assert series.skipped == serial.skipped
    pd.testing.assert_frame_equal(segments, job_segments(loaded))


def test_paired_difference_is_exactly_zero_for_a_strategy_identical_to_baseline(reported):
    summary = pd.read_csv(reported[0] / "summary.csv").set_index("strategy")
    metrics = [c.removesuffix(".delta") for c in summary.columns if c.endswith(".delta")]
    assert "net_profit_npv" in metrics and "customer_retention_annual" in metrics
    for name in ("baseline_twin", EVIL):
        twin = summary.loc[name]
        assert twin["n_paired"] == 2
        for m in metrics:
            assert twin[[f"{m}.delta", f"{m}.delta_ci_low", f"{m}.delta_ci_high"]].tolist() == [0.0, 0.0, 0.0], m
        assert math.isnan(twin["return_on_cost"])  # costs nothing
    contracts = summary.loc["contracts"]
    assert contracts["strategy_cost.delta"] > 0 and contracts["strategy_cost.delta_ci_low"] < contracts[
        "strategy_cost.delta_ci_high"]
    assert contracts["return_on_cost"] == pytest.approx(contracts["value_total.delta"]
                                                        / contracts["strategy_cost_total.mean"])


def test_one_value_measure_ranks_and_prices_and_report_value_npv_switches_back(sweep, reported, tmp_path):
    """Issue 14, point 5: value_total ranks the strategies and is return on cost's numerator over the cost of the
    same span; report.value=npv makes net_profit_npv over strategy_cost_npv do all of it."""
    total = pd.read_csv(reported[0] / "summary.csv").set_index("strategy")
    jobs = pd.read_csv(reported[0] / "jobs.csv")
    np.testing.assert_allclose(jobs["value_total"], jobs["net_profit_npv"] + jobs["terminal_value"], rtol=1e-12)
    assert (jobs["strategy_cost_total"] >= jobs["strategy_cost_npv"] - 1e-9).all()
    assert (jobs.loc[jobs["strategy"] == "contracts", "terminal_value"] != 0).all()
    assert list(total.sort_values("rank").index) == list(total.sort_values(
        ["value_total.delta", "customer_retention_annual.delta"], ascending=False, kind="stable").index)
    assert "Δ value (k€, present value)" in (reported[0] / "report.md").read_text()

    done = report(tmp_path, str(sweep[0]), "--out", str(tmp_path / "npv"), "report.value=npv")
    assert done.returncode == 0, done.stderr
    npv = pd.read_csv(tmp_path / "npv" / "summary.csv").set_index("strategy")
    c = npv.loc["contracts"]
    assert c["return_on_cost"] == pytest.approx(c["net_profit_npv.delta"] / c["strategy_cost_npv.mean"])
    assert list(npv.sort_values("rank").index) == list(npv.sort_values(
        ["net_profit_npv.delta", "customer_retention_annual.delta"], ascending=False, kind="stable").index)
    text = (tmp_path / "npv" / "report.md").read_text()
    assert "Δ net profit, present value (k€)" in text and "Value: net_profit_npv" in text


@pytest.mark.parametrize(("setting", "says"), [
    ("report.value=ebitda", "report.value='ebitda': not a value measure; allowed: total, npv"),
    ("report.colour=red", "'report.colour=red': unknown setting; the only one is report.value=total|npv")])
def test_a_bad_report_setting_is_one_line_and_writes_nothing(sweep, tmp_path, setting, says):
    done = report(tmp_path, str(sweep[0]), "--out", str(tmp_path / "out"), setting)
    assert done.returncode == 2 and done.stderr.strip() == f"churnsim-report: error: {says}"
    assert not (tmp_path / "out").exists()


def test_a_sweep_from_before_value_total_is_refused_unless_valued_by_npv(sweep, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(sweep[0], old)
    for path in old.glob("*/summary.json"):
        summary = json.loads(path.read_text())
        for key in ("value_total", "strategy_cost_total", "terminal_value"):
            summary.pop(key)
        path.write_text(json.dumps(summary))
    done = report(tmp_path, str(old), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "have no value_total (they predate it)" in done.stderr
    assert "report.value=npv" in done.stderr and not (tmp_path / "out").exists()
    assert report(tmp_path, str(old), "--out", str(tmp_path / "out"), "report.value=npv").returncode == 0


def test_html_and_markdown_escape_user_supplied_names(reported):
    html, md = ((reported[0] / name).read_text() for name in ("report.html", "report.md"))
    assert "<script" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script" not in md and "&lt;script&gt;" in md


def test_report_never_imports_the_model(reported):
    assert "imported: []" in reported[1].stdout


def test_cohort_survival_starts_at_one_never_rises_and_stays_below_retention(sweep):
    loaded = load_sweep(sweep[0])
    survival = job_series(loaded).survival
    assert len(survival) == 8 * 7  # eight jobs, months 0 … 6
    for _, job in loaded.complete.iterrows():
        curve = survival[(survival["strategy"] == job["strategy"]) & (survival["replicate"] == job["replicate"])]
        values = curve.sort_values("month")["survival"].to_numpy()
        assert values[0] == 1.0 and (np.diff(values) <= 0).all() and curve["cohort_size"].iloc[0] > 50
        kept_share = job["customer_retention_annual"] ** (job["months"] / 12)  # never lost ⊆ still a customer
        assert values[-1] <= kept_share + 1e-12


def test_a_failed_job_leaves_error_txt_and_the_report_lists_it(tmp_path):
    done = _run(tmp_path, "-c", FAILING_APP, "-m", "strategy=baseline,contracts", "replicate=0,1", *TINY,
                "hydra.sweep.dir=sweep", "hydra/launcher=basic")  # the patched app runs the jobs, in order
    assert done.returncode != 0  # Hydra re-raises the failure once every job has run
    assert "[4/4] strategy=contracts replicate=1 FAILED after" in done.stdout
    failed = tmp_path / "sweep" / "3"
    assert (failed / "error.txt").read_text() == "RuntimeError: injected failure second line\n"
    assert not (failed / "summary.json").exists()
    assert len(list((tmp_path / "sweep").glob("*/summary.json"))) == 3  # the other jobs ran

    done = report(tmp_path, "sweep")
    assert done.returncode == 0, done.stderr
    assert "1 of 4 jobs were not used" in done.stdout
    out = tmp_path / "sweep" / "report"
    jobs = pd.read_csv(out / "jobs.csv").set_index("job")
    assert jobs.loc[3, "status"] == "failed" and jobs.loc[3, "error"] == "RuntimeError: injected failure second line"
    assert jobs.loc[3, ["strategy", "replicate"]].tolist() == ["contracts", 1]
    summary = pd.read_csv(out / "summary.csv").set_index("strategy")
    assert summary.loc["contracts", "n_replicates"] == 1 and summary.loc["baseline", "n_replicates"] == 2
    for name in ("report.md", "report.html"):
        assert "RuntimeError: injected failure second line" in (out / name).read_text()


def test_a_job_missing_from_the_grid_is_listed(sweep, tmp_path):
    copy = tmp_path / "sweep"
    shutil.copytree(sweep[0], copy)
    shutil.rmtree(copy / "4")  # contracts, replicate 0
    assert report(tmp_path, "sweep").returncode == 0
    text = (copy / "report" / "report.md").read_text()
    assert "No job directory at all" in text and "| generic_b2b | passive | contracts | 0 | 0 |" in text


def _failed_job(root: Path) -> Path:
    (root / "0" / ".hydra").mkdir(parents=True)
    (root / "0" / ".hydra" / "overrides.yaml").write_text("- strategy=baseline\n")
    (root / "0" / "error.txt").write_text("RuntimeError: boom\n")
    return root


@pytest.mark.parametrize(("make", "problem"), [
    (lambda p: p / "nowhere", "no such directory"),
    (lambda p: (p / "a_file").write_text("x") and p / "a_file", "a file, not a directory"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "not a sweep"),
    (lambda p: _failed_job(p / "failed"), "none of its 1 jobs completed"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, make, problem):
    target = make(tmp_path)
    done = report(tmp_path, str(target), "--out", "out")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and problem in lines[0] and str(target) in lines[0], done.stderr
    assert not (tmp_path / "out").exists() and not list(tmp_path.rglob("report"))


def test_strategy_comparison_experiment_sweeps_every_strategy_with_shared_replicate_seeds(tmp_path):
    done = churnsim(tmp_path, "-m", "+experiment=strategy_comparison", "replicate=range(2,3)", *TINY, "months=3",
                    "output.tables=[]")
    assert done.returncode == 0, done.stderr
    strategies = sorted(p.stem for p in (CONF_DIR / "strategy").glob("*.yaml"))
    n_jobs = len(strategies)  # one replicate each
    assert f"[{n_jobs}/{n_jobs}]" in done.stdout
    (sweep_dir,) = (tmp_path / "multirun" / "strategy_comparison").glob("*/*")
    runs = [json.loads(p.read_text()) for p in sweep_dir.glob("*/run.json")]
    assert len(runs) == n_jobs
    names = [yaml.safe_load((CONF_DIR / "strategy" / f"{s}.yaml").read_text())["name"] for s in strategies]
    assert sorted({r["config"]["strategy"]["name"] for r in runs}) == sorted(names)
    assert {(r["seed"], r["replicate"]) for r in runs} == {(0, 2)}
    assert len({r["run_seed"] for r in runs}) == 1  # every strategy runs on replicate 2's world


def test_t_interval():
    n, mean, low, high = t_interval([1.0, 2.0, 3.0])
    assert (n, mean) == (3, 2.0) and high - mean == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert low == pytest.approx(2 * mean - high)
    assert t_interval([5.0, 5.0, 5.0]) == (3, 5.0, 5.0, 5.0)
    n, mean, low, high = t_interval([4.0, float("nan")])
    assert (n, mean) == (1, 4.0) and math.isnan(low) and math.isnan(high)


def _scatter_rows(n: int, spread: float) -> pd.DataFrame:
    gen = np.random.Generator(np.random.PCG64(3))
    names = ["baseline"] + [f"strategy_with_a_long_name_{i}" for i in range(1, n)]
    rows = pd.DataFrame({"strategy": names, "rank": range(1, n + 1),
                         "strategy_cost_total.mean": np.r_[0.0, gen.uniform(0, spread, n - 1)],
                         "value_total.delta": np.r_[0.0, gen.normal(0, spread / 5, n - 1)]})
    for column in ("strategy_cost_total.ci_low", "strategy_cost_total.ci_high", "value_total.delta_ci_low",
                   "value_total.delta_ci_high"):
        rows[column] = np.nan
    return rows


@pytest.mark.parametrize(("n", "labels"), [(10, 10), (21, 9)])
def test_worth_it_labels_never_overlap(n, labels):
    """Issue 14, point 9: crowded points (ten within a narrow band), and 21 strategies of which the 4 best, the 4
    worst and baseline are labelled; every label's drawn box is apart from every other's."""
    from churnsim.report.figures import _colours, worth_it_figure

    rows = _scatter_rows(n, spread=200.0)
    fig, texts, points = worth_it_figure(rows, _colours(rows["strategy"].tolist()))
    assert (len(texts), points) == (labels, n)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]


def test_figures_over_time_highlight_a_few_of_many_strategies():
    from churnsim.report.figures import highlighted

    ranked = ["a", "b", "baseline", *[f"s{i}" for i in range(17)], "worst"]
    assert highlighted(ranked) == ["a", "b", "baseline", "s0", "worst"]  # baseline, the three best, the worst
    assert highlighted(ranked[:5]) == ranked[:5]


def test_a_strategy_that_never_acted_says_so(tmp_path):
    """Issue 14, point 9: against passive rivals nobody makes an offer, so the value guarantee matches none; the
    report says "0 offers matched" instead of a bare 0."""
    done = churnsim(tmp_path, "-m", "strategy=baseline,value_guarantee", "replicate=0,1", *TINY,
                    "hydra.sweep.dir=sweep", "hydra/launcher=basic", "output.tables=[monthly]")
    assert done.returncode == 0, done.stderr
    reported = _run(tmp_path, "-m", "churnsim.report", str(tmp_path / "sweep"), "--out", str(tmp_path / "out"))
    assert reported.returncode == 0, reported.stderr
    text = (tmp_path / "out" / "report.md").read_text()
    assert "value_guarantee: value_guarantee never acted in this scenario (0 offers matched)" in text


def test_with_share_of_wallet_the_report_splits_revenue_lost_between_departures_and_shifts(reported, tmp_path):
    # one supplier per account (the module's sweep): every loss is a departure, no such section
    assert "Where the revenue goes" not in (reported[0] / "report.md").read_text()
    done = churnsim(tmp_path, "-m", "strategy=baseline,service_guarantee", "replicate=0,1", "n_accounts=1500",
                    "months=12", "burn_in_months=2", "market.wallet.max_suppliers=3", "hydra.sweep.dir=sweep",
                    "hydra/launcher=basic")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "report"
    made = _run(tmp_path, "-m", "churnsim.report", str(tmp_path / "sweep"), "--out", str(out))
    assert made.returncode == 0, made.stderr
    text = (out / "report.md").read_text()
    section = text.split("## Where the revenue goes")[1].split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| service_guarantee")]
    assert len(rows) == 1
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    shifts_share = float(cells[3].rstrip(" %"))
    assert 0 < shifts_share < 100  # both kinds of loss, measured; the Δ columns carry intervals
    assert "[" in cells[4] and "[" in cells[5]
    summary = pd.read_csv(out / "summary.csv")
    assert (summary["revenue_lost_wallet_shifts_keur.mean"] > 0).all()
