"""A sensitivity design: the validated spec, the SALib sample of parameter points, and the jobs they make.

The design is what a sensitivity sweep runs and what its analysis reads: ``<sweep dir>/sensitivity/design.json``
holds the spec and every sample point, so the analysis never needs the spec file, and a sweep resumed from the
same spec can check it is the same design. Job ``k`` of the sweep is point ``k // replicates``, replicate
``k % replicates`` (point-major): its overrides are the spec's ``base`` overrides, then ``parameter=value`` for
each sampled parameter (the value as ``repr`` writes it, so the run's config holds exactly the sampled float),
then ``replicate=r``. Replicate ``r`` of every point runs with the same seed: common random numbers.

Light imports only: Hydra's plugin scan imports the sweeper (``hydra_plugins.churnsim_sensitivity``), and with it
this module, on every ``churnsim`` command. SALib is imported when a sample is drawn.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DESIGN_FILE", "METHODS", "Design", "Spec", "keep_design", "make_design", "read_design", "write_atomic"]

DESIGN_FILE = Path("sensitivity") / "design.json"
"""Where a sensitivity sweep's design lives, relative to its sweep directory."""

METHODS = {"morris": {"trajectories": 10, "levels": 4}, "sobol": {"n": 64, "second_order": False}}
"""The methods a spec may name, with the options each takes and their defaults."""


@dataclass(frozen=True)
class Spec:
    """A validated sensitivity spec (see ``docs/sensitivity.md`` for the file format).

    Attributes:
        method: ``morris`` or ``sobol``.
        options: the method's options (:data:`METHODS`), defaults filled in.
        parameters: dotted config paths of the sampled parameters, in the spec's order.
        bounds: ``[lower, upper]`` of each parameter.
        outcomes: keys of ``summary.json`` analysed.
        replicates: runs per sample point (≥ 2: the noise is estimated from them).
        sample_seed: seed of SALib's sample (and of the bootstrap of its confidence intervals).
        base: Hydra overrides every job gets (``market=...``, ``n_accounts=...``), before the sampled values.
    """

    method: str
    options: dict[str, Any]
    parameters: list[str]
    bounds: list[list[float]]
    outcomes: list[str]
    replicates: int
    sample_seed: int
    base: list[str] = field(default_factory=list)

    def problem(self) -> dict[str, Any]:
        """SALib's problem dict: ``num_vars``, ``names``, ``bounds``."""
        return {"num_vars": len(self.parameters), "names": list(self.parameters),
                "bounds": [list(b) for b in self.bounds]}


@dataclass(frozen=True)
class Design:
    """A spec and its sample: ``points[i][j]`` is parameter ``j``'s value at sample point ``i``.

    Attributes:
        spec: the validated spec.
        points: the SALib sample, one row per point, in SALib's order.
        spec_file: the spec file it was made from, as given (only to tell the user how to resume).
    """

    spec: Spec
    points: list[list[float]]
    spec_file: str = ""

    @property
    def n_jobs(self) -> int:
        """Jobs of the sweep: points × replicates."""
        return len(self.points) * self.spec.replicates

    def job(self, point: int, replicate: int) -> int:
        """The job number (``hydra.job.num``) of one replicate of one point."""
        return point * self.spec.replicates + replicate

    def job_overrides(self) -> list[list[str]]:
        """Every job's Hydra overrides, in job order (point-major)."""
        return [[*self.spec.base, *(f"{name}={value!r}" for name, value in zip(self.spec.parameters, point,
                                                                                 strict=True)),
                 f"replicate={replicate}"]
                for point in self.points for replicate in range(self.spec.replicates)]

    def same_as(self, other: Design) -> bool:
        """Whether two designs make the same jobs (the spec file's name aside)."""
        return self.spec == other.spec and self.points == other.points

    def to_json(self) -> str:
        """The design as ``design.json`` holds it."""
        return json.dumps({"spec_file": self.spec_file, "spec": dataclasses.asdict(self.spec),
                           "points": self.points}, indent=1) + "\n"


def make_design(spec: Spec, spec_file: str = "") -> Design:
    """Draw the spec's sample with SALib (Morris trajectories or Saltelli's Sobol' scheme), seeded by the spec."""
    from SALib.sample import morris, sobol  # here: the plugin scan imports this module on every churnsim command

    if spec.method == "morris":
        x = morris.sample(spec.problem(), N=spec.options["trajectories"], num_levels=spec.options["levels"],
                          seed=spec.sample_seed)
    else:
        x = sobol.sample(spec.problem(), spec.options["n"], calc_second_order=spec.options["second_order"],
                         seed=spec.sample_seed)
    return Design(spec=spec, points=[[float(v) for v in row] for row in x], spec_file=spec_file)


def read_design(path: str | os.PathLike) -> Design:
    """Read ``design.json`` (the file, or a sweep directory holding it).

    Raises:
        FileNotFoundError: no design there.
        ValueError: the file is not a design.
    """
    path = Path(path)
    if path.is_dir():
        path = path / DESIGN_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        return Design(spec=Spec(**data["spec"]), points=data["points"], spec_file=data.get("spec_file", ""))
    except (KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a sensitivity design ({err})") from err


def keep_design(path: Path, design: Any, read: Any) -> bool:
    """Write ``design`` (``to_json()``) to ``path`` if nothing is there; return whether the file there now holds it.

    ``read`` reads a design file back (a module's ``read_design``); a file that is not a design is not this one.
    """
    if not path.exists():
        write_atomic(path, design.to_json())
        return True
    try:
        return bool(read(path).same_as(design))
    except ValueError:
        return False


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a hidden temporary file next to ``path``, then move it onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
