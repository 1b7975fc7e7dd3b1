"""What the command-line tests share: the check that bad input stopped a command the way the standards ask."""

from __future__ import annotations

import subprocess


def one_line_error(done: subprocess.CompletedProcess) -> str:
    """The one line a command wrote on stderr when it refused bad input (exit status 2, no traceback)."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]
