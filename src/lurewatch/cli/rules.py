"""`lurewatch rules`: the detection catalogue, and a self-test of every rule against its examples."""

from __future__ import annotations

import typer
from rich.table import Table

from lurewatch.cli.common import JsonOpt, console, print_json_line
from lurewatch.detections.base import Detection, EventDetection, QueryDetection

app = typer.Typer(help="The detection catalogue.", no_args_is_help=True)


def _required(d: Detection) -> tuple[str, ...]:
    if isinstance(d, QueryDetection):
        return d.requires
    return (d.table,) if isinstance(d, EventDetection) else ()


@app.command("list")
def list_rules(json: JsonOpt = False) -> None:
    """Every detection with its clause, techniques, severity and the evidence it needs."""
    from lurewatch.detections.registry import all_detections

    dets = all_detections()
    if json:
        for d in dets:
            print_json_line(
                {
                    "id": d.id,
                    "title": d.title,
                    "clause": d.clause,
                    "techniques": d.techniques,
                    "severity": d.severity,
                    "evidence_kinds": d.evidence_kinds,
                    # Tables without whose rows it is not run.
                    "requires": _required(d),
                    "description": d.description,
                    "false_positives": d.false_positives,
                    "playbook": d.playbook,
                }
            )
        return
    table = Table(title=f"{len(dets)} detections")
    for col in ("id", "clause", "severity", "techniques", "title"):
        table.add_column(col)
    for d in dets:
        table.add_row(d.id, d.clause, d.severity, " ".join(d.techniques), d.title)
    console.print(table)


@app.command("test")
def test_rules() -> None:
    """Run every detection on its own examples (written for the example organization corp.example);
    exit 1 if any example does not hold."""
    from lurewatch.detections.registry import all_detections
    from lurewatch.detections.testing import example_settings, failing_examples

    settings = example_settings()
    bad = 0
    for d in all_detections():
        fails = failing_examples(d, settings)
        bad += len(fails)
        mark = "[green]ok[/green]" if not fails else "[red]FAIL[/red]"
        console.print(f"{mark} {d.id} ({len(d.examples)} examples)")
        for f in fails:
            console.print(f"    {f}")
    if bad:
        raise typer.Exit(1)
