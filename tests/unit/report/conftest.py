"""Stores for the HTML report tests: the demo, an empty one, and one full of hostile text."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportkit import store_hostile_rows
from typer.testing import CliRunner

from lurewatch.cli.app import app
from lurewatch.config import Settings
from lurewatch.incidents.build import build_incidents
from lurewatch.store import Store

runner = CliRunner()


def write_report(db: Path, out: Path, *extra: str) -> str:
    result = runner.invoke(app, ["report", "--html", str(out), "--db", str(db), *extra])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("report-demo") / "demo.duckdb"
    result = runner.invoke(app, ["demo", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="session")
def demo_report(demo_db: Path) -> Path:
    out = demo_db.parent / "report.html"
    write_report(demo_db, out)
    return out


@pytest.fixture(scope="session")
def empty_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report-empty")
    out = folder / "report.html"
    write_report(folder / "empty.duckdb", out)
    return out


@pytest.fixture(scope="session")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report-hostile")
    db = folder / "hostile.duckdb"
    with Store(db) as store:
        store_hostile_rows(store)
        build_incidents(store, Settings())
    out = folder / "report.html"
    write_report(db, out)
    return out
