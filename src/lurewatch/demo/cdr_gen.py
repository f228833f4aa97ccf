"""A realistic organization's telephony and its call log, in the CDR export formats lurewatch reads.

Three sites (San Francisco, Berlin, London), each with an extension block (2xxx, 4xxx, 6xxx, one
digit more for large sites), a DID block and a PSTN trunk; a help desk, executives and a finance team at headquarters. Calls
fall in local business hours, mostly on weekdays: about 30 % internal, 35 % inbound, 35 %
outbound. Outside parties come from a pool of valid numbers of several countries (fixed, mobile,
toll-free), where a few suppliers and customers account for many of the calls.

Injected two days before the end of the period (when it spans ten days or more):
- robocall: a number of the FTC robocall list (or a generated toll-free one) calls two
  employees, and one of them calls it back;
- fanout: a never-seen number calls twelve employees, the help desk first, within an hour;
- spoof: calls over the PSTN trunk presenting the CFO's own number reach the finance team;
- burst: a never-seen mobile number calls two employees five times in twenty minutes;
- origin: a call from Nigeria (no site or pool number is there) and one to a premium-rate number.

`generate` gives one canonical Arrow table (UTC microseconds); `render` turns it into the columns
of a format (cucm, teams, webex, generic) and `write_cdr` writes the CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from lurewatch.config_channels import Calls
from lurewatch.enrich.phone import parse_public
from lurewatch.readers.cdr.presets import ASTERISK_COLUMNS, CUCM_COLUMNS

FORMATS = ("cucm", "teams", "webex", "asterisk", "generic")
# name, UTC offset in winter (hours), DID prefix (+ 4 digits), extension block digit, trunk
SITES = (
    ("San Francisco", -8, "+1415555", 2, "SBC-SFO-PSTN"),
    ("Berlin", 1, "+49309018", 4, "SBC-BER-PSTN"),
    ("London", 0, "+4420794", 6, "SBC-LON-PSTN"),
)
# Outside numbers: country code, area or mobile prefixes, subscriber digits, share of the pool.
PLANS = (
    ("+1", ("212", "312", "415", "617", "646", "650", "713", "206", "303", "404"), 7, 30),
    ("+1", ("800", "833", "844", "855", "866", "877", "888"), 7, 6),
    ("+1", ("416", "514", "604"), 7, 4),
    ("+49", ("30", "40", "69", "89", "211"), 7, 14),
    ("+49", ("151", "160", "170", "171", "176"), 8, 8),
    ("+44", ("20", "161", "121", "131"), 8, 12),
    ("+44", ("7700", "7911", "7400"), 6, 8),
    ("+33", ("1", "4", "6"), 8, 6),
    ("+31", ("20", "10", "6"), 7, 4),
    ("+91", ("98", "99", "80"), 8, 3),
    ("+61", ("2", "3", "4"), 8, 2),
    ("+81", ("3", "90"), 8, 2),
)
NAMES = ("alex", "blake", "casey", "dana", "eli", "harper", "jordan", "kai", "morgan", "quinn")
SURNAMES = ("ng", "ortiz", "patel", "rossi", "schmidt", "tanaka", "weber", "varga")
SCENARIO_NUMBERS = {
    "fanout": "+18445550187",  # toll-free, never in the pool
    "burst": "+447400918273",
    "origin": "+2348031234567",
    "premium": "+19005551234",
}
_US = 1_000_000
_MINUTE = 60 * _US


@dataclass
class World:
    """The organization (per-employee arrays) and the outside numbers it deals with."""

    ext: np.ndarray
    did: np.ndarray
    upn: np.ndarray
    device: np.ndarray  # the employee's Cisco phone (SEP + MAC)
    site: np.ndarray
    numbers: np.ndarray  # outside numbers (E.164): the pool, then the scenario numbers
    pool: int
    helpdesk: int = 0
    vips: tuple[int, ...] = (1, 2)  # the CEO and the CFO
    finance: tuple[int, ...] = (3, 4, 5, 6)
    scenario: dict[str, int] = field(default_factory=dict)  # name -> index in numbers
    ext_digits: int = 3  # digits after the site's block digit: 2001, or 20001 in large sites

    def settings(self) -> Calls:
        """The calls settings that describe this organization."""
        return Calls(
            extensions=[f"{block}" + "X" * self.ext_digits for _n, _o, _p, block, _t in SITES],
            internal_numbers=[prefix + "XXXX" for _n, _o, prefix, _f, _t in SITES],
            external_trunks=[trunk.lower() for *_x, trunk in SITES] + ["sbc*.corp.example"],
            helpdesk_numbers=[str(self.ext[self.helpdesk])],
            vip_numbers=[str(self.ext[v]) for v in self.vips],
        )


def build_world(employees: int = 300, pool: int = 3000, seed: int = 7, robocall: str = "") -> World:
    """An organization of `employees` people and `pool` outside numbers, each a valid number."""
    rng = np.random.default_rng(seed)
    site = rng.choice(len(SITES), size=employees, p=[0.5, 0.3, 0.2])
    site[: max(7, employees // 40)] = 0  # help desk, executives and finance are at headquarters
    counts = np.zeros(len(SITES), dtype=int)
    width = 3 if np.bincount(site).max() < 999 else 4
    ext, did, upn = [], [], []
    for i, s in enumerate(site):
        counts[s] += 1
        ext.append(f"{SITES[s][3]}{counts[s]:0{width}d}")
        did.append(f"{SITES[s][2]}{counts[s]:04d}")
        upn.append(f"{NAMES[i % 10]}.{SURNAMES[i // 10 % 8]}{i}@corp.example")
    macs = rng.integers(0, 2**48, size=employees)
    devices = [f"SEP{int(m):012X}" for m in macs]
    numbers = _pool(rng, pool)
    extra = dict(SCENARIO_NUMBERS, robocall=robocall or "+18885550142", spoof=did[2])
    scenario = {k: len(numbers) + i for i, k in enumerate(extra)}
    return World(
        np.array(ext, object),
        np.array(did, object),
        np.array(upn, object),
        np.array(devices, object),
        site,
        np.array(numbers + list(extra.values()), object),
        len(numbers),
        scenario=scenario,
        ext_digits=width,
    )


def _pool(rng: np.random.Generator, size: int) -> list[str]:
    weights = np.array([w for *_x, w in PLANS], float)
    out: set[str] = set()
    while len(out) < size:
        cc, prefixes, digits, _w = PLANS[rng.choice(len(PLANS), p=weights / weights.sum())]
        subscriber = str(rng.integers(2, 10)) + "".join(map(str, rng.integers(0, 10, digits - 1)))
        number = cc + str(rng.choice(prefixes)) + subscriber
        if parse_public(number, "US").type not in (None, "unknown"):
            out.add(number)
    out -= set(SCENARIO_NUMBERS.values())
    numbers = sorted(out)
    rng.shuffle(numbers)  # popularity below follows the index: no country is favoured
    return numbers


def _times(
    rng: np.random.Generator, n: int, start: dt.date, days: int, offsets: np.ndarray
) -> np.ndarray:
    """UTC microseconds of calls in local business hours; few on weekends."""
    day = rng.integers(0, days, size=n)
    weekday = (np.datetime64(start, "D") + day).astype(np.int64) + 3  # 1970-01-01 was a Thursday
    weekend = weekday % 7 >= 5
    day = np.where(weekend & (rng.random(n) > 0.08), rng.integers(0, days, size=n), day)
    hour = np.clip(rng.normal(12.5, 2.6, size=n), 7.0, 19.5)
    base = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp())
    seconds = base + day * 86400 + (hour * 3600).astype(np.int64) - offsets * 3600
    return seconds * _US + rng.integers(0, _US, size=n)


def generate(
    world: World,
    calls: int,
    start: dt.date,
    days: int = 30,
    seed: int = 11,
    scenarios: bool = True,
) -> pa.Table:
    """`calls` ordinary calls over `days` from `start`, then the injected scenarios (unless
    `scenarios` is false, for the second and later parts of a large log).

    Columns: t (UTC microseconds), kind (0 internal, 1 inbound, 2 outbound), emp (the employee:
    the caller of an internal call), other (the other employee, or an index into numbers),
    duration (seconds), answered, label (the scenario, empty for ordinary calls)."""
    rng = np.random.default_rng(seed)
    n_emp = len(world.ext)
    kind = rng.choice(3, size=calls, p=[0.30, 0.35, 0.35]).astype(np.int8)
    emp = rng.integers(0, n_emp, size=calls)
    # A few numbers call and are called a lot: the top 1 % of the pool has a tenth of the calls.
    outside = (world.pool * rng.random(calls) ** 2).astype(np.int64)
    colleague = (emp + rng.integers(1, n_emp, size=calls)) % n_emp
    offsets = np.array([s[1] for s in SITES])[world.site[emp]]
    answered = rng.random(calls) < np.where(kind == 1, 0.78, 0.7)
    cols = {
        "t": _times(rng, calls, start, days, offsets),
        "kind": kind,
        "emp": emp,
        "other": np.where(kind == 0, colleague, outside),
        "duration": np.where(answered, np.round(rng.lognormal(4.6, 1.0, size=calls)), 0.0),
        "answered": answered,
        "label": np.full(calls, "", object),
    }
    if scenarios and days >= 10:
        injected = _scenarios(world, start, days)
        cols = {k: np.concatenate([v, injected[k]]) for k, v in cols.items()}
    order = np.argsort(cols["t"], kind="stable")
    return pa.table({k: v[order] for k, v in cols.items()})


def _scenarios(world: World, start: dt.date, days: int) -> dict[str, np.ndarray]:
    """The injected calls, from 10:00 in San Francisco two days before the end."""
    t0 = int(dt.datetime(start.year, start.month, start.day, 18, tzinfo=dt.UTC).timestamp())
    t0 = (t0 + (days - 2) * 86400) * _US
    sc = world.scenario
    rows = [
        (3, 1, 10, sc["robocall"], 240.0, True, "robocall"),
        (9, 1, 11, sc["robocall"], 0.0, False, "robocall"),
        (30, 2, 10, sc["robocall"], 95.0, True, "robocall"),
    ]
    for i, e in enumerate([world.helpdesk, *range(20, 31)]):
        rows.append((60 + 4 * i, 1, e, sc["fanout"], 40.0, True, "fanout"))
    for i, e in enumerate(world.finance):
        rows.append((150 + 6 * i, 1, e, sc["spoof"], 120.0, True, "spoof"))
    for i in range(5):
        rows.append((200 + 4 * i, 1, 40 + i % 2, sc["burst"], 15.0, i % 2 == 0, "burst"))
    rows += [(260, 1, 50, sc["origin"], 30.0, True, "origin")]
    rows += [(270, 2, 51, sc["premium"], 300.0, True, "origin")]
    minute, kind, emp, other, duration, answered, label = zip(*rows, strict=True)
    return {
        "t": t0 + np.array(minute, np.int64) * _MINUTE,
        "kind": np.array(kind, np.int8),
        "emp": np.array(emp, np.int64),
        "other": np.array(other, np.int64),
        "duration": np.array(duration, float),
        "answered": np.array(answered, bool),
        "label": np.array(label, object),
    }


def sides(world: World, table: pa.Table, style: str) -> tuple[np.ndarray, np.ndarray]:
    """Caller and callee of each call; employees by extension ("ext") or by DID ("did")."""
    kind, emp, other = (table[c].to_numpy() for c in ("kind", "emp", "other"))
    mine = world.ext if style == "ext" else world.did
    internal = kind == 0
    them = np.where(
        internal, mine[np.where(internal, other, 0)], world.numbers[np.where(internal, 0, other)]
    )
    caller = np.where(kind == 1, them, mine[emp])
    callee = np.where(kind == 1, mine[emp], them)
    return caller, callee


def _iso(t: np.ndarray) -> np.ndarray:
    return np.char.add(np.datetime_as_string(t.astype("datetime64[us]"), unit="s"), "Z")


def _us_style(t: np.ndarray) -> np.ndarray:
    iso = np.datetime_as_string(t.astype("datetime64[us]"), unit="s")
    return np.array([f"{s[5:7]}/{s[8:10]}/{s[:4]} {s[11:]}" for s in iso], object)


def render(world: World, table: pa.Table, fmt: str) -> pa.Table:
    """The canonical calls as the columns of one export format."""
    if fmt == "teams":  # the PSTN and Direct Routing logs hold no internal calls
        table = table.filter(pc.not_equal(table["kind"], 0))
    n = table.num_rows
    t, kind, emp = table["t"].to_numpy(), table["kind"].to_numpy(), table["emp"].to_numpy()
    duration = table["duration"].to_numpy().astype(np.int64)
    answered = table["answered"].to_numpy()
    trunk = np.array([s[4] for s in SITES], object)[world.site[emp]]
    ids = np.char.mod("%016x", np.arange(n, dtype=np.int64) + 7_340_033).astype(object)
    caller, callee = sides(world, table, "did" if fmt == "teams" else "ext")
    if fmt == "cucm":
        return _cucm(world, table, caller, callee, trunk, ids)
    if fmt == "asterisk":
        return _asterisk(world, table, caller, callee, trunk, ids)
    if fmt == "teams":
        return pa.table({
            "id": ids, "callId": ids, "userPrincipalName": world.upn[emp],
            "startDateTime": _iso(t), "endDateTime": _iso(t + duration * _US),
            "duration": duration, "charge": np.zeros(n), "callType": np.where(kind == 1, "user_in", "user_out"),
            "currency": np.full(n, "USD"), "calleeNumber": callee, "callerNumber": caller,
            "trunkFullyQualifiedDomainName": np.full(n, "sbc1.corp.example"),
        })  # fmt: skip
    if fmt == "webex":
        return pa.table({
            "Start time": _iso(t), "Answered": np.where(answered, "true", "false"),
            "Duration": duration, "Direction": np.where(kind == 1, "TERMINATING", "ORIGINATING"),
            "Calling number": caller, "Called number": callee, "User": world.upn[emp],
            "Device MAC": world.device[emp], "Inbound trunk": np.where(kind == 1, trunk, None),
            "Outbound trunk": np.where(kind == 2, trunk, None), "Report ID": ids,
        })  # fmt: skip
    shape = np.arange(n) % 3  # merged exports mix timestamp styles
    epoch = (t // _US).astype(str).astype(object)
    start = np.where(shape == 0, _iso(t).astype(object), np.where(shape == 1, epoch, _us_style(t)))
    return pa.table({
        "caller": caller, "callee": callee, "start": start, "duration": duration,
        "answered": np.where(answered, "yes", "no"), "trunk": np.where(kind == 0, None, trunk),
        "user": world.upn[emp],
    })  # fmt: skip


def _cucm(
    world: World,
    table: pa.Table,
    caller: np.ndarray,
    callee: np.ndarray,
    trunk: np.ndarray,
    ids: np.ndarray,
) -> pa.Table:
    """CUCM's full record, unused fields empty; outside callers partly written "\\+1..."."""
    n = table.num_rows
    kind, emp, other = (table[c].to_numpy() for c in ("kind", "emp", "other"))
    secs = table["t"].to_numpy() // _US
    duration = table["duration"].to_numpy().astype(np.int64)
    escaped = np.char.startswith(caller.astype(str), "+") & (np.arange(n) % 3 == 0)
    colleague = world.device[np.where(kind == 0, other, 0)]
    cols: dict[str, object] = dict.fromkeys(CUCM_COLUMNS, pa.nulls(n, pa.string()))
    cols |= {
        "cdrRecordType": np.ones(n, np.int64), "globalCallID_callManagerId": np.ones(n, np.int64),
        "globalCallID_callId": np.arange(n, dtype=np.int64) + 100_000, "dateTimeOrigination": secs,
        "callingPartyNumber": np.where(escaped, np.char.add("\\", caller.astype(str)), caller),
        "originalCalledPartyNumber": callee, "finalCalledPartyNumber": callee,
        "dateTimeConnect": np.where(table["answered"].to_numpy(), secs + 6, 0),
        "dateTimeDisconnect": secs + 6 + duration, "pkid": ids, "duration": duration,
        "origDeviceName": np.where(kind == 1, trunk, world.device[emp]),
        "destDeviceName": np.where(kind == 2, trunk, np.where(kind == 0, colleague, world.device[emp])),
    }  # fmt: skip
    return pa.table({k: v if isinstance(v, pa.Array) else pa.array(v) for k, v in cols.items()})


