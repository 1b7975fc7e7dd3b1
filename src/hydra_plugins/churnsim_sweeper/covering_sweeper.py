"""``hydra/sweeper=churnsim``: Hydra's basic sweeper, composing only the first job of each swept value before launching.

Hydra's :class:`~hydra._internal.core_plugins.basic_sweeper.BasicSweeper` composes every job's config in the
launching process before launching a batch (``validate_batch_is_legal``), one after another, so that a bad value
stops the sweep before any job runs. The launcher's workers then compose each config again to run it. For a sweep of
21 strategies × 20 replicates that is 420 compositions (about 50 ms each) with the workers idle.

:class:`CoveringSweeper` is the basic sweeper (same jobs, order, numbering, sweep directory, ``multirun.yaml``,
``max_batch_size`` batches and return value) except that it composes only the jobs :func:`covering_jobs` picks: the
first job in which each value of each key appears (40 of the 420 above). A value that fails to compose in any job
fails in the first job it appears in, so the first job of a batch that Hydra's check would stop at is among those
composed, and the sweep stops there, before any job runs, with the same error. Not checked before launching: a
failure that only some combinations of good values cause; such a job fails when its worker composes it.
"""

# No `from __future__ import annotations`: Hydra's plugin scan runs this module before it is in sys.modules,
# and @dataclass, given string annotations, would look them up there and fail.
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Dict, Optional  # noqa: UP035 (typing forms OmegaConf reads in the dataclass below)

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper, BasicSweeperConf
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.types import Override

from churnsim.core.config import ConfigError

__all__ = ["CoveringSweeper", "CoveringSweeperConf", "covering_jobs"]


def covering_jobs(batch: Sequence[Sequence[str]]) -> list[int]:
    """Positions in ``batch`` of the jobs where an override (``key=value``) appears for the first time, in order.

    Every override of every job appears in at least one of the jobs returned; for a full cartesian product of keys
    with ``n_1, ..., n_k`` values that is ``1 + (n_1 - 1) + ... + (n_k - 1)`` jobs.

    Args:
        batch: each job's overrides, as a sweeper launches them (``["strategy=contracts", "replicate=3", ...]``).
    """
    seen: set[str] = set()
    chosen = []
    for position, job in enumerate(batch):
        if not seen.issuperset(job):
            seen.update(job)
            chosen.append(position)
    return chosen


class CoveringSweeper(BasicSweeper):
    """Hydra's basic sweeper, composing only the :func:`covering_jobs` of each batch before launching it."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose the configs of the batch's covering jobs; raise what composing the first bad one raises."""
        super().validate_batch_is_legal([batch[position] for position in covering_jobs(batch)])

    @staticmethod
    def split_arguments(overrides: list[Override], max_batch_size: int | None) -> list[list[list[str]]]:
        """The basic sweeper's batches of jobs; a swept key with no value (``glob(zzz*)`` matching no option,
        ``range(0,0)``) is bad input, where the basic sweeper would run nothing and say nothing."""
        for override in overrides:
            if override.is_sweep_override() and not any(True for _ in override.sweep_string_iterator()):
                raise ConfigError(f"{override.input_line}: sweeps no value of {override.key_or_group}, so the sweep "
                                  "would run nothing; allowed: at least one value (an existing option, a non-empty "
                                  "range)")
        return BasicSweeper.split_arguments(overrides, max_batch_size)


@dataclass
class CoveringSweeperConf(BasicSweeperConf):
    """The basic sweeper's options (``max_batch_size``, ``params``), for :class:`CoveringSweeper`."""

    _target_: str = f"{CoveringSweeper.__module__}.{CoveringSweeper.__qualname__}"
    # an empty mapping rather than None, so `hydra.sweeper.params.KEY=...` on the command line adds a key instead of
    # failing inside OmegaConf with a traceback
    params: Optional[Dict[str, str]] = field(default_factory=dict)  # noqa: UP006, UP045 (OmegaConf reads these)


ConfigStore.instance().store(group="hydra/sweeper", name="churnsim", node=CoveringSweeperConf, provider="churnsim")
