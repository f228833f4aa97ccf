"""`lurewatch inspect email FILE`: the full analysis of one reported message, for triage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.panel import Panel
from rich.table import Table

from lurewatch.cli.common import (
    DEFAULT_DB,
    ConfigOpt,
    DbOpt,
    JsonOpt,
    OfflineOpt,
    console,
    print_json,
    resolver_from,
    settings_from,
)
from lurewatch.detections.base import EventDetection
from lurewatch.errors import InputError
from lurewatch.readers.records import Reject

app = typer.Typer(help="Analyse one item in full.", no_args_is_help=True)

_JSON_COLUMNS = (
    "email.received",
    "email.authentication_results",
    "email.dkim_signatures",
    "email.attachments",
    "lurewatch.auth.detail",
)


def _sender_history(db: Path, row: dict[str, Any]) -> dict[str, Any] | None:
    from lurewatch.store import Store

    if not db.exists():
        return None
    with Store(db, read_only=True) as store:
        found = store.rows(
            'SELECT "sender.key", "sender.key_type", first_seen, messages, recipients, written_to, prevalence '
            'FROM baseline_sender WHERE "sender.key" IN (?, ?)',
            [row.get("email.from.address"), row.get("email.from.registered_domain")],
        )
    return {r["sender.key_type"]: r for r in found} or {"address": None, "domain": None}


def analyse_file(path: Path, settings: Any, resolver: Any) -> list[dict[str, Any]]:
    from lurewatch.detections.context import DetectionContext
    from lurewatch.detections.engine import evaluate_event
    from lurewatch.detections.registry import all_detections
    from lurewatch.pipeline.email_rows import process_message
    from lurewatch.readers.dispatch import Input, read_messages, sniff_format

    if not path.is_file():
        raise InputError(f"no such file: {path}")
    reports: list[dict[str, Any]] = []
    ctx = DetectionContext(settings=settings)
    for item in read_messages(Input(path, sniff_format(path))):
        result = item if isinstance(item, Reject) else process_message(item, settings, resolver)
        if isinstance(result, Reject):
            reports.append(
                {"source": result.path, "offset": result.offset, "rejected": result.reason}
            )
            continue
        row = result.email
        hits = []
        for det in all_detections():
            if isinstance(det, EventDetection) and det.table == "email":
                f = evaluate_event(det, row, ctx)
                if f:
                    hits.append(
                        {
                            "rule_id": det.id,
                            "clause": det.clause,
                            "severity": f.severity or det.severity,
                            "message": f.message,
                        }
                    )
        shown = {
            k: (orjson.loads(v) if k in _JSON_COLUMNS and isinstance(v, str) else v)
            for k, v in row.items()
        }
        shown["email.body.text"] = (row.get("email.body.text") or "")[:2000]
        shown["email.body.html"] = (row.get("email.body.html") or "")[:2000]
        reports.append(
            {"source": str(path), "offset": row.get("log.offset"), "email": shown, "alerts": hits}
        )
    return reports


@app.command("email")
def inspect_email(
    file: Annotated[Path, typer.Argument(help="An .eml file (or an mbox: every message in it).")],
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    offline: OfflineOpt = False,
    json: JsonOpt = False,
) -> None:
    """Authentication verdicts, header analysis and every detection that fires on a message."""
    settings = settings_from(config, offline)
    reports = analyse_file(file, settings, resolver_from(settings))
    for rep in reports:
        if "email" in rep:
            rep["sender_history"] = _sender_history(db, rep["email"])
    if json:
        print_json(reports if len(reports) != 1 else reports[0])
        return
    for rep in reports:
        if "rejected" in rep:
            console.print(f"[red]rejected[/red] {rep['source']}@{rep['offset']}: {rep['rejected']}")
            continue
        e = rep["email"]
        head = Table.grid(padding=(0, 2))
        for label, key in (
            ("From", "email.from.address"),
            ("Name", "email.from.name"),
            ("Reply-To", "email.reply_to.address"),
            ("Return-Path", "email.return_path"),
            ("Subject", "email.subject"),
            ("Date", "@timestamp"),
        ):
            head.add_row(label, str(e.get(key) or ""))
        auth = " ".join(
            f"{k}={e.get('lurewatch.auth.' + k)}"
            for k in ("spf", "dkim", "dmarc", "arc", "composite")
        )
        head.add_row("Auth", f"{auth} reason={e.get('lurewatch.auth.reason')}")
        console.print(Panel(head, title=rep["source"]))
        if not rep["alerts"]:
            console.print("no detection fired")
        for a in rep["alerts"]:
            console.print(
                f"[bold]{a['severity']}[/bold] {a['rule_id']} ({a['clause']}): {a['message']}"
            )
