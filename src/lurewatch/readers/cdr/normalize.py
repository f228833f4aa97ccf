"""A batch of CDR strings into rows of the `call` table, a column at a time.

Numbers, devices and users are looked up once per distinct value (`Lookup`), so the cost of a
batch is a few vectorised passes plus the values the file had not shown before. Which side
is the employee follows from the dial plan first, then from what the record declares:

1. a call that came in over a trunk facing the public network (or that a PSTN-only export
   declares inbound) while showing an internal number on both sides is inbound with a
   *presented internal* caller ID: the external party is the number it presented;
2. both sides internal: internal;
3. only the callee internal: inbound; only the caller internal: outbound;
4. neither side internal: the declared direction decides, else a call that came in over an
   external trunk is inbound, else the record is rejected (the dial plan is incomplete).
The event id hashes the record's fields, with numbers and users as stored (pseudonyms under a
key), so the same record read twice is stored once. Ingest leaves the hashing to the store
(`Context.hash_ids = False`), which does it on every core.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lurewatch.config import Settings
from lurewatch.enrich.phone import NumberPlan
from lurewatch.ids import content_id
from lurewatch.privacy import pseudonym_key, pseudonymize
from lurewatch.readers.cdr.lookup import Lookup
from lurewatch.readers.cdr.mapping import Layout
from lurewatch.readers.cdr.values import (
    parse_answered,
    parse_directions,
    parse_durations,
    parse_times,
)
from lurewatch.readers.records import Reject
from lurewatch.schema import CALL

_TYPES = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DOUBLE": pa.float64()}
_TYPES |= {"BOOLEAN": pa.bool_(), "TIMESTAMP": pa.timestamp("us")}
CALL_SCHEMA = pa.schema([pa.field(c.name, _TYPES[c.type]) for c in CALL])
_ID_FIELDS = (  # raw fields that, with the stored numbers and user, identify a record
    "start", "duration", "answered", "direction", "trunk", "device", "caller_device",
    "callee_device", "record_id",
)  # fmt: skip
_NULL = pa.scalar(None, pa.string())


class Context:
    """What normalization needs from the settings, and the per-value facts it has learned."""

    def __init__(
        self,
        plan: NumberPlan,
        key: bytes | None,
        tz: str,
        trunks: list[str],
        endpoints: tuple[str, ...] = (),
        channels: bool = False,
    ) -> None:
        self.plan, self.key, self.tz, self.trunks = plan, key, tz, trunks
        self.endpoints = endpoints  # device-name prefixes of phones (CUCM)
        self.channels = channels  # devices are Asterisk channels (channel_peer)
        self.hash_ids = True  # False: `event.id` holds the content the store hashes
        self.numbers = Lookup(
            [("stored", pa.string()), ("internal", pa.bool_()), ("kind", pa.string())]
            + [("country", pa.string()), ("type", pa.string())],
            self._number,
        )
        self.users = Lookup([("stored", pa.string())], lambda v: (pseudonymize(v, key, "user"),))
        self.trunk_names = Lookup([("trunk", pa.bool_()), ("external", pa.bool_())], self._trunk)
        self.devices = Lookup([("trunk", pa.bool_()), ("external", pa.bool_())], self._device)

    @classmethod
    def from_settings(
        cls, settings: Settings, endpoints: tuple[str, ...] = (), channels: bool = False
    ) -> Context:
        calls = settings.calls
        trunks = [t.lower() for t in calls.external_trunks]
        key = pseudonym_key(settings)
        return cls(NumberPlan(calls), key, calls.timezone, trunks, endpoints, channels)

    def _number(self, raw: str) -> tuple[object, ...]:
        p = self.plan.party(raw)
        stored = pseudonymize(p.value, self.key, "phone")
        return stored, p.internal, p.kind, p.country, p.type

    def _trunk(self, name: str) -> tuple[bool, bool]:
        """A trunk column holds only trunks; it faces the public network when it matches
        calls.external_trunks (or, with none configured, always)."""
        low = name.lower()
        return True, not self.trunks or any(fnmatch.fnmatchcase(low, p) for p in self.trunks)

    def _device(self, name: str) -> tuple[bool, bool]:
        """In a device column (CUCM, Asterisk) phones are not trunks; other devices are."""
        low = name.lower()
        # An Asterisk trunk is listed by its peer ("provider-*") or as TECH/peer.
        names = (low, low.partition("/")[2]) if self.channels else (low,)
        external = any(fnmatch.fnmatchcase(n, p) for n in names for p in self.trunks)
        if self.channels:
            phone = _PHONE_CHANNEL.fullmatch(name) is not None
        else:
            phone = name.upper().startswith(self.endpoints)  # none listed: no phones
        is_trunk = external or not phone
        return is_trunk, external or (is_trunk and not self.trunks)


# An Asterisk channel is TECH/peer-uniqueid (eight hex digits; a Local channel adds ";1"). Cut
# to TECH/peer, a device name stays the same from call to call; the peer of a phone is its
# extension, and Local channels (queues, ring groups, follow-me) stay inside the PBX.
_CHANNEL_SUFFIX = r"-[0-9a-fA-F]{8}(;\d+)?$"
_PHONE_CHANNEL = re.compile(r"(?i)local/.*|[a-z0-9_]+/\d{1,6}")


def channel_peer(channels: pa.Array) -> pa.Array:
    """Asterisk channel names without their per-call unique part."""
    return pc.replace_substring_regex(channels, _CHANNEL_SUFFIX, "")


def _field(batch: pa.RecordBatch, layout: Layout, name: str) -> pa.Array | None:
    heads = layout.fields.get(name)
    if not heads:
        return None
    cols = [batch.column(h) for h in heads]
    return cols[0] if len(cols) == 1 else pc.coalesce(*cols)


@dataclass
class _Side:
    stored: pa.Array
    internal: np.ndarray
    kind: pa.Array
    country: pa.Array
    type: pa.Array


def _sides(caller: pa.Array, callee: pa.Array, ctx: Context) -> tuple[_Side, _Side]:
    """Both parties, looked up together: one pass over the known numbers."""
    n = len(caller)
    f = ctx.numbers(pa.concat_arrays([caller, callee]))

    def side(start: int) -> _Side:
        part = {k: v.slice(start, n) for k, v in f.items()}
        return _Side(
            part["stored"],
            _bools(part["internal"]),
            pc.fill_null(part["kind"], "withheld"),  # an empty caller column: a withheld number
            part["country"],
            pc.fill_null(part["type"], "withheld"),
        )

    return side(0), side(n)


def _bools(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False))


def _trunks(
    batch: pa.RecordBatch, layout: Layout, ctx: Context
) -> tuple[np.ndarray, pa.Array, pa.Array | None, pa.Array | None]:
    """(entered over an external trunk, trunk name, caller device, callee device)."""
    n = batch.num_rows
    cdev, ddev = _field(batch, layout, "caller_device"), _field(batch, layout, "callee_device")
    if cdev is not None or ddev is not None:
        cdev = cdev if cdev is not None else pa.nulls(n, pa.string())
        ddev = ddev if ddev is not None else pa.nulls(n, pa.string())
        if ctx.channels:
            cdev, ddev = channel_peer(cdev), channel_peer(ddev)
        c, d = ctx.devices(cdev), ctx.devices(ddev)
        name = pc.if_else(
            pc.fill_null(c["trunk"], False),
            cdev,
            pc.if_else(pc.fill_null(d["trunk"], False), ddev, _NULL),
        )
        return _bools(c["external"]), name, cdev, ddev
    trunk = _field(batch, layout, "trunk")
    if trunk is None:
        return np.zeros(n, bool), pa.nulls(n, pa.string()), None, None
    return _bools(ctx.trunk_names(trunk)["external"]), trunk, None, None


def _pick(mask: np.ndarray, a: pa.Array, b: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), a, b)


def _id_contents(columns: list[pa.Array], keep: np.ndarray) -> pa.Array:
    """What identifies each kept record: its fields joined. The store hashes it
    (`lurewatch.ids.content_id_sql`); `hash_ids` does the same in Python."""
    if not keep.all():
        columns = [c.filter(pa.array(keep)) for c in columns]
    return pc.binary_join_element_wise(*columns, "\x1f", null_handling="replace")


def hash_ids(contents: pa.Array) -> pa.Array:
    """`content_id("call", ...)` of each content, as the store computes it in bulk."""
    return pa.array([content_id("call", c) for c in contents.to_pylist()], pa.string())


def _person(batch: pa.RecordBatch, layout: Layout, side_device: pa.Array | None) -> pa.Array:
    """The employee side's user, else its device."""
    found = [_field(batch, layout, "user"), _field(batch, layout, "device"), side_device]
    present = [a for a in found if a is not None]
    if not present:
        return pa.nulls(batch.num_rows, pa.string())
    return present[0] if len(present) == 1 else pc.coalesce(*present)


