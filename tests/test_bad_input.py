"""Bad input to ``churnsim`` is caught at the door: one line on stderr naming the problem and what is allowed.

Each case runs the command in a fresh process, as a user would (``test_app.churnsim``), with the user's own configs
in a temporary ``--config-dir``. Cases already covered elsewhere: unknown keys, wrong types, out-of-range values and
an unknown ``market`` option (test_app); inconsistent values in ``validate`` (test_config); component parameters
(test_strategies); ``churnsim-report`` on a missing, non-sweep or all-failed directory (test_report).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_app import TINY, churnsim

from churnsim.core.hydra_schemas import CONF_DIR


def user_conf(root: Path, **files: str) -> Path:
    """A user's config directory holding ``files`` (``"strategy/x.yaml"``-like keys, with ``/`` written ``__``)."""
    for name, text in files.items():
        path = root / "user_conf" / (name.replace("__", "/") + ".yaml")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "user_conf"


def error_line(tmp_path: Path, done: subprocess.CompletedProcess) -> str:
    """The one line of a refused run, after checking that it wrote nothing that looks like a result."""
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("churnsim: error: "), done.stderr
    assert not list(tmp_path.rglob("summary.json")) and not list(tmp_path.rglob("*.parquet"))
    return lines[0]


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


@pytest.mark.parametrize("group", ["strategy", "competitors"])
def test_an_unknown_group_option_lists_the_valid_ones(tmp_path, group):
    line = error_line(tmp_path, churnsim(tmp_path, *TINY, f"{group}=nope"))
    assert f"{group} = nope: no such {group} option; allowed: {', '.join(_options(group))}" in line


@pytest.mark.parametrize("value", ["[]", "[baseline,contracts]"])
def test_a_group_takes_exactly_one_option(tmp_path, value):
    # Hydra would merge a list of options: [] quietly runs the schema's defaults, [a,b] runs b on top of a.
    line = error_line(tmp_path, churnsim(tmp_path, *TINY, f"strategy={value}"))
    assert f"strategy = {value}: must be exactly one strategy option" in line
    assert f"allowed: {', '.join(_options('strategy'))}" in line


def test_an_empty_component_list_is_valid_under_any_name(tmp_path):
    # components: [] is the firm's ordinary operations: baseline, or a placebo strategy under another name.
    conf = user_conf(tmp_path, strategy__placebo="name: placebo\ncomponents: []\n")
    done = churnsim(tmp_path, "--config-dir", str(conf), *TINY, "strategy=placebo", "output.tables=[]",
                    "hydra.run.dir=run")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "run" / "summary.json").exists()


def test_the_options_listed_include_the_users_config_dir(tmp_path):
    conf = user_conf(tmp_path, strategy__mine="name: mine\ncomponents: []\n")
    line = error_line(tmp_path, churnsim(tmp_path, "--config-dir", str(conf), *TINY, "strategy=[]"))
    assert "allowed: " in line and " mine, " in line


def test_tier_shares_not_summing_to_one(tmp_path):
    line = error_line(tmp_path, churnsim(tmp_path, *TINY, "market.accounts.tier_shares=[0.5,0.5,0.5]"))
    assert "market.accounts.tier_shares = [0.5, 0.5, 0.5]: must be three shares summing to 1" in line


def test_contracts_never_renewed_must_end_within_the_run(tmp_path):
    # months=6 from month 0: a contract signed in month 0 must end by month 4 for its end to show in the run.
    line = error_line(tmp_path, churnsim(tmp_path, *TINY, "strategy=contracts", "strategy.components.0.p_renew=0"))
    assert "strategy.components[0].term_months = 24: with p_renew = 0" in line and "must be ≤ 5" in line


def test_contracts_renewed_or_short_enough_are_fine(tmp_path):
    done = churnsim(tmp_path, *TINY, "strategy=contracts", "strategy.components.0.p_renew=0",
                    "strategy.components.0.term_months=5", "output.tables=[]", "hydra.run.dir=run")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("component", "expected"), [
    ("{kind: loyalty_points}", "strategy.components[0].kind = 'loyalty_points': unknown component; allowed: "),
    ("{kind: contracts, term_months: '12'}", "strategy.components[0].term_months = '12': must be of type int"),
    ("{kind: contracts, term: 12}", "strategy.components[0].term: unknown parameter of contracts; allowed: "),
    ("{kind: contracts, discount: 2}", "strategy.components[0].discount = 2.0: must be ≥ 0.0 and ≤ 1.0"),
])
def test_a_bad_component_in_a_user_strategy_file(tmp_path, component, expected):
    conf = user_conf(tmp_path, strategy__mine=f"name: mine\ncomponents: [{component}]\n")
    line = error_line(tmp_path, churnsim(tmp_path, "--config-dir", str(conf), *TINY, "strategy=mine"))
    assert expected in line


def test_an_unknown_key_in_a_user_market_file_names_the_allowed_keys(tmp_path):
    conf = user_conf(tmp_path, market__mine="name: mine\naccounts:\n  size_meadian: 5\n")
    line = error_line(tmp_path, churnsim(tmp_path, "--config-dir", str(conf), *TINY, "market=mine"))
    assert "market.accounts.size_meadian: unknown key; did you mean size_median? allowed: size_median, " in line


