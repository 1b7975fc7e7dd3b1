"""The workbench's parts that need no browser: levers, background replicates, the live table, the sweep reader, the
watched model, the command line. (The pages themselves: tests/test_workbench_browser.py.)"""

from __future__ import annotations

import dataclasses
import threading

import pytest

pytest.importorskip("solara", reason="the workbench needs the app extra: pip install -e '.[app]'")

from test_memory import _none_alive, built  # noqa: E402,F401 (the fixture that sees every model built)

from churnsim.core.config import ConfigError  # noqa: E402
from churnsim.report.compare import summary_table  # noqa: E402
from churnsim.report.load import load_sweep  # noqa: E402
from churnsim.workbench import cli, live  # noqa: E402
from churnsim.workbench.levers import compose, scenario_overrides, scenario_values, strategy_levers  # noqa: E402
from churnsim.workbench.runs import Comparison, Replicates, run_replicate  # noqa: E402
from churnsim.workbench.watched import WatchedModel, account_positions  # noqa: E402

TINY = Comparison(strategies=("service_guarantee",), n_accounts=500, months=12, replicates=2,
                  scenario={"competitors.price_war.depth": 0.2, "competitors.price_war.until_month": 6},
                  levers={"service_guarantee": {"service_guarantee.service_boost": 0.4}})


def test_a_comparison_sets_the_scenario_and_only_its_own_strategys_levers():
    configs = TINY.configs()
    assert list(configs) == ["baseline", "service_guarantee"]  # baseline added, first
    for cfg in configs.values():
        assert (cfg.competitors.price_war.depth, cfg.competitors.price_war.until_month) == (0.2, 6)
        assert (cfg.n_accounts, cfg.months, cfg.n_threads) == (500, 12, 1)
    assert configs["service_guarantee"].strategy.components[0]["service_boost"] == 0.4
    assert configs["baseline"].strategy.components == []


def test_a_comparison_can_let_accounts_buy_from_several_suppliers():
    assert all(cfg.market.wallet.max_suppliers == 1 for cfg in TINY.configs().values())  # the default: one each
    wallets = dataclasses.replace(TINY, market="home_appliances", max_suppliers=3)
    configs = wallets.configs()
    assert all(cfg.market.wallet.max_suppliers == 3 for cfg in configs.values())
    assert configs["baseline"].market.wallet.multi_source_share == [0.9, 0.8, 0.6]  # the preset's
    row = run_replicate(configs["baseline"], 0).row
    assert 0 < row["share_of_wallet_final"] < 1 and row["revenue_lost_wallet_shifts_keur"] > 0


def test_levers_read_their_defaults_from_the_presets_and_a_war_to_the_end_is_left_out():
    war = scenario_values(compose(["competitors=price_war"]))
    assert war == {"competitors.price_war.depth": 0.1, "competitors.price_war.until_month": 60}
    assert scenario_overrides("price_war", war, months=24) == ["competitors.price_war.depth=0.1"]
    levers = strategy_levers(compose(["strategy=key_account_protection"]))  # components left at their defaults
    assert levers["deep_communication.visits_per_month"][1] == 0.5 and len(levers) == 5


def test_a_bad_value_stops_the_comparison_before_anything_runs():
    with pytest.raises(ConfigError, match="service_boost"):
        Comparison(levers={"service_guarantee": {"service_guarantee.service_boost": float("nan")}}).configs()


def test_background_replicates_equal_those_run_here_and_the_table_is_the_reports(tmp_path):
    configs = TINY.configs()
    landed = []
    assert Replicates(configs, 2, workers=2).run(landed.append) == 4
    assert sorted((x.strategy, x.replicate) for x in landed) == [("baseline", 0), ("baseline", 1),
                                                                 ("service_guarantee", 0), ("service_guarantee", 1)]
    here = run_replicate(configs["service_guarantee"], 1)
    there = next(x for x in landed if (x.strategy, x.replicate) == ("service_guarantee", 1))
    assert there.row == here.row  # the same world whichever worker ran it
    rows = live.table(landed)
    base = {x.replicate: x.row["value_total"] for x in landed if x.strategy == "baseline"}
    deltas = [x.row["value_total"] - base[x.replicate] for x in landed if x.strategy == "service_guarantee"]
    got = rows.set_index("strategy").loc["service_guarantee"]
    assert got["value_total.delta"] == pytest.approx(sum(deltas) / 2) and got["n_paired"] == 2
    assert got["value_total.delta_ci_low"] < got["value_total.delta"] < got["value_total.delta_ci_high"]
    curves = live.retention_bands(landed)
    assert set(curves["strategy"]) == {"baseline", "service_guarantee"} and curves["month"].max() == 11
    assert live.departures_per_run(landed)["mean"].gt(0).any()


