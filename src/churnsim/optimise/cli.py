"""The ``churnsim-optimise SPEC --out DIR [--trials N] [--jobs N] [KEY=VALUE ...]`` command: the best plans under a
budget. It searches the spec's levers (which components, their settings, whom they target) with NSGA-II for plans
of high mean Δ value (k€, against the baseline in the same replicates) and low risk (P(loss) or CVaR) whose mean
cost stays within the budget (and retention reaches its target), re-scores the Pareto plans on fresh replicates
and writes each as a strategy preset for ``churnsim --config-dir DIR strategy=plan_<k>``.

KEY=VALUE overrides apply to the spec's base config (``n_accounts=2000``). Bad input stops it before any trial
runs, with one line on stderr and exit status 2; Ctrl-C with status 130 (the same command continues the study
from its journal in DIR); a study in which no plan met the constraints writes its files and ends with status 1.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from optuna.trial import FrozenTrial

from churnsim.core.cli_errors import help_text, study_options
from churnsim.optimise.evaluate import Evaluator, Scores
from churnsim.optimise.plans import describe
from churnsim.optimise.results import clear_results, pareto_front, write_results, write_trials
from churnsim.optimise.search import open_study, run_search, scores_of
from churnsim.optimise.spec import OptimiseSpec, SpecError, load_spec

__all__ = ["Outcome", "main", "optimise"]

PROG = "churnsim-optimise"
NO_FEASIBLE_PLAN = 1
"""Exit status of a study in which no plan met the constraints (bad input: 2; Ctrl-C: 130)."""


@dataclass(frozen=True)
class Outcome:
    """A finished optimisation: the checked spec, every complete trial, the Pareto plans, their fresh scores."""

    spec: OptimiseSpec
    trials: list[FrozenTrial]
    front: list[FrozenTrial]
    checks: list[Scores]
    written: list[Path]


def optimise(spec_path: str | Path, out: str | Path, trials: int | None = None, jobs: int = 1,
             overrides: Sequence[str] = (), report: Callable[[str], None] = print,
             command: str | None = None) -> Outcome:
    """Run or continue the optimisation of ``spec_path`` into ``out``; write its results.

    Args:
        spec_path: the optimisation spec (YAML).
        out: the output directory; it holds the journal, so the same directory continues a stopped study.
        trials: total complete trials wanted (default: the spec's ``trials``).
        jobs: worker processes scoring the plans (0: one per core); the results do not depend on it.
        overrides: Hydra overrides applied to the spec's base config.
        report: called with one progress line per generation.
        command: how it was started, for the presets' header (default: ``churnsim-optimise SPEC --out OUT``).

    Raises:
        SpecError: bad input (one line naming the field, its value and what is allowed).
    """
    spec, base = load_spec(spec_path, overrides)
    total = spec.trials if trials is None else trials
    out = study_options(total, jobs, out, SpecError)
    study = open_study(out, spec)
    clear_results(out)
    evaluator = Evaluator(base, jobs)
    done = run_search(study, spec, evaluator, total, report, lambda so_far: write_trials(out, spec, so_far))
    front = pareto_front(spec, done)
    fresh = range(spec.replicates, spec.replicates + spec.check_replicates)
    if front:
        report(f"checking {len(front)} Pareto plan(s) on fresh replicates {fresh.start}-{fresh.stop - 1}")
    checks = evaluator.score([t.user_attrs["plan"] for t in front], fresh)
    source = command or f"{PROG} {spec_path} --out {out}"
    written = write_results(out, spec, done, front, checks, source, base.strategy.start_month)
    return Outcome(spec, done, front, checks, written)


def table(outcome: Outcome) -> str:
    """The Pareto plans as text for the terminal: search and fresh scores, and what each plan does."""
    spec = outcome.spec
    risk = "P(loss)" if spec.risk == "p_loss" else f"CVaR {spec.cvar_level:g} (k€)"
    risk_format = ".2f" if spec.risk == "p_loss" else ",.0f"
    lines = [f"{'plan':8} {'trial':>5}  {'Δ value (k€)':>18}  {risk:>14}  {'cost (k€)':>10}  {'retention':>9}  "
             f"{'fresh Δ value':>18}  components"]
    for i, (trial, check) in enumerate(zip(outcome.front, outcome.checks, strict=True)):
        s = scores_of(trial)
        lines.append(f"{f'plan_{i}':8} {trial.user_attrs['trial']:>5}  "
                     f"{f'{s.value_delta_mean:+,.0f} ± {s.value_delta_se:,.0f}':>18}  {s.risk(spec):>14{risk_format}}  "
                     f"{s.strategy_cost_total_mean:>10,.0f}  {s.customer_retention_annual_mean:>9.3f}  "
                     f"{f'{check.value_delta_mean:+,.0f} ± {check.value_delta_se:,.0f}':>18}  "
                     f"{describe(trial.user_attrs['plan'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``churnsim-optimise``."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog=PROG, description=help_text(__doc__),
                                     epilog="File format and outputs: docs/optimise.md. Example: "
                                            f"{PROG} conf/optimise/budget_price_war.yaml --out optimise/price_war "
                                            "--jobs 2")
    parser.add_argument("spec", metavar="SPEC", help="optimisation spec (YAML), e.g. "
                        "conf/optimise/budget_price_war.yaml")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="Hydra overrides of the spec's base config, e.g. n_accounts=2000")
    parser.add_argument("--out", metavar="DIR", required=True,
                        help="output directory; it holds the study's journal: run again to continue it")
    parser.add_argument("--trials", metavar="N", type=int, help="total complete trials (default: the spec's trials)")
    parser.add_argument("--jobs", metavar="N", type=int, default=1,
                        help="worker processes scoring plans (default 1; 0: one per core); results do not "
                             "depend on it")
    args = parser.parse_intermixed_args(argv)
    command = shlex.join([PROG, *(sys.argv[1:] if argv is None else argv)])
    try:
        outcome = optimise(args.spec, args.out, args.trials, args.jobs, args.overrides, command=command)
    except SpecError as err:
        _stop(str(err), 2)
    except KeyboardInterrupt:
        _stop(f"stopped; run the same command again to continue from the trials in {args.out}", 130)
    names = ", ".join(str(p.relative_to(args.out)) for p in outcome.written if p.parent.name != "strategy")
    if outcome.front:
        names += f", strategy/plan_0{'' if len(outcome.front) == 1 else f'..{len(outcome.front) - 1}'}.yaml"
    if not outcome.front:
        spec = outcome.spec
        target = "" if spec.retention_target is None else f" and retention ≥ {spec.retention_target:g}"
        print(f"{PROG}: no plan of the {len(outcome.trials)} trials met the constraints (mean cost ≤ "
              f"{spec.budget:,.0f} k€{target}): pareto.csv is empty; see trials.csv")
        print(f"{PROG}: wrote {args.out} ({names})")
        raise SystemExit(NO_FEASIBLE_PLAN)
    print(table(outcome))
    print(f"{PROG}: wrote {args.out} ({names}); run a plan: churnsim --config-dir {args.out} strategy=plan_0 "
          f"{' '.join(outcome.spec.overrides())}")


def _stop(message: str, status: int) -> NoReturn:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    raise SystemExit(status)
