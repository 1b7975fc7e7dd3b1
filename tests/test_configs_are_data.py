"""Configs are data, not code: no config file can import or run anything, and what users name is escaped.

Strategy components come from a registry by ``kind``; every config node is a typed dataclass, so ``_target_`` is an
unknown key like any other. (Hydra's own ``hydra.callbacks`` do use ``_target_``: that is Hydra's configuration of
the app, set by ``conf/config.yaml`` or by the user on their own command line, not a model config.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_app import TINY, churnsim
from test_bad_input import error_line, user_conf

from churnsim.report.figures import FigureFile
from churnsim.report.render import to_html, to_markdown

SRC = Path(__file__).parents[1] / "src" / "churnsim"
EVIL = "<script>alert(1)</script>"


def _refused(tmp_path: Path, group: str, text: str) -> str:
    """Run the user's ``group`` file ``mine.yaml``; check the refusal and that nothing was executed."""
    conf = user_conf(tmp_path, **{f"{group}__mine": text.format(marker=tmp_path / "EXECUTED")})
    line = error_line(tmp_path, churnsim(tmp_path, "--config-dir", str(conf), *TINY, f"{group}=mine"))
    assert not (tmp_path / "EXECUTED").exists()
    return line


def test_a_target_in_a_strategy_file_is_an_unknown_key(tmp_path):
    line = _refused(tmp_path, "strategy", "name: mine\n_target_: os.system\ncommand: touch {marker}\n"
                                          "components: []\n")
    assert "strategy._target_: unknown key; allowed: name, components, start_month" in line


@pytest.mark.parametrize("component", [
    "{{_target_: os.system, command: 'touch {marker}'}}",
    "{{_target_: pathlib.Path.touch, self: '{marker}'}}",
    "{{kind: os.system, command: 'touch {marker}'}}",
    "{{kind: contracts, _target_: os.system, command: 'touch {marker}'}}",
])
def test_a_component_cannot_name_code_to_run(tmp_path, component):
    line = _refused(tmp_path, "strategy", f"name: mine\ncomponents: [{component}]\n")
    assert line.startswith("churnsim: error: strategy.components[0]") and "allowed" in line


@pytest.mark.parametrize(("text", "key"), [
    ("name: mine\n_target_: os.system\n", "market._target_"),
    ("name: mine\naccounts: {{_target_: os.system, command: 'touch {marker}'}}\n", "market.accounts._target_"),
])
def test_a_target_in_a_market_file_is_an_unknown_key(tmp_path, text, key):
    assert f"{key}: unknown key; allowed: " in _refused(tmp_path, "market", text)


def test_the_package_never_instantiates_or_imports_by_name_from_a_config():
    # The hook every one of the tests above relies on: nothing turns a config string into code.
    pattern = re.compile(r"\binstantiate\(|\bget_method\(|\bget_class\(|\bimport_module\(|\b_locate\(|\beval\(|"
                         r"\bexec\(|__import__\(")
    offenders = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py") if pattern.search(p.read_text())}
    assert offenders == {
        "progress.py",  # get_class(hydra.sweeper._target_): Hydra's own sweeper, to tell which one it is
        "strategies/__init__.py",  # import_module of the package's own component modules, to fill the registry
    }


def test_every_user_string_is_escaped_in_html_and_markdown(tmp_path):
    # Strategy, market and scenario names, job errors and figure captions reach every kind of block.
    png = tmp_path / "f.png"
    png.write_bytes(b"\x89PNG")
    figure = FigureFile(path=png, title=f"retention {EVIL}", scenario=f"market={EVIL}", caption=EVIL)
    doc = [("h1", EVIL), ("h2", EVIL), ("h3", f"market={EVIL} competitors=passive"), ("p", f"Sweep: {EVIL}."),
           ("ul", [EVIL]), ("table", ["strategy", EVIL], [[EVIL, f"RuntimeError: {EVIL}"]]), ("figure", figure)]
    html, md = to_html(doc), to_markdown(doc, tmp_path)
    for text in (html, md):
        assert "<script" not in text and text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 10
