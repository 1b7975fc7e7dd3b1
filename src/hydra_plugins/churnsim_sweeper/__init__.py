"""churnsim's Hydra sweeper: Hydra's basic sweeper, checking a covering set of jobs' configs before launching.

Hydra finds plugins only in the ``hydra_plugins`` namespace package (``src/hydra_plugins/`` has no
``__init__.py``), imports every module in it and registers the plugin classes and configs they define.
"""
