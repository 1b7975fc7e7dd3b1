"""Regenerate the published studies: each study's sweep, then its report into ``experiments/<study>/results/``.

    python experiments/studies.py                     # every study at full size (what `make experiments` runs)
    python experiments/studies.py salesforce_exodus   # one study
    python experiments/studies.py --small             # the reduced-size references that tests/test_studies.py
                                                      # re-runs and compares

Each study is a sweep file, ``conf/experiment/<study>.yaml``; sweeps go to ``multirun/studies/<study>`` (not
committed). Run from the repository's top folder.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ("passive_competitors", "under_attack", "salesforce_exodus")
# The reduced size of the reproducibility check: small enough for the test suite, large enough to exercise every
# strategy of the study with two paired replicates.
SMALL = ("n_accounts=1000", "months=24", "burn_in_months=12", "replicate=range(0,2)")
KEPT = ("summary.csv", "jobs.csv", "segments.csv", "report.md", "retention.png", "worth_it.png", "departures.png",
        "survival.png")


def run_study(name: str, out_dir: Path, sweep_dir: Path, overrides: tuple[str, ...] = (),
              kept: tuple[str, ...] = KEPT) -> Path:
    """Run study ``name``'s sweep into ``sweep_dir``; copy the ``kept`` files of its report into ``out_dir``."""
    bin_dir = Path(sys.executable).parent
    shutil.rmtree(sweep_dir, ignore_errors=True)
    subprocess.run([str(bin_dir / "churnsim"), "-m", f"+experiment={name}", f"hydra.sweep.dir={sweep_dir}",
                    *overrides], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    report = sweep_dir / "report"
    subprocess.run([str(bin_dir / "churnsim-report"), str(sweep_dir), "--out", str(report)], check=True, cwd=ROOT)
    out_dir.mkdir(parents=True, exist_ok=True)
    for file in kept:
        for path in report.glob(file.replace(".", "*.")):  # scenario-numbered figures too: retention_1.png, …
            shutil.copy2(path, out_dir / path.name)
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("studies", nargs="*", metavar="STUDY", help=f"any of {', '.join(STUDIES)} (default: all)")
    parser.add_argument("--small", action="store_true", help="the reduced-size references, into reference_small/")
    args = parser.parse_args()
    unknown = sorted(set(args.studies) - set(STUDIES))
    if unknown:
        parser.error(f"unknown studies {unknown}; allowed: {', '.join(STUDIES)}")
    for name in args.studies or STUDIES:
        out = ROOT / "experiments" / name / ("reference_small" if args.small else "results")
        shutil.rmtree(out, ignore_errors=True)
        if args.small:
            run_study(name, out, Path("multirun/studies") / f"{name}_small", SMALL, kept=("summary.csv",))
        else:
            run_study(name, out, Path("multirun/studies") / name)
        print(f"{name}: wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