def test_stop_keeps_what_has_landed_and_ends_the_workers():
    runs = Replicates(TINY.configs(), 30, workers=2)
    landed = []

    def on_landed(item):
        landed.append(item)
        runs.stop.set()

    assert runs.run(on_landed) == 1 == len(landed) < runs.total


def test_the_app_run_path_frees_its_models(built):  # noqa: F811
    run_replicate(TINY.configs()["service_guarantee"], 0)
    model = WatchedModel(n_accounts=400, months=2)
    while model.running:
        model.step()
    del model
    assert len(built) == 2 and _none_alive(built)


def test_the_watched_model_is_burned_in_counts_reported_months_and_stops_after_the_last():
    model = WatchedModel(n_accounts=400, months=3)
    assert (model.month, model.steps) == (0, 0)
    for _ in range(3):
        model.step()
    assert (model.month, model.steps, model.running) == (3, 3, False)
    assert set(model.shares()["month"]) == {0, 1, 2}
    lost = model.departures_by_reason()
    assert lost.sum() == model.recorder.summary()["departures_total"]
    where = model.accounts_on_map()
    assert len(where) > 300 and where["x"].between(0, 3).all()


def test_accounts_sit_in_their_regions_cell():
    import numpy as np

    x, y = account_positions(np.arange(100), np.arange(100) % 9, 9)
    assert ((x // 1) == (np.arange(100) % 9) % 3).all() and ((y // 1) == (np.arange(100) % 9) // 3).all()


def test_the_sweep_page_reads_as_the_report_does(tmp_path):
    from test_report import TINY as TINY_RUN
    from test_report import churnsim

    from churnsim.workbench.sweep_page import read_sweep

    done = churnsim(tmp_path, "-m", "strategy=baseline,contracts", "replicate=0,1", *TINY_RUN,
                    "hydra.sweep.dir=sweep", "hydra/launcher=basic")
    assert done.returncode == 0, done.stderr
    view = read_sweep(tmp_path / "sweep")
    report = summary_table(load_sweep(tmp_path / "sweep"))
    assert view.rows.equals(report) and view.scenarios() == ["market=generic_b2b, competitors=passive"]
    assert set(view.segments["dimension"]) == {"tier", "region", "size_band", "relationship"}


def test_cli_defaults_and_a_bad_port():
    args = cli.parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    with pytest.raises(SystemExit):
        cli.parse_args(["--port", "70000"])


def test_composition_is_safe_from_several_threads():
    got = []
    threads = [threading.Thread(target=lambda s=s: got.append(compose([f"strategy={s}"]).strategy.name))
               for s in ("contracts", "win_back", "baseline", "bundling")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == ["baseline", "bundling", "contracts", "win_back"]


def test_priors_on_assumptions_give_each_replicate_its_draw_the_same_for_every_strategy():
    wanted = dataclasses.replace(TINY, uncertainty="default")
    configs = wanted.configs()
    assert all(cfg.uncertainty.name == "default" and cfg.uncertainty.priors for cfg in configs.values())
    drawn = {name: run_replicate(cfg, 3) for name, cfg in configs.items()}
    none = run_replicate(TINY.configs()["baseline"], 3)
    # the draws move the baseline's value against the same replicate (the same world) without priors
    assert drawn["baseline"].row["value_total"] != none.row["value_total"]
    # paired: both strategies of a replicate ran in the same world
    assert drawn["baseline"].row["run_seed"] == drawn["service_guarantee"].row["run_seed"]
