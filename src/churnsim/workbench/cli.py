"""``churnsim-app``: serve the workbench (:mod:`churnsim.workbench.pages`) with Solara on this machine.

Every front-end file is served by the app itself, from the ``solara-assets`` package (Solara's asset proxy serves
the files it holds and would fetch only what it lacks): the app needs no network. Solara's usage statistics are
switched off.
"""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["OFFLINE", "main", "parse_args"]

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765
APP = "churnsim.workbench.pages"

OFFLINE = {
    "SOLARA_ASSETS_PROXY": "True",  # the page loads its scripts and styles from this server ...
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # ... and sends nothing anywhere
}
"""Solara's settings (environment variables, read when Solara is imported) that keep the app off the network."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="churnsim-app",
        description="The churnsim workbench in the browser: compare strategies (replicates run in the background), "
                    "look inside one run (Mesa SolaraViz), open a sweep's report. Serves http://HOST:PORT/.",
        epilog="Example: churnsim-app --port 8765, then open http://127.0.0.1:8765/ in a browser.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this machine only; 0.0.0.0: every "
                             "interface)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port {args.port}: allowed 0..65535")
    return args


def main(argv: list[str] | None = None) -> None:
    """Serve the workbench until interrupted (Ctrl-C)."""
    args = parse_args(argv)
    for name, value in OFFLINE.items():
        os.environ.setdefault(name, value)
    # Solara reads its settings when it is imported: only now, after the environment above is set.
    try:
        from solara.__main__ import main as solara_main
    except ModuleNotFoundError:
        sys.exit("churnsim-app: the app's packages are missing; install them with: pip install 'churnsim[app]'")
    print(f"churnsim workbench: http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
    sys.argv = ["solara", "run", APP, "--host", args.host, "--port", str(args.port), "--production", "--no-open",
                "--no-check-version",  # it would ask PyPI for Solara's newest version
                "--log-level", "warning"]
    solara_main()
