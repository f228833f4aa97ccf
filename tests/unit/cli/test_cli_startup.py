"""The CLI builds its help without loading the store, the pipelines or their libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("duckdb", "pyarrow", "ibis", "dkim", "spf", "dns.resolver", "lurewatch.pipeline.ingest")


def test_loading_the_cli_leaves_the_heavy_modules_unloaded() -> None:
    probe = (
        f"import sys, lurewatch.cli.app; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_help_lists_the_verbs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lurewatch", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for verb in ("ingest", "detect", "alerts", "coverage", "demo", "inspect", "rules"):
        assert verb in out
