"""``hydra/sweeper=sensitivity``: launch every (sample point, replicate) job of a sensitivity design.

The same sweeper launches any design file that lists its jobs' overrides (``{"jobs": [[override, ...], ...]}``):
``hydra/sweeper=design``, which ``churnsim-explore`` runs (:mod:`churnsim.explore.design`).

The jobs come from the design file (:mod:`churnsim.sensitivity.design`, ``hydra.sweeper.design``, by default
``<sweep dir>/sensitivity/design.json``), not from swept values on the command line: job ``k`` is sample point
``k // replicates``, replicate ``k % replicates``. They are launched as Hydra's basic sweeper launches its jobs
(same numbering from 0, same job directories ``${hydra.sweep.dir}/${hydra.job.num}``, ``multirun.yaml``, batches
of ``max_batch_size``, and a failed job raised once the sweep ends), so every launcher, resuming into the same
``hydra.sweep.dir`` and the failure handling of ``churnsim -m`` work as for any sweep.

Before launching, the first job of each batch is composed (a bad base override or hydra setting stops the sweep
before any job runs). The sampled values need no such check: ``churnsim-sensitivity run`` validated every point
against the config's ranges before writing the design.

This is not a subclass of Hydra's basic sweeper: ``churnsim.progress`` counts a basic sweeper's jobs from the
command line's swept values, which would be 1 here; it shows ``[k]`` without a total instead.
"""

# No `from __future__ import annotations` (see src/hydra_plugins/churnsim_sweeper/covering_sweeper.py).
import json
from collections.abc import Sequence
from pathlib import Path
from typing import List, Optional  # noqa: UP035 (Hydra's own signatures)

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from churnsim.core.config import ConfigError
from churnsim.sensitivity.design import read_design

__all__ = ["SensitivitySweeper"]


class SensitivitySweeper(Sweeper):
    """Launch the jobs of a sensitivity design.

    Args:
        design: path of the design file (``design.json``), or of the sweep directory holding it.
        max_batch_size: jobs handed to the launcher at a time; None: all at once.
    """

    def __init__(self, design: str, max_batch_size: Optional[int] = None) -> None:  # noqa: UP045
        super().__init__()
        self.design = design
        self.max_batch_size = max_batch_size
        self.hydra_context: Optional[HydraContext] = None  # noqa: UP045
        self.config: Optional[DictConfig] = None  # noqa: UP045
        self.launcher: Optional[Launcher] = None  # noqa: UP045

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        """Keep Hydra's context and instantiate the configured launcher (as the basic sweeper does)."""
        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(hydra_context=hydra_context,
                                                                task_function=task_function, config=config)

    def sweep(self, arguments: List[str]) -> List[Sequence[JobReturn]]:  # noqa: UP006
        """Launch every job of the design, in batches; raise a failed job's exception once all have run.

        Args:
            arguments: the command line's config overrides; must be none (the design holds every job's config).

        Raises:
            ConfigError: no design at ``design``, or config overrides on the command line.
        """
        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        jobs = self._jobs(arguments)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        size = self.max_batch_size if self.max_batch_size and self.max_batch_size > 0 else len(jobs)
        returns: list[Sequence[JobReturn]] = []
        for start in range(0, len(jobs), size):
            batch = jobs[start:start + size]
            self.validate_batch_is_legal(batch[:1])
            returns.append(self.launcher.launch(batch, initial_job_idx=start))
        for results in returns:
            for result in results:
                _ = result.return_value  # raises the job's exception if it failed, as the basic sweeper does
        return returns

    def _jobs(self, arguments: Sequence[str]) -> list[list[str]]:
        """Every job's overrides from the design; refuse config overrides given on the command line."""
        assert self.hydra_context is not None
        overrides = OverridesParser.create(config_loader=self.hydra_context.config_loader).parse_overrides(
            list(arguments))
        if overrides:
            raise ConfigError(f"{overrides[0].input_line}: a sensitivity sweep takes every job's config from its "
                              "design; allowed on the command line: hydra.* settings only (put config overrides "
                              "in the spec's base list)")
        path = Path(self.design)
        try:
            jobs = json.loads(path.read_text(encoding="utf-8")).get("jobs") if path.is_file() else None
            if isinstance(jobs, list) and all(isinstance(j, list) for j in jobs):
                return jobs  # a design that lists its jobs' overrides (churnsim-explore)
            design = read_design(path)
        except FileNotFoundError as err:
            raise ConfigError(f"hydra.sweeper.design = {path}: no such file; allowed: a design written by "
                              "churnsim-sensitivity run SPEC (sensitivity/design.json in the sweep directory)") from err
        except ValueError as err:  # json.JSONDecodeError included
            raise ConfigError(f"hydra.sweeper.design = {path}: not a design ({err})") from err
        return design.job_overrides()