def normalize(
    batch: pa.RecordBatch, layout: Layout, ctx: Context, path: str, lines: np.ndarray
) -> tuple[pa.Table, list[Reject]]:
    """Call rows of the batch's readable records, and a reject for each other record."""
    n = batch.num_rows
    raw = {f: _field(batch, layout, f) for f in ("caller", "callee", "start")}
    caller_raw, callee_raw, start_raw = raw["caller"], raw["callee"], raw["start"]
    assert caller_raw is not None and callee_raw is not None and start_raw is not None
    start = parse_times(start_raw, ctx.tz)
    caller, callee = _sides(caller_raw, callee_raw, ctx)
    declared_raw = _field(batch, layout, "direction")
    declared = pa.nulls(n, pa.string()) if declared_raw is None else parse_directions(declared_raw)
    d_in, d_out = _bools(pc.equal(declared, "inbound")), _bools(pc.equal(declared, "outbound"))
    entered, trunk, cdev, ddev = _trunks(batch, layout, ctx)
    if layout.preset.pstn_only:
        entered = entered | d_in
    ci, ei = caller.internal, callee.internal
    presented = ci & ei & entered & ~d_out
    internal_call = ci & ei & ~presented
    neither = ~ci & ~ei
    inbound = presented | (~ci & ei) | (neither & (d_in | (entered & ~d_out)))
    outbound = (ci & ~ei) | (neither & d_out & ~d_in)
    why = {
        "start": np.asarray(pc.is_null(start)),
        "caller": _bools(pc.equal(caller.kind, "invalid")),
        "callee": _bools(pc.equal(callee.kind, "invalid")) | np.asarray(pc.is_null(callee_raw)),
        "direction": neither & ~inbound & ~outbound,
    }
    keep = ~(why["start"] | why["caller"] | why["callee"] | why["direction"])
    rejects = _rejects(raw, why, keep, path, lines)
    duration_raw = _field(batch, layout, "duration")
    duration = pa.nulls(n, pa.float64()) if duration_raw is None else parse_durations(duration_raw)
    talked = pc.greater(duration, 0.0)
    answered_raw = _field(batch, layout, "answered")
    answered = talked if answered_raw is None else pc.coalesce(parse_answered(answered_raw), talked)
    side_device = None
    if cdev is not None and ddev is not None:
        side_device = _pick(outbound | internal_call, cdev, ddev)
    user = ctx.users(_person(batch, layout, side_device))["stored"]
    none = pa.nulls(n, pa.string())

    def external(a: pa.Array, b: pa.Array) -> pa.Array:
        return _pick(inbound, a, _pick(outbound, b, none))

    columns = {
        "@timestamp": start,
        "log.file.path": pa.repeat(pa.scalar(path, pa.string()), n),
        "log.offset": pa.array(lines, pa.int64()),
        "call.direction": pc.if_else(
            pa.array(internal_call),
            "internal",
            pc.if_else(pa.array(inbound), "inbound", "outbound"),
        ),
        "call.caller": caller.stored,
        "call.callee": callee.stored,
        "call.external": external(caller.stored, callee.stored),
        "call.internal": _pick(inbound, callee.stored, caller.stored),
        "call.external.country": external(caller.country, callee.country),
        "call.external.type": external(caller.type, callee.type),
        "call.presented_internal": pa.array(presented),
        "call.duration": duration,
        "call.answered": answered,
        "call.trunk": trunk,
        "user.name": user,
    }
    id_cols = [caller.stored, callee.stored, user]
    id_cols += [a for f in _ID_FIELDS if (a := _field(batch, layout, f)) is not None]
    mask = pa.array(keep)
    kept = columns if keep.all() else {k: v.filter(mask) for k, v in columns.items()}
    contents = _id_contents(id_cols, keep)
    kept["event.id"] = hash_ids(contents) if ctx.hash_ids else contents
    return pa.table([kept[f.name] for f in CALL_SCHEMA], schema=CALL_SCHEMA), rejects


def _rejects(
    raw: dict[str, pa.Array | None],
    why: dict[str, np.ndarray],
    keep: np.ndarray,
    path: str,
    lines: np.ndarray,
) -> list[Reject]:
    """One reject per unreadable record, saying what was wrong with it (first reason wins)."""
    bad = np.flatnonzero(~keep)
    if not len(bad):
        return []
    idx = pa.array(bad)
    values = {k: pc.take(v, idx).to_pylist() for k, v in raw.items() if v is not None}
    out = []
    for j, i in enumerate(bad):
        start, caller, callee = values["start"][j], values["caller"][j], values["callee"][j]
        if why["start"][i]:
            reason = f"unreadable start time: {start[:60]!r}" if start else "no start time"
        elif why["caller"][i]:
            reason = f"unparseable caller number: {str(caller)[:60]!r}"
        elif why["callee"][i]:
            reason = f"unparseable called number: {callee[:60]!r}" if callee else "no called number"
        else:
            reason = (
                f"undecided direction: neither {caller!r} nor {callee!r} is the organization's "
                "and the record declares no direction; list your numbers in "
                "calls.internal_numbers or calls.extensions"
            )
        out.append(Reject("call", path, int(lines[i]), reason))
    return out
