"""``python -m churnsim.explore``: the ``churnsim-explore`` command."""

from churnsim.explore import main

main()
