"""Ingest: find inputs, read them, enrich each record (in parallel), write rows and rejects.

Records are processed by a pool of worker processes; the main process only writes. A bounded
number of records is in flight at once, so memory stays flat however large the input.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from lurewatch.config import Settings
from lurewatch.enrich.dns import Resolver
from lurewatch.ids import content_id_sql, event_id
from lurewatch.net.flow_names import name_flows
from lurewatch.net.flow_state_anomalies import derive_flow_state_anomalies
from lurewatch.net.pcap import read_pcap
from lurewatch.pipeline.email_rows import EmailRows, process_message
from lurewatch.pipeline.evtx_logs import ingest_evtx
from lurewatch.pipeline.log_workers import worker_context
from lurewatch.pipeline.pcap_shards import SHARD_MIN_BYTES, read_pcap_in_shares
from lurewatch.pipeline.writer import (
    MAIL_TABLES,
    IngestSummary,
    Writer,
)
from lurewatch.privacy import check_scope
from lurewatch.readers.cdr import CALL_ID_SQL, call_batches
from lurewatch.readers.chat import read_chat_jsonl, read_slack_export, read_teams_messages
from lurewatch.readers.dispatch import Input, discover, read_messages
from lurewatch.readers.records import RawMessage, Reject
from lurewatch.readers.squid import rows_from_squid
from lurewatch.readers.suricata import read_eve
from lurewatch.readers.sysmon import read_sysmon_xml, sysmon_evtx_batches, sysmon_json_batches
from lurewatch.readers.zeek_conn_bulk import bulk_load_conn
from lurewatch.readers.zeek_web import rows_from_zeek
from lurewatch.store import Store
from lurewatch.util.files import file_size

# A record as a row, or a batch of rows in columns (`pa.Table`), for one table.
Rows = tuple[str, dict[str, Any] | pa.Table]
LogReader = Callable[[Path, Counter[str]], Iterator[Rows | Reject]]

# Readers of log formats: each yields (table, row or column batch) or Reject for one file, and
# counts in the Counter the records of log types this version does not use.
LOG_READERS: dict[str, LogReader] = {
    "zeek": lambda path, unused: rows_from_zeek(path, unused),
    "squid": lambda path, unused: rows_from_squid(path),
    "suricata-eve": read_eve,
    "pcap": lambda path, unused: read_pcap(path, unused),
    "sysmon-evtx": sysmon_evtx_batches,  # ingest reads EVTX with evtx_logs.py
    "sysmon-xml": read_sysmon_xml,
    "sysmon-json": sysmon_json_batches,
}

# Readers whose rows depend on the settings (who is inside, pseudonyms, text retention):
# f(path, unused, settings).
SettingsReader = Callable[[Path, Counter[str], Settings], Iterator[Rows | Reject]]
SETTINGS_READERS: dict[str, SettingsReader] = {
    "slack": read_slack_export,
    "teams": read_teams_messages,
    "chat-jsonl": read_chat_jsonl,
    "cdr": lambda path, unused, settings: call_batches(path, settings),
}

# Column batches carry what identifies each record in `event.id`; the store hashes it with these.
ID_SQL = {"call": CALL_ID_SQL} | {t: content_id_sql(t) for t in ("process", "proc_net", "proc_dns")}

IN_FLIGHT_PER_WORKER = 64

ProgressFn = Callable[[int], None]  # called with the bytes just consumed


# Worker state: set once per worker process by _init_worker.
_W_SETTINGS: Settings | None = None
_W_RESOLVER: Resolver | None = None


def _init_worker(settings: Settings, resolver: Resolver) -> None:
    global _W_SETTINGS, _W_RESOLVER
    _W_SETTINGS, _W_RESOLVER = settings, resolver


def _work(item: RawMessage | Reject) -> tuple[int, EmailRows | Reject]:
    if isinstance(item, Reject):
        return 0, item
    assert _W_SETTINGS is not None and _W_RESOLVER is not None
    try:
        return len(item.data), process_message(item, _W_SETTINGS, _W_RESOLVER)
    except Exception as exc:  # one bad record never stops the run
        reason = f"unexpected error while analysing: {type(exc).__name__}: {exc}"
        return len(item.data), Reject("email", item.path, item.offset, reason.splitlines()[0][:300])


def input_bytes(inputs: list[Input]) -> int:
    return sum(file_size(inp.path) for inp in inputs)


def _items(
    inputs: list[Input], slots: threading.Semaphore, stop: threading.Event
) -> Iterator[RawMessage | Reject]:
    """Messages to the workers, as many in flight as `slots` allows; the pool's feeding thread
    runs this, so it ends when `stop` is set (the run failed) instead of waiting for a slot."""
    for inp in inputs:
        for item in read_messages(inp):
            while not slots.acquire(timeout=0.2):
                if stop.is_set():
                    return
            yield item


def _ingest_logs(
    inputs: list[Input],
    writer: Writer,
    summary: IngestSummary,
    on_progress: ProgressFn | None,
    settings: Settings,
    workers: int = 1,
) -> None:
    """Log files are read and written inline: their records need no per-record analysis. EVTX
    files are mapped in bulk, by `workers` processes when there are several; a large capture
    is analysed by `workers` processes, each its share of the address pairs."""
    evtx = [i.path for i in inputs if i.format == "sysmon-evtx"]
    if evtx:
        reject = functools.partial(_record_reject, writer, summary, summary.run_id)
        ingest_evtx(evtx, writer, summary, reject, on_progress, workers)
        inputs = [i for i in inputs if i.format != "sysmon-evtx"]
    for inp in inputs:
        if inp.format == "zeek" and _bulk_conn(inp, writer, summary):
            if on_progress:
                on_progress(file_size(inp.path))
            continue
        reader = LOG_READERS.get(inp.format)
        if inp.format == "pcap" and workers > 1 and file_size(inp.path) >= SHARD_MIN_BYTES:
            items = read_pcap_in_shares(inp.path, summary.unused, workers)
        elif reader is not None:
            items = reader(inp.path, summary.unused)
        else:
            items = SETTINGS_READERS[inp.format](inp.path, summary.unused, settings)
        for item in items:
            if isinstance(item, Reject):
                _record_reject(writer, summary, summary.run_id, item)
            else:
                writer.add_read(*item)
        if on_progress:
            on_progress(file_size(inp.path))


def _after_flows(store: Store, summary: IngestSummary, zeek_files: list[str]) -> None:
    """Flows just stored get their server names, and those of the Zeek logs just read the
    anomalies their states imply."""
    name_flows(store)
    if zeek_files:
        summary.added["net_anomaly"] += derive_flow_state_anomalies(store, files=zeek_files)


def _bulk_conn(inp: Input, writer: Writer, summary: IngestSummary) -> bool:
    """A plain TSV conn.log goes to the store in one statement; False when it cannot."""
    # Flows of earlier files still being written would be missed by the duplicate check.
    writer.columns.wait()
    result = bulk_load_conn(writer.store, inp.path)
    if result is None:
        return False
    summary.read["flow"] += result.read
    summary.added["flow"] += result.added
    summary.duplicates += result.read - result.added
    for rej in result.rejects:
        _record_reject(writer, summary, summary.run_id, rej)
    return True


def ingest_paths(
    store: Store,
    paths: list[str | Path],
    settings: Settings,
    resolver: Resolver,
    workers: int | None = None,
    on_progress: ProgressFn | None = None,
    on_start: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Read every input under `paths` into the store. Returns what was read, added and rejected."""
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_id = event_id("ingest_run", started.isoformat(), *(str(p) for p in paths), str(os.getpid()))
    summary = IngestSummary(run_id=run_id)
    inputs = list(discover(paths, own=store.files()))
    check_scope(settings, {i.format for i in inputs})  # refuse before anything is stored
    if on_start:
        on_start(input_bytes(inputs))
    for inp in inputs:
        summary.files += 1
        summary.formats[inp.format] += 1
    writer = Writer(store, summary, ID_SQL)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    logs = [i for i in inputs if i.format in LOG_READERS or i.format in SETTINGS_READERS]
    _ingest_logs(logs, writer, summary, on_progress, settings, workers)
    # mail, and the unknown (rejected)
    mail = [i for i in inputs if i.format not in LOG_READERS and i.format not in SETTINGS_READERS]
    in_flight = max(1, workers) * IN_FLIGHT_PER_WORKER
    slots = threading.Semaphore(in_flight)
    stop = threading.Event()
    items = _items(mail, slots, stop)
    pool = None
    if workers > 1:
        # The workers share the parent's heap until they write to it; frozen objects are not
        # walked by the workers' collections, so their pages stay shared (smaller PSS).
        gc.freeze()
        try:
            pool = worker_context().Pool(
                workers, initializer=_init_worker, initargs=(settings, resolver)
            )
        finally:
            gc.unfreeze()
        # A chunk is sent once whole: it must fit in the slots, or the feeder waits for ever.
        chunk = min(8, in_flight)
        results: Iterator[tuple[int, EmailRows | Reject]] = pool.imap(_work, items, chunk)
    else:
        _init_worker(settings, resolver)
        results = map(_work, items)
    try:
        # Mail arrives a message at a time for as long as the mailbox lasts: DuckDB's memory is
        # bounded meanwhile, or it would keep every block it wrote (store.mail_memory_mb).
        with (
            store.memory_limit(settings.store.mail_memory_mb) if mail else contextlib.nullcontext()
        ):
            for size, result in results:
                slots.release()
                if isinstance(result, Reject):
                    _record_reject(writer, summary, run_id, result)
                else:
                    summary.read["email"] += 1
                    writer.add("email", result.email)
                    for r in result.recipients:
                        writer.add("email_recipient", r)
                    for u in result.urls:
                        writer.add("url", u)
                if on_progress and size:
                    on_progress(size)
            for table in MAIL_TABLES:
                writer.flush(table)
        writer.flush()
        if summary.added["flow"]:
            _after_flows(store, summary, [str(i.path) for i in logs if i.format == "zeek"])
    except BaseException:
        stop.set()
        if pool is not None:
            pool.terminate()  # close() and join() would wait for messages no one will read
            pool = None
        raise
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    store.insert(
        "ingest_runs",
        [
            {
                "ingest.run_id": run_id,
                "ingest.started": started,
                "ingest.finished": finished,
                "ingest.paths": [str(p) for p in paths],
                "ingest.read": orjson.dumps(dict(summary.read)).decode(),
                "ingest.added": orjson.dumps(dict(summary.added)).decode(),
                "ingest.duplicates": summary.duplicates,
                "ingest.rejected": summary.rejected,
                "ingest.config": settings.source,
                "ingest.formats": orjson.dumps(dict(summary.formats)).decode(),
            }
        ],
    )
    return summary


def _record_reject(writer: Writer, summary: IngestSummary, run_id: str, rej: Reject) -> None:
    summary.rejected += 1
    summary.reject_reasons[rej.reason.split(":")[0][:80]] += 1
    writer.add(
        "rejects",
        {
            "event.id": event_id("reject", rej.path, str(rej.offset), rej.reason),
            "ingest.run_id": run_id,
            "@timestamp": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "event.kind": rej.kind,
            "log.file.path": rej.path,
            "log.offset": rej.offset,
            "error.message": rej.reason,
        },
    )
