"""The README tells the truth about outputs: every declared column and every summary key is documented."""

from __future__ import annotations

from pathlib import Path

from churnsim.core.schemas import SCHEMAS
from churnsim.engine.run import simulate
from churnsim.golden import golden_config

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_readme_lists_every_output_column():
    for name, columns in SCHEMAS.items():
        section = README.split(f"#### `{name}.parquet`")[1].split("####")[0]
        missing = [c.name for c in columns if f"`{c.name}`" not in section]
        assert not missing, f"{name}.parquet columns missing from README: {missing}"


def test_readme_lists_every_summary_key():
    cfg = golden_config()
    cfg.n_accounts, cfg.months, cfg.burn_in_months = 300, 3, 0
    section = README.split("### `summary.json`")[1].split("####")[0]
    missing = [key for key in simulate(cfg).summary if f"`{key}`" not in section]
    assert not missing, f"summary keys missing from README: {missing}"
