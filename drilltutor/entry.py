"""The `drilltutor` command's first step, taken before its command line is even parsed.

For `drilltutor run`, that step starts the run's worker (`launcher.started_ahead`): its Python
starts and imports while this process imports Typer and Rich and reads the catalogue, which
takes about as long; the run then hands it the job. Every other command goes straight on,
importing nothing more than it did.
"""

from __future__ import annotations

import sys


def main() -> None:
    if not is_a_run(sys.argv[1:]):
        _cli()
        return
    from drilltutor import launcher

    with launcher.started_ahead():  # before the CLI's own imports: they are the time the worker gains
        _cli()


def _cli() -> None:
    from drilltutor.cli import main as cli

    cli()


def is_a_run(args: list[str]) -> bool:
    """`drilltutor run DRILL ...`, which will want a worker (not `run --help`)."""
    return len(args) > 1 and args[0] == "run" and "--help" not in args
