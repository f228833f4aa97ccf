"""PhishTank: the verified-phish dumps, JSON (an array, or JSON lines) and CSV.

CSV columns: phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,
target. A header row, when present, decides the column order; without one this order is taken.
An entry the community has not verified is skipped ("not-verified"): anyone can submit a URL,
and an unverified report is not a claim this tool should repeat as known-bad. An entry that
is no longer online is kept: mail is often read long after the page is taken down.
"""

from __future__ import annotations

from pathlib import Path

from lurewatch.enrich.intel.csvio import csv_rows, header_map
from lurewatch.enrich.intel.jsonio import read_records
from lurewatch.enrich.intel.model import Indicator, LoadResult
from lurewatch.enrich.intel.values import first_seen, url_value

__all__ = ["COLUMNS", "load_phishtank_csv", "load_phishtank_json"]

FEED = "phishtank"
COLUMNS = (
    "phish_id",
    "url",
    "phish_detail_url",
    "submission_time",
    "verified",
    "verification_time",
    "online",
    "target",
)
_NO = frozenset({"no", "n", "false", "0"})


def _add(r: LoadResult, where: int, fields: dict[str, object]) -> None:
    """One entry (already counted as read) from its named fields."""
    url = fields.get("url")
    if url is None or url == "":
        r.skip("missing-url", where)
        return
    value = url_value(url)
    if value is None:
        r.skip("not-a-url", where)
        return
    verified = fields.get("verified")
    if verified is False or (isinstance(verified, str) and verified.strip().lower() in _NO):
        r.skip("not-verified", where)
        return
    detail = fields.get("phish_detail_url")
    target = fields.get("target")
    r.add(
        Indicator(
            value,
            "url",
            r.feed,
            first_seen(fields.get("submission_time"), r),
            "phishing",
            detail if isinstance(detail, str) and detail else None,
            target if isinstance(target, str) and target and target != "Other" else None,
        )
    )


def _record(r: LoadResult, where: int, obj: object) -> None:
    if not isinstance(obj, dict):
        r.lost("not-an-object", where)
        return
    r.read += 1
    _add(r, where, obj)


def load_phishtank_json(path: Path, feed: str | None = None) -> LoadResult:
    r = LoadResult(format="phishtank-json", feed=feed or FEED)
    read_records(path, r, _record)
    return r


def load_phishtank_csv(path: Path, feed: str | None = None) -> LoadResult:
    r = LoadResult(format="phishtank-csv", feed=feed or FEED)
    columns: dict[str, int] | None = None
    for lineno, row in csv_rows(path, r):
        if columns is None:
            columns = header_map(row, ("phish_id", "url"))
            if columns is not None:
                continue
            columns = {name: i for i, name in enumerate(COLUMNS)}
        r.read += 1
        if len(row) != len(columns):
            r.skip("wrong-column-count", lineno)
            continue
        _add(r, lineno, {name: row[i] for name, i in columns.items()})
    return r
