"""``python -m churnsim.sensitivity ...``: the same as ``churnsim-sensitivity``."""

from churnsim.sensitivity import main

main()
