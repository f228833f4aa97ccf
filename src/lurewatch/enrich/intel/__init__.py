"""Threat intel and popularity lists, read from files in their published formats.

Feeds: OpenPhish (text, JSON), PhishTank (JSON, CSV), URLhaus CSV, MISP events and feed
folders, STIX 2.1 bundles and plain lists, each plain, gzip or zip, told apart by content.
`load_intel(paths)` gives an `IntelIndex` and a `LoadResult` per file that accounts for every
record; `index.match(url, host, registered_domain, ip)` says which indicators a link hits and
how (see `match` for the rules, notably why a URL on a shared host never marks its domain).
Popularity lists (npm top-sites, Tranco, plain) load with `load_popularity(paths)`.
"""

from lurewatch.enrich.intel.detect import FORMATS, detect_format
from lurewatch.enrich.intel.loader import load_file, load_intel
from lurewatch.enrich.intel.match import IntelIndex, first_seen_of, match_key
from lurewatch.enrich.intel.model import (
    Counts,
    Indicator,
    IndicatorType,
    LoadResult,
    Match,
    MatchKind,
    Reject,
    Tally,
)
from lurewatch.enrich.intel.popularity import PopularityList, load_popularity
from lurewatch.enrich.intel.shared_hosts import SharedHosts

__all__ = [
    "FORMATS",
    "Counts",
    "Indicator",
    "IndicatorType",
    "IntelIndex",
    "LoadResult",
    "Match",
    "MatchKind",
    "PopularityList",
    "Reject",
    "SharedHosts",
    "Tally",
    "detect_format",
    "first_seen_of",
    "load_file",
    "load_intel",
    "load_popularity",
    "match_key",
]
