"""``python -m churnsim.optimise ...``: the same as ``churnsim-optimise``."""

from churnsim.optimise import main

main()