def _asterisk(
    world: World,
    table: pa.Table,
    caller: np.ndarray,
    callee: np.ndarray,
    trunk: np.ndarray,
    ids: np.ndarray,
) -> pa.Table:
    """Asterisk's Master.csv record (no header): times as the server's wall clock (UTC here),
    billsec the time talked, channels named after the phone's extension or the trunk."""
    kind, emp = table["kind"].to_numpy(), table["emp"].to_numpy()
    t = table["t"].to_numpy().astype("datetime64[us]").astype("datetime64[s]")
    talked = table["duration"].to_numpy().astype(np.int64)
    answered = table["answered"].to_numpy()

    def clock(at: np.ndarray) -> np.ndarray:
        return np.char.replace(np.datetime_as_string(at, unit="s"), "T", " ").astype(object)

    ring = np.timedelta64(6, "s")
    phone = np.char.add("PJSIP/", world.ext[emp].astype(str)).astype(object)
    line = np.char.add("PJSIP/", trunk.astype(str)).astype(object)
    channel = np.where(kind == 1, line, phone)
    dest = np.where(kind == 2, line, np.where(kind == 1, phone, "PJSIP/" + callee.astype(object)))
    n = table.num_rows
    cols = {
        "accountcode": np.full(n, "", object), "src": caller, "dst": callee,
        "dcontext": np.where(kind == 1, "from-trunk", "from-internal"),
        "clid": np.char.add(np.char.add('"" <', caller.astype(str)), ">").astype(object),
        "channel": channel + "-00000001", "dstchannel": dest + "-00000002",
        "lastapp": np.full(n, "Dial", object), "lastdata": dest + ",60",
        "start": clock(t), "answer": np.where(answered, clock(t + ring), ""),
        "end": clock(t + ring + talked.astype("timedelta64[s]")), "duration": talked + 6,
        "billsec": np.where(answered, talked, 0),
        "disposition": np.where(answered, "ANSWERED", "NO ANSWER"),
        "amaflags": np.full(n, "DOCUMENTATION", object), "uniqueid": ids,
        "userfield": np.full(n, "", object),
    }  # fmt: skip
    assert list(cols) == list(ASTERISK_COLUMNS[: len(cols)])
    return pa.table({k: pa.array(v) for k, v in cols.items()})


def write_cdr(path: Path, world: World, table: pa.Table, fmt: str) -> Path:
    """Write the calls as `fmt`'s CSV export (CUCM quoted, with its line of data types)."""
    out = render(world, table, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        if fmt == "cucm":
            head = io.StringIO()
            writer = csv.writer(head, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow(out.column_names)
            writer.writerow(
                [
                    "VARCHAR(50)" if out[c].type == pa.string() else "INTEGER"
                    for c in out.column_names
                ]
            )
            fh.write(head.getvalue().encode())
        # CUCM wrote its header above; Asterisk writes none.
        pcsv.write_csv(out, fh, pcsv.WriteOptions(include_header=fmt not in ("cucm", "asterisk")))
    return path
