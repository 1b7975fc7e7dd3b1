"""churnsim's sensitivity sweeper: the jobs of a sensitivity design (``churnsim-sensitivity``), on any launcher.

Hydra finds plugins only in the ``hydra_plugins`` namespace package (``src/hydra_plugins/`` has no
``__init__.py``), imports every module in it and registers the plugin classes they define; the sweeper's config
is ``conf/hydra/sweeper/sensitivity.yaml``.
"""
