"""An explore design: the checked spec, its Latin hypercube over the ranges, and the jobs they make.

``<out>/explore/design.json`` holds the spec, every sample point and every job's Hydra overrides, so the analysis
never needs the spec file, a resumed exploration can check it is the same design, and the ``design`` sweeper
(``hydra/sweeper=design``) launches exactly these jobs on any launcher.

Job order: sample ``i``, then replicate ``r``, then strategy. Every strategy of sample ``i`` and replicate ``r``
runs with ``replicate = i × replicates + r``: the same world (common random numbers, and the same prior draws under
``uncertainty=...``), while every sample gets its own world, so the noise is not the same at every point of the
hypercube. The sampled values go into the run's config as ``++assumptions={field: value, ...}``
(:func:`churnsim.engine.uncertainty.with_assumptions`), which sets them over the presets: a strategy field
(``strategy.<kind>.<parameter>``) changes every component of that kind, and a strategy without one is unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DESIGN_FILE", "MEASURES", "Design", "Range", "Spec", "Target", "make_design", "read_design"]

DESIGN_FILE = Path("explore") / "design.json"
"""Where an exploration's design lives, relative to its output directory."""

MEASURES = {"value_total": "strategy_cost_total", "net_profit_npv": "strategy_cost_npv"}
"""The value measures a spec may rank by (k€), each with the strategy cost over the same span."""


@dataclass(frozen=True)
class Range:
    """One explored parameter: a config field and the range sampled (an integer field takes whole numbers)."""

    field: str
    lo: float
    hi: float
    integer: bool = False
    label: str = ""

    def value(self, u: float) -> float | int:
        """The parameter's value at the hypercube coordinate ``u`` ∈ [0, 1): uniform over the range (over its whole
        numbers, each as likely, for an integer field)."""
        if self.integer:
            return int(min(math.floor(self.lo + u * (self.hi - self.lo + 1)), self.hi))
        return self.lo + u * (self.hi - self.lo)


@dataclass(frozen=True)
class Target:
    """A satisficing target on one outcome: ``min ≤ outcome ≤ max`` (either may be absent)."""

    outcome: str
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Spec:
    """A checked explore spec (see ``docs/decisions.md``).

    Attributes:
        strategies: strategy presets compared.
        reference: the strategy Δ value and the probability of loss are measured against (default baseline).
        ranges: the sampled parameters.
        samples: points of the Latin hypercube.
        replicates: runs of every strategy at each point (each its own world, shared by the strategies).
        sample_seed: seed of the hypercube.
        value: the value measure (:data:`MEASURES`).
        targets: the satisficing targets.
        discovery: PRIM's density threshold, peeling alpha and minimum mass; CART's minimum mass.
        base: Hydra overrides of every job (the spec's, then the command line's).
    """

    strategies: list[str]
    reference: str
    ranges: list[Range]
    samples: int
    replicates: int
    sample_seed: int
    value: str = "value_total"
    targets: list[Target] = field(default_factory=list)
    discovery: dict[str, float] = field(default_factory=dict)
    base: list[str] = field(default_factory=list)

    def replicate(self, sample: int, r: int) -> int:
        """The ``replicate`` config value of replicate ``r`` at sample point ``sample``."""
        return sample * self.replicates + r

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Spec:
        return cls(**{**data, "ranges": [Range(**r) for r in data["ranges"]],
                      "targets": [Target(**t) for t in data["targets"]]})


@dataclass(frozen=True)
class Design:
    """A spec and its sample: ``points[i][j]`` is parameter ``j``'s value at sample point ``i``."""

    spec: Spec
    points: list[list[float]]
    spec_file: str = ""

    @property
    def n_jobs(self) -> int:
        return len(self.points) * self.spec.replicates * len(self.spec.strategies)

    def jobs(self) -> list[list[str]]:
        """Every job's Hydra overrides, in job order (sample, replicate, strategy)."""
        spec, out = self.spec, []
        for i, point in enumerate(self.points):
            values = ",".join(f"{r.field}:{v!r}" for r, v in zip(spec.ranges, point, strict=True))
            for rep in range(spec.replicates):
                for strategy in spec.strategies:
                    out.append([*spec.base, f"strategy={strategy}", f"++assumptions={{{values}}}",
                                f"replicate={spec.replicate(i, rep)}"])
        return out

    def same_as(self, other: Design) -> bool:
        return self.spec == other.spec and self.points == other.points

    def to_json(self) -> str:
        return json.dumps({"spec_file": self.spec_file, "spec": dataclasses.asdict(self.spec), "points": self.points,
                           "jobs": self.jobs()}, indent=1) + "\n"


def make_design(spec: Spec, spec_file: str = "") -> Design:
    """Draw the Latin hypercube of the spec's ranges (``scipy.stats.qmc``), seeded by ``sample_seed``."""
    from scipy.stats import qmc  # here: the sweeper plugin imports this module's package on every churnsim command

    u = qmc.LatinHypercube(d=len(spec.ranges), rng=spec.sample_seed).random(spec.samples)
    points = [[r.value(float(x)) for r, x in zip(spec.ranges, row, strict=True)] for row in u]
    return Design(spec=spec, points=points, spec_file=spec_file)


def read_design(path: str | os.PathLike) -> Design:
    """Read ``design.json`` (the file, or an exploration's output directory holding it).

    Raises:
        FileNotFoundError: no design there.
        ValueError: the file is not an explore design.
    """
    path = Path(path)
    if path.is_dir():
        path = path / DESIGN_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        return Design(spec=Spec.from_dict(data["spec"]), points=data["points"], spec_file=data.get("spec_file", ""))
    except (KeyError, TypeError) as err:
        raise ValueError(f"{path}: not an explore design ({err})") from err
