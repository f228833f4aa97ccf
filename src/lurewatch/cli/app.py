"""The Typer application: verbs are registered here; each lives in its own module."""

from __future__ import annotations

import sys

import typer

from lurewatch import __version__
from lurewatch.cli import (
    coverage,
    demo,
    detect,
    incidents,
    ingest,
    inspect,
    pivot,
    rejects,
    report,
    rules,
    triage,
)
from lurewatch.errors import LurewatchError

app = typer.Typer(
    name="lurewatch",
    help="Find phishing-style and anomalous communications (MITRE ATT&CK AN1955).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(ingest.ingest)
app.command()(detect.detect)
app.command()(detect.alerts)
app.command()(incidents.alert)
app.command()(incidents.incidents)
app.command()(incidents.incident)
app.command()(pivot.pivot)
app.command()(coverage.coverage)
app.command()(report.report)
app.command()(rejects.rejects)
app.command()(demo.demo)
app.add_typer(inspect.app, name="inspect")
app.add_typer(rules.app, name="rules")
app.add_typer(triage.app, name="triage")


@app.command()
def version() -> None:
    """Print the version."""
    print(__version__)


def main() -> None:
    """Entry point: a LurewatchError is one line on stderr and exit code 1."""
    try:
        app()
    except LurewatchError as exc:
        # Plain text, never wrapped: one line a person (or a script) can act on.
        sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
