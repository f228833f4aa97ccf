"""URLhaus (abuse.ch) CSV dumps: malware-distribution URLs.

The dump opens with '#' comment lines, the last of which names the columns:
id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter (every field quoted).
An uncommented header row is accepted too. `dateadded` (UTC) becomes first-seen, `threat`
(e.g. malware_download) the category, and `urlhaus_link` the reference. Offline URLs are kept,
as for every feed: the question is whether a message pointed somewhere known to be bad.
"""

from __future__ import annotations

from pathlib import Path

from lurewatch.enrich.intel.csvio import csv_rows, header_map
from lurewatch.enrich.intel.model import Indicator, LoadResult
from lurewatch.enrich.intel.values import first_seen, url_value

__all__ = ["COLUMNS", "load_urlhaus_csv"]

FEED = "urlhaus"
COLUMNS = (
    "id",
    "dateadded",
    "url",
    "url_status",
    "last_online",
    "threat",
    "tags",
    "urlhaus_link",
    "reporter",
)


def load_urlhaus_csv(path: Path, feed: str | None = None) -> LoadResult:
    r = LoadResult(format="urlhaus-csv", feed=feed or FEED)
    at = {name: i for i, name in enumerate(COLUMNS)}
    first = True
    for lineno, row in csv_rows(path, r):
        if first:
            first = False
            columns = header_map(row, ("dateadded", "url"))
            if columns is not None:
                at = columns
                continue
        r.read += 1
        if len(row) != len(at):
            r.skip("wrong-column-count", lineno)
            continue
        url = row[at["url"]]
        value = url_value(url)
        if value is None:
            r.skip("not-a-url" if url else "missing-url", lineno)
            continue
        threat = row[at["threat"]] if "threat" in at else ""
        link = row[at["urlhaus_link"]] if "urlhaus_link" in at else ""
        r.add(
            Indicator(
                value,
                "url",
                r.feed,
                first_seen(row[at["dateadded"]], r),
                threat or "malware_download",
                link or None,
            )
        )
    return r
