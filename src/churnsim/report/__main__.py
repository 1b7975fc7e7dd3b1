"""``python -m churnsim.report SWEEP_DIR``: the same as ``churnsim-report``."""

from churnsim.report.cli import main

main()
