"""``python -m churnsim.calibrate SPEC``: the same as ``churnsim-calibrate``."""

from churnsim.calibrate.cli import main

main()