@pytest.mark.parametrize(("text", "where"), [
    ("name: mine\ncomponents: [{kind: contracts\n", "line 2, column 14"),
    ("name: mine\n  components: []\n", "line 2, column 13"),
    ("\tname: mine\n", "line 1, column 1"),
])
def test_malformed_yaml_in_a_users_config_dir_names_the_file_and_line(tmp_path, text, where):
    conf = user_conf(tmp_path, strategy__mine=text)
    line = error_line(tmp_path, churnsim(tmp_path, "--config-dir", str(conf), *TINY, "strategy=mine"))
    assert f"{conf / 'strategy' / 'mine.yaml'}, {where}: not valid YAML (" in line
    assert "must be a YAML mapping of key: value lines" in line


def test_malformed_yaml_stops_a_sweep_before_any_job(tmp_path):
    conf = user_conf(tmp_path, strategy__mine="name: [mine\n")
    done = churnsim(tmp_path, "-m", "--config-dir", str(conf), *TINY, "strategy=baseline,mine")
    assert "mine.yaml, line 1, column 7: not valid YAML" in error_line(tmp_path, done)


@pytest.mark.parametrize("sweep", ["strategy=glob(zzz*)", "replicate=range(0,0)"])
def test_a_sweep_with_no_value_to_sweep_stops_instead_of_running_nothing(tmp_path, sweep):
    line = error_line(tmp_path, churnsim(tmp_path, "-m", *TINY, sweep, "hydra.sweep.dir=sweep"))
    assert f"{sweep}: sweeps no value of {sweep.split('=')[0]}" in line and "allowed: at least one value" in line
    assert not (tmp_path / "sweep").exists()


def test_sweep_params_given_on_the_command_line_without_plus_give_one_line(tmp_path):
    # Hydra's basic sweeper has no params by default, and OmegaConf failed with a traceback; ours starts empty
    line = error_line(tmp_path, churnsim(tmp_path, "-m", *TINY, "hydra.sweeper.params.strategy=", "hydra.sweep.dir=s"))
    assert "hydra.sweeper.params.strategy" in line


# ---- at the limits (issue 19) ----------------------------------------------------------------------------------
@pytest.mark.parametrize("override, message", [
    ("seed=100000000000000000000000", "seed = 100000000000000000000000: must be ≥ 0 and ≤ 9223372036854775807"),
    ("replicate=100000000000000000000000",
     "replicate = 100000000000000000000000: must be ≥ 0 and ≤ 9223372036854775807"),
    ("months=100000000", "months = 100000000: must be ≥ 1 and ≤ 1200"),
    ("burn_in_months=5000", "burn_in_months = 5000: must be ≥ 0 and ≤ 1200"),
    # checked though no CLV table is asked for: a value is right or wrong whatever reads it
    ("output.start_date=2026-13-01", "output.start_date = '2026-13-01': must be a date such as 2020-01-01"),
])
def test_values_beyond_what_the_model_takes_are_refused_in_one_line(tmp_path, override, message):
    assert error_line(tmp_path, churnsim(tmp_path, *TINY, override)) == f"churnsim: error: {message}"


def test_a_run_too_big_for_the_memory_available_is_refused_before_it_starts(tmp_path):
    line = error_line(tmp_path, churnsim(tmp_path, *TINY, "n_accounts=2000000000"))
    assert line.startswith("churnsim: error: n_accounts = 2000000000: this run needs about ")
    assert "GB are available; run fewer accounts (about " in line and line.endswith(
        "fewer tables (output.tables), or set output.allow_large=true to try anyway")


def test_a_price_war_ending_before_it_starts_is_refused_in_one_line(tmp_path):
    line = error_line(tmp_path, churnsim(tmp_path, *TINY, "competitors=price_war",
                                         "competitors.price_war.from_month=12", "competitors.price_war.until_month=6"))
    assert line == (
        "churnsim: error: competitors.price_war: the price cut would end (until month 6) before it starts (month 12): "
        "until_month must be after from_month, or left out for a war to the end")


def test_an_attacker_that_is_not_a_rival_is_named_in_one_line(tmp_path):
    line = error_line(tmp_path, churnsim(tmp_path, *TINY, "competitors=aggressive_poacher",
                                         "competitors.attack.rivals=[rival_z]"))
    assert line == ("churnsim: error: competitors.attack.rivals: 'rival_z' is not a rival; the rivals are rival_a, "
                    "rival_b")


@pytest.mark.parametrize(("overrides", "start"), [
    (["competitors=new_entrant", "competitors.rivals.2.enters_at_month=6"],
     "competitors.rivals[2].enters_at_month = 6 and competitors.entrant.enters_at_month = 12: set it in one place, "
     "competitors.entrant.enters_at_month"),
    (["competitors=aggressive_poacher", "competitors.rivals.0.poaching.rep_court_rate_per_month=0.05"],
     "competitors.rivals[0].poaching.rep_court_rate_per_month = 0.05 and competitors.attack.rep_court_rate_per_month "
     "= 0.02: set it in one place, competitors.attack.rep_court_rate_per_month"),
    (["competitors=price_war", "competitors.rivals.1.poaching.price_cut=0.3"],
     "competitors.rivals[1].poaching.price_cut = 0.3 and competitors.price_war.depth = 0.1: set it in one place, "
     "competitors.price_war.depth"),
])
def test_a_value_set_on_a_rival_and_by_the_scenarios_block_is_refused(tmp_path, overrides, start):
    """The block would win and the rival's own value would be lost without a word (it happened to an experiment
    file while the blocks were written)."""
    line = error_line(tmp_path, churnsim(tmp_path, *TINY, *overrides))
    assert line.startswith(f"churnsim: error: {start}"), line
