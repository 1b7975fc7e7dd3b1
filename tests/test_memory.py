"""A finished run leaves nothing behind: no model is reachable once its run is over (on every Mesa version).

Mesa < 3.4 held every model ever built through ``Agent._ids`` (churnsim.engine.mesa_compat); these tests fail if
that, or anything of ours (a recorder, a cache, a registry, a callback), keeps a finished model alive.
"""

from __future__ import annotations

import functools
import gc
import itertools
import weakref
from collections import defaultdict

import mesa
import pytest
import yaml
from conftest import small_config
from omegaconf import OmegaConf

from churnsim import app
from churnsim.calibrate.objective import evaluate
from churnsim.calibrate.spec import load_spec
from churnsim.core.config import RunConfig, StrategyConfig
from churnsim.core.hydra_schemas import CONF_DIR
from churnsim.diagnostics import measure_effects
from churnsim.engine.model import MarketModel
from churnsim.engine.run import simulate


@pytest.fixture
def built(monkeypatch) -> list[weakref.ref]:
    """A weak reference to every model built while the test runs (subclasses included)."""
    refs: list[weakref.ref] = []
    init = MarketModel.__init__

    def recording(self, *args, **kwargs):
        refs.append(weakref.ref(self))
        init(self, *args, **kwargs)

    monkeypatch.setattr(MarketModel, "__init__", recording)
    return refs


def _none_alive(refs: list[weakref.ref]) -> bool:
    gc.collect()
    return bool(refs) and all(ref() is None for ref in refs)


STRATEGY = StrategyConfig("both", [{"kind": "satisfaction_survey", "interval_months": 1}, {"kind": "contracts"},
                                   {"kind": "alignment"}, {"kind": "market_monitoring"}])


def test_a_plain_run_is_freed(built):
    result = simulate(small_config(n_accounts=400, months=4))
    assert result.summary["departures_total"] >= 0 and _none_alive(built)


def test_a_run_with_strategies_on_the_reference_path_is_freed(built):
    simulate(small_config(n_accounts=300, months=3, strategy=STRATEGY), reference=True)  # Mesa views made monthly
    assert _none_alive(built)


def test_a_model_stepped_by_hand_is_freed(built):
    measure_effects(small_config(n_accounts=400, months=14))  # a subclass of the model, stepped month by month
    assert _none_alive(built)


def test_a_calibration_trial_is_freed(built, tmp_path):
    raw = yaml.safe_load((CONF_DIR / "calibration" / "small.yaml").read_text())
    raw["base"] = {"n_accounts": 400, "months": 12, "burn_in_months": 2}
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(raw))
    spec = load_spec(tmp_path / "spec.yaml")
    evaluate(spec, spec.base)
    assert len(built) == spec.replicates and _none_alive(built)


def test_a_job_of_a_sweep_is_freed(built, tmp_path):
    # the function every Hydra job runs, the sensitivity sweeper's points included
    job = OmegaConf.structured(RunConfig(n_accounts=300, months=3, burn_in_months=1, strategy=STRATEGY))
    assert app.run(job, tmp_path / "job") is not None
    assert _none_alive(built)


@pytest.mark.skipif(not hasattr(mesa.Agent, "_ids"), reason="Mesa ≥ 3.4 numbers agents on the model")
def test_without_the_workaround_mesa_33_keeps_every_model(built, monkeypatch):
    # the check can fail: Mesa 3.3's own class-level defaultdict, put back, holds the finished model
    monkeypatch.setattr(mesa.Agent, "_ids", defaultdict(functools.partial(itertools.count, 1)))
    monkeypatch.setattr("churnsim.engine.model.free_finished_models", lambda: None)
    simulate(small_config(n_accounts=300, months=2))
    assert not _none_alive(built)
